/* test_plan.c - the differ without a kernel: a file's model against hand-made observed models,
 * checking the actions, their order and the lines diff prints. */
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
#include "plan.h"
#include "validate.h"

static struct topo_lab *lab_of(const char *yaml)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", yaml, strlen(yaml), &d);
	if (lab && validate_lab(lab, &d))
		topo_lab_expand(lab);
	if (d.n)
		diags_print(stderr, &d);
	assert_int_equal(d.n, 0);
	diags_free(&d);
	return lab;
}

/* The observed side of a lab that is running: the same nodes, in their namespaces, with the
 * UTS and mount namespaces kept (no links, addresses or routes unless a test adds them). */
static struct topo_lab *running(const struct topo_lab *want)
{
	struct topo_lab *have = topo_lab_new();
	have->name = arena_strdup(&have->arena, want->name);
	for (size_t i = 0; i < want->n_nodes; i++) {
		const struct topo_node *w = want->nodes[i];
		struct topo_node *n = topo_node_add(have, w->name, (struct srcloc){ 0 });
		n->kind = w->kind;
		if (w->kind != NODE_ROOT) {
			n->netns = arena_strdup(&have->arena,
						topo_node_netns((struct topo_lab *)want, w));
			n->has_env = true;
		}
	}
	have->has_run_dir = true;
	return have;
}

/* What observe would find with the lab of yaml running exactly as its file says: every
 * interface up with its mtu, bridge ports in br0, routes of protocol 77 through the interface
 * the kernel picks (dev, else the one whose subnet holds the gateway), the sysctls and hosts file
 * in place. */
static struct topo_lab *as_observed(const char *yaml)
{
	struct topo_lab *lab = lab_of(yaml);
	int ifindex = 1;
	lab->has_run_dir = true;
	lab->hosts = topo_hosts_text(&lab->arena, lab);
	for (size_t i = 0; i < lab->n_nodes; i++) {
		struct topo_node *n = lab->nodes[i];
		if (n->kind != NODE_ROOT) {
			n->netns = (char *)topo_node_netns(lab, n);
			n->has_env = true;
		}
		if (n->kind == NODE_BRIDGE && !topo_iface_find(n, "br0"))
			topo_iface_add(lab, n, "br0", (struct srcloc){ 0 })->link = -1;
		for (size_t j = 0; j < n->n_ifaces; j++) {
			struct topo_iface *f = &n->ifaces[j];
			f->ifindex = ++ifindex;
			f->up = true;
			f->mtu = plan_wanted_mtu(lab, f);
			if (n->kind == NODE_BRIDGE && strcmp(f->name, "br0") != 0)
				strcpy(f->master, "br0");
		}
		for (size_t r = 0; r < n->n_routes; r++) {
			struct topo_route *rt = &n->routes[r];
			rt->proto = TOPO_RTPROT;
			rt->metric = topo_route_metric(rt);
			for (size_t j = 0; j < n->n_ifaces && !rt->oif; j++) {
				const struct topo_iface *f = &n->ifaces[j];
				bool on = (rt->has & ROUTE_HAS_DEV) && strcmp(rt->dev, f->name) == 0;
				for (size_t a = 0; a < f->n_addrs && !on && !(rt->has & ROUTE_HAS_DEV); a++)
					on = cidr_contains(&f->addrs[a].c, rt->to.family, rt->via);
				if (on) {
					rt->oif = f->ifindex;
					snprintf(rt->dev, sizeof(rt->dev), "%s", f->name);
				}
			}
		}
		size_t ns;
		const struct topo_sysctl *sy = topo_node_sysctls(lab, n, &ns);
		n->sysctls = (struct topo_sysctl *)sy;
		n->n_sysctls = ns;
	}
	return lab;
}

/* The plan as diff prints it, one line per action. */
static char *lines_of(const struct plan *p)
{
	static char buf[8192];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		char text[1200];
		plan_action_text(&p->v[i], text, sizeof(text));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%c %s\n", plan_action_op(&p->v[i]), text);
	}
	return buf;
}

static const char *chain =
	"name: t\n"
	"nodes:\n"
	"  h1: {interfaces: {eth0: 10.0.1.10/24}, routes: [default via 10.0.1.1]}\n"
	"  r1: {kind: router, interfaces: {eth0: 10.0.1.1/24}}\n"
	"links:\n"
	"  - [h1:eth0, r1:eth0]\n";

static void new_lab_in_order(void **state)
{
	struct topo_lab *want = lab_of(chain), *have = topo_lab_new();
	have->name = arena_strdup(&have->arena, "t");
	struct plan p;
	plan_build(&p, want, have);
	/* Creations in dependency order: hosts file, namespaces, links, addresses, routes. */
	enum action_kind last = ACT_HOSTS_SET;
	for (size_t i = 0; i < p.n; i++) {
		assert_true(p.v[i].kind >= last);
		last = p.v[i].kind;
	}
	const char *text = lines_of(&p);
	assert_non_null(strstr(text, "+ node h1\n+ node r1\n"));
	assert_non_null(strstr(text, "+ link h1:eth0 <-> r1:eth0\n"));
	assert_non_null(strstr(text, "+ address h1:eth0 10.0.1.10/24\n"));
	assert_non_null(strstr(text, "+ route h1: default via 10.0.1.1\n"));
	char summary[256];
	plan_summary(&p, summary, sizeof(summary));
	assert_string_equal(summary, "9 changes: +2 node, +1 link, +2 address, +1 route, +1 file, ~2 sysctl");
	plan_free(&p);
	topo_lab_free(have);
	topo_lab_free(want);
}

static void down_removes_only_namespaces(void **state)
{
	struct topo_lab *want = lab_of(chain), *have = running(want);
	struct plan p;
	plan_build(&p, NULL, have);
	/* Everything inside a namespace goes with it; then the lab's run directory. */
	assert_string_equal(lines_of(&p), "- node h1\n- node r1\n- file: the lab's run directory\n");
	plan_free(&p);
	topo_lab_free(have);
	topo_lab_free(want);
}

static const char *nat =
	"name: t\n"
	"nodes:\n"
	"  gw:\n"
	"    kind: router\n"
	"    interfaces: {lan: 192.168.1.1/24, wan: 203.0.113.2/24}\n"
	"    nat:\n"
	"      - masquerade: {out: wan}\n"
	"      - dnat: {in: wan, proto: tcp, port: 8080, to: \"192.168.1.10:80\"}\n"
	"      - dnat: {in: wan, proto: udp, port: 53, to: \"[2001:db8::53]:53\"}\n"
	"  a: {interfaces: {e: 192.168.1.10/24}}\n"
	"  b: {interfaces: {e: 203.0.113.1/24}}\n"
	"links: [[gw:lan, a:e], [gw:wan, b:e]]\n";

static void nat_rule_texts(void **state)
{
	struct topo_lab *want = lab_of(nat);
	const struct topo_node *gw = topo_node_find(want, "gw");
	assert_string_equal(gw->nat[0].text, "masquerade out wan");
	assert_string_equal(gw->nat[1].text, "dnat in wan tcp dport 8080 to 192.168.1.10:80");
	assert_string_equal(gw->nat[2].text, "dnat ip6 in wan udp dport 53 to [2001:db8::53]:53");
	topo_lab_free(want);
}

/* The observed table of gw holds these texts, in the kernel's order (prerouting first). */
static struct topo_lab *with_table(const struct topo_lab *want, const char *const *texts, size_t n,
				   bool intact)
{
	struct topo_lab *have = running(want);
	struct topo_node *gw = topo_node_find(have, "gw");
	gw->has_nat = true;
	gw->nat_intact = intact;
	for (size_t i = 0; i < n; i++) {
		struct topo_nat *r = ARENA_PUSH(&have->arena, gw->nat, gw->n_nat, gw->cap_nat);
		memset(r, 0, sizeof(*r));
		r->text = arena_strdup(&have->arena, texts[i]);
	}
	return have;
}

static const char *nat_lines(const struct plan *p)
{
	static char buf[4096];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(plan_action_object(&p->v[i]), "nat") == 0) {
			char text[1200];
			plan_action_text(&p->v[i], text, sizeof(text));
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%c %s\n", plan_action_op(&p->v[i]), text);
		}
	return buf;
}

static void nat_drift(void **state)
{
	struct topo_lab *want = lab_of(nat);
	const char *same[] = { "dnat in wan tcp dport 8080 to 192.168.1.10:80",
			       "dnat ip6 in wan udp dport 53 to [2001:db8::53]:53", "masquerade out wan" };
	struct plan p;

	struct topo_lab *have = with_table(want, same, 3, true);
	plan_build(&p, want, have);
	assert_string_equal(nat_lines(&p), "");
	plan_free(&p);
	topo_lab_free(have);

	have = with_table(want, same, 3, false); /* a rule body edited, its comment kept */
	plan_build(&p, want, have);
	assert_non_null(strstr(nat_lines(&p), "~ nat gw: table nstopo differs"));
	plan_free(&p);
	topo_lab_free(have);

	const char *edited[] = { "dnat in wan tcp dport 8080 to 192.168.1.10:80", "(handle 9)" };
	have = with_table(want, edited, 2, false);
	plan_build(&p, want, have);
	assert_string_equal(nat_lines(&p), "+ nat gw: masquerade out wan\n"
					   "+ nat gw: dnat ip6 in wan udp dport 53 to [2001:db8::53]:53\n"
					   "- nat gw: (handle 9)\n");
	plan_free(&p);
	topo_lab_free(have);
	topo_lab_free(want);
}

static void routing_daemons(void **state)
{
	const char *yaml = "name: t\n"
			   "nodes:\n"
			   "  r1: {kind: frr, daemons: [ospfd], config: \"router ospf\\n\"}\n"
			   "  r2: {kind: bird, config: \"protocol device {}\\n\"}\n";
	struct topo_lab *want = lab_of(yaml);
	struct topo_lab *have = running(want);
	/* Both run what they should, and their files are the file's. */
	const char *frr[] = { "zebra", "staticd", "ospfd" };
	struct topo_node *r1 = topo_node_find(have, "r1"), *r2 = topo_node_find(have, "r2");
	for (size_t i = 0; i < 3; i++)
		*ARENA_PUSH(&have->arena, r1->running, r1->n_running, r1->cap_running) = (char *)frr[i];
	*ARENA_PUSH(&have->arena, r2->running, r2->n_running, r2->cap_running) = "bird";
	for (size_t k = 0; k < 2; k++) {
		const struct topo_node *w = want->nodes[k];
		struct topo_node *h = topo_node_find(have, w->name);
		for (size_t i = 0; i < w->n_files; i++) {
			struct topo_file *f = ARENA_PUSH(&have->arena, h->files, h->n_files, h->cap_files);
			*f = (struct topo_file){ .path = w->files[i].path, .digest = w->files[i].digest };
		}
	}
	struct plan p;
	plan_build(&p, want, have);
	for (size_t i = 0; i < p.n; i++) {
		enum action_kind k = p.v[i].kind;
		assert_true(k != ACT_DAEMONS_START && k != ACT_DAEMONS_RELOAD && k != ACT_FILE_SET &&
			    k != ACT_EXEC_RUN);
	}
	plan_free(&p);

	/* A config changed in the file: FRR restarts, BIRD reloads; ospfd gone: restart. */
	want->nodes[0]->files[0].digest ^= 1;
	want->nodes[1]->files[0].digest ^= 1;
	plan_build(&p, want, have);
	const char *text = lines_of(&p);
	assert_non_null(strstr(text, "~ file r1:/etc/frr/frr.conf differs from the lab file\n"));
	assert_non_null(strstr(text, "~ daemons r1: zebra staticd ospfd (its configuration changed: restart)\n"));
	assert_non_null(strstr(text, "~ daemons r2: bird (its configuration changed: reload)\n"));
	plan_free(&p);
	want->nodes[0]->files[0].digest ^= 1;
	want->nodes[1]->files[0].digest ^= 1;
	r1->n_running = 2;
	plan_build(&p, want, have);
	assert_non_null(strstr(lines_of(&p), "~ daemons r1: zebra staticd ospfd (ospfd is not running: restart)\n"));
	plan_free(&p);
	topo_lab_free(have);
	topo_lab_free(want);
}

/* Lab a is running and the file now says b: the plan's lines. */
static const char *plan_between(const char *a, const char *b)
{
	struct topo_lab *have = as_observed(a), *want = lab_of(b);
	struct plan p;
	plan_build(&p, want, have);
	const char *text = lines_of(&p);
	plan_free(&p);
	topo_lab_free(have);
	topo_lab_free(want);
	return text;
}

static const char *direct =
	"name: t\n"
	"nodes:\n"
	"  r1: {kind: router, interfaces: {eth0: 10.0.1.1/24}}\n"
	"  h2: {interfaces: {eth0: 10.0.1.10/24}, routes: [default via 10.0.1.1]}\n"
	"  sw: {kind: bridge}\n"
	"links:\n"
	"  - [r1:eth0, h2:eth0]\n";

/* issue 14 item 3: h2 moves from a direct link onto a bridge, its default route stays in the
 * file; the kernel drops it with the old veth, so the plan adds it again, after the deletion. */
static void route_dropped_with_its_interface(void **state)
{
	assert_string_equal(plan_between(direct, direct), ""); /* as_observed is what the file says */
	const char *bridged =
		"name: t\n"
		"nodes:\n"
		"  r1: {kind: router, interfaces: {eth0: 10.0.1.1/24}}\n"
		"  h2: {interfaces: {eth0: 10.0.1.10/24}, routes: [default via 10.0.1.1]}\n"
		"  sw: {kind: bridge}\n"
		"links:\n"
		"  - [r1:eth0, sw:p1]\n"
		"  - [h2:eth0, sw:p2]\n";
	assert_string_equal(plan_between(direct, bridged),
			    "- link r1:eth0 <-> h2:eth0\n"
			    "+ link r1:eth0 <-> sw:p1\n"
			    "+ link h2:eth0 <-> sw:p2\n"
			    "+ address r1:eth0 10.0.1.1/24\n"
			    "+ address h2:eth0 10.0.1.10/24\n"
			    "+ route h2: default via 10.0.1.1 (again: its interface goes)\n");
	/* Back: the same, the other way round. */
	assert_string_equal(plan_between(bridged, direct),
			    "- link r1:eth0 <-> sw:p1\n"
			    "- link h2:eth0 <-> sw:p2\n"
			    "+ link r1:eth0 <-> h2:eth0\n"
			    "+ address r1:eth0 10.0.1.1/24\n"
			    "+ address h2:eth0 10.0.1.10/24\n"
			    "+ route h2: default via 10.0.1.1 (again: its interface goes)\n");
}

/* The other ways the kernel drops or strands a route the file keeps. */
static void route_dropped_with_an_address(void **state)
{
	const char *two =
		"name: t\n"
		"nodes:\n"
		"  r: {kind: router, interfaces: {eth0: 10.0.1.1/24, eth1: 10.0.2.1/24}}\n"
		"  h:\n"
		"    interfaces: {eth0: [10.0.1.10/24, \"2001:db8::10/64\"], eth1: 10.0.2.10/24}\n"
		"    routes: [default via 10.0.1.1, 198.51.100.0/24 dev eth0]\n"
		"links: [[r:eth0, h:eth0], [r:eth1, h:eth1]]\n";
	/* eth0 keeps only its IPv6 address: its last IPv4 one takes the IPv4 routes along. */
	const char *v6only =
		"name: t\n"
		"nodes:\n"
		"  r: {kind: router, interfaces: {eth0: 10.0.1.1/24, eth1: [10.0.2.1/24, 10.0.3.1/24]}}\n"
		"  h:\n"
		"    interfaces: {eth0: \"2001:db8::10/64\", eth1: [10.0.2.10/24, 10.0.3.10/24]}\n"
		"    routes: [default via 10.0.3.1, 198.51.100.0/24 dev eth0]\n"
		"links: [[r:eth0, h:eth0], [r:eth1, h:eth1]]\n";
	const char *text = plan_between(two, v6only);
	assert_non_null(strstr(text, "~ route h: default via 10.0.1.1 -> default via 10.0.3.1\n"));
	assert_non_null(strstr(text, "+ route h: 198.51.100.0/24 dev eth0 (again: its interface loses its last "
				     "IPv4 address)\n"));
	assert_true(strstr(text, "- address h:eth0 10.0.1.10/24\n") < strstr(text, "+ route h: 198.51"));
	/* The gateway's subnet moves to eth1: the route stays on eth0 unless made again. */
	const char *moved =
		"name: t\n"
		"nodes:\n"
		"  r: {kind: router, interfaces: {eth0: [10.0.1.1/24, 10.0.9.1/24], eth1: [10.0.2.1/24, 10.0.1.2/24]}}\n"
		"  h:\n"
		"    interfaces: {eth0: [10.0.9.10/24, \"2001:db8::10/64\"], eth1: [10.0.2.10/24, 10.0.1.10/24]}\n"
		"    routes: [default via 10.0.1.2, 198.51.100.0/24 dev eth0]\n"
		"links: [[r:eth0, h:eth0], [r:eth1, h:eth1]]\n";
	text = plan_between(two, moved);
	assert_non_null(strstr(text, "~ route h: default via 10.0.1.1 -> default via 10.0.1.2\n"));
	const char *same_gw =
		"name: t\n"
		"nodes:\n"
		"  r: {kind: router, interfaces: {eth0: 10.0.9.1/24, eth1: [10.0.2.1/24, 10.0.1.1/24]}}\n"
		"  h:\n"
		"    interfaces: {eth0: 10.0.9.10/24, eth1: [10.0.2.10/24, 10.0.1.10/24]}\n"
		"    routes: [default via 10.0.1.1, 198.51.100.0/24 dev eth0]\n"
		"links: [[r:eth0, h:eth0], [r:eth1, h:eth1]]\n";
	text = plan_between(two, same_gw);
	assert_non_null(strstr(text, "+ route h: default via 10.0.1.1 (again: its gateway moves to another "
				     "interface)\n"));
	assert_null(strstr(text, "198.51.100.0/24"));
}

/* The kernel resolved a gateway through a dev route of the file (more specific than the
 * interface's subnet): that is where the file puts it, nothing to add again. */
static void gateway_through_a_dev_route(void **state)
{
	const char *yaml = "name: t\n"
			   "nodes:\n"
			   "  r: {kind: router, interfaces: {eth0: 10.0.1.1/24, eth1: 10.0.2.1/24}}\n"
			   "  h:\n"
			   "    interfaces: {eth0: 10.0.1.10/24, eth1: 10.0.2.10/24}\n"
			   "    routes: [default via 10.0.1.1, 10.0.1.0/28 dev eth1]\n"
			   "links: [[r:eth0, h:eth0], [r:eth1, h:eth1]]\n";
	struct topo_lab *have = as_observed(yaml), *want = lab_of(yaml);
	struct topo_node *h = topo_node_find(have, "h");
	h->routes[0].oif = topo_iface_find(h, "eth1")->ifindex;
	struct plan p;
	plan_build(&p, want, have);
	assert_string_equal(lines_of(&p), "");
	plan_free(&p);
	topo_lab_free(have);
	topo_lab_free(want);
}

/* A per-interface sysctl is the interface's: a new veth by the same name starts from the
 * defaults. */
static void sysctl_of_a_new_interface(void **state)
{
	const char *a = "name: t\n"
			"nodes:\n"
			"  r1: {kind: router, interfaces: {eth0: 10.0.1.1/24}}\n"
			"  r2: {kind: router}\n"
			"  h2: {interfaces: {eth0: 10.0.1.10/24}, sysctl: {net.ipv4.conf.eth0.rp_filter: 2}}\n"
			"links: [[r1:eth0, h2:eth0]]\n";
	const char *b = "name: t\n"
			"nodes:\n"
			"  r1: {kind: router}\n"
			"  r2: {kind: router, interfaces: {eth0: 10.0.1.1/24}}\n"
			"  h2: {interfaces: {eth0: 10.0.1.10/24}, sysctl: {net.ipv4.conf.eth0.rp_filter: 2}}\n"
			"links: [[r2:eth0, h2:eth0]]\n";
	assert_string_equal(plan_between(a, a), "");
	assert_non_null(strstr(plan_between(a, b), "~ sysctl h2: net.ipv4.conf.eth0.rp_filter = 2 (its interface "
						    "is made again)\n"));
}

/* Below 1280 the kernel takes IPv6 off the interface: its IPv6 addresses and routes are not
 * deleted again (the kernel would refuse: "IPv6 is disabled on this device"). */
static void mtu_below_ipv6(void **state)
{
	const char *a = "name: t\n"
			"nodes:\n"
			"  a: {interfaces: {eth0: [10.0.1.1/24, \"fd00::1/64\"]}, routes: [\"fd99::/64 via fd00::2\"]}\n"
			"  b: {interfaces: {eth0: [10.0.1.2/24, \"fd00::2/64\"]}}\n"
			"links: [[a:eth0, b:eth0]]\n";
	const char *b = "name: t\n"
			"nodes:\n"
			"  a: {interfaces: {eth0: {addresses: [10.0.1.1/24], mtu: 1000}}}\n"
			"  b: {interfaces: {eth0: [10.0.1.2/24, \"fd00::2/64\"]}}\n"
			"links: [[a:eth0, b:eth0]]\n";
	const char *text = plan_between(a, b);
	assert_non_null(strstr(text, "~ a:eth0 mtu 1500 -> 1000 (IPv6 goes with it)\n"));
	assert_null(strstr(text, "fd00::1"));
	assert_null(strstr(text, "fd99::"));
}

/* Every kind has its row: an op, a verb, a word and a text, and the rows are the plan's order. */
static void one_row_per_kind(void **state)
{
	for (int k = 0; k < ACT__COUNT; k++) {
		const struct action_kind_info *i = plan_kind((enum action_kind)k);
		assert_non_null(strchr("+~-?", i->op));
		assert_non_null(i->verb);
		assert_non_null(i->text);
		assert_true(i->word < WORD__COUNT);
	}
	assert_string_equal(plan_kind(ACT_ROUTE_READD)->name, "ROUTE_READD");
	assert_true(ACT_LINK_DEL_EARLY < ACT_LINK_ADD && ACT_LINK_DEL < ACT_ROUTE_ADD &&
		    ACT_ADDR_DEL < ACT_ROUTE_READD && ACT_NODE_DEL < ACT_EXEC_RUN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_lab_in_order),
		cmocka_unit_test(down_removes_only_namespaces),
		cmocka_unit_test(nat_rule_texts),
		cmocka_unit_test(nat_drift),
		cmocka_unit_test(routing_daemons),
		cmocka_unit_test(route_dropped_with_its_interface),
		cmocka_unit_test(route_dropped_with_an_address),
		cmocka_unit_test(gateway_through_a_dev_route),
		cmocka_unit_test(sysctl_of_a_new_interface),
		cmocka_unit_test(mtu_below_ipv6),
		cmocka_unit_test(one_row_per_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
