/* floor.c - the kernel's own cost of a lab, with nothing else around it: per node a named network
 * namespace (bind mount, as `ip netns add`), forwarding on for routers, lo up, a bridge for a
 * bridge node; per link a veth pair made in place; addresses, links up, bridge ports and routes.
 * What nstopo adds on top of this is its own cost. Forwarding is written through a private
 * procfs instance renewed every 64 namespaces, as nstopo does (src/sysctl.c: through /proc the
 * lookup grows with the number of namespaces).
 * Build: cc -O2 floor.c $(pkg-config --cflags --libs libnl-route-3.0) -o floor
 * Run as root, in a throwaway namespace: gen.sh SHAPE N floor | floor [--keep] (up, then down
 * unless --keep, which leaves the lab for a look). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct node {
	char name[48], kind[48];
	int fd;
};
struct end {
	int node;
	char ifname[48], addr[48]; /* addr "" on a bridge's port */
};
struct route {
	int node;
	char dst[48], via[48];
};

static struct node *nodes;
static struct end *ends; /* two per link, the link's ends side by side */
static struct route *routes;
static size_t n_nodes, n_ends, n_routes;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *grow(void *v, size_t n, size_t size)
{
	/* Doubling at powers of two: n is the count before the new element. */
	if (n && (n & (n - 1)))
		return v;
	v = realloc(v, (n ? 2 * n : 16) * size);
	if (!v)
		die("realloc");
	return v;
}

static int node_index(const char *name)
{
	ENTRY *e = hsearch((ENTRY){ .key = (char *)name }, FIND);
	if (!e) {
		fprintf(stderr, "floor: no node %s\n", name);
		exit(1);
	}
	return (int)(long)e->data;
}

static void read_lab(FILE *f)
{
	char line[256], a[48], b[48], c[48], d[48], e[48], g[48];
	hcreate(1 << 20);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "node %47s %47s", a, b) == 2) {
			nodes = grow(nodes, n_nodes, sizeof(*nodes));
			struct node *x = &nodes[n_nodes];
			snprintf(x->name, sizeof(x->name), "%s", a);
			snprintf(x->kind, sizeof(x->kind), "%s", b);
			/* The key is a copy: nodes[] moves when it grows. */
			if (!hsearch((ENTRY){ .key = strdup(a), .data = (void *)(long)n_nodes }, ENTER))
				die("hsearch");
			n_nodes++;
		} else if (sscanf(line, "link %47s %47s %47s %47s %47s %47s", a, b, c, d, e, g) == 6) {
			const char *plen = strchr(g, '/');
			ends = grow(ends, n_ends, sizeof(*ends));
			ends[n_ends].node = node_index(a);
			snprintf(ends[n_ends].ifname, sizeof(ends[n_ends].ifname), "%s", c);
			snprintf(ends[n_ends].addr, sizeof(ends[n_ends].addr), "%s%s", e, plen ? plen : "");
			n_ends++;
			ends = grow(ends, n_ends, sizeof(*ends));
			ends[n_ends].node = node_index(b);
			snprintf(ends[n_ends].ifname, sizeof(ends[n_ends].ifname), "%s", d);
			snprintf(ends[n_ends].addr, sizeof(ends[n_ends].addr), "%s", g[0] == '-' ? "" : g);
			n_ends++;
		} else if (sscanf(line, "route %47s %47s %47s", a, b, c) == 3) {
			routes = grow(routes, n_routes, sizeof(*routes));
			routes[n_routes].node = node_index(a);
			snprintf(routes[n_routes].dst, sizeof(routes[n_routes].dst), "%s",
				 strcmp(b, "default") ? b : "0.0.0.0/0");
			snprintf(routes[n_routes].via, sizeof(routes[n_routes].via), "%s", c);
			n_routes++;
		}
	}
}

/* A detached procfs instance, replaced every 64 namespaces, or -1 (then /proc). */
static int proc_for_sysctl(size_t i)
{
	static int mnt = -1;
	if (mnt >= 0 && i % 64 == 0) {
		close(mnt);
		mnt = -1;
	}
	if (mnt < 0) {
		int fs = fsopen("proc", FSOPEN_CLOEXEC);
		if (fs >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
			mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
		if (fs >= 0)
			close(fs);
	}
	return mnt;
}

static int ifindex_of(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l;
	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		die(name);
	int i = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return i;
}

static void link_up(struct nl_sock *sk, const char *name, int master)
{
	struct rtnl_link *o = rtnl_link_alloc(), *c = rtnl_link_alloc();
	rtnl_link_set_name(o, name);
	rtnl_link_set_name(c, name);
	rtnl_link_set_flags(c, IFF_UP);
	if (master)
		rtnl_link_set_master(c, master);
	if (rtnl_link_change(sk, o, c, 0) < 0)
		die("link up");
	rtnl_link_put(o);
	rtnl_link_put(c);
}

static void addr_add(struct nl_sock *sk, const char *dev, const char *cidr)
{
	struct rtnl_addr *x = rtnl_addr_alloc();
	struct nl_addr *p;
	if (nl_addr_parse(cidr, AF_INET, &p) < 0)
		die(cidr);
	rtnl_addr_set_ifindex(x, ifindex_of(sk, dev));
	rtnl_addr_set_local(x, p);
	if (rtnl_addr_add(sk, x, 0) < 0)
		die("addr add");
	nl_addr_put(p);
	rtnl_addr_put(x);
}

static void route_add(struct nl_sock *sk, const struct route *r)
{
	struct rtnl_route *x = rtnl_route_alloc();
	struct nl_addr *d, *g;
	if (nl_addr_parse(r->dst, AF_INET, &d) < 0 || nl_addr_parse(r->via, AF_INET, &g) < 0)
		die("route");
	rtnl_route_set_dst(x, d);
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(x, nh);
	if (rtnl_route_add(sk, x, NLM_F_CREATE) < 0)
		die("route add");
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(x);
}

static void bridge_add(struct nl_sock *sk)
{
	struct rtnl_link *b = rtnl_link_bridge_alloc();
	rtnl_link_set_name(b, "br0");
	rtnl_link_set_flags(b, IFF_UP);
	if (rtnl_link_add(sk, b, NLM_F_CREATE | NLM_F_EXCL) < 0)
		die("bridge");
	rtnl_link_put(b);
}

int main(int argc, char **argv)
{
	int keep = argc > 1 && strcmp(argv[1], "--keep") == 0;
	read_lab(stdin);
	int home = open("/proc/thread-self/ns/net", O_RDONLY);
	mkdir("/run/netns", 0755);
	double t0 = now();
	for (size_t i = 0; i < n_nodes; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/run/netns/%s", nodes[i].name);
		close(open(path, O_RDONLY | O_CREAT | O_EXCL, 0));
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare");
		nodes[i].fd = open("/proc/thread-self/ns/net", O_RDONLY);
		if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
			die("bind");
		if (strcmp(nodes[i].kind, "router") == 0) {
			int proc = proc_for_sysctl(i);
			int s = proc >= 0 ? openat(proc, "sys/net/ipv4/ip_forward", O_WRONLY)
					  : open("/proc/sys/net/ipv4/ip_forward", O_WRONLY);
			if (s < 0 || write(s, "1", 1) != 1)
				die("ip_forward");
			close(s);
		}
		setns(home, CLONE_NEWNET);
	}
	double t1 = now();
	struct nl_sock *root = nl_socket_alloc();
	nl_connect(root, NETLINK_ROUTE);
	for (size_t i = 0; i + 1 < n_ends; i += 2) {
		struct rtnl_link *l = rtnl_link_veth_alloc(), *p = rtnl_link_veth_get_peer(l);
		rtnl_link_set_name(l, ends[i].ifname);
		rtnl_link_set_ns_fd(l, nodes[ends[i].node].fd);
		rtnl_link_set_name(p, ends[i + 1].ifname);
		rtnl_link_set_ns_fd(p, nodes[ends[i + 1].node].fd);
		if (rtnl_link_add(root, l, NLM_F_CREATE | NLM_F_EXCL) < 0)
			die("veth");
		rtnl_link_veth_release(l);
	}
	double t2 = now();
	/* Each node's ends and routes, found by one pass each: index lists per node. */
	size_t *end_first = calloc(n_nodes + 1, sizeof(size_t)), *end_order = malloc(n_ends * sizeof(size_t) + 1);
	size_t *route_first = calloc(n_nodes + 1, sizeof(size_t)), *route_order = malloc(n_routes * sizeof(size_t) + 1);
	for (size_t i = 0; i < n_ends; i++)
		end_first[ends[i].node + 1]++;
	for (size_t i = 0; i < n_routes; i++)
		route_first[routes[i].node + 1]++;
	for (size_t i = 0; i < n_nodes; i++) {
		end_first[i + 1] += end_first[i];
		route_first[i + 1] += route_first[i];
	}
	size_t *fill = calloc(n_nodes, sizeof(size_t));
	for (size_t i = 0; i < n_ends; i++)
		end_order[end_first[ends[i].node] + fill[ends[i].node]++] = i;
	memset(fill, 0, n_nodes * sizeof(size_t));
	for (size_t i = 0; i < n_routes; i++)
		route_order[route_first[routes[i].node] + fill[routes[i].node]++] = i;
	for (size_t i = 0; i < n_nodes; i++) {
		setns(nodes[i].fd, CLONE_NEWNET);
		struct nl_sock *sk = nl_socket_alloc();
		nl_connect(sk, NETLINK_ROUTE);
		link_up(sk, "lo", 0);
		int bridge = 0;
		if (strcmp(nodes[i].kind, "bridge") == 0) {
			bridge_add(sk);
			bridge = ifindex_of(sk, "br0");
		}
		for (size_t k = end_first[i]; k < end_first[i + 1]; k++) {
			const struct end *e = &ends[end_order[k]];
			link_up(sk, e->ifname, bridge);
			if (e->addr[0])
				addr_add(sk, e->ifname, e->addr);
		}
		for (size_t k = route_first[i]; k < route_first[i + 1]; k++)
			route_add(sk, &routes[route_order[k]]);
		nl_socket_free(sk);
		setns(home, CLONE_NEWNET);
	}
	double t3 = now();
	for (size_t i = 0; !keep && i < n_nodes; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/run/netns/%s", nodes[i].name);
		close(nodes[i].fd);
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	double t4 = now();
	printf("floor %zu nodes: up %.3f s (namespaces %.3f, veth %.3f, addresses/routes %.3f), down %.3f s\n",
	       n_nodes, t3 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3);
	return 0;
}
