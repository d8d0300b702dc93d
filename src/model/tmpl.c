/* tmpl.c - `template:`: a small template language ({{name}}, {{#each list}}, {{#if name}}) filled
 * with a node's facts (interfaces, addresses, neighbours, router-id, AS), and the built-in FRR and
 * BIRD templates; see docs/topology.md "Routing by the file". */
#include "routing.h"
#include "rtnet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- built-in templates ---- */

static const char frr_ospf[] =
	"frr defaults traditional\n"
	"{{#each ifaces}}\n"
	"interface {{iface}}\n"
	"{{#if p2p}}\n"
	" ip ospf network point-to-point\n"
	"{{/if}}\n"
	" ip ospf hello-interval 1\n"
	" ip ospf dead-interval 4\n"
	"{{/each}}\n"
	"router ospf\n"
	"{{#if router_id}}\n"
	" ospf router-id {{router_id}}\n"
	"{{/if}}\n"
	" timers throttle spf 10 100 1000\n"
	"{{#each networks}}\n"
	" network {{network}} area 0\n"
	"{{/each}}\n"
	"!\n";

static const char frr_bgp[] =
	"frr defaults datacenter\n"
	"router bgp {{asn}}\n"
	"{{#if router_id}}\n"
	" bgp router-id {{router_id}}\n"
	"{{/if}}\n"
	" no bgp ebgp-requires-policy\n"
	" bgp bestpath as-path multipath-relax\n"
	" timers bgp 1 3\n"
	"{{#each neighbors}}\n"
	"{{#if peer_asn}}\n"
	"{{#if peer_ip}}\n"
	" neighbor {{peer_ip}} remote-as {{peer_asn}}\n"
	" neighbor {{peer_ip}} timers connect 1\n"
	"{{/if}}\n"
	"{{/if}}\n"
	"{{/each}}\n"
	" address-family ipv4 unicast\n"
	"{{#each networks}}\n"
	"  network {{network}}\n"
	"{{/each}}\n"
	" exit-address-family\n"
	"!\n";

static const char bird_ospf[] =
	"{{#if router_id}}\n"
	"router id {{router_id}};\n"
	"{{/if}}\n"
	"protocol device { scan time 1; }\n"
	"protocol kernel { ipv4 { export where source = RTS_OSPF; }; }\n"
	"protocol ospf v2 {\n"
	"  ipv4 { import all; export none; };\n"
	"  area 0 {\n"
	"{{#each ifaces}}\n"
	"    interface \"{{iface}}\" { {{#if p2p}}type ptp; {{/if}}hello 1; dead 4; };\n"
	"{{/each}}\n"
	"    interface \"lo\" { stub yes; };\n"
	"  };\n"
	"}\n";

static const char bird_bgp[] =
	"{{#if router_id}}\n"
	"router id {{router_id}};\n"
	"{{/if}}\n"
	"protocol device { scan time 1; }\n"
	"protocol direct { ipv4; }\n"
	"protocol kernel { ipv4 { export where source = RTS_BGP; }; }\n"
	"{{#each neighbors}}\n"
	"{{#if peer_asn}}\n"
	"{{#if peer_ip}}\n"
	"protocol bgp {\n"
	"  description \"{{peer}} {{peer_iface}}\";\n"
	"  local as {{asn}};\n"
	"  neighbor {{peer_ip}} as {{peer_asn}};\n"
	"  connect delay time 1; connect retry time 1; hold time 3; keepalive time 1;\n"
	"  ipv4 { import all; export all; };\n"
	"}\n"
	"{{/if}}\n"
	"{{/if}}\n"
	"{{/each}}\n";

static const struct builtin {
	const char *name, *text, *daemon;
	enum node_kind kind;
} builtins[] = {
	{ "frr-ospf", frr_ospf, "ospfd", NODE_FRR },
	{ "frr-bgp", frr_bgp, "bgpd", NODE_FRR },
	{ "bird-ospf", bird_ospf, NULL, NODE_BIRD },
	{ "bird-bgp", bird_bgp, NULL, NODE_BIRD },
};

static const struct builtin *builtin_find(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

bool tmpl_builtin(const char *name, enum node_kind *kind, const char **daemon)
{
	const struct builtin *b = builtin_find(name);
	if (b) {
		*kind = b->kind;
		*daemon = b->daemon;
	}
	return b != NULL;
}

/* ---- names ---- */

enum list { L_NONE = -1, L_IFACES, L_NEIGHBORS, L_NETWORKS, L_NETWORKS6, L_COUNT };

static const char *const list_names[L_COUNT] = { "ifaces", "neighbors", "networks", "networks6" };

static const char *const top_vars[] = { "name", "hostname", "router_id", "asn", "loopback",
					"loopback6", NULL };
static const char *const item_vars[L_COUNT][16] = {
	[L_IFACES] = { "iface", "ip", "address", "network", "plen", "ip6", "address6", "network6",
		       "p2p", "peer", "peer_iface", "peer_ip", "peer_ip6", "peer_asn", NULL },
	[L_NEIGHBORS] = { "iface", "ip", "ip6", "p2p", "peer", "peer_iface", "peer_ip", "peer_ip6",
			  "peer_asn", NULL },
	[L_NETWORKS] = { "network", "iface", NULL },
	[L_NETWORKS6] = { "network", "iface", NULL },
};

static bool in_list(const char *const *names, const char *s, size_t len)
{
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return true;
	return false;
}

static int list_find(const char *s, size_t len)
{
	for (int i = 0; i < L_COUNT; i++)
		if (strlen(list_names[i]) == len && memcmp(list_names[i], s, len) == 0)
			return i;
	return L_NONE;
}

/* ---- parsing ---- */

enum tok_type { T_TEXT, T_VAR, T_EACH, T_IF, T_ELSE, T_END };

struct tok {
	enum tok_type t;
	const char *s; /* T_TEXT: the text; else the name */
	size_t len;
	uint32_t line, col; /* in the template, 1-based */
	size_t end, els; /* T_EACH, T_IF: the index of the matching {{/...}}, of {{else}} (0: none) */
	int list;        /* T_EACH: which; T_VAR, T_IF: the innermost list around it */
};

struct tmpl {
	struct tok *v;
	size_t n, cap;
};

struct perr {
	uint32_t line, col;
	char msg[256];
};

static struct tok *tok_push(struct tmpl *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	return &t->v[t->n++];
}

static bool perr_set(struct perr *e, uint32_t line, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool perr_set(struct perr *e, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->line = line;
	e->col = col;
	return false;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool known_var(const char *s, size_t len, int list)
{
	return (list != L_NONE && in_list(item_vars[list], s, len)) || in_list(top_vars, s, len);
}

/* Splits text into tokens and checks them: every name known where it is used, blocks closed in
 * order. A block tag alone on its line takes the whole line, so templates can be indented. */
static bool tmpl_parse(struct tmpl *t, const char *text, struct perr *e)
{
	size_t stack[ROUTING_TMPL_MAX_DEPTH];
	size_t depth = 0;
	int list = L_NONE;
	uint32_t line = 1;
	const char *p = text, *line_start = text;
	while (*p) {
		const char *open = strstr(p, "{{");
		const char *stop = open ? open : p + strlen(p);
		struct tok *tx = NULL;
		if (stop > p) {
			tx = tok_push(t);
			tx->t = T_TEXT;
			tx->s = p;
			tx->len = (size_t)(stop - p);
		}
		for (const char *q = p; q < stop; q++)
			if (*q == '\n') {
				line++;
				line_start = q + 1;
			}
		if (!open)
			break;
		uint32_t col = (uint32_t)(open - line_start) + 1;
		const char *close = strstr(open + 2, "}}");
		const char *nl = strchr(open + 2, '\n');
		if (!close || (nl && nl < close))
			return perr_set(e, line, col, "'{{' is not closed by '}}' on its line");
		const char *a = open + 2, *b = close;
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		char sigil = a < b && (*a == '#' || *a == '/') ? *a : 0;
		const char *word = sigil ? a + 1 : a, *arg = word;
		while (arg < b && !is_space(*arg))
			arg++;
		size_t wlen = (size_t)(arg - word);
		while (arg < b && is_space(*arg))
			arg++;
		size_t alen = (size_t)(b - arg);
		bool block = sigil || (wlen == 4 && memcmp(word, "else", 4) == 0);
		struct tok *k = tok_push(t);
		tx = tx && t->n >= 2 ? &t->v[t->n - 2] : NULL;
		k->line = line;
		k->col = col;
		p = close + 2;
		if (!block) {
			if (!wlen || alen)
				return perr_set(e, line, col, "'{{%.*s}}' is not a name (a name is one word, "
						"like {{router_id}})", (int)(b - a), a);
			if (!known_var(word, wlen, list))
				return perr_set(e, line, col, "unknown name '%.*s'%s%s%s", (int)wlen, word,
						list == L_NONE ? "" : " in {{#each ",
						list == L_NONE ? "" : list_names[list], list == L_NONE ? "" : "}}");
			k->t = T_VAR;
			k->s = word;
			k->len = wlen;
			k->list = list;
			continue;
		}
		/* Alone on its line: drop the indentation before it and the line end after it. */
		const char *after = p;
		while (is_space(*after))
			after++;
		bool alone_after = *after == '\n' || *after == '\0';
		bool alone_before = true;
		for (const char *q = line_start; q < open; q++)
			alone_before &= is_space(*q);
		if (alone_before && alone_after) {
			if (tx && tx->t == T_TEXT)
				tx->len -= (size_t)(open - line_start);
			p = *after == '\n' ? after + 1 : after;
			if (*after == '\n') {
				line++;
				line_start = p;
			}
		}
		if (sigil == '#') {
			bool each = wlen == 4 && memcmp(word, "each", 4) == 0;
			bool cond = wlen == 2 && memcmp(word, "if", 2) == 0;
			if (!each && !cond)
				return perr_set(e, line, col, "unknown block '#%.*s' (#each or #if)", (int)wlen,
						word);
			if (!alen)
				return perr_set(e, line, col, "{{#%.*s}} needs a name", (int)wlen, word);
			if (depth == ROUTING_TMPL_MAX_DEPTH)
				return perr_set(e, line, col, "blocks nested deeper than %d",
						ROUTING_TMPL_MAX_DEPTH);
			k->s = arg;
			k->len = alen;
			if (each) {
				int l = list_find(arg, alen);
				if (l == L_NONE)
					return perr_set(e, line, col, "unknown list '%.*s' (ifaces, neighbors, "
							"networks or networks6)", (int)alen, arg);
				if (list != L_NONE)
					return perr_set(e, line, col, "{{#each}} inside {{#each %s}}",
							list_names[list]);
				k->t = T_EACH;
				k->list = l;
				list = l;
			} else {
				if (!known_var(arg, alen, list))
					return perr_set(e, line, col, "unknown name '%.*s'", (int)alen, arg);
				k->t = T_IF;
				k->list = list;
			}
			stack[depth++] = t->n - 1;
		} else if (sigil == '/') {
			if (!depth)
				return perr_set(e, line, col, "{{/%.*s}} closes no block", (int)wlen, word);
			struct tok *o = &t->v[stack[--depth]];
			const char *want = o->t == T_EACH ? "each" : "if";
			if (wlen != strlen(want) || memcmp(word, want, wlen) != 0)
				return perr_set(e, line, col, "{{/%.*s}} closes {{#%s}} of line %u", (int)wlen,
						word, want, o->line);
			k->t = T_END;
			o->end = t->n - 1;
			if (o->t == T_EACH)
				list = L_NONE;
		} else {
			if (!depth || t->v[stack[depth - 1]].t != T_IF || t->v[stack[depth - 1]].els)
				return perr_set(e, line, col, "{{else}} outside {{#if}}");
			k->t = T_ELSE;
			t->v[stack[depth - 1]].els = t->n - 1;
		}
	}
	if (depth) {
		const struct tok *o = &t->v[stack[depth - 1]];
		return perr_set(e, o->line, o->col, "{{#%s %.*s}} is not closed", o->t == T_EACH ? "each" : "if",
				(int)o->len, o->s);
	}
	return true;
}

/* ---- facts ---- */

struct item {
	uint32_t iface;
	uint32_t member; /* neighbors: index in the segment */
	uint32_t addr;   /* networks: index in the interface's addresses */
};

struct facts {
	const struct topo_lab *lab;
	const struct rtnet *net;
	uint32_t node;
	struct item *items[L_COUNT];
	size_t n_items[L_COUNT];
};

static void item_push(struct facts *f, int list, struct item it)
{
	f->items[list] = xrealloc(f->items[list], (f->n_items[list] + 1) * sizeof(struct item));
	f->items[list][f->n_items[list]++] = it;
}

static void facts_build(struct facts *f)
{
	const struct topo_node *node = f->lab->nodes[f->node];
	const uint32_t *seg_of = f->net->seg_of[f->node];
	for (uint32_t j = 0; j < node->n_ifaces; j++) {
		const struct topo_iface *ifc = &node->ifaces[j];
		if (seg_of[j] != RTNET_NONE) {
			item_push(f, L_IFACES, (struct item){ j, 0, 0 });
			const struct rtnet_seg *s = &f->net->segs[seg_of[j]];
			for (uint32_t k = 0; k < s->n; k++) {
				const struct topo_node *m = f->lab->nodes[s->m[k].node];
				if (s->m[k].node != f->node && m->kind != NODE_BRIDGE && m->kind != NODE_ROOT)
					item_push(f, L_NEIGHBORS, (struct item){ j, k, 0 });
			}
		}
		for (uint32_t a = 0; a < ifc->n_addrs; a++) {
			const struct cidr *c = &ifc->addrs[a].c;
			int list = c->family == AF_INET ? L_NETWORKS : L_NETWORKS6;
			struct cidr net, other;
			cidr_network(c, &net);
			bool dup = false;
			for (size_t i = 0; i < f->n_items[list] && !dup; i++) {
				const struct item *it = &f->items[list][i];
				cidr_network(&node->ifaces[it->iface].addrs[it->addr].c, &other);
				dup = cidr_equal(&net, &other);
			}
			if (!dup)
				item_push(f, list, (struct item){ j, 0, a });
		}
	}
}

static void facts_free(struct facts *f)
{
	for (int i = 0; i < L_COUNT; i++)
		free(f->items[i]);
}

static bool put_addr(const struct cidr *c, bool with_len, bool network, char *buf, size_t len)
{
	if (!c)
		return false;
	struct cidr net = *c;
	if (network)
		cidr_network(c, &net);
	if (with_len)
		cidr_format(&net, buf, len);
	else
		addr_format(net.family, net.a, buf, len);
	return true;
}

/* The router-id: the first IPv4 address on lo, else the node's highest IPv4 address. */
static const struct cidr *router_id(const struct topo_node *node)
{
	const struct topo_iface *lo = topo_iface_find(node, "lo");
	const struct cidr *best = lo ? rtnet_addr(lo, AF_INET) : NULL;
	if (best)
		return best;
	for (size_t j = 0; j < node->n_ifaces; j++)
		for (size_t a = 0; a < node->ifaces[j].n_addrs; a++) {
			const struct cidr *c = &node->ifaces[j].addrs[a].c;
			if (c->family == AF_INET && (!best || memcmp(c->a, best->a, 4) > 0))
				best = c;
		}
	return best;
}

static bool eq(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(s, name, len) == 0;
}

/* The value of a name for the node, or for an item of a list; false when it has none. */
static bool value_of(const struct facts *f, int list, size_t idx, const char *s, size_t len,
		     char *buf, size_t blen)
{
	const struct topo_lab *lab = f->lab;
	const struct topo_node *node = lab->nodes[f->node];
	if (list != L_NONE && in_list(item_vars[list], s, len)) {
		const struct item *it = &f->items[list][idx];
		const struct topo_iface *ifc = &node->ifaces[it->iface];
		if (eq(s, len, "iface")) {
			snprintf(buf, blen, "%s", ifc->name);
			return true;
		}
		if (list == L_NETWORKS || list == L_NETWORKS6)
			return put_addr(&ifc->addrs[it->addr].c, true, true, buf, blen);
		if (eq(s, len, "ip"))
			return put_addr(rtnet_addr(ifc, AF_INET), false, false, buf, blen);
		if (eq(s, len, "address"))
			return put_addr(rtnet_addr(ifc, AF_INET), true, false, buf, blen);
		if (eq(s, len, "network"))
			return put_addr(rtnet_addr(ifc, AF_INET), true, true, buf, blen);
		if (eq(s, len, "plen")) {
			const struct cidr *c = rtnet_addr(ifc, AF_INET);
			return c && snprintf(buf, blen, "%u", c->plen) > 0;
		}
		if (eq(s, len, "ip6"))
			return put_addr(rtnet_addr(ifc, AF_INET6), false, false, buf, blen);
		if (eq(s, len, "address6"))
			return put_addr(rtnet_addr(ifc, AF_INET6), true, false, buf, blen);
		if (eq(s, len, "network6"))
			return put_addr(rtnet_addr(ifc, AF_INET6), true, true, buf, blen);
		const struct rtnet_seg *seg = &f->net->segs[f->net->seg_of[f->node][it->iface]];
		if (eq(s, len, "p2p")) {
			snprintf(buf, blen, "%s", seg->p2p ? "true" : "");
			return seg->p2p;
		}
		/* The far end: a neighbor's own member, or on a point-to-point link the other end. */
		const struct rtnet_member *m = NULL;
		if (list == L_NEIGHBORS)
			m = &seg->m[it->member];
		else if (seg->p2p)
			m = seg->m[0].node == f->node ? &seg->m[1] : &seg->m[0];
		if (!m)
			return false;
		const struct topo_node *pn = lab->nodes[m->node];
		const struct topo_iface *pi = &pn->ifaces[m->iface];
		if (eq(s, len, "peer"))
			return snprintf(buf, blen, "%s", pn->name) > 0;
		if (eq(s, len, "peer_iface"))
			return snprintf(buf, blen, "%s", pi->name) > 0;
		if (eq(s, len, "peer_ip"))
			return put_addr(rtnet_addr(pi, AF_INET), false, false, buf, blen);
		if (eq(s, len, "peer_ip6"))
			return put_addr(rtnet_addr(pi, AF_INET6), false, false, buf, blen);
		if (eq(s, len, "peer_asn"))
			return pn->asn && snprintf(buf, blen, "%u", pn->asn) > 0;
		return false;
	}
	if (eq(s, len, "name"))
		return snprintf(buf, blen, "%s", node->name) > 0;
	if (eq(s, len, "hostname"))
		return snprintf(buf, blen, "%s", node->hostname ? node->hostname : node->name) > 0;
	if (eq(s, len, "router_id"))
		return put_addr(router_id(node), false, false, buf, blen);
	if (eq(s, len, "asn"))
		return node->asn && snprintf(buf, blen, "%u", node->asn) > 0;
	const struct topo_iface *lo = topo_iface_find(node, "lo");
	if (eq(s, len, "loopback"))
		return lo && put_addr(rtnet_addr(lo, AF_INET), false, false, buf, blen);
	if (eq(s, len, "loopback6"))
		return lo && put_addr(rtnet_addr(lo, AF_INET6), false, false, buf, blen);
	return false;
}

/* ---- rendering ---- */

struct out {
	char *buf;
	size_t n, cap;
	bool full;
};

static void out_put(struct out *o, const char *s, size_t len)
{
	if (o->full || o->n + len > ROUTING_TMPL_MAX_OUT) {
		o->full = true;
		return;
	}
	if (o->n + len + 1 > o->cap) {
		o->cap = (o->n + len + 1) * 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->n, s, len);
	o->n += len;
	o->buf[o->n] = '\0';
}

static bool render(const struct tmpl *t, size_t from, size_t to, const struct facts *f, int list,
		   size_t idx, struct out *o, struct perr *e)
{
	char buf[256];
	for (size_t i = from; i < to && !o->full; i++) {
		const struct tok *k = &t->v[i];
		switch (k->t) {
		case T_TEXT:
			out_put(o, k->s, k->len);
			break;
		case T_VAR:
			if (!value_of(f, list, idx, k->s, k->len, buf, sizeof(buf)))
				return perr_set(e, k->line, k->col, "{{%.*s}} has no value for node %s "
						"(test it with {{#if %.*s}})", (int)k->len, k->s,
						f->lab->nodes[f->node]->name, (int)k->len, k->s);
			out_put(o, buf, strlen(buf));
			break;
		case T_IF: {
			bool yes = value_of(f, list, idx, k->s, k->len, buf, sizeof(buf)) && buf[0];
			size_t a = yes ? i + 1 : (k->els ? k->els + 1 : k->end);
			size_t b = yes && k->els ? k->els : k->end;
			if (!render(t, a, b, f, list, idx, o, e))
				return false;
			i = k->end;
			break;
		}
		case T_EACH:
			for (size_t n = 0; n < f->n_items[k->list]; n++)
				if (!render(t, i + 1, k->end, f, k->list, n, o, e))
					return false;
			i = k->end;
			break;
		case T_ELSE:
		case T_END:
			break;
		}
	}
	if (o->full)
		return perr_set(e, t->n ? t->v[from < t->n ? from : 0].line : 1, 1,
				"the template's output is over %d bytes", ROUTING_TMPL_MAX_OUT);
	return true;
}

/* Where a position of the template is in the file. */
static struct srcloc tmpl_pos(const struct topo_node *n, uint32_t line, uint32_t col)
{
	struct srcloc loc = n->tmpl_loc;
	if (n->tmpl_block) {
		loc.line += line;
		loc.col += col - 1;
	} else if (line == 1) {
		loc.col += col - 1;
	}
	return loc;
}

static void add_daemon(struct topo_lab *lab, struct topo_node *n, const char *daemon)
{
	for (size_t i = 0; i < n->n_daemons; i++)
		if (strcmp(n->daemons[i], daemon) == 0)
			return;
	char **d = ARENA_PUSH(&lab->arena, n->daemons, n->n_daemons, n->cap_daemons);
	*d = arena_strdup(&lab->arena, daemon);
}

/* Parsed once per distinct text: a built-in or a YAML alias shares it among many nodes. */
struct parsed {
	const char *text;
	struct tmpl t;
	bool ok;
};

bool tmpl_render_lab(struct topo_lab *lab, const struct rtnet *net, struct diags *d)
{
	size_t before = d->n_errors;
	struct parsed *cache = NULL;
	size_t n_cache = 0;
	struct out o = { 0 };
	for (size_t i = 0; i < lab->n_nodes; i++) {
		struct topo_node *n = lab->nodes[i];
		if (!n->tmpl)
			continue;
		const struct builtin *b = n->tmpl_block ? NULL : builtin_find(n->tmpl);
		if (n->kind != NODE_FRR && n->kind != NODE_BIRD) {
			diags_add(d, n->tmpl_loc, "%s: template is for kind frr or bird (it fills "
				  "frr.conf or bird.conf), not %s", n->name, topo_node_kind_name(n->kind));
			continue;
		}
		if (!b && !strchr(n->tmpl, '{') && !strchr(n->tmpl, '\n')) {
			diags_add(d, n->tmpl_loc, "unknown template '%s' (built-in: frr-ospf, frr-bgp, "
				  "bird-ospf, bird-bgp; or template text in a block: template: |)", n->tmpl);
			continue;
		}
		if (b && b->kind != n->kind) {
			diags_add(d, n->tmpl_loc, "%s: template %s is for kind %s, not %s", n->name,
				  b->name, topo_node_kind_name(b->kind), topo_node_kind_name(n->kind));
			continue;
		}
		const char *text = b ? b->text : n->tmpl;
		struct parsed *p = NULL;
		for (size_t c = 0; c < n_cache && !p; c++)
			if (cache[c].text == text || strcmp(cache[c].text, text) == 0)
				p = &cache[c];
		struct perr e = { 0 };
		if (!p) {
			cache = xrealloc(cache, (n_cache + 1) * sizeof(*cache));
			p = &cache[n_cache++];
			memset(p, 0, sizeof(*p));
			p->text = text;
			p->ok = tmpl_parse(&p->t, text, &e);
			if (!p->ok) {
				if (b)
					diags_add(d, n->tmpl_loc, "built-in template %s:%u:%u: %s", b->name,
						  e.line, e.col, e.msg);
				else
					diags_add(d, tmpl_pos(n, e.line, e.col), "template: %s", e.msg);
			}
		}
		if (!p->ok)
			continue;
		struct facts f = { .lab = lab, .net = net, .node = (uint32_t)i };
		facts_build(&f);
		o.n = 0;
		o.full = false;
		out_put(&o, "", 0);
		bool ok = render(&p->t, 0, p->t.n, &f, L_NONE, 0, &o, &e);
		facts_free(&f);
		if (!ok) {
			if (b)
				diags_add(d, n->tmpl_loc, "%s: template %s: %s", n->name, b->name, e.msg);
			else
				diags_add(d, tmpl_pos(n, e.line, e.col), "template: %s", e.msg);
			continue;
		}
		if (n->config)
			out_put(&o, n->config, strlen(n->config));
		n->config = arena_strndup(&lab->arena, o.buf ? o.buf : "", o.n);
		if (!n->config_loc.line)
			n->config_loc = n->tmpl_loc;
		if (b && b->daemon)
			add_daemon(lab, n, b->daemon);
	}
	free(o.buf);
	for (size_t c = 0; c < n_cache; c++)
		free(cache[c].t.v);
	free(cache);
	return d->n_errors == before;
}
