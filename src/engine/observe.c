/* observe.c - kernel to model; see observe.h.
 * Every namespace under /run/netns is asked for its marker (the alias of its lo), so a lab is
 * found whole even when its file is gone or has changed its prefix. */
#include "observe.h"
#include "paths.h"
#include "marker.h"
#include "nft.h"
#include "nl.h"
#include "nodens.h"
#include "qdisc.h"
#include "run.h"
#include "store.h"
#include "sysctl.h"

#include <errno.h>
#include <stdarg.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* Route protocols that say "put here by a person or by nstopo"; every other protocol (kernel,
 * ra, dhcp, zebra, bird, bgp, ospf, ...) belongs to someone else and is never touched. */
static bool route_proto_owned(uint8_t proto)
{
	return proto == RTPROT_UNSPEC || proto == RTPROT_BOOT || proto == RTPROT_STATIC ||
	       proto == TOPO_RTPROT;
}

/* ---- one namespace ---- */

struct visit {
	struct topo_lab *have;
	struct topo_lab *want;
	const char *lab;
	struct marker m;
	char alias[256]; /* lo's alias as found, for messages about a namespace not ours */
	bool marked;     /* a node marker (of some lab) that fits this namespace's name */
	bool ours;
	struct topo_node *node; /* the have node, when ours */
	struct topo_node *want_node;
};

static bool is_key(const char *key, const char *dotted)
{
	/* Keys may be written dotted or slashed. */
	for (; *key && *dotted; key++, dotted++)
		if (*key != *dotted && !(*key == '/' && *dotted == '.'))
			return false;
	return !*key && !*dotted;
}

static void read_sysctls(struct visit *v, struct nlr *nl)
{
	size_t n;
	const struct topo_sysctl *keys = topo_node_sysctls(v->want, v->want_node, &n);
	int fwd[2] = { -2, -2 }; /* -2: not asked yet */
	for (size_t i = 0; i < n; i++) {
		char value[256];
		struct nst_err ignored = { 0 };
		int which = is_key(keys[i].key, "net.ipv4.ip_forward") ||
					    is_key(keys[i].key, "net.ipv4.conf.all.forwarding")
				    ? 0
			    : is_key(keys[i].key, "net.ipv6.conf.all.forwarding") ? 1
										   : -1;
		if (which >= 0 && fwd[0] == -2 && nlr_forwarding(nl, &fwd[0], &fwd[1], &ignored) < 0)
			fwd[0] = fwd[1] = -1;
		if (which >= 0 && fwd[which] >= 0) {
			struct topo_sysctl *s =
				ARENA_PUSH(&v->have->arena, v->node->sysctls, v->node->n_sysctls, v->node->cap_sysctls);
			s->key = arena_strdup(&v->have->arena, keys[i].key);
			s->value = arena_printf(&v->have->arena, "%d", fwd[which]);
			continue;
		}
		struct topo_sysctl *s =
			ARENA_PUSH(&v->have->arena, v->node->sysctls, v->node->n_sysctls, v->node->cap_sysctls);
		s->key = arena_strdup(&v->have->arena, keys[i].key);
		/* A key that cannot be read (an interface's, before the interface exists) differs. */
		s->value = sysctl_read(keys[i].key, value, sizeof(value), &ignored) == 0
				   ? arena_strdup(&v->have->arena, value)
				   : NULL;
	}
}

/* Inside the namespace: open its socket, read its marker and, when it is one of ours that the
 * file names too, the sysctls the file cares about. A namespace is a lab's only when its lo
 * carries a node marker whose node is the namespace's own name (after a prefix): a marker of
 * another shape, or naming another node, is a look-alike made by someone else. */
static int visit_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	struct visit *v = arg;
	ns->nl = nlr_open(err);
	if (!ns->nl)
		return -1;
	struct nlr_link lo;
	int found = nlr_link_get(ns->nl, 1, &lo, err);
	if (found < 0)
		return -1;
	snprintf(v->alias, sizeof(v->alias), "%s", found ? lo.alias : "");
	v->marked = found && marker_owns_netns(lo.alias, ns->name, &v->m);
	v->ours = v->marked && (!v->lab || strcmp(v->m.lab, v->lab) == 0);
	if (!v->ours || !v->have)
		return 0;
	v->want_node = v->want ? topo_node_find(v->want, v->m.node) : NULL;
	bool elsewhere = v->want_node && strcmp(topo_node_netns(v->want, v->want_node), ns->name) != 0;
	if (elsewhere)
		v->want_node = NULL;
	/* A second namespace of the same node (the lab's prefix changed, an up stopped half-way):
	 * a node of its own, named NODE@NAMESPACE (no node can be so named), so that the plan
	 * removes it whole and the node the file names keeps its own kept namespaces and files. */
	const char *name = v->m.node;
	if (elsewhere || topo_node_find(v->have, v->m.node))
		name = arena_printf(&v->have->arena, "%s%s%s", v->m.node, OBSERVE_STALE_SEP, ns->name);
	v->node = topo_node_add(v->have, name, (struct srcloc){ 0 });
	v->node->netns = arena_strdup(&v->have->arena, ns->name);
	if (v->want_node)
		read_sysctls(v, ns->nl);
	return 0;
}

static bool is_loopback_default(const struct cidr *c)
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	if (c->family == AF_INET)
		return c->a[0] == 127 && c->a[1] == 0 && c->a[2] == 0 && c->a[3] == 1 && c->plen == 8;
	return c->plen == 128 && memcmp(c->a, v6lo, 16) == 0;
}

static struct topo_iface *iface_by_index(struct topo_node *node, int ifindex)
{
	for (size_t i = 0; i < node->n_ifaces; i++)
		if (node->ifaces[i].ifindex == ifindex)
			return &node->ifaces[i];
	return NULL;
}

static const char *name_by_index(const struct nlr_link *links, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (links[i].ifindex == ifindex)
			return links[i].name;
	return NULL;
}

/* Unmarked veth ends in names the file wants, kept until every namespace is read. */
struct kstray {
	struct knode *kn;
	struct topo_node *node;        /* have */
	const struct topo_iface *want; /* the file's end with this name */
	struct nlr_link l;
	char master[TOPO_IFNAME_MAX + 1];
};

struct strays {
	struct kstray *v;
	size_t n, cap;
};


static struct topo_iface *take_iface(struct topo_lab *have, struct topo_node *node,
				     const struct nlr_link *l, const char *master)
{
	struct topo_iface *iface = topo_iface_add(have, node, l->name, (struct srcloc){ 0 });
	iface->ifindex = l->ifindex;
	iface->peer_ifindex = l->link;
	iface->mtu = l->mtu;
	memcpy(iface->mac, l->mac, 6);
	iface->has = IFACE_HAS_MTU | IFACE_HAS_MAC;
	iface->up = (l->flags & IFF_UP) != 0;
	snprintf(iface->master, sizeof(iface->master), "%s", master ? master : "");
	return iface;
}

/* Interfaces of one namespace: the lab's (by marker) into the node, every name into the
 * ifindex map, and foreign ones that take a name the file wants into the collisions (veth ends
 * nstopo made but did not get to mark wait in the strays until every namespace is read). */
static void take_links(struct kview *kv, struct strays *st, struct knode *kn, struct topo_lab *have,
		       const char *lab,
		       struct topo_node *node, const struct topo_node *want_node,
		       const struct nlr_link *links, size_t n)
{
	bool root = node->kind == NODE_ROOT;
	for (size_t i = 0; i < n; i++) {
		const struct nlr_link *l = &links[i];
		struct marker m;
		/* Only the shape nstopo gives the interface there (marker.h): in the root namespace
		 * (node "host") that is a veth end's, never anything else. */
		bool owned = marker_owns_link(l->alias, lab, node->name, l->name, l->kind, &m);
		if (!root)
			kview_note_ifindex(kv, kn, l->name, l->ifindex);
		const char *master = l->master ? name_by_index(links, n, l->master) : NULL;
		if (!owned && !(!root && l->ifindex == 1)) {
			const struct topo_iface *w = want_node ? topo_iface_find(want_node, l->name) : NULL;
			bool br = strcmp(l->name, TOPO_BRIDGE_DEV) == 0;
			/* The bridge of one of our bridge nodes, made but not marked (a run stopped in
			 * between): nobody else's. The file names no br0, so this comes first. */
			if (br && !root && strcmp(l->kind, "bridge") == 0 && want_node &&
			    want_node->kind == NODE_BRIDGE && !l->alias[0]) {
				take_iface(have, node, l, master)->unmarked = true;
				continue;
			}
			if (!w || !(root || w->link >= 0 || br))
				continue;
			/* Unmarked, not marked otherwise: an alias is always written by someone. */
			if (w->link >= 0 && strcmp(l->kind, "veth") == 0 && !l->alias[0]) {
				if (st->n == st->cap) {
					st->cap = st->cap ? st->cap * 2 : 8;
					st->v = xrealloc(st->v, st->cap * sizeof(*st->v));
				}
				struct kstray *s = &st->v[st->n++];
				*s = (struct kstray){ .kn = kn, .node = node, .want = w, .l = *l };
				snprintf(s->master, sizeof(s->master), "%s", master ? master : "");
				continue;
			}
			kview_collide(kv, w->loc, "%s: interface %s exists and is not this lab's (%s)",
				node->name, l->name,
				l->alias[0] ? l->alias : "no nstopo marker: made by someone else");
			continue;
		}
		if (root)
			kview_note_ifindex(kv, kn, l->name, l->ifindex);
		struct topo_iface *iface = take_iface(have, node, l, master);
		if (owned && m.fields == 5)
			iface->peer = arena_printf(&have->arena, "%s:%s", m.peer_node, m.peer_if);
	}
}

static void take_addrs(struct topo_lab *have, struct topo_node *node, const struct nlr_ifaddr *a,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct topo_iface *iface = iface_by_index(node, a[i].ifindex);
		if (!iface)
			continue;
		if (a[i].c.family == AF_INET6 && addr_is_link_local6(a[i].c.a))
			continue;
		if (strcmp(iface->name, "lo") == 0 && node->kind != NODE_ROOT && is_loopback_default(&a[i].c))
			continue;
		topo_addr_add(have, iface, &a[i].c, (struct srcloc){ 0 });
	}
}

static void take_routes(struct topo_lab *have, struct topo_node *node, const struct nlr_route *r,
			size_t n, const struct nlr_link *links, size_t nl)
{
	bool root = node->kind == NODE_ROOT;
	for (size_t i = 0; i < n; i++) {
		if (r[i].table != RT_TABLE_MAIN || r[i].type != RTN_UNICAST)
			continue;
		if (root ? r[i].protocol != TOPO_RTPROT : !route_proto_owned(r[i].protocol))
			continue;
		const struct topo_iface *oif = r[i].oif ? iface_by_index(node, r[i].oif) : NULL;
		if (root && !oif)
			continue; /* the host's own route: not the lab's even with our protocol */
		struct topo_route *t = ARENA_PUSH(&have->arena, node->routes, node->n_routes, node->cap_routes);
		t->to = r[i].dst;
		t->metric = r[i].metric;
		t->has = ROUTE_HAS_METRIC;
		t->proto = r[i].protocol;
		t->oif = r[i].oif;
		if (r[i].has_via) {
			memcpy(t->via, r[i].via, 16);
			t->has |= ROUTE_HAS_VIA;
		}
		const char *dev = r[i].oif ? name_by_index(links, nl, r[i].oif) : NULL;
		if (dev) {
			snprintf(t->dev, sizeof(t->dev), "%s", dev);
			t->has |= ROUTE_HAS_DEV;
		}
		if (r[i].multipath)
			t->has &= ~ROUTE_HAS_VIA; /* differs from any single-gateway route in the file */
	}
}

/* The node's NAT table is the lab's only when its comment is the node's NAT marker: a table
 * of that name without it was made by hand (or by an nstopo that wrote none) and is left alone,
 * a collision when the file wants the table. */
static int take_nat(struct kview *kv, struct knode *kn, struct topo_lab *have, struct topo_node *node,
		    const struct topo_node *want_node, struct nst_err *err)
{
	struct nftw *nf = netns_nft(&kn->ns, err);
	struct nftw_found f;
	if (!nf || nftw_nat_get(nf, TOPO_NAT_TABLE, want_node->nat, want_node->n_nat, &f, err) < 0)
		return -1;
	char marker[128];
	marker_nat(marker, sizeof(marker), have->name, node->name);
	if (f.exists && (!f.userdata || strcmp(f.userdata, marker) != 0)) {
		if (want_node->has_nat || want_node->n_nat)
			kview_collide(kv, want_node->loc,
				"%s: nftables table inet %s exists and is not this lab's (comment %s%s%s, "
				"not \"%s\")", node->name, TOPO_NAT_TABLE, f.userdata ? "\"" : "",
				f.userdata ? f.userdata : "none", f.userdata ? "\"" : "", marker);
		nftw_found_free(&f);
		return 0;
	}
	node->has_nat = f.exists;
	node->nat_intact = f.intact;
	for (size_t i = 0; i < f.n; i++) {
		struct topo_nat *r = ARENA_PUSH(&have->arena, node->nat, node->n_nat, node->cap_nat);
		memset(r, 0, sizeof(*r));
		r->text = arena_strdup(&have->arena, f.texts[i]);
	}
	nftw_found_free(&f);
	return 0;
}

/* A table named as the lab's uplink table is the lab's only with the lab's uplink marker as
 * its comment, or the comment nstopo wrote before it named the lab ("nstopo uplink ..."), so that
 * a lab brought up by that version still goes down and puts forwarding back. */
static bool uplink_owned(const char *userdata, const char *lab, bool *legacy)
{
	struct marker_uplink m;
	*legacy = false;
	if (!marker_uplink_parse(userdata, &m) || (!m.legacy && strcmp(m.lab, lab) != 0))
		return false;
	*legacy = m.legacy;
	return true;
}

/* The lab's uplink table in the root namespace, compared with the file's uplink. */
static int take_uplink(struct kview *kv, struct knode *kn, struct topo_lab *have,
		       const struct topo_lab *want, struct nst_err *err)
{
	const struct topo_uplink *u = want ? want->uplink : NULL;
	const struct topo_node *host = want ? topo_node_find(want, TOPO_HOST_NODE) : NULL;
	const char **from = xcalloc(host ? host->n_ifaces + 1 : 1, sizeof(*from));
	size_t n_from = 0;
	for (size_t i = 0; host && i < host->n_ifaces; i++)
		if (host->ifaces[i].link >= 0)
			from[n_from++] = host->ifaces[i].name;
	struct nftw *nf = netns_nft(&kn->ns, err);
	struct nftw_found f = { 0 };
	char table[64];
	int rc = -1;
	if (!nf || nftw_uplink_get(nf, topo_uplink_table(table, sizeof(table), have->name),
				   u ? u->host_interface : "-", from, n_from, u && u->masquerade, &f,
				   err) < 0)
		goto out;
	bool legacy;
	if (f.exists && !uplink_owned(f.userdata, have->name, &legacy)) {
		if (u)
			kview_collide(kv, u->loc, "host: nftables table inet %s exists and is not this lab's "
				"(comment %s%s%s, not an nstopo uplink marker of lab %s)", table,
				f.userdata ? "\"" : "", f.userdata ? f.userdata : "none",
				f.userdata ? "\"" : "", have->name);
	} else if (f.exists) {
		struct topo_uplink *h = arena_alloc(&have->arena, sizeof(*h));
		/* The older comment is rewritten with the lab's marker (keeping the saved value). */
		h->intact = f.intact && u && !legacy;
		h->userdata = f.userdata ? arena_strdup(&have->arena, f.userdata) : NULL;
		char value[32];
		struct nst_err ignored = { 0 };
		h->ip_forward = sysctl_read("net.ipv4.ip_forward", value, sizeof(value), &ignored) == 0
					? arena_strdup(&have->arena, value)
					: NULL;
		have->uplink = h;
	}
	rc = 0;
out:
	nftw_found_free(&f);
	free(from);
	return rc;
}

static int dump_node(struct kview *kv, struct strays *st, struct knode *kn, struct topo_lab *have, const char *lab,
		     struct topo_node *node, const struct topo_node *want_node, struct nst_err *err)
{
	struct nlr_link *links = NULL;
	struct nlr_ifaddr *addrs = NULL;
	struct nlr_route *routes = NULL;
	size_t nl = 0, na = 0, nr = 0;
	int rc = -1;
	struct nlr *sock = netns_nl(&kn->ns, err);
	if (!sock || nlr_link_dump(sock, &links, &nl, err) < 0)
		goto out;
	take_links(kv, st, kn, have, lab, node, want_node, links, nl);
	if (qdisc_observe(sock, have, node, err) < 0)
		goto out;
	if (nlr_addr_dump(sock, &addrs, &na, err) < 0 || nlr_route_dump(sock, &routes, &nr, err) < 0)
		goto out;
	take_addrs(have, node, addrs, na);
	take_routes(have, node, routes, nr, links, nl);
	if (node->kind != NODE_ROOT) {
		node->has_env = nodens_exists(lab, node->name) == 1;
		char hn[256];
		struct nst_err ignored = { 0 };
		if (node->has_env && want_node &&
		    nodens_hostname_get(lab, node->name, hn, sizeof(hn), &ignored) == 0)
			node->uts_name = arena_strdup(&have->arena, hn);
		node->exec_record = store_exec_read(&have->arena, lab, node->name);
		store_read_node(have, node, lab, want_node);
	}
	/* A node's NAT table matters only while the node stays (it goes with its namespace). */
	if (node->kind != NODE_ROOT && want_node && take_nat(kv, kn, have, node, want_node, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		nst_err_obj(err, "%s", node->kind == NODE_ROOT ? "host" : node->netns);
	free(links);
	free(addrs);
	free(routes);
	return rc;
}

/* ---- links from their ends ---- */

/* The file's other end of the link an interface is on. */
static void want_peer(const struct topo_lab *want, const struct topo_iface *w, const char **node,
		      const char **ifname)
{
	const struct topo_link *l = &want->links[w->link];
	int k = topo_end_iface(want, &l->end[0]) == w;
	*node = topo_end_node(want, &l->end[k])->name;
	*ifname = topo_end_iface(want, &l->end[k])->name;
}

static const struct kstray *stray_find(const struct strays *st, const char *node, const char *ifname)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].node->name, node) == 0 && strcmp(st->v[i].l.name, ifname) == 0)
			return &st->v[i];
	return NULL;
}

/* A stray veth end is ours when its peer is the file's other end, in the lab's namespace, and
 * that end (marked, naming this one, or a stray too) has this one as its own peer: nstopo
 * stopped between creating the pair and marking it. Anything else is someone else's. */
static void adopt_strays(struct kview *kv, const struct strays *st, const struct topo_lab *want,
			 struct topo_lab *have)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct kstray *s = &st->v[i];
		const char *pnode, *pif;
		want_peer(want, s->want, &pnode, &pif);
		int p_ifindex = 0, p_peer = -1;
		struct topo_node *hn = topo_node_find(have, pnode);
		const struct topo_iface *o = hn ? topo_iface_find(hn, pif) : NULL;
		const struct kstray *os = stray_find(st, pnode, pif);
		char back[512];
		snprintf(back, sizeof(back), "%s:%s", s->node->name, s->l.name);
		if (o && o->peer && strcmp(o->peer, back) == 0) {
			p_ifindex = o->ifindex;
			p_peer = o->peer_ifindex;
		} else if (os) {
			p_ifindex = os->l.ifindex;
			p_peer = os->l.link;
		}
		if (p_ifindex && p_ifindex == s->l.link && p_peer == s->l.ifindex) {
			struct topo_iface *iface = take_iface(have, s->node, &s->l, s->master);
			iface->unmarked = true;
			iface->peer = arena_printf(&have->arena, "%s:%s", pnode, pif);
			if (s->node->kind == NODE_ROOT)
				kview_note_ifindex(kv, s->kn, s->l.name, s->l.ifindex);
			continue;
		}
		kview_collide(kv, s->want->loc, "%s: interface %s exists and is not this lab's (%s)",
			s->node->name, s->l.name,
			s->l.alias[0] ? s->l.alias : "no nstopo marker: made by someone else");
	}
}

static void pair_links(struct topo_lab *have)
{
	for (size_t i = 0; i < have->n_nodes; i++) {
		struct topo_node *node = have->nodes[i];
		for (size_t j = 0; j < node->n_ifaces; j++) {
			struct topo_iface *a = &node->ifaces[j];
			if (!a->peer || a->link >= 0)
				continue;
			char pnode[256];
			const char *colon = strchr(a->peer, ':');
			snprintf(pnode, sizeof(pnode), "%.*s", (int)(colon - a->peer), a->peer);
			ptrdiff_t pi = topo_node_index(have, pnode);
			struct topo_iface *b = pi >= 0 ? topo_iface_find(have->nodes[pi], colon + 1) : NULL;
			char back[512];
			snprintf(back, sizeof(back), "%s:%s", node->name, a->name);
			/* Both markers name each other and the kernel's own peer indexes agree. */
			if (!b || b->link >= 0 || !b->peer || strcmp(b->peer, back) != 0 ||
			    a->peer_ifindex != b->ifindex || b->peer_ifindex != a->ifindex)
				continue;
			struct topo_link *l = ARENA_PUSH(&have->arena, have->links, have->n_links, have->cap_links);
			l->end[0] = (struct topo_end){ (uint32_t)i, (uint32_t)j, { 0 } };
			l->end[1] = (struct topo_end){ (uint32_t)pi, (uint32_t)(b - have->nodes[pi]->ifaces), { 0 } };
			a->link = b->link = (int32_t)(have->n_links - 1);
		}
	}
}

/* ---- the whole lab ---- */

static int observe_namespaces(const char *lab, struct topo_lab *want, struct topo_lab *have,
			      struct kview *kv, struct strays *st, struct nst_err *err)
{
	char **names;
	size_t n;
	if (netns_list(&names, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct netns ns;
		int found = netns_open(names[i], &ns, err);
		if (found <= 0) {
			rc = found;
			continue;
		}
		struct visit v = { .have = have, .want = want, .lab = lab };
		if (netns_call(&ns, visit_inside, &v, err) < 0) {
			nst_err_obj(err, "namespace %s", names[i]);
			netns_close(&ns);
			rc = -1;
			continue;
		}
		if (v.ours && !kview_node(kv, names[i])) {
			struct knode *kn = kview_add(kv, names[i], &ns);
			rc = dump_node(kv, st, kn, have, lab, v.node, v.want_node, err);
			continue;
		}
		/* Not ours: a collision when the file wants that name. */
		for (size_t j = 0; want && j < want->n_nodes; j++) {
			const struct topo_node *w = want->nodes[j];
			if (w->kind == NODE_ROOT || strcmp(topo_node_netns(want, w), names[i]) != 0)
				continue;
			if (v.marked)
				kview_collide(kv, w->loc, "%s: network namespace %s belongs to node %s of lab %s",
					w->name, names[i], v.m.node, v.m.lab);
			else if (v.alias[0])
				kview_collide(kv, w->loc, "%s: network namespace %s exists and is not this lab's "
					"(its lo is marked \"%s\", not a marker of this lab's node %s)",
					w->name, names[i], v.alias, w->name);
			else
				kview_collide(kv, w->loc, "%s: network namespace %s exists and is not this lab's "
					"(no nstopo marker: made by hand, e.g. `ip netns add`?)",
					w->name, names[i]);
		}
		netns_close(&ns);
	}
	netns_list_free(names, n);
	return rc;
}

static bool runs_programs(const struct topo_lab *want)
{
	for (size_t i = 0; want && i < want->n_nodes; i++)
		if (want->nodes[i]->kind == NODE_FRR || want->nodes[i]->kind == NODE_BIRD ||
		    want->nodes[i]->n_execs)
			return true;
	return false;
}

/* The daemons nstopo started in the lab's nodes, found by the tags in their environment. */
static void take_daemons(struct topo_lab *have, const struct topo_lab *want)
{
	if (!runs_programs(want))
		return;
	struct run_proc *p;
	size_t n = run_find_tagged(have->name, &p);
	for (size_t i = 0; i < n; i++) {
		struct topo_node *node = topo_node_find(have, p[i].node);
		if (!node || node->kind == NODE_ROOT || strcmp(p[i].role, "daemon") != 0)
			continue;
		*ARENA_PUSH(&have->arena, node->running, node->n_running, node->cap_running) =
			arena_strdup(&have->arena, p[i].comm);
	}
	free(p);
}

/* Whether each node sees its store entries where the file puts them: an entry whose lay failed
 * (or was undone in the node) is drift, not "up to date". Asked only for nodes the file still has,
 * with entries; one child visits them all, none is forked when there are none. */
static int take_seen(struct topo_lab *have, const struct topo_lab *want, struct nst_err *err)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; want && i < have->n_nodes; i++) {
		const struct topo_node *node = have->nodes[i];
		if (node->kind != NODE_ROOT && node->has_env && topo_node_find(want, node->name))
			n += node->n_files;
	}
	if (n == 0)
		return 0;
	struct nodens_seen *e = xcalloc(n, sizeof(*e));
	struct topo_file **of = xcalloc(n, sizeof(*of));
	for (size_t i = 0; i < have->n_nodes; i++) {
		struct topo_node *node = have->nodes[i];
		if (node->kind == NODE_ROOT || !node->has_env || !topo_node_find(want, node->name))
			continue;
		for (size_t j = 0; j < node->n_files; j++) {
			char entry[4096];
			struct stat st;
			store_path(entry, sizeof(entry), have->name, node->name, node->files[j].path);
			if (lstat(entry, &st) < 0)
				continue; /* gone since it was read: the digest tells */
			e[k] = (struct nodens_seen){ .node = node->name, .target = node->files[j].path,
						     .dev = st.st_dev, .ino = st.st_ino };
			of[k++] = &node->files[j];
		}
	}
	int rc = nodens_seen(have->name, e, k, err);
	for (size_t i = 0; rc == 0 && i < k; i++)
		of[i]->unseen = !e[i].laid;
	free(e);
	free(of);
	return rc;
}

int observe_lab(const char *lab_name, struct topo_lab *want, struct topo_lab **have,
		struct kview *kv, struct nst_err *err)
{
	struct topo_lab *h = topo_lab_new();
	h->name = arena_strdup(&h->arena, lab_name);
	*have = h;
	struct strays st = { 0 };
	int rc = -1;
	if (observe_namespaces(lab_name, want, h, kv, &st, err) < 0)
		goto out;
	if (take_seen(h, want, err) < 0) {
		nst_err_wrap(err, "check what the nodes see");
		goto out;
	}
	/* The host's own namespace: only interfaces that carry this lab's marker. */
	struct netns home = *netns_home();
	home.nl = NULL;
	struct knode *kn = kview_add(kv, NULL, &home);
	kn->ns.name = NULL;
	struct topo_node *host = topo_node_add(h, TOPO_HOST_NODE, (struct srcloc){ 0 });
	const struct topo_node *want_host = want ? topo_node_find(want, TOPO_HOST_NODE) : NULL;
	if (dump_node(kv, &st, kn, h, lab_name, host, want_host, err) < 0)
		goto out;
	if (take_uplink(kv, kn, h, want, err) < 0) {
		nst_err_obj(err, "host");
		goto out;
	}
	adopt_strays(kv, &st, want, h);
	pair_links(h);
	char dir[512];
	struct stat sb;
	paths_lab_dir(dir, sizeof(dir), lab_name);
	h->has_run_dir = lstat(dir, &sb) == 0; /* a symlink there is refused by the lock */
	h->hosts = store_hosts_read(&h->arena, lab_name);
	take_daemons(h, want);
	rc = 0;
out:
	free(st.v);
	return rc;
}

/* ---- finding nodes of any lab (exec, list) ---- */

int observe_find_nodes(const char *lab, const char *node, struct lab_node_ref **out, size_t *n,
		       struct nst_err *err)
{
	char **names;
	size_t count, cap = 0;
	*out = NULL;
	*n = 0;
	if (netns_list(&names, &count, err) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct netns ns;
		if (netns_open(names[i], &ns, err) <= 0)
			continue;
		struct visit v = { .lab = lab };
		int rc = netns_call(&ns, visit_inside, &v, err);
		netns_close(&ns);
		if (rc < 0 || !v.ours || (node && strcmp(v.m.node, node) != 0))
			continue;
		if (*n == cap)
			*out = xrealloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(**out));
		(*out)[(*n)++] = (struct lab_node_ref){ xstrdup(v.m.lab), xstrdup(v.m.node),
							xstrdup(names[i]) };
	}
	netns_list_free(names, count);
	return 0;
}

void observe_refs_free(struct lab_node_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(refs[i].lab);
		free(refs[i].node);
		free(refs[i].netns);
	}
	free(refs);
}
