/* test_routing.c - `routing: static` (routes over shortest paths: chains, rings, grids, bridge
 * segments, hand routes first, the same routes every time) and `template:` rendering and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "load_yaml.h"
#include "routing.h"
#include "validate.h"
#include "ytree.h"

/* Loads, validates and routes yaml; the diagnostics printed, one per line, in *diag_text when
 * asked for (then errors are expected), else none allowed. */
static struct topo_lab *load(const char *yaml, char **diag_text)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", yaml, strlen(yaml), &d);
	if (lab && validate_lab(lab, &d) && routing_lab(lab, &d))
		topo_lab_expand(lab);
	diags_sort(&d);
	if (diag_text) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		diags_print(f, &d);
		fclose(f);
		*diag_text = buf;
	} else {
		if (d.n)
			diags_print(stderr, &d);
		assert_int_equal(d.n_errors, 0);
	}
	diags_free(&d);
	return lab;
}

/* A node's routes, "TO via VIA dev DEV" one a line, in the model's order. */
static char *routes(struct topo_lab *lab, const char *node)
{
	const struct topo_node *n = topo_node_find(lab, node);
	assert_non_null(n);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (size_t i = 0; i < n->n_routes; i++) {
		const struct topo_route *r = &n->routes[i];
		char to[CIDR_STR_MAX], via[CIDR_STR_MAX];
		cidr_format(&r->to, to, sizeof(to));
		addr_format(r->to.family, r->via, via, sizeof(via));
		fprintf(f, "%s via %s dev %s\n", to, via, r->dev);
	}
	fclose(f);
	return buf;
}

static void assert_routes(struct topo_lab *lab, const char *node, const char *want)
{
	char *got = routes(lab, node);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "%s: want\n%sgot\n%s", node, want, got);
	assert_string_equal(got, want);
	free(got);
}

static const char chain[] =
	"name: chain\n"
	"routing: static\n"
	"nodes:\n"
	"  h1: {interfaces: {e0: 10.0.0.2/30}}\n"
	"  r1: {kind: router, interfaces: {e0: 10.0.0.1/30, e1: 10.0.1.1/30}}\n"
	"  r2: {kind: router, interfaces: {e0: 10.0.1.2/30, e1: 10.0.2.1/30, lo: 10.255.0.2/32}}\n"
	"  r3: {kind: router, interfaces: {e0: 10.0.2.2/30, e1: 10.0.3.1/30}}\n"
	"  h2: {interfaces: {e0: [10.0.3.2/30, \"2001:db8::2/64\"]}}\n"
	"links:\n"
	"  - [h1:e0, r1:e0]\n"
	"  - [r1:e1, r2:e0]\n"
	"  - [r2:e1, r3:e0]\n"
	"  - [r3:e1, h2:e0]\n";

static void test_chain(void **state)
{
	(void)state;
	struct topo_lab *lab = load(chain, NULL);
	/* A host with one way out gets a default route; routers get every prefix they lack. */
	assert_routes(lab, "h1", "0.0.0.0/0 via 10.0.0.1 dev e0\n");
	assert_routes(lab, "r1", "10.0.2.0/30 via 10.0.1.2 dev e1\n"
				 "10.255.0.2/32 via 10.0.1.2 dev e1\n"
				 "10.0.3.0/30 via 10.0.1.2 dev e1\n");
	assert_routes(lab, "r2", "10.0.0.0/30 via 10.0.1.1 dev e0\n"
				 "10.0.3.0/30 via 10.0.2.2 dev e1\n");
	assert_routes(lab, "r3", "10.0.0.0/30 via 10.0.2.1 dev e0\n"
				 "10.0.1.0/30 via 10.0.2.1 dev e0\n"
				 "10.255.0.2/32 via 10.0.2.1 dev e0\n");
	/* IPv6 only where both ends of a hop have it: h2's routers have none, so no IPv6 route. */
	assert_routes(lab, "h2", "0.0.0.0/0 via 10.0.3.1 dev e0\n");
	topo_lab_free(lab);
}

static const char ring[] =
	"name: ring\n"
	"routing: static\n"
	"nodes:\n"
	"  r1: {kind: router, interfaces: {a: 10.0.12.1/30, b: 10.0.41.2/30}}\n"
	"  r2: {kind: router, interfaces: {a: 10.0.23.1/30, b: 10.0.12.2/30}}\n"
	"  r3: {kind: router, interfaces: {a: 10.0.34.1/30, b: 10.0.23.2/30}}\n"
	"  r4: {kind: router, interfaces: {a: 10.0.41.1/30, b: 10.0.34.2/30}}\n"
	"links:\n"
	"  - [r1:a, r2:b]\n"
	"  - [r2:a, r3:b]\n"
	"  - [r3:a, r4:b]\n"
	"  - [r4:a, r1:b]\n";

static void test_ring(void **state)
{
	(void)state;
	struct topo_lab *lab = load(ring, NULL);
	/* 10.0.23.0/30 is one hop either way (r2's, r3's): r2 is found first (r1's first
	 * interface); 10.0.34.0/30 likewise through r4 only as r4 is nearer than r3. */
	assert_routes(lab, "r1", "10.0.23.0/30 via 10.0.12.2 dev a\n"
				 "10.0.34.0/30 via 10.0.41.1 dev b\n");
	assert_routes(lab, "r3", "10.0.12.0/30 via 10.0.23.1 dev b\n"
				 "10.0.41.0/30 via 10.0.34.2 dev a\n");
	/* The same file gives the same routes, every time. */
	char *first = routes(lab, "r2");
	for (int i = 0; i < 3; i++) {
		struct topo_lab *again = load(ring, NULL);
		char *r = routes(again, "r2");
		assert_string_equal(first, r);
		free(r);
		topo_lab_free(again);
	}
	free(first);
	topo_lab_free(lab);
}

/* A 3x3 grid of routers, generated: every router reaches every link prefix, and by the fewest
 * hops (the opposite corner's links are 3 hops out, never more). */
static void test_grid(void **state)
{
	(void)state;
	char *y = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&y, &len);
	fprintf(f, "name: grid\nrouting: static\nnodes:\n");
	int link = 0;
	char links[4096] = "";
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			fprintf(f, "  g%d%d: {kind: router}\n", r, c);
		}
	fprintf(f, "links:\n");
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++) {
			if (c < 2) {
				fprintf(f, "  - [g%d%d:e, g%d%d:w]\n", r, c, r, c + 1);
				link++;
			}
			if (r < 2) {
				fprintf(f, "  - [g%d%d:s, g%d%d:n]\n", r, c, r + 1, c);
				link++;
			}
		}
	(void)links;
	fclose(f);
	/* Addresses: one /30 per link, in link order, added through the model. */
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", y, strlen(y), &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(lab->n_links, 12);
	for (size_t l = 0; l < lab->n_links; l++)
		for (int k = 0; k < 2; k++) {
			struct topo_node *n = lab->nodes[lab->links[l].end[k].node];
			struct topo_iface *ifc = &n->ifaces[lab->links[l].end[k].iface];
			char a[32];
			snprintf(a, sizeof(a), "10.1.%zu.%d/30", l, k + 1);
			struct cidr c;
			assert_true(cidr_parse(a, &c, true));
			topo_addr_add(lab, ifc, &c, (struct srcloc){ 0 });
		}
	assert_true(validate_lab(lab, &d) && routing_lab(lab, &d));
	assert_int_equal(d.n_errors, 0);
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *n = lab->nodes[i];
		/* 12 link prefixes, minus the node's own (2 to 4 links). */
		assert_int_equal(n->n_routes + n->n_ifaces, 12);
	}
	/* g00 to the far corner's link g21-g22 (10.1.11.0/30): 3 routers away either way, through
	 * g01 (its first interface, e) by the order interfaces are found; g20-g21 through g10. */
	char *r = routes(lab, "g00");
	assert_non_null(strstr(r, "10.1.11.0/30 via 10.1.0.2 dev e\n"));
	assert_non_null(strstr(r, "10.1.10.0/30 via 10.1.1.2 dev s\n"));
	free(r);
	diags_free(&d);
	topo_lab_free(lab);
	free(y);
}

static const char bridged[] =
	"name: bridged\n"
	"routing: static\n"
	"nodes:\n"
	"  sw1: {kind: bridge}\n"
	"  sw2: {kind: bridge}\n"
	"  sw3: {kind: bridge}\n"
	"  h1: {interfaces: {e0: 10.0.1.10/24}}\n"
	"  h2: {interfaces: {e0: 10.0.1.11/24}}\n"
	"  r1: {kind: router, interfaces: {e0: 10.0.1.1/24, e1: 10.0.0.1/30}}\n"
	"  r2: {kind: router, interfaces: {e0: 10.0.2.1/24, e1: 10.0.0.2/30}}\n"
	"  h3: {interfaces: {e0: 10.0.2.10/24}, routes: [10.0.1.0/24 via 10.0.2.1]}\n"
	"links:\n"
	"  - [h1:e0, sw1:p1]\n"
	"  - [r1:e0, sw1:p2]\n"
	"  - [sw1:p3, sw2:p1]\n"
	"  - [h2:e0, sw2:p2]\n"
	"  - [r1:e1, r2:e1]\n"
	"  - [r2:e0, sw3:p1]\n"
	"  - [h3:e0, sw3:p2]\n";

static void test_bridge_segments(void **state)
{
	(void)state;
	struct topo_lab *lab = load(bridged, NULL);
	/* sw1 and sw2 are one segment: h2 reaches r1 through both bridges. */
	assert_routes(lab, "h1", "0.0.0.0/0 via 10.0.1.1 dev e0\n");
	assert_routes(lab, "h2", "0.0.0.0/0 via 10.0.1.1 dev e0\n");
	assert_routes(lab, "r1", "10.0.2.0/24 via 10.0.0.2 dev e1\n");
	assert_routes(lab, "r2", "10.0.1.0/24 via 10.0.0.1 dev e1\n");
	/* Hand routes win: h3's own route stays first and alone for its prefix; the rest of the
	 * lab goes by the default route. */
	assert_routes(lab, "h3", "10.0.1.0/24 via 10.0.2.1 dev \n0.0.0.0/0 via 10.0.2.1 dev e0\n");
	/* Bridges take no routes. */
	assert_routes(lab, "sw1", "");
	topo_lab_free(lab);
}

static void test_hand_routes_win(void **state)
{
	(void)state;
	const char *y =
		"name: hand\n"
		"routing: static\n"
		"nodes:\n"
		"  a: {kind: router, interfaces: {e0: 10.0.0.1/30, e1: 10.0.1.1/30},\n"
		"      routes: [10.0.9.0/24 via 10.0.1.2]}\n"
		"  b: {kind: router, interfaces: {e0: 10.0.0.2/30, e1: 10.0.9.1/24}}\n"
		"  c: {kind: router, interfaces: {e0: 10.0.1.2/30}, routing: none}\n"
		"  d: {interfaces: {e0: 10.0.9.2/24}, routes: [default via 10.0.9.1]}\n"
		"links:\n"
		"  - [a:e0, b:e0]\n"
		"  - [a:e1, c:e0]\n"
		"  - [b:e1, d:e0]\n";
	struct topo_lab *lab = load(y, NULL);
	/* a's own route to 10.0.9.0/24 (through c) stays, and no second one is added. */
	assert_routes(lab, "a", "10.0.9.0/24 via 10.0.1.2 dev \n");
	assert_routes(lab, "b", "10.0.1.0/30 via 10.0.0.1 dev e0\n");
	/* routing: none on a node: none computed for it. */
	assert_routes(lab, "c", "");
	/* A host with its own default route gets none in that family. */
	assert_routes(lab, "d", "0.0.0.0/0 via 10.0.9.1 dev \n");
	topo_lab_free(lab);
}

static void test_host_two_routers_and_ipv6(void **state)
{
	(void)state;
	const char *y =
		"name: two\n"
		"routing: static\n"
		"nodes:\n"
		"  h: {interfaces: {e0: [10.0.1.10/24, \"2001:db8:1::10/64\"], e1: 10.0.2.10/24}}\n"
		"  r1: {kind: router, interfaces: {e0: [10.0.1.1/24, \"2001:db8:1::1/64\"],\n"
		"       e1: [10.1.0.1/30, \"2001:db8:10::1/64\"]}}\n"
		"  r2: {kind: router, interfaces: {e0: 10.0.2.1/24, e1: 10.2.0.1/30}}\n"
		"  x: {kind: router, interfaces: {e0: [10.1.0.2/30, \"2001:db8:10::2/64\"],\n"
		"      e1: 10.2.0.2/30, lo: [10.9.9.9/32, \"2001:db8:99::9/128\"]}}\n"
		"links:\n"
		"  - [h:e0, r1:e0]\n"
		"  - [h:e1, r2:e0]\n"
		"  - [r1:e1, x:e0]\n"
		"  - [r2:e1, x:e1]\n";
	struct topo_lab *lab = load(y, NULL);
	/* Two ways out: one route per prefix, each the shortest, ties to the first interface. */
	assert_routes(lab, "h", "10.1.0.0/30 via 10.0.1.1 dev e0\n"
				"10.2.0.0/30 via 10.0.2.1 dev e1\n"
				"10.9.9.9/32 via 10.0.1.1 dev e0\n"
				"::/0 via 2001:db8:1::1 dev e0\n");
	assert_routes(lab, "x", "10.0.1.0/24 via 10.1.0.1 dev e0\n"
				"10.0.2.0/24 via 10.2.0.1 dev e1\n"
				"2001:db8:1::/64 via 2001:db8:10::1 dev e0\n");
	topo_lab_free(lab);
}

/* A neighbour whose address is its subnet's broadcast address is no gateway (the kernel refuses
 * it): no route through it. */
static void test_broadcast_gateway(void **state)
{
	(void)state;
	struct topo_lab *lab = load("name: b\nrouting: static\nnodes:\n"
				    "  a: {kind: router, interfaces: {e0: 10.0.0.1/30}}\n"
				    "  b: {kind: router, interfaces: {e0: 10.0.0.3/30, lo: 10.0.1.1/32}}\n"
				    "links: [[a:e0, b:e0]]\n", NULL);
	assert_routes(lab, "a", "");
	assert_routes(lab, "b", "");
	topo_lab_free(lab);
}

static void test_no_routing(void **state)
{
	(void)state;
	/* Without routing:, nothing is added; FRR nodes never get static routes by default. */
	const char *y = strstr(chain, "nodes:");
	char buf[2048];
	snprintf(buf, sizeof(buf), "name: chain\n%s", y);
	struct topo_lab *lab = load(buf, NULL);
	for (size_t i = 0; i < lab->n_nodes; i++)
		assert_int_equal(lab->nodes[i]->n_routes, 0);
	topo_lab_free(lab);
	char *diag = NULL;
	lab = load("name: x\nrouting: dynamic\nnodes: {a: {routing: [1]}, sw: {kind: bridge, "
		   "routing: static}}\n", &diag);
	assert_non_null(strstr(diag, "t.yaml:2:10: error: unknown routing 'dynamic' (expected static or none)"));
	assert_non_null(strstr(diag, "t.yaml:3:22: error: routing must be static or none, not a list"));
	free(diag);
	topo_lab_free(lab);
	lab = load("name: x\nnodes: {sw: {kind: bridge, routing: static}}\n", &diag);
	assert_non_null(strstr(diag, "t.yaml:2:37: error: sw: a bridge node takes no routes"));
	free(diag);
	topo_lab_free(lab);
}

/* ---- templates ---- */

static const char ospf[] =
	"name: t\n"
	"nodes:\n"
	"  r1:\n"
	"    kind: frr\n"
	"    template: frr-ospf\n"
	"    interfaces: {e0: 10.0.0.1/30, e1: 10.0.1.1/24, lo: 10.255.0.1/32}\n"
	"  r2: {kind: frr, template: frr-ospf, asn: 65002, interfaces: {e0: 10.0.0.2/30}}\n"
	"  sw: {kind: bridge}\n"
	"links: [[r1:e0, r2:e0], [r1:e1, sw:p1]]\n";

static void test_template_frr_ospf(void **state)
{
	(void)state;
	struct topo_lab *lab = load(ospf, NULL);
	const struct topo_node *r1 = topo_node_find(lab, "r1");
	assert_string_equal(r1->config,
			    "frr defaults traditional\n"
			    "interface e0\n"
			    " ip ospf network point-to-point\n"
			    " ip ospf hello-interval 1\n"
			    " ip ospf dead-interval 4\n"
			    "interface e1\n"
			    " ip ospf hello-interval 1\n"
			    " ip ospf dead-interval 4\n"
			    "router ospf\n"
			    " ospf router-id 10.255.0.1\n"
			    " timers throttle spf 10 100 1000\n"
			    " network 10.0.0.0/30 area 0\n"
			    " network 10.0.1.0/24 area 0\n"
			    " network 10.255.0.1/32 area 0\n"
			    "!\n");
	/* ospfd is implied by the template. */
	const char *d[8];
	size_t n = topo_node_daemons(r1, d, 8);
	assert_int_equal(n, 3);
	assert_string_equal(d[2], "ospfd");
	/* The router-id without a loopback: the highest address. */
	assert_non_null(strstr(topo_node_find(lab, "r2")->config, "ospf router-id 10.0.0.2\n"));
	topo_lab_free(lab);
}

static void test_template_frr_bgp(void **state)
{
	(void)state;
	const char *y = "name: t\n"
			"nodes:\n"
			"  s1: {kind: frr, template: frr-bgp, asn: 65000, interfaces: {a: 10.0.0.1/31, b: 10.0.0.3/31, lo: 10.255.0.1/32}}\n"
			"  l1: {kind: frr, template: frr-bgp, asn: \"65001\", interfaces: {a: 10.0.0.0/31}}\n"
			"  l2: {kind: frr, interfaces: {a: 10.0.0.2/31}}\n"
			"links: [[s1:a, l1:a], [s1:b, l2:a]]\n";
	struct topo_lab *lab = load(y, NULL);
	const char *c = topo_node_find(lab, "s1")->config;
	assert_string_equal(c, "frr defaults datacenter\n"
			       "router bgp 65000\n"
			       " bgp router-id 10.255.0.1\n"
			       " no bgp ebgp-requires-policy\n"
			       " bgp bestpath as-path multipath-relax\n"
			       " timers bgp 1 3\n"
			       " neighbor 10.0.0.0 remote-as 65001\n"
			       " neighbor 10.0.0.0 timers connect 1\n"
			       " address-family ipv4 unicast\n"
			       "  network 10.0.0.0/31\n"
			       "  network 10.0.0.2/31\n"
			       "  network 10.255.0.1/32\n"
			       " exit-address-family\n"
			       "!\n");
	topo_lab_free(lab);
	/* No asn: the error names the node and the fact. */
	char *diag = NULL;
	lab = load("name: t\nnodes:\n  r: {kind: frr, template: frr-bgp}\n", &diag);
	assert_non_null(strstr(diag, "t.yaml:3:28: error: r: template frr-bgp: {{asn}} has no value for node r"));
	free(diag);
	topo_lab_free(lab);
}

static void test_template_text_and_errors(void **state)
{
	(void)state;
	const char *y = "name: t\n"
			"nodes:\n"
			"  r1:\n"
			"    kind: bird\n"
			"    asn: 65001\n"
			"    interfaces: {e0: 10.0.0.1/30}\n"
			"    template: |\n"
			"      # {{name}} AS{{asn}}\n"
			"      {{#each neighbors}}\n"
			"        {{#if peer_asn}}\n"
			"      protocol bgp {{peer}} { neighbor {{peer_ip}} as {{peer_asn}}; }\n"
			"        {{else}}\n"
			"      # {{peer}} {{peer_iface}} has no AS\n"
			"        {{/if}}\n"
			"      {{/each}}\n"
			"    config: |\n"
			"      # extra\n"
			"  r2: {kind: router, interfaces: {e0: 10.0.0.2/30}}\n"
			"links: [[r1:e0, r2:e0]]\n";
	struct topo_lab *lab = load(y, NULL);
	assert_string_equal(topo_node_find(lab, "r1")->config, "# r1 AS65001\n# r2 e0 has no AS\n# extra\n");
	topo_lab_free(lab);
	static const struct {
		const char *tmpl, *want;
	} bad[] = {
		{ "      x\n      {{nosuch}}\n", "t.yaml:6:7: error: template: unknown name 'nosuch'" },
		{ "      {{#each ifaces}}\n      {{peer}}\n", "t.yaml:5:7: error: template: {{#each ifaces}} is not closed" },
		{ "      ab {{#if asn}}x{{/each}}\n", "t.yaml:5:22: error: template: {{/each}} closes {{#if}} of line 1" },
		{ "      {{asn}}\n", "t.yaml:5:7: error: template: {{asn}} has no value for node r1 (test it with {{#if asn}})" },
		{ "      {{#each ifaces}}{{#each networks}}{{/each}}{{/each}}\n", "t.yaml:5:23: error: template: {{#each}} inside {{#each ifaces}}" },
		{ "      {{ name\n", "t.yaml:5:7: error: template: '{{' is not closed by '}}' on its line" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[1024], *diag = NULL;
		snprintf(buf, sizeof(buf), "name: t\nnodes:\n  r1:\n    template: |\n%s    kind: frr\n",
			 bad[i].tmpl);
		lab = load(buf, &diag);
		if (!strstr(diag, bad[i].want))
			fprintf(stderr, "want %s\ngot %s\n", bad[i].want, diag);
		assert_non_null(strstr(diag, bad[i].want));
		free(diag);
		topo_lab_free(lab);
	}
	char *diag = NULL;
	lab = load("name: t\nnodes: {r: {kind: router, template: frr-ospf}, b: {kind: bird, template: frr-ospf},\n"
		   "  f: {kind: frr, template: frr-osfp}}\n", &diag);
	assert_non_null(strstr(diag, "t.yaml:2:37: error: r: template is for kind frr or bird"));
	assert_non_null(strstr(diag, "t.yaml:2:74: error: b: template frr-ospf is for kind frr, not bird"));
	assert_non_null(strstr(diag, "t.yaml:3:28: error: unknown template 'frr-osfp'"));
	free(diag);
	topo_lab_free(lab);
}

/* The template text of docs/topology.md, as written there. */
static void test_template_doc_example(void **state)
{
	(void)state;
	const char *y = "name: t\n"
			"nodes:\n"
			"  r9:\n"
			"    kind: bird\n"
			"    asn: 65009\n"
			"    interfaces: {a: 10.0.0.1/30, b: 10.0.1.1/30, lo: 192.0.2.9/32}\n"
			"    template: |\n"
			"      router id {{router_id}};\n"
			"      protocol device { scan time 1; }\n"
			"      {{#each neighbors}}\n"
			"        {{#if peer_asn}}\n"
			"      protocol bgp {{peer}} { local as {{asn}}; neighbor {{peer_ip}} as {{peer_asn}}; }\n"
			"        {{/if}}\n"
			"      {{/each}}\n"
			"  x: {kind: bird, asn: 65010, interfaces: {a: 10.0.0.2/30}}\n"
			"  y: {kind: router, interfaces: {b: 10.0.1.2/30}}\n"
			"links: [[r9:a, x:a], [r9:b, y:b]]\n";
	struct topo_lab *lab = load(y, NULL);
	assert_string_equal(topo_node_find(lab, "r9")->config,
			    "router id 192.0.2.9;\n"
			    "protocol device { scan time 1; }\n"
			    "protocol bgp x { local as 65009; neighbor 10.0.0.2 as 65010; }\n");
	topo_lab_free(lab);
}

/* routing_text shows what was derived as YAML that reads back to the same routes and configs. */
static void test_routing_text(void **state)
{
	(void)state;
	struct topo_lab *lab = load(chain, NULL);
	char *t = routing_text(lab);
	assert_non_null(strstr(t, "nodes:\n  h1:\n    routes:\n      - \"default via 10.0.0.1 dev e0\"\n"));
	assert_non_null(strstr(t, "  r1:\n    routes:\n      - \"10.0.2.0/30 via 10.0.1.2 dev e1\"\n"));
	free(t);
	topo_lab_free(lab);
	lab = load(ospf, NULL);
	t = routing_text(lab);
	struct ytree tree = { 0 };
	struct diags d = { 0 };
	assert_true(ytree_parse(&tree, "x.yaml", t, strlen(t), &d));
	const struct ynode *r1 = ytree_map_get(ytree_map_get(tree.root, "nodes"), "r1");
	assert_non_null(r1);
	assert_string_equal(ytree_map_get(r1, "config")->value, topo_node_find(lab, "r1")->config);
	ytree_free(&tree);
	diags_free(&d);
	free(t);
	topo_lab_free(lab);
	/* Nothing derived: nothing to show. */
	lab = load("name: x\nnodes: {a: {}}\n", NULL);
	t = routing_text(lab);
	assert_string_equal(t, "");
	free(t);
	topo_lab_free(lab);
}

/* The output of one node is bounded: a template that would grow past the cap is an error, not a
 * huge file. */
static void test_template_bound(void **state)
{
	(void)state;
	char *y = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&y, &len);
	fprintf(f, "name: t\nnodes:\n  r1:\n    kind: frr\n    interfaces:\n      lo:\n");
	for (int i = 0; i < 200; i++)
		fprintf(f, "        - 10.%d.%d.1/32\n", i / 250, i % 250);
	fprintf(f, "    template: |\n      {{#each networks}}\n      ");
	for (int i = 0; i < 500; i++)
		fprintf(f, "{{network}}{{hostname}}{{name}}");
	fprintf(f, "\n      {{/each}}\n");
	fclose(f);
	char *diag = NULL;
	struct topo_lab *lab = load(y, &diag);
	assert_non_null(strstr(diag, "error: template: the template's output is over 1048576 bytes"));
	topo_lab_free(lab);
	free(diag);
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_bridge_segments),
		cmocka_unit_test(test_hand_routes_win),
		cmocka_unit_test(test_host_two_routers_and_ipv6),
		cmocka_unit_test(test_broadcast_gateway),
		cmocka_unit_test(test_no_routing),
		cmocka_unit_test(test_template_frr_ospf),
		cmocka_unit_test(test_template_frr_bgp),
		cmocka_unit_test(test_template_text_and_errors),
		cmocka_unit_test(test_template_doc_example),
		cmocka_unit_test(test_template_bound),
		cmocka_unit_test(test_routing_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
