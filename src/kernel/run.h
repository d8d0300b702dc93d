/* run.h - processes in lab nodes: starting them in the node's namespaces and cgroup, ending all
 * of a node's processes (down, node removal), waited for with deadlines, never a fixed sleep. */
#ifndef NSTOPO_RUN_H
#define NSTOPO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* How long processes get after TERM before KILL: daemons save their state. */
enum { RUN_STOP_GRACE_MS = 2000 };

/* A node whose processes are to end: its network namespace's inode (0 when unknown). */
struct run_node {
	const char *node;
	ino_t net;
};
/* Ends every process of the lab's nodes, wherever it moved: those in the node's cgroup
 * (nstopo/LAB/NODE, cgroup.c) and those in its network, mount or UTS namespace (the fallback
 * without cgroup v2, and programs entered by other means). TERM, up to grace_ms for them to end,
 * then KILL (cgroup.kill); then the node's cgroup is removed. Returns how many there were. */
int run_stop_nodes(const char *lab, const struct run_node *v, size_t n, unsigned grace_ms,
		   struct nst_err *err);
/* The same for every node cgroup left of the lab (an interrupted up, namespaces gone), then the
 * lab's cgroup itself. */
int run_stop_lab(const char *lab, unsigned grace_ms, struct nst_err *err);
/* A node made anew: what is still in a cgroup of its name is a former node's (an interrupted up,
 * a namespace deleted by hand) and ends, so that it is not taken for the new node's. */
int run_stop_leftover(const char *lab, const char *node, unsigned grace_ms, struct nst_err *err);

struct netns;

/* Starting a program in a node: its network, UTS and mount namespaces, with a clean
 * environment (RUN_DEFAULT_PATH, HOME, LANG/LC_ALL/TERM where the caller has them, the node's
 * `env:`) and NSTOPO_LAB, NSTOPO_NODE and NSTOPO_ROLE in it so that nstopo can find it again.
 * Nothing else of the caller's environment or open files reaches it. */
#define RUN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
struct run_opts {
	const char *lab, *node;
	const struct netns *net;
	const char *role;     /* "exec", "daemon", "exec-once", "check": also the cgroup it joins
			       * first, nstopo/LAB/NODE/ROLE (cgroup.h), when there is cgroup v2 */
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

/* run_in_node in two halves, so that many programs run at once: run_start starts argv (as
 * run_in_node does) and returns; run_finish waits for it, with run_in_node's results, and must
 * follow every run_start that succeeded. */
struct run_job {
	pid_t pid;
	int pidfd, out_fd, err_fd;
	long deadline;
	const char *argv0;
};
int run_start(char *const argv[], const struct run_opts *o, struct run_job *j, struct nst_err *err);
int run_finish(struct run_job *j, int *status, char *tail, size_t tail_len, struct nst_err *err);

/* A process nstopo started in a lab (found by its environment). */
struct run_proc {
	pid_t pid;
	char node[64];
	char role[16];
	char comm[32];
};
/* Every process tagged with lab; a malloc'd array. */
size_t run_find_tagged(const char *lab, struct run_proc **out);
/* Ends the node's processes nstopo started in one role ("exec", "daemon"): those tagged so and
 * those in the role's cgroup (nstopo/LAB/NODE/ROLE), even with their environment cleared. A
 * user's `nstopo exec` (role "user") is never one of them. TERM, then KILL after grace_ms. */
int run_stop_role(const char *lab, const char *node, const char *role, unsigned grace_ms,
		  struct nst_err *err);

#endif
