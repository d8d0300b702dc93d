/* floor.c - the kernel's own cost of an N-router chain, with nothing else around it: per node a
 * named network namespace (bind mount, as `ip netns add`), forwarding on, lo up; per link a
 * veth pair made in place; addresses, link up and two routes per router. What nstopo adds on
 * top of this is its own cost. Forwarding is written through a private procfs instance, renewed
 * every 64 namespaces, as nstopo does (see src/sysctl.c: through /proc the cost of the lookup
 * grows with the number of namespaces). Build: cc -O2 floor.c $(pkg-config --cflags --libs
 * libnl-route-3.0) -o floor. Run as root, in a throwaway namespace: floor N (up then down). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if.h>
#include <sys/stat.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

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

static struct nl_addr *v4(unsigned a, int plen)
{
	struct nl_addr *x = nl_addr_build(AF_INET, &(unsigned){ htonl(a) }, 4);
	nl_addr_set_prefixlen(x, plen);
	return x;
}

static void link_up(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *o = rtnl_link_alloc(), *c = rtnl_link_alloc();
	rtnl_link_set_name(o, name);
	rtnl_link_set_name(c, name);
	rtnl_link_set_flags(c, IFF_UP);
	if (rtnl_link_change(sk, o, c, 0) < 0)
		die("link up");
	rtnl_link_put(o);
	rtnl_link_put(c);
}

static void addr_add(struct nl_sock *sk, const char *dev, unsigned a)
{
	struct rtnl_addr *x = rtnl_addr_alloc();
	struct rtnl_link *l;
	if (rtnl_link_get_kernel(sk, 0, dev, &l) < 0)
		die("get link");
	rtnl_addr_set_ifindex(x, rtnl_link_get_ifindex(l));
	rtnl_link_put(l);
	struct nl_addr *p = v4(a, 30);
	rtnl_addr_set_local(x, p);
	if (rtnl_addr_add(sk, x, 0) < 0)
		die("addr add");
	nl_addr_put(p);
	rtnl_addr_put(x);
}

static void route_add(struct nl_sock *sk, unsigned dst, int plen, unsigned via)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *d = v4(dst, plen), *g = v4(via, 32);
	rtnl_route_set_dst(r, d);
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(r, nh);
	if (rtnl_route_add(sk, r, NLM_F_CREATE) < 0)
		die("route add");
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(r);
}

/* A detached procfs instance, replaced every 64 namespaces, or /proc when that is refused. */
static int proc_for_sysctl(int i)
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

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int home = open("/proc/thread-self/ns/net", O_RDONLY);
	int *fd = calloc((size_t)n + 1, sizeof(int));
	mkdir("/run/netns", 0755);
	double t0 = now();
	for (int i = 1; i <= n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/run/netns/f%d", i);
		close(open(path, O_RDONLY | O_CREAT | O_EXCL, 0));
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare");
		fd[i] = open("/proc/thread-self/ns/net", O_RDONLY);
		if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
			die("bind");
		int proc = proc_for_sysctl(i);
		int s = proc >= 0 ? openat(proc, "sys/net/ipv4/ip_forward", O_WRONLY)
				  : open("/proc/sys/net/ipv4/ip_forward", O_WRONLY);
		if (s < 0 || write(s, "1", 1) != 1)
			die("ip_forward");
		close(s);
		setns(home, CLONE_NEWNET);
	}
	double t1 = now();
	struct nl_sock *root = nl_socket_alloc();
	nl_connect(root, NETLINK_ROUTE);
	for (int i = 1; i < n; i++) {
		struct rtnl_link *l = rtnl_link_veth_alloc(), *p = rtnl_link_veth_get_peer(l);
		rtnl_link_set_name(l, "e");
		rtnl_link_set_ns_fd(l, fd[i]);
		rtnl_link_set_name(p, "w");
		rtnl_link_set_ns_fd(p, fd[i + 1]);
		if (rtnl_link_add(root, l, NLM_F_CREATE | NLM_F_EXCL) < 0)
			die("veth");
		rtnl_link_veth_release(l);
	}
	double t2 = now();
	for (int i = 1; i <= n; i++) {
		setns(fd[i], CLONE_NEWNET);
		struct nl_sock *sk = nl_socket_alloc();
		nl_connect(sk, NETLINK_ROUTE);
		link_up(sk, "lo");
		unsigned base = 0x0a000000u;
		if (i < n) {
			link_up(sk, "e");
			addr_add(sk, "e", base + (unsigned)(i - 1) * 4 + 1);
			route_add(sk, 0x0aff0000u, 16, base + (unsigned)(i - 1) * 4 + 2);
		}
		if (i > 1) {
			link_up(sk, "w");
			addr_add(sk, "w", base + (unsigned)(i - 2) * 4 + 2);
			route_add(sk, 0x0afe0000u, 16, base + (unsigned)(i - 2) * 4 + 1);
		}
		nl_socket_free(sk);
		setns(home, CLONE_NEWNET);
	}
	double t3 = now();
	for (int i = 1; i <= n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/run/netns/f%d", i);
		close(fd[i]);
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	double t4 = now();
	printf("floor %d: up %.3f s (namespaces %.3f, veth %.3f, addresses/routes %.3f), down %.3f s\n", n,
	       t3 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3);
	return 0;
}
