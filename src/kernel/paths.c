/* paths.c - see paths.h. */
#include "paths.h"

#include <stdio.h>

void paths_lab_dir(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s/%s", NSTOPO_RUN_DIR, lab);
}

void paths_hosts(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s/%s/%s", NSTOPO_RUN_DIR, lab, PATHS_HOSTS);
}

void paths_ns_dir(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s/%s/%s", NSTOPO_RUN_DIR, lab, PATHS_NS);
}

void paths_node_ns(char *buf, size_t len, const char *lab, const char *node, const char *kind)
{
	snprintf(buf, len, "%s/%s/%s/%s.%s", NSTOPO_RUN_DIR, lab, PATHS_NS, node, kind);
}

void paths_lock_name(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s.lock", lab);
}

void paths_lock(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s/%s.lock", NSTOPO_RUN_DIR, lab);
}
