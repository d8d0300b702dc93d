/* test_checks.c - the parts of `nstopo test` that need no kernel: targets named by node or
 * address, and the TAP and JUnit reports (counts, reasons, escaping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "report.h"
#include "load_yaml.h"
#include "validate.h"

static char *printed(void (*fn)(FILE *, const struct check_result *, size_t),
		     const struct check_result *r, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, r, n);
	fclose(f);
	return buf;
}

static void targets(void **state)
{
	const char *yaml = "name: t\n"
			   "nodes:\n"
			   "  h1: {interfaces: {lo: 1.1.1.1/32, eth0: [10.0.0.1/24, \"2001:db8::1/64\"]}}\n"
			   "  h2: {interfaces: {eth0: 10.0.0.2/24}}\n"
			   "links: [[h1:eth0, h2:eth0]]\n";
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_buf("t.yaml", yaml, strlen(yaml), &d);
	assert_true(lab && validate_lab(lab, &d));
	uint8_t fam, a[16];
	char text[64];
	/* A node's first address is on a link, not its loopback. */
	assert_true(report_target(lab, "h1", &fam, a));
	assert_string_equal(addr_format(fam, a, text, sizeof(text)), "10.0.0.1");
	assert_true(report_target(lab, "2001:db8::1", &fam, a));
	assert_int_equal(fam, AF_INET6);
	assert_false(report_target(lab, "nowhere", &fam, a));
	topo_lab_free(lab);
	diags_free(&d);
}

static void tap_report(void **state)
{
	struct check_result r[2] = { { .pass = true, .title = "ping h1 -> h2" },
				     { .pass = false, .title = "route r1: default",
				       .reason = "expected a route\nfound: none" } };
	char *out = printed(report_tap, r, 2);
	assert_string_equal(out, "TAP version 13\n1..2\nok 1 - ping h1 -> h2\nnot ok 2 - route r1: default\n"
				 "# expected a route\n# found: none\n# 1 passed, 1 failed\n");
	free(out);
}

static void junit_wrap(FILE *f, const struct check_result *r, size_t n)
{
	report_junit(f, "lab<1>", r, n, 1.5);
}

static void junit_report(void **state)
{
	struct check_result r[2] = { { .pass = true, .title = "a & b", .seconds = 0.25 },
				     { .pass = false, .title = "c", .reason = "said \"no\"\x01" } };
	char *out = printed(junit_wrap, r, 2);
	assert_non_null(strstr(out, "<testsuite name=\"lab&lt;1&gt;\" tests=\"2\" failures=\"1\""));
	assert_non_null(strstr(out, "<testcase classname=\"lab&lt;1&gt;\" name=\"a &amp; b\" time=\"0.250\"/>"));
	assert_non_null(strstr(out, "<failure message=\"said &quot;no&quot; \">"));
	assert_null(strchr(out, '\x01'));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(targets),
		cmocka_unit_test(tap_report),
		cmocka_unit_test(junit_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
