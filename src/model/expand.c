/* expand.c - compact to plain topology file; see expand.h.
 * Works on the YAML tree before the loader sees it, so the loader, validate and every error
 * message stay as they are: a made node carries the line and column of the range, pattern,
 * default or group entry it came from, and errors about it point there. */
#include "expand.h"
#include "strmap.h"
#include "topo.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yaml.h>

typedef unsigned __int128 u128;

struct xnode {
	struct ynode *key;   /* the name */
	struct ynode *value; /* a mapping of its own (made here), or the file's value when not a mapping */
	bool own_ifaces;     /* value's interfaces mapping was made here and may be added to */
	bool bridge, host, router; /* router: kind router, frr or bird (they get loopbacks) */
};

struct xlink {
	const struct ynode *at; /* the link, range or pattern that made it */
	struct ynode *ep[2];    /* endpoint scalars */
	struct ynode *extra;    /* other keys (mtu, ...), a mapping, or NULL */
	struct ynode *as_is;    /* a link of a shape the loader reports: passed on untouched */
	bool map_form;
	bool dropped;           /* an end reported here: left out, so it is not reported twice */
};

struct pool {
	const struct ynode *at;
	const char *what; /* p2p, lan, loopback */
	int fam;          /* AF_INET or AF_INET6; 0 when not set */
	u128 base;
	unsigned plen, blen; /* the pool's prefix length, and that of each block it gives */
	uint64_t next, count;
};

struct ex {
	struct arena *a;
	const char *file;
	struct diags *d;
	const struct ynode *cur; /* the range or pattern being expanded, for the bound's error */
	uint64_t made, work, bytes;
	bool over, errors;
	struct ynode *dflt_node, *dflt_link, *dflt_test;
	struct strmap groups; /* name -> its settings (a mapping, or NULL) */
	struct ynode *group_names; /* the groups: mapping, names only */
	bool have_nodes;
	struct xnode *nodes;
	size_t n_nodes, cap_nodes;
	struct strmap node_index; /* name -> index + 1 */
	struct xlink *links;
	size_t n_links, cap_links;
	struct strmap taken; /* "node:iface" -> 1, | 2 when it has IPv4 by hand, | 4 IPv6 */
	u128 *hand[2];       /* addresses given by hand, IPv4 and IPv6, sorted */
	size_t n_hand[2], cap_hand[2];
};

static void say(struct ex *x, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct ex *x, const struct ynode *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(x->d, (struct srcloc){ x->file, at->line, at->col }, "%s", msg);
	x->errors = true;
}

/* ---- making nodes ---- */

static struct ynode *mk(struct ex *x, enum ynode_type t, const struct ynode *at)
{
	struct ynode *n = arena_alloc(x->a, sizeof(*n));
	n->type = t;
	n->line = at->line;
	n->col = at->col;
	n->complete = true;
	n->weight = 1;
	if (++x->made > EXPAND_MAX_NODES && !x->over) {
		say(x, x->cur ? x->cur : at,
		    "ranges and patterns expand the file beyond %d YAML nodes", EXPAND_MAX_NODES);
		x->over = true;
	}
	return n;
}

/* Steps that make nothing (looking for templates, matching keys) count too, or a small file
 * could ask for hours of them: a long range over a large aliased body. */
static void spend(struct ex *x, uint64_t steps, const struct ynode *at)
{
	x->work += steps;
	if (x->work > EXPAND_MAX_WORK && !x->over) {
		say(x, x->cur ? x->cur : at, "expanding the file takes more than %d steps (a long range "
					     "over a large body?)", EXPAND_MAX_WORK);
		x->over = true;
	}
}

/* Text made counts by its size: a long string under a long range is copied once per name. */
static void spend_bytes(struct ex *x, size_t len, const struct ynode *at)
{
	x->bytes += len;
	if (x->bytes > EXPAND_MAX_BYTES && !x->over) {
		say(x, x->cur ? x->cur : at, "ranges and patterns expand the file beyond %d MiB of text",
		    EXPAND_MAX_BYTES >> 20);
		x->over = true;
	}
}

static struct ynode *mk_str(struct ex *x, const struct ynode *at, const char *s)
{
	spend_bytes(x, strlen(s), at);
	struct ynode *n = mk(x, Y_SCALAR, at);
	n->value = arena_strdup(x->a, s);
	n->len = strlen(s);
	n->plain = true;
	return n;
}

static void add(struct ex *x, struct ynode *coll, struct ynode *item)
{
	*ARENA_PUSH(x->a, coll->items, coll->n, coll->cap) = item;
}

static void put(struct ex *x, struct ynode *map, struct ynode *k, struct ynode *v)
{
	add(x, map, k);
	add(x, map, v);
}

/* The index of key's value in map->items, or -1. */
static ptrdiff_t slot_of(const struct ynode *map, const char *key)
{
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->items[i]->value, key) == 0)
			return (ptrdiff_t)i + 1;
	return -1;
}

static struct ynode *copy_shallow(struct ex *x, const struct ynode *c)
{
	struct ynode *n = mk(x, c->type, c);
	for (size_t i = 0; i < c->n; i++)
		add(x, n, c->items[i]);
	return n;
}

/* Sets key in a mapping made here: replaces its value, or appends the pair. */
static void set_key(struct ex *x, struct ynode *map, const char *key, struct ynode *v,
		    const struct ynode *at)
{
	ptrdiff_t s = slot_of(map, key);
	if (s >= 0)
		map->items[s] = v;
	else
		put(x, map, mk_str(x, at, key), v);
}

/* Maps merge key by key (over's value wins, recursively); anything else is replaced by over. */
static struct ynode *merge(struct ex *x, struct ynode *base, struct ynode *over)
{
	if (!base)
		return over;
	if (!over)
		return base;
	if (ytree_is_null(over)) /* a key left empty keeps what it had */
		return base;
	if (base->type != Y_MAP || over->type != Y_MAP)
		return over;
	spend(x, base->n * over->n / 4 + 1, over);
	struct ynode *m = mk(x, Y_MAP, over);
	for (size_t i = 0; i + 1 < over->n; i += 2) {
		struct ynode *bv = ytree_map_get(base, over->items[i]->value);
		put(x, m, over->items[i], bv ? merge(x, bv, over->items[i + 1]) : over->items[i + 1]);
	}
	for (size_t i = 0; i + 1 < base->n; i += 2)
		if (slot_of(over, base->items[i]->value) < 0)
			put(x, m, base->items[i], base->items[i + 1]);
	return m;
}

/* ---- ranges and {n} ---- */

struct range {
	size_t pre;        /* bytes before '[' */
	const char *post;  /* after ']' */
	uint32_t *vals;
	uint8_t *widths;   /* zero-padded to this many digits (r[01-16]), or 0 */
	size_t n;          /* 0: the string has no range */
};

static bool parse_num(const char **p, uint32_t *v, uint8_t *width)
{
	const char *s = *p;
	uint64_t acc = 0;
	while (*s >= '0' && *s <= '9' && s - *p < 9)
		acc = acc * 10 + (uint64_t)(*s++ - '0');
	if (s == *p || (*s >= '0' && *s <= '9'))
		return false;
	*width = (s - *p > 1 && **p == '0') ? (uint8_t)(s - *p) : 0;
	*v = (uint32_t)acc;
	*p = s;
	return true;
}

/* "r[1-3,7]" to r1 r2 r3 r7; false (reported) when the brackets do not hold a range. */
static bool parse_range(struct ex *x, const struct ynode *at, const char *s, struct range *r)
{
	memset(r, 0, sizeof(*r));
	const char *open = strchr(s, '[');
	if (!open)
		return true;
	const char *close = strchr(open, ']');
	const char *p = open + 1;
	size_t cap = 0, wcap = 0;
	if (!close)
		goto bad;
	if (strchr(close, '['))
		return say(x, at, "'%s' has more than one range (one [FIRST-LAST] per name)", s), false;
	while (p < close) {
		uint32_t lo, hi;
		uint8_t wl, wh;
		if (!parse_num(&p, &lo, &wl))
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_num(&p, &hi, &wh) || hi < lo)
				goto bad;
		}
		if (*p == ',')
			p++;
		else if (p != close)
			goto bad;
		if ((uint64_t)hi - lo + 1 + r->n > EXPAND_MAX_RANGE)
			return say(x, at, "the range in '%s' makes more than %d names", s, EXPAND_MAX_RANGE),
			       false;
		for (uint64_t v = lo; v <= hi; v++) {
			size_t n = r->n;
			*ARENA_PUSH(x->a, r->vals, r->n, cap) = (uint32_t)v;
			/* every number is padded as the first of its part is: r[01-16] is r01 ... r16 */
			*ARENA_PUSH(x->a, r->widths, n, wcap) = wl;
		}
	}
	if (!r->n)
		goto bad;
	r->pre = (size_t)(open - s);
	r->post = close + 1;
	return true;
bad:
	say(x, at, "invalid range in '%s' (numbers in brackets: [1-50], [01-16] or [1-3,7])", s);
	r->n = 0;
	return false;
}

static char *range_name(struct ex *x, const char *s, const struct range *r, size_t i)
{
	return arena_printf(x->a, "%.*s%0*u%s", (int)r->pre, s, (int)r->widths[i], r->vals[i], r->post);
}

/* A template is {EXPR}: integers, n (the index), + - * / % and parentheses, with the usual
 * precedence, and at least one n. Anything else in braces (BIRD's blocks) is left alone. */
struct tpl {
	const char *p;
	long long n;
	bool has_n, ok, undefined; /* undefined: a division by zero, or out of range */
};

static long long tpl_expr(struct tpl *t, int depth);

/* Values stay within +-10^12, far from overflow whatever follows. */
static long long tpl_clamp(struct tpl *t, __int128 v)
{
	if (v <= 1000000000000LL && v >= -1000000000000LL)
		return (long long)v;
	t->undefined = true;
	return 0;
}

static long long tpl_factor(struct tpl *t, int depth)
{
	while (*t->p == ' ')
		t->p++;
	if (*t->p == 'n') {
		t->p++;
		t->has_n = true;
		return t->n;
	}
	if (*t->p == '(' && depth < 8) {
		t->p++;
		long long v = tpl_expr(t, depth + 1);
		while (*t->p == ' ')
			t->p++;
		if (*t->p++ != ')')
			t->ok = false;
		return v;
	}
	if (*t->p < '0' || *t->p > '9') {
		t->ok = false;
		return 0;
	}
	long long v = 0;
	for (; *t->p >= '0' && *t->p <= '9'; t->p++) {
		if (v > 100000000)
			t->ok = false; /* no such number in a lab; read on without growing it */
		else
			v = v * 10 + (*t->p - '0');
	}
	return v;
}

static long long tpl_term(struct tpl *t, int depth)
{
	long long v = tpl_factor(t, depth);
	for (;;) {
		while (*t->p == ' ')
			t->p++;
		char op = *t->p;
		if (op != '*' && op != '/' && op != '%')
			return v;
		t->p++;
		long long r = tpl_factor(t, depth);
		__int128 w = v;
		if (op == '*')
			w *= r;
		else if (r == 0)
			t->undefined = true;
		else
			w = op == '/' ? v / r : v % r;
		v = tpl_clamp(t, w);
	}
}

static long long tpl_expr(struct tpl *t, int depth)
{
	long long v = tpl_term(t, depth);
	for (;;) {
		while (*t->p == ' ')
			t->p++;
		char op = *t->p;
		if (op != '+' && op != '-')
			return v;
		t->p++;
		long long r = tpl_term(t, depth);
		v = tpl_clamp(t, op == '+' ? (__int128)v + r : (__int128)v - r);
	}
}

/* The next template in s: where it starts, its length and its value for index n; NULL if none. */
static const char *find_tpl(const char *s, long long n, long long *value, size_t *len, bool *undefined)
{
	for (const char *p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
		struct tpl t = { .p = p + 1, .n = n, .ok = true };
		long long v = tpl_expr(&t, 0);
		while (*t.p == ' ')
			t.p++;
		if (!t.ok || !t.has_n || *t.p != '}')
			continue;
		*value = v;
		*len = (size_t)(t.p + 1 - p);
		*undefined = t.undefined;
		return p;
	}
	return NULL;
}

/* s with its templates filled in for index n, or NULL when it has none. A template that divides
 * by zero is left as written, for the loader to refuse where it stands. */
static char *subst(struct ex *x, const char *s, long n)
{
	long long v;
	size_t len;
	bool undef;
	const char *p = find_tpl(s, n, &v, &len, &undef);
	if (!p)
		return NULL;
	size_t cap = strlen(s) + 32, used = 0;
	char *out = xmalloc(cap);
	while (p) {
		size_t lit = (size_t)(p - s);
		char num[32];
		const char *rep = num;
		size_t rl = (size_t)snprintf(num, sizeof(num), "%lld", v);
		if (undef)
			rep = p, rl = len;
		while (used + lit + rl + 1 > cap)
			out = xrealloc(out, cap *= 2);
		memcpy(out + used, s, lit);
		memcpy(out + used + lit, rep, rl);
		used += lit + rl;
		s = p + len;
		p = find_tpl(s, n, &v, &len, &undef);
	}
	size_t rest = strlen(s);
	while (used + rest + 1 > cap)
		out = xrealloc(out, cap *= 2);
	memcpy(out + used, s, rest + 1);
	char *r = arena_strdup(x->a, out);
	free(out);
	return r;
}

static bool has_tpl(struct ex *x, const struct ynode *t)
{
	long long v;
	size_t l;
	bool u;
	spend(x, 1 + t->len / 16, t);
	if (x->over)
		return false;
	if (t->type == Y_SCALAR)
		return find_tpl(t->value, 1, &v, &l, &u) != NULL;
	for (size_t i = 0; i < t->n; i++)
		if (has_tpl(x, t->items[i]))
			return true;
	return false;
}

/* t with every {n} filled in; t itself when it has none (shared, never changed). */
static struct ynode *fill(struct ex *x, struct ynode *t, long n)
{
	if (!t || !has_tpl(x, t))
		return t;
	if (t->type == Y_SCALAR) {
		spend_bytes(x, t->len, t);
		if (x->over)
			return t;
		struct ynode *c = mk(x, Y_SCALAR, t);
		c->value = subst(x, t->value, n);
		c->len = strlen(c->value);
		c->plain = t->plain;
		c->quoted = t->quoted;
		return c;
	}
	struct ynode *c = mk(x, t->type, t);
	for (size_t i = 0; i < t->n && !x->over; i++)
		add(x, c, fill(x, t->items[i], n));
	return c;
}

/* ---- defaults and groups ---- */

static bool is_map_or_null(struct ex *x, struct ynode *v, const char *what)
{
	if (v->type == Y_MAP || ytree_is_null(v))
		return true;
	say(x, v, "%s must be a mapping", what);
	return false;
}

static void read_defaults(struct ex *x, struct ynode *m)
{
	if (!is_map_or_null(x, m, "defaults"))
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		struct ynode *k = m->items[i], *v = m->items[i + 1];
		struct ynode **slot = strcmp(k->value, "node") == 0   ? &x->dflt_node
				      : strcmp(k->value, "link") == 0 ? &x->dflt_link
				      : strcmp(k->value, "test") == 0 ? &x->dflt_test
								      : NULL;
		if (!slot) {
			say(x, k, "unknown key '%s' in defaults (node, link or test)", k->value);
			continue;
		}
		char what[32];
		snprintf(what, sizeof(what), "defaults.%s", k->value);
		if (is_map_or_null(x, v, what) && v->type == Y_MAP)
			*slot = v;
	}
}

static void read_groups(struct ex *x, struct ynode *m)
{
	if (!is_map_or_null(x, m, "groups"))
		return;
	x->group_names = mk(x, Y_MAP, m);
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		struct ynode *k = m->items[i], *v = m->items[i + 1];
		char what[128];
		snprintf(what, sizeof(what), "group %s", k->value);
		if (!is_map_or_null(x, v, what))
			continue;
		if (v->type == Y_MAP && ytree_map_get(v, "group"))
			say(x, ytree_map_get(v, "group"), "a group cannot name groups");
		strmap_put(&x->groups, k->value, v->type == Y_MAP ? v : NULL);
		put(x, x->group_names, k, mk(x, Y_MAP, k));
	}
}

/* Defaults, then the node's groups in the order it names them, then its own keys: later wins. */
static void resolve_node(struct ex *x, struct xnode *xn)
{
	struct ynode *v = xn->value;
	if (strcmp(xn->key->value, TOPO_HOST_NODE) == 0) {
		xn->host = true;
		return;
	}
	if (ytree_is_null(v))
		v = mk(x, Y_MAP, v);
	if (v->type != Y_MAP)
		return;
	struct ynode *base = x->dflt_node, *own = mk(x, Y_MAP, v), *names = NULL;
	struct ynode *g = ytree_map_get(v, "group");
	for (size_t i = 0; i + 1 < v->n; i += 2)
		if (strcmp(v->items[i]->value, "group") != 0)
			put(x, own, v->items[i], v->items[i + 1]);
	if (g) {
		names = mk(x, Y_SEQ, g);
		if (g->type == Y_SCALAR && !ytree_is_null(g)) {
			add(x, names, g);
		} else if (g->type == Y_SEQ) {
			for (size_t i = 0; i < g->n; i++) {
				if (g->items[i]->type == Y_SCALAR)
					add(x, names, g->items[i]);
				else
					say(x, g->items[i], "a group is named by a string");
			}
		} else {
			say(x, g, "group must be a group's name or a list of them");
		}
		for (size_t i = 0; i < names->n; i++) {
			const struct ynode *gn = names->items[i];
			if (!x->group_names || !ytree_map_get(x->group_names, gn->value)) {
				say(x, gn, "unknown group '%s' (not under groups:)", gn->value);
				continue;
			}
			base = merge(x, base, strmap_get(&x->groups, gn->value));
		}
	}
	struct ynode *final = base ? merge(x, base, own) : own;
	/* a mapping of its own, to add addresses to; group first, where expanding again puts it */
	xn->value = mk(x, Y_MAP, v);
	if (names && names->n)
		put(x, xn->value, mk_str(x, g, "group"), names);
	for (size_t i = 0; i + 1 < final->n; i += 2)
		add(x, xn->value, final->items[i]), add(x, xn->value, final->items[i + 1]);
	final = xn->value;
	struct ynode *kind = ytree_map_get(final, "kind");
	const char *k = kind && kind->type == Y_SCALAR ? kind->value : "host";
	xn->bridge = strcmp(k, "bridge") == 0;
	xn->router = strcmp(k, "router") == 0 || strcmp(k, "frr") == 0 || strcmp(k, "bird") == 0;
}

/* ---- nodes ---- */

static void add_node(struct ex *x, struct ynode *k, struct ynode *v, const struct ynode *range)
{
	size_t prev = (size_t)(uintptr_t)strmap_get(&x->node_index, k->value);
	if (prev) {
		const struct ynode *other = x->nodes[prev - 1].key;
		say(x, range ? range : k, "node '%s' is made twice (also at line %u)", k->value, other->line);
		return;
	}
	struct xnode *xn = ARENA_PUSH(x->a, x->nodes, x->n_nodes, x->cap_nodes);
	xn->key = k;
	xn->value = v;
	strmap_put(&x->node_index, k->value, (void *)(uintptr_t)x->n_nodes);
}

static void expand_nodes(struct ex *x, struct ynode *m)
{
	x->have_nodes = true;
	for (size_t i = 0; i + 1 < m->n && !x->over; i += 2) {
		struct ynode *k = m->items[i], *v = m->items[i + 1];
		struct range r;
		if (!parse_range(x, k, k->value, &r))
			continue;
		if (!r.n) {
			add_node(x, k, v, NULL);
			continue;
		}
		x->cur = k;
		bool tpl = has_tpl(x, v);
		for (size_t j = 0; j < r.n && !x->over; j++)
			add_node(x, mk_str(x, k, range_name(x, k->value, &r, j)),
				 tpl ? fill(x, v, r.vals[j]) : v, k);
	}
	for (size_t i = 0; i < x->n_nodes; i++)
		resolve_node(x, &x->nodes[i]);
}

static struct xnode *node_of(struct ex *x, const char *name)
{
	size_t i = (size_t)(uintptr_t)strmap_get(&x->node_index, name);
	return i ? &x->nodes[i - 1] : NULL;
}

/* ---- links ---- */

static struct xlink *new_link(struct ex *x, const struct ynode *at)
{
	struct xlink *l = ARENA_PUSH(x->a, x->links, x->n_links, x->cap_links);
	l->at = at;
	return l;
}

static void link_pair(struct ex *x, const struct ynode *at, const char *a, const char *b,
		      struct ynode *extra)
{
	struct xlink *l = new_link(x, at);
	l->ep[0] = mk_str(x, at, a);
	l->ep[1] = mk_str(x, at, b);
	l->extra = extra;
	l->map_form = extra != NULL;
}

struct names {
	const char **v;
	size_t n, cap;
};

/* A pattern's nodes: "r[1-50]", or a list of names and ranges. */
static bool names_of(struct ex *x, struct ynode *spec, struct names *out)
{
	struct ynode *one[1] = { spec };
	struct ynode **items = one;
	size_t n = 1;
	if (spec->type == Y_SEQ) {
		items = spec->items;
		n = spec->n;
	}
	for (size_t i = 0; i < n; i++) {
		struct ynode *s = items[i];
		struct range r;
		if (s->type != Y_SCALAR || ytree_is_null(s))
			return say(x, s, "nodes of a pattern are a name, a range like r[1-50], or a list "
					 "of them"), false;
		if (!parse_range(x, s, s->value, &r))
			return false;
		if (!r.n)
			*ARENA_PUSH(x->a, out->v, out->n, out->cap) = s->value;
		for (size_t j = 0; j < r.n; j++)
			*ARENA_PUSH(x->a, out->v, out->n, out->cap) = range_name(x, s->value, &r, j);
	}
	return true;
}

static struct ynode *sub_key(struct ex *x, struct ynode *m, const char *key, const char *pattern)
{
	struct ynode *v = ytree_map_get(m, key);
	if (!v)
		say(x, m, "%s needs '%s'", pattern, key);
	return v;
}

static void expand_pattern(struct ex *x, struct ynode *item, struct ynode *k, struct ynode *v,
			   struct ynode *extra)
{
	const char *p = k->value;
	struct names a = { 0 }, b = { 0 };
	x->cur = k;
	if (strcmp(p, "chain") == 0 || strcmp(p, "ring") == 0 || strcmp(p, "mesh") == 0) {
		if (!names_of(x, v, &a))
			return;
		size_t min = strcmp(p, "ring") == 0 ? 3 : 2;
		if (a.n < min) {
			say(x, v, "a %s needs at least %zu nodes", p, min);
			return;
		}
		if (strcmp(p, "mesh") == 0) {
			for (size_t i = 0; i < a.n && !x->over; i++)
				for (size_t j = i + 1; j < a.n && !x->over; j++)
					link_pair(x, k, a.v[i], a.v[j], extra);
			return;
		}
		for (size_t i = 0; i + 1 < a.n && !x->over; i++)
			link_pair(x, k, a.v[i], a.v[i + 1], extra);
		if (strcmp(p, "ring") == 0)
			link_pair(x, k, a.v[a.n - 1], a.v[0], extra);
		return;
	}
	const char *first = strcmp(p, "star") == 0 ? "center" : "spines";
	if (v->type != Y_MAP) {
		say(x, v, "%s is a mapping: %s", p,
		    *first == 'c' ? "{center: sw1, leaves: \"h[1-20]\"}"
				  : "{spines: \"s[1-4]\", leaves: \"l[1-16]\"}");
		return;
	}
	for (size_t i = 0; i + 1 < v->n; i += 2)
		if (strcmp(v->items[i]->value, first) != 0 && strcmp(v->items[i]->value, "leaves") != 0)
			say(x, v->items[i], "unknown key '%s' in %s (%s, leaves)", v->items[i]->value, p,
			    first);
	struct ynode *f = sub_key(x, v, first, p), *leaves = sub_key(x, v, "leaves", p);
	if (!f || !leaves || !names_of(x, f, &a) || !names_of(x, leaves, &b))
		return;
	if (*first == 'c' && a.n != 1) {
		say(x, f, "a star has one center");
		return;
	}
	/* leaf by leaf, so that a leaf added at the end adds links at the end */
	for (size_t j = 0; j < b.n && !x->over; j++)
		for (size_t i = 0; i < a.n && !x->over; i++)
			link_pair(x, k, a.v[i], b.v[j], extra);
	(void)item;
}

static const char *const patterns[] = { "chain", "ring", "star", "mesh", "clos", NULL };

static bool is_pattern(const char *k)
{
	for (size_t i = 0; patterns[i]; i++)
		if (strcmp(patterns[i], k) == 0)
			return true;
	return false;
}

static void expand_link(struct ex *x, struct ynode *item)
{
	struct ynode *eps = item, *pk = NULL, *pv = NULL, *extra = NULL;
	bool map_form = item->type == Y_MAP;
	if (map_form) {
		eps = NULL;
		extra = mk(x, Y_MAP, item);
		for (size_t i = 0; i + 1 < item->n; i += 2) {
			struct ynode *k = item->items[i];
			if (is_pattern(k->value)) {
				if (pk)
					say(x, k, "a link has one pattern; '%s' is a second one", k->value);
				else
					pk = k, pv = item->items[i + 1];
			} else if (strcmp(k->value, "endpoints") == 0) {
				eps = item->items[i + 1];
			} else {
				put(x, extra, k, item->items[i + 1]);
			}
		}
		if (pk && eps) {
			say(x, pk, "a link has either endpoints or a pattern (%s), not both", pk->value);
			return;
		}
		if (pk) {
			expand_pattern(x, item, pk, pv, extra->n ? extra : NULL);
			return;
		}
	}
	struct xlink *l;
	if (!eps || eps->type != Y_SEQ || eps->n != 2 || eps->items[0]->type != Y_SCALAR ||
	    eps->items[1]->type != Y_SCALAR) {
		new_link(x, item)->as_is = item;
		return;
	}
	struct range r[2];
	if (!parse_range(x, eps->items[0], eps->items[0]->value, &r[0]) ||
	    !parse_range(x, eps->items[1], eps->items[1]->value, &r[1]))
		return;
	if (!r[0].n && !r[1].n) {
		l = new_link(x, item);
		l->ep[0] = eps->items[0];
		l->ep[1] = eps->items[1];
		l->extra = extra;
		l->map_form = map_form;
		return;
	}
	if (r[0].n && r[1].n && r[0].n != r[1].n) {
		say(x, eps, "the ranges of this link's endpoints make %zu and %zu names (they pair up "
			    "one by one, so they must be as long)", r[0].n, r[1].n);
		return;
	}
	size_t n = r[0].n ? r[0].n : r[1].n;
	x->cur = eps;
	for (size_t j = 0; j < n && !x->over; j++) {
		long idx = r[0].n ? r[0].vals[j] : r[1].vals[j];
		l = new_link(x, item);
		for (int e = 0; e < 2; e++) {
			struct ynode *s = eps->items[e];
			const char *name = r[e].n ? range_name(x, s->value, &r[e], j) : s->value;
			const char *filled = subst(x, name, idx);
			l->ep[e] = mk_str(x, s, filled ? filled : name);
		}
		l->extra = fill(x, extra, idx);
		l->map_form = map_form;
	}
}

/* Interface names taken in node: those under interfaces: and those links give by hand. */
static void take(struct ex *x, const char *node, const char *iface)
{
	strmap_put(&x->taken, arena_printf(x->a, "%s:%s", node, iface), (void *)1);
}

static bool is_taken(struct ex *x, const char *node, const char *iface)
{
	char key[512];
	snprintf(key, sizeof(key), "%s:%s", node, iface);
	return strcmp(iface, "lo") == 0 || strcmp(iface, "br0") == 0 || strmap_get(&x->taken, key);
}

/* The peer's name; when that is taken (a second link to the same peer) PEER-2, PEER-3...;
 * names longer than an interface name may be are cut and given a hash of the whole. */
static char *auto_name(struct ex *x, const char *node, const char *peer)
{
	char base[16];
	size_t pl = strlen(peer);
	if (pl <= 15) {
		memcpy(base, peer, pl + 1);
	} else {
		uint32_t h = 2166136261u;
		for (const char *p = peer; *p; p++)
			h = (h ^ (uint8_t)*p) * 16777619u;
		snprintf(base, sizeof(base), "%.10s-%04x", peer, h & 0xffff);
	}
	char name[16];
	snprintf(name, sizeof(name), "%s", base);
	for (unsigned k = 2; is_taken(x, node, name); k++) {
		char suf[12];
		int sl = snprintf(suf, sizeof(suf), "-%u", k);
		snprintf(name, sizeof(name), "%.*s%s", 15 - sl, base, suf);
	}
	take(x, node, name);
	return arena_strdup(x->a, name);
}

/* Names under interfaces: are not taken: `interfaces: {r2: 10.0.0.1/31}` gives its address to
 * the end that is named r2 automatically. */
static void name_ends(struct ex *x)
{
	for (size_t i = 0; i < x->n_links; i++) {
		for (int e = 0; e < 2 && !x->links[i].as_is; e++) {
			const char *s = x->links[i].ep[e]->value, *colon = strchr(s, ':');
			if (colon)
				take(x, arena_strndup(x->a, s, (size_t)(colon - s)), colon + 1);
		}
	}
	for (size_t i = 0; i < x->n_links; i++) {
		struct xlink *l = &x->links[i];
		if (l->as_is || (strchr(l->ep[0]->value, ':') && strchr(l->ep[1]->value, ':')))
			continue;
		char *node[2];
		for (int e = 0; e < 2; e++) {
			const char *s = l->ep[e]->value, *colon = strchr(s, ':');
			node[e] = colon ? arena_strndup(x->a, s, (size_t)(colon - s)) : (char *)s;
		}
		for (int e = 0; e < 2; e++) {
			struct ynode *s = l->ep[e];
			if (strchr(s->value, ':'))
				continue;
			if (strcmp(s->value, TOPO_HOST_NODE) == 0) {
				say(x, s, "the host's end of a link needs its name (host:NAME): nstopo "
					  "names only the lab's own interfaces");
				l->dropped = true;
				continue;
			}
			if (!node_of(x, s->value)) {
				say(x, s, "unknown node '%s' in link endpoint '%s'", s->value, s->value);
				l->dropped = true;
				continue;
			}
			char *name = auto_name(x, node[e], node[1 - e]);
			l->ep[e] = mk_str(x, s, arena_printf(x->a, "%s:%s", node[e], name));
		}
	}
}

/* ---- addressing ---- */

static unsigned width_of(int fam)
{
	return fam == AF_INET ? 32 : 128;
}

static u128 to_u128(int fam, const uint8_t a[16])
{
	u128 v = 0;
	for (unsigned i = 0; i < width_of(fam) / 8; i++)
		v = v << 8 | a[i];
	return v;
}

static char *format_addr(struct ex *x, int fam, u128 v, unsigned plen)
{
	uint8_t a[16] = { 0 };
	unsigned bytes = width_of(fam) / 8;
	for (unsigned i = 0; i < bytes; i++)
		a[bytes - 1 - i] = (uint8_t)(v >> (8 * i));
	struct cidr c = { .family = (uint8_t)fam, .plen = (uint8_t)plen };
	memcpy(c.a, a, 16);
	char buf[CIDR_STR_MAX];
	return arena_strdup(x->a, cidr_format(&c, buf, sizeof(buf)));
}

static int fam_ix(int fam)
{
	return fam == AF_INET ? 0 : 1;
}

static void hand_one(struct ex *x, const char *node, const char *iface, const struct ynode *s)
{
	struct cidr c;
	if (s->type != Y_SCALAR || !cidr_parse(s->value, &c, true))
		return;
	int f = fam_ix(c.family);
	*ARENA_PUSH(x->a, x->hand[f], x->n_hand[f], x->cap_hand[f]) = to_u128(c.family, c.a);
	char key[512];
	snprintf(key, sizeof(key), "%s:%s", node, iface);
	uintptr_t flags = (uintptr_t)strmap_get(&x->taken, key);
	flags = (flags ? flags : 1) | (2u << f);
	strmap_put(&x->taken, arena_strdup(x->a, key), (void *)flags);
}

static int cmp_u128(const void *a, const void *b)
{
	u128 l = *(const u128 *)a, r = *(const u128 *)b;
	return l < r ? -1 : l > r;
}

static void collect_hand(struct ex *x)
{
	for (size_t i = 0; i < x->n_nodes; i++) {
		const char *node = x->nodes[i].key->value;
		struct ynode *ifs = x->nodes[i].value->type == Y_MAP
					    ? ytree_map_get(x->nodes[i].value, "interfaces") : NULL;
		for (size_t j = 0; ifs && ifs->type == Y_MAP && j + 1 < ifs->n; j += 2) {
			const char *iface = ifs->items[j]->value;
			struct ynode *v = ifs->items[j + 1];
			if (v->type == Y_MAP)
				v = ytree_map_get(v, "addresses");
			if (!v)
				continue;
			if (v->type == Y_SCALAR)
				hand_one(x, node, iface, v);
			for (size_t k = 0; v->type == Y_SEQ && k < v->n; k++)
				hand_one(x, node, iface, v->items[k]);
		}
	}
	for (int f = 0; f < 2; f++)
		if (x->n_hand[f])
			qsort(x->hand[f], x->n_hand[f], sizeof(u128), cmp_u128);
}

static bool hand_in(const struct ex *x, int fam, u128 lo, u128 hi)
{
	int f = fam_ix(fam);
	size_t l = 0, r = x->n_hand[f];
	while (l < r) {
		size_t m = (l + r) / 2;
		if (x->hand[f][m] < lo)
			l = m + 1;
		else
			r = m;
	}
	return l < x->n_hand[f] && x->hand[f][l] <= hi;
}

static bool end_has(struct ex *x, const char *end, int fam)
{
	return ((uintptr_t)strmap_get(&x->taken, end) >> 1) & (1u << fam_ix(fam));
}

/* The next block of the pool that holds no address given by hand; false when none is left. */
static bool next_block(struct ex *x, struct pool *p, u128 *start)
{
	unsigned host_bits = width_of(p->fam) - p->blen;
	while (p->next < p->count) {
		u128 s = p->base + ((u128)p->next++ << host_bits);
		u128 e = s + (((u128)1 << host_bits) - 1); /* host_bits < 128: a pool is never /0 */
		if (!hand_in(x, p->fam, s, e)) {
			*start = s;
			return true;
		}
	}
	return false;
}

static void exhausted(struct ex *x, const struct pool *p, const struct ynode *at)
{
	say(x, at, "addressing: the %s pool %s is full (it gives /%u blocks)", p->what,
	    format_addr(x, p->fam, p->base, p->plen), p->blen);
}

static bool read_pool_one(struct ex *x, struct ynode *v, const char *what, struct pool out[2])
{
	struct ynode *cidr = v, *plen = NULL;
	if (v->type == Y_MAP) {
		cidr = ytree_map_get(v, "pool");
		plen = ytree_map_get(v, "prefix");
		for (size_t i = 0; i + 1 < v->n; i += 2)
			if (strcmp(v->items[i]->value, "pool") && strcmp(v->items[i]->value, "prefix"))
				say(x, v->items[i], "unknown key '%s' in addressing.%s (pool, prefix)",
				    v->items[i]->value, what);
		if (!cidr)
			return say(x, v, "addressing.%s needs 'pool'", what), false;
	}
	struct cidr c;
	if (cidr->type != Y_SCALAR || !cidr_parse(cidr->value, &c, true))
		return say(x, cidr, "addressing.%s: invalid pool '%s' (a prefix like 10.0.0.0/16 or "
				    "2001:db8::/48)", what, cidr->type == Y_SCALAR ? cidr->value : "?"), false;
	if (c.plen == 0)
		return say(x, cidr, "addressing.%s: a pool cannot be the whole address space (%s)", what,
			   cidr->value), false;
	struct pool *p = &out[fam_ix(c.family)];
	if (p->fam)
		return say(x, cidr, "addressing.%s has a second IPv%c pool", what,
			   c.family == AF_INET ? '4' : '6'), false;
	unsigned w = width_of(c.family);
	unsigned dflt = strcmp(what, "loopback") == 0 ? w : strcmp(what, "lan") == 0 ? (w == 32 ? 24 : 64)
									 : (w == 32 ? 31 : 64);
	unsigned most = strcmp(what, "loopback") == 0 ? w : strcmp(what, "lan") == 0 ? w - 2 : w - 1;
	unsigned blen = dflt;
	if (plen) {
		char *end;
		unsigned long u = strtoul(plen->value, &end, 10);
		if (plen->type != Y_SCALAR || *end || !*plen->value || u < c.plen || u > most)
			return say(x, plen, "addressing.%s: prefix must be %u to %u for %s", what,
				   c.plen, most, cidr->value), false;
		blen = (unsigned)u;
	}
	if (blen < c.plen)
		return say(x, cidr, "addressing.%s: the pool %s is smaller than one /%u block", what,
			   cidr->value, blen), false;
	struct cidr net;
	cidr_network(&c, &net);
	*p = (struct pool){ .at = cidr, .what = what, .fam = c.family, .base = to_u128(c.family, net.a),
			    .plen = c.plen, .blen = blen,
			    .count = blen - c.plen >= 63 ? UINT64_MAX : (uint64_t)1 << (blen - c.plen) };
	/* a loopback pool's first address is its network's (on IPv6 the subnet-router anycast) */
	p->next = strcmp(what, "loopback") == 0 && blen > c.plen;
	return true;
}

struct pools {
	struct pool p2p[2], lan[2], lo[2];
};

static void read_addressing(struct ex *x, struct ynode *m, struct pools *ps)
{
	if (m->type != Y_MAP) {
		say(x, m, "addressing must be a mapping: {p2p: 10.0.0.0/16, lan: 10.100.0.0/16, "
			  "loopback: 10.255.0.0/24}");
		return;
	}
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		struct ynode *k = m->items[i], *v = m->items[i + 1];
		struct pool *p = strcmp(k->value, "p2p") == 0	    ? ps->p2p
				 : strcmp(k->value, "lan") == 0	    ? ps->lan
				 : strcmp(k->value, "loopback") == 0 ? ps->lo
								     : NULL;
		if (!p) {
			say(x, k, "unknown key '%s' in addressing (p2p, lan or loopback)", k->value);
			continue;
		}
		if (v->type == Y_SEQ) {
			for (size_t j = 0; j < v->n; j++)
				read_pool_one(x, v->items[j], k->value, p);
		} else {
			read_pool_one(x, v, k->value, p);
		}
	}
	struct pool *all[] = { &ps->p2p[0], &ps->lan[0], &ps->lo[0],
			       &ps->p2p[1], &ps->lan[1], &ps->lo[1] };
	for (size_t i = 0; i < 6; i++)
		for (size_t j = i + 1; j < 6; j++) {
			struct pool *a = all[i], *b = all[j];
			if (!a->fam || a->fam != b->fam)
				continue;
			unsigned w = width_of(a->fam), pl = a->plen < b->plen ? a->plen : b->plen;
			u128 mask = pl ? ~(u128)0 << (w - pl) : 0;
			if ((a->base & mask) == (b->base & mask)) {
				say(x, b->at, "addressing: the %s pool overlaps the %s pool", b->what, a->what);
				b->fam = 0; /* unused, so that the error is not repeated as duplicates */
			}
		}
}

/* Adds addr to node's interface iface, in whichever of the three spellings it has. */
static void give(struct ex *x, struct xnode *xn, const char *iface, const char *addr,
		 const struct ynode *at)
{
	struct ynode *node = xn->value;
	if (node->type != Y_MAP)
		return;
	struct ynode *ifs = ytree_map_get(node, "interfaces");
	if (ifs && !ytree_is_null(ifs) && ifs->type != Y_MAP)
		return;
	if (!xn->own_ifaces) {
		ifs = ifs && ifs->type == Y_MAP ? copy_shallow(x, ifs) : mk(x, Y_MAP, at);
		set_key(x, node, "interfaces", ifs, at);
		xn->own_ifaces = true;
	}
	struct ynode *a = mk_str(x, at, addr);
	ptrdiff_t s = slot_of(ifs, iface);
	struct ynode *old = s >= 0 ? ifs->items[s] : NULL, *nv;
	if (!old || ytree_is_null(old)) {
		nv = a;
	} else if (old->type == Y_SCALAR) {
		nv = mk(x, Y_SEQ, old);
		add(x, nv, old);
		add(x, nv, a);
	} else if (old->type == Y_SEQ) {
		nv = copy_shallow(x, old);
		add(x, nv, a);
	} else {
		nv = copy_shallow(x, old);
		struct ynode *addrs = ytree_map_get(old, "addresses");
		struct ynode *na = mk(x, Y_SEQ, addrs ? addrs : at);
		if (addrs && addrs->type == Y_SCALAR && !ytree_is_null(addrs))
			add(x, na, addrs);
		for (size_t i = 0; addrs && addrs->type == Y_SEQ && i < addrs->n; i++)
			add(x, na, addrs->items[i]);
		add(x, na, a);
		set_key(x, nv, "addresses", na, at);
	}
	set_key(x, ifs, iface, nv, at);
}

struct end {
	struct xnode *node;
	const char *iface, *full;
};

static bool end_of(struct ex *x, struct ynode *s, struct end *e)
{
	const char *colon = strchr(s->value, ':');
	if (!colon)
		return false;
	e->node = node_of(x, arena_strndup(x->a, s->value, (size_t)(colon - s->value)));
	e->iface = colon + 1;
	e->full = s->value;
	return e->node && !e->node->host;
}

static void assign_loopbacks(struct ex *x, struct pool *p)
{
	for (size_t i = 0; i < x->n_nodes && p->fam; i++) {
		struct xnode *xn = &x->nodes[i];
		char key[512];
		snprintf(key, sizeof(key), "%s:lo", xn->key->value);
		u128 s;
		if (!xn->router || xn->value->type != Y_MAP || end_has(x, key, p->fam))
			continue;
		if (!next_block(x, p, &s))
			return exhausted(x, p, p->at);
		give(x, xn, "lo", format_addr(x, p->fam, s, width_of(p->fam)), xn->key);
	}
}

static void assign_p2p(struct ex *x, struct pool *p)
{
	unsigned w = width_of(p->fam);
	for (size_t i = 0; i < x->n_links && p->fam; i++) {
		struct xlink *l = &x->links[i];
		struct end e[2];
		u128 s;
		if (l->as_is || !end_of(x, l->ep[0], &e[0]) || !end_of(x, l->ep[1], &e[1]) ||
		    e[0].node->bridge || e[1].node->bridge || end_has(x, e[0].full, p->fam) ||
		    end_has(x, e[1].full, p->fam))
			continue;
		if (!next_block(x, p, &s))
			return exhausted(x, p, l->at);
		unsigned first = p->blen == w - 1 ? 0 : 1; /* a /31 or /127 uses both addresses */
		for (int k = 0; k < 2; k++)
			give(x, e[k].node, e[k].iface, format_addr(x, p->fam, s + first + (unsigned)k, p->blen),
			     l->at);
	}
}

/* Bridge nodes linked to each other are one segment, named by its first bridge in the file. */
static size_t seg_root(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

static void assign_lans(struct ex *x, struct pool *p)
{
	if (!p->fam)
		return;
	size_t *parent = xcalloc(x->n_nodes + 1, sizeof(*parent));
	u128 *base = xcalloc(x->n_nodes + 1, sizeof(*base));
	uint64_t *used = xcalloc(x->n_nodes + 1, sizeof(*used));
	bool *skip = xcalloc(x->n_nodes + 1, sizeof(*skip)), *got = xcalloc(x->n_nodes + 1, sizeof(*got));
	for (size_t i = 0; i < x->n_nodes; i++)
		parent[i] = i;
	for (size_t i = 0; i < x->n_links; i++) {
		struct end e[2];
		if (!x->links[i].as_is && end_of(x, x->links[i].ep[0], &e[0]) &&
		    end_of(x, x->links[i].ep[1], &e[1]) && e[0].node->bridge && e[1].node->bridge) {
			size_t a = seg_root(parent, (size_t)(e[0].node - x->nodes)),
			       b = seg_root(parent, (size_t)(e[1].node - x->nodes));
			parent[a > b ? a : b] = a < b ? a : b;
		}
	}
	/* a segment where any end has an address of this family by hand is left to the file */
	for (size_t i = 0; i < x->n_links; i++) {
		struct end e[2];
		if (x->links[i].as_is || !end_of(x, x->links[i].ep[0], &e[0]) ||
		    !end_of(x, x->links[i].ep[1], &e[1]))
			continue;
		for (int k = 0; k < 2; k++)
			if (e[k].node->bridge && !e[1 - k].node->bridge && end_has(x, e[1 - k].full, p->fam))
				skip[seg_root(parent, (size_t)(e[k].node - x->nodes))] = true;
	}
	for (size_t i = 0; i < x->n_nodes; i++) {
		char key[512];
		snprintf(key, sizeof(key), "%s:br0", x->nodes[i].key->value);
		if (x->nodes[i].bridge && end_has(x, key, p->fam))
			skip[seg_root(parent, i)] = true;
	}
	unsigned w = width_of(p->fam);
	u128 room = ((u128)1 << (w - p->blen)) - (p->fam == AF_INET ? 2 : 1);
	for (size_t i = 0; i < x->n_links; i++) {
		struct xlink *l = &x->links[i];
		struct end e[2];
		if (l->as_is || !end_of(x, l->ep[0], &e[0]) || !end_of(x, l->ep[1], &e[1]))
			continue;
		for (int k = 0; k < 2; k++) {
			if (!e[k].node->bridge || e[1 - k].node->bridge)
				continue;
			size_t seg = seg_root(parent, (size_t)(e[k].node - x->nodes));
			if (skip[seg])
				continue;
			if (!got[seg]) {
				if (!next_block(x, p, &base[seg])) {
					exhausted(x, p, l->at);
					goto out;
				}
				got[seg] = true;
			}
			if (used[seg] >= room) {
				say(x, l->at, "addressing: the segment of bridge %s has more ends than a /%u holds",
				    x->nodes[seg].key->value, p->blen);
				skip[seg] = true;
				continue;
			}
			give(x, e[1 - k].node, e[1 - k].iface,
			     format_addr(x, p->fam, base[seg] + 1 + used[seg]++, p->blen), l->at);
		}
	}
out:
	free(parent);
	free(base);
	free(used);
	free(skip);
	free(got);
}

/* ---- checks ---- */

static const char *const check_kinds[] = { "ping", "tcp", "route", "exec", NULL };

/* A check whose from (or node) is a range is one check per name, its templates filled in; then
 * the test defaults go under each. */
static void expand_check(struct ex *x, struct ynode *item, struct ynode *out)
{
	ptrdiff_t body_slot = -1, who_slot = -1;
	struct ynode *body = NULL;
	struct range r = { 0 };
	for (size_t i = 0; item->type == Y_MAP && i + 1 < item->n && !body; i += 2)
		for (size_t k = 0; check_kinds[k]; k++)
			if (strcmp(item->items[i]->value, check_kinds[k]) == 0 &&
			    item->items[i + 1]->type == Y_MAP)
				body = item->items[i + 1], body_slot = (ptrdiff_t)i + 1;
	for (const char *key = "from"; body && key; key = strcmp(key, "from") == 0 ? "node" : NULL) {
		ptrdiff_t s = slot_of(body, key);
		if (s >= 0 && body->items[s]->type == Y_SCALAR && strchr(body->items[s]->value, '[')) {
			who_slot = s;
			break;
		}
	}
	if (who_slot < 0 || !parse_range(x, body->items[who_slot], body->items[who_slot]->value, &r) ||
	    !r.n) {
		add(x, out, item->type == Y_MAP ? merge(x, x->dflt_test, item) : item);
		return;
	}
	x->cur = body->items[who_slot];
	for (size_t j = 0; j < r.n && !x->over; j++) {
		struct ynode *who = body->items[who_slot], *b = copy_shallow(x, body),
			     *c = copy_shallow(x, item);
		b->items[who_slot] = mk_str(x, who, range_name(x, who->value, &r, j));
		c->items[body_slot] = b;
		add(x, out, merge(x, x->dflt_test, fill(x, c, r.vals[j])));
	}
}

/* ---- the whole file ---- */

static struct ynode *link_node(struct ex *x, struct xlink *l)
{
	if (l->as_is) /* a shape the loader reports as it is */
		return l->as_is;
	struct ynode *eps = mk(x, Y_SEQ, l->at);
	add(x, eps, l->ep[0]);
	add(x, eps, l->ep[1]);
	if (!l->map_form && !x->dflt_link)
		return eps;
	struct ynode *m = mk(x, Y_MAP, l->at);
	put(x, m, mk_str(x, l->at, "endpoints"), eps);
	for (size_t i = 0; l->extra && i + 1 < l->extra->n; i += 2)
		put(x, m, l->extra->items[i], l->extra->items[i + 1]);
	return merge(x, x->dflt_link, m);
}

bool expand_tree(struct ytree *tree, const char *file, struct diags *d)
{
	struct ex x = { .a = &tree->arena, .file = file, .d = d };
	struct ynode *root = tree->root, *nodes = NULL, *links = NULL, *tests = NULL, *addressing = NULL;
	struct pools ps = { 0 };
	if (!root || root->type != Y_MAP)
		return true;
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const char *k = root->items[i]->value;
		struct ynode *v = root->items[i + 1];
		if (strcmp(k, "defaults") == 0)
			read_defaults(&x, v);
		else if (strcmp(k, "groups") == 0)
			read_groups(&x, v);
		else if (strcmp(k, "addressing") == 0)
			addressing = v;
		else if (strcmp(k, "nodes") == 0 && v->type == Y_MAP)
			nodes = v;
		else if (strcmp(k, "links") == 0 && v->type == Y_SEQ)
			links = v;
		else if (strcmp(k, "tests") == 0 && v->type == Y_SEQ)
			tests = v;
	}
	if (nodes)
		expand_nodes(&x, nodes);
	for (size_t i = 0; links && i < links->n && !x.over; i++)
		expand_link(&x, links->items[i]);
	if (x.have_nodes && !x.over)
		name_ends(&x);
	if (addressing && !x.over) {
		read_addressing(&x, addressing, &ps);
		collect_hand(&x);
		for (int f = 0; f < 2; f++) {
			assign_loopbacks(&x, &ps.lo[f]);
			assign_p2p(&x, &ps.p2p[f]);
			assign_lans(&x, &ps.lan[f]);
		}
	}
	/* past a bound, what was made is cut short anywhere: nothing of it is worth checking */
	if (x.over) {
		tree->root = NULL;
		goto out;
	}
	struct ynode *out = mk(&x, Y_MAP, root);
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		struct ynode *k = root->items[i], *v = root->items[i + 1];
		if (strcmp(k->value, "defaults") == 0 || strcmp(k->value, "addressing") == 0)
			continue;
		if (v == nodes) {
			v = mk(&x, Y_MAP, nodes);
			for (size_t j = 0; j < x.n_nodes; j++)
				put(&x, v, x.nodes[j].key, x.nodes[j].value);
		} else if (v == links) {
			v = mk(&x, Y_SEQ, links);
			for (size_t j = 0; j < x.n_links; j++)
				if (!x.links[j].dropped)
					add(&x, v, link_node(&x, &x.links[j]));
		} else if (v == tests) {
			v = mk(&x, Y_SEQ, tests);
			for (size_t j = 0; j < tests->n && !x.over; j++)
				expand_check(&x, tests->items[j], v);
		} else if (strcmp(k->value, "groups") == 0 && x.group_names) {
			v = x.group_names;
		}
		put(&x, out, k, v);
	}
	tree->root = x.over ? NULL : out;
out:
	strmap_free(&x.groups);
	strmap_free(&x.node_index);
	strmap_free(&x.taken);
	return !x.errors;
}

/* ---- printing ---- */

struct outbuf {
	char *p;
	size_t n, cap;
};

static int on_write(void *data, unsigned char *buf, size_t size)
{
	struct outbuf *o = data;
	while (o->n + size + 1 > o->cap)
		o->p = xrealloc(o->p, o->cap = o->cap ? o->cap * 2 : 4096);
	memcpy(o->p + o->n, buf, size);
	o->n += size;
	o->p[o->n] = '\0';
	return 1;
}

/* Short lists and mappings of plain scalars read best on one line: [r1:r2, r2:r1]. */
static bool flow_fits(const struct ynode *n)
{
	size_t len = 0;
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i]->type != Y_SCALAR || strchr(n->items[i]->value, '\n'))
			return false;
		len += n->items[i]->len + 2;
	}
	return len < 60 && (n->type == Y_SEQ || n->n <= 6);
}

static bool emit(yaml_emitter_t *e, const struct ynode *n, bool flow)
{
	yaml_event_t ev;
	if (n->type == Y_SCALAR) {
		/* what was quoted stays quoted (a "0644" or "yes" stays a string); the writer picks
		 * single quotes where it can, and reads back as quoted, so expand of expand is itself */
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
		if (strchr(n->value, '\n') && !flow)
			style = YAML_LITERAL_SCALAR_STYLE;
		else if (!n->plain)
			style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)n->value, (int)n->len,
					     style == YAML_ANY_SCALAR_STYLE, 1, style);
		return yaml_emitter_emit(e, &ev);
	}
	bool f = flow || flow_fits(n);
	if (n->type == Y_SEQ)
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     f ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
	else
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    f ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	if (!yaml_emitter_emit(e, &ev))
		return false;
	for (size_t i = 0; i < n->n; i++)
		if (!emit(e, n->items[i], f))
			return false;
	if (n->type == Y_SEQ)
		yaml_sequence_end_event_initialize(&ev);
	else
		yaml_mapping_end_event_initialize(&ev);
	return yaml_emitter_emit(e, &ev);
}

char *expand_emit(const struct ynode *root, size_t *len)
{
	struct outbuf o = { 0 };
	yaml_emitter_t e;
	yaml_event_t ev;
	bool ok = false;
	if (!yaml_emitter_initialize(&e))
		return NULL;
	yaml_emitter_set_output(&e, on_write, &o);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(&e, &ev) || !emit(&e, root, false))
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&e, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	ok = yaml_emitter_emit(&e, &ev) && yaml_emitter_flush(&e);
out:
	yaml_emitter_delete(&e);
	if (!ok) {
		free(o.p);
		return NULL;
	}
	*len = o.n;
	return o.p ? o.p : xstrdup("");
}
