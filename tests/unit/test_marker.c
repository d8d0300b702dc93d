/* test_marker.c - the marker grammar (marker.h): what reads as a lab's namespace, interface or
 * table, and every look-alike of issue 13 that must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "marker.h"

static const struct {
	const char *alias;
	int fields;
	const char *lab, *node, *ifname, *peer_node, *peer_if;
} accepted[] = {
	{ "nstopo:a:x", 2, "a", "x", "", "", "" },
	{ "nstopo:a-b:x", 2, "a-b", "x", "", "", "" },
	{ "nstopo:0lab-9:R1_a.b-c", 2, "0lab-9", "R1_a.b-c", "", "", "" },
	{ "nstopo:a:sw1:br0", 3, "a", "sw1", "br0", "", "" },
	{ "nstopo:a:host:a-up1:r1:up0", 5, "a", "host", "a-up1", "r1", "up0" },
	{ "nstopo:chain:r1:eth0:h1:eth0", 5, "chain", "r1", "eth0", "h1", "eth0" },
	{ "nstopo:a:r1:e@th.0+x_yz~{}1:r2:x", 5, "a", "r1", "e@th.0+x_yz~{}1", "r2", "x" },
	/* The longest fields: lab 32, node 63, interface 15 bytes. */
	{ "nstopo:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:"
	  "N23456789012345678901234567890123456789012345678901234567890123:"
	  "i23456789012345:"
	  "P23456789012345678901234567890123456789012345678901234567890123:"
	  "j23456789012345",
	  5, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "N23456789012345678901234567890123456789012345678901234567890123", "i23456789012345",
	  "P23456789012345678901234567890123456789012345678901234567890123", "j23456789012345" },
};

static const char *const rejected[] = {
	/* Issue 13's reproducers. */
	"nstopo:a:x ",
	"nstopo:a-b:x:",
	"nstopo:a:host:a-up1:",
	"nstopo:a:host:a-up1 ",
	"nstopo:a:host:a-up1:r1:up0:",
	"nstopo:a:host:a-up1:r1:up0 ",
	/* Field counts other than 2, 3 and 5. */
	"nstopo:",
	"nstopo:a",
	"nstopo:a:",
	"nstopo:a:x:eth0:r1",
	"nstopo:a:x:eth0:r1:eth1:more",
	"nstopo:a:x:eth0:r1:eth1:more:still",
	/* Empty fields, separators at either end or doubled, spaces anywhere. */
	"nstopo::x",
	"nstopo:a::",
	"nstopo:a::eth0",
	"nstopo:a:x::r1:eth1",
	"nstopo::a:x",
	"nstopo:a:x::",
	" nstopo:a:x",
	"nstopo: a:x",
	"nstopo:a :x",
	"nstopo:a: x",
	"nstopo:a:x\t",
	"nstopo:a:x\n",
	"nstopo:a:r1:eth 0:r2:eth0",
	/* The prefix, exactly. */
	"",
	"nstopo",
	"NSTOPO:a:x",
	"nstopo;a:x",
	"xnstopo:a:x",
	"nstopo a:x",
	/* Lab names: lower-case letters, digits and '-', first a letter or digit, at most 32. */
	"nstopo:A:x",
	"nstopo:-a:x",
	"nstopo:a_b:x",
	"nstopo:a.b:x",
	"nstopo:a/b:x",
	"nstopo:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:x",
	"nstopo:\xc3\xa9:x",
	/* Node names: letters, digits, '_', '.', '-', first a letter or digit, at most 63. */
	"nstopo:a:-x",
	"nstopo:a:.x",
	"nstopo:a:_x",
	"nstopo:a:x/y",
	"nstopo:a:x@y",
	"nstopo:a:x\xc3\xa9",
	"nstopo:a:N234567890123456789012345678901234567890123456789012345678901234",
	"nstopo:a:r1:eth0:-r2:eth0",
	/* Interface names: 1..15 bytes of printable ASCII, no '/', ':' or space, not . or .. */
	"nstopo:a:r1:eth0/1:r2:eth0",
	"nstopo:a:r1:.:r2:eth0",
	"nstopo:a:r1:..:r2:eth0",
	"nstopo:a:r1:i234567890123456:r2:eth0",
	"nstopo:a:r1:eth0:r2:i234567890123456",
	"nstopo:a:r1:eth\x7f:r2:eth0",
	"nstopo:a:r1:eth\x01:r2:eth0",
	"nstopo:a:r1:eth\xc3\xa9:r2:eth0",
	"nstopo:a:sw1:br0 ",
};

static void parse_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(*accepted); i++) {
		struct marker m;
		if (!marker_parse(accepted[i].alias, &m))
			fail_msg("refused: \"%s\"", accepted[i].alias);
		assert_int_equal(m.fields, accepted[i].fields);
		assert_string_equal(m.lab, accepted[i].lab);
		assert_string_equal(m.node, accepted[i].node);
		if (accepted[i].peer_node) {
			assert_string_equal(m.ifname, accepted[i].ifname);
			assert_string_equal(m.peer_node, accepted[i].peer_node);
			assert_string_equal(m.peer_if, accepted[i].peer_if);
		}
	}
	/* An interface name with every character the grammar allows but ':' and '/'. */
	struct marker m;
	assert_true(marker_parse("nstopo:a:r1:!\"#$%&'()*+,-.0:r2:;<=>?@[\\]^_`{|}", &m));
	assert_string_equal(m.ifname, "!\"#$%&'()*+,-.0");
	assert_string_equal(m.peer_if, ";<=>?@[\\]^_`{|}");
}

static void parse_refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejected) / sizeof(*rejected); i++) {
		struct marker m;
		memset(&m, 'x', sizeof(m));
		if (marker_parse(rejected[i], &m))
			fail_msg("accepted: \"%s\" (%d fields)", rejected[i], m.fields);
		assert_int_equal(m.fields, 0);
		assert_string_equal(m.lab, "");
	}
}

/* What nstopo writes reads back as the same names. */
static void round_trip(void **state)
{
	(void)state;
	char buf[600];
	struct marker m;
	marker_node(buf, sizeof(buf), "lab-1", "r1.core");
	assert_string_equal(buf, "nstopo:lab-1:r1.core");
	assert_true(marker_parse(buf, &m) && m.fields == 2);
	marker_iface(buf, sizeof(buf), "lab-1", "sw", "br0", NULL, NULL);
	assert_string_equal(buf, "nstopo:lab-1:sw:br0");
	assert_true(marker_parse(buf, &m) && m.fields == 3 && strcmp(m.ifname, "br0") == 0);
	marker_iface(buf, sizeof(buf), "lab-1", "host", "lab-up0", "r1", "up0");
	assert_string_equal(buf, "nstopo:lab-1:host:lab-up0:r1:up0");
	assert_true(marker_parse(buf, &m) && m.fields == 5 && strcmp(m.peer_if, "up0") == 0);
}

static void netns_fits(void **state)
{
	(void)state;
	assert_true(marker_netns_fits("x", "x"));
	assert_true(marker_netns_fits("o-x", "x"));
	assert_true(marker_netns_fits("lab_2.x", "x"));
	assert_true(marker_netns_fits("r1", "r1"));
	assert_false(marker_netns_fits("x", "y"));
	assert_false(marker_netns_fits("y", "xy"));
	assert_false(marker_netns_fits("x1", "x"));
	assert_false(marker_netns_fits("a b-x", "x"));
	assert_false(marker_netns_fits("a:x", "x"));
	assert_false(marker_netns_fits("a@x", "x"));
	char longest[256];
	memset(longest, 'p', sizeof(longest));
	snprintf(longest + 199, sizeof(longest) - 199, "x");
	assert_true(marker_netns_fits(longest, "x")); /* 200 bytes */
	longest[199] = 'p';
	snprintf(longest + 200, sizeof(longest) - 200, "x");
	assert_false(marker_netns_fits(longest, "x")); /* 201 bytes */
}

/* Issue 13's reproducers by place: a well-formed marker counts only in the shape nstopo writes
 * where it is found. */
static void places(void **state)
{
	(void)state;
	struct marker m;
	/* Namespaces: a node marker whose node is the namespace's name after a prefix. */
	assert_true(marker_owns_netns("nstopo:a:x", "x", &m));
	assert_string_equal(m.lab, "a");
	assert_true(marker_owns_netns("nstopo:a:x", "o-x", &m));
	assert_false(marker_owns_netns("nstopo:a:x ", "x", &m));
	assert_false(marker_owns_netns("nstopo:a-b:x:", "x", &m));
	assert_false(marker_owns_netns("nstopo:a:y", "x", &m));
	assert_false(marker_owns_netns("nstopo:a:host", "host", &m));
	assert_false(marker_owns_netns("nstopo:a:x:lo", "x", &m));
	assert_false(marker_owns_netns("nstopo:a:x:lo:y:lo", "x", &m));
	assert_false(marker_owns_netns("", "x", &m));
	assert_int_equal(m.fields, 0);
	/* Host-side ends: 5 fields, node host, on a veth, naming the interface it is on. */
	assert_true(marker_owns_link("nstopo:a:host:a-up1:r1:up0", "a", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1", "a", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1:r1:up0:", "a", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1:r1:up0 ", "a", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1:", "a", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1 ", "a", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1:r1:up0", "a", "host", "a-up1", "bridge", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1:r1:up0", "a", "host", "a-up2", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:a-up1:r1:up0", "b", "host", "a-up1", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:host:br0", "a", "host", "br0", "bridge", &m));
	/* In a node: veth ends, and the 3-field marker only on the bridge br0. */
	assert_true(marker_owns_link("nstopo:a:r1:eth0:h1:eth0", "a", "r1", "eth0", "veth", &m));
	assert_true(marker_owns_link("nstopo:a:sw:br0", "a", "sw", "br0", "bridge", &m));
	assert_false(marker_owns_link("nstopo:a:sw:br0", "a", "sw", "br0", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:r1:eth0", "a", "r1", "eth0", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:r1:eth0:", "a", "r1", "eth0", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:h1:eth0:h1:eth1", "a", "r1", "eth0", "veth", &m));
	assert_false(marker_owns_link("nstopo:a:r1:eth0:h1:eth0 ", "a", "r1", "eth0", "veth", &m));
}

static void table_markers(void **state)
{
	(void)state;
	char buf[256];
	struct marker_uplink u;
	marker_nat(buf, sizeof(buf), "home-nat", "gw");
	assert_string_equal(buf, "nstopo:home-nat:gw nat");
	marker_uplink(buf, sizeof(buf), "uplink-a", NULL);
	assert_string_equal(buf, "nstopo:uplink-a uplink");
	assert_true(marker_uplink_parse(buf, &u) && !u.legacy);
	assert_string_equal(u.lab, "uplink-a");
	assert_string_equal(u.forward_before, "");
	marker_uplink(buf, sizeof(buf), "uplink-a", "0");
	assert_string_equal(buf, "nstopo:uplink-a uplink ip_forward_before=0");
	assert_true(marker_uplink_parse(buf, &u) && !u.legacy);
	assert_string_equal(u.forward_before, "0");
	/* The older comments, exactly as that version wrote them. */
	assert_true(marker_uplink_parse("nstopo uplink", &u) && u.legacy);
	assert_string_equal(u.lab, "");
	assert_true(marker_uplink_parse("nstopo uplink ip_forward_before=1", &u) && u.legacy);
	assert_string_equal(u.forward_before, "1");
	static const char *const bad[] = {
		"", "nstopo", "nstopo uplink ", "nstopo uplink ip_forward_before=",
		"nstopo uplink ip_forward_before=1 ", "nstopo uplink ip_forward_before=x",
		"nstopo uplinks", "nstopo:a uplink ", "nstopo:a uplink ip_forward_before=",
		"nstopo:a  uplink", "nstopo:A uplink", "nstopo:a:x uplink", "nstopo: uplink",
		"nstopo:a nat", "nstopo:a:gw nat", "my table", "nstopo:a uplink ip_forward_before=01234567890",
		"x nstopo:a uplink",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (marker_uplink_parse(bad[i], &u))
			fail_msg("accepted as an uplink marker: \"%s\"", bad[i]);
	assert_false(marker_uplink_parse(NULL, &u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts),
		cmocka_unit_test(parse_refuses),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(netns_fits),
		cmocka_unit_test(places),
		cmocka_unit_test(table_markers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
