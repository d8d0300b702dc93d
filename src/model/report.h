/* report.h - the `tests:` checks as far as they need no kernel: the address a check's `to:`
 * names, and the TAP and JUnit reports of the results check_run fills. */
#ifndef NSTOPO_REPORT_H
#define NSTOPO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "topo.h"

struct check_result {
	bool pass;
	char title[256];  /* "ping h1 -> 10.0.2.10", or the check's name */
	char reason[768]; /* on failure: what was expected and what was found */
	double seconds;
};

/* TAP version 13 on out. */
void report_tap(FILE *out, const struct check_result *r, size_t n);
/* Its parts, for printing each result as it comes: result i's line(s), and the closing count. */
void report_tap_line(FILE *out, const struct check_result *r, size_t i);
void report_tap_end(FILE *out, const struct check_result *r, size_t n);
/* JUnit XML on out, one testsuite named after the lab. */
void report_junit(FILE *out, const char *lab, const struct check_result *r, size_t n,
		  double seconds);

/* The address a check's `to:` names: an address, or a node's first address. */
bool report_target(const struct topo_lab *lab, const char *to, uint8_t *family, uint8_t addr[16]);

#endif
