/* report.c - the `tests:` checks as far as they need no kernel: the address a check's `to:`
 * names, and the TAP and JUnit reports of results check.c produced. */
#include "report.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct cidr *first_address(const struct topo_node *n)
{
	/* The first address of an interface on a link, else of lo. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n->n_ifaces; i++) {
			bool lo = strcmp(n->ifaces[i].name, "lo") == 0;
			if ((pass == 0) == lo || !n->ifaces[i].n_addrs)
				continue;
			return &n->ifaces[i].addrs[0].c;
		}
	return NULL;
}

bool report_target(const struct topo_lab *lab, const char *to, uint8_t *family, uint8_t addr[16])
{
	if (addr_parse(to, family, addr))
		return true;
	const struct topo_node *n = topo_node_find(lab, to);
	const struct cidr *c = n ? first_address(n) : NULL;
	if (!c)
		return false;
	*family = c->family;
	memcpy(addr, c->a, 16);
	return true;
}

void report_tap_line(FILE *out, const struct check_result *r, size_t i)
{
	fprintf(out, "%s %zu - %s\n", r[i].pass ? "ok" : "not ok", i + 1, r[i].title);
	if (!r[i].pass) {
		/* One diagnostic line per line of the reason. */
		const char *s = r[i].reason;
		while (*s) {
			size_t l = strcspn(s, "\n");
			fprintf(out, "# %.*s\n", (int)l, s);
			s += l + (s[l] == '\n');
		}
	}
}

void report_tap_end(FILE *out, const struct check_result *r, size_t n)
{
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += !r[i].pass;
	fprintf(out, "# %zu passed, %zu failed\n", n - failed, failed);
}

void report_tap(FILE *out, const struct check_result *r, size_t n)
{
	fprintf(out, "TAP version 13\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++)
		report_tap_line(out, r, i);
	report_tap_end(out, r, n);
}

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c < 0x20 && c != '\n' && c != '\t')
			fputc(' ', out); /* not allowed in XML 1.0 */
		else
			fputc(c, out);
	}
}

void report_junit(FILE *out, const char *lab, const struct check_result *r, size_t n,
		       double seconds)
{
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += !r[i].pass;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"", out);
	xml_text(out, lab);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n,
		failed, seconds);
	for (size_t i = 0; i < n; i++) {
		fputs("    <testcase classname=\"", out);
		xml_text(out, lab);
		fputs("\" name=\"", out);
		xml_text(out, r[i].title);
		fprintf(out, "\" time=\"%.3f\"", r[i].seconds);
		if (r[i].pass) {
			fputs("/>\n", out);
			continue;
		}
		fputs(">\n      <failure message=\"", out);
		xml_text(out, r[i].reason);
		fputs("\">", out);
		xml_text(out, r[i].reason);
		fputs("</failure>\n    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
}
