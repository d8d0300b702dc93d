/* err.c - error object and input diagnostics; see err.h. */
#include "err.h"
#include "arena.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int err_vset(struct nst_err *err, int code, int status, const char *fmt, va_list ap)
{
	err->code = code;
	err->status = status;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int nst_err_set(struct nst_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, NST_EXIT_SYSTEM, fmt, ap);
	va_end(ap);
	return -1;
}

int nst_err_input(struct nst_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, 0, NST_EXIT_INPUT, fmt, ap);
	va_end(ap);
	return -1;
}

int nst_err_wrap(struct nst_err *err, const char *fmt, ...)
{
	char inner[sizeof(err->msg)];
	memcpy(inner, err->msg, sizeof(inner));
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Truncation keeps the outer context; the inner message is what gets cut. */
	if (n >= 0 && inner[0] && (size_t)n < sizeof(err->msg) - 2) {
		size_t used = (size_t)n;
		memcpy(err->msg + used, ": ", 2);
		used += 2;
		size_t room = sizeof(err->msg) - used - 1, len = strnlen(inner, room);
		memcpy(err->msg + used, inner, len);
		err->msg[used + len] = '\0';
	}
	if (!err->status)
		err->status = NST_EXIT_SYSTEM;
	return -1;
}

void nst_err_obj(struct nst_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->obj, sizeof(err->obj), fmt, ap);
	va_end(ap);
}

void nst_err_clear(struct nst_err *err)
{
	memset(err, 0, sizeof(*err));
}

void nst_err_print(FILE *out, const struct nst_err *err)
{
	fputs(nst_err_color && out == stderr ? "\033[1;31mnstopo:\033[0m " : "nstopo: ", out);
	if (err->obj[0])
		fprintf(out, "%s: ", err->obj);
	if (err->msg[0] && err->code)
		fprintf(out, "%s: %s\n", err->msg, strerror(err->code));
	else if (err->msg[0])
		fprintf(out, "%s\n", err->msg);
	else
		fprintf(out, "%s\n", err->code ? strerror(err->code) : "failed");
	if (err->extack[0])
		fprintf(out, "  kernel: %s\n", err->extack);
	if (err->loc.line)
		fprintf(out, "  (from %s:%u:%u)\n", err->loc.file, err->loc.line, err->loc.col);
}

static void diags_vadd(struct diags *d, struct srcloc loc, bool warning, const char *fmt,
		       va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	va_list again;
	va_copy(again, ap);
	int len = vsnprintf(NULL, 0, fmt, ap);
	char *msg = xmalloc((size_t)len + 1);
	vsnprintf(msg, (size_t)len + 1, fmt, again);
	va_end(again);
	d->v[d->n++] = (struct diag){ .loc = loc, .msg = msg, .warning = warning };
	if (!warning)
		d->n_errors++;
}

void diags_add(struct diags *d, struct srcloc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diags_vadd(d, loc, false, fmt, ap);
	va_end(ap);
}

void diags_warn(struct diags *d, struct srcloc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diags_vadd(d, loc, true, fmt, ap);
	va_end(ap);
}

static int diag_cmp(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	if (a->loc.col != b->loc.col)
		return a->loc.col < b->loc.col ? -1 : 1;
	if (a->warning != b->warning)
		return a->warning ? 1 : -1;
	return strcmp(a->msg, b->msg);
}

void diags_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
	/* The same message at the same place (an alias walked twice) is said once. */
	size_t w = 0;
	for (size_t r = 0; r < d->n; r++) {
		if (w && diag_cmp(&d->v[w - 1], &d->v[r]) == 0) {
			if (!d->v[r].warning)
				d->n_errors--;
			free(d->v[r].msg);
			continue;
		}
		d->v[w++] = d->v[r];
	}
	d->n = w;
}

/* Messages quote the user's input: a control character in it (an escape sequence, a newline)
 * is shown as \xNN, so a file cannot forge or hide lines of the report. */
static void print_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

enum { DIAGS_SHOWN = 1000 }; /* a broken generator can make a million errors; a person reads few */

bool nst_err_color;

void diags_print(FILE *out, const struct diags *d)
{
	bool color = nst_err_color && out == stderr;
	for (size_t i = 0; i < d->n && i < DIAGS_SHOWN; i++) {
		fprintf(out, "%s:%u:%u: %s%s%s: ", d->v[i].loc.file ? d->v[i].loc.file : "-",
			d->v[i].loc.line, d->v[i].loc.col,
			color ? (d->v[i].warning ? "\033[1;35m" : "\033[1;31m") : "",
			d->v[i].warning ? "warning" : "error", color ? "\033[0m" : "");
		print_escaped(out, d->v[i].msg);
		fputc('\n', out);
	}
	if (d->n > DIAGS_SHOWN)
		fprintf(out, "%s: ... and %zu more diagnostics\n", d->v[0].loc.file ? d->v[0].loc.file : "-",
			d->n - DIAGS_SHOWN);
}

void diags_free(struct diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->n_errors = 0;
}
