/* nl.h - the rtnetlink boundary (libnl-route-3): links, addresses and routes of one namespace,
 * as plain structs; errors become an nst_err with errno and extack. Prefix nlr_ (libnl owns nl_). */
#ifndef NSTOPO_NL_H
#define NSTOPO_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "topo.h"

struct nlr; /* one netlink socket, bound to the namespace it was opened in */

/* Opens a socket in the calling thread's current network namespace. */
struct nlr *nlr_open(struct nst_err *err);
void nlr_close(struct nlr *nl);

struct nlr_link {
	char name[TOPO_IFNAME_MAX + 1];
	char kind[16]; /* "veth", "bridge", "" for others */
	char alias[256];
	int ifindex;
	int link;   /* IFLA_LINK: a veth's peer ifindex (in the peer's namespace) */
	int master; /* 0 when none */
	unsigned flags;
	uint32_t mtu;
	uint8_t mac[6];
};

struct nlr_ifaddr {
	int ifindex;
	struct cidr c;
};

struct nlr_route {
	struct cidr dst;
	uint8_t protocol, table, type, scope;
	uint32_t metric;
	int oif;
	bool has_via;
	uint8_t via[16];
	bool multipath;
};

/* Dumps; the arrays are malloc'd and owned by the caller. */
int nlr_link_dump(struct nlr *nl, struct nlr_link **out, size_t *n, struct nst_err *err);
int nlr_addr_dump(struct nlr *nl, struct nlr_ifaddr **out, size_t *n, struct nst_err *err);
int nlr_route_dump(struct nlr *nl, struct nlr_route **out, size_t *n, struct nst_err *err);
/* One link by ifindex; returns 1 when found, 0 when not. */
int nlr_link_get(struct nlr *nl, int ifindex, struct nlr_link *out, struct nst_err *err);

/* One end of a veth pair; ns_fd -1 means the namespace of the socket the request goes on.
 * The first end is made up; the second must be brought up afterwards (nlr_link_set). */
struct nlr_veth_end {
	const char *name;
	int ns_fd;
	uint32_t mtu; /* 0: the kernel's default */
	const uint8_t *mac;
	int master; /* ifindex of a bridge in that namespace, 0 for none */
};

int nlr_veth_add(struct nlr *nl, const struct nlr_veth_end *a, const struct nlr_veth_end *b,
		struct nst_err *err);
int nlr_bridge_add(struct nlr *nl, const char *name, struct nst_err *err);
/* Returns the ifindex of name in nl's namespace, or 0 when there is none. */
int nlr_ifindex(struct nlr *nl, const char *name, struct nst_err *err);

/* Fields to change on a link: each applies only when its flag is set. */
enum {
	NLR_SET_UP = 1u << 0,
	NLR_SET_MTU = 1u << 1,
	NLR_SET_MAC = 1u << 2,
	NLR_SET_MASTER = 1u << 3,
	NLR_SET_ALIAS = 1u << 4,
	NLR_SET_DOWN = 1u << 5,
};
struct nlr_link_change {
	unsigned set;
	uint32_t mtu;
	uint8_t mac[6];
	int master; /* 0 detaches */
	const char *alias;
};
/* The link is ifindex, or name when ifindex is 0. */
int nlr_link_set(struct nlr *nl, int ifindex, const char *name, const struct nlr_link_change *c,
		 struct nst_err *err);
int nlr_link_del(struct nlr *nl, int ifindex, struct nst_err *err);

int nlr_addr_add(struct nlr *nl, int ifindex, const struct cidr *c, struct nst_err *err);
int nlr_addr_del(struct nlr *nl, int ifindex, const struct cidr *c, struct nst_err *err);
/* Drops the neighbour cache entry for address c on ifindex, if there is one. */
int nlr_neigh_forget(struct nlr *nl, int ifindex, const struct cidr *c, struct nst_err *err);

/* A unicast route in the main table with nstopo's protocol (dst, metric, oif, via are used);
 * replace swaps the gateway or device of the route with the same destination and metric. */
int nlr_route_add(struct nlr *nl, const struct nlr_route *r, bool replace, struct nst_err *err);
int nlr_route_del(struct nlr *nl, const struct nlr_route *r, struct nst_err *err);

/* IPv4 and IPv6 forwarding of the whole namespace ("all"), from one netconf dump: the same
 * values as net.ipv4.ip_forward and net.ipv6.conf.all.forwarding, without /proc/sys (whose
 * lookups cost time in the number of namespaces). -1 when the kernel did not say. */
int nlr_forwarding(struct nlr *nl, int *v4, int *v6, struct nst_err *err);

/* ---- link readiness, which `up` waits for ---- */

/* One link as a dump or a change notification gave it; name is valid during the callback. */
struct nlr_linkstate {
	int ifindex;
	const char *name;
	unsigned flags;    /* IFF_UP, IFF_LOWER_UP, ... */
	uint8_t operstate; /* IF_OPER_*: set by the kernel's link watch, after the carrier */
	int brport_state;  /* BR_STATE_* of a bridge port, -1 for other links */
	bool gone;         /* RTM_DELLINK */
};
typedef void (*nlr_link_fn)(const struct nlr_linkstate *s, void *arg);

/* One IPv6 address; flags as IFA_FLAGS (IFA_F_TENTATIVE, IFA_F_NODAD, ...). */
struct nlr_addr6 {
	int ifindex;
	uint8_t a[16];
	uint8_t plen;
	uint32_t flags;
};
typedef void (*nlr_addr6_fn)(const struct nlr_addr6 *s, void *arg);
/* A local route (table local): the kernel's IPv6 address work for that address is done. */
typedef void (*nlr_local6_fn)(const uint8_t a[16], void *arg);

/* Subscribes nl to its namespace's link changes (RTNLGRP_LINK), and with ipv6 to its IPv6
 * address and route changes; with on false, unsubscribes and drops what was queued, so the
 * socket is only the request socket again. Reads nothing else. */
int nlr_link_watch(struct nlr *nl, bool on, bool ipv6, struct nst_err *err);
enum { NLR_CHANGED_LOST = 1, NLR_CHANGED_IPV6 = 2, NLR_CHANGED_LINK = 4 };
/* Dumps every link of the namespace through fn, with any change queued before the dump's end, in
 * the kernel's order (subscribed first, nothing is missed). Returns -1, or what change
 * notifications were read on the way (NLR_CHANGED_*; link changes went to fn too). */
int nlr_link_states(struct nlr *nl, nlr_link_fn fn, void *arg, struct nst_err *err);
/* Dumps the namespace's IPv6 local routes (through local_fn), then its IPv6 addresses (through
 * addr_fn); link changes read on the way go to link_fn. Returns as nlr_link_states: with
 * NLR_CHANGED_IPV6, an IPv6 change came while dumping, and the dumps may miss it. */
int nlr_ipv6_states(struct nlr *nl, nlr_link_fn link_fn, nlr_addr6_fn addr_fn, nlr_local6_fn local_fn,
		    void *arg, struct nst_err *err);
/* Reads the changes already queued, without blocking, link changes through fn. Returns -1, or
 * NLR_CHANGED_LOST when the kernel dropped some (the socket overflowed: dump again) and
 * NLR_CHANGED_IPV6 when an IPv6 address or route changed. */
int nlr_link_changes(struct nlr *nl, nlr_link_fn fn, void *arg, struct nst_err *err);
/* Returns once the kernel's link watch has finished with every link whose state a dump has
 * shown (the state is set before the device is given its queue, in one locked step). */
int nlr_link_barrier(struct nlr *nl, struct nst_err *err);
/* The socket's descriptor, to poll(2) for changes while subscribed. */
int nlr_fd(const struct nlr *nl);

#endif
