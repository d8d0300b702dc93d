/* cgroup.h - a cgroup v2 directory per node, nstopo/LAB/NODE under the hierarchy's mount point:
 * every process nstopo starts in a node joins it, and down kills it whole. Grouping only: no
 * controllers, no limits; cgroup v1 hierarchies are never touched. */
#ifndef NSTOPO_CGROUP_H
#define NSTOPO_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* An fd (write-only, O_CLOEXEC) on the cgroup.procs of nstopo/LAB/NODE/ROLE, its directories
 * made (root, 0755) when missing; -1 when there is no cgroup v2 hierarchy or it cannot be used (a
 * path there that is not a directory, or not root's): the caller goes on without. A role of its
 * own ("exec", "daemon", "check", "user"...) lets reconcile end exec: lines and daemons, even
 * those that cleared their environment, and leave a user's `nstopo exec` alone. */
int cgroup_node_procs(const char *lab, const char *node, const char *role);
/* Moves the calling process into the cgroup whose cgroup.procs fd is given. Only write(2): safe
 * in a child forked from a threaded process. */
int cgroup_join(int procs_fd);

/* Node cgroups opened to end their processes. */
struct cgroup_set {
	const char *lab;
	int lab_dir; /* nstopo/LAB, -1 when there is none */
	struct cgroup_node {
		char name[256];
		int dir, events;
		int kill_fd; /* cgroup.kill, -1 before kernel 5.14 */
	} *v;
	size_t n;
};

/* Opens the cgroups of the named nodes that have one, or of every node of the lab when nodes is
 * NULL (down: leftovers of an interrupted up included). */
void cgroup_set_open(struct cgroup_set *s, const char *lab, const char *const *nodes, size_t n);
/* Opens one role's cgroup of a node (nstopo/LAB/NODE/ROLE), when it has one. */
void cgroup_set_open_role(struct cgroup_set *s, const char *lab, const char *node, const char *role);
/* Appends the pids in the set's cgroups (and those below them) to *pids (a malloc'd array of *count, room for *cap). */
void cgroup_set_pids(const struct cgroup_set *s, pid_t **pids, size_t *count, size_t *cap);
/* Kills everything in the set: cgroup.kill, or KILL to each pid where there is none. */
void cgroup_set_kill(const struct cgroup_set *s);
/* Waits (poll on cgroup.events) until every cgroup of the set is empty or deadline_ms
 * (CLOCK_MONOTONIC) passes, killing again where there is no cgroup.kill; returns how many are
 * still populated. */
size_t cgroup_set_wait(const struct cgroup_set *s, long deadline_ms);
/* Closes everything, removing nothing. */
void cgroup_set_close(struct cgroup_set *s);
/* Removes the set's cgroups (and any made below them), then LAB's and nstopo's when no other
 * node or lab has one; closes everything. */
void cgroup_set_remove(struct cgroup_set *s);

#endif
