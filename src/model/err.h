/* err.h - the one error object carried from the failing call up to the command that prints it,
 * and the sorted list of input diagnostics (FILE:LINE:COL) that load_yaml and validate collect. */
#ifndef NSTOPO_ERR_H
#define NSTOPO_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses shared by every command (docs/nstopo.1). */
enum {
	NST_EXIT_OK = 0,
	NST_EXIT_DIFFERS = 1, /* diff: the kernel differs; test: a check failed */
	NST_EXIT_INPUT = 2,   /* bad file, option or node; nothing was changed */
	NST_EXIT_SYSTEM = 3,  /* the kernel or the system refused */
};

/* A position in a topology file; line 0 means "not from a file" (observed from the kernel). */
struct srcloc {
	const char *file;
	uint32_t line, col;
};

struct nst_err {
	int code;         /* errno value, 0 when there is none */
	int status;       /* NST_EXIT_INPUT or NST_EXIT_SYSTEM */
	char obj[192];    /* what was being worked on: "r1/eth0", "lab demo" */
	char msg[1024];   /* what failed, without strerror (added when printed) */
	char extack[512]; /* the kernel's own explanation, when it gave one */
	struct srcloc loc;
};

/* Each returns -1 so that failing is one line: return nst_err_set(err, errno, "..."). */
int nst_err_set(struct nst_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int nst_err_input(struct nst_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix context to an error already set: "outer: inner". */
int nst_err_wrap(struct nst_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nst_err_obj(struct nst_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nst_err_clear(struct nst_err *err);
/* The only printer of an nst_err; called by main.c and cmd_*.c. */
void nst_err_print(FILE *out, const struct nst_err *err);

struct diag {
	struct srcloc loc;
	char *msg;
	bool warning; /* suspicious but valid: printed, and the file still loads */
};

struct diags {
	struct diag *v;
	size_t n, cap;
	size_t n_errors; /* the diagnostics that are not warnings: the file is refused when > 0 */
};

/* An error: the file is refused. */
void diags_add(struct diags *d, struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning: "FILE:LINE:COL: warning: MESSAGE"; the file still loads. */
void diags_warn(struct diags *d, struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diags_sort(struct diags *d);
/* "FILE:LINE:COL: error: MESSAGE" (or warning:), one line each, sorted by position. */
void diags_print(FILE *out, const struct diags *d);
/* Colour the words error and warning (and nstopo's own error prefix) in what is printed on
 * stderr: set by the command line (--color, NO_COLOR, a terminal). */
extern bool nst_err_color;
void diags_free(struct diags *d);

#endif
