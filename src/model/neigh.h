/* neigh.h - the lab's neighbour (ARP/ND) entries at worst, from the model alone, and the host's
 * neighbour-table keys a lab may raise (`sysctl:` under the host node). No kernel calls here. */
#ifndef NSTOPO_NEIGH_H
#define NSTOPO_NEIGH_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

enum { NEIGH_V4, NEIGH_V6, NEIGH_FAMILIES };

/* The six keys of the kernel's global neighbour tables (gc_thresh1/2/3 of IPv4 and IPv6); only
 * these may be set under the host node. */
extern const char *const neigh_host_keys[6];
bool neigh_host_key(const char *key);
/* "net.ipv4.neigh.default.gc_thresh3" and friends: family NEIGH_V4/V6, thresh 1..3. */
const char *neigh_key(int family, int thresh);

/* The entries the lab's namespaces may hold together, per family: on every layer-2 segment (a
 * link: its two ends; bridge nodes and the links to them: all their ports, bridges linked to
 * bridges making one segment) each end with an address of the family may learn every other
 * such end, m * (m - 1) for m ends. */
void neigh_estimate(const struct topo_lab *lab, size_t out[NEIGH_FAMILIES]);

#endif
