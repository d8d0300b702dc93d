/* hostneigh.h - the host's neighbour-table sysctls (gc_thresh*, global to every namespace): how
 * they compare with what the lab may need, raising them for a lab, and putting them back. */
#ifndef NSTOPO_HOSTNEIGH_H
#define NSTOPO_HOSTNEIGH_H

#include <stddef.h>

#include "err.h"
#include "neigh.h"
#include "topo.h"

/* What the lab may need and what the host keeps (read in the calling thread's namespace: only
 * the initial one has these keys; -1 where unreadable), after the lab's `sysctl:` raised them. */
struct hostneigh_look {
	size_t need[NEIGH_FAMILIES];
	long long thresh2[NEIGH_FAMILIES], thresh3[NEIGH_FAMILIES];
};
void hostneigh_look(const struct topo_lab *want, struct hostneigh_look *out);

/* Writes each host neighbour key the file asks for whose value is lower now (never lowers one),
 * after recording the value found before in the lab's run directory (/run/nstopo/LAB/host-neigh;
 * a value another lab already recorded is copied: it is the host's own). Keys the lab recorded
 * but no longer asks for are put back, unless another lab still records them. Each value written
 * is a line "~ sysctl host: KEY OLD -> NEW\n" in log. Returns how many keys were raised, -1 on
 * error. Labs take turns (a lock of their own under /run/nstopo). */
int hostneigh_raise(const struct topo_lab *want, char *log, size_t len, struct nst_err *err);
/* Puts back the values the lab recorded that no other lab records, and drops the record. */
int hostneigh_restore(const char *lab, char *log, size_t len, struct nst_err *err);
/* Drift: one line "~ sysctl host: KEY NOW -> WANTED\n" per key lower than the file asks, into
 * buf; returns how many. */
size_t hostneigh_drift(const struct topo_lab *want, char *buf, size_t len);

#endif
