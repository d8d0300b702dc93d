/* test_impair.c - impairment values: the units tc takes, ranges, the text diff prints, equality
 * as the kernel acts; a lab's link and per-end keys and a scenario step, as the loader reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "impair.h"
#include "load_yaml.h"
#include "validate.h"

static struct topo_impair parsed(const char *key, const char *value)
{
	struct topo_impair im = { 0 };
	char why[256];
	if (!impair_parse(&im, key, value, why, sizeof(why)))
		fail_msg("%s %s: %s", key, value, why);
	return im;
}

static void test_units(void **state)
{
	(void)state;
	assert_int_equal(parsed("delay", "40ms").delay_us, 40000);
	assert_int_equal(parsed("delay", "1.5ms").delay_us, 1500);
	assert_int_equal(parsed("delay", "250us").delay_us, 250);
	assert_int_equal(parsed("jitter", "2s").jitter_us, 2000000);
	assert_int_equal(parsed("rate", "10mbit").rate, 1250000);
	assert_int_equal(parsed("rate", "1mbps").rate, 1000000);
	assert_int_equal(parsed("rate", "512kbit").rate, 64000);
	assert_int_equal(parsed("rate", "1kibit").rate, 128);
	assert_int_equal(parsed("rate", "8bit").rate, 1);
	assert_int_equal(parsed("rate", "1Gbit").rate, 125000000);
	assert_int_equal(parsed("loss", "100%").loss, UINT32_MAX);
	assert_int_equal(parsed("loss", "0.5%").loss, 21474836);
	assert_int_equal(parsed("limit", "100").limit, 100);
	/* Zero is no impairment of that kind. */
	assert_int_equal(parsed("delay", "0").has, 0);
	assert_int_equal(parsed("loss", "0%").has, 0);
	assert_int_equal(parsed("rate", "10mbit").has, IMP_RATE);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "delay", "40" },    { "delay", "61s" },	 { "delay", "-1ms" }, { "delay", "ms" },
		{ "loss", "1" },      { "loss", "100.1%" },	 { "loss", "x%" },    { "rate", "10" },
		{ "rate", "7bit" },   { "rate", "35gbit" },	 { "rate", "10 mbit" }, { "limit", "1.5" },
		{ "limit", "-3" },    { "speed", "1mbit" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct topo_impair im = { 0 };
		char why[256] = "";
		if (impair_parse(&im, bad[i][0], bad[i][1], why, sizeof(why)))
			fail_msg("%s %s was taken", bad[i][0], bad[i][1]);
		assert_true(why[0]);
	}
	struct topo_impair im = parsed("jitter", "5ms");
	char why[256], warn[256];
	assert_false(impair_check(&im, why, sizeof(why), warn, sizeof(warn)));
	im = parsed("delay", "2ms");
	assert_true(impair_parse(&im, "jitter", "5ms", why, sizeof(why)));
	assert_true(impair_check(&im, why, sizeof(why), warn, sizeof(warn)));
	assert_string_equal(warn, "jitter 5ms is larger than the delay 2ms: netem cuts delays at zero "
				  "and packets arrive out of order");
}

static void test_text_and_equal(void **state)
{
	(void)state;
	char why[256], buf[512];
	struct topo_impair a = { 0 }, b = { 0 };
	assert_true(impair_parse(&a, "delay", "40ms", why, sizeof(why)));
	assert_true(impair_parse(&a, "loss", "1%", why, sizeof(why)));
	assert_true(impair_parse(&a, "rate", "10mbit", why, sizeof(why)));
	assert_string_equal(impair_text(&a, buf, sizeof(buf)), "delay 40ms loss 1% rate 10mbit");
	b = a;
	assert_true(impair_equal(&a, &b));
	assert_true(impair_parse(&b, "delay", "80ms", why, sizeof(why)));
	assert_false(impair_equal(&a, &b));
	assert_string_equal(impair_diff_text(&a, &b, buf, sizeof(buf)), "delay 40ms -> 80ms");
	assert_string_equal(impair_diff_text(NULL, &a, buf, sizeof(buf)),
			    "delay none -> 40ms, loss none -> 1%, rate none -> 10mbit");
	/* A limit left out is the default queue (1000): equal to the kernel's default. */
	struct topo_impair c = { 0 };
	assert_true(impair_parse(&c, "limit", "1000", why, sizeof(why)));
	assert_true(impair_equal(&c, NULL));
	/* Times come back from the kernel's ticks a microsecond off. */
	struct topo_impair d = a;
	d.delay_us += 1;
	assert_true(impair_equal(&a, &d));
	/* A qdisc nstopo does not make is never equal, and shows as what it is. */
	struct topo_impair o = { .root = IQ_OTHER };
	strcpy(o.other, "tbf");
	assert_false(impair_equal(&o, NULL));
	assert_string_equal(impair_diff_text(&o, &a, buf, sizeof(buf)),
			    "qdisc tbf -> delay 40ms loss 1% rate 10mbit");
	enum impair_qdisc root, leaf;
	impair_shape(&a, &root, &leaf);
	assert_int_equal(root, IQ_HTB);
	assert_int_equal(leaf, IQ_NETEM);
}

static void test_lab(void **state)
{
	(void)state;
	static const char text[] =
		"name: lab\n"
		"nodes:\n"
		"  r1: {interfaces: {wan: 10.0.0.1/30}}\n"
		"  isp: {interfaces: {eth0: 10.0.0.2/30}}\n"
		"links:\n"
		"  - endpoints: [r1:wan, isp:eth0]\n"
		"    delay: 40ms\n"
		"    loss: 1%\n"
		"    impair:\n"
		"      isp:eth0: {delay: 100ms, rate: 1mbit}\n"
		"tests:\n"
		"  - do: {link: r1:wan, state: down, delay: 10ms}\n";
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", text, strlen(text), &d);
	assert_non_null(lab);
	validate_lab(lab, &d);
	assert_int_equal(d.n, 0);
	const struct topo_iface *wan = topo_iface_find(topo_node_find(lab, "r1"), "wan");
	const struct topo_iface *eth0 = topo_iface_find(topo_node_find(lab, "isp"), "eth0");
	char buf[256];
	assert_non_null(wan->impair);
	assert_string_equal(impair_text(wan->impair, buf, sizeof(buf)), "delay 40ms loss 1%");
	assert_string_equal(impair_text(eth0->impair, buf, sizeof(buf)),
			    "delay 100ms loss 1% rate 1mbit");
	assert_int_equal(eth0->impair->loc.line, 10);
	assert_int_equal(lab->n_checks, 1);
	const struct topo_check *c = &lab->checks[0];
	assert_int_equal(c->kind, CHECK_STEP);
	assert_string_equal(c->node, "r1");
	assert_string_equal(c->link_if, "wan");
	assert_int_equal(c->state, 0);
	assert_int_equal(c->n_step_kv, 1);
	assert_string_equal(c->step_kv[0], "delay");
	assert_string_equal(c->step_kv[1], "10ms");
	topo_lab_free(lab);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_text_and_equal),
		cmocka_unit_test(test_lab),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
