/* run.h - processes in lab nodes: ending every process inside a set of namespaces (down, node
 * removal), waited for with pidfds and a deadline, never a fixed sleep. */
#ifndef NSTOPO_RUN_H
#define NSTOPO_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Sends TERM to every process whose network namespace is one of inos, waits up to grace_ms for
 * them to end, then KILLs the rest. Returns how many processes there were. */
int run_stop_in_netns(const ino_t *inos, size_t n, unsigned grace_ms, struct nst_err *err);

#endif
