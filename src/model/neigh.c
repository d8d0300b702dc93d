/* neigh.c - see neigh.h. Segments are found with a union-find over the lab's nodes: a link
 * joins its two ends' segments only through bridge nodes, which forward frames. */
#include "neigh.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *const neigh_host_keys[6] = {
	"net.ipv4.neigh.default.gc_thresh1", "net.ipv4.neigh.default.gc_thresh2",
	"net.ipv4.neigh.default.gc_thresh3", "net.ipv6.neigh.default.gc_thresh1",
	"net.ipv6.neigh.default.gc_thresh2", "net.ipv6.neigh.default.gc_thresh3",
};

bool neigh_host_key(const char *key)
{
	for (size_t i = 0; i < 6; i++)
		if (strcmp(key, neigh_host_keys[i]) == 0)
			return true;
	return false;
}

const char *neigh_key(int family, int thresh)
{
	return neigh_host_keys[family * 3 + thresh - 1];
}

static size_t find(size_t *up, size_t x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

static unsigned iface_families(const struct topo_iface *ifc)
{
	unsigned f = 0;
	for (size_t a = 0; a < ifc->n_addrs; a++)
		f |= ifc->addrs[a].c.family == AF_INET ? 1u << NEIGH_V4 : 1u << NEIGH_V6;
	return f;
}

void neigh_estimate(const struct topo_lab *lab, size_t out[NEIGH_FAMILIES])
{
	out[NEIGH_V4] = out[NEIGH_V6] = 0;
	/* Segment ids: 0..n_links-1 for the links, joined through the bridge nodes on them. */
	size_t n = lab->n_links;
	size_t *up = xcalloc(n + 1, sizeof(*up));
	size_t *bridge_seg = xcalloc(lab->n_nodes + 1, sizeof(*bridge_seg)); /* link index + 1 */
	size_t (*count)[NEIGH_FAMILIES] = xcalloc(n + 1, sizeof(*count));
	for (size_t l = 0; l < n; l++)
		up[l] = l;
	for (size_t l = 0; l < n; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_end *end = &lab->links[l].end[e];
			if (end->node >= lab->n_nodes || lab->nodes[end->node]->kind != NODE_BRIDGE)
				continue;
			if (!bridge_seg[end->node])
				bridge_seg[end->node] = l + 1;
			else
				up[find(up, l)] = find(up, bridge_seg[end->node] - 1);
		}
	/* The ends that are not bridge ports, counted on their segment, family by family. */
	for (size_t l = 0; l < n; l++)
		for (int e = 0; e < 2; e++) {
			const struct topo_end *end = &lab->links[l].end[e];
			if (end->node >= lab->n_nodes || lab->nodes[end->node]->kind == NODE_BRIDGE)
				continue;
			const struct topo_node *node = lab->nodes[end->node];
			if (end->iface >= node->n_ifaces)
				continue;
			unsigned f = iface_families(&node->ifaces[end->iface]);
			size_t s = find(up, l);
			for (int k = 0; k < NEIGH_FAMILIES; k++)
				count[s][k] += (f >> k) & 1u;
		}
	for (size_t s = 0; s < n; s++)
		for (int k = 0; k < NEIGH_FAMILIES; k++)
			if (count[s][k] > 1)
				out[k] += count[s][k] * (count[s][k] - 1);
	free(up);
	free(bridge_seg);
	free(count);
}
