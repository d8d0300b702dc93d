/* nl.c - rtnetlink through libnl-route-3; see nl.h.
 * No libnl type or NLE_* code leaves this file: the error callback keeps the kernel's own errno
 * and extack text before libnl folds them into its codes. */
#include "nl.h"
#include "nl_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/netconf.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct nlr {
	struct nl_sock *sk;
	int last_errno;     /* from the last NLMSG_ERROR, 0 when none */
	char extack[512];   /* its NLMSGERR_ATTR_MSG */
};

/* Called by libnl for each error ack: keep what the kernel said, then let libnl fail as usual. */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlr *nl = arg;
	nl->last_errno = -e->error;
	nl->extack[0] = '\0';
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	for (const struct nlattr *a = (const void *)((const char *)h + off);
	     (const char *)a + NLA_HDRLEN <= (const char *)h + h->nlmsg_len && a->nla_len >= NLA_HDRLEN;
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->extack, sizeof(nl->extack), "%.*s", (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
			break;
		}
	}
	return NL_STOP;
}

/* libnl 3.7 ignores a failed dump request and then waits forever for its reply. The send and
 * receive hooks carry a send failure on this thread's socket to the receive that follows. */
static _Thread_local struct nl_sock *send_failed_sk;
static _Thread_local int send_failed_rc;

static int send_checked(struct nl_sock *sk, struct nl_msg *msg)
{
	struct iovec iov = {.iov_base = nlmsg_hdr(msg), .iov_len = nlmsg_hdr(msg)->nlmsg_len};
	int rc = nl_send_iovec(sk, msg, &iov, 1);
	if (rc < 0) {
		send_failed_sk = sk;
		send_failed_rc = rc;
	}
	return rc;
}

static int recv_checked(struct nl_sock *sk, struct sockaddr_nl *who, unsigned char **buf,
			struct ucred **creds)
{
	if (send_failed_sk == sk) {
		send_failed_sk = NULL;
		return send_failed_rc;
	}
	return nl_recv(sk, who, buf, creds);
}

struct nlr *nlr_open(struct nst_err *err)
{
	struct nlr *nl = xcalloc(1, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		nst_err_set(err, ENOMEM, "allocate a netlink socket");
		return NULL;
	}
	int rc = nl_connect(nl->sk, NETLINK_ROUTE);
	if (rc < 0) {
		nst_err_set(err, errno ? errno : EIO, "open a netlink socket: %s", nl_geterror(rc));
		nl_socket_free(nl->sk);
		free(nl);
		return NULL;
	}
	int one = 1;
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
	struct nl_cb *cb = nl_socket_get_cb(nl->sk);
	nl_cb_overwrite_send(cb, send_checked);
	nl_cb_overwrite_recv(cb, recv_checked);
	nl_cb_put(cb);
	/* Dumps of large namespaces arrive faster with a larger receive buffer. */
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 0);
	return nl;
}

void nlr_close(struct nlr *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static void reset(struct nlr *nl)
{
	if (send_failed_sk == nl->sk)
		send_failed_sk = NULL;
	nl->last_errno = 0;
	nl->extack[0] = '\0';
}

/* A libnl code back to the errno it was made from (sendmsg/recvmsg failures), EIO otherwise. */
static int errno_of_nle(int rc)
{
	switch (rc < 0 ? -rc : rc) {
	case NLE_PERM: return EPERM;
	case NLE_NOACCESS: return EACCES;
	case NLE_NOMEM: return ENOMEM;
	case NLE_AGAIN: return EAGAIN;
	case NLE_INTR: return EINTR;
	case NLE_BUSY: return EBUSY;
	case NLE_EXIST: return EEXIST;
	case NLE_NODEV: return ENODEV;
	case NLE_INVAL: return EINVAL;
	case NLE_RANGE: return ERANGE;
	case NLE_MSGSIZE: return EMSGSIZE;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_NOADDR: return EADDRNOTAVAIL;
	case NLE_OBJ_NOTFOUND: return ENOENT;
	case NLE_BAD_SOCK: return EBADF;
	default: return EIO;
	}
}

/* Turns a libnl failure into the error object: the kernel's errno when the kernel refused. */
static int fail(struct nlr *nl, int rc, struct nst_err *err, const char *what)
{
	if (nl->last_errno) {
		/* The kernel refused: the caller names the object and action, errno says why. */
		nst_err_set(err, nl->last_errno, "%s", "");
		snprintf(err->extack, sizeof(err->extack), "%s", nl->extack);
	} else {
		nst_err_set(err, errno_of_nle(rc), "%s", what);
	}
	return -1;
}

static struct nl_addr *addr_of(uint8_t family, const uint8_t a[16], uint8_t plen)
{
	struct nl_addr *na = nl_addr_build(family, a, family == AF_INET ? 4 : 16);
	if (!na)
		abort();
	nl_addr_set_prefixlen(na, plen);
	return na;
}

static void addr_out(struct nl_addr *na, uint8_t *family, uint8_t out[16])
{
	memset(out, 0, 16);
	*family = (uint8_t)nl_addr_get_family(na);
	unsigned len = nl_addr_get_len(na);
	memcpy(out, nl_addr_get_binary_addr(na), len > 16 ? 16 : len);
}

/* ---- links ---- */

static void link_out(struct rtnl_link *l, struct nlr_link *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "");
	const char *kind = rtnl_link_get_type(l);
	snprintf(o->kind, sizeof(o->kind), "%s", kind ? kind : "");
	const char *alias = rtnl_link_get_ifalias(l);
	snprintf(o->alias, sizeof(o->alias), "%s", alias ? alias : "");
	o->ifindex = rtnl_link_get_ifindex(l);
	o->link = rtnl_link_get_link(l);
	o->master = rtnl_link_get_master(l);
	o->flags = rtnl_link_get_flags(l);
	o->mtu = rtnl_link_get_mtu(l);
	struct nl_addr *mac = rtnl_link_get_addr(l);
	if (mac && nl_addr_get_len(mac) == 6)
		memcpy(o->mac, nl_addr_get_binary_addr(mac), 6);
}

int nlr_link_dump(struct nlr *nl, struct nlr_link **out, size_t *n, struct nst_err *err)
{
	struct nl_cache *cache = NULL;
	reset(nl);
	int rc = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
	if (rc < 0)
		return fail(nl, rc, err, "list interfaces");
	*n = (size_t)nl_cache_nitems(cache);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	size_t i = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o && i < *n; o = nl_cache_get_next(o))
		link_out((struct rtnl_link *)o, &(*out)[i++]);
	*n = i;
	nl_cache_free(cache);
	return 0;
}

int nlr_link_get(struct nlr *nl, int ifindex, struct nlr_link *out, struct nst_err *err)
{
	struct rtnl_link *l = NULL;
	reset(nl);
	int rc = rtnl_link_get_kernel(nl->sk, ifindex, NULL, &l);
	if (rc < 0) {
		if (nl->last_errno == ENODEV)
			return 0;
		return fail(nl, rc, err, "read an interface");
	}
	link_out(l, out);
	rtnl_link_put(l);
	return 1;
}

int nlr_ifindex(struct nlr *nl, const char *name, struct nst_err *err)
{
	struct rtnl_link *l = NULL;
	reset(nl);
	int rc = rtnl_link_get_kernel(nl->sk, 0, name, &l);
	if (rc < 0) {
		if (nl->last_errno == ENODEV)
			return 0;
		return fail(nl, rc, err, "look up an interface");
	}
	int idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

static void veth_end_fill(struct rtnl_link *l, const struct nlr_veth_end *e, bool up)
{
	rtnl_link_set_name(l, e->name);
	if (e->ns_fd >= 0)
		rtnl_link_set_ns_fd(l, e->ns_fd);
	if (e->mtu)
		rtnl_link_set_mtu(l, e->mtu);
	if (e->mac) {
		struct nl_addr *mac = nl_addr_build(AF_LLC, e->mac, 6);
		rtnl_link_set_addr(l, mac);
		nl_addr_put(mac);
	}
	if (e->master)
		rtnl_link_set_master(l, e->master);
	/* The first end comes up in the creating message; the kernel refuses that for the peer,
	 * which is not yet joined to it then (ENOTCONN). */
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
}

int nlr_veth_add(struct nlr *nl, const struct nlr_veth_end *a, const struct nlr_veth_end *b,
		 struct nst_err *err)
{
	struct rtnl_link *l = rtnl_link_veth_alloc();
	if (!l)
		return nst_err_set(err, ENOMEM, "create a veth pair");
	veth_end_fill(l, a, true);
	/* The peer comes with a reference of its own (libnl >= 3.2.25), which
	 * rtnl_link_veth_release does not drop: without this put, each pair leaked the peer. */
	struct rtnl_link *peer = rtnl_link_veth_get_peer(l);
	veth_end_fill(peer, b, false);
	rtnl_link_put(peer);
	reset(nl);
	int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_veth_release(l);
	return rc < 0 ? fail(nl, rc, err, "create a veth pair") : 0;
}

int nlr_bridge_add(struct nlr *nl, const char *name, struct nst_err *err)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	if (!l)
		return nst_err_set(err, ENOMEM, "create a bridge");
	rtnl_link_set_name(l, name);
	rtnl_link_set_flags(l, IFF_UP);
	reset(nl);
	int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	return rc < 0 ? fail(nl, rc, err, "create a bridge") : 0;
}

int nlr_link_set(struct nlr *nl, int ifindex, const char *name, const struct nlr_link_change *c,
		 struct nst_err *err)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	if (ifindex) {
		rtnl_link_set_ifindex(orig, ifindex);
	} else {
		/* With no index the kernel finds the link by the IFLA_IFNAME of the request. */
		rtnl_link_set_name(orig, name);
		rtnl_link_set_name(chg, name);
	}
	if (c->set & NLR_SET_UP)
		rtnl_link_set_flags(chg, IFF_UP);
	if (c->set & NLR_SET_DOWN)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (c->set & NLR_SET_MTU)
		rtnl_link_set_mtu(chg, c->mtu);
	if (c->set & NLR_SET_MAC) {
		struct nl_addr *mac = nl_addr_build(AF_LLC, c->mac, 6);
		rtnl_link_set_addr(chg, mac);
		nl_addr_put(mac);
	}
	if (c->set & NLR_SET_MASTER)
		rtnl_link_set_master(chg, c->master);
	if (c->set & NLR_SET_ALIAS)
		rtnl_link_set_ifalias(chg, c->alias);
	reset(nl);
	int rc = rtnl_link_change(nl->sk, orig, chg, 0);
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return rc < 0 ? fail(nl, rc, err, "change an interface") : 0;
}

int nlr_link_del(struct nlr *nl, int ifindex, struct nst_err *err)
{
	struct rtnl_link *l = rtnl_link_alloc();
	rtnl_link_set_ifindex(l, ifindex);
	reset(nl);
	int rc = rtnl_link_delete(nl->sk, l);
	rtnl_link_put(l);
	/* Already gone (its peer's namespace went first) is what was asked for. */
	if (rc < 0 && nl->last_errno == ENODEV)
		return 0;
	return rc < 0 ? fail(nl, rc, err, "delete an interface") : 0;
}

/* ---- addresses ---- */

int nlr_addr_dump(struct nlr *nl, struct nlr_ifaddr **out, size_t *n, struct nst_err *err)
{
	struct nl_cache *cache = NULL;
	reset(nl);
	int rc = rtnl_addr_alloc_cache(nl->sk, &cache);
	if (rc < 0)
		return fail(nl, rc, err, "list addresses");
	*n = (size_t)nl_cache_nitems(cache);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	size_t i = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o && i < *n; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		if (!local)
			continue;
		struct nlr_ifaddr *r = &(*out)[i++];
		r->ifindex = rtnl_addr_get_ifindex(a);
		addr_out(local, &r->c.family, r->c.a);
		r->c.plen = (uint8_t)rtnl_addr_get_prefixlen(a);
	}
	*n = i;
	nl_cache_free(cache);
	return 0;
}

static int addr_change(struct nlr *nl, int ifindex, const struct cidr *c, bool add, struct nst_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = addr_of(c->family, c->a, c->plen);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, c->plen);
	if (add && c->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD); /* usable at once: a lab has no duplicates */
	reset(nl);
	int rc = add ? rtnl_addr_add(nl->sk, a, NLM_F_CREATE | NLM_F_EXCL) : rtnl_addr_delete(nl->sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (rc < 0 && !add && nl->last_errno == EADDRNOTAVAIL)
		return 0;
	return rc < 0 ? fail(nl, rc, err, add ? "add an address" : "delete an address") : 0;
}

int nlr_addr_add(struct nlr *nl, int ifindex, const struct cidr *c, struct nst_err *err)
{
	return addr_change(nl, ifindex, c, true, err);
}

int nlr_addr_del(struct nlr *nl, int ifindex, const struct cidr *c, struct nst_err *err)
{
	return addr_change(nl, ifindex, c, false, err);
}

/* ---- neighbours ---- */

int nlr_neigh_forget(struct nlr *nl, int ifindex, const struct cidr *c, struct nst_err *err)
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = addr_of(c->family, c->a, c->family == AF_INET ? 32 : 128);
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, c->family);
	rtnl_neigh_set_dst(n, dst);
	reset(nl);
	int rc = rtnl_neigh_delete(nl->sk, n, 0);
	nl_addr_put(dst);
	rtnl_neigh_put(n);
	if (rc < 0 && nl->last_errno == ENOENT)
		return 0; /* nothing cached: nothing stale */
	return rc < 0 ? fail(nl, rc, err, "forget a neighbour") : 0;
}

/* ---- routes ---- */

static void route_out(struct rtnl_route *rt, struct nlr_route *o)
{
	memset(o, 0, sizeof(*o));
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	o->dst.family = rtnl_route_get_family(rt);
	if (dst) {
		uint8_t fam;
		addr_out(dst, &fam, o->dst.a);
		o->dst.plen = (uint8_t)nl_addr_get_prefixlen(dst);
	}
	o->protocol = rtnl_route_get_protocol(rt);
	o->table = (uint8_t)rtnl_route_get_table(rt);
	o->type = rtnl_route_get_type(rt);
	o->scope = rtnl_route_get_scope(rt);
	o->metric = rtnl_route_get_priority(rt);
	int nh = rtnl_route_get_nnexthops(rt);
	o->multipath = nh > 1;
	if (nh >= 1) {
		struct rtnl_nexthop *hop = rtnl_route_nexthop_n(rt, 0);
		o->oif = rtnl_route_nh_get_ifindex(hop);
		struct nl_addr *gw = rtnl_route_nh_get_gateway(hop);
		if (gw) {
			uint8_t fam;
			addr_out(gw, &fam, o->via);
			o->has_via = true;
		}
	}
}

int nlr_route_dump(struct nlr *nl, struct nlr_route **out, size_t *n, struct nst_err *err)
{
	struct nl_cache *cache = NULL;
	reset(nl);
	/* rtnl_route_alloc_cache (libnl 3.7) leaks the cache's hash table when the dump fails
	 * (free, not nl_cache_free): the same cache (every family, no flags), made and filled here. */
	int rc = nl_cache_alloc_name("route/route", &cache);
	if (rc == 0 && (rc = nl_cache_refill(nl->sk, cache)) < 0)
		nl_cache_free(cache);
	if (rc < 0)
		return fail(nl, rc, err, "list routes");
	*n = (size_t)nl_cache_nitems(cache);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	size_t i = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o && i < *n; o = nl_cache_get_next(o))
		route_out((struct rtnl_route *)o, &(*out)[i++]);
	*n = i;
	nl_cache_free(cache);
	return 0;
}

static struct rtnl_route *route_in(const struct nlr_route *r)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct nl_addr *dst = addr_of(r->dst.family, r->dst.a, r->dst.plen);
	rtnl_route_set_family(rt, r->dst.family);
	rtnl_route_set_dst(rt, dst);
	nl_addr_put(dst);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, r->protocol);
	rtnl_route_set_type(rt, r->type ? r->type : RTN_UNICAST);
	rtnl_route_set_priority(rt, r->metric);
	rtnl_route_set_scope(rt, r->has_via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	if (r->has_via || r->oif) {
		struct rtnl_nexthop *hop = rtnl_route_nh_alloc();
		if (r->oif)
			rtnl_route_nh_set_ifindex(hop, r->oif);
		if (r->has_via) {
			struct nl_addr *gw = addr_of(r->dst.family, r->via, r->dst.family == AF_INET ? 32 : 128);
			rtnl_route_nh_set_gateway(hop, gw);
			nl_addr_put(gw);
		}
		rtnl_route_add_nexthop(rt, hop);
	}
	return rt;
}

int nlr_route_add(struct nlr *nl, const struct nlr_route *r, bool replace, struct nst_err *err)
{
	struct rtnl_route *rt = route_in(r);
	reset(nl);
	int rc = rtnl_route_add(nl->sk, rt, NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
	rtnl_route_put(rt);
	return rc < 0 ? fail(nl, rc, err, replace ? "replace a route" : "add a route") : 0;
}

int nlr_route_del(struct nlr *nl, const struct nlr_route *r, struct nst_err *err)
{
	struct rtnl_route *rt = route_in(r);
	reset(nl);
	int rc = rtnl_route_delete(nl->sk, rt, 0);
	rtnl_route_put(rt);
	if (rc < 0 && nl->last_errno == ESRCH)
		return 0;
	return rc < 0 ? fail(nl, rc, err, "delete a route") : 0;
}

int nlr_forwarding(struct nlr *nl, int *v4, int *v6, struct nst_err *err)
{
	struct nl_cache *cache = NULL;
	reset(nl);
	int rc = rtnl_netconf_alloc_cache(nl->sk, &cache);
	if (rc < 0)
		return fail(nl, rc, err, "read the forwarding settings");
	struct rtnl_netconf *c4 = rtnl_netconf_get_all(cache, AF_INET);
	struct rtnl_netconf *c6 = rtnl_netconf_get_all(cache, AF_INET6);
	*v4 = *v6 = -1;
	if (c4 && rtnl_netconf_get_forwarding(c4, v4) < 0)
		*v4 = -1;
	if (c6 && rtnl_netconf_get_forwarding(c6, v6) < 0)
		*v6 = -1;
	if (c4)
		rtnl_netconf_put(c4);
	if (c6)
		rtnl_netconf_put(c6);
	nl_cache_free(cache);
	return 0;
}

/* ---- link readiness ----
 * Plain rtnetlink on the libnl socket's descriptor: dumps read through in the order the kernel
 * queued them, with any change notification in between. libnl's own state is untouched (its
 * sequence numbers are not used, and every message read here is read to its end). */

enum { READ_BUF = 64 * 1024 }; /* the kernel's dump messages are at most 32 KiB */

int nlr_fd(const struct nlr *nl)
{
	return nl_socket_get_fd(nl->sk);
}

/* Where the messages read go; seen collects what change notifications came (NLR_CHANGED_*). */
struct reader {
	nlr_link_fn link;
	nlr_addr6_fn addr6;
	nlr_local6_fn local6;
	void *arg;
	unsigned seen; /* NLR_CHANGED_* */
};

/* IFLA_BRPORT_STATE among the attributes nested in a, else -1. */
static int brport_attr(const struct rtattr *data)
{
	int len = (int)RTA_PAYLOAD(data);
	for (const struct rtattr *a = RTA_DATA(data); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) == IFLA_BRPORT_STATE && RTA_PAYLOAD(a) >= 1)
			return *(const uint8_t *)RTA_DATA(a);
	return -1;
}

/* IFLA_LINKINFO's IFLA_INFO_SLAVE_DATA of a bridge port (the AF_UNSPEC form; the bridge's own
 * AF_BRIDGE notifications carry it in IFLA_PROTINFO): its IFLA_BRPORT_STATE, else -1. */
static int brport_state_of(const struct rtattr *info)
{
	bool bridge = false;
	const struct rtattr *data = NULL;
	int len = (int)RTA_PAYLOAD(info);
	for (const struct rtattr *a = RTA_DATA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if ((a->rta_type & NLA_TYPE_MASK) == IFLA_INFO_SLAVE_KIND)
			bridge = RTA_PAYLOAD(a) >= 7 && memcmp(RTA_DATA(a), "bridge", 7) == 0;
		else if ((a->rta_type & NLA_TYPE_MASK) == IFLA_INFO_SLAVE_DATA)
			data = a;
	}
	return bridge && data ? brport_attr(data) : -1;
}

static unsigned read_link(const struct nlmsghdr *h, struct reader *r)
{
	if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return 0;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	/* The bridge's own RTM_DELLINK (AF_BRIDGE) says a port left it, not that the link went. */
	if (h->nlmsg_type == RTM_DELLINK && ifi->ifi_family == AF_BRIDGE)
		return NLR_CHANGED_LINK;
	struct nlr_linkstate s = { .ifindex = ifi->ifi_index, .name = "", .flags = ifi->ifi_flags,
				   .operstate = IF_OPER_UNKNOWN, .brport_state = -1,
				   .gone = h->nlmsg_type == RTM_DELLINK };
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 0 &&
		    ((const char *)RTA_DATA(a))[RTA_PAYLOAD(a) - 1] == '\0')
			s.name = RTA_DATA(a);
		else if (a->rta_type == IFLA_OPERSTATE && RTA_PAYLOAD(a) >= 1)
			s.operstate = *(const uint8_t *)RTA_DATA(a);
		else if ((a->rta_type & NLA_TYPE_MASK) == IFLA_LINKINFO)
			s.brport_state = brport_state_of(a);
		else if ((a->rta_type & NLA_TYPE_MASK) == IFLA_PROTINFO && ifi->ifi_family == AF_BRIDGE)
			s.brport_state = brport_attr(a);
	}
	if (r->link)
		r->link(&s, r->arg);
	return NLR_CHANGED_LINK;
}

static unsigned read_addr6(const struct nlmsghdr *h, struct reader *r)
{
	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return h->nlmsg_type == RTM_DELADDR ? NLR_CHANGED_IPV6 : 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if (ifa->ifa_family != AF_INET6)
		return 0;
	struct nlr_addr6 s = { .ifindex = (int)ifa->ifa_index, .plen = ifa->ifa_prefixlen,
			       .flags = ifa->ifa_flags };
	bool have = false;
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if ((a->rta_type == IFA_ADDRESS || a->rta_type == IFA_LOCAL) && RTA_PAYLOAD(a) == 16) {
			memcpy(s.a, RTA_DATA(a), 16);
			have = true;
		} else if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) >= 4) {
			memcpy(&s.flags, RTA_DATA(a), 4);
		}
	}
	if (have && r->addr6)
		r->addr6(&s, r->arg);
	return NLR_CHANGED_IPV6;
}

static unsigned read_route6(const struct nlmsghdr *h, struct reader *r)
{
	if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return h->nlmsg_type == RTM_DELROUTE ? NLR_CHANGED_IPV6 : 0;
	const struct rtmsg *rt = NLMSG_DATA(h);
	if (rt->rtm_family != AF_INET6)
		return 0;
	uint32_t table = rt->rtm_table;
	const uint8_t *dst = NULL;
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*rt));
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == 16)
			dst = RTA_DATA(a);
		else if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) >= 4)
			memcpy(&table, RTA_DATA(a), 4);
	}
	if (dst && table == RT_TABLE_LOCAL && rt->rtm_type == RTN_LOCAL && rt->rtm_dst_len == 128 &&
	    r->local6)
		r->local6(dst, r->arg);
	return NLR_CHANGED_IPV6;
}

/* Any message: links to r->link, IPv6 addresses and local routes to r->addr6 and r->local6 when
 * set. Returns what it was (NLR_CHANGED_*). */
static unsigned read_any(const struct nlmsghdr *h, struct reader *r)
{
	return read_link(h, r) | read_addr6(h, r) | read_route6(h, r);
}

/* Reads one datagram through r. Returns 1 when the dump numbered seq ended in it, 2 when the
 * kernel dropped messages (ENOBUFS), 3 when nothing is queued (nonblocking), 0 otherwise, -1
 * on failure. */
static int read_one(struct nlr *nl, char *buf, uint32_t seq, bool block, struct reader *r,
		    struct nst_err *err)
{
	ssize_t got;
	do
		got = recv(nlr_fd(nl), buf, READ_BUF, MSG_TRUNC | (block ? 0 : MSG_DONTWAIT));
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		if (errno == ENOBUFS)
			return 2;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 3;
		return nst_err_set(err, errno, "read interface states");
	}
	if (got > READ_BUF)
		return nst_err_set(err, EMSGSIZE, "read interface states");
	int len = (int)got, rc = 0;
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (seq && h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_DONE) {
			rc = 1;
		} else if (seq && h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error)
				return nst_err_set(err, -e->error, "read interface states");
			rc = 1;
		} else if (h->nlmsg_type >= RTM_BASE) {
			unsigned what = read_any(h, r);
			/* A change notification (not part of this dump) read here is gone from
			 * the queue: the caller learns that one came. */
			if (!seq || h->nlmsg_seq != seq)
				r->seen |= what;
		}
	}
	return rc;
}

/* Reads what is queued, without blocking; returns 1 when the kernel dropped some, 0, or -1. */
static int read_queued(struct nlr *nl, struct reader *r, struct nst_err *err)
{
	char *buf = xmalloc(READ_BUF);
	int rc;
	bool dropped = false;
	while ((rc = read_one(nl, buf, 0, false, r, err)) == 0 || rc == 2)
		dropped |= rc == 2;
	free(buf);
	return rc < 0 ? -1 : dropped;
}

static const int watch_groups[] = { RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE };

int nlr_link_watch(struct nlr *nl, bool on, bool ipv6, struct nst_err *err)
{
	for (size_t i = 0; i < (ipv6 ? 3 : 1); i++)
		if (setsockopt(nlr_fd(nl), SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
			       &watch_groups[i], sizeof(watch_groups[i])) < 0)
			return nst_err_set(err, errno, on ? "watch interface states"
							  : "stop watching interface states");
	struct reader r = { 0 };
	return on ? 0 : read_queued(nl, &r, err) < 0 ? -1 : 0;
}

/* Sends a dump request (type, with a header of len bytes) and reads through r to its end. */
static int dump_through(struct nlr *nl, uint16_t type, const void *hdr, size_t len, struct reader *r,
			struct nst_err *err)
{
	static uint32_t next_seq = 0x6e730000; /* "ns": apart from libnl's, which count from the time */
	char *buf = xmalloc(READ_BUF);
	int rc;
	for (;;) {
		struct {
			struct nlmsghdr h;
			char body[sizeof(struct rtmsg) + sizeof(struct ifinfomsg)];
		} req = {
			.h = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(len), .nlmsg_type = type,
			       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++next_seq },
		};
		memcpy(req.body, hdr, len);
		ssize_t sent;
		do
			sent = send(nlr_fd(nl), &req, req.h.nlmsg_len, 0);
		while (sent < 0 && errno == EINTR);
		if (sent < 0) {
			rc = nst_err_set(err, errno, "read interface states");
			break;
		}
		bool dropped = false;
		while ((rc = read_one(nl, buf, req.h.nlmsg_seq, true, r, err)) != 1 && rc >= 0) {
			dropped |= rc == 2;
			/* A descriptor someone made nonblocking: wait for the rest of the dump. */
			if (rc == 3 && poll(&(struct pollfd){ .fd = nlr_fd(nl), .events = POLLIN }, 1, -1) < 0 &&
			    errno != EINTR) {
				rc = nst_err_set(err, errno, "read interface states");
				break;
			}
		}
		if (rc < 0 || !dropped)
			break;
		/* A change was lost while the dump ran: what the dump said may be older. */
	}
	free(buf);
	return rc < 0 ? -1 : 0;
}

int nlr_link_states(struct nlr *nl, nlr_link_fn fn, void *arg, struct nst_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct reader r = { .link = fn, .arg = arg };
	return dump_through(nl, RTM_GETLINK, &ifi, sizeof(ifi), &r, err) < 0 ? -1 : (int)r.seen;
}

int nlr_ipv6_states(struct nlr *nl, nlr_link_fn link_fn, nlr_addr6_fn addr_fn, nlr_local6_fn local_fn,
		    void *arg, struct nst_err *err)
{
	/* Routes first: an address whose local route is missing from this dump is looked at
	 * again when the route's notification comes (then, or while the addresses are read). */
	struct rtmsg rt = { .rtm_family = AF_INET6, .rtm_table = RT_TABLE_LOCAL };
	struct reader r = { .link = link_fn, .local6 = local_fn, .arg = arg };
	if (dump_through(nl, RTM_GETROUTE, &rt, sizeof(rt), &r, err) < 0)
		return -1;
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6 };
	unsigned seen = r.seen;
	r = (struct reader){ .link = link_fn, .addr6 = addr_fn, .arg = arg };
	if (dump_through(nl, RTM_GETADDR, &ifa, sizeof(ifa), &r, err) < 0)
		return -1;
	return (int)(seen | r.seen);
}

int nlr_link_barrier(struct nlr *nl, struct nst_err *err)
{
	/* The kernel makes qdisc dumps holding the RTNL lock, which its link watch holds from
	 * setting operstate until the device has its queue and the bridge has made the port
	 * forwarding. Link dumps are made without it, so they can see operstate UP before that. */
	struct tcmsg tc = { .tcm_family = AF_UNSPEC };
	struct reader r = { 0 };
	return dump_through(nl, RTM_GETQDISC, &tc, sizeof(tc), &r, err);
}

int nlr_link_changes(struct nlr *nl, nlr_link_fn fn, void *arg, struct nst_err *err)
{
	struct reader r = { .link = fn, .arg = arg };
	int lost = read_queued(nl, &r, err);
	if (lost < 0)
		return -1;
	return (lost ? NLR_CHANGED_LOST : 0) | (int)r.seen;
}

struct nl_sock *nlr_sock(struct nlr *nl)
{
	reset(nl);
	return nl->sk;
}

int nlr_fail(struct nlr *nl, int rc, struct nst_err *err, const char *what)
{
	return fail(nl, rc, err, what);
}
