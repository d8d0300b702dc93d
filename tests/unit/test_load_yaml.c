/* test_load_yaml.c - the parser builds the model the topology file describes: the files of
 * tests/good and inline documents, checked field by field; word splitting; edit distance. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "load_yaml.h"
#include "validate.h"

static struct topo_lab *load(const char *text, struct diags *d)
{
	struct topo_lab *lab = load_yaml_buf("t.yaml", text, strlen(text), d);
	if (lab && !d->n)
		validate_lab(lab, d);
	return lab;
}

/* Prints the diagnostics before failing, so a broken good file says why. */
static void assert_no_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_error("%s:%u:%u: %s\n", d->v[i].loc.file, d->v[i].loc.line, d->v[i].loc.col,
			    d->v[i].msg);
	assert_int_equal(d->n, 0);
}

static struct topo_lab *load_good(const char *name)
{
	const char *src = getenv("NSTOPO_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/good/%s", src ? src : ".", name);
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_file(path, &d);
	assert_non_null(lab);
	validate_lab(lab, &d);
	diags_sort(&d);
	assert_no_diags(&d);
	diags_free(&d);
	return lab;
}

static const struct topo_node *node_of(const struct topo_lab *lab, const char *name)
{
	const struct topo_node *node = topo_node_find(lab, name);
	if (!node)
		fail_msg("no node %s", name);
	return node;
}

static const struct topo_iface *iface_of(const struct topo_lab *lab, const char *node,
					 const char *name)
{
	const struct topo_iface *iface = topo_iface_find(node_of(lab, node), name);
	if (!iface)
		fail_msg("no interface %s:%s", node, name);
	return iface;
}

static void assert_addr(const struct topo_iface *iface, size_t i, const char *want)
{
	char buf[CIDR_STR_MAX];
	assert_true(i < iface->n_addrs);
	assert_string_equal(cidr_format(&iface->addrs[i].c, buf, sizeof(buf)), want);
}

static void assert_via(const struct topo_route *r, const char *want)
{
	char buf[CIDR_STR_MAX];
	assert_true(r->has & ROUTE_HAS_VIA);
	assert_string_equal(addr_format(r->to.family, r->via, buf, sizeof(buf)), want);
}

static void assert_to(const struct topo_route *r, const char *want)
{
	char buf[CIDR_STR_MAX];
	assert_string_equal(cidr_format(&r->to, buf, sizeof(buf)), want);
}

/* "NODE:IF" of a link end. */
static void assert_end(const struct topo_lab *lab, const struct topo_end *e, const char *want)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s:%s", topo_end_node(lab, e)->name, topo_end_iface(lab, e)->name);
	assert_string_equal(buf, want);
}

static void test_minimal(void **state)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load("name: a\nnodes: {h1: {}}\n", &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(lab->name, "a");
	/* Without `prefix:`, namespaces are LAB-NODE: two labs may reuse node names. */
	assert_string_equal(lab->prefix, "a-");
	assert_string_equal(topo_node_netns(lab, node_of(lab, "h1")), "a-h1");
	assert_int_equal(lab->n_nodes, 1);
	assert_int_equal(lab->n_links, 0);
	assert_null(lab->uplink);
	topo_lab_free(lab);
	diags_free(&d);
}

static void test_prefix_keys(void **state)
{
	struct diags d = { 0 };
	/* An explicit empty prefix keeps the bare names, in either order of the keys. */
	struct topo_lab *lab = load("prefix: \"\"\nname: a\nnodes: {h1: {}}\n", &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(topo_node_netns(lab, node_of(lab, "h1")), "h1");
	topo_lab_free(lab);
	lab = load("name: a\nprefix: p.\nnodes: {h1: {}}\n", &d);
	assert_string_equal(topo_node_netns(lab, node_of(lab, "h1")), "p.h1");
	topo_lab_free(lab);
	/* --name: the lab and its default prefix follow the new name. */
	lab = load("name: a\nnodes: {h1: {}}\n", &d);
	topo_lab_set_name(lab, "b");
	assert_string_equal(lab->name, "b");
	assert_string_equal(topo_node_netns(lab, node_of(lab, "h1")), "b-h1");
	topo_lab_free(lab);
	diags_free(&d);
}

static void test_all_forms_nodes(void **state)
{
	struct topo_lab *lab = load_good("all-forms.yaml");
	assert_string_equal(lab->name, "forms");
	assert_string_equal(lab->prefix, "forms-");
	assert_int_equal(lab->n_nodes, 5);
	assert_int_equal(node_of(lab, "h1")->kind, NODE_HOST);
	assert_int_equal(node_of(lab, "r1")->kind, NODE_ROUTER);
	assert_true(node_of(lab, "r1")->has & NODE_HAS_KIND);
	assert_int_equal(node_of(lab, "sw1")->kind, NODE_BRIDGE);
	assert_int_equal(node_of(lab, "h2")->kind, NODE_HOST);
	assert_int_equal(node_of(lab, "host")->kind, NODE_ROOT);
	/* Nodes keep the file's order and position. */
	assert_string_equal(lab->nodes[0]->name, "h1");
	assert_int_equal(lab->nodes[0]->loc.line, 8);
	assert_int_equal(lab->nodes[0]->loc.col, 3);
	assert_string_equal(topo_node_netns(lab, node_of(lab, "h1")), "forms-h1");
	assert_null(topo_node_netns(lab, node_of(lab, "host")));
	topo_lab_free(lab);
}

static void test_all_forms_interfaces(void **state)
{
	struct topo_lab *lab = load_good("all-forms.yaml");
	const struct topo_iface *i;

	i = iface_of(lab, "h1", "eth0"); /* a string */
	assert_int_equal(i->n_addrs, 1);
	assert_addr(i, 0, "10.0.1.10/24");
	assert_int_equal(i->addrs[0].loc.line, 10);
	assert_int_equal(i->addrs[0].loc.col, 13);
	assert_int_equal(i->has, 0);

	i = iface_of(lab, "r1", "eth0"); /* a list */
	assert_int_equal(i->n_addrs, 2);
	assert_addr(i, 0, "10.0.1.1/24");
	assert_addr(i, 1, "2001:db8:1::1/64");
	assert_int_equal(i->addrs[1].c.family, AF_INET6);

	i = iface_of(lab, "r1", "eth1"); /* a mapping */
	assert_int_equal(i->n_addrs, 1);
	assert_addr(i, 0, "10.0.2.1/24");
	assert_true(i->has & IFACE_HAS_MTU);
	assert_int_equal(i->mtu, 9000);
	assert_true(i->has & IFACE_HAS_MAC);
	static const unsigned char mac[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
	assert_memory_equal(i->mac, mac, 6);

	i = iface_of(lab, "r1", "lo");
	assert_int_equal(i->n_addrs, 2);
	assert_addr(i, 1, "2001:db8:ff::1/128");
	assert_int_equal(i->link, -1);

	i = iface_of(lab, "h2", "eth0"); /* a mapping whose addresses is one string */
	assert_int_equal(i->n_addrs, 1);
	assert_addr(i, 0, "10.0.2.2/24");

	i = iface_of(lab, "sw1", "br0");
	assert_addr(i, 0, "10.0.2.254/24");
	assert_int_equal(i->link, -1);

	/* Ports exist only as link ends. */
	assert_int_equal(iface_of(lab, "sw1", "p1")->n_addrs, 0);
	assert_int_equal(iface_of(lab, "host", "forms-up0")->n_addrs, 1);
	topo_lab_free(lab);
}

static void test_all_forms_routes(void **state)
{
	struct topo_lab *lab = load_good("all-forms.yaml");
	const struct topo_node *h1 = node_of(lab, "h1"), *r1 = node_of(lab, "r1");
	const struct topo_route *r;

	assert_int_equal(h1->n_routes, 3);
	r = &h1->routes[0]; /* default via 10.0.1.1 */
	assert_int_equal(r->to.family, AF_INET);
	assert_int_equal(r->to.plen, 0);
	assert_via(r, "10.0.1.1");
	assert_false(r->has & (ROUTE_HAS_DEV | ROUTE_HAS_METRIC));
	assert_int_equal(r->loc.line, 13);
	assert_int_equal(r->loc.col, 9);
	r = &h1->routes[1]; /* 10.8.0.0/16 via 10.0.1.1 metric 20 dev eth0 */
	assert_to(r, "10.8.0.0/16");
	assert_via(r, "10.0.1.1");
	assert_true(r->has & ROUTE_HAS_METRIC);
	assert_int_equal(r->metric, 20);
	assert_true(r->has & ROUTE_HAS_DEV);
	assert_string_equal(r->dev, "eth0");
	r = &h1->routes[2]; /* ::/0 dev eth0 */
	assert_int_equal(r->to.family, AF_INET6);
	assert_to(r, "::/0");
	assert_false(r->has & ROUTE_HAS_VIA);
	assert_string_equal(r->dev, "eth0");
	assert_int_equal(topo_route_metric(r), 1024); /* the kernel's default for IPv6 */

	assert_int_equal(r1->n_routes, 3);
	r = &r1->routes[0]; /* to: 10.9.0.0/16, via: 10.0.2.2, metric: 50 */
	assert_to(r, "10.9.0.0/16");
	assert_via(r, "10.0.2.2");
	assert_int_equal(r->metric, 50);
	assert_int_equal(r->loc.line, 24);
	assert_int_equal(r->loc.col, 9);
	r = &r1->routes[1]; /* {to: 198.51.100.0/24, dev: eth1} */
	assert_to(r, "198.51.100.0/24");
	assert_false(r->has & ROUTE_HAS_VIA);
	assert_string_equal(r->dev, "eth1");
	r = &r1->routes[2];
	assert_to(r, "2001:db8:9::/48");
	assert_via(r, "2001:db8:1::10");
	assert_int_equal(r->metric, 4294967295u);

	const struct topo_node *host = node_of(lab, "host");
	assert_int_equal(host->n_routes, 1);
	assert_to(&host->routes[0], "10.0.0.0/8");
	assert_via(&host->routes[0], "10.200.0.2");
	topo_lab_free(lab);
}

static void test_all_forms_links_sysctl(void **state)
{
	struct topo_lab *lab = load_good("all-forms.yaml");
	assert_int_equal(lab->n_links, 4);
	assert_end(lab, &lab->links[0].end[0], "h1:eth0");
	assert_end(lab, &lab->links[0].end[1], "r1:eth0");
	assert_false(lab->links[0].has & LINK_HAS_MTU);
	assert_end(lab, &lab->links[1].end[0], "r1:eth1");
	assert_end(lab, &lab->links[1].end[1], "sw1:p1");
	assert_true(lab->links[1].has & LINK_HAS_MTU);
	assert_int_equal(lab->links[1].mtu, 9000);
	assert_end(lab, &lab->links[3].end[1], "host:forms-up0");
	assert_int_equal(lab->links[3].end[1].loc.line, 52);
	assert_int_equal(lab->links[3].end[1].loc.col, 15);
	/* Each end knows its link, and the peer is the other end. */
	const struct topo_node *h1 = node_of(lab, "h1");
	const struct topo_iface *eth0 = iface_of(lab, "h1", "eth0");
	assert_int_equal(eth0->link, 0);
	assert_end(lab, topo_link_peer(lab, h1, eth0), "r1:eth0");

	const struct topo_node *r1 = node_of(lab, "r1");
	assert_int_equal(r1->n_sysctls, 2);
	assert_string_equal(r1->sysctls[0].key, "net.ipv4.conf.all.rp_filter");
	assert_string_equal(r1->sysctls[0].value, "0");
	assert_string_equal(r1->sysctls[1].key, "net.ipv6.conf.all.accept_ra");
	assert_string_equal(r1->sysctls[1].value, "2");
	/* A router forwards: its own sysctls, then forwarding from its kind. */
	size_t n;
	const struct topo_sysctl *s = topo_node_sysctls(lab, r1, &n);
	assert_int_equal(n, 4);
	assert_string_equal(s[2].key, "net.ipv4.ip_forward");
	assert_string_equal(s[2].value, "1");
	s = topo_node_sysctls(lab, h1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].value, "0");
	topo_lab_free(lab);
}

static void test_anchors(void **state)
{
	struct topo_lab *lab = load_good("anchors.yaml");
	/* h2 merges h1 but its own interfaces win; its routes come from the merge. */
	assert_addr(iface_of(lab, "h2", "eth0"), 0, "10.0.1.11/24");
	assert_int_equal(iface_of(lab, "h2", "eth0")->n_addrs, 1);
	const struct topo_node *h2 = node_of(lab, "h2");
	assert_int_equal(h2->n_routes, 1);
	assert_via(&h2->routes[0], "10.0.1.1");
	/* An aliased value keeps the position of its anchor. */
	assert_int_equal(h2->routes[0].loc.line, node_of(lab, "h1")->routes[0].loc.line);
	assert_addr(iface_of(lab, "h3", "eth0"), 0, "10.0.1.12/24");
	assert_int_equal(node_of(lab, "h3")->n_routes, 1);
	const struct topo_iface *eth2 = iface_of(lab, "r1", "eth2");
	assert_int_equal(eth2->mtu, 1400);
	assert_int_equal(lab->n_links, 6);
	assert_int_equal(lab->links[5].mtu, 1400);
	assert_int_equal(node_of(lab, "sw1")->n_ifaces, 6);
	topo_lab_free(lab);
}

static void test_same_address_two_segments(void **state)
{
	struct topo_lab *lab = load_good("same-address-two-segments.yaml");
	assert_addr(iface_of(lab, "r1", "eth0"), 0, "192.168.1.1/24");
	assert_addr(iface_of(lab, "r2", "eth0"), 0, "192.168.1.1/24");
	topo_lab_free(lab);
}

static void test_minimal_file(void **state)
{
	struct topo_lab *lab = load_good("minimal.yaml");
	assert_string_equal(lab->name, "0");
	assert_int_equal(lab->n_nodes, 3);
	assert_int_equal(node_of(lab, "h1")->n_ifaces, 0); /* h1: with no value */
	assert_int_equal(node_of(lab, "1")->kind, NODE_ROUTER);
	topo_lab_free(lab);
}

/* Every file in tests/good validates, including ones added later without a test of their own. */
static void test_every_good_file(void **state)
{
	const char *src = getenv("NSTOPO_SOURCE_DIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/good", src ? src : ".");
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(dp))) {
		size_t l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) {
			topo_lab_free(load_good(e->d_name));
			seen++;
		}
	}
	closedir(dp);
	assert_true(seen >= 4);
}

static void test_default_family_from_gateway(void **state)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load("name: a\n"
				    "nodes:\n"
				    "  h1:\n"
				    "    interfaces: {eth0: \"2001:db8::2/64\"}\n"
				    "    routes:\n"
				    "      - default via 2001:db8::1\n"
				    "      - {to: default, via: \"fe80::1\", dev: eth0, metric: 7}\n"
				    "  h2: {interfaces: {eth0: \"2001:db8::1/64\"}}\n"
				    "links: [[h1:eth0, h2:eth0]]\n",
				    &d);
	assert_no_diags(&d);
	const struct topo_node *h1 = node_of(lab, "h1");
	assert_int_equal(h1->n_routes, 2);
	assert_int_equal(h1->routes[0].to.family, AF_INET6);
	assert_to(&h1->routes[0], "::/0");
	assert_via(&h1->routes[1], "fe80::1");
	assert_int_equal(h1->routes[1].metric, 7);
	topo_lab_free(lab);
	diags_free(&d);
}

/* Links may come before the nodes they name; a link to host makes the host node. */
static void test_links_before_nodes(void **state)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load("links:\n"
				    "  - [h1:eth0, host:x-up0]\n"
				    "name: x\n"
				    "nodes: {h1: {interfaces: {eth0: 10.0.0.1/30}}}\n",
				    &d);
	assert_no_diags(&d);
	assert_int_equal(lab->n_links, 1);
	assert_int_equal(node_of(lab, "host")->kind, NODE_ROOT);
	assert_end(lab, &lab->links[0].end[1], "host:x-up0");
	topo_lab_free(lab);
	diags_free(&d);
}

/* Errors that leave the YAML tree whole do not hide the errors after them. */
static void test_errors_after_duplicate_key(void **state)
{
	struct diags d = { 0 };
	const char *text = "name: a\nname: b\nnodes: {h1: {kind: switch}}\n";
	struct topo_lab *lab = load_yaml_buf("t.yaml", text, strlen(text), &d);
	assert_non_null(lab);
	diags_sort(&d);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg, "duplicate key 'name' (first at line 1)");
	assert_int_equal(d.v[1].loc.line, 3);
	assert_string_equal(lab->name, "a"); /* the first one counts */
	topo_lab_free(lab);
	diags_free(&d);
}

static void test_empty_buffer(void **state)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", "", 0, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].loc.line, 1);
	assert_int_equal(d.v[0].loc.col, 1);
	topo_lab_free(lab);
	diags_free(&d);
}

static void assert_words(const char *s, long want_bad, size_t n, ...)
{
	struct arena a = { 0 };
	char **argv;
	size_t argc;
	long bad = load_yaml_split_words(&a, s, &argv, &argc);
	assert_int_equal(bad, want_bad);
	if (bad < 0) {
		assert_int_equal(argc, n);
		va_list ap;
		va_start(ap, n);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(argv[i], va_arg(ap, const char *));
		va_end(ap);
		assert_null(argv[argc]);
	}
	arena_free(&a);
}

static void test_split_words(void **state)
{
	assert_words("", -1, 0);
	assert_words("  \t ", -1, 0);
	assert_words("ip addr  show", -1, 3, "ip", "addr", "show");
	assert_words("echo 'a  b' c", -1, 3, "echo", "a  b", "c");
	assert_words("echo \"a 'b'\"", -1, 2, "echo", "a 'b'");
	assert_words("a'b c'd", -1, 1, "ab cd");
	assert_words("echo \"say \\\"hi\\\"\"", -1, 2, "echo", "say \"hi\"");
	assert_words("echo \"a\\\\b\"", -1, 2, "echo", "a\\b");
	assert_words("echo \"a\\nb\"", -1, 2, "echo", "a\\nb"); /* \n is not an escape in "" */
	assert_words("echo 'a\\b'", -1, 2, "echo", "a\\b");     /* nothing is, in '' */
	assert_words("a\\ b c", -1, 2, "a b", "c");
	assert_words("''", -1, 1, "");
	assert_words("x\n y", -1, 2, "x", "y");
	assert_words("it's", 2, 0);
	assert_words("echo \"open", 5, 0);
}

static void test_edit_distance(void **state)
{
	assert_int_equal(load_yaml_edit_distance("interfaces", "interfaces"), 0);
	assert_int_equal(load_yaml_edit_distance("interfces", "interfaces"), 1);
	assert_int_equal(load_yaml_edit_distance("linsk", "links"), 2);
	assert_int_equal(load_yaml_edit_distance("", "mtu"), 3);
	assert_true(load_yaml_edit_distance("a-very-long-key-name-over-32-bytes", "name") > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_prefix_keys),
		cmocka_unit_test(test_all_forms_nodes),
		cmocka_unit_test(test_all_forms_interfaces),
		cmocka_unit_test(test_all_forms_routes),
		cmocka_unit_test(test_all_forms_links_sysctl),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_same_address_two_segments),
		cmocka_unit_test(test_minimal_file),
		cmocka_unit_test(test_every_good_file),
		cmocka_unit_test(test_default_family_from_gateway),
		cmocka_unit_test(test_links_before_nodes),
		cmocka_unit_test(test_errors_after_duplicate_key),
		cmocka_unit_test(test_empty_buffer),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_edit_distance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
