/* ytree.c - YAML events to a bounded tree; see ytree.h.
 * libyaml's document loader recurses without a depth limit and is quadratic on deep flow
 * nesting, so the tree is built here from events, stopping at the first bound crossed. */
#include "ytree.h"
#include "strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

struct builder {
	struct ytree *tree;
	const char *file;
	const char *buf; /* the input, to place errors libyaml gives only as a byte offset */
	size_t len;
	struct diags *d;
	struct ynode *stack[YTREE_MAX_DEPTH + 1];
	size_t depth;
	struct strmap anchors;
	uint64_t expanded;
	size_t built; /* nodes held in memory; an alias adds none */
	size_t n_anchors;
	int documents;
	bool failed; /* stop: the tree cannot be finished */
	bool errors; /* any error, including those after which the tree is still whole */
};

enum {
	MAX_MERGES = 16, /* merge keys (<<) in one mapping */
	/* A node costs about 100 bytes with its slot in the parent, plus its string: with these
	 * bounds even a rejected 8 MiB file stays well under 64 MiB. YTREE_MAX_EXPANDED bounds the
	 * walk through aliases, which cost no memory. A lab of thousands of nodes is far below. */
	MAX_NODES = 300000,
	MAX_ANCHORS = 50000,
};

static void vsay(struct builder *b, uint32_t line, uint32_t col, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void vsay(struct builder *b, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	diags_add(b->d, (struct srcloc){ b->file, line, col }, "%s", msg);
	b->errors = true;
}

/* An error after which the tree cannot be built any further. */
static void fail_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(b, line, col, fmt, ap);
	va_end(ap);
	b->failed = true;
}

/* An error that leaves the tree whole (the offending entry is left out), so that the loader can
 * still check the rest of the file and the user sees every error at once. */
static void error_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void error_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(b, line, col, fmt, ap);
	va_end(ap);
}

static struct ynode *new_node(struct builder *b, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode *n = arena_alloc(&b->tree->arena, sizeof(*n));
	n->type = type;
	n->line = (uint32_t)m->line + 1;
	n->col = (uint32_t)m->column + 1;
	n->weight = 1;
	return n;
}

/* Aliases may repeat what the file says, within reason: a bound that grows with the file (a
 * 2 KiB file must not become a million addresses), never above YTREE_MAX_EXPANDED. */
static uint64_t expansion_bound(size_t len)
{
	uint64_t scaled = (uint64_t)len * 16;
	if (scaled < 20000)
		scaled = 20000;
	return scaled < YTREE_MAX_EXPANDED ? scaled : YTREE_MAX_EXPANDED;
}

static void count(struct builder *b, uint64_t w, const yaml_mark_t *m)
{
	b->expanded += w;
	uint64_t bound = expansion_bound(b->len);
	if (b->expanded > bound && !b->failed)
		fail_at(b, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
			"aliases expand the document beyond %llu nodes (16 per byte of the file, at "
			"least 20000)", (unsigned long long)bound);
}

/* Checked before a node is made, so the bound holds however the file is shaped. */
static bool too_many(struct builder *b, const yaml_mark_t *m)
{
	if (++b->built <= MAX_NODES)
		return false;
	fail_at(b, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
		"the document has more than %d nodes", MAX_NODES);
	return true;
}

/* Places a finished or opened node under the innermost open collection (or as the root). */
static void attach(struct builder *b, struct ynode *n)
{
	if (!b->depth) {
		if (!b->tree->root)
			b->tree->root = n;
		return;
	}
	struct ynode *parent = b->stack[b->depth - 1];
	*ARENA_PUSH(&b->tree->arena, parent->items, parent->n, parent->cap) = n;
}

static void remember_anchor(struct builder *b, const yaml_char_t *anchor, struct ynode *n)
{
	if (!anchor)
		return;
	if (++b->n_anchors > MAX_ANCHORS) {
		fail_at(b, n->line, n->col, "the document has more than %d anchors", MAX_ANCHORS);
		return;
	}
	strmap_put(&b->anchors, arena_strdup(&b->tree->arena, (const char *)anchor), n);
}

/* seen holds the keys map has so far: a key already there wins over a merged one. A hash
 * rather than a scan, or merging a mapping of n keys would take n^2 steps. */
static void merge_one(struct builder *b, struct ynode *map, struct strmap *seen,
		      const struct ynode *from)
{
	if (from->type != Y_MAP) {
		error_at(b, from->line, from->col,
			 "a merge key (<<) takes a mapping or a list of mappings, not %s",
			 from->type == Y_SEQ ? "a list" : "a scalar");
		return;
	}
	for (size_t i = 0; i + 1 < from->n; i += 2) {
		if (strmap_put(seen, from->items[i]->value, from->items[i]))
			continue;
		*ARENA_PUSH(&b->tree->arena, map->items, map->n, map->cap) = from->items[i];
		*ARENA_PUSH(&b->tree->arena, map->items, map->n, map->cap) = from->items[i + 1];
	}
}

/* Checks keys, reports duplicates, folds merge keys: the explicit keys win, then the merged
 * mappings in the order given. A bad entry is reported and left out; the rest stays usable. */
static void finish_map(struct builder *b, struct ynode *map)
{
	struct strmap seen = { 0 };
	struct ynode *merges[MAX_MERGES];
	size_t n_merges = 0, w = 0;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		struct ynode *k = map->items[i], *v = map->items[i + 1];
		if (k->type != Y_SCALAR) {
			error_at(b, k->line, k->col, "a mapping key must be a string, not %s",
				 k->type == Y_SEQ ? "a list" : "a mapping");
			continue;
		}
		if (k->plain && strcmp(k->value, "<<") == 0) {
			if (n_merges < MAX_MERGES)
				merges[n_merges++] = v;
			else
				error_at(b, k->line, k->col, "more than %d merge keys (<<) in one mapping",
					 MAX_MERGES);
			continue;
		}
		struct ynode *first = strmap_put(&seen, k->value, k);
		if (first) {
			error_at(b, k->line, k->col, "duplicate key '%s' (first at line %u)", k->value,
				 first->line);
			strmap_put(&seen, first->value, first);
			continue;
		}
		map->items[w++] = k;
		map->items[w++] = v;
	}
	map->n = w;
	for (size_t m = 0; m < n_merges; m++) {
		if (merges[m]->type == Y_SEQ) {
			for (size_t j = 0; j < merges[m]->n; j++)
				merge_one(b, map, &seen, merges[m]->items[j]);
		} else {
			merge_one(b, map, &seen, merges[m]);
		}
	}
	strmap_free(&seen);
}

static void close_collection(struct builder *b)
{
	struct ynode *n = b->stack[--b->depth];
	if (n->type == Y_MAP)
		finish_map(b, n);
	for (size_t i = 0; i < n->n; i++) {
		n->weight += n->items[i]->weight;
		if (n->weight > YTREE_MAX_EXPANDED)
			n->weight = (uint64_t)YTREE_MAX_EXPANDED + 1;
	}
	n->complete = true;
}

static void on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *target = strmap_get(&b->anchors, name);
	uint32_t line = (uint32_t)ev->start_mark.line + 1, col = (uint32_t)ev->start_mark.column + 1;
	if (!target) {
		fail_at(b, line, col, "unknown anchor '%s' (an alias must follow its anchor)", name);
		return;
	}
	if (!target->complete) {
		fail_at(b, line, col, "alias '*%s' refers to a node that contains it", name);
		return;
	}
	count(b, target->weight, &ev->start_mark);
	attach(b, target);
}

static void on_open(struct builder *b, const yaml_event_t *ev, enum ynode_type type,
		    const yaml_char_t *anchor)
{
	if (b->depth == YTREE_MAX_DEPTH) {
		fail_at(b, (uint32_t)ev->start_mark.line + 1, (uint32_t)ev->start_mark.column + 1,
			"nesting deeper than %d levels", YTREE_MAX_DEPTH);
		return;
	}
	if (too_many(b, &ev->start_mark))
		return;
	struct ynode *n = new_node(b, type, &ev->start_mark);
	count(b, 1, &ev->start_mark);
	remember_anchor(b, anchor, n);
	attach(b, n);
	b->stack[b->depth++] = n;
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	if (too_many(b, &ev->start_mark))
		return;
	struct ynode *n = new_node(b, Y_SCALAR, &ev->start_mark);
	n->value = arena_strndup(&b->tree->arena, (const char *)ev->data.scalar.value,
				 ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	n->complete = true;
	/* A double-quoted "\0" (or \x00, \u0000) decodes to a NUL byte: every C string after this
	 * would end there, and "lab1\0../../etc" would silently become "lab1". Nothing in a lab
	 * needs one, in a key or a value. */
	if (memchr(n->value, '\0', n->len))
		error_at(b, n->line, n->col,
			 "a string cannot contain a NUL character (\\0, \\x00 or \\u0000)");
	count(b, 1, &ev->start_mark);
	remember_anchor(b, ev->data.scalar.anchor, n);
	attach(b, n);
}

/* The line and column (in characters, as libyaml counts them) of a byte offset in the input. */
static void place(const struct builder *b, size_t off, uint32_t *line, uint32_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < b->len; i++) {
		if (b->buf[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)b->buf[i] & 0xc0) != 0x80) {
			++*col;
		}
	}
}

/* The byte at a line and column; libyaml's mark.index counts characters, not bytes. */
static int byte_at(const struct builder *b, uint32_t line, uint32_t col)
{
	size_t i = 0;
	for (uint32_t l = 1; l < line && i < b->len; i++)
		if (b->buf[i] == '\n')
			l++;
	for (uint32_t c = 1; i < b->len; i++) {
		if (((unsigned char)b->buf[i] & 0xc0) == 0x80)
			continue;
		if (c++ == col)
			return (unsigned char)b->buf[i];
	}
	return -1;
}

static void on_syntax_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "error";
	uint32_t line = (uint32_t)p->problem_mark.line + 1, col = (uint32_t)p->problem_mark.column + 1;
	/* The reader (bad bytes, bad UTF-8) gives only a byte offset, and its mark is unset. */
	if (p->error == YAML_READER_ERROR) {
		place(b, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			fail_at(b, line, col, "YAML syntax: %s (byte 0x%02x)", problem, p->problem_value);
		else
			fail_at(b, line, col, "YAML syntax: %s", problem);
		return;
	}
	/* libyaml calls a tab where indentation is expected a character that cannot start a token. */
	if (byte_at(b, line, col) == '\t') {
		fail_at(b, line, col, "YAML syntax: a tab cannot indent YAML (use spaces)");
		return;
	}
	char ctx[160] = "";
	if (p->context && p->context_mark.line + 1 != line)
		snprintf(ctx, sizeof(ctx), " %s (line %zu)", p->context, p->context_mark.line + 1);
	else if (p->context)
		snprintf(ctx, sizeof(ctx), " %s", p->context);
	fail_at(b, line, col, "YAML syntax: %s%s", problem, ctx);
}

/* One event; returns false at the end of the stream or on the first error. */
static bool step(struct builder *b, yaml_parser_t *p)
{
	yaml_event_t ev;
	if (!yaml_parser_parse(p, &ev)) {
		on_syntax_error(b, p);
		return false;
	}
	bool more = true;
	switch (ev.type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			fail_at(b, (uint32_t)ev.start_mark.line + 1, (uint32_t)ev.start_mark.column + 1,
				"a topology file holds one YAML document, this is a second one");
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(b, &ev);
		break;
	case YAML_ALIAS_EVENT:
		on_alias(b, &ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		on_open(b, &ev, Y_SEQ, ev.data.sequence_start.anchor);
		break;
	case YAML_MAPPING_START_EVENT:
		on_open(b, &ev, Y_MAP, ev.data.mapping_start.anchor);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		close_collection(b);
		break;
	case YAML_STREAM_END_EVENT:
		more = false;
		break;
	default:
		break;
	}
	yaml_event_delete(&ev);
	return more && !b->failed;
}

bool ytree_parse(struct ytree *tree, const char *file, const char *buf, size_t len, struct diags *d)
{
	struct builder b = { .tree = tree, .file = file, .buf = buf, .len = len, .d = d };
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		fail_at(&b, 1, 1, "cannot start the YAML parser");
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (step(&b, &p))
		;
	yaml_parser_delete(&p);
	strmap_free(&b.anchors);
	return !b.errors;
}

void ytree_free(struct ytree *tree)
{
	arena_free(&tree->arena);
	tree->root = NULL;
}

struct ynode *ytree_map_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->items[i]->value, key) == 0)
			return map->items[i + 1];
	return NULL;
}

bool ytree_is_null(const struct ynode *n)
{
	if (n->type != Y_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	       strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}
