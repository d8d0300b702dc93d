/* rtnet.h - the lab's layer-3 segments (a link between two nodes, or every link of a group of
 * bridge nodes joined together), built by routing.c for its routes and for tmpl.c's facts. */
#ifndef NSTOPO_RTNET_H
#define NSTOPO_RTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "topo.h"

#define RTNET_NONE UINT32_MAX

struct rtnet_member {
	uint32_t node, iface;
};

struct rtnet_seg {
	struct rtnet_member *m; /* in link order; a bridge node's br0 (with addresses) last */
	size_t n, cap;
	bool p2p; /* one link between two nodes that are not bridges */
};

struct rtnet {
	struct rtnet_seg *segs;
	size_t n_segs, cap_segs;
	uint32_t **seg_of; /* [node][iface]: the iface's segment, RTNET_NONE for lo and the like */
	size_t n_nodes;
};

void rtnet_build(struct rtnet *net, const struct topo_lab *lab);
void rtnet_free(struct rtnet *net);
/* The first address of family on the interface, NULL when none. */
const struct cidr *rtnet_addr(const struct topo_iface *ifc, uint8_t family);

/* Renders every node's `template:` into its config (tmpl.c). Returns false on errors (in d). */
bool tmpl_render_lab(struct topo_lab *lab, const struct rtnet *net, struct diags *d);
/* Whether name is a built-in template; *daemon is the FRR daemon it needs (NULL for none). */
bool tmpl_builtin(const char *name, enum node_kind *kind, const char **daemon);

#endif
