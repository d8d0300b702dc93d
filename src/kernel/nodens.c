/* nodens.c - a node's UTS and mount namespaces; see nodens.h.
 * A mount namespace copies every mount of its parent, and the machine's /run/netns holds one
 * bind mount per lab node: copying that per node would be quadratic. Nodes are therefore made
 * from a template mount namespace in which /run/netns and /run/nstopo are detached (decisions.md).
 * Namespace changes happen in short-lived children: setns(CLONE_NEWNS) needs an unshared fs
 * context, and the parent keeps its own root and working directory. */
#include "nodens.h"
#include "paths.h"
#include "mountinfo.h"
#include "safefs.h"
#include "arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- children that change namespaces ---- */

struct child_report {
	int code;
	char msg[240];
	int cpu; /* create_child: the CPU whose namespace ids were new enough, -1 when any */
};

static int child_fail(struct child_report *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int child_fail(struct child_report *r, int code, const char *fmt, ...)
{
	r->code = code ? code : EIO;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -1;
}

typedef int (*child_fn)(void *arg, struct child_report *r);
typedef int (*parent_fn)(pid_t child, void *arg, struct nst_err *err);

/* Runs fn in a child; once it has succeeded, while it is still alive (its namespaces with it),
 * runs then(child) in the parent; then lets the child end. */
static int in_child(child_fn fn, void *arg, parent_fn then, void *then_arg, struct nst_err *err)
{
	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return nst_err_set(err, errno, "make a pipe");
	if (pipe2(go, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return nst_err_set(err, errno, "make a pipe");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
		return nst_err_set(err, e, "fork");
	}
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		struct child_report r = { 0 };
		fn(arg, &r);
		if (write(ready[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		char c;
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	struct child_report r = { .code = EPIPE };
	ssize_t got;
	while ((got = read(ready[0], &r, sizeof(r))) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(r))
		r = (struct child_report){ .code = EPIPE, .msg = "a helper process ended early" };
	int rc = 0;
	if (r.code)
		rc = nst_err_set(err, r.code, "%s", r.msg);
	else if (then)
		rc = then(pid, then_arg, err);
	close(ready[0]);
	close(go[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return rc;
}

/* ---- the template ---- */

static int template_fd = -1;

/* Detaches every mount at or under one of the lab run directories. */
static void detach_lab_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char mp[2048];
		/* id parent major:minor root mountpoint ... */
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mp) != 1)
			continue;
		if (strncmp(mp, NETNS_RUN_DIR, strlen(NETNS_RUN_DIR)) == 0 ||
		    strncmp(mp, NSTOPO_RUN_DIR, strlen(NSTOPO_RUN_DIR)) == 0)
			umount2(mp, MNT_DETACH); /* may already be gone with its parent */
	}
	fclose(f);
}

static int template_child(void *arg, struct child_report *r)
{
	if (unshare(CLONE_NEWNS) < 0)
		return child_fail(r, errno, "create a mount namespace");
	/* Private: the host's later mounts (a new node's netns) never reach the nodes. */
	if (mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return child_fail(r, errno, "make the template's mounts private");
	detach_lab_mounts();
	return 0;
}

static int template_keep(pid_t child, void *arg, struct nst_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)child);
	template_fd = open(path, O_RDONLY | O_CLOEXEC);
	return template_fd < 0 ? nst_err_set(err, errno, "open %s", path) : 0;
}

static int template_get(struct nst_err *err)
{
	if (template_fd >= 0)
		return 0;
	if (in_child(template_child, NULL, template_keep, NULL, err) < 0)
		return nst_err_wrap(err, "make the template mount namespace");
	return 0;
}

/* ---- the lab's namespace directory ---- */

/* 1 when path is the root of a mount (its mount id differs from its parent's), 0 when not. */
static int is_mount_point(const char *path)
{
	struct statx a, b;
	char parent[1024];
	snprintf(parent, sizeof(parent), "%s/..", path);
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &a) < 0 ||
	    statx(AT_FDCWD, parent, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &b) < 0)
		return -1;
	if (!(a.stx_mask & STATX_MNT_ID) || !(b.stx_mask & STATX_MNT_ID))
		return a.stx_dev_major != b.stx_dev_major || a.stx_dev_minor != b.stx_dev_minor;
	return a.stx_mnt_id != b.stx_mnt_id;
}

/* A namespace file cannot be bound on a shared mount: ns/ is a private bind mount of itself.
 * The lab's directory is made (root's, 0700) and checked by safefs_lab_dir first; the path used
 * for mount() then goes only through directories no one but root may change. */
static int lab_ns_dir(const char *lab, struct nst_err *err)
{
	static char ready[64]; /* the lab whose ns/ this run has made ready */
	if (strcmp(ready, lab) == 0)
		return 0;
	char dir[512];
	paths_ns_dir(dir, sizeof(dir), lab);
	int labfd = safefs_lab_dir(lab, SAFEFS_CREATE, err);
	if (labfd < 0)
		return -1;
	int ns = safefs_mkdir(labfd, "ns", 0755, NULL);
	int e = errno;
	close(labfd);
	if (ns < 0)
		return nst_err_set(err, e, "create %s", dir);
	close(ns);
	/* Bound once: a second bind over a refused MS_PRIVATE would hide the kept namespaces
	 * under it (their files then busy and out of reach, the lab beyond removal). */
	int mounted = is_mount_point(dir);
	if (mounted < 0)
		return nst_err_set(err, errno, "stat %s", dir);
	if (!mounted && mount(dir, dir, NULL, MS_BIND, NULL) < 0)
		return nst_err_set(err, errno, "bind %s", dir);
	if (mount("", dir, NULL, MS_PRIVATE, NULL) < 0)
		return nst_err_set(err, errno, "make %s a private mount", dir);
	snprintf(ready, sizeof(ready), "%s", lab);
	return 0;
}

/* ---- making a node ---- */

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(NSIO, 0x5, uint64_t)
#endif

/* The kernel refuses to keep a mount namespace (bind its file) from a namespace whose id is not
 * older: a loop guard. Ids come from per-CPU batches on recent kernels, so a new namespace can
 * get a smaller id than a young one nstopo runs in (a test sandbox). 0 when unknown. */
static uint64_t mnt_ns_id(void)
{
	uint64_t id = 0;
	int fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
			id = 0;
		close(fd);
	}
	return id;
}

/* Lays the mount src over target as the node sees it (files laid over the node's, below). */
static int lay_in_node(int src, const char *target, bool dir, struct child_report *r);

/* The run directories of the host's packaged daemons, owned as their packages make them. */
static const char *const run_dirs[][2] = { { "/run/frr", "frr" }, { "/run/bird", "bird" } };

struct create_ctx {
	const struct nodens_spec *s;
	uint64_t parent_mnt_id;
	int cpu; /* where the last node's namespace got a new enough id; -1 unknown */
	int hosts_fd;
	uid_t uid[2];
	gid_t gid[2];
	bool has_user[2];
};

static int create_child(void *arg, struct child_report *r)
{
	struct create_ctx *c = arg;
	const struct nodens_spec *s = c->s;
	if (setns(template_fd, CLONE_NEWNS) < 0)
		return child_fail(r, errno, "enter the template mount namespace");
	if (c->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) < 0)
		return child_fail(r, errno, "create the node's mount and UTS namespaces");
	/* Until the id is newer than the parent's, so that the parent may keep it: on the CPU that
	 * gave one last time, else on each CPU in turn (ids are batched per CPU). */
	r->cpu = -1;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), cpu = c->cpu;
	for (int tries = 0; c->parent_mnt_id && tries < 4096; tries++) {
		uint64_t id = mnt_ns_id();
		if (!id || id > c->parent_mnt_id) {
			r->cpu = cpu;
			break;
		}
		cpu = cpu < 0 ? 0 : (cpu + 1) % (ncpu > 0 ? ncpu : 1);
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		if (setns(template_fd, CLONE_NEWNS) < 0 || unshare(CLONE_NEWNS) < 0)
			return child_fail(r, errno, "create the node's mount namespace");
	}
	if (setns(s->net->fd, CLONE_NEWNET) < 0)
		return child_fail(r, errno, "enter network namespace %s", s->net->name);
	const char *hn = s->hostname ? s->hostname : s->node;
	if (sethostname(hn, strlen(hn)) < 0)
		return child_fail(r, errno, "set the hostname %s", hn);
	/* A sysfs mounted now belongs to the node's network namespace. */
	umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return child_fail(r, errno, "mount /sys");
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return child_fail(r, errno, "mount a private /run");
	mkdir("/run/lock", 01777);
	chmod("/run/lock", 01777);
	for (int i = 0; i < 2; i++) {
		if (!c->has_user[i])
			continue;
		if (mkdir(run_dirs[i][0], 0755) < 0 || chown(run_dirs[i][0], c->uid[i], c->gid[i]) < 0)
			return child_fail(r, errno, "create %s", run_dirs[i][0]);
	}
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		return child_fail(r, errno, "mount a private /tmp");
	if (s->net->name)
		netns_bind_etc(s->net->name);
	if (c->hosts_fd >= 0 && lay_in_node(c->hosts_fd, "/etc/hosts", false, r) < 0)
		return -1; /* the message names /etc/hosts */
	return 0;
}

/* ---- the spawner: one small process that makes every node's namespaces ----
 * Forking per node would copy nstopo's whole address space each time, and waiting for each
 * would serialise the work. The spawner is forked once, early and small; it makes a node's
 * namespaces, goes back to the host's mount namespace and keeps them there itself, while
 * nstopo goes on configuring links. Replies are collected at nodens_create_wait(). */

struct spawn_req {
	char lab[64], node[64], hostname[64], netns[256], hosts_file[512];
	bool has_hosts;
	int cpu;
	uint64_t parent_id;
	bool has_user[2];
	uid_t uid[2];
	gid_t gid[2];
};

struct spawn_reply {
	struct child_report r;
	char node[64];
};

static struct {
	pid_t pid;
	int sock;
	size_t pending;
	int good_cpu;
	struct spawn_reply first_failure;
	bool failed;
} spawner = { .pid = -1, .sock = -1, .good_cpu = -1 };

static void spawn_one(const struct spawn_req *q, int netfd, int host_mnt, struct spawn_reply *out)
{
	struct child_report *r = &out->r;
	snprintf(out->node, sizeof(out->node), "%s", q->node);
	struct netns net = { .name = (char *)q->netns, .fd = netfd };
	struct nodens_spec spec = { .lab = q->lab, .node = q->node,
				    .hostname = q->hostname[0] ? q->hostname : NULL, .net = &net };
	struct create_ctx c = { .s = &spec, .hosts_fd = -1, .parent_mnt_id = q->parent_id, .cpu = q->cpu };
	memcpy(c.has_user, q->has_user, sizeof(c.has_user));
	memcpy(c.uid, q->uid, sizeof(c.uid));
	memcpy(c.gid, q->gid, sizeof(c.gid));
	if (setns(host_mnt, CLONE_NEWNS) < 0) {
		child_fail(r, errno, "return to the host's mount namespace");
		return;
	}
	/* The hosts file is in /run/nstopo, which the template does not have: take it along. */
	if (q->has_hosts &&
	    (c.hosts_fd = open_tree(AT_FDCWD, q->hosts_file, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				    AT_SYMLINK_NOFOLLOW)) < 0) {
		child_fail(r, errno, "open %s", q->hosts_file);
		return;
	}
	int rc = create_child(&c, r);
	if (c.hosts_fd >= 0)
		close(c.hosts_fd);
	if (rc < 0)
		return;
	char mnt[512], uts[512];
	paths_node_ns(uts, sizeof(uts), q->lab, q->node, "uts");
	paths_node_ns(mnt, sizeof(mnt), q->lab, q->node, "mnt");
	/* Open both while inside them, then keep them from the host's mount namespace. */
	int fu = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	int fm = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fu < 0 || fm < 0 || setns(host_mnt, CLONE_NEWNS) < 0) {
		child_fail(r, errno, "hold the node's namespaces");
	} else {
		char via_u[64], via_m[64];
		snprintf(via_u, sizeof(via_u), "/proc/self/fd/%d", fu);
		snprintf(via_m, sizeof(via_m), "/proc/self/fd/%d", fm);
		int f1 = open(uts, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		int f2 = f1 < 0 ? -1 : open(mnt, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
		if (f1 < 0 || f2 < 0)
			child_fail(r, errno, "create %s", f1 < 0 ? uts : mnt);
		else if (mount(via_u, uts, NULL, MS_BIND, NULL) < 0)
			child_fail(r, errno, "keep the namespace at %s", uts);
		else if (mount(via_m, mnt, NULL, MS_BIND, NULL) < 0) {
			child_fail(r, errno, "keep the namespace at %s", mnt);
			umount2(uts, MNT_DETACH);
		}
		if (r->code) {
			unlink(uts);
			unlink(mnt);
		}
		if (f1 >= 0)
			close(f1);
		if (f2 >= 0)
			close(f2);
	}
	if (fu >= 0)
		close(fu);
	if (fm >= 0)
		close(fm);
}

static void spawner_loop(int sock)
{
	int host_mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	for (;;) {
		struct spawn_req q;
		int netfd = -1;
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &q, sizeof(q) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (n <= 0)
			_exit(0);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&netfd, CMSG_DATA(cm), sizeof(int));
		struct spawn_reply out = { 0 };
		if (n != (ssize_t)sizeof(q) || netfd < 0)
			child_fail(&out.r, EPROTO, "a bad request");
		else
			spawn_one(&q, netfd, host_mnt, &out);
		if (netfd >= 0)
			close(netfd);
		if (send(sock, &out, sizeof(out), 0) != (ssize_t)sizeof(out))
			_exit(1);
	}
}

/* The spawner ends with nstopo, before it returns: nothing of a run outlives it. */
static void spawner_stop(void)
{
	if (spawner.pid <= 0)
		return;
	close(spawner.sock);
	while (waitpid(spawner.pid, NULL, 0) < 0 && errno == EINTR)
		;
	spawner.pid = -1;
}

/* Forked on first use, once per run. */
static int spawner_get(struct nst_err *err)
{
	if (spawner.pid > 0)
		return 0;
	if (template_get(err) < 0)
		return -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return nst_err_set(err, errno, "make a socket pair");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return nst_err_set(err, errno, "fork");
	}
	if (pid == 0) {
		/* Nothing of nstopo's may stay open here: the lab's lock would outlive nstopo, and a
		 * namespace fd would keep a deleted node's namespace alive. */
		DIR *d = opendir("/proc/self/fd");
		int keep[] = { 0, 1, 2, sv[1], template_fd, d ? dirfd(d) : -1 };
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int fd = atoi(e->d_name);
			bool kept = e->d_name[0] == '.';
			for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++)
				kept |= fd == keep[i];
			if (!kept)
				close(fd);
		}
		if (d)
			closedir(d);
		spawner_loop(sv[1]);
	}
	close(sv[1]);
	spawner.pid = pid;
	spawner.sock = sv[0];
	atexit(spawner_stop);
	return 0;
}

static int collect_one(struct nst_err *err)
{
	struct spawn_reply out;
	ssize_t n;
	while ((n = recv(spawner.sock, &out, sizeof(out), 0)) < 0 && errno == EINTR)
		;
	spawner.pending--;
	if (n != (ssize_t)sizeof(out))
		return nst_err_set(err, EPIPE, "the namespace maker stopped");
	if (out.r.code == 0) {
		spawner.good_cpu = out.r.cpu;
		return 0;
	}
	if (!spawner.failed) {
		spawner.failed = true;
		spawner.first_failure = out;
	}
	return 0;
}

int nodens_create_start(const struct nodens_spec *s, struct nst_err *err)
{
	if (spawner_get(err) < 0 || lab_ns_dir(s->lab, err) < 0)
		return -1;
	static bool users_known;
	static struct spawn_req base;
	if (!users_known) {
		/* Once per run: /etc/passwd does not change under us. */
		base.parent_id = mnt_ns_id();
		for (int i = 0; i < 2; i++) {
			struct passwd *pw = getpwnam(run_dirs[i][1]);
			if (pw) {
				base.has_user[i] = true;
				base.uid[i] = pw->pw_uid;
				base.gid[i] = pw->pw_gid;
			}
		}
		users_known = true;
	}
	struct spawn_req q = base;
	snprintf(q.lab, sizeof(q.lab), "%s", s->lab);
	snprintf(q.node, sizeof(q.node), "%s", s->node);
	snprintf(q.hostname, sizeof(q.hostname), "%s", s->hostname ? s->hostname : "");
	snprintf(q.netns, sizeof(q.netns), "%s", s->net->name ? s->net->name : "");
	q.has_hosts = s->hosts_file != NULL;
	snprintf(q.hosts_file, sizeof(q.hosts_file), "%s", s->hosts_file ? s->hosts_file : "");
	q.cpu = spawner.good_cpu;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &q, sizeof(q) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &s->net->fd, sizeof(int));
	/* Keep the socket from filling up: the spawner answers each request. */
	while (spawner.pending >= 64)
		if (collect_one(err) < 0)
			return -1;
	if (sendmsg(spawner.sock, &m, 0) != (ssize_t)sizeof(q))
		return nst_err_set(err, errno, "ask for node %s's namespaces", s->node);
	spawner.pending++;
	return 0;
}

int nodens_create_wait(char *failed_node, size_t len, struct nst_err *err)
{
	while (spawner.pending)
		if (collect_one(err) < 0)
			return -1;
	if (!spawner.failed)
		return 0;
	spawner.failed = false;
	snprintf(failed_node, len, "%s", spawner.first_failure.node);
	return nst_err_set(err, spawner.first_failure.r.code, "%s", spawner.first_failure.r.msg);
}

int nodens_create(const struct nodens_spec *s, struct nst_err *err)
{
	char node[64];
	if (nodens_create_start(s, err) < 0)
		return -1;
	return nodens_create_wait(node, sizeof(node), err);
}

int nodens_exists(const char *lab, const char *node)
{
	char mnt[512];
	struct stat st, dir;
	paths_node_ns(mnt, sizeof(mnt), lab, node, "mnt");
	/* A kept namespace is a mount: its file is on nsfs, not on the directory's filesystem. */
	char parent[512];
	paths_ns_dir(parent, sizeof(parent), lab);
	return stat(mnt, &st) == 0 && stat(parent, &dir) == 0 && st.st_dev != dir.st_dev;
}

/* ---- files laid over the node's ----
 * A target is resolved in the node's own view and never by the kernel's walk of a path string:
 * component by component from the node's /, each step opened O_PATH|O_NOFOLLOW; a symlink is
 * read and followed here (a relative one from its own directory, an absolute one from the node's
 * /, `..` at the node's / stays there, as the kernel does; at most 40 links). What is missing on
 * the way is made only in one of the node's private layers (its own /run and /tmp, or an overlay
 * laid over the nearest existing directory, its upper layer in the node's /run), with
 * mkdirat/openat(O_EXCL|O_NOFOLLOW) from the directory fds, and the file is laid onto the opened
 * target. So a host symlink can say where in the node a file lands, never make the host's
 * filesystem change. */

enum { MAX_LINKS = 40 };

/* The source nstopo gives its overlays: how a layer of its own is told from anything else. */
static const char layer_source[] = "nstopo-layer";

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

struct mnt_line {
	unsigned id;
	char root[1024], mp[1024], fstype[64], source[256];
};

static bool mnt_parse(const char *line, struct mnt_line *m)
{
	/* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
	const char *dash = strstr(line, " - ");
	if (!dash || sscanf(line, "%u %*s %*s %1023s %1023s", &m->id, m->root, m->mp) != 3 ||
	    sscanf(dash + 3, "%63s %255s", m->fstype, m->source) != 2)
		return false;
	mountinfo_unescape(m->root);
	mountinfo_unescape(m->mp);
	mountinfo_unescape(m->source);
	return true;
}

/* The mounts of this mount namespace under dir, not dir itself (mountinfo order: parents first;
 * one inside another is carried along with it, AT_RECURSIVE). */
static size_t mounts_under(const char *dir, char (*out)[1024], size_t max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t n = 0, cap = 0;
	char *line = NULL;
	if (!f)
		return 0;
	struct mnt_line m;
	while (getline(&line, &cap, f) > 0) {
		if (!mnt_parse(line, &m) || strcmp(m.mp, dir) == 0 || !under(m.mp, dir) || n == max)
			continue;
		bool nested = false;
		for (size_t i = 0; i < n && !nested; i++)
			nested = under(m.mp, out[i]);
		if (!nested)
			snprintf(out[n++], sizeof(*out), "%s", m.mp);
	}
	free(line);
	fclose(f);
	return n;
}

enum layer { LAYER_HOST, LAYER_TMPFS, LAYER_OVERLAY };

/* Which layer the directory fd is in: the tmpfs nstopo mounted on the node's /run or /tmp, an
 * overlay laid by nstopo, or anything else (the host's own, never written). */
static enum layer layer_of(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return LAYER_HOST;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return LAYER_HOST;
	enum layer l = LAYER_HOST;
	char *line = NULL;
	size_t cap = 0;
	struct mnt_line m;
	while (getline(&line, &cap, f) > 0) {
		if (!mnt_parse(line, &m) || m.id != sx.stx_mnt_id)
			continue;
		if (strcmp(m.root, "/") == 0 && strcmp(m.fstype, "tmpfs") == 0 &&
		    (strcmp(m.mp, "/run") == 0 || strcmp(m.mp, "/tmp") == 0))
			l = LAYER_TMPFS;
		else if (strcmp(m.fstype, "overlay") == 0 && strcmp(m.source, layer_source) == 0)
			l = LAYER_OVERLAY;
		break;
	}
	free(line);
	fclose(f);
	return l;
}

/* On the root of an overlay nstopo laid: "DEV:INO" of the directory under it. */
static const char layer_xattr[] = "trusted.nstopo.lower";

/* Whether fd is an overlay nstopo laid over the directory dev:ino. */
static bool layer_over(int fd, dev_t dev, ino_t ino)
{
	char want[64], have[64];
	int n = snprintf(want, sizeof(want), "%llu:%llu", (unsigned long long)dev, (unsigned long long)ino);
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return false;
	ssize_t got = fgetxattr(d, layer_xattr, have, sizeof(have));
	close(d);
	return got == n && memcmp(have, want, (size_t)n) == 0 && layer_of(fd) == LAYER_OVERLAY;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A target as the node sees it. */
struct node_path {
	int fd;                    /* O_PATH: what is at the target; -1 when nothing is */
	int dir;                   /* O_PATH: the directory holding it; -1 when the target is one
				    * reached by `.` or `..` */
	char name[NAME_MAX + 1];   /* its name in dir */
	char path[PATH_MAX];       /* where it is, without symlinks ("" is the node's /) */
};

static void node_path_close(struct node_path *t)
{
	close_fd(&t->fd);
	close_fd(&t->dir);
}

enum make { MAKE_NONE, MAKE_FILE, MAKE_DIR };

static int resolve(int root, const char *target, enum make make, struct node_path *out,
		   struct child_report *r);

/* Lays one writable overlay over the directory *cur (at path) with its upper layer in the node's
 * /run, and moves *cur onto the overlay's root. The upper layer's root takes the directory's own
 * mode and owner (/var/tmp stays 1777); files laid under it before are carried over onto it. */
static int lay_overlay(int root, int *cur, const char *path, struct child_report *r)
{
	enum { MAX_SUB = 256 };
	static char subs[MAX_SUB][1024];
	static bool busy;
	static int layer;
	if (busy)
		return child_fail(r, EBUSY, "%s: a private layer is needed inside another one", path);
	size_t n = mounts_under(path, subs, MAX_SUB), held = 0;
	int fds[MAX_SUB], run = -1, top = -1, dir = -1, upper = -1, work = -1, parent = -1, nc = -1;
	int rc = -1;
	struct stat st;
	char name[64], opts[256], at[64];
	if (fstat(*cur, &st) < 0) {
		child_fail(r, errno, "stat %s", path);
		goto out;
	}
	for (; held < n; held++)
		if ((fds[held] = open_tree(AT_FDCWD, subs[held], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					   AT_RECURSIVE | AT_SYMLINK_NOFOLLOW)) < 0) {
			child_fail(r, errno, "hold %s", subs[held]);
			goto out;
		}
	run = openat(root, "run", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (run < 0 || layer_of(run) != LAYER_TMPFS) {
		child_fail(r, run < 0 ? errno : EXDEV, "the node's /run is not its own tmpfs");
		goto out;
	}
	if ((mkdirat(run, ".nstopo-layer", 0700) < 0 && errno != EEXIST) ||
	    (top = openat(run, ".nstopo-layer", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		child_fail(r, errno, "make a private layer for %s", path);
		goto out;
	}
	/* A layer of its own: an earlier run's process may have had this pid. */
	do
		snprintf(name, sizeof(name), "%d-%d", (int)getpid(), layer++);
	while (mkdirat(top, name, 0700) < 0 && errno == EEXIST && layer < 1 << 20);
	if ((dir = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    mkdirat(dir, "upper", 0755) < 0 || mkdirat(dir, "work", 0700) < 0 ||
	    fchownat(dir, "upper", st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dir, "upper", st.st_mode & 07777, 0) < 0 ||
	    (upper = openat(dir, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (work = openat(dir, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		child_fail(r, errno, "make a private layer for %s", path);
		goto out;
	}
	/* The overlay's root shows the upper layer's attributes: it says what it lies over, so that
	 * a directory laid from the store, with a file made inside it, still counts as laid. */
	char lower[64];
	int ln = snprintf(lower, sizeof(lower), "%llu:%llu", (unsigned long long)st.st_dev,
			  (unsigned long long)st.st_ino);
	fsetxattr(upper, layer_xattr, lower, (size_t)ln, 0); /* best effort: tmpfs has trusted.* */
	/* Each directory by its fd: the kernel takes /proc/self/fd/N to that very directory. */
	snprintf(opts, sizeof(opts), "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,"
		 "workdir=/proc/self/fd/%d", *cur, upper, work);
	snprintf(at, sizeof(at), "/proc/self/fd/%d", *cur);
	if (mount(layer_source, at, "overlay", 0, opts) < 0) {
		child_fail(r, errno, "lay a private layer over %s", path);
		goto out;
	}
	/* *cur is the directory under the overlay; its name in its parent now leads onto it. */
	if ((parent = openat(*cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (nc = openat(parent, strrchr(path, '/') + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    layer_of(nc) != LAYER_OVERLAY) {
		child_fail(r, nc < 0 ? errno : EXDEV, "%s changed while a private layer was laid over it", path);
		goto out;
	}
	close(*cur);
	*cur = nc;
	nc = -1;
	busy = true;
	for (size_t i = 0; i < n; i++) {
		struct node_path t = { .fd = -1, .dir = -1 };
		struct stat sub;
		int e = fstat(fds[i], &sub) < 0 ? errno : 0;
		if (e || resolve(root, subs[i], S_ISDIR(sub.st_mode) ? MAKE_DIR : MAKE_FILE, &t, r) < 0 ||
		    move_mount(fds[i], "", t.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
			if (!r->code)
				child_fail(r, e ? e : errno, "carry %s over", subs[i]);
			node_path_close(&t);
			busy = false;
			goto out;
		}
		node_path_close(&t);
	}
	busy = false;
	rc = 0;
out:
	for (size_t i = 0; i < held; i++)
		close(fds[i]);
	close_fd(&run);
	close_fd(&top);
	close_fd(&dir);
	close_fd(&upper);
	close_fd(&work);
	close_fd(&parent);
	close_fd(&nc);
	return rc;
}

/* Makes name in the directory *cur (at path), in a private layer: *cur itself when it is in one,
 * else in an overlay laid over it first. */
static int make_in(int root, int *cur, const char *path, const char *name, bool file,
		   struct child_report *r)
{
	if (layer_of(*cur) == LAYER_HOST) {
		if (!path[0])
			return child_fail(r, EPERM, "cannot make /%s at the top of the node's filesystem", name);
		if (lay_overlay(root, cur, path, r) < 0)
			return -1;
	}
	if (file) {
		int fd = openat(*cur, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			return child_fail(r, errno, "create %s/%s", path, name);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (mkdirat(*cur, name, 0755) < 0 && errno != EEXIST)
		return child_fail(r, errno, "create %s/%s", path, name);
	return 0;
}

/* Resolves target in the node's view (this process is in its mount namespace; root is its /),
 * making what is missing when asked (MAKE_DIR or MAKE_FILE: what the target itself is to be).
 * Without make, a missing target is out->fd == -1, not a failure. */
static int resolve(int root, const char *target, enum make make, struct node_path *out,
		   struct child_report *r)
{
	char todo[2 * PATH_MAX], next[2 * PATH_MAX], link[PATH_MAX];
	int links = 0, cur = fcntl(root, F_DUPFD_CLOEXEC, 0);
	*out = (struct node_path){ .fd = -1, .dir = -1 };
	if (cur < 0)
		return child_fail(r, errno, "open the node's /");
	if (snprintf(todo, sizeof(todo), "%s", target) >= (int)sizeof(todo)) {
		close(cur);
		return child_fail(r, ENAMETOOLONG, "%s", target);
	}
	const char *p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) { /* the path ends at a directory (/, `.`, `..`): cur itself */
			out->fd = cur;
			return 0;
		}
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len > NAME_MAX) {
			close(cur);
			return child_fail(r, ENAMETOOLONG, "resolving %s", target);
		}
		char name[NAME_MAX + 1];
		memcpy(name, p, len);
		name[len] = '\0';
		p = end;
		bool last = p[strspn(p, "/")] == '\0';
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			char *slash = strrchr(out->path, '/');
			if (!slash)
				continue; /* the node's / is its own parent */
			int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (up < 0) {
				close(cur);
				return child_fail(r, errno, "resolving %s: open %s/..", target, out->path);
			}
			close(cur);
			cur = up;
			*slash = '\0';
			continue;
		}
		int fd = -1;
		for (int tries = 0; tries < 8; tries++) {
			fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 || errno != ENOENT || make == MAKE_NONE)
				break;
			if (make_in(root, &cur, out->path, name, last && make == MAKE_FILE, r) < 0) {
				close(cur);
				return -1;
			}
		}
		struct stat st;
		if (fd < 0 && errno == ENOENT && make == MAKE_NONE) {
			out->dir = cur;
			snprintf(out->name, sizeof(out->name), "%s", name);
			return 0;
		}
		if (fd < 0 || fstat(fd, &st) < 0) {
			int e = errno;
			close_fd(&fd);
			close(cur);
			return child_fail(r, e, "resolving %s: open %s/%s", target, out->path, name);
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = ++links > MAX_LINKS ? -1 : readlinkat(fd, "", link, sizeof(link) - 1);
			int e = links > MAX_LINKS ? ELOOP : n == 0 ? ENOENT : errno;
			close(fd);
			if (n <= 0 || snprintf(next, sizeof(next), "%.*s%s", (int)n, link, p) >= (int)sizeof(next)) {
				close(cur);
				return child_fail(r, n > 0 ? ENAMETOOLONG : e, "resolving %s: the symlink %s/%s%s",
						  target, out->path, name,
						  e == ELOOP ? " (more than 40 symlinks: a loop?)" : "");
			}
			memcpy(todo, next, strlen(next) + 1);
			p = todo;
			if (link[0] == '/') {
				close(cur);
				if ((cur = fcntl(root, F_DUPFD_CLOEXEC, 0)) < 0)
					return child_fail(r, errno, "open the node's /");
				out->path[0] = '\0';
			}
			continue;
		}
		size_t at = strlen(out->path);
		if (at + 1 + len >= sizeof(out->path)) {
			close(fd);
			close(cur);
			return child_fail(r, ENAMETOOLONG, "resolving %s", target);
		}
		snprintf(out->path + at, sizeof(out->path) - at, "/%s", name);
		if (last) {
			out->fd = fd;
			out->dir = cur;
			snprintf(out->name, sizeof(out->name), "%s", name);
			return 0;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			close(cur);
			return child_fail(r, ENOTDIR, "resolving %s: %s is not a directory", target, out->path);
		}
		close(cur);
		cur = fd;
	}
}

/* "/etc/x" or, when it leads elsewhere, "/etc/x (/srv/y)". */
static const char *shown(const char *target, const struct node_path *t, char *buf, size_t len)
{
	if (t->path[0] && strcmp(t->path, target) != 0)
		snprintf(buf, len, "%s (%s)", target, t->path);
	else
		snprintf(buf, len, "%s", target);
	return buf;
}

struct mount_ctx {
	int mnt_fd;
	const struct nodens_mount *m;
	int *fds;
	size_t n;
	const char *unmount; /* nodens_unmount: the target */
	dev_t dev;           /* ... and the store entry laid over it, as the host sees it */
	ino_t ino;
};

/* Takes the store entry away from the target, however often it was laid there; the empty
 * stand-in made for it in an overlay of nstopo's goes too. Anything else at the target (the
 * host's own, another mount) is left alone. */
static int unmount_child(struct mount_ctx *c, int root, struct child_report *r)
{
	bool gone = false;
	char at[64];
	for (int k = 0; k < 16; k++) {
		struct node_path t;
		struct stat st;
		struct child_report ignored = { 0 };
		/* What cannot be resolved cannot have the entry laid over it. */
		if (resolve(root, c->unmount, MAKE_NONE, &t, &ignored) < 0)
			return 0;
		if (t.fd < 0 || fstat(t.fd, &st) < 0 || st.st_dev != c->dev || st.st_ino != c->ino) {
			node_path_close(&t);
			break;
		}
		snprintf(at, sizeof(at), "/proc/self/fd/%d", t.fd);
		if (umount2(at, MNT_DETACH) < 0) {
			int e = errno;
			node_path_close(&t);
			return child_fail(r, e, "unmount %s", c->unmount);
		}
		node_path_close(&t);
		gone = true;
	}
	struct node_path t;
	struct stat st;
	struct child_report ignored = { 0 };
	if (!gone || resolve(root, c->unmount, MAKE_NONE, &t, &ignored) < 0)
		return 0;
	if (t.fd >= 0 && t.dir >= 0 && layer_of(t.dir) == LAYER_OVERLAY && fstat(t.fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			unlinkat(t.dir, t.name, AT_REMOVEDIR); /* only when empty */
		else if (S_ISREG(st.st_mode) && st.st_size == 0)
			unlinkat(t.dir, t.name, 0);
	}
	node_path_close(&t);
	return 0;
}

/* In the node's mount namespace. */
static int lay_in_node(int src, const char *target, bool dir, struct child_report *r)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return child_fail(r, errno, "open the node's /");
	struct node_path t;
	struct stat st;
	char where[2 * PATH_MAX];
	int rc = 0;
	if (resolve(root, target, dir ? MAKE_DIR : MAKE_FILE, &t, r) < 0)
		rc = -1;
	else if (fstat(t.fd, &st) < 0)
		rc = child_fail(r, errno, "stat %s", shown(target, &t, where, sizeof(where)));
	else if (S_ISDIR(st.st_mode) != dir)
		rc = child_fail(r, dir ? ENOTDIR : EISDIR, "%s is %s in the node: a %s cannot be laid over it",
				shown(target, &t, where, sizeof(where)),
				S_ISDIR(st.st_mode) ? "a directory" : "not a directory", dir ? "directory" : "file");
	else if (move_mount(src, "", t.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		rc = child_fail(r, errno, "lay the file over %s", shown(target, &t, where, sizeof(where)));
	node_path_close(&t);
	close(root);
	return rc;
}

static int mount_child(void *arg, struct child_report *r)
{
	struct mount_ctx *c = arg;
	if (setns(c->mnt_fd, CLONE_NEWNS) < 0)
		return child_fail(r, errno, "enter the node's mount namespace");
	if (c->unmount) {
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return child_fail(r, errno, "open the node's /");
		int rc = unmount_child(c, root, r);
		close(root);
		return rc;
	}
	for (size_t i = 0; i < c->n; i++)
		if (lay_in_node(c->fds[i], c->m[i].target, c->m[i].dir, r) < 0)
			return -1;
	return 0;
}

static int open_node_mnt(const char *lab, const char *node, struct nst_err *err)
{
	char mnt[512];
	paths_node_ns(mnt, sizeof(mnt), lab, node, "mnt");
	int fd = open(mnt, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		nst_err_set(err, errno, "open %s", mnt);
	return fd;
}

int nodens_mount(const char *lab, const char *node, const struct nodens_mount *m, size_t n,
		 struct nst_err *err)
{
	struct mount_ctx c = { .m = m, .n = n, .fds = xcalloc(n + 1, sizeof(int)) };
	int rc = -1;
	size_t opened = 0;
	if ((c.mnt_fd = open_node_mnt(lab, node, err)) < 0)
		goto out;
	for (; opened < n; opened++) {
		unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW |
				 (m[opened].dir ? AT_RECURSIVE : 0);
		if ((c.fds[opened] = open_tree(AT_FDCWD, m[opened].source, flags)) < 0) {
			nst_err_set(err, errno, "open %s", m[opened].source);
			goto out;
		}
	}
	rc = in_child(mount_child, &c, NULL, NULL, err);
out:
	for (size_t i = 0; i < opened; i++)
		close(c.fds[i]);
	if (c.mnt_fd >= 0)
		close(c.mnt_fd);
	free(c.fds);
	return rc;
}

int nodens_unmount(const char *lab, const char *node, const char *source, const char *target,
		   struct nst_err *err)
{
	struct mount_ctx c = { .unmount = target };
	struct stat st;
	if (lstat(source, &st) < 0)
		return errno == ENOENT ? 0 : nst_err_set(err, errno, "stat %s", source);
	c.dev = st.st_dev;
	c.ino = st.st_ino;
	if ((c.mnt_fd = open_node_mnt(lab, node, err)) < 0)
		return -1;
	int rc = in_child(mount_child, &c, NULL, NULL, err);
	close(c.mnt_fd);
	return rc;
}

/* ---- what nodes see ---- */

struct seen_ctx {
	const char *lab;
	int ns_dir;
	struct nodens_seen *e;
	size_t n;
	bool *laid; /* shared with the parent */
};

static int seen_child(void *arg, struct child_report *r)
{
	struct seen_ctx *c = arg;
	int root = -1;
	for (size_t i = 0; i < c->n; i++) {
		if (i == 0 || strcmp(c->e[i].node, c->e[i - 1].node) != 0) {
			char name[320];
			snprintf(name, sizeof(name), "%s.mnt", c->e[i].node);
			close_fd(&root);
			int fd = openat(c->ns_dir, name, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
				int e = errno;
				close_fd(&fd);
				return child_fail(r, e, "enter node %s's mount namespace", c->e[i].node);
			}
			close(fd);
			if ((root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
				return child_fail(r, errno, "open node %s's /", c->e[i].node);
		}
		struct node_path t;
		struct stat st;
		struct child_report ignored = { 0 };
		/* A target that cannot be resolved does not show the entry either; a directory entry
		 * with a private layer over it (for a file made inside it) does. */
		c->laid[i] = resolve(root, c->e[i].target, MAKE_NONE, &t, &ignored) == 0 && t.fd >= 0 &&
			     fstat(t.fd, &st) == 0 &&
			     ((st.st_dev == c->e[i].dev && st.st_ino == c->e[i].ino) ||
			      (S_ISDIR(st.st_mode) && layer_over(t.fd, c->e[i].dev, c->e[i].ino)));
		node_path_close(&t);
	}
	close_fd(&root);
	return 0;
}

int nodens_seen(const char *lab, struct nodens_seen *e, size_t n, struct nst_err *err)
{
	if (n == 0)
		return 0;
	char dir[512];
	paths_ns_dir(dir, sizeof(dir), lab);
	struct seen_ctx c = { .lab = lab, .e = e, .n = n };
	c.laid = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.laid == MAP_FAILED)
		return nst_err_set(err, errno, "map memory");
	int rc = -1;
	if ((c.ns_dir = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		nst_err_set(err, errno, "open %s", dir);
		goto out;
	}
	rc = in_child(seen_child, &c, NULL, NULL, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		e[i].laid = c.laid[i];
out:
	if (c.ns_dir >= 0)
		close(c.ns_dir);
	munmap(c.laid, n);
	return rc;
}

/* ---- letting go ---- */

/* Detaches every mount at or below dir (its own stack too), deepest first, until none is left;
 * the count of passes is bounded, a mount that stays is reported by the caller's removal. */
static void detach_under(const char *dir)
{
	enum { MAX = 4096 };
	for (int pass = 0; pass < 64; pass++) {
		FILE *f = fopen("/proc/self/mountinfo", "re");
		if (!f)
			return;
		char *line = NULL, **mps = NULL;
		size_t cap = 0, n = 0;
		struct mnt_line m;
		while (getline(&line, &cap, f) > 0 && n < MAX)
			if (mnt_parse(line, &m) && under(m.mp, dir)) {
				mps = xrealloc(mps, (n + 1) * sizeof(*mps));
				mps[n++] = xstrdup(m.mp);
			}
		free(line);
		fclose(f);
		/* mountinfo lists a mount after the one it sits on: the last ones are the deepest. */
		for (size_t i = n; i-- > 0;)
			umount2(mps[i], MNT_DETACH | UMOUNT_NOFOLLOW);
		for (size_t i = 0; i < n; i++)
			free(mps[i]);
		free(mps);
		if (!n)
			return;
	}
}

int nodens_remove(const char *lab, const char *node, struct nst_err *err)
{
	static const char *const kinds[] = { "mnt", "uts" };
	for (int i = 0; i < 2; i++) {
		char path[512];
		paths_node_ns(path, sizeof(path), lab, node, kinds[i]);
		/* Every mount stacked there (an interrupted run may have bound twice). */
		for (int k = 0; k < 64 && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; k++)
			;
		if (errno != EINVAL && errno != ENOENT)
			return nst_err_set(err, errno, "unmount %s", path);
		if (unlink(path) == 0 || errno == ENOENT)
			continue;
		if (errno != EBUSY)
			return nst_err_set(err, errno, "remove %s", path);
		/* Busy and no mount at the path: the file is a mount point in a copy of ns/ that an
		 * older nstopo stacked over it (out of reach by path). Only letting all of ns/ go
		 * frees it; a node whose namespaces go with it is made again by the next `up`. */
		char dir[512];
		paths_ns_dir(dir, sizeof(dir), lab);
		detach_under(dir);
		if (unlink(path) < 0 && errno != ENOENT)
			return nst_err_set(err, errno, "remove %s", path);
	}
	return 0;
}

int nodens_remove_lab(const char *lab, struct nst_err *err)
{
	/* Everything mounted in the lab's directory goes before the directory itself: the store's
	 * removal never crosses a mount. A run killed half-way may have left any of them. */
	char dir[512];
	paths_lab_dir(dir, sizeof(dir), lab);
	detach_under(dir);
	char ns[600];
	snprintf(ns, sizeof(ns), "%s/ns", dir);
	if (is_mount_point(ns) == 1)
		return nst_err_set(err, EBUSY, "unmount %s", ns);
	return 0;
}

int nodens_enter(const char *lab, const char *node, struct nst_err *err)
{
	char uts[512], mnt[512];
	paths_node_ns(uts, sizeof(uts), lab, node, "uts");
	paths_node_ns(mnt, sizeof(mnt), lab, node, "mnt");
	if (!nodens_exists(lab, node))
		return 0;
	int fu = open(uts, O_RDONLY | O_CLOEXEC), fm = open(mnt, O_RDONLY | O_CLOEXEC);
	int rc = 0;
	if (fu < 0 || fm < 0)
		rc = nst_err_set(err, errno, "open the namespaces of node %s", node);
	else if (setns(fu, CLONE_NEWUTS) < 0)
		rc = nst_err_set(err, errno, "enter the UTS namespace of node %s", node);
	else if (setns(fm, CLONE_NEWNS) < 0)
		rc = nst_err_set(err, errno, "enter the mount namespace of node %s", node);
	if (fu >= 0)
		close(fu);
	if (fm >= 0)
		close(fm);
	return rc < 0 ? -1 : 1;
}

/* Runs in the node's UTS namespace and back: a UTS namespace is per thread to enter. */
static int in_uts(const char *lab, const char *node, const char *set, char *buf, size_t len,
		  struct nst_err *err)
{
	char uts[512];
	paths_node_ns(uts, sizeof(uts), lab, node, "uts");
	int home = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	int fd = open(uts, O_RDONLY | O_CLOEXEC);
	int rc = 0;
	if (home < 0 || fd < 0)
		rc = nst_err_set(err, errno, "open the UTS namespace of node %s", node);
	else if (setns(fd, CLONE_NEWUTS) < 0)
		rc = nst_err_set(err, errno, "enter the UTS namespace of node %s", node);
	else {
		if (set && sethostname(set, strlen(set)) < 0)
			rc = nst_err_set(err, errno, "set the hostname of node %s", node);
		if (!set && gethostname(buf, len) < 0)
			rc = nst_err_set(err, errno, "read the hostname of node %s", node);
		if (setns(home, CLONE_NEWUTS) < 0) {
			perror("nstopo: return to the original UTS namespace");
			abort();
		}
	}
	if (home >= 0)
		close(home);
	if (fd >= 0)
		close(fd);
	return rc;
}

int nodens_hostname_get(const char *lab, const char *node, char *buf, size_t len, struct nst_err *err)
{
	return in_uts(lab, node, NULL, buf, len, err);
}

int nodens_hostname_set(const char *lab, const char *node, const char *name, struct nst_err *err)
{
	return in_uts(lab, node, name, NULL, 0, err);
}
