/* apply.c - the executor; see apply.h.
 * Recovery goes forward: every object is marked as the lab's when it is made, so after a refusal
 * (or a kill) the next `up` finishes the plan and `down` removes what was made. */
#include "apply.h"
#include "observe.h"
#include "paths.h"
#include "marker.h"
#include "nft.h"
#include "nodens.h"
#include "store.h"
#include "nl.h"
#include "qdisc.h"
#include "run.h"
#include "sysctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#define FRR_DAEMON_DIR "/usr/lib/frr"

struct applier {
	const struct plan *p;
	struct topo_lab *want;
	const char *lab;
	struct kview *kv;
	struct strmap nat_done; /* nodes whose NAT table this run has written */
	struct strmap promoted; /* nodes whose promote_secondaries this run has switched on */
	/* Second ends of new links, brought up once every link exists (see link_add). */
	struct pending_up {
		const struct action *link;
		struct knode *kn;
		const char *ifname;
	} *pending;
	size_t n_pending, cap_pending;
	char **intent; /* the names the lab recorded (netns_intent_list), once read */
	size_t n_intent;
	bool intent_read;
	const struct apply_opts *opts;
};

static struct knode *knode_of(struct applier *A, const struct action *a, struct nst_err *err)
{
	const char *ns = a->node->kind == NODE_ROOT ? NULL
			 : a->lab == A->want       ? topo_node_netns(A->want, a->node)
						   : a->node->netns;
	struct knode *kn = kview_node(A->kv, ns);
	if (!kn)
		nst_err_set(err, ENOENT, "namespace %s is not open", ns ? ns : "(host)");
	return kn;
}

static struct nlr *nl_of(struct knode *kn, struct nst_err *err)
{
	return kn ? netns_nl(&kn->ns, err) : NULL;
}

/* ---- nodes ---- */

struct new_node {
	const char *lab, *node;
	bool ipv6; /* it has IPv6 addresses or runs routing daemons */
};

/* IPv6 duplicate address detection off before the node's interfaces exist (they inherit
 * "default"), so link-local addresses work at once too (nstopo's own addresses are added with
 * NODAD anyway). Only where IPv6 is used: every /proc/sys lookup costs time proportional to the
 * number of namespaces on the machine. */
static const char *const node_ipv6_defaults[][2] = {
	{ "net.ipv6.conf.default.accept_dad", "0" },
	{ "net.ipv6.conf.all.accept_dad", "0" },
};

static bool node_uses_ipv6(const struct topo_node *n)
{
	if (n->kind == NODE_FRR || n->kind == NODE_BIRD)
		return true;
	for (size_t i = 0; i < n->n_ifaces; i++)
		for (size_t a = 0; a < n->ifaces[i].n_addrs; a++)
			if (n->ifaces[i].addrs[a].c.family == AF_INET6)
				return true;
	return false;
}

/* Inside a new namespace, before it has a name: lo up and marked, and the defaults above. */
static int init_node_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	const struct new_node *nn = arg;
	char marker[300];
	marker_node(marker, sizeof(marker), nn->lab, nn->node);
	ns->nl = nlr_open(err);
	if (!ns->nl)
		return -1;
	struct nlr_link_change lo = { .set = NLR_SET_UP | NLR_SET_ALIAS, .alias = marker };
	if (nlr_link_set(ns->nl, 1, NULL, &lo, err) < 0)
		return nst_err_wrap(err, "bring up and mark lo");
	for (size_t i = 0; nn->ipv6 && i < sizeof(node_ipv6_defaults) / sizeof(*node_ipv6_defaults); i++)
		if (sysctl_write(node_ipv6_defaults[i][0], node_ipv6_defaults[i][1], err) < 0)
			return -1;
	return 0;
}

/* The node's hostname, private /run and /tmp, and the lab's /etc/hosts. */
static int node_env_add_in(struct applier *A, const struct topo_node *node, struct netns *ns,
			   bool background, struct nst_err *err)
{
	if (netns_fd(ns, err) < 0) /* passed to the spawner */
		return -1;
	char hosts[512];
	paths_hosts(hosts, sizeof(hosts), A->lab);
	/* What a namespace deleted by hand left behind is not worth keeping. */
	if (nodens_remove(A->lab, node->name, err) < 0 || store_remove_node(A->lab, node->name, err) < 0)
		return -1;
	struct nodens_spec s = { .lab = A->lab, .node = node->name, .hostname = node->hostname,
				 .net = ns, .hosts_file = hosts };
	return background ? nodens_create_start(&s, err) : nodens_create(&s, err);
}

static int node_env_add(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	return kn ? node_env_add_in(A, a->node, &kn->ns, false, err) : -1;
}

/* The names the lab recorded before taking them (netns.h), read once per run when needed. */
static int intent_of(struct applier *A, struct nst_err *err)
{
	if (A->intent_read)
		return 0;
	if (netns_intent_list(A->lab, &A->intent, &A->n_intent, err) < 0)
		return -1;
	A->intent_read = true;
	return 0;
}

/* An empty /run/netns/NAME that this lab recorded is what a killed run left (before binding
 * the namespace, or after unbinding it): removed. Another's is left alone. */
static int placeholder_del(struct applier *A, const char *name, struct nst_err *err)
{
	if (!netns_is_placeholder(name))
		return 0;
	if (intent_of(A, err) < 0)
		return -1;
	if (netns_intent_has(A->intent, A->n_intent, name))
		netns_remove_placeholder(name);
	return 0;
}

static int node_add(struct applier *A, const struct action *a, struct nst_err *err)
{
	const char *name = topo_node_netns(A->want, a->node);
	struct new_node nn = { A->lab, a->node->name, node_uses_ipv6(a->node) };
	struct netns ns;
	/* Recorded before the name is taken: a kill at any instruction from here on leaves
	 * nothing `down` cannot find (the name is marked only once the namespace is). */
	if (placeholder_del(A, name, err) < 0 || netns_intent_add(A->lab, name, err) < 0 ||
	    run_stop_leftover(A->lab, a->node->name, RUN_STOP_GRACE_MS, err) < 0 ||
	    netns_create(name, &ns, init_node_inside, &nn, err) < 0)
		return -1;
	struct knode *kn = kview_add(A->kv, name, &ns);
	return node_env_add_in(A, a->node, &kn->ns, true, err);
}

/* A node deleted from one namespace and made in another (the lab's `prefix:` changed), or a
 * second namespace of a node (observe.h): its cgroup, kept namespaces and files are the node's
 * that stays (node_add made them anew, ending the old ones), and stay. */
static bool node_moves(const struct applier *A, const struct action *a)
{
	return strstr(a->node->name, OBSERVE_STALE_SEP) ||
	       (A->want && topo_node_find(A->want, a->node->name) != NULL);
}

/* Ends the processes of every node the plan removes (cgroup and namespaces, see run.h), in one
 * pass over /proc. */
static int stop_processes(struct applier *A, struct nst_err *err)
{
	size_t n = 0;
	struct run_node *v = xcalloc(A->p->n + 1, sizeof(*v));
	for (size_t i = 0; i < A->p->n; i++) {
		const struct action *a = &A->p->v[i];
		if (a->kind != ACT_NODE_DEL || node_moves(A, a))
			continue;
		struct knode *kn = kview_node(A->kv, a->node->netns);
		v[n++] = (struct run_node){ .node = a->node->name, .net = kn ? kn->ns.ino : 0 };
	}
	int rc = run_stop_nodes(A->lab, v, n, RUN_STOP_GRACE_MS, err);
	free(v);
	return rc < 0 ? -1 : 0;
}

static int node_del(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = kview_node(A->kv, a->node->netns);
	if (kn) {
		/* Our own sockets would keep the namespace alive. */
		netns_close_sockets(&kn->ns);
	}
	if (!node_moves(A, a) && (nodens_remove(A->lab, a->node->name, err) < 0 ||
				  store_remove_node(A->lab, a->node->name, err) < 0))
		return -1;
	return netns_remove(a->node->netns, err);
}

/* ---- links ---- */

static int mark_iface(struct knode *kn, const char *lab, const char *node, const char *ifname,
		      const char *peer_node, const char *peer_if, unsigned extra, int master,
		      struct nst_err *err)
{
	char marker[600];
	marker_iface(marker, sizeof(marker), lab, node, ifname, peer_node, peer_if);
	struct nlr_link_change c = { .set = NLR_SET_ALIAS | extra, .alias = marker, .master = master };
	struct nlr *nl = nl_of(kn, err);
	return nl ? nlr_link_set(nl, 0, ifname, &c, err) : -1;
}

static int bridge_add(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nlr *nl = nl_of(kn, err);
	if (!nl || nlr_bridge_add(nl, TOPO_BRIDGE_DEV, err) < 0)
		return -1;
	return mark_iface(kn, A->lab, a->node->name, TOPO_BRIDGE_DEV, NULL, NULL, 0, 0, err);
}

static int link_add(struct applier *A, const struct action *a, struct nst_err *err)
{
	const struct topo_lab *lab = A->want;
	const struct topo_end *e = a->link->end;
	/* The end inside a bridge node goes first: only the first end can join a bridge in the
	 * creating message. */
	int p = topo_end_node(lab, &e[1])->kind == NODE_BRIDGE &&
		topo_end_node(lab, &e[0])->kind != NODE_BRIDGE;
	const struct topo_node *np = topo_end_node(lab, &e[p]), *nq = topo_end_node(lab, &e[!p]);
	const struct topo_iface *ip = topo_end_iface(lab, &e[p]), *iq = topo_end_iface(lab, &e[!p]);
	struct knode *kp = kview_node(A->kv, np->kind == NODE_ROOT ? NULL : topo_node_netns(A->want, np));
	struct knode *kq = kview_node(A->kv, nq->kind == NODE_ROOT ? NULL : topo_node_netns(A->want, nq));
	if (!kp || !kq)
		return nst_err_set(err, ENOENT, "a namespace of the link is not open");
	int mp = 0, mq = 0;
	if (np->kind == NODE_BRIDGE && (mp = kview_ifindex(A->kv, kp, TOPO_BRIDGE_DEV, err)) <= 0)
		return mp < 0 ? -1 : nst_err_set(err, ENODEV, "%s has no bridge", np->name);
	if (nq->kind == NODE_BRIDGE && (mq = kview_ifindex(A->kv, kq, TOPO_BRIDGE_DEV, err)) <= 0)
		return mq < 0 ? -1 : nst_err_set(err, ENODEV, "%s has no bridge", nq->name);
	struct nlr_veth_end ep = { ip->name, -1, plan_wanted_mtu(lab, ip),
				   (ip->has & IFACE_HAS_MAC) ? ip->mac : NULL, mp };
	/* kq's fd first: kp's socket may set aside a namespace used longer ago, never kq. */
	int qfd = netns_fd(&kq->ns, err);
	struct nlr_veth_end eq = { iq->name, qfd, plan_wanted_mtu(lab, iq),
				   (iq->has & IFACE_HAS_MAC) ? iq->mac : NULL, 0 };
	struct nlr *nl = qfd < 0 ? NULL : nl_of(kp, err);
	if (!nl || nlr_veth_add(nl, &ep, &eq, err) < 0)
		return -1;
	kview_forget_ifindex(kp, ip->name);
	kview_forget_ifindex(kq, iq->name);
	if (mark_iface(kp, A->lab, np->name, ip->name, nq->name, iq->name, 0, 0, err) < 0 ||
	    mark_iface(kq, A->lab, nq->name, iq->name, np->name, ip->name, mq ? NLR_SET_MASTER : 0, mq,
		       err) < 0)
		return -1;
	/* The peer cannot come up in the creating message (the kernel refuses, ENOTCONN), and is
	 * better brought up after all links are made: a link with carrier sets the kernel to work
	 * (IPv6 DAD, link watch, a bridge flooding the new port's traffic to every other port),
	 * which holds the RTNL lock that the next link's creation waits for. On a 1000-host
	 * bridge that wait doubled the time of `up`. */
	if (A->n_pending == A->cap_pending)
		A->pending = xrealloc(A->pending, (A->cap_pending = A->cap_pending ? 2 * A->cap_pending : 64) *
							  sizeof(*A->pending));
	A->pending[A->n_pending++] = (struct pending_up){ a, kq, iq->name };
	return 0;
}

/* The neighbours of an interface keep its old MAC (for up to a minute) unless it announces the
 * new one: with these on, the kernel sends a gratuitous ARP and an unsolicited neighbour
 * advertisement when the address changes, and every neighbour takes it at once. */
static int notify_peers_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	const char *ifname = arg;
	char key[128], name[TOPO_IFNAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", ifname);
	for (char *c = name; *c; c++)
		if (*c == '.')
			*c = '/'; /* as sysctl writes a '.' in an interface's name */
	snprintf(key, sizeof(key), "net.ipv4.conf.%s.arp_notify", name);
	if (sysctl_write(key, "1", err) < 0)
		return -1;
	snprintf(key, sizeof(key), "net.ipv6.conf.%s.ndisc_notify", name);
	if (sysctl_write(key, "1", err) == 0)
		return 0;
	if (err->code != ENOENT)
		return -1;
	nst_err_clear(err); /* IPv6 switched off in the node has no such key */
	return 0;
}

static int link_set(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nlr *nl = nl_of(kn, err);
	if (!nl)
		return -1;
	struct nlr_link_change c = { 0 };
	if (a->change & CHG_UP)
		c.set |= NLR_SET_UP;
	if (a->change & CHG_MTU) {
		c.set |= NLR_SET_MTU;
		c.mtu = a->mtu;
	}
	if (a->change & CHG_MAC) {
		if (netns_call(&kn->ns, notify_peers_inside, (void *)a->iface->name, err) < 0)
			return -1;
		c.set |= NLR_SET_MAC;
		memcpy(c.mac, a->iface->mac, 6);
	}
	char marker[600];
	if (a->change & CHG_MARK) {
		const char *pnode = NULL, *pif = NULL;
		if (a->iface->link >= 0) {
			const struct topo_link *l = &A->want->links[a->iface->link];
			int k = topo_end_iface(A->want, &l->end[0]) == a->iface;
			pnode = topo_end_node(A->want, &l->end[k])->name;
			pif = topo_end_iface(A->want, &l->end[k])->name;
		}
		marker_iface(marker, sizeof(marker), A->lab, a->node->name, a->iface->name, pnode, pif);
		c.set |= NLR_SET_ALIAS;
		c.alias = marker;
	}
	if (a->change & CHG_MASTER) {
		c.set |= NLR_SET_MASTER;
		if (a->master && (c.master = kview_ifindex(A->kv, kn, TOPO_BRIDGE_DEV, err)) <= 0)
			return c.master < 0 ? -1 : nst_err_set(err, ENODEV, "no bridge to join");
	}
	return nlr_link_set(nl, a->old->ifindex, NULL, &c, err);
}

static int qdisc_change(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nlr *nl = nl_of(kn, err);
	int ifindex = a->old ? a->old->ifindex : nl ? kview_ifindex(A->kv, kn, a->iface->name, err) : -1;
	if (ifindex <= 0)
		return ifindex < 0 ? -1 : nst_err_set(err, ENODEV, "no such interface");
	return qdisc_set(nl, ifindex, a->iface->impair, a->old ? a->old->impair : NULL, err);
}

static int link_del(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nlr *nl = nl_of(kn, err);
	if (!nl)
		return -1;
	if (nlr_link_del(nl, a->iface->ifindex, err) < 0)
		return -1;
	kview_forget_ifindex(kn, a->iface->name);
	if (a->link) {
		const struct topo_end *e = a->link->end;
		for (int i = 0; i < 2; i++) {
			const struct topo_node *n = topo_end_node(A->p->have, &e[i]);
			struct knode *k = kview_node(A->kv, n->kind == NODE_ROOT ? NULL : n->netns);
			if (k)
				kview_forget_ifindex(k, topo_end_iface(A->p->have, &e[i])->name);
		}
	}
	return 0;
}

/* ---- addresses, sysctls, routes ---- */

/* arg: NULL for the whole node, else the name of the lab's own end in the host (the host's
 * other interfaces keep the host's setting). */
static int promote_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	char name[TOPO_IFNAME_MAX + 1], key[128];
	snprintf(name, sizeof(name), "%s", arg ? (const char *)arg : "all");
	for (char *c = name; *c; c++)
		if (*c == '.')
			*c = '/'; /* as sysctl writes a '.' in an interface's name */
	snprintf(key, sizeof(key), "net.ipv4.conf.%s.promote_secondaries", name);
	return sysctl_write(key, "1", err);
}

/* Drops what one node of the segment has cached for an address: only a node whose interface
 * was already there before this run can hold a stale entry. */
static int forget_on(struct applier *A, const struct topo_node *m, const struct topo_iface *mi,
		     const struct cidr *c, struct nst_err *err)
{
	const struct topo_node *hm = topo_node_find(A->p->have, m->name);
	const struct topo_iface *hi = hm ? topo_iface_find(hm, mi->name) : NULL;
	if (!hi || hi->ifindex <= 0)
		return 0;
	struct knode *kn = kview_node(A->kv, m->kind == NODE_ROOT ? NULL : topo_node_netns(A->want, m));
	struct nlr *nl = nl_of(kn, err);
	if (!nl)
		return kn ? -1 : 0;
	int ifindex = kview_ifindex(A->kv, kn, mi->name, err);
	if (ifindex <= 0)
		return ifindex;
	if (nlr_neigh_forget(nl, ifindex, c, err) < 0)
		return nst_err_wrap(err, "%s:%s", m->name, mi->name);
	return 0;
}

/* An address added here may have been another interface's a moment ago (it moved): the nodes
 * on this segment would go on sending to the old owner's MAC until their entry ages, as the
 * kernel announces no new address. So they forget it, and ask again on their next packet. */
static int forget_stale_neighbours(struct applier *A, const struct action *a, struct nst_err *err)
{
	if (a->iface->link < 0)
		return 0;
	const struct topo_link *l = &A->want->links[a->iface->link];
	int far = topo_end_iface(A->want, &l->end[0]) == a->iface;
	const struct topo_node *fn = topo_end_node(A->want, &l->end[far]);
	if (!topo_node_find(A->p->have, fn->name))
		return 0; /* a new far end (and a new bridge's links are all new) caches nothing old */
	if (fn->kind != NODE_BRIDGE)
		return forget_on(A, fn, topo_end_iface(A->want, &l->end[far]), &a->addr, err);
	for (size_t i = 0; i < A->want->n_links; i++) {
		const struct topo_link *o = &A->want->links[i];
		for (int k = 0; k < 2; k++) {
			const struct topo_iface *mi = topo_end_iface(A->want, &o->end[!k]);
			if (topo_end_node(A->want, &o->end[k]) != fn || mi == a->iface)
				continue;
			if (forget_on(A, topo_end_node(A->want, &o->end[!k]), mi, &a->addr, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int addr_change(struct applier *A, const struct action *a, bool add, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nlr *nl = nl_of(kn, err);
	if (!nl)
		return -1;
	/* Deleting an interface's first IPv4 address would take the others (and the routes through
	 * them) along, unless secondaries are promoted: switched on where it matters, once per
	 * node; in the host, on the lab's end only, at each such deletion (they are few). */
	bool root = a->node->kind == NODE_ROOT;
	if (!add && a->addr.family == AF_INET && (root || !strmap_get(&A->promoted, a->node->name))) {
		if (netns_call(&kn->ns, promote_inside, root ? (void *)a->iface->name : NULL, err) < 0)
			return -1;
		if (!root)
			strmap_put(&A->promoted, a->node->name, (void *)1);
	}
	int ifindex = add ? kview_ifindex(A->kv, kn, a->iface->name, err) : a->iface->ifindex;
	if (ifindex <= 0)
		return ifindex < 0 ? -1 : nst_err_set(err, ENODEV, "no interface %s", a->iface->name);
	if (!add)
		return nlr_addr_del(nl, ifindex, &a->addr, err);
	if (nlr_addr_add(nl, ifindex, &a->addr, err) < 0)
		return -1;
	return forget_stale_neighbours(A, a, err);
}

struct sysctl_batch {
	const struct action *v;
	size_t n;
	size_t failed; /* index of the action that failed */
};

static int write_sysctls_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	struct sysctl_batch *b = arg;
	for (size_t i = 0; i < b->n; i++)
		if (sysctl_write(b->v[i].sysctl->key, b->v[i].sysctl->value, err) < 0) {
			b->failed = i;
			return -1;
		}
	return 0;
}

static int route_change(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nlr *nl = nl_of(kn, err);
	if (!nl)
		return -1;
	const struct topo_route *r = a->route;
	struct nlr_route nr = { .dst = r->to, .metric = topo_route_metric(r), .type = RTN_UNICAST };
	nr.has_via = (r->has & ROUTE_HAS_VIA) != 0;
	memcpy(nr.via, r->via, 16);
	if (a->kind == ACT_ROUTE_DEL) {
		nr.protocol = r->proto;
		nr.oif = r->oif;
		return nlr_route_del(nl, &nr, err);
	}
	nr.protocol = TOPO_RTPROT;
	if ((r->has & ROUTE_HAS_DEV) && (nr.oif = kview_ifindex(A->kv, kn, r->dev, err)) <= 0)
		return nr.oif < 0 ? -1 : nst_err_set(err, ENODEV, "no interface %s", r->dev);
	/* A route found in the kernel is replaced: one the plan re-adds may still be there. */
	return nlr_route_add(nl, &nr, a->old_route != NULL, err);
}

/* ---- NAT in nodes, the uplink in the host ---- */

/* Every NAT action of a node is the same deed: its whole table, as the file has it, in one
 * transaction. */
static int nat_write(struct applier *A, const struct action *a, struct nst_err *err)
{
	if (strmap_get(&A->nat_done, a->node->name))
		return 0;
	strmap_put(&A->nat_done, a->node->name, (void *)1);
	struct knode *kn = knode_of(A, a, err);
	struct nftw *nf = kn ? netns_nft(&kn->ns, err) : NULL;
	if (!nf)
		return -1;
	char marker[128];
	marker_nat(marker, sizeof(marker), A->lab, a->node->name);
	return nftw_nat_set(nf, TOPO_NAT_TABLE, a->node->nat, a->node->n_nat, marker, err);
}

static int nat_table_del(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	struct nftw *nf = kn ? netns_nft(&kn->ns, err) : NULL;
	return nf ? nftw_table_del(nf, TOPO_NAT_TABLE, err) : -1;
}

/* The root's forwarding value from before the first lab's uplink asked for it, as that lab's
 * table comment keeps it (an uplink marker, see marker.h); NULL when no table keeps one. */
static const char *saved_forwarding(const char *userdata, char *buf, size_t len)
{
	struct marker_uplink m;
	if (!marker_uplink_parse(userdata, &m) || !m.forward_before[0])
		return NULL;
	snprintf(buf, len, "%s", m.forward_before);
	return buf;
}

/* A table is another lab's uplink table when its name is that lab's and its comment the lab's
 * uplink marker (or the older one, which names no lab): a look-alike keeps no value for us. */
static bool others_uplink_table(const struct nftw_table *t, const char *own_table)
{
	struct marker_uplink m;
	char name[64];
	if (strcmp(t->name, own_table) == 0 || !marker_uplink_parse(t->userdata, &m))
		return false;
	return m.legacy || strcmp(topo_uplink_table(name, sizeof(name), m.lab), t->name) == 0;
}

/* Another lab's uplink table that keeps the original forwarding value, into buf. */
static const char *others_saved_forwarding(struct nftw *nf, const char *own_table, char *buf,
					   size_t len, struct nst_err *err, int *rc)
{
	struct nftw_table *t;
	size_t n;
	const char *found = NULL;
	*rc = nftw_tables_list(nf, "nstopo_", &t, &n, err);
	for (size_t i = 0; *rc == 0 && i < n && !found; i++)
		if (others_uplink_table(&t[i], own_table))
			found = saved_forwarding(t[i].userdata, buf, len);
	if (*rc == 0)
		nftw_tables_free(t, n);
	return found;
}

static int uplink_set(struct applier *A, const struct action *a, struct nst_err *err)
{
	const struct topo_uplink *u = A->want->uplink, *h = A->p->have->uplink;
	struct knode *kn = kview_node(A->kv, NULL);
	struct nftw *nf = kn ? netns_nft(&kn->ns, err) : NULL;
	if (!nf)
		return -1;
	char table[64], saved[32], userdata[128];
	topo_uplink_table(table, sizeof(table), A->lab);
	const struct topo_node *host = topo_node_find(A->want, TOPO_HOST_NODE);
	const char **from = xcalloc(host ? host->n_ifaces + 1 : 1, sizeof(*from));
	size_t n_from = 0;
	for (size_t i = 0; host && i < host->n_ifaces; i++)
		if (host->ifaces[i].link >= 0)
			from[n_from++] = host->ifaces[i].name;
	int rc = 0;
	const char *before = NULL;
	if (u->forwarding) {
		/* What was there before any lab: kept by this lab's table, or another lab's, or now. */
		before = h ? saved_forwarding(h->userdata, saved, sizeof(saved)) : NULL;
		if (!before)
			before = others_saved_forwarding(nf, table, saved, sizeof(saved), err, &rc);
		if (rc == 0 && !before &&
		    (rc = sysctl_read("net.ipv4.ip_forward", saved, sizeof(saved), err)) == 0)
			before = saved;
	}
	marker_uplink(userdata, sizeof(userdata), A->lab, before);
	if (rc == 0)
		rc = nftw_uplink_set(nf, table, u->host_interface, from, n_from, u->masquerade, userdata, err);
	/* The table (keeping the old value) first: a stop in between still restores at down. */
	if (rc == 0 && u->forwarding)
		rc = sysctl_write("net.ipv4.ip_forward", "1", err);
	free(from);
	return rc;
}

static int uplink_del(struct applier *A, const struct action *a, struct nst_err *err)
{
	const struct topo_uplink *h = A->p->have->uplink;
	struct knode *kn = kview_node(A->kv, NULL);
	struct nftw *nf = kn ? netns_nft(&kn->ns, err) : NULL;
	if (!nf)
		return -1;
	char table[64], saved[32], other[32];
	topo_uplink_table(table, sizeof(table), A->lab);
	const char *before = saved_forwarding(h->userdata, saved, sizeof(saved));
	int rc = 0;
	/* Put forwarding back before the table that remembers it goes; only the last lab does. */
	if (before && !others_saved_forwarding(nf, table, other, sizeof(other), err, &rc) && rc == 0)
		rc = sysctl_write("net.ipv4.ip_forward", before, err);
	return rc == 0 ? nftw_table_del(nf, table, err) : rc;
}

/* ---- files, daemons and exec: lines ---- */

static int file_set(struct applier *A, const struct action *a, struct nst_err *err)
{
	int fresh = store_write(A->lab, a->node->name, a->file, err);
	/* An entry the node does not see (an earlier lay failed) is laid again. */
	if (fresh < 0 || (!fresh && !(a->change & FILE_CHG_UNSEEN)))
		return fresh < 0 ? -1 : 0;
	char source[4096];
	store_path(source, sizeof(source), A->lab, a->node->name, a->file->path);
	struct nodens_mount m = { source, a->file->path,
				  a->file->kind == FILE_DIR || (a->file->kind == FILE_FROM && a->file->from_dir) };
	return nodens_mount(A->lab, a->node->name, &m, 1, err);
}

static int file_del(struct applier *A, const struct action *a, struct nst_err *err)
{
	char source[4096];
	store_path(source, sizeof(source), A->lab, a->node->name, a->file->path);
	if (nodens_unmount(A->lab, a->node->name, source, a->file->path, err) < 0)
		return -1;
	return store_remove(A->lab, a->node->name, a->file->path, err);
}

/* Ends the node's processes nstopo started in one role ("daemon", "exec"). */
static int stop_role(struct applier *A, const char *node, const char *role, struct nst_err *err)
{
	return run_stop_role(A->lab, node, role, RUN_STOP_GRACE_MS, err) < 0 ? -1 : 0;
}

enum { EXEC_TIMEOUT_MS = 30000 };

/* A program's failure: its name, its status and the tail of its output. */
static int program_failed(const char *argv0, int status, uint32_t timeout_ms, char *tail,
			  struct nst_err *err)
{
	size_t l = strlen(tail);
	while (l && tail[l - 1] == '\n')
		tail[--l] = '\0';
	if (status < 0)
		nst_err_set(err, 0, "%s timed out after %gs and was stopped%s%s", argv0,
			    timeout_ms / 1000.0, l ? "; its output ends with:\n" : "", tail);
	else
		nst_err_set(err, 0, "%s exited with status %d%s%s", argv0, status,
			    l ? "; its output ends with:\n" : "", tail);
	return -1;
}

/* Runs one command in the node to its end; a failure names the command, its status and the
 * tail of its output. */
static int run_to_end_in(struct applier *A, const struct topo_node *node, struct knode *kn,
			 char *const argv[], const char *role, uint32_t timeout_ms,
			 struct nst_err *err);

static int run_to_end(struct applier *A, const struct topo_node *node, struct knode *kn,
		      char *const argv[], const char *role, struct nst_err *err)
{
	return run_to_end_in(A, node, kn, argv, role, EXEC_TIMEOUT_MS, err);
}

static int run_to_end_in(struct applier *A, const struct topo_node *node, struct knode *kn,
			 char *const argv[], const char *role, uint32_t timeout_ms,
			 struct nst_err *err)
{
	if (netns_fd(&kn->ns, err) < 0) /* entered by the program's process */
		return -1;
	char **env = topo_node_env_new(node);
	struct run_opts o = { .lab = A->lab, .node = node->name, .net = &kn->ns, .role = role,
			      .timeout_ms = timeout_ms, .env = (const char *const *)env };
	char tail[1024];
	int status;
	int started = run_in_node(argv, &o, &status, tail, sizeof(tail), err);
	topo_env_free(env);
	if (started < 0)
		return -1;
	if (status == 0)
		return 0;
	return program_failed(argv[0], status, timeout_ms, tail, err);
}

/* Many nodes' daemons at once (consecutive daemon starts in the plan): each step is started in
 * every node before any is waited for, the steps in order (zebra, which the others connect to;
 * the other daemons; vtysh -b, which configures them all), so that up still returns with every
 * daemon started and configured. Starting them one node after another took 140-160 ms a
 * router, most of it waiting for each program in turn. *failed is the action a failure is
 * said as. */
enum { DAEMON_JOBS_MAX = 64 }; /* programs started and not yet waited for (three fds each) */

struct daemon_job {
	struct run_job job;
	size_t action;
};

static int daemon_job_end(struct daemon_job *d, size_t *failed, bool *bad, struct nst_err *err)
{
	char tail[1024];
	int status;
	struct nst_err e = { 0 };
	int rc = run_finish(&d->job, &status, tail, sizeof(tail), &e);
	if (rc == 0 && status == 0)
		return 0;
	if (!*bad) { /* the first failure is the one said */
		*bad = true;
		*failed = d->action;
		if (rc < 0)
			*err = e;
		else
			program_failed(d->job.argv0, status, EXEC_TIMEOUT_MS, tail, err);
	}
	return -1;
}

static int daemons_start_many(struct applier *A, const struct action *v, size_t n, size_t *failed,
			      struct nst_err *err)
{
	for (size_t i = 0; i < n; i++) {
		/* Observe counted the node's running daemons (a->change): a new node has none to end. */
		struct knode *kn = knode_of(A, &v[i], err);
		if (!kn || netns_fd(&kn->ns, err) < 0 ||
		    (v[i].change && stop_role(A, v[i].node->name, "daemon", err) < 0)) {
			*failed = i;
			return -1;
		}
	}
	struct daemon_job *jobs = xcalloc(DAEMON_JOBS_MAX, sizeof(*jobs));
	size_t n_jobs = 0;
	bool bad = false;
	for (int step = 0; step < 3 && !bad; step++) {
		for (size_t i = 0; i < n && !bad; i++) {
			const struct topo_node *node = v[i].node;
			const char *d[64];
			size_t nd = topo_node_daemons(node, d, 64);
			char paths[64][256];
			char *argvs[64][5];
			size_t na = 0;
			if (node->kind == NODE_BIRD) {
				if (step == 0) {
					char *a[] = { "bird", "-c", TOPO_BIRD_CONF, NULL };
					memcpy(argvs[na++], a, sizeof(a));
				}
			} else if (step == 2) {
				char *a[] = { "vtysh", "-b", NULL };
				memcpy(argvs[na++], a, sizeof(a));
			} else {
				/* -d returns once the daemon is ready (its vty socket is there). */
				for (size_t k = step == 0 ? 0 : 1; k < (step == 0 ? 1 : nd); k++) {
					snprintf(paths[na], sizeof(paths[na]), "%s/%s", FRR_DAEMON_DIR, d[k]);
					char *a[] = { paths[na], "-d", "-A", "127.0.0.1", NULL };
					memcpy(argvs[na++], a, sizeof(a));
				}
			}
			char **env = na ? topo_node_env_new(node) : NULL;
			struct knode *kn = knode_of(A, &v[i], err);
			struct run_opts o = { .lab = A->lab, .node = node->name, .net = &kn->ns,
					      .role = "daemon", .timeout_ms = EXEC_TIMEOUT_MS,
					      .env = (const char *const *)env };
			for (size_t k = 0; k < na && !bad; k++) {
				if (n_jobs == DAEMON_JOBS_MAX) {
					daemon_job_end(&jobs[0], failed, &bad, err);
					memmove(jobs, jobs + 1, --n_jobs * sizeof(*jobs));
				}
				jobs[n_jobs].action = i;
				if (run_start(argvs[k], &o, &jobs[n_jobs].job, err) < 0) {
					bad = true;
					*failed = i;
				} else {
					n_jobs++;
				}
			}
			topo_env_free(env);
		}
		/* The step is done in every node before the next starts; every job is waited for. */
		for (size_t k = 0; k < n_jobs; k++)
			daemon_job_end(&jobs[k], failed, &bad, err);
		n_jobs = 0;
	}
	free(jobs);
	return bad ? -1 : 0;
}

static int daemons_reload(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	char *argv[] = { "birdc", "configure", NULL };
	return kn ? run_to_end(A, a->node, kn, argv, "exec-once", err) : -1;
}

/* A containerlab exec line failed: reported, and up goes on, as containerlab's deploy does. */
static bool exec_failed(struct applier *A, const struct topo_node *node, const struct topo_exec *x,
			struct nst_err *err)
{
	FILE *out = A->opts && A->opts->warn ? A->opts->warn : stderr;
	char line[512];
	size_t n = 0;
	line[0] = '\0';
	for (size_t i = 0; i < x->argc && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", x->argv[i]);
	fprintf(out, "nstopo: warning: %s: exec '%s' failed (going on): %s%s%s\n", node->name, line,
		err->msg, err->code ? ": " : "", err->code ? strerror(err->code) : "");
	if (A->opts && A->opts->exec_failed)
		(*A->opts->exec_failed)++;
	nst_err_clear(err);
	return true;
}

static int exec_run(struct applier *A, const struct action *a, struct nst_err *err)
{
	struct knode *kn = knode_of(A, a, err);
	if (!kn || stop_role(A, a->node->name, "exec", err) < 0)
		return -1;
	for (size_t i = 0; i < a->node->n_execs; i++) {
		const struct topo_exec *x = &a->node->execs[i];
		if (!x->background) {
			uint32_t t = x->timeout_ms ? x->timeout_ms : EXEC_TIMEOUT_MS;
			if (run_to_end_in(A, a->node, kn, x->argv, "exec", t, err) < 0) {
				if (x->may_fail && exec_failed(A, a->node, x, err))
					continue;
				err->loc = x->loc;
				return -1;
			}
			continue;
		}
		char log[1024];
		if (store_log_prepare(A->lab, a->node->name, i + 1, log, sizeof(log), err) < 0)
			return -1;
		if (netns_fd(&kn->ns, err) < 0)
			return -1;
		char **env = topo_node_env_new(a->node);
		struct run_opts o = { .lab = A->lab, .node = a->node->name, .net = &kn->ns,
				      .role = "exec", .background = true, .log_path = log,
				      .env = (const char *const *)env };
		int status;
		int started = run_in_node(x->argv, &o, &status, NULL, 0, err);
		topo_env_free(env);
		if (started < 0) {
			if (x->may_fail && exec_failed(A, a->node, x, err))
				continue;
			err->loc = x->loc;
			return -1;
		}
	}
	return store_exec_write(A->lab, a->node->name, a->text, err);
}

/* The lab's last node is gone: what an interrupted up left in the lab's cgroup goes too. */
static int lab_dir_del(struct applier *A, const struct action *a, struct nst_err *err)
{
	if (run_stop_lab(A->lab, RUN_STOP_GRACE_MS, err) < 0 || intent_of(A, err) < 0)
		return -1;
	/* What a run killed between taking a name and binding it (or a down between unbinding
	 * and removing it) left: the names are the lab's by its intent. */
	for (size_t i = 0; i < A->n_intent; i++)
		netns_remove_placeholder(A->intent[i]);
	return nodens_remove_lab(A->lab, err) < 0 ? -1 : store_remove_lab(A->lab, err);
}

/* ---- the loop ---- */

static int do_action(struct applier *A, const struct action *a, struct nst_err *err)
{
	switch (a->kind) {
	case ACT_NODE_ADD:
		return node_add(A, a, err);
	case ACT_BRIDGE_ADD:
		return bridge_add(A, a, err);
	case ACT_LINK_ADD:
		return link_add(A, a, err);
	case ACT_QDISC_SET:
		return qdisc_change(A, a, err);
	case ACT_LINK_SET:
		return link_set(A, a, err);
	case ACT_ADDR_ADD:
		return addr_change(A, a, true, err);
	case ACT_ADDR_DEL:
	case ACT_ADDR_DEL_EARLY:
		return addr_change(A, a, false, err);
	case ACT_ROUTE_ADD:
	case ACT_ROUTE_REPLACE:
	case ACT_ROUTE_READD:
	case ACT_ROUTE_DEL:
		return route_change(A, a, err);
	case ACT_LINK_DEL:
	case ACT_LINK_DEL_EARLY:
	case ACT_BRIDGE_DEL:
		return link_del(A, a, err);
	case ACT_NODE_DEL:
		return node_del(A, a, err);
	case ACT_NAT_ADD:
	case ACT_NAT_DEL_RULE:
	case ACT_NAT_REWRITE:
		return nat_write(A, a, err);
	case ACT_NAT_TABLE_DEL:
		return nat_table_del(A, a, err);
	case ACT_UPLINK_SET:
		return uplink_set(A, a, err);
	case ACT_UPLINK_DEL:
		return uplink_del(A, a, err);
	case ACT_HOSTS_SET:
		return store_hosts_write(A->lab, a->text, err);
	case ACT_NODE_ENV_ADD:
		return node_env_add(A, a, err);
	case ACT_HOSTNAME_SET:
		return nodens_hostname_set(A->lab, a->node->name,
					   a->node->hostname ? a->node->hostname : a->node->name, err);
	case ACT_FILE_SET:
		return file_set(A, a, err);
	case ACT_FILE_DEL:
		return file_del(A, a, err);
	case ACT_DAEMONS_RELOAD:
		return daemons_reload(A, a, err);
	case ACT_EXEC_RUN:
		return exec_run(A, a, err);
	case ACT_LAB_DIR_DEL:
		return lab_dir_del(A, a, err);
	case ACT_SYSCTL_SET:
	case ACT_DAEMONS_START:
		break; /* batched by the caller */
	case ACT__COUNT:
		break; /* not a kind: the switch names every kind, so -Wswitch finds a new one */
	}
	return 0;
}

/* Names the object and the action in the error the kernel gave, for the one place that prints. */
static void describe(const struct action *a, struct nst_err *err)
{
	char text[1200];
	if (strncmp(err->obj, "nat[", 4) == 0) {
		/* The nft room named the rule, its position and the reason; say whose it is. */
		nst_err_obj(err, "%s", a->node->name);
		return;
	}
	if (!a->node) {
		plan_action_text(a, text, sizeof(text));
		nst_err_wrap(err, "%s %s", plan_action_verb(a), text);
		if (!err->loc.line)
			err->loc = a->loc;
		return;
	}
	plan_action_text(a, text, sizeof(text));
	if (a->iface)
		nst_err_obj(err, "%s/%s", a->node->kind == NODE_ROOT ? TOPO_HOST_NODE : a->node->name,
			    a->iface->name);
	else if (a->node)
		nst_err_obj(err, "%s", a->node->kind == NODE_ROOT ? TOPO_HOST_NODE : a->node->name);
	nst_err_wrap(err, "%s %s", plan_action_verb(a), text);
	if (!err->loc.line) /* a room that knows the exact line (an exec: command) said it */
		err->loc = a->loc;
}

static void log_action(const struct apply_opts *o, const struct action *a)
{
	if (!o || !o->log)
		return;
	struct plan one = { .v = (struct action *)a, .n = 1 };
	plan_print(o->log, &one, o->color);
}

/* The nodes' namespaces made in the background are all there (or the first failure is said,
 * as the creation of its node). */
static int envs_ready(struct applier *A, struct nst_err *err)
{
	char node[64] = "";
	if (nodens_create_wait(node, sizeof(node), err) == 0)
		return 0;
	const struct topo_node *n = A->want ? topo_node_find(A->want, node) : NULL;
	nst_err_obj(err, "%s", node);
	nst_err_wrap(err, "create node %s", node);
	if (n)
		err->loc = n->loc;
	return -1;
}

/* Brings up the second ends link_add left down: called before the first action that adds no link. */
static int bring_up_pending(struct applier *A, struct nst_err *err)
{
	for (size_t i = 0; i < A->n_pending; i++) {
		const struct pending_up *u = &A->pending[i];
		struct nlr_link_change c = { .set = NLR_SET_UP };
		struct nlr *nl = nl_of(u->kn, err);
		if (!nl || nlr_link_set(nl, 0, u->ifname, &c, err) < 0) {
			nst_err_wrap(err, "bring up %s", u->ifname);
			describe(u->link, err);
			return -1;
		}
	}
	A->n_pending = 0;
	return 0;
}

static int apply_actions(struct applier *A, const struct apply_opts *opts, struct nst_err *err)
{
	const struct plan *p = A->p;
	bool stopped = false, envs_waited = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->v[i];
		if (opts && opts->progress && opts->progress(opts->progress_arg, a, i, p->n) < 0)
			return nst_err_set(err, EINTR, "stopped after %zu of %zu changes", i, p->n);
		/* Links, addresses and routes need only the network namespace; what comes after
		 * (NAT, files, daemons, exec: after_envs in plan_kinds.h) may need the mount namespace. */
		if (!envs_waited && plan_kind(a->kind)->after_envs) {
			if (envs_ready(A, err) < 0)
				return -1;
			envs_waited = true;
		}
		if (A->n_pending && a->kind != ACT_LINK_ADD && bring_up_pending(A, err) < 0)
			return -1;
		if (a->kind == ACT_NODE_DEL && !stopped) {
			if (stop_processes(A, err) < 0)
				return -1;
			stopped = true;
		}
		if (a->kind == ACT_DAEMONS_START) {
			size_t j = i, failed = 0;
			while (j < p->n && p->v[j].kind == ACT_DAEMONS_START)
				j++;
			if (daemons_start_many(A, a, j - i, &failed, err) < 0) {
				describe(&p->v[i + failed], err);
				return -1;
			}
			for (size_t k = i; k < j; k++)
				log_action(opts, &p->v[k]);
			i = j - 1;
			continue;
		}
		if (a->kind != ACT_SYSCTL_SET) {
			if (do_action(A, a, err) < 0) {
				describe(a, err);
				return -1;
			}
			log_action(opts, a);
			continue;
		}
		/* Consecutive sysctls of one node: one visit to its namespace. */
		size_t j = i;
		while (j < p->n && p->v[j].kind == ACT_SYSCTL_SET && p->v[j].node == a->node)
			j++;
		struct sysctl_batch b = { .v = a, .n = j - i };
		struct knode *kn = knode_of(A, a, err);
		if (!kn || netns_call(&kn->ns, write_sysctls_inside, &b, err) < 0) {
			describe(&p->v[i + b.failed], err);
			return -1;
		}
		for (size_t k = i; k < j; k++)
			log_action(opts, &p->v[k]);
		i = j - 1;
	}
	if (bring_up_pending(A, err) < 0)
		return -1;
	if (!envs_waited && envs_ready(A, err) < 0)
		return -1;
	return (int)p->n;
}

void apply_where(struct plan *p, const char *lab)
{
	char x[512];
	for (size_t i = 0; i < p->n; i++) {
		struct action *a = &p->v[i];
		if (a->kind == ACT_HOSTS_SET)
			paths_hosts(x, sizeof(x), lab);
		else if (a->kind == ACT_LAB_DIR_DEL)
			paths_lab_dir(x, sizeof(x), lab);
		else
			continue;
		a->where = arena_strdup(&p->arena, x);
	}
}

int apply_plan(const struct plan *p, struct topo_lab *want, const char *lab, struct kview *kv,
	       const struct apply_opts *opts, struct nst_err *err)
{
	struct applier A = { .p = p, .want = want, .lab = lab, .kv = kv, .opts = opts };
	int rc = apply_actions(&A, opts, err);
	strmap_free(&A.nat_done);
	strmap_free(&A.promoted);
	free(A.pending);
	netns_list_free(A.intent, A.n_intent);
	return rc;
}

/* ---- readiness: every link end operationally up ---- */

/* One interface `up` waits for: an end of a link, or the bridge of a bridge node with ports. */
struct ready_end {
	const struct topo_node *node;
	const char *ifname;
	const struct topo_iface *iface; /* NULL for a bridge */
	long link; /* index in want->links; -1 for a bridge */
	int ifindex;
	unsigned flags;
	uint8_t operstate;
	int brport_state;
	bool seen, up;
	/* IPv6, in a node that uses it: what is not ready yet, "" when all is */
	char v6_why[80];
	bool v6_ll;
};

/* The ends in one node's namespace, updated from its dumps and change notifications. */
struct ready_ns {
	struct nlr *nl;
	struct ready_end *v;
	size_t n, n_down;
	struct strmap by_name; /* ifname -> end, when there are many */
	bool watching;
	bool ipv6;  /* the node uses IPv6: its addresses must be ready too */
	bool v6_ok; /* they were, at the last look */
};

enum { READY_MAP_FROM = 8 };

/* Up for traffic: the carrier is on (IFF_LOWER_UP) and the kernel's link watch has given the
 * device its queue (until then every packet sent through it is dropped), which it does right
 * after setting operstate UP, holding the RTNL lock (nlr_link_barrier waits for that). A veth
 * reports UNKNOWN until the link watch first gets to it, carrier or not: only UP will do. The
 * bridge of a bridge node may say UNKNOWN for up to a second (its carrier change is batched):
 * traffic between its ports never passes its own queue, so that will do for it. */
static bool link_ready(unsigned flags, uint8_t operstate, bool bridge)
{
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP) &&
	       (operstate == IF_OPER_UP || (bridge && operstate == IF_OPER_UNKNOWN));
}

static void ready_update(const struct nlr_linkstate *s, void *arg)
{
	struct ready_ns *g = arg;
	struct ready_end *e = NULL;
	if (g->n >= READY_MAP_FROM)
		e = strmap_get(&g->by_name, s->name);
	for (size_t i = 0; g->n < READY_MAP_FROM && i < g->n && !e; i++)
		if (strcmp(g->v[i].ifname, s->name) == 0)
			e = &g->v[i];
	if (!e)
		return;
	bool up = !s->gone && link_ready(s->flags, s->operstate, e->link < 0);
	/* A bridge port passes traffic once the bridge has seen its carrier and made it
	 * forwarding (STP is off): just after operstate UP, in the same link watch run. */
	if (e->node->kind == NODE_BRIDGE && e->link >= 0 && s->brport_state != BR_STATE_FORWARDING)
		up = false;
	e->brport_state = s->brport_state;
	e->seen = !s->gone;
	e->ifindex = s->gone ? 0 : s->ifindex;
	e->flags = s->flags;
	e->operstate = s->operstate;
	if (up != e->up)
		g->n_down = up ? g->n_down - 1 : g->n_down + 1;
	e->up = up;
}

/* IPv6 is ready on an end when the kernel's address work (on its own work queue, after the
 * address was added or the carrier came) is done for each of its addresses: none is tentative,
 * each has its local route (put in by that work, which also joins the address's solicited-node
 * group: until then neighbour solicitations for it are dropped), and an end with IPv6
 * addresses in the file has its link-local address (a router solicits neighbours from it). */
struct v6_scan {
	struct ready_ns *g;
	uint8_t (*local)[16];
	size_t n_local, cap_local;
};

static void v6_local(const uint8_t a[16], void *arg)
{
	struct v6_scan *sc = arg;
	if (sc->n_local == sc->cap_local)
		sc->local = xrealloc(sc->local, (sc->cap_local = sc->cap_local ? 2 * sc->cap_local : 16) *
							sizeof(*sc->local));
	memcpy(sc->local[sc->n_local++], a, 16);
}

static void v6_addr(const struct nlr_addr6 *s, void *arg)
{
	struct v6_scan *sc = arg;
	struct ready_end *e = NULL;
	for (size_t i = 0; i < sc->g->n && !e; i++)
		if (sc->g->v[i].ifindex == s->ifindex && sc->g->v[i].iface)
			e = &sc->g->v[i];
	if (!e)
		return;
	if (s->a[0] == 0xfe && (s->a[1] & 0xc0) == 0x80)
		e->v6_ll = true;
	bool local = false;
	for (size_t i = 0; i < sc->n_local && !local; i++)
		local = memcmp(sc->local[i], s->a, 16) == 0;
	if (e->v6_why[0] || (local && !(s->flags & IFA_F_TENTATIVE)))
		return;
	char text[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, s->a, text, sizeof(text));
	snprintf(e->v6_why, sizeof(e->v6_why), "IPv6 address %s %s", text,
		 (s->flags & IFA_F_TENTATIVE) ? "is tentative" : "is not local yet");
}

static void v6_link(const struct nlr_linkstate *s, void *arg)
{
	ready_update(s, ((struct v6_scan *)arg)->g);
}

static bool iface_has_v6(const struct topo_iface *i)
{
	for (size_t a = 0; a < i->n_addrs; a++)
		if (i->addrs[a].c.family == AF_INET6)
			return true;
	return false;
}

static int v6_check(struct ready_ns *g, struct nst_err *err)
{
	struct v6_scan sc = { .g = g };
	for (size_t i = 0; i < g->n; i++) {
		g->v[i].v6_why[0] = '\0';
		g->v[i].v6_ll = false;
	}
	int rc = nlr_ipv6_states(g->nl, v6_link, v6_addr, v6_local, &sc, err);
	free(sc.local);
	if (rc < 0)
		return -1;
	g->v6_ok = true;
	for (size_t i = 0; i < g->n; i++) {
		struct ready_end *e = &g->v[i];
		if (e->iface && !e->v6_why[0] && !e->v6_ll && iface_has_v6(e->iface))
			snprintf(e->v6_why, sizeof(e->v6_why), "no IPv6 link-local address yet");
		if (e->v6_why[0])
			g->v6_ok = false;
	}
	return rc;
}

/* Every end of the namespace is up (and its IPv6 ready, where used); -1 on failure. */
static int ns_ready(struct ready_ns *g, struct nst_err *err)
{
	if (g->n_down)
		return 0;
	if (!g->ipv6)
		return 1;
	/* A change read while dumping was taken from the queue: look again until none comes. */
	int seen;
	do
		if ((seen = v6_check(g, err)) < 0)
			return -1;
	while ((seen & NLR_CHANGED_IPV6) && !g->n_down);
	return !g->n_down && g->v6_ok;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int end_cmp(const void *pa, const void *pb)
{
	const struct ready_end *a = *(struct ready_end *const *)pa, *b = *(struct ready_end *const *)pb;
	if ((a->link < 0) != (b->link < 0))
		return a->link < 0 ? 1 : -1;
	return a->link < b->link ? -1 : a->link > b->link;
}

static void end_state(char *buf, size_t len, const struct ready_end *e)
{
	static const char *const oper[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					     "TESTING", "DORMANT", "UP" };
	if (e->up && e->v6_why[0])
		snprintf(buf, len, "%s:%s: %s", e->node->name, e->ifname, e->v6_why);
	else if (!e->seen)
		snprintf(buf, len, "%s:%s is missing", e->node->name, e->ifname);
	else if (!(e->flags & IFF_UP))
		snprintf(buf, len, "%s:%s is set down", e->node->name, e->ifname);
	else if (link_ready(e->flags, e->operstate, e->link < 0) && e->brport_state != BR_STATE_FORWARDING)
		snprintf(buf, len, "%s:%s bridge port state %d, not forwarding", e->node->name, e->ifname,
			 e->brport_state);
	else if (e->operstate < sizeof(oper) / sizeof(*oper))
		snprintf(buf, len, "%s:%s operstate %s", e->node->name, e->ifname, oper[e->operstate]);
	else
		snprintf(buf, len, "%s:%s operstate %u", e->node->name, e->ifname, e->operstate);
}

static void end_object(char *buf, size_t len, const struct topo_lab *want, const struct ready_end *e)
{
	if (e->link < 0) {
		snprintf(buf, len, "bridge %s:%s", e->node->name, e->ifname);
		return;
	}
	const struct topo_end *le = want->links[e->link].end;
	snprintf(buf, len, "link %s:%s - %s:%s", topo_end_node(want, &le[0])->name,
		 topo_end_iface(want, &le[0])->name, topo_end_node(want, &le[1])->name,
		 topo_end_iface(want, &le[1])->name);
}

/* The error naming the first links (in file order) still down, then how many more. */
static int not_ready(const struct topo_lab *want, struct ready_ns *g, size_t n_g, int timeout_ms,
		     struct nst_err *err)
{
	size_t n = 0;
	for (size_t i = 0; i < n_g; i++)
		n += g[i].n;
	struct ready_end **down = xcalloc(n ? n : 1, sizeof(*down));
	size_t k = 0;
	for (size_t i = 0; i < n_g; i++)
		for (size_t j = 0; j < g[i].n; j++)
			if (!g[i].v[j].up || (g[i].ipv6 && g[i].v[j].v6_why[0]))
				down[k++] = &g[i].v[j];
	qsort(down, k, sizeof(*down), end_cmp);
	char obj[128], state[160], more[256] = "";
	size_t said = 0, links = 0;
	for (size_t i = 0; i < k; i++) {
		if (i && down[i]->link >= 0 && down[i]->link == down[i - 1]->link)
			continue; /* both ends of one link: named once */
		links++;
		if (i == 0 || said >= 3)
			continue;
		end_object(obj, sizeof(obj), want, down[i]);
		size_t used = strlen(more);
		snprintf(more + used, sizeof(more) - used, "%s%s", said ? ", " : "; also not up: ", obj);
		said++;
	}
	if (links > said + 1) {
		size_t used = strlen(more);
		snprintf(more + used, sizeof(more) - used, " and %zu more", links - said - 1);
	}
	end_object(obj, sizeof(obj), want, down[0]);
	end_state(state, sizeof(state), down[0]);
	nst_err_set(err, 0, "%s is not %s after %g s (%s)%s", obj, down[0]->up ? "ready" : "up",
		    timeout_ms / 1000.0, state, more);
	err->status = NST_EXIT_SYSTEM;
	err->loc = down[0]->link >= 0 ? want->links[down[0]->link].loc : down[0]->node->loc;
	free(down);
	return -1;
}

/* Gathers the ends by node: both ends of every link, and each bridge node's bridge. */
static struct ready_ns *ready_gather(const struct topo_lab *want, struct ready_end **ends)
{
	struct ready_ns *g = xcalloc(want->n_nodes ? want->n_nodes : 1, sizeof(*g));
	for (size_t l = 0; l < want->n_links; l++)
		for (int i = 0; i < 2; i++)
			g[want->links[l].end[i].node].n++;
	size_t total = 0;
	for (size_t i = 0; i < want->n_nodes; i++) {
		if (g[i].n && want->nodes[i]->kind == NODE_BRIDGE)
			g[i].n++;
		total += g[i].n;
	}
	*ends = xcalloc(total ? total : 1, sizeof(**ends));
	size_t off = 0;
	for (size_t i = 0; i < want->n_nodes; i++) {
		g[i].v = *ends + off;
		off += g[i].n;
		g[i].n_down = g[i].n; /* nothing is known up yet; n counts the ends filled in */
		g[i].n = 0;
		if (g[i].n_down && want->nodes[i]->kind == NODE_BRIDGE)
			g[i].v[g[i].n++] = (struct ready_end){ .node = want->nodes[i],
								.ifname = TOPO_BRIDGE_DEV, .link = -1 };
	}
	for (size_t l = 0; l < want->n_links; l++)
		for (int i = 0; i < 2; i++) {
			const struct topo_end *e = &want->links[l].end[i];
			struct ready_ns *n = &g[e->node];
			n->v[n->n++] = (struct ready_end){ .node = want->nodes[e->node],
							   .iface = topo_end_iface(want, e),
							   .ifname = topo_end_iface(want, e)->name,
							   .link = (long)l };
		}
	for (size_t i = 0; i < want->n_nodes; i++) {
		g[i].ipv6 = g[i].n && node_uses_ipv6(want->nodes[i]);
		for (size_t j = 0; g[i].n >= READY_MAP_FROM && j < g[i].n; j++)
			strmap_put(&g[i].by_name, g[i].v[j].ifname, &g[i].v[j]);
	}
	return g;
}

/* The socket of node i's namespace, fetched anew at each use: within a low descriptor limit the
 * namespace's sockets may have been closed and opened again since (netns_track). */
static struct nlr *ready_nl(struct topo_lab *want, struct kview *kv, size_t i, struct nst_err *err)
{
	const struct topo_node *n = want->nodes[i];
	struct knode *kn = kview_node(kv, n->kind == NODE_ROOT ? NULL : topo_node_netns(want, n));
	if (!kn) {
		nst_err_set(err, ENOENT, "namespace of node %s is not open", n->name);
		return NULL;
	}
	return netns_nl(&kn->ns, err);
}

/* Waits until node i's ends are ready or the deadline passes: a dump, then, subscribed before a
 * second dump so that no change between the two is missed, the changes as they come. 1 when
 * ready, 0 when the deadline passed. */
static int wait_node_ready(struct ready_ns *w, int64_t deadline, struct nst_err *err)
{
	int ready;
	if (nlr_link_states(w->nl, ready_update, w, err) < 0 || (ready = ns_ready(w, err)) < 0)
		return -1;
	if (ready)
		return 1;
	if (nlr_link_watch(w->nl, true, w->ipv6, err) < 0)
		return -1;
	w->watching = true;
	if (nlr_link_states(w->nl, ready_update, w, err) < 0 || (ready = ns_ready(w, err)) < 0)
		return -1;
	while (!ready) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = nlr_fd(w->nl), .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return nst_err_set(err, errno, "wait for the interfaces");
		if (r <= 0)
			continue;
		int ch = nlr_link_changes(w->nl, ready_update, w, err);
		if (ch < 0 || ((ch & NLR_CHANGED_LOST) && nlr_link_states(w->nl, ready_update, w, err) < 0) ||
		    (ready = ns_ready(w, err)) < 0)
			return -1;
	}
	w->watching = false;
	if (nlr_link_watch(w->nl, false, w->ipv6, err) < 0)
		return -1;
	return ready;
}

/* One namespace at a time: while nstopo waits for one, the kernel brings the others up too, so
 * the whole wait is about the slowest one's; and only one namespace's socket is in use at once. */
int apply_wait_ready(struct topo_lab *want, struct kview *kv, int timeout_ms, struct nst_err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct ready_end *ends = NULL;
	struct ready_ns *g = ready_gather(want, &ends);
	int rc = 0;
	size_t last = want->n_nodes;
	bool late = false;
	for (size_t i = 0; rc == 0 && i < want->n_nodes; i++) {
		if (!g[i].n)
			continue;
		if (!(g[i].nl = ready_nl(want, kv, i, err))) {
			rc = -1;
			break;
		}
		/* Past the deadline, one look each, for the message. */
		rc = late ? (nlr_link_states(g[i].nl, ready_update, &g[i], err) < 0 ||
			     ns_ready(&g[i], err) < 0 ? -1 : 0)
			  : wait_node_ready(&g[i], deadline, err);
		if (rc == 0 && !late)
			late = true;
		rc = rc < 0 ? -1 : 0;
		if (rc < 0) {
			nst_err_obj(err, "%s", want->nodes[i]->name);
			struct nst_err ignored = { 0 };
			if (g[i].watching)
				nlr_link_watch(g[i].nl, false, g[i].ipv6, &ignored);
		}
		g[i].nl = NULL;
		last = i;
	}
	if (rc == 0 && late)
		rc = not_ready(want, g, want->n_nodes, timeout_ms, err);
	/* What the dumps showed up is up for traffic once the link watch run that set it is over. */
	if (rc == 0 && last < want->n_nodes) {
		struct nlr *nl = ready_nl(want, kv, last, err);
		rc = nl ? nlr_link_barrier(nl, err) : -1;
	}
	for (size_t i = 0; i < want->n_nodes; i++)
		strmap_free(&g[i].by_name);
	free(g);
	free(ends);
	return rc;
}
