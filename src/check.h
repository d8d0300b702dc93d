/* check.h - the `tests:` probes (native ping, tcp, route, exec) run concurrently against a
 * running lab, all-pairs reachability, and their TAP and JUnit reports. */
#ifndef NSTOPO_CHECK_H
#define NSTOPO_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "topo.h"

struct check_result {
	bool pass;
	char title[256];  /* "ping h1 -> 10.0.2.10", or the check's name */
	char reason[768]; /* on failure: what was expected and what was found */
	double seconds;
};

/* Runs every check of lab (indexes match lab->checks). Returns the number that failed, or -1
 * when the lab cannot be checked at all (not running: err says why). */
int check_run(const struct topo_lab *lab, struct check_result *out, struct nst_err *err);

/* TAP version 13 on out; JUnit XML on junit (may be NULL). */
void check_print_tap(FILE *out, const struct check_result *r, size_t n);
void check_print_junit(FILE *out, const char *lab, const struct check_result *r, size_t n,
		       double seconds);

/* Every node pings every other node's addresses of the families it has an address in; prints a
 * matrix and the count like Mininet's pingall, or (json) every ping as one JSON object.
 * *overflows: how often the kernel's (global) neighbour tables overflowed during the run, -1
 * when the counters cannot be read (outside the initial network namespace).
 * Returns the number of failed pings, -1 on error. */
int check_all_pairs(const struct topo_lab *lab, FILE *out, bool json, long long *overflows,
		    struct nst_err *err);

/* The address a check's `to:` names: an address, or a node's first address. */
bool check_target(const struct topo_lab *lab, const char *to, uint8_t *family, uint8_t addr[16]);

#endif
