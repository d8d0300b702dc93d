/* marker.h - the ownership markers nstopo writes on what it creates (interface aliases), so the
 * kernel alone tells which namespaces and interfaces belong to which lab and node. */
#ifndef NSTOPO_MARKER_H
#define NSTOPO_MARKER_H

#include <stdbool.h>
#include <stddef.h>

#define MARKER_PREFIX "nstopo:"

/* The alias of a node's lo: "nstopo:LAB:NODE". */
void marker_node(char *buf, size_t len, const char *lab, const char *node);
/* The alias of an interface: "nstopo:LAB:NODE:IF", and for a veth end ":PEERNODE:PEERIF" after
 * it, recording its peer when the pair was made (a veth's peer never changes). */
void marker_iface(char *buf, size_t len, const char *lab, const char *node, const char *ifname,
		  const char *peer_node, const char *peer_if);

struct marker {
	char lab[64];
	char node[256];
	char ifname[16];
	char peer_node[256];
	char peer_if[16];
	int fields; /* 2: a node's marker, 3: an interface's, 5: a veth end's */
};

/* False when alias is not an nstopo marker. */
bool marker_parse(const char *alias, struct marker *m);

#endif
