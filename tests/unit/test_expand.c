/* test_expand.c - the compact file: ranges, {n}, patterns, interface names, defaults and groups,
 * address pools; and properties of the pools over random labs: deterministic, no two segments
 * overlap, appending a node or a link changes no address, `expand` output loads as the same lab. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "expand.h"
#include "load_yaml.h"
#include "validate.h"
#include "ytree.h"

static struct topo_lab *load_ok(const char *yaml)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", yaml, strlen(yaml), &d);
	assert_non_null(lab);
	validate_lab(lab, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%u:%u: %s\n", d.v[i].loc.line, d.v[i].loc.col, d.v[i].msg);
	assert_int_equal(d.n_errors, 0);
	diags_free(&d);
	return lab;
}

/* The first diagnostic, "LINE:COL: MESSAGE". */
static char *first_error(const char *yaml)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", yaml, strlen(yaml), &d);
	if (lab)
		validate_lab(lab, &d);
	diags_sort(&d);
	assert_true(d.n > 0);
	char *out = xasprintf("%u:%u: %s", d.v[0].loc.line, d.v[0].loc.col, d.v[0].msg);
	diags_free(&d);
	topo_lab_free(lab);
	return out;
}

/* "node:iface addr" lines, one per address, in the lab's order. */
static char *addrs_of(const struct topo_lab *lab)
{
	size_t cap = 1024, n = 0;
	char *out = xcalloc(1, cap);
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *node = lab->nodes[i];
		for (size_t j = 0; j < node->n_ifaces; j++) {
			for (size_t k = 0; k < node->ifaces[j].n_addrs; k++) {
				char buf[CIDR_STR_MAX], line[512];
				int l = snprintf(line, sizeof(line), "%s:%s %s\n", node->name,
						 node->ifaces[j].name,
						 cidr_format(&node->ifaces[j].addrs[k].c, buf, sizeof(buf)));
				while (n + (size_t)l + 1 > cap)
					out = xrealloc(out, cap *= 2);
				memcpy(out + n, line, (size_t)l + 1);
				n += (size_t)l;
			}
		}
	}
	return out;
}

static const char *addr_of(const struct topo_lab *lab, const char *node, const char *iface,
			   char *buf)
{
	const struct topo_node *n = topo_node_find(lab, node);
	assert_non_null(n);
	const struct topo_iface *i = topo_iface_find((struct topo_node *)n, iface);
	if (!i || !i->n_addrs)
		return "";
	return cidr_format(&i->addrs[0].c, buf, CIDR_STR_MAX);
}

static void ranges_and_templates(void **state)
{
	struct topo_lab *lab = load_ok("name: t\n"
				       "nodes:\n"
				       "  r[1-3,7]:\n"
				       "    kind: router\n"
				       "    interfaces: {lo: \"10.0.{n}.{n+1}/32\", z: \"10.{n/2}.{(n-1)*3%4}.1/24\"}\n"
				       "    exec: [\"echo {nn} { n } {x} {(n} {n/0}\"]\n"
				       "  l[01-03]: {}\n"
				       "links:\n"
				       "  - [\"r[1-3]:e{n}\", \"l[01-03]:up\"]\n"
				       "  - [\"r[1-3,7]:z\", \"r[2-3,7,1]:y\"]\n"
				       "tests:\n"
				       "  - exec: {node: \"r[1-3]\", cmd: \"echo {n*2}\"}\n"
				       "  - ping: {from: r1, to: r2}\n");
	char buf[CIDR_STR_MAX];
	assert_int_equal(lab->n_nodes, 7);
	assert_non_null(topo_node_find(lab, "r7"));
	assert_null(topo_node_find(lab, "r4"));
	assert_non_null(topo_node_find(lab, "l02"));
	assert_string_equal(addr_of(lab, "r7", "lo", buf), "10.0.7.8/32");
	assert_string_equal(addr_of(lab, "r7", "z", buf), "10.3.2.1/24");
	/* braces that are no template (BIRD's blocks) and a division by zero are left as written */
	assert_string_equal(topo_node_find(lab, "r7")->execs[0].argv[1], "{nn}");
	assert_string_equal(topo_node_find(lab, "r7")->execs[0].argv[2], "7");
	assert_string_equal(topo_node_find(lab, "r7")->execs[0].argv[3], "{x}");
	assert_string_equal(topo_node_find(lab, "r7")->execs[0].argv[5], "{n/0}");
	assert_int_equal(lab->n_links, 7);
	/* a check from a range is one check per name */
	assert_int_equal(lab->n_checks, 4);
	assert_string_equal(lab->checks[2].node, "r3");
	assert_string_equal(lab->checks[2].argv[1], "6");
	assert_non_null(topo_iface_find(topo_node_find(lab, "r2"), "e2"));
	assert_true(topo_iface_find(topo_node_find(lab, "l02"), "up")->link >= 0);
	topo_lab_free(lab);
}

static void patterns_and_names(void **state)
{
	struct topo_lab *lab = load_ok("name: t\n"
				       "nodes:\n"
				       "  r[1-5]: {kind: router}\n"
				       "  s[1-2]: {kind: router}\n"
				       "  l[1-3]: {kind: router}\n"
				       "  sw: {kind: bridge}\n"
				       "  h[1-4]: {}\n"
				       "  a-very-long-node-name: {}\n"
				       "links:\n"
				       "  - chain: \"r[1-3]\"\n"        /* 2 */
				       "  - ring: [r3, \"r[4-5]\"]\n"   /* 3 */
				       "  - mesh: \"r[1-3]\"\n"         /* 3, parallel to the chain */
				       "  - star: {center: sw, leaves: \"h[1-4]\"}\n" /* 4 */
				       "  - clos: {spines: \"s[1-2]\", leaves: \"l[1-3]\"}\n" /* 6 */
				       "  - [a-very-long-node-name, r1]\n");
	assert_int_equal(lab->n_links, 2 + 3 + 3 + 4 + 6 + 1);
	struct topo_node *r1 = topo_node_find(lab, "r1"), *r2 = topo_node_find(lab, "r2");
	assert_non_null(topo_iface_find(r2, "r1"));
	assert_non_null(topo_iface_find(r2, "r3"));
	assert_non_null(topo_iface_find(r2, "r1-2")); /* the mesh's link beside the chain's */
	assert_non_null(topo_iface_find(r1, "r3"));
	assert_non_null(topo_iface_find(topo_node_find(lab, "sw"), "h4"));
	assert_non_null(topo_iface_find(topo_node_find(lab, "h4"), "sw"));
	assert_non_null(topo_iface_find(topo_node_find(lab, "l3"), "s2"));
	assert_non_null(topo_iface_find(topo_node_find(lab, "r5"), "r3"));
	/* too long for an interface name: cut, with a hash of the whole name */
	bool found = false;
	for (size_t i = 0; i < r1->n_ifaces; i++)
		if (strncmp(r1->ifaces[i].name, "a-very-lon-", 11) == 0 && strlen(r1->ifaces[i].name) == 15)
			found = true;
	assert_true(found);
	topo_lab_free(lab);
}

static void defaults_and_groups(void **state)
{
	struct topo_lab *lab = load_ok("name: t\n"
				       "defaults:\n"
				       "  node: {kind: router, sysctl: {net.ipv4.conf.all.rp_filter: 0},\n"
				       "         routes: [10.9.0.0/16 dev e]}\n"
				       "  link: {mtu: 2000}\n"
				       "  test: {within: 3s}\n"
				       "groups:\n"
				       "  a: {sysctl: {net.ipv4.conf.all.rp_filter: 1, net.ipv4.tcp_syncookies: 0}}\n"
				       "  b: {sysctl: {net.ipv4.conf.all.rp_filter: 2}, routes: []}\n"
				       "nodes:\n"
				       "  r1: {group: [a, b]}\n"
				       "  r2: {group: [b, a], kind: host}\n"
				       "  r3: {group: a, sysctl: {net.ipv4.conf.all.rp_filter: 2}}\n"
				       "links:\n"
				       "  - [r1:e, r2:e]\n"
				       "  - {endpoints: [r2:f, r3:e], mtu: 1400}\n"
				       "tests:\n"
				       "  - exec: {node: r1, cmd: \"true\"}\n");
	struct topo_node *r1 = topo_node_find(lab, "r1"), *r2 = topo_node_find(lab, "r2"),
			 *r3 = topo_node_find(lab, "r3");
	assert_int_equal(r1->kind, NODE_ROUTER);
	assert_int_equal(r2->kind, NODE_HOST); /* the node's own value wins */
	assert_int_equal(r1->n_groups, 2);
	assert_string_equal(r2->groups[0], "b");
	/* the later group wins; maps merge key by key; lists replace */
	const char *want[3][2] = { { "2", "0" }, { "1", "0" }, { "2", "0" } };
	struct topo_node *ns[3] = { r1, r2, r3 };
	for (int n = 0; n < 3; n++) {
		size_t seen = 0;
		for (size_t i = 0; i < ns[n]->n_sysctls; i++) {
			if (strcmp(ns[n]->sysctls[i].key, "net.ipv4.conf.all.rp_filter") == 0)
				assert_string_equal(ns[n]->sysctls[i].value, want[n][0]), seen++;
			if (strcmp(ns[n]->sysctls[i].key, "net.ipv4.tcp_syncookies") == 0)
				assert_string_equal(ns[n]->sysctls[i].value, want[n][1]), seen++;
		}
		assert_int_equal(seen, 2);
	}
	assert_int_equal(r1->n_routes, 0); /* group b's [] replaced the default list */
	assert_int_equal(r3->n_routes, 1);
	assert_int_equal(lab->links[0].mtu, 2000);
	assert_int_equal(lab->links[1].mtu, 1400);
	assert_int_equal(lab->checks[0].within_ms, 3000);
	topo_lab_free(lab);
}

static void addressing_rules(void **state)
{
	struct topo_lab *lab = load_ok("name: t\n"
				       "addressing:\n"
				       "  p2p: [10.0.0.0/24, {pool: \"fd00::/48\", prefix: 127}]\n"
				       "  lan: {pool: 10.1.0.0/16, prefix: 28}\n"
				       "  loopback: [10.255.0.0/24, \"fd02::/64\"]\n"
				       "nodes:\n"
				       "  r1: {kind: router, interfaces: {lo: 1.1.1.1/32, r2: {mtu: 1400}}}\n"
				       "  r2: {kind: frr}\n"
				       "  r3: {kind: router, interfaces: {x: 10.0.0.2/24}}\n"
				       "  sw: {kind: bridge}\n"
				       "  h[1-2]: {}\n"
				       "links:\n"
				       "  - [r1, r2]\n"
				       "  - [r2, r3:y]\n"
				       "  - [r3:x, h1]\n" /* an end given by hand: left to the file */
				       "  - {star: {center: sw, leaves: [r1, \"h[1-2]\"]}}\n");
	char buf[CIDR_STR_MAX];
	assert_string_equal(addr_of(lab, "r1", "lo", buf), "1.1.1.1/32");
	assert_int_equal(topo_iface_find(topo_node_find(lab, "r1"), "lo")->n_addrs, 2); /* + IPv6 */
	assert_string_equal(addr_of(lab, "r2", "lo", buf), "10.255.0.1/32");
	assert_string_equal(addr_of(lab, "r3", "lo", buf), "10.255.0.2/32");
	assert_string_equal(addr_of(lab, "h1", "lo", buf), ""); /* hosts get no loopback */
	assert_string_equal(addr_of(lab, "r1", "r2", buf), "10.0.0.0/31");
	/* interfaces: configures an end named automatically; the pool adds to it */
	assert_int_equal(topo_iface_find(topo_node_find(lab, "r1"), "r2")->mtu, 1400);
	assert_string_equal(addr_of(lab, "r2", "r1", buf), "10.0.0.1/31");
	/* 10.0.0.2 is given by hand: its /31 is never used */
	assert_string_equal(addr_of(lab, "r2", "r3", buf), "10.0.0.4/31");
	assert_string_equal(addr_of(lab, "r3", "y", buf), "10.0.0.5/31");
	const struct topo_iface *h1 = topo_iface_find(topo_node_find(lab, "h1"), "r3");
	assert_int_equal(h1->n_addrs, 1); /* only IPv6: the rule holds per family */
	assert_int_equal(h1->addrs[0].c.family, AF_INET6);
	assert_string_equal(addr_of(lab, "r1", "sw", buf), "10.1.0.1/28");
	assert_string_equal(addr_of(lab, "h2", "sw", buf), "10.1.0.3/28");
	const struct topo_iface *i = topo_iface_find(topo_node_find(lab, "r2"), "r1");
	assert_int_equal(i->n_addrs, 2);
	assert_string_equal(cidr_format(&i->addrs[1].c, buf, sizeof(buf)), "fd00::1/127");
	topo_lab_free(lab);
}

static void errors_point_at_their_line(void **state)
{
	char *e = first_error("name: t\nnodes:\n  r[1-3]: {}\nlinks:\n  - chain: \"r[1-4]\"\n");
	assert_string_equal(e, "5:5: unknown node 'r4' in link endpoint 'r4'");
	free(e);
	e = first_error("name: t\nnodes:\n  r[1-3]:\n    routes: [\"10.{n}.0.0/16 dev x\"]\n");
	assert_string_equal(e, "4:14: route 10.1.0.0/16: r1 has no interface 'x'");
	free(e);
}

/* ---- properties, over random labs ---- */

struct gen {
	char *s;
	size_t n, cap;
};

static void out(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *line;
	assert_true(vasprintf(&line, fmt, ap) >= 0);
	va_end(ap);
	size_t l = strlen(line);
	while (g->n + l + 1 > g->cap)
		g->s = xrealloc(g->s, g->cap = g->cap ? g->cap * 2 : 1024);
	memcpy(g->s + g->n, line, l + 1);
	g->n += l;
	free(line);
}

/* A random link statement between routers r1..nr, bridges sw1..nb and hosts h1..nh. */
static void random_link(struct gen *g, unsigned *seed, unsigned nr, unsigned nb, unsigned nh)
{
	unsigned a = 1 + (unsigned)rand_r(seed) % nr, b = 1 + (unsigned)rand_r(seed) % nr;
	switch (rand_r(seed) % 5) {
	case 0:
		out(g, "  - [r%u, r%u]\n", a, b == a ? a % nr + 1 : b);
		break;
	case 1:
		out(g, "  - [r%u, sw%u]\n", a, 1 + (unsigned)rand_r(seed) % nb);
		break;
	case 2:
		out(g, "  - {star: {center: sw%u, leaves: \"h[%u-%u]\"}}\n", 1 + (unsigned)rand_r(seed) % nb,
		    1 + (unsigned)rand_r(seed) % (nh / 2), nh / 2 + 1 + (unsigned)rand_r(seed) % (nh / 2));
		break;
	case 3: {
		unsigned lo = a < b ? a : b, hi = a < b ? b : a;
		if (lo == hi)
			hi < nr ? hi++ : lo--;
		out(g, "  - mesh: \"r[%u-%u]\"\n", lo, hi);
		break;
	}
	default:
		out(g, "  - [\"r[1-%u]\", h%u]\n", 1 + (unsigned)rand_r(seed) % 3, 1 + (unsigned)rand_r(seed) % nh);
		break;
	}
}

/* A lab of nr routers (plus one more when extra_node), nb bridges, nh hosts and nl random link
 * statements after a chain (plus one more when extra_link); same seed, same lab. */
static char *random_lab(unsigned seed, unsigned nl, bool extra_node, bool extra_link)
{
	struct gen g = { 0 };
	unsigned nr = 4 + seed % 5, nb = 1 + seed % 3, nh = 4 + seed % 4;
	out(&g, "name: p\n"
		"addressing:\n"
		"  p2p: [10.0.0.0/22, \"fd00::/56\"]\n"
		"  lan: [{pool: 10.1.0.0/22, prefix: 26}, \"fd01::/56\"]\n"
		"  loopback: [10.255.0.0/24, \"fd02::/64\"]\n"
		"nodes:\n"
		"  r[1-%u]: {kind: router}\n"
		"  sw[1-%u]: {kind: bridge}\n"
		"  h[1-%u]: {}\n"
		"  x: {kind: router, interfaces: {lo: 10.255.0.3/32, e: 10.0.0.6/31}}\n",
	    nr, nb, nh);
	if (extra_node)
		out(&g, "  extra: {kind: router}\n");
	out(&g, "links:\n  - chain: \"r[1-%u]\"\n  - [x:e, r1]\n", nr);
	for (unsigned i = 0; i < nl; i++)
		random_link(&g, &seed, nr, nb, nh);
	if (extra_node)
		out(&g, "  - [extra, r2]\n");
	if (extra_link)
		random_link(&g, &seed, nr, nb, nh);
	return g.s;
}

/* The layer-2 segment of an interface: its link, or the bridge it is a port of. */
static size_t segment_of(const struct topo_lab *lab, const struct topo_iface *i)
{
	if (i->link < 0)
		return SIZE_MAX; /* lo: its own */
	const struct topo_link *l = &lab->links[i->link];
	for (int e = 0; e < 2; e++)
		if (topo_end_node(lab, &l->end[e])->kind == NODE_BRIDGE)
			return lab->n_links + l->end[e].node;
	return (size_t)i->link;
}

static void no_overlap(const struct topo_lab *lab)
{
	for (size_t a = 0; a < lab->n_nodes; a++)
		for (size_t ai = 0; ai < lab->nodes[a]->n_ifaces; ai++)
			for (size_t b = 0; b < lab->n_nodes; b++)
				for (size_t bi = 0; bi < lab->nodes[b]->n_ifaces; bi++) {
					const struct topo_iface *x = &lab->nodes[a]->ifaces[ai],
								*y = &lab->nodes[b]->ifaces[bi];
					if (x == y)
						continue;
					for (size_t i = 0; i < x->n_addrs; i++)
						for (size_t j = 0; j < y->n_addrs; j++) {
							const struct cidr *c = &x->addrs[i].c, *d = &y->addrs[j].c;
							if (c->family != d->family)
								continue;
							assert_false(memcmp(c->a, d->a, 16) == 0);
							struct cidr net = c->plen <= d->plen ? *c : *d;
							const struct cidr *other = c->plen <= d->plen ? d : c;
							struct cidr n2;
							cidr_network(&net, &n2);
							if (!cidr_contains(&n2, other->family, other->a))
								continue;
							/* overlapping subnets: only on one segment */
							assert_true(segment_of(lab, x) == segment_of(lab, y) &&
								    x->link >= 0);
						}
				}
}

/* Every line of a is in b. */
static void kept(const char *a, const char *b)
{
	for (const char *p = a; *p;) {
		const char *eol = strchr(p, '\n');
		char *line = strndup(p, (size_t)(eol - p + 1));
		if (!strstr(b, line))
			fail_msg("address changed: %s", line);
		free(line);
		p = eol + 1;
	}
}

static char *round_trip(const char *yaml)
{
	struct ytree tree = { 0 };
	struct diags d = { 0 };
	size_t len;
	assert_true(ytree_parse(&tree, "t.yaml", yaml, strlen(yaml), &d));
	assert_true(expand_tree(&tree, "t.yaml", &d));
	char *text = expand_emit(tree.root, &len);
	assert_non_null(text);
	ytree_free(&tree);
	diags_free(&d);
	return text;
}

static void properties(void **state)
{
	for (unsigned seed = 1; seed <= 60; seed++) {
		unsigned nl = 2 + seed % 6;
		char *base = random_lab(seed, nl, false, false), *again = random_lab(seed, nl, false, false);
		struct topo_lab *l1 = load_ok(base), *l2 = load_ok(again);
		char *a1 = addrs_of(l1), *a2 = addrs_of(l2);
		assert_string_equal(a1, a2); /* deterministic */
		no_overlap(l1);
		char *more_link = random_lab(seed, nl, false, true), *more_node = random_lab(seed, nl, true, false);
		struct topo_lab *l3 = load_ok(more_link), *l4 = load_ok(more_node);
		char *a3 = addrs_of(l3), *a4 = addrs_of(l4);
		kept(a1, a3);
		kept(a1, a4);
		no_overlap(l3);
		no_overlap(l4);
		/* expand's output is the same lab, and expands to itself */
		char *x = round_trip(base);
		struct topo_lab *l5 = load_ok(x);
		char *a5 = addrs_of(l5), *xx = round_trip(x);
		assert_string_equal(a1, a5);
		assert_int_equal(l1->n_links, l5->n_links);
		assert_string_equal(x, xx);
		free(base), free(again), free(more_link), free(more_node), free(x), free(xx);
		free(a1), free(a2), free(a3), free(a4), free(a5);
		topo_lab_free(l1), topo_lab_free(l2), topo_lab_free(l3), topo_lab_free(l4);
		topo_lab_free(l5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranges_and_templates),
		cmocka_unit_test(patterns_and_names),
		cmocka_unit_test(defaults_and_groups),
		cmocka_unit_test(addressing_rules),
		cmocka_unit_test(errors_point_at_their_line),
		cmocka_unit_test(properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
