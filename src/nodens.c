/* nodens.c - a node's UTS and mount namespaces; see nodens.h.
 * A mount namespace copies every mount of its parent, and the machine's /run/netns holds one
 * bind mount per lab node: copying that per node would be quadratic. Nodes are therefore made
 * from a template mount namespace in which /run/netns and /run/nstopo are detached (decisions.md).
 * Namespace changes happen in short-lived children: setns(CLONE_NEWNS) needs an unshared fs
 * context, and the parent keeps its own root and working directory. */
#include "nodens.h"
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
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void ns_file(char *buf, size_t len, const char *lab, const char *node, const char *kind)
{
	snprintf(buf, len, "%s/%s/ns/%s.%s", NSTOPO_RUN_DIR, lab, node, kind);
}

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

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* A namespace file cannot be bound on a shared mount: ns/ is a private bind mount of itself.
 * The lab's directory is made (root's, 0700) and checked by safefs_lab_dir first; the path used
 * for mount() then goes only through directories no one but root may change. */
static int lab_ns_dir(const char *lab, struct nst_err *err)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s/ns", NSTOPO_RUN_DIR, lab);
	int labfd = safefs_lab_dir(lab, SAFEFS_CREATE, err);
	if (labfd < 0)
		return -1;
	int ns = safefs_mkdir(labfd, "ns", 0755, NULL);
	int e = errno;
	close(labfd);
	if (ns < 0)
		return nst_err_set(err, e, "create %s", dir);
	close(ns);
	if (mount("", dir, NULL, MS_PRIVATE, NULL) == 0)
		return 0;
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0 || mount("", dir, NULL, MS_PRIVATE, NULL) < 0)
		return nst_err_set(err, errno, "make %s a private mount", dir);
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
	if (c->hosts_fd >= 0 &&
	    move_mount(c->hosts_fd, "", AT_FDCWD, "/etc/hosts", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return child_fail(r, errno, "lay the lab's hosts file over /etc/hosts");
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
	    (c.hosts_fd = open_tree(AT_FDCWD, q->hosts_file, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0) {
		child_fail(r, errno, "open %s", q->hosts_file);
		return;
	}
	int rc = create_child(&c, r);
	if (c.hosts_fd >= 0)
		close(c.hosts_fd);
	if (rc < 0)
		return;
	char mnt[512], uts[512];
	ns_file(uts, sizeof(uts), q->lab, q->node, "uts");
	ns_file(mnt, sizeof(mnt), q->lab, q->node, "mnt");
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
	ns_file(mnt, sizeof(mnt), lab, node, "mnt");
	/* A kept namespace is a mount: its file is on nsfs, not on the directory's filesystem. */
	char parent[512];
	snprintf(parent, sizeof(parent), "%s/%s/ns", NSTOPO_RUN_DIR, lab);
	return stat(mnt, &st) == 0 && stat(parent, &dir) == 0 && st.st_dev != dir.st_dev;
}

/* ---- files laid over the node's ---- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The mounts of this mount namespace at or under dir (mountinfo order: parents first). */
static size_t mounts_under(const char *dir, char (*out)[1024], bool *overlay_at_dir, size_t max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t n = 0;
	*overlay_at_dir = false;
	if (!f)
		return 0;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char mp[1024], fstype[64];
		const char *dash = strstr(line, " - ");
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) != 1 || !dash ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(mp, dir) == 0) {
			*overlay_at_dir = strcmp(fstype, "overlay") == 0;
			continue;
		}
		if (!under(mp, dir) || n == max)
			continue;
		bool nested = false; /* carried along with its parent (AT_RECURSIVE) */
		for (size_t i = 0; i < n && !nested; i++)
			nested = under(mp, out[i]);
		if (!nested)
			snprintf(out[n++], sizeof(*out), "%s", mp);
	}
	fclose(f);
	return n;
}

static int make_path(const char *target, bool dir, struct child_report *r)
{
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", target);
	*strrchr(parent, '/') = '\0';
	if (parent[0] && mkdir_p(parent, 0755) < 0)
		return child_fail(r, errno, "create %s", parent);
	if (dir)
		return mkdir(target, 0755) < 0 && errno != EEXIST ? child_fail(r, errno, "create %s", target) : 0;
	int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return child_fail(r, errno, "create %s", target);
	close(fd);
	return 0;
}

/* Lays one writable overlay (upper layer in the node's /run) over base, once; the files
 * already laid over paths under base are carried over onto it. */
static int overlay_once(const char *base, struct child_report *r)
{
	enum { MAX_SUB = 256 };
	static char subs[MAX_SUB][1024];
	bool already;
	size_t n = mounts_under(base, subs, &already, MAX_SUB);
	if (already)
		return 0;
	int fds[MAX_SUB];
	for (size_t i = 0; i < n; i++)
		if ((fds[i] = open_tree(AT_FDCWD, subs[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)) < 0)
			return child_fail(r, errno, "hold %s", subs[i]);
	static int layer;
	char upper[128], work[128], opts[4400];
	snprintf(upper, sizeof(upper), "/run/.nstopo-layer/%d-%d/upper", (int)getpid(), layer);
	snprintf(work, sizeof(work), "/run/.nstopo-layer/%d-%d/work", (int)getpid(), layer++);
	if (mkdir_p(upper, 0755) < 0 || mkdir_p(work, 0755) < 0)
		return child_fail(r, errno, "make a private layer for %s", base);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", base, upper, work);
	if (mount("overlay", base, "overlay", 0, opts) < 0)
		return child_fail(r, errno, "lay a private layer over %s", base);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (fstat(fds[i], &st) < 0 || make_path(subs[i], S_ISDIR(st.st_mode), r) < 0 ||
		    move_mount(fds[i], "", AT_FDCWD, subs[i], MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return r->code ? -1 : child_fail(r, errno, "carry %s over", subs[i]);
		close(fds[i]);
	}
	return 0;
}

/* Makes target exist inside the node without writing to the host: in the node's own tmpfs
 * (/run, /tmp) directly, elsewhere in an overlay on the nearest existing directory whose
 * upper layer lives in the node's /run. */
static int ensure_target(const char *target, bool dir, struct child_report *r)
{
	struct stat st;
	if (stat(target, &st) == 0) {
		if (S_ISDIR(st.st_mode) != dir)
			return child_fail(r, dir ? ENOTDIR : EISDIR, "%s exists with another type", target);
		return 0;
	}
	if (!under(target, "/run") && !under(target, "/tmp")) {
		char base[4096];
		snprintf(base, sizeof(base), "%s", target);
		do /* the nearest existing directory */
			*strrchr(base, '/') = '\0';
		while (base[0] && stat(base, &st) < 0);
		if (!base[0])
			return child_fail(r, EPERM, "cannot make %s at the top of the node's filesystem", target);
		if (overlay_once(base, r) < 0)
			return -1;
	}
	return make_path(target, dir, r);
}

struct mount_ctx {
	int mnt_fd;
	const struct nodens_mount *m;
	int *fds;
	size_t n;
	const char *unmount; /* nodens_unmount: the target */
};

static int mount_child(void *arg, struct child_report *r)
{
	struct mount_ctx *c = arg;
	if (setns(c->mnt_fd, CLONE_NEWNS) < 0)
		return child_fail(r, errno, "enter the node's mount namespace");
	if (c->unmount) {
		if (umount2(c->unmount, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			return child_fail(r, errno, "unmount %s", c->unmount);
		/* The empty stand-in made for it in the node's own layer goes too. */
		struct statfs fs;
		struct stat st;
		if (statfs(c->unmount, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC &&
		    lstat(c->unmount, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rmdir(c->unmount);
			else if (S_ISREG(st.st_mode) && st.st_size == 0)
				unlink(c->unmount);
		}
		return 0;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (ensure_target(c->m[i].target, c->m[i].dir, r) < 0)
			return -1;
		if (move_mount(c->fds[i], "", AT_FDCWD, c->m[i].target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return child_fail(r, errno, "lay the file over %s", c->m[i].target);
	}
	return 0;
}

static int open_node_mnt(const char *lab, const char *node, struct nst_err *err)
{
	char mnt[512];
	ns_file(mnt, sizeof(mnt), lab, node, "mnt");
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
		unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m[opened].dir ? AT_RECURSIVE : 0);
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

int nodens_unmount(const char *lab, const char *node, const char *target, struct nst_err *err)
{
	struct mount_ctx c = { .unmount = target };
	if ((c.mnt_fd = open_node_mnt(lab, node, err)) < 0)
		return -1;
	int rc = in_child(mount_child, &c, NULL, NULL, err);
	close(c.mnt_fd);
	return rc;
}

/* ---- letting go ---- */

int nodens_remove(const char *lab, const char *node, struct nst_err *err)
{
	static const char *const kinds[] = { "mnt", "uts" };
	for (int i = 0; i < 2; i++) {
		char path[512];
		ns_file(path, sizeof(path), lab, node, kinds[i]);
		if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			return nst_err_set(err, errno, "unmount %s", path);
		if (unlink(path) < 0 && errno != ENOENT)
			return nst_err_set(err, errno, "remove %s", path);
	}
	return 0;
}

int nodens_remove_lab(const char *lab, struct nst_err *err)
{
	char ns[512];
	snprintf(ns, sizeof(ns), "%s/%s/ns", NSTOPO_RUN_DIR, lab);
	if (umount2(ns, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return nst_err_set(err, errno, "unmount %s", ns);
	return 0;
}

int nodens_enter(const char *lab, const char *node, struct nst_err *err)
{
	char uts[512], mnt[512];
	ns_file(uts, sizeof(uts), lab, node, "uts");
	ns_file(mnt, sizeof(mnt), lab, node, "mnt");
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
	ns_file(uts, sizeof(uts), lab, node, "uts");
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
