/* apply.h - the only writer: runs a plan's actions in order through the kernel rooms and stops at
 * the first refusal, reporting the action, the object, the kernel's reason and the file position. */
#ifndef NSTOPO_APPLY_H
#define NSTOPO_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "kview.h"
#include "plan.h"

struct apply_opts {
	FILE *log; /* each action as it is done ("+ link ..."), or NULL */
	bool color;
	/* Called before each action (done of total) and once at the end (a NULL, done == total):
	 * a status line; returning -1 stops before the action (Ctrl-C), failing with EINTR. */
	int (*progress)(void *arg, const struct action *a, size_t done, size_t total);
	void *progress_arg;
	/* exec: lines that may fail (containerlab's) and did: each reported on warn (stderr when
	 * NULL) and counted here, when not NULL; up goes on. */
	FILE *warn;
	size_t *exec_failed;
};

/* Fills the files the plan's actions name in messages (action.where: the lab's hosts file, its
 * run directory), which only paths.h knows; call it after plan_build, before printing. */
void apply_where(struct plan *p, const char *lab);

/* want is NULL when the plan removes the whole lab. Returns the number of actions done, or -1. */
int apply_plan(const struct plan *p, struct topo_lab *want, const char *lab, struct kview *kv,
	       const struct apply_opts *opts, struct nst_err *err);

/* `up`'s promise that the lab carries traffic when it returns: waits until every link end of
 * want (both ends of each link, and the bridge of each bridge node with ports) is operationally
 * up, as the kernel's link changes say, for at most timeout_ms. Reads only. On timeout it fails
 * (NST_EXIT_SYSTEM) naming the first links still down. */
int apply_wait_ready(struct topo_lab *want, struct kview *kv, int timeout_ms, struct nst_err *err);

#endif
