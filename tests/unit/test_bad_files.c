/* test_bad_files.c - every file in tests/bad/ must be rejected with exactly the diagnostics its
 * "# expect: LINE:COL: MESSAGE" comment lines list, in order (the file's name is left out). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clab.h"
#include "load_yaml.h"
#include "routing.h"
#include "validate.h"

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The expected lines, joined with newlines. */
static char *expected_of(const char *text)
{
	size_t cap = strlen(text) + 1, n = 0;
	char *out = calloc(1, cap);
	for (const char *p = text; (p = strstr(p, "# expect: ")); ) {
		p += strlen("# expect: ");
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		memcpy(out + n, p, l);
		n += l;
		out[n++] = '\n';
		p += l;
	}
	out[n] = '\0';
	return out;
}

static char *actual_of(const char *path)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_file(path, &d);
	size_t from = d.n;
	if (lab && validate_lab(lab, &d))
		routing_lab(lab, &d);
	clab_remap(lab, &d, from); /* a containerlab file's errors at its own lines */
	diags_sort(&d);
	size_t cap = 256, n = 0;
	char *out = calloc(1, cap);
	for (size_t i = 0; i < d.n; i++) {
		char line[1024];
		int l = snprintf(line, sizeof(line), "%u:%u: %s\n", d.v[i].loc.line, d.v[i].loc.col,
				 d.v[i].msg);
		while (n + (size_t)l + 1 > cap)
			out = realloc(out, cap *= 2);
		memcpy(out + n, line, (size_t)l + 1);
		n += (size_t)l;
	}
	diags_free(&d);
	topo_lab_free(lab);
	return out;
}

static void check_file(void **state)
{
	const char *path = *state;
	size_t len;
	char *text = read_all(path, &len);
	char *want = expected_of(text), *got = actual_of(path);
	if (!*want)
		fail_msg("%s has no '# expect:' line", path);
	if (strcmp(want, got) != 0) {
		print_error("%s\n--- expected\n%s--- got\n%s", path, want, got);
		fail();
	}
	free(text);
	free(want);
	free(got);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(void)
{
	const char *src = getenv("NSTOPO_SOURCE_DIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/bad", src ? src : ".");
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "cannot list %s\n", dir);
		return 1;
	}
	struct CMUnitTest *tests = calloc((size_t)n, sizeof(*tests));
	size_t nt = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);
		if (l > 5 && strcmp(names[i]->d_name + l - 5, ".yaml") == 0) {
			char *path = malloc(strlen(dir) + l + 2);
			sprintf(path, "%s/%s", dir, names[i]->d_name);
			tests[nt].name = strdup(names[i]->d_name);
			tests[nt].test_func = check_file;
			tests[nt].initial_state = path;
			nt++;
		}
		free(names[i]);
	}
	free(names);
	return _cmocka_run_group_tests("bad_files", tests, nt, NULL, NULL);
}
