/* check.c - the `tests:` probes; see check.h.
 * Each check runs on its own thread, which enters the namespaces it needs with setns (a network
 * namespace is per thread); sockets stay in the namespace they were opened in. Ping uses raw
 * ICMP sockets (nstopo runs as root; datagram ICMP sockets are off by ping_group_range). */
#include "check.h"
#include "arena.h"
#include "linkctl.h"
#include "netns.h"
#include "nl.h"
#include "observe.h"
#include "plan.h"
#include "run.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <linux/rtnetlink.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { TRY_MS = 1000, EXEC_TRY_MS = 10000, RETRY_PAUSE_MS = 200, MAX_WORKERS = 32 };
enum { OTHER_FILES = 64, FILES_PER_JOB = 16 };

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* The lab's node that has this address on one of its interfaces. */
static const struct topo_node *holder_of(const struct topo_lab *lab, uint8_t family, const uint8_t a[16])
{
	size_t len = family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *n = lab->nodes[i];
		if (n->kind == NODE_ROOT)
			continue;
		for (size_t j = 0; j < n->n_ifaces; j++)
			for (size_t k = 0; k < n->ifaces[j].n_addrs; k++) {
				const struct cidr *c = &n->ifaces[j].addrs[k].c;
				if (c->family == family && memcmp(c->a, a, len) == 0)
					return n;
			}
	}
	return NULL;
}

/* A socket address for family/addr/port. */
static socklen_t sockaddr_of(uint8_t family, const uint8_t addr[16], uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, addr, 4);
	return sizeof(*s4);
}

/* ---- ping ---- */

static uint16_t inet_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)(b[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* One echo request and its reply within timeout_ms; 1 on a reply, 0 on none (why says what
 * came instead), -1 when the socket could not be made. The calling thread is in the source
 * namespace. */
static int ping_once(uint8_t family, const uint8_t addr[16], uint16_t id, uint16_t seq,
		     int timeout_ms, char *why, size_t len)
{
	bool v6 = family == AF_INET6;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0) {
		snprintf(why, len, "open an ICMP socket: %s", strerror(errno));
		return -1;
	}
	if (v6) {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	uint8_t pkt[24] = { 0 };
	pkt[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	uint16_t nid = htons(id), nseq = htons(seq);
	memcpy(pkt + 4, &nid, 2);
	memcpy(pkt + 6, &nseq, 2);
	memcpy(pkt + 8, "nstopo-check-ping", 16);
	if (!v6) {
		uint16_t sum = inet_sum(pkt, sizeof(pkt));
		memcpy(pkt + 2, &sum, 2); /* the kernel fills the ICMPv6 checksum itself */
	}
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(family, addr, 0, &ss);
	snprintf(why, len, "no reply within %d ms", timeout_ms);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(why, len, "cannot send: %s", strerror(errno));
		close(fd);
		return 0;
	}
	long deadline = now_ms() + timeout_ms;
	int got = 0;
	while (!got) {
		long wait = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		if (wait <= 0 || poll(&p, 1, (int)wait) <= 0)
			break;
		uint8_t buf[1500];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		const uint8_t *icmp = buf;
		if (!v6) { /* a raw IPv4 socket sees the IP header too */
			size_t hl = (size_t)(buf[0] & 0x0f) * 4;
			if ((size_t)n < hl + 8)
				continue;
			icmp = buf + hl;
			n -= (ssize_t)hl;
		}
		if (n < 8)
			continue;
		uint8_t reply = v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
		uint8_t unreach = v6 ? ICMP6_DST_UNREACH : ICMP_DEST_UNREACH;
		if (icmp[0] == reply && memcmp(icmp + 4, &nid, 2) == 0 && memcmp(icmp + 6, &nseq, 2) == 0) {
			got = 1;
		} else if (icmp[0] == unreach && n >= 8 + (v6 ? 40 : 20) + 8) {
			/* The error quotes our request: is it ours? */
			const uint8_t *inner = icmp + 8 + (v6 ? 40 : (size_t)(icmp[8] & 0x0f) * 4);
			if (inner + 8 <= icmp + n && memcmp(inner + 4, &nid, 2) == 0) {
				snprintf(why, len, "destination unreachable (ICMP code %u)", icmp[1]);
				break;
			}
		}
	}
	close(fd);
	return got;
}

/* ---- tcp ---- */

static int tcp_connect(uint8_t family, const uint8_t addr[16], uint16_t port, int timeout_ms,
		       char *why, size_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, len, "open a socket: %s", strerror(errno));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(family, addr, port, &ss);
	int ok = 0;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		ok = 1;
	} else if (errno == EINPROGRESS) {
		struct pollfd p = { fd, POLLOUT, 0 };
		if (poll(&p, 1, timeout_ms) == 1) {
			int e = 0;
			socklen_t el = sizeof(e);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
			if (e == 0)
				ok = 1;
			else
				snprintf(why, len, "connection failed: %s", strerror(e));
		} else {
			snprintf(why, len, "no answer within %d ms", timeout_ms);
		}
	} else {
		snprintf(why, len, "connection failed: %s", strerror(errno));
	}
	close(fd);
	return ok;
}

/* A listener of the check's own in the current namespace; -1 when something listens already
 * (or the port is taken), which is then what the check connects to. */
static int listen_own(uint8_t family, const uint8_t addr[16], uint16_t port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(family, addr, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- one check ---- */

struct job {
	const struct topo_lab *lab;
	const struct topo_check *c;
	struct check_result *r;
	/* Namespaces by name and inode; their fds are open only while the job runs, so that a
	 * lab of any size fits the descriptor limit (the pool runs a bounded number at once). */
	struct netns from;     /* the node the check runs from (ping, tcp) or in (route, exec) */
	struct netns holder;   /* tcp: the node holding the target; no name when none */
	uint16_t id;
	const struct check_each *each; /* told when the result is in; NULL for none */
	size_t index;
};

static void addr_text(uint8_t family, const uint8_t a[16], char *buf, size_t len)
{
	addr_format(family, a, buf, len);
}

static int attempt_ping(struct job *j, char *why, size_t len)
{
	uint8_t fam, a[16];
	report_target(j->lab, j->c->to, &fam, a);
	static atomic_uint seq;
	return ping_once(fam, a, j->id, (uint16_t)atomic_fetch_add(&seq, 1), TRY_MS, why, len);
}

static int attempt_tcp(struct job *j, char *why, size_t len)
{
	uint8_t fam, a[16];
	report_target(j->lab, j->c->to, &fam, a);
	int own = -1;
	if (j->holder.fd >= 0 && !j->c->expect_fail) {
		if (setns(j->holder.fd, CLONE_NEWNET) < 0) {
			snprintf(why, len, "enter the target's namespace: %s", strerror(errno));
			return -1;
		}
		own = listen_own(fam, a, j->c->port);
		if (setns(j->from.fd, CLONE_NEWNET) < 0) {
			if (own >= 0)
				close(own);
			snprintf(why, len, "enter the source's namespace: %s", strerror(errno));
			return -1;
		}
	}
	int ok = tcp_connect(fam, a, j->c->port, TRY_MS, why, len);
	if (own >= 0)
		close(own);
	return ok;
}

static int attempt_route(struct job *j, char *why, size_t len)
{
	struct nst_err err = { 0 };
	struct nlr *nl = nlr_open(&err);
	if (!nl) {
		snprintf(why, len, "open a netlink socket: %.200s", err.msg);
		return -1;
	}
	struct nlr_route *routes = NULL;
	struct nlr_link *links = NULL;
	size_t nr = 0, nlk = 0;
	int ok = -1;
	if (nlr_route_dump(nl, &routes, &nr, &err) < 0 || nlr_link_dump(nl, &links, &nlk, &err) < 0) {
		snprintf(why, len, "read the routes: %.200s", err.msg);
		goto out;
	}
	const struct topo_check *c = j->c;
	struct cidr want = c->route_to;
	bool deflt = strcmp(c->to, "default") == 0;
	char to[CIDR_STR_MAX], via[CIDR_STR_MAX], seen[CIDR_STR_MAX] = "";
	snprintf(to, sizeof(to), "%s", c->to);
	ok = 0;
	snprintf(why, len, "no route to %s", to);
	for (size_t i = 0; i < nr && ok == 0; i++) {
		const struct nlr_route *r = &routes[i];
		if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST)
			continue;
		if (deflt ? r->dst.plen != 0 : !cidr_equal(&r->dst, &want))
			continue;
		if (c->has & CHECK_HAS_VIA) {
			size_t l = r->dst.family == AF_INET ? 4 : 16;
			if (!r->has_via || memcmp(r->via, c->via, l) != 0) {
				if (r->has_via)
					addr_text(r->dst.family, r->via, seen, sizeof(seen));
				addr_text(r->dst.family, c->via, via, sizeof(via));
				snprintf(why, len, "the route to %s goes %s%s, expected via %s", to,
					 r->has_via ? "via " : "", r->has_via ? seen : r->multipath ? "over several paths" : "directly", via);
				continue;
			}
		}
		if (c->has & CHECK_HAS_DEV) {
			const char *dev = NULL;
			for (size_t k = 0; k < nlk; k++)
				if (links[k].ifindex == r->oif)
					dev = links[k].name;
			if (!dev || strcmp(dev, c->dev) != 0) {
				snprintf(why, len, "the route to %s leaves by %s, expected dev %s", to,
					 dev ? dev : "(no device)", c->dev);
				continue;
			}
		}
		ok = 1;
	}
out:
	free(routes);
	free(links);
	nlr_close(nl);
	return ok;
}

static int attempt_exec(struct job *j, char *why, size_t len)
{
	const struct topo_check *c = j->c;
	char **env = topo_node_env_new(topo_node_find(j->lab, c->node));
	struct run_opts o = { .lab = j->lab->name, .node = c->node, .net = &j->from, .role = "check",
			      .timeout_ms = EXEC_TRY_MS, .env = (const char *const *)env };
	char out[8192];
	int status;
	struct nst_err err = { 0 };
	int started = run_in_node(c->argv, &o, &status, out, sizeof(out), &err);
	topo_env_free(env);
	if (started < 0) {
		snprintf(why, len, "cannot run %s: %s", c->argv[0], strerror(err.code));
		return 0;
	}
	size_t l = strlen(out);
	const char *tail = l > 300 ? out + l - 300 : out;
	if (status != 0) {
		snprintf(why, len, "%.60s %s%d, expected 0; output ends with: %.300s", c->argv[0],
			 status < 0 ? "timed out" : "exited with status ", status < 0 ? EXEC_TRY_MS / 1000 : status,
			 tail);
		return 0;
	}
	if (c->output && !strstr(out, c->output)) {
		snprintf(why, len, "the output has no '%.100s'; it ends with: %.300s", c->output, tail);
		return 0;
	}
	if (c->output_regex) {
		regex_t re;
		if (regcomp(&re, c->output_regex, REG_EXTENDED | REG_NOSUB) != 0)
			return 0;
		int m = regexec(&re, out, 0, NULL, 0);
		regfree(&re);
		if (m != 0) {
			snprintf(why, len, "the output does not match /%.100s/; it ends with: %.300s", c->output_regex, tail);
			return 0;
		}
	}
	return 1;
}

/* The namespace ns named when the job was made, opened again: the same one (its inode). */
static int job_open(struct netns *ns)
{
	struct netns now;
	struct nst_err err = { 0 };
	if (!ns->name || netns_open(ns->name, &now, &err) <= 0)
		return -1;
	bool same = now.ino == ns->ino;
	if (same) {
		ns->fd = now.fd;
		now.fd = -1;
	}
	netns_close(&now);
	return same ? 0 : -1;
}

static void job_close(struct netns *ns)
{
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
}

static void run_job_open(struct job *j);

static void run_job(void *arg)
{
	struct job *j = arg;
	if (job_open(&j->from) < 0) {
		snprintf(j->r->reason, sizeof(j->r->reason), "node %s is gone (its namespace was removed or "
			 "replaced while the checks ran)", j->c->node);
	} else {
		if (j->holder.name && job_open(&j->holder) < 0)
			job_close(&j->holder); /* as when no node holds the target: no listener of ours */
		run_job_open(j);
		job_close(&j->from);
		job_close(&j->holder);
	}
	if (j->each)
		j->each->done(j->each->arg, j->index);
}

static void run_job_open(struct job *j)
{
	const struct topo_check *c = j->c;
	struct check_result *r = j->r;
	long start = now_ms(), deadline = start + c->within_ms;
	char why[512] = "";
	int got = 0;
	if (c->kind != CHECK_EXEC && setns(j->from.fd, CLONE_NEWNET) < 0) {
		snprintf(r->reason, sizeof(r->reason), "cannot enter node %s: %s", c->node, strerror(errno));
		return;
	}
	for (;;) {
		switch (c->kind) {
		case CHECK_PING: got = attempt_ping(j, why, sizeof(why)); break;
		case CHECK_TCP: got = attempt_tcp(j, why, sizeof(why)); break;
		case CHECK_ROUTE: got = attempt_route(j, why, sizeof(why)); break;
		case CHECK_EXEC: got = attempt_exec(j, why, sizeof(why)); break;
		case CHECK_STEP: got = -1; break; /* run_step's, never the pool's */
		}
		if (got < 0 || (got && !c->expect_fail))
			break;
		long left = deadline - now_ms();
		if (left <= 0)
			break;
		sleep_ms(left < RETRY_PAUSE_MS ? left : RETRY_PAUSE_MS);
	}
	r->pass = c->expect_fail ? got == 0 : got == 1;
	r->seconds = (double)(now_ms() - start) / 1000.0;
	if (r->pass)
		return;
	char want[300] = "", addr[CIDR_STR_MAX] = "";
	uint8_t fam, a[16];
	if ((c->kind == CHECK_PING || c->kind == CHECK_TCP) && report_target(j->lab, c->to, &fam, a))
		addr_format(fam, a, addr, sizeof(addr));
	switch (c->kind) {
	case CHECK_PING: snprintf(want, sizeof(want), "an echo reply from %s", addr); break;
	case CHECK_TCP: snprintf(want, sizeof(want), "a connection to %s port %u", addr, c->port); break;
	case CHECK_ROUTE: snprintf(want, sizeof(want), "a route on %s as the check says", c->node); break;
	case CHECK_EXEC: snprintf(want, sizeof(want), "exit status 0%s", c->output || c->output_regex ? " and the output asked for" : ""); break;
	case CHECK_STEP: break;
	}
	if (c->expect_fail)
		snprintf(r->reason, sizeof(r->reason), "expected no %s%s, but found one", want + (want[0] == 'a' && want[1] == ' ' ? 2 : 0),
			 c->within_ms ? " at the deadline" : "");
	else
		snprintf(r->reason, sizeof(r->reason), "expected %s%s; found: %s", want,
			 c->within_ms ? " within the deadline" : "", why);
}

static void step_title(const struct topo_check *c, char *buf, size_t len);

/* " WORD" as a shell reads it back: quoted in '...' unless every character is plain, so an
 * exec check's title can be pasted (sh -c 'sleep 3; echo hi'). Returns the length it wanted. */
static int shell_word(char *buf, size_t len, const char *w)
{
	bool plain = w[0] != '\0';
	for (const char *p = w; *p && plain; p++)
		plain = isalnum((unsigned char)*p) || strchr("_@%+=:,./-", *p);
	if (plain)
		return snprintf(buf, len, " %s", w);
	size_t n = 0;
#define PUT(ch) (n + 1 < len ? (void)(buf[n] = (ch)) : (void)0, n++)
	PUT(' ');
	PUT('\'');
	for (const char *p = w; *p; p++)
		if (*p == '\'') {
			PUT('\'');
			PUT('\\');
			PUT('\'');
			PUT('\'');
		} else {
			PUT(*p);
		}
	PUT('\'');
#undef PUT
	if (len)
		buf[n < len ? n : len - 1] = '\0';
	return (int)n;
}

static void check_title(const struct topo_check *c, char *buf, size_t len)
{
	if (c->name) {
		snprintf(buf, len, "%s", c->name);
		return;
	}
	const char *fail = c->expect_fail ? " (expect fail)" : "";
	switch (c->kind) {
	case CHECK_PING:
		snprintf(buf, len, "ping %s -> %s%s", c->node, c->to, fail);
		break;
	case CHECK_TCP:
		snprintf(buf, len, "tcp %s -> %s:%u%s", c->node, c->to, c->port, fail);
		break;
	case CHECK_ROUTE: {
		char via[CIDR_STR_MAX] = "";
		if (c->has & CHECK_HAS_VIA)
			addr_format(c->route_to.family ? c->route_to.family : AF_INET, c->via, via, sizeof(via));
		snprintf(buf, len, "route %s: %s%s%s%s%s%s", c->node, c->to, via[0] ? " via " : "", via,
			 (c->has & CHECK_HAS_DEV) ? " dev " : "", (c->has & CHECK_HAS_DEV) ? c->dev : "", fail);
		break;
	}
	case CHECK_EXEC: {
		int n = snprintf(buf, len, "exec %s:", c->node);
		for (size_t i = 0; i < c->argc && (size_t)n < len; i++)
			n += shell_word(buf + n, len - (size_t)n, c->argv[i]);
		if ((size_t)n < len)
			snprintf(buf + n, len - (size_t)n, "%s", fail);
		break;
	}
	case CHECK_STEP:
		step_title(c, buf, len);
		break;
	}
}

/* ---- the pool ---- */

struct pool {
	char *base;
	size_t n, size;
	atomic_size_t next;
	void (*fn)(void *);
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			return NULL;
		p->fn(p->base + i * p->size);
	}
}

/* Runs fn on each of n items of size bytes at base, on up to MAX_WORKERS threads. fn may
 * leave its thread in another network namespace (each job enters its node's). When no thread
 * can be made at all (EAGAIN: the process or user is at its limit of tasks), the jobs run here,
 * one after the other, and this thread goes back to its own namespace after each: whatever runs
 * next (a netlink socket opened, a program started) must not find itself in a lab node. -1 with
 * errno set when that cannot be promised; no job has run then, or the one that could not leave
 * was the last. */
static int pool_run(void *base, size_t n, size_t size, void (*fn)(void *))
{
	struct pool p = { .base = base, .n = n, .size = size, .fn = fn };
	atomic_init(&p.next, 0);
	size_t w = n < MAX_WORKERS ? n : MAX_WORKERS;
	/* A job holds up to FILES_PER_JOB descriptors at once (its namespaces, a socket or two,
	 * a program's pipes): no more jobs at once than the limit leaves room for. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > 2 * OTHER_FILES ? (rl.rlim_cur - OTHER_FILES) / FILES_PER_JOB : 1;
		if (room < w)
			w = room ? (size_t)room : 1;
	}
	pthread_t *t = xcalloc(w + 1, sizeof(*t));
	size_t started = 0;
	int rc = 0;
	for (; started < w; started++)
		if (pthread_create(&t[started], NULL, worker, &p) != 0)
			break;
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	if (started || !n)
		return 0;
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		fn((char *)base + i * size);
		rc = setns(home, CLONE_NEWNET);
	}
	int e = errno;
	close(home);
	errno = e;
	return rc < 0 ? -1 : 0;
}

/* The running namespace of each node the checks use, found by the lab's markers. */
struct running {
	struct lab_node_ref *refs;
	size_t n;
};

static int open_node(const struct running *run, const struct topo_lab *lab, const char *node,
		     struct netns *out, struct nst_err *err)
{
	const struct topo_node *n = topo_node_find(lab, node);
	const char *ns = n ? topo_node_netns((struct topo_lab *)lab, n) : NULL;
	for (size_t i = 0; ns && i < run->n; i++)
		if (strcmp(run->refs[i].node, node) == 0 && strcmp(run->refs[i].netns, ns) == 0)
			return netns_open(ns, out, err) > 0 ? 0 : nst_err_set(err, ENOENT, "node %s is gone", node);
	return nst_err_set(err, ENOENT, "lab %s is not running: node %s has no namespace (run `nstopo up` first)",
			   lab->name, node);
}

/* ---- scenario steps ---- */

static void step_title(const struct topo_check *c, char *buf, size_t len)
{
	if (c->name) {
		snprintf(buf, len, "%s", c->name);
		return;
	}
	int n = snprintf(buf, len, "do: link %s:%s%s", c->node, c->link_if,
			 c->state < 0 ? "" : c->state ? " up" : " down");
	for (size_t i = 0; i < c->n_step_kv && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, " %s %s", c->step_kv[2 * i], c->step_kv[2 * i + 1]);
}

/* Cut to fit when long: a reason is for people to read. */
static int err_text(const struct nst_err *e, char *buf, size_t len)
{
	return snprintf(buf, len, "%.80s%s%.300s%s%.60s%s%.120s", e->obj, e->obj[0] ? ": " : "", e->msg,
		 e->code ? ": " : "", e->code ? strerror(e->code) : "", e->extack[0] ? "; kernel: " : "",
		 e->extack);
}

static void run_step(const struct topo_lab *lab, struct job *j)
{
	const struct topo_check *c = j->c;
	long start = now_ms();
	struct linkctl op = { .state = c->state, .impair = c->n_step_kv > 0, .kv = c->step_kv,
			      .n_kv = c->n_step_kv };
	struct nst_err e = { 0 };
	j->r->pass = linkctl_apply(lab->name, c->node, c->link_if, &op, NULL, 0, &e) == 0;
	j->r->seconds = (double)(now_ms() - start) / 1000.0;
	if (!j->r->pass)
		(void)err_text(&e, j->r->reason, sizeof(j->r->reason));
}

/* The run ends with the lab as the file has it, pass or fail: every link a step touched up, and
 * the impairments of the ends they named the file's. A failure is the step's. */
static void restore_steps(const struct topo_lab *lab, struct job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct topo_check *c = jobs[i].c;
		bool seen = false;
		for (size_t k = 0; k < i && !seen && c->kind == CHECK_STEP; k++)
			seen = jobs[k].c->kind == CHECK_STEP && strcmp(jobs[k].c->node, c->node) == 0 &&
			       strcmp(jobs[k].c->link_if, c->link_if) == 0;
		if (c->kind != CHECK_STEP || seen)
			continue;
		struct nst_err e = { 0 };
		if (linkctl_restore(lab, c->node, c->link_if, &e) < 0) {
			char why[600];
			(void)err_text(&e, why, sizeof(why));
			jobs[i].r->pass = false;
			if (snprintf(jobs[i].r->reason, sizeof(jobs[i].r->reason),
				     "could not put the link back as the file has it: %s", why) < 0)
				jobs[i].r->reason[0] = '\0';
		}
	}
}

int check_run(const struct topo_lab *lab, struct check_result *out, struct nst_err *err)
{
	return check_run_each(lab, out, NULL, err);
}

int check_run_each(const struct topo_lab *lab, struct check_result *out,
		   const struct check_each *each, struct nst_err *err)
{
	struct running run = { 0 };
	if (netns_init(err) < 0 || observe_find_nodes(lab->name, NULL, &run.refs, &run.n, err) < 0)
		return -1;
	size_t n = lab->n_checks;
	struct job *jobs = xcalloc(n + 1, sizeof(*jobs));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		j->lab = lab;
		j->c = &lab->checks[i];
		j->r = &out[i];
		j->holder.fd = -1;
		j->from.fd = -1;
		j->id = (uint16_t)((getpid() * 31 + (int)i * 7919) & 0xffff);
		j->each = each;
		j->index = i;
		memset(j->r, 0, sizeof(*j->r));
		check_title(j->c, j->r->title, sizeof(j->r->title));
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct job *j = &jobs[i];
		if ((rc = open_node(&run, lab, j->c->node, &j->from, err)) < 0)
			break;
		job_close(&j->from); /* found; opened again when the job runs */
		if (j->c->kind == CHECK_TCP) {
			uint8_t fam, a[16];
			const struct topo_node *h = report_target(lab, j->c->to, &fam, a) ? holder_of(lab, fam, a) : NULL;
			if (h && open_node(&run, lab, h->name, &j->holder, err) == 0)
				job_close(&j->holder);
			nst_err_clear(err);
		}
	}
	/* Steps are barriers: the checks between two run together, each step alone, in file order. */
	size_t first = 0;
	bool acted = false;
	for (size_t i = 0; rc == 0 && i <= n; i++) {
		if (i < n && jobs[i].c->kind != CHECK_STEP)
			continue;
		if (i > first && pool_run(jobs + first, i - first, sizeof(*jobs), run_job) < 0) {
			rc = nst_err_set(err, errno, "run the checks without threads (none could be made) "
					 "and return to this process's network namespace");
			break;
		}
		if (i < n) {
			run_step(lab, &jobs[i]);
			acted = true;
		}
		first = i + 1;
	}
	if (acted)
		restore_steps(lab, jobs, n);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		rc += !out[i].pass;
	for (size_t i = 0; i < n; i++) {
		netns_close(&jobs[i].from);
		netns_close(&jobs[i].holder);
	}
	free(jobs);
	observe_refs_free(run.refs, run.n);
	return rc;
}

/* ---- all pairs ---- */

struct pair_job {
	struct job j;
	uint8_t family;
	uint8_t addr[16];
	size_t src, dst; /* indexes in the node list */
	bool ok;
};

static void run_pair(void *arg)
{
	struct pair_job *p = arg;
	char why[256];
	if (setns(p->j.from.fd, CLONE_NEWNET) < 0)
		return;
	for (int t = 0; t < 2 && !p->ok; t++) /* a first packet may wait for ARP */
		p->ok = ping_once(p->family, p->addr, p->j.id, (uint16_t)t, TRY_MS, why, sizeof(why)) == 1;
}

/* Which families (bit 0 IPv4, bit 1 IPv6) a node has an address in: it can only ping those. */
static unsigned node_families(const struct topo_node *n)
{
	unsigned f = 0;
	for (size_t i = 0; i < n->n_ifaces; i++)
		for (size_t a = 0; a < n->ifaces[i].n_addrs; a++)
			f |= n->ifaces[i].addrs[a].c.family == AF_INET ? 1u : 2u;
	return f;
}

/* The kernel's count of "neighbor table overflow" (table_fulls, the last column of
 * /proc/net/stat/arp_cache and ndisc_cache, hex, one line per CPU), summed over both tables.
 * The tables are global, so this counts every namespace's overflows; -1 when unreadable. */
static long long neigh_table_fulls(void)
{
	static const char *const files[] = { "/proc/net/stat/arp_cache", "/proc/net/stat/ndisc_cache" };
	long long sum = 0;
	bool any = false;
	for (size_t f = 0; f < 2; f++) {
		int fd = open(files[f], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (!in) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		char line[1024];
		int col = -1;
		while (fgets(line, sizeof(line), in)) {
			char *save = NULL;
			int i = 0;
			for (char *w = strtok_r(line, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++) {
				if (col < 0 && strcmp(w, "table_fulls") == 0)
					col = i;
				else if (col >= 0 && i == col)
					sum += strtoll(w, NULL, 16), any = true;
			}
		}
		fclose(in);
	}
	return any ? sum : -1;
}

int check_all_pairs(const struct topo_lab *lab, FILE *out, struct json_object **json,
		    long long *overflows, struct nst_err *err)
{
	struct running run = { 0 };
	if (netns_init(err) < 0 || observe_find_nodes(lab->name, NULL, &run.refs, &run.n, err) < 0)
		return -1;
	const struct topo_node **nodes = xcalloc(lab->n_nodes + 1, sizeof(*nodes));
	struct netns *ns = xcalloc(lab->n_nodes + 1, sizeof(*ns));
	size_t nn = 0, np = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < lab->n_nodes && rc == 0; i++) {
		const struct topo_node *n = lab->nodes[i];
		if (n->kind == NODE_ROOT || n->kind == NODE_BRIDGE)
			continue;
		ns[nn].fd = -1;
		if ((rc = open_node(&run, lab, n->name, &ns[nn], err)) == 0)
			nodes[nn++] = n;
	}
	/* Pairs are made source by source, destination by destination: the report walks them once. */
	struct pair_job *pairs = NULL;
	for (size_t s = 0; rc == 0 && s < nn; s++) {
		unsigned fam = node_families(nodes[s]);
		for (size_t d = 0; d < nn; d++) {
			if (s == d)
				continue;
			for (size_t i = 0; i < nodes[d]->n_ifaces; i++)
				for (size_t a = 0; a < nodes[d]->ifaces[i].n_addrs; a++) {
					const struct cidr *c = &nodes[d]->ifaces[i].addrs[a].c;
					if (!(fam & (c->family == AF_INET ? 1u : 2u)))
						continue;
					if (np == cap)
						pairs = xrealloc(pairs, (cap = cap ? cap * 2 : 64) * sizeof(*pairs));
					struct pair_job *p = &pairs[np++];
					memset(p, 0, sizeof(*p));
					p->j.from = ns[s];
					p->j.id = (uint16_t)((getpid() * 31 + (int)np * 7919) & 0xffff);
					p->family = c->family;
					memcpy(p->addr, c->a, 16);
					p->src = s;
					p->dst = d;
				}
		}
	}
	long long fulls_before = rc == 0 ? neigh_table_fulls() : -1;
	if (rc == 0 && pool_run(pairs, np, sizeof(*pairs), run_pair) < 0)
		rc = nst_err_set(err, errno, "run the pings without threads (none could be made) and "
				 "return to this process's network namespace");
	long long fulls_after = fulls_before >= 0 ? neigh_table_fulls() : -1;
	/* -1: unknown (the counters are only in the initial network namespace's /proc/net). */
	long long fulls = fulls_after >= fulls_before && fulls_before >= 0 ? fulls_after - fulls_before : -1;
	*overflows = fulls;
	size_t sent = 0, received = 0, k = 0;
	/* The JSON document is built with json-c; names and addresses are ASCII (validated). */
	struct json_object *doc = NULL, *jpairs = NULL;
	if (rc == 0 && json) {
		doc = json_object_new_object();
		jpairs = json_object_new_array();
		struct json_object *jnodes = json_object_new_array();
		json_object_object_add(doc, "lab", json_object_new_string(lab->name));
		for (size_t i = 0; i < nn; i++)
			json_object_array_add(jnodes, json_object_new_string(nodes[i]->name));
		json_object_object_add(doc, "nodes", jnodes);
	} else if (rc == 0) {
		fputs("*** Ping: testing reachability between every pair of nodes\n", out);
	}
	for (size_t s = 0; rc == 0 && s < nn; s++) {
		if (!json)
			fprintf(out, "%s ->", nodes[s]->name);
		for (size_t d = 0; d < nn; d++) {
			if (s == d)
				continue;
			size_t tried = 0, got = 0;
			for (; k < np && pairs[k].src == s && pairs[k].dst == d; k++) {
				tried++;
				got += pairs[k].ok;
				if (json) {
					char a[CIDR_STR_MAX];
					addr_format(pairs[k].family, pairs[k].addr, a, sizeof(a));
					struct json_object *p = json_object_new_object();
					json_object_object_add(p, "from", json_object_new_string(nodes[s]->name));
					json_object_object_add(p, "to", json_object_new_string(nodes[d]->name));
					json_object_object_add(p, "address", json_object_new_string(a));
					json_object_object_add(p, "ok", json_object_new_boolean(pairs[k].ok));
					json_object_array_add(jpairs, p);
				}
			}
			sent += tried;
			received += got;
			/* "-": the two have no address family in common, nothing was tried. */
			if (!json)
				fprintf(out, " %s", !tried ? "-" : got == tried ? nodes[d]->name : "X");
		}
		if (!json)
			fputc('\n', out);
	}
	if (rc == 0) {
		if (json) {
			json_object_object_add(doc, "pairs", jpairs);
			json_object_object_add(doc, "sent", json_object_new_uint64(sent));
			json_object_object_add(doc, "received", json_object_new_uint64(received));
			json_object_object_add(doc, "neighbour_table_overflows",
					       fulls >= 0 ? json_object_new_int64(fulls) : NULL);
			*json = doc;
			doc = NULL;
		} else {
			fprintf(out, "*** Results: %zu%% dropped (%zu/%zu received)\n",
				sent ? (sent - received) * 100 / sent : 0, received, sent);
		}
		rc = (int)(sent - received);
	}
	json_object_put(doc);
	for (size_t i = 0; i < nn; i++)
		netns_close(&ns[i]);
	free(ns);
	free(nodes);
	free(pairs);
	observe_refs_free(run.refs, run.n);
	return rc;
}
