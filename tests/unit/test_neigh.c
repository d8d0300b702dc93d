/* test_neigh.c - the worst-case neighbour entries of a lab, from the model alone: per layer-2
 * segment and family, m * (m - 1) for the m ends with an address of that family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "load_yaml.h"
#include "neigh.h"
#include "validate.h"

static struct topo_lab *lab_of(const char *yaml)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", yaml, strlen(yaml), &d);
	if (lab)
		validate_lab(lab, &d);
	if (d.n)
		diags_print(stderr, &d);
	assert_int_equal(d.n, 0);
	diags_free(&d);
	return lab;
}

static void estimate_of(const char *yaml, size_t v4, size_t v6)
{
	struct topo_lab *lab = lab_of(yaml);
	size_t n[NEIGH_FAMILIES];
	neigh_estimate(lab, n);
	assert_int_equal(n[NEIGH_V4], v4);
	assert_int_equal(n[NEIGH_V6], v6);
	topo_lab_free(lab);
}

/* A link: its two ends learn each other, in each family both have. */
static void one_link(void **state)
{
	(void)state;
	estimate_of("name: t\nnodes:\n"
		    "  a: {interfaces: {eth0: [10.0.0.1/30, \"fd00::1/64\"]}}\n"
		    "  b: {interfaces: {eth0: 10.0.0.2/30}}\n"
		    "links: [[a:eth0, b:eth0]]\n",
		    2, 0);
}

/* A chain of links: segments add up, they do not multiply. */
static void chain(void **state)
{
	(void)state;
	estimate_of("name: t\nnodes:\n"
		    "  a: {interfaces: {eth0: 10.0.1.1/24}}\n"
		    "  r: {kind: router, interfaces: {eth0: 10.0.1.2/24, eth1: 10.0.2.1/24}}\n"
		    "  b: {interfaces: {eth0: 10.0.2.2/24}}\n"
		    "links: [[a:eth0, r:eth0], [r:eth1, b:eth0]]\n",
		    4, 0);
}

static char *bridge_lab(int hosts, bool v6)
{
	size_t cap = 256 + (size_t)hosts * 160;
	char *s = malloc(cap);
	size_t used = (size_t)snprintf(s, cap, "name: t\nnodes:\n  sw: {kind: bridge}\n");
	for (int i = 1; i <= hosts; i++)
		used += (size_t)snprintf(s + used, cap - used,
					 v6 ? "  h%d: {interfaces: {eth0: [10.0.0.%d/24, \"fd00::%d/64\"]}}\n"
					    : "  h%d: {interfaces: {eth0: 10.0.0.%d/24}}\n",
					 i, i, i);
	used += (size_t)snprintf(s + used, cap - used, "links:\n");
	for (int i = 1; i <= hosts; i++)
		used += (size_t)snprintf(s + used, cap - used, "  - [h%d:eth0, sw:p%d]\n", i, i);
	return s;
}

/* 50 hosts on one bridge: each may learn the 49 others. */
static void fifty_on_a_bridge(void **state)
{
	(void)state;
	char *y = bridge_lab(50, false);
	estimate_of(y, 2450, 0);
	free(y);
	y = bridge_lab(10, true);
	estimate_of(y, 90, 90);
	free(y);
}

/* Two bridges linked together are one segment; a port without an address learns nothing. */
static void bridges_joined(void **state)
{
	(void)state;
	estimate_of("name: t\nnodes:\n"
		    "  s1: {kind: bridge}\n  s2: {kind: bridge}\n"
		    "  a: {interfaces: {eth0: 10.0.0.1/24}}\n"
		    "  b: {interfaces: {eth0: 10.0.0.2/24}}\n"
		    "  c: {interfaces: {eth0: 10.0.0.3/24}}\n"
		    "  d: {}\n"
		    "links:\n"
		    "  - [a:eth0, s1:p1]\n  - [b:eth0, s1:p2]\n  - [s1:p3, s2:p1]\n"
		    "  - [c:eth0, s2:p2]\n  - [d:eth0, s2:p3]\n",
		    6, 0);
}

static void host_keys(void **state)
{
	(void)state;
	assert_true(neigh_host_key("net.ipv4.neigh.default.gc_thresh3"));
	assert_true(neigh_host_key("net.ipv6.neigh.default.gc_thresh1"));
	assert_false(neigh_host_key("net.ipv4.neigh.default.gc_stale_time"));
	assert_false(neigh_host_key("net.ipv4.ip_forward"));
	assert_string_equal(neigh_key(NEIGH_V6, 2), "net.ipv6.neigh.default.gc_thresh2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_link),
		cmocka_unit_test(chain),
		cmocka_unit_test(fifty_on_a_bridge),
		cmocka_unit_test(bridges_joined),
		cmocka_unit_test(host_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
