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
	struct diags *d;
	struct ynode *stack[YTREE_MAX_DEPTH + 1];
	size_t depth;
	struct strmap anchors;
	uint64_t expanded;
	int documents;
	bool failed;
};

static void fail_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail_at(struct builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(b->d, (struct srcloc){ b->file, line, col }, "%s", msg);
	b->failed = true;
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

static void count(struct builder *b, uint64_t w, const yaml_mark_t *m)
{
	b->expanded += w;
	if (b->expanded > YTREE_MAX_EXPANDED && !b->failed)
		fail_at(b, (uint32_t)m->line + 1, (uint32_t)m->column + 1,
			"aliases expand the document beyond %d nodes", YTREE_MAX_EXPANDED);
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
	if (anchor)
		strmap_put(&b->anchors, arena_strdup(&b->tree->arena, (const char *)anchor), n);
}

static bool map_has_key(const struct ynode *map, size_t upto, const char *key)
{
	for (size_t i = 0; i < upto; i += 2)
		if (map->items[i]->type == Y_SCALAR && strcmp(map->items[i]->value, key) == 0)
			return true;
	return false;
}

static void merge_one(struct builder *b, struct ynode *map, const struct ynode *from)
{
	if (from->type != Y_MAP) {
		fail_at(b, from->line, from->col, "a merge key (<<) takes a mapping or a list of mappings");
		return;
	}
	for (size_t i = 0; i < from->n; i += 2) {
		if (map_has_key(map, map->n, from->items[i]->value))
			continue;
		*ARENA_PUSH(&b->tree->arena, map->items, map->n, map->cap) = from->items[i];
		*ARENA_PUSH(&b->tree->arena, map->items, map->n, map->cap) = from->items[i + 1];
	}
}

/* Checks keys, reports duplicates, folds merge keys: the explicit keys win, then the merged
 * mappings in the order given. */
static void finish_map(struct builder *b, struct ynode *map)
{
	struct strmap seen = { 0 };
	struct ynode *merges[16];
	size_t n_merges = 0, w = 0;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		struct ynode *k = map->items[i], *v = map->items[i + 1];
		if (k->type != Y_SCALAR) {
			fail_at(b, k->line, k->col, "a mapping key must be a plain string");
			continue;
		}
		if (k->plain && strcmp(k->value, "<<") == 0) {
			if (n_merges < 16)
				merges[n_merges++] = v;
			continue;
		}
		struct ynode *first = strmap_put(&seen, k->value, k);
		if (first) {
			fail_at(b, k->line, k->col, "duplicate key '%s' (first at line %u)", k->value,
				first->line);
			strmap_put(&seen, first->value, first);
			continue;
		}
		map->items[w++] = k;
		map->items[w++] = v;
	}
	strmap_free(&seen);
	map->n = w;
	for (size_t m = 0; m < n_merges; m++) {
		if (merges[m]->type == Y_SEQ) {
			for (size_t j = 0; j < merges[m]->n; j++)
				merge_one(b, map, merges[m]->items[j]);
		} else {
			merge_one(b, map, merges[m]);
		}
	}
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
	struct ynode *n = new_node(b, type, &ev->start_mark);
	count(b, 1, &ev->start_mark);
	remember_anchor(b, anchor, n);
	attach(b, n);
	b->stack[b->depth++] = n;
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct ynode *n = new_node(b, Y_SCALAR, &ev->start_mark);
	n->value = arena_strndup(&b->tree->arena, (const char *)ev->data.scalar.value,
				 ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	n->complete = true;
	count(b, 1, &ev->start_mark);
	remember_anchor(b, ev->data.scalar.anchor, n);
	attach(b, n);
}

static void on_syntax_error(struct builder *b, const yaml_parser_t *p)
{
	const yaml_mark_t *m = &p->problem_mark;
	char ctx[160] = "";
	if (p->context)
		snprintf(ctx, sizeof(ctx), " %s (line %zu)", p->context, p->context_mark.line + 1);
	fail_at(b, (uint32_t)m->line + 1, (uint32_t)m->column + 1, "YAML syntax: %s%s",
		p->problem ? p->problem : "error", ctx);
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
	struct builder b = { .tree = tree, .file = file, .d = d };
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
	return !b.failed;
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
