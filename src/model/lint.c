/* lint.c - warnings for files that are valid but most likely not what was meant: a link whose two
 * ends share no subnet, a route via an address no interface of the lab has. */
#include "lint.h"
#include "arena.h"
#include "strmap.h"

#include <string.h>
#include <sys/socket.h>

/* a and b share their first bits bits. */
static bool same_bits(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	return !rest || ((a[bytes] ^ b[bytes]) & (0xff00u >> rest) & 0xff) == 0;
}

static bool link_local(const struct cidr *c)
{
	return c->family == AF_INET6 && c->a[0] == 0xfe && (c->a[1] & 0xc0) == 0x80;
}

/* For each family both ends have (global) addresses of: true when no pair is in one subnet. */
static bool apart(const struct topo_iface *x, const struct topo_iface *y, uint8_t family)
{
	bool any_x = false, any_y = false;
	for (size_t i = 0; i < x->n_addrs; i++) {
		const struct cidr *a = &x->addrs[i].c;
		if (a->family != family || link_local(a))
			continue;
		any_x = true;
		for (size_t j = 0; j < y->n_addrs; j++) {
			const struct cidr *b = &y->addrs[j].c;
			if (b->family != family || link_local(b))
				continue;
			any_y = true;
			if (same_bits(a->a, b->a, a->plen < b->plen ? a->plen : b->plen))
				return false;
		}
	}
	return any_x && any_y;
}

/* Every address of the lab as text, for the gateway lookups: a lab may have many thousands of
 * routes and addresses, so no pairwise scan. Keys are owned by ar. */
static void index_addresses(const struct topo_lab *lab, struct arena *ar, struct strmap *m)
{
	for (size_t i = 0; i < lab->n_nodes; i++)
		for (size_t k = 0; k < lab->nodes[i]->n_ifaces; k++) {
			const struct topo_iface *f = &lab->nodes[i]->ifaces[k];
			for (size_t a = 0; a < f->n_addrs; a++) {
				char buf[CIDR_STR_MAX];
				addr_format(f->addrs[a].c.family, f->addrs[a].c.a, buf, sizeof(buf));
				strmap_put(m, arena_strdup(ar, buf), (void *)1);
			}
		}
}

void lint_lab(const struct topo_lab *lab, struct diags *d)
{
	for (size_t i = 0; i < lab->n_links; i++) {
		const struct topo_link *l = &lab->links[i];
		const struct topo_iface *x = topo_end_iface(lab, &l->end[0]);
		const struct topo_iface *y = topo_end_iface(lab, &l->end[1]);
		static const uint8_t fams[] = { AF_INET, AF_INET6 };
		for (size_t f = 0; f < 2; f++)
			if (apart(x, y, fams[f])) {
				const struct topo_node *a = topo_end_node(lab, &l->end[0]);
				const struct topo_node *b = topo_end_node(lab, &l->end[1]);
				diags_warn(d, l->loc, "link %s:%s <-> %s:%s: the two ends have no %s subnet in "
					   "common, so they cannot reach each other directly",
					   a->kind == NODE_ROOT ? TOPO_HOST_NODE : a->name, x->name,
					   b->kind == NODE_ROOT ? TOPO_HOST_NODE : b->name, y->name,
					   fams[f] == AF_INET ? "IPv4" : "IPv6");
				break;
			}
	}
	/* A gateway outside the lab is the host's business (its routes lead off the machine). */
	struct arena ar = { 0 };
	struct strmap addrs = { 0 };
	index_addresses(lab, &ar, &addrs);
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *n = lab->nodes[i];
		for (size_t r = 0; n->kind != NODE_ROOT && r < n->n_routes; r++) {
			const struct topo_route *rt = &n->routes[r];
			if (!(rt->has & ROUTE_HAS_VIA))
				continue;
			struct cidr gw = { .family = rt->to.family };
			memcpy(gw.a, rt->via, 16);
			char via[CIDR_STR_MAX];
			addr_format(gw.family, gw.a, via, sizeof(via));
			/* A link-local gateway may be any neighbour's (a router's autoconfigured one). */
			if (link_local(&gw) || strmap_get(&addrs, via))
				continue;
			diags_warn(d, rt->loc, "%s: gateway %s is no interface's address in the lab", n->name,
				   via);
		}
	}
	strmap_free(&addrs);
	arena_free(&ar);
}
