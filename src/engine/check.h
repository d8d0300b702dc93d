/* check.h - the `tests:` probes (native ping, tcp, route, exec) run concurrently against a
 * running lab, and all-pairs reachability (their reports: report.h). */
#ifndef NSTOPO_CHECK_H
#define NSTOPO_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "report.h"
#include "topo.h"

/* Runs every check of lab (indexes match lab->checks). Returns the number that failed, or -1
 * when the lab cannot be checked at all (not running: err says why). */
int check_run(const struct topo_lab *lab, struct check_result *out, struct nst_err *err);
/* The same, calling done(arg, i) from the worker thread as soon as check i has its result. */
struct check_each {
	void (*done)(void *arg, size_t i);
	void *arg;
};
int check_run_each(const struct topo_lab *lab, struct check_result *out,
		   const struct check_each *each, struct nst_err *err);

/* Every node pings every other node's addresses of the families it has an address in; prints a
 * matrix and the count like Mininet's pingall on out, or (json not NULL) sets *json to a new
 * json-c object with every ping (docs/json.md), which the caller prints and frees.
 * *overflows: how often the kernel's (global) neighbour tables overflowed during the run, -1
 * when the counters cannot be read (outside the initial network namespace).
 * Returns the number of failed pings, -1 on error. */
struct json_object;
int check_all_pairs(const struct topo_lab *lab, FILE *out, struct json_object **json,
		    long long *overflows, struct nst_err *err);

#endif
