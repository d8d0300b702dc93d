/* test_load_yaml.c - the parser builds the model the topology file describes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

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

static void test_minimal(void **state)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load("name: a\nnodes: {h1: {}}\n", &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(lab->name, "a");
	assert_int_equal(lab->n_nodes, 1);
	topo_lab_free(lab);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
