/* paths.h - the layout of /run/nstopo, and the only place that knows it: the run directory, each
 * lab's directory and the names inside it (relative names for safefs, full paths for messages). */
#ifndef NSTOPO_PATHS_H
#define NSTOPO_PATHS_H

#include <stddef.h>

/* Root's, 0700 (safefs_run_dir): one directory per lab, and each lab's lock file beside it. */
#define NSTOPO_RUN_DIR "/run/nstopo"

/* Names inside a lab's directory (safefs_lab_dir), as relative paths. */
#define PATHS_HOSTS "hosts"           /* laid over every node's /etc/hosts (store) */
#define PATHS_FILES "files"           /* files/NODE/<target, '/' as %2F>: files:, config: (store) */
#define PATHS_EXEC "exec"             /* exec/NODE: the exec: lines last run to the end (store) */
#define PATHS_LOG "log"               /* log/NODE.N.log: a background exec: line's output (store) */
#define PATHS_NS "ns"                 /* ns/NODE.uts, ns/NODE.mnt: a node's namespaces (nodens, run) */
#define PATHS_INTENT "intent"         /* what an up began to create (netns) */
#define PATHS_HOST_NEIGH "host-neigh" /* the host's neighbour-table values before (hostneigh) */
#define PATHS_SOURCE "source"         /* the file the lab came from, its nodes and links (list) */

/* Full paths, for messages and the few opens that do not go through safefs. */
void paths_lab_dir(char *buf, size_t len, const char *lab);      /* /run/nstopo/LAB */
void paths_hosts(char *buf, size_t len, const char *lab);        /* /run/nstopo/LAB/hosts */
void paths_ns_dir(char *buf, size_t len, const char *lab);       /* /run/nstopo/LAB/ns */
/* /run/nstopo/LAB/ns/NODE.KIND (KIND: "uts", "mnt"). */
void paths_node_ns(char *buf, size_t len, const char *lab, const char *node, const char *kind);
/* LAB.lock, the lab's lock file in NSTOPO_RUN_DIR (name), and its full path (path). */
void paths_lock_name(char *buf, size_t len, const char *lab);
void paths_lock(char *buf, size_t len, const char *lab);

#endif
