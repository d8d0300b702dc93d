/* run.h - processes in lab nodes: ending every process inside a set of namespaces (down, node
 * removal), waited for with pidfds and a deadline, never a fixed sleep. */
#ifndef NSTOPO_RUN_H
#define NSTOPO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Sends TERM to every process whose network namespace is one of inos, waits up to grace_ms for
 * them to end, then KILLs the rest. Returns how many processes there were. */
int run_stop_in_netns(const ino_t *inos, size_t n, unsigned grace_ms, struct nst_err *err);

struct netns;

/* Starting a program in a node: its network, UTS and mount namespaces, with a clean
 * environment (RUN_DEFAULT_PATH, HOME, LANG/LC_ALL/TERM where the caller has them, the node's
 * `env:`) and NSTOPO_LAB, NSTOPO_NODE and NSTOPO_ROLE in it so that nstopo can find it again.
 * Nothing else of the caller's environment or open files reaches it. */
#define RUN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
struct run_opts {
	const char *lab, *node;
	const struct netns *net;
	const char *role;     /* "exec", "daemon" */
	bool background;      /* detached, output to log_path; not waited for */
	const char *log_path; /* background only */
	unsigned timeout_ms;  /* foreground: killed after this long */
	const char *const *env; /* the node's own "NAME=VALUE" (`env:`), NULL-terminated; may be NULL */
};

/* Runs argv (no shell) and, in the foreground, waits for it: *status is its exit status (128+N
 * for signal N, -1 when it timed out); the tail of its output goes to tail. Returns -1 when it
 * could not be started at all (err says why). */
int run_in_node(char *const argv[], const struct run_opts *o, int *status, char *tail,
		size_t tail_len, struct nst_err *err);

/* A process nstopo started in a lab (found by its environment). */
struct run_proc {
	pid_t pid;
	char node[64];
	char role[16];
	char comm[32];
};
/* Every process tagged with lab; a malloc'd array. */
size_t run_find_tagged(const char *lab, struct run_proc **out);
/* TERM, then KILL after grace_ms, waiting with pidfds. */
int run_stop_pids(const pid_t *pids, size_t n, unsigned grace_ms, struct nst_err *err);

#endif
