/* marker.h - the ownership markers nstopo writes on what it creates (interface aliases, table
 * comments) and their strict grammar, so the kernel alone tells which objects are which lab's. */
#ifndef NSTOPO_MARKER_H
#define NSTOPO_MARKER_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

#define MARKER_PREFIX "nstopo:"

/* The grammar, exactly (anything else is not a marker, and what it is on is someone else's):
 *   node marker   nstopo:LAB:NODE                        (alias of a node's lo)
 *   iface marker  nstopo:LAB:NODE:IF                     (a bridge node's br0)
 *   veth marker   nstopo:LAB:NODE:IF:PEERNODE:PEERIF     (each end of a veth pair)
 *   LAB  [a-z0-9][a-z0-9-]*, 1..32 bytes
 *   NODE [A-Za-z0-9][A-Za-z0-9_.-]*, 1..63 bytes ("host" names the root namespace)
 *   IF   1..15 bytes of printable ASCII without ':', '/' or space, not "." or ".."
 * No empty field, no leading or trailing separator or space. */

/* The alias of a node's lo: "nstopo:LAB:NODE". */
void marker_node(char *buf, size_t len, const char *lab, const char *node);
/* The alias of an interface: "nstopo:LAB:NODE:IF", and for a veth end ":PEERNODE:PEERIF" after
 * it, recording its peer when the pair was made (a veth's peer never changes). */
void marker_iface(char *buf, size_t len, const char *lab, const char *node, const char *ifname,
		  const char *peer_node, const char *peer_if);

struct marker {
	char lab[TOPO_LAB_NAME_MAX + 1];
	char node[TOPO_NODE_NAME_MAX + 1];
	char ifname[TOPO_IFNAME_MAX + 1];
	char peer_node[TOPO_NODE_NAME_MAX + 1];
	char peer_if[TOPO_IFNAME_MAX + 1];
	int fields; /* 2: a node's marker, 3: an interface's, 5: a veth end's */
};

/* False (and *m zeroed) when alias is not exactly a marker of the grammar above. */
bool marker_parse(const char *alias, struct marker *m);

/* True when netns is the namespace name a node of that name can have: a prefix of the
 * characters `prefix:` allows ([A-Za-z0-9_.-]*, maybe empty), then node, at most 200 bytes. */
bool marker_netns_fits(const char *netns, const char *node);

/* Where each shape counts. A namespace is a node of lab m->lab when its lo's alias is a node
 * marker (2 fields) whose node is not "host" and fits the namespace's name. */
bool marker_owns_netns(const char *lo_alias, const char *netns, struct marker *m);
/* An interface (ifname, of link kind "veth", "bridge", ...) in node `node` ("host" for the root
 * namespace) is lab's when its alias names lab, that node and ifname, in the shape nstopo gives
 * it there: a veth end's 5 fields on a veth; 3 fields only on a node's bridge br0. */
bool marker_owns_link(const char *alias, const char *lab, const char *node, const char *ifname,
		      const char *kind, struct marker *m);

/* The comment of a node's NAT table (`inet nstopo`): "nstopo:LAB:NODE nat". */
void marker_nat(char *buf, size_t len, const char *lab, const char *node);

/* The comment of a lab's uplink table in the root namespace (`inet nstopo_LAB`):
 * "nstopo:LAB uplink", then " ip_forward_before=N" when it keeps the value of
 * net.ipv4.ip_forward from before the first lab's uplink (forward_before not NULL). */
void marker_uplink(char *buf, size_t len, const char *lab, const char *forward_before);

struct marker_uplink {
	char lab[TOPO_LAB_NAME_MAX + 1]; /* "" for the older comment without a lab */
	char forward_before[12];         /* N of ip_forward_before=N, "" when none */
	bool legacy; /* the older "nstopo uplink[ ip_forward_before=N]", which named no lab */
};
/* True when comment is exactly what marker_uplink writes, or what nstopo wrote before (legacy).
 * The caller still checks the table's name against the lab. */
bool marker_uplink_parse(const char *comment, struct marker_uplink *u);

#endif
