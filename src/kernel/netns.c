/* netns.c - network namespaces by name and fd; see netns.h.
 * The creation recipe is iproute2's (ip/ipnetns.c netns_add), so `ip netns` sees the same thing:
 * /run/netns is a shared mount point, each name a bind mount of the namespace file. */
#include "netns.h"
#include "paths.h"
#include "arena.h"
#include "nft.h"
#include "nl.h"
#include "safefs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static struct netns home = { .fd = -1 };
static dev_t nsfs_dev; /* the device all namespace files share */

/* Tracked namespaces whose fd is open, most recently used first, and how many may be: each
 * holds up to three descriptors (its fd, a netlink and an nftables socket). */
static struct {
	struct netns *head, *tail;
	size_t open, max;
} lru = { .max = SIZE_MAX };

/* What nstopo keeps open besides the tracked namespaces: stdio, the lock, the run and lab
 * directories, the spawner's socket and the descriptors passed to it, a program's pipes, the
 * check pool's sockets. */
enum { OTHER_FILES = 64, FILES_PER_NS = 3 };

int netns_init(struct nst_err *err)
{
	/* Only the soft limit can be raised without privilege worth using: a hard limit set on
	 * purpose (`ulimit -n N` sets both) is kept, and the namespaces share it instead. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur < NETNS_MIN_FILES)
			return nst_err_set(err, 0, "the limit on open files is %llu, nstopo needs at least %d: "
					      "raise it (e.g. `ulimit -n 1024` as root, or LimitNOFILE= in a "
					      "systemd unit)", (unsigned long long)rl.rlim_cur, NETNS_MIN_FILES);
		if (rl.rlim_cur != RLIM_INFINITY && (rl.rlim_cur - OTHER_FILES) / FILES_PER_NS < SIZE_MAX)
			lru.max = (size_t)((rl.rlim_cur - OTHER_FILES) / FILES_PER_NS);
	}
	if (home.fd >= 0)
		return 0;
	home.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home.fd < 0)
		return nst_err_set(err, errno, "open this process's network namespace");
	struct stat st;
	if (fstat(home.fd, &st) == 0) {
		home.ino = st.st_ino;
		nsfs_dev = st.st_dev;
	}
	return 0;
}

/* ---- tracked namespaces: a bounded number open at once ---- */

static void lru_unlink(struct netns *ns)
{
	if (ns->lru_prev)
		ns->lru_prev->lru_next = ns->lru_next;
	else if (lru.head == ns)
		lru.head = ns->lru_next;
	else
		return; /* not in the list */
	if (ns->lru_next)
		ns->lru_next->lru_prev = ns->lru_prev;
	else
		lru.tail = ns->lru_prev;
	ns->lru_prev = ns->lru_next = NULL;
	lru.open--;
}

static void lru_push(struct netns *ns)
{
	ns->lru_prev = NULL;
	ns->lru_next = lru.head;
	if (lru.head)
		lru.head->lru_prev = ns;
	else
		lru.tail = ns;
	lru.head = ns;
	lru.open++;
}

/* Closes the least recently used namespaces' descriptors until the rest fit; keep (the one
 * about to be used) is never among them. */
static void lru_trim(const struct netns *keep)
{
	while (lru.open > lru.max && lru.tail && lru.tail != keep) {
		struct netns *old = lru.tail;
		lru_unlink(old);
		netns_close_sockets(old);
		close(old->fd);
		old->fd = -1;
	}
}

/* Before ns is used: its fd open again when it was set aside, and ns the most recent. */
static int lru_use(struct netns *ns, struct nst_err *err)
{
	if (!ns->tracked)
		return 0;
	if (ns->fd >= 0) {
		if (lru.head != ns) {
			lru_unlink(ns);
			lru_push(ns);
		}
		return 0;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, ns->name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nst_err_set(err, errno, "open %s again", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_dev != nsfs_dev || st.st_ino != ns->ino) {
		close(fd);
		return nst_err_set(err, ESTALE, "%s is no longer the namespace nstopo found there", path);
	}
	ns->fd = fd;
	lru_push(ns);
	lru_trim(ns);
	return 0;
}

void netns_track(struct netns *ns)
{
	if (!ns->name || ns->fd < 0 || ns->fd == home.fd || ns->tracked)
		return;
	ns->tracked = true;
	lru_push(ns);
	lru_trim(ns);
}

int netns_fd(struct netns *ns, struct nst_err *err)
{
	return lru_use(ns, err) < 0 ? -1 : ns->fd;
}

struct netns *netns_home(void)
{
	return &home;
}

static int enter(int fd, const char *name, struct nst_err *err)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return nst_err_set(err, errno, "enter network namespace %s", name ? name : "(host)");
	return 0;
}

/* Going home cannot fail for a reason nstopo could handle: a process stranded in a lab namespace
 * would carry on configuring the wrong one, so this is fatal. */
static void leave(void)
{
	if (setns(home.fd, CLONE_NEWNET) < 0) {
		perror("nstopo: return to the original network namespace");
		abort();
	}
}

int netns_call(struct netns *ns, netns_fn fn, void *arg, struct nst_err *err)
{
	if (lru_use(ns, err) < 0)
		return -1;
	if (ns->fd == home.fd)
		return fn(ns, arg, err);
	if (enter(ns->fd, ns->name, err) < 0)
		return -1;
	int rc = fn(ns, arg, err);
	leave();
	return rc;
}

/* /run/netns must be a shared mount point so that names made here appear in other mount
 * namespaces (and those made elsewhere appear here), as `ip netns add` arranges. */
static int prepare_run_dir(struct nst_err *err)
{
	static bool done;
	if (done)
		return 0;
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return nst_err_set(err, errno, "create %s", NETNS_RUN_DIR);
	for (int tries = 0; tries < 2; tries++) {
		if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0) {
			done = true;
			return 0;
		}
		if (errno != EINVAL || tries)
			break;
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			break;
	}
	return nst_err_set(err, errno, "make %s a shared mount point", NETNS_RUN_DIR);
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
}

int netns_create(const char *name, struct netns *ns, netns_fn fn, void *arg, struct nst_err *err)
{
	char path[512];
	path_of(path, sizeof(path), name);
	if (prepare_run_dir(err) < 0)
		return -1;
	int mfd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (mfd < 0)
		return nst_err_set(err, errno, "create %s", path);
	close(mfd);
	*ns = (struct netns){ .name = xstrdup(name), .fd = -1 };
	if (unshare(CLONE_NEWNET) < 0) {
		nst_err_set(err, errno, "create a network namespace");
		leave();
		goto fail;
	}
	/* fn marks the namespace before it gets its name: a run killed in between leaves an empty
	 * placeholder file (removed by the next run), never a named namespace without a marker. */
	int rc = -1;
	if ((ns->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		nst_err_set(err, errno, "open the new namespace");
	else if (!fn || fn(ns, arg, err) == 0) {
		if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
			nst_err_set(err, errno, "bind the new namespace to %s", path);
		else
			rc = 0;
	}
	leave();
	if (rc == 0) {
		struct stat st;
		if (fstat(ns->fd, &st) == 0)
			ns->ino = st.st_ino;
		return 0;
	}
fail:
	unlink(path);
	netns_close(ns);
	return -1;
}

bool netns_is_placeholder(const char *name)
{
	char path[512];
	struct stat st;
	path_of(path, sizeof(path), name);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && st.st_dev != nsfs_dev;
}

int netns_remove_placeholder(const char *name)
{
	char path[512];
	path_of(path, sizeof(path), name);
	if (!netns_is_placeholder(name))
		return 0;
	return unlink(path) == 0 ? 1 : 0;
}

/* One intent file open per run: a lab's nodes are made by one process, one lab at a time. */
static struct {
	int fd;
	char lab[64];
} intent = { .fd = -1 };

int netns_intent_add(const char *lab, const char *name, struct nst_err *err)
{
	if (intent.fd >= 0 && strcmp(intent.lab, lab) != 0) {
		close(intent.fd);
		intent.fd = -1;
	}
	if (intent.fd < 0) {
		int labfd = safefs_lab_dir(lab, SAFEFS_CREATE, err);
		if (labfd < 0)
			return -1;
		intent.fd = safefs_open(labfd, PATHS_INTENT, O_WRONLY | O_APPEND | O_CREAT, 0600);
		int e = errno;
		close(labfd);
		if (intent.fd < 0)
			return nst_err_set(err, e, "create %s/%s/" PATHS_INTENT, NSTOPO_RUN_DIR, lab);
		snprintf(intent.lab, sizeof(intent.lab), "%s", lab);
	}
	char line[300];
	int len = snprintf(line, sizeof(line), "%s\n", name);
	if (len <= 0 || (size_t)len >= sizeof(line) || safefs_write_all(intent.fd, line, (size_t)len) < 0)
		return nst_err_set(err, errno ? errno : ENAMETOOLONG, "record %s in %s/%s/intent", name,
				   NSTOPO_RUN_DIR, lab);
	return 0;
}

int netns_intent_list(const char *lab, char ***names, size_t *n, struct nst_err *err)
{
	*names = NULL;
	*n = 0;
	int labfd = safefs_lab_dir(lab, SAFEFS_READ, err);
	if (labfd < 0)
		return err->code == ENOENT ? (nst_err_clear(err), 0) : -1;
	int fd = safefs_open(labfd, PATHS_INTENT, O_RDONLY, 0);
	int e = errno;
	close(labfd);
	if (fd < 0)
		return e == ENOENT ? 0 : nst_err_set(err, e, "open %s/%s/" PATHS_INTENT, NSTOPO_RUN_DIR, lab);
	size_t len;
	/* A name a line, each at most 200 bytes: 16 MiB is far beyond any lab. */
	char *text = safefs_read_max(fd, 16u << 20, &len);
	e = errno;
	close(fd);
	if (!text)
		return nst_err_set(err, e, "read %s/%s/" PATHS_INTENT, NSTOPO_RUN_DIR, lab);
	size_t cap = 0;
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* a line cut by a kill: its name was never taken */
		*nl = '\0';
		/* Only a plain name: never a path out of /run/netns. */
		if (*p && *p != '.' && !strchr(p, '/') && !netns_intent_has(*names, *n, p)) {
			if (*n == cap)
				*names = xrealloc(*names, (cap = cap ? cap * 2 : 16) * sizeof(char *));
			(*names)[(*n)++] = xstrdup(p);
		}
		p = nl + 1;
	}
	free(text);
	return 0;
}

bool netns_intent_has(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

int netns_open(const char *name, struct netns *ns, struct nst_err *err)
{
	char path[512];
	path_of(path, sizeof(path), name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return nst_err_set(err, errno, "open %s", path);
	}
	struct stat st;
	/* A name whose bind mount is gone (a half-made namespace) is a plain file on tmpfs. */
	if (fstat(fd, &st) < 0 || st.st_dev != nsfs_dev) {
		close(fd);
		return 0;
	}
	*ns = (struct netns){ .name = xstrdup(name), .fd = fd, .ino = st.st_ino };
	return 1;
}

int netns_remove(const char *name, struct nst_err *err)
{
	char path[512];
	path_of(path, sizeof(path), name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return nst_err_set(err, errno, "unmount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return nst_err_set(err, errno, "remove %s", path);
	return 0;
}

static int open_nl_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	ns->nl = nlr_open(err);
	return ns->nl ? 0 : -1;
}

struct nlr *netns_nl(struct netns *ns, struct nst_err *err)
{
	if (lru_use(ns, err) < 0)
		return NULL;
	if (!ns->nl && netns_call(ns, open_nl_inside, NULL, err) < 0)
		return NULL;
	return ns->nl;
}

static int open_nft_inside(struct netns *ns, void *arg, struct nst_err *err)
{
	ns->nft = nftw_open(err);
	return ns->nft ? 0 : -1;
}

struct nftw *netns_nft(struct netns *ns, struct nst_err *err)
{
	if (lru_use(ns, err) < 0)
		return NULL;
	if (!ns->nft && netns_call(ns, open_nft_inside, NULL, err) < 0)
		return NULL;
	return ns->nft;
}

void netns_close_sockets(struct netns *ns)
{
	nlr_close(ns->nl);
	ns->nl = NULL;
	nftw_close(ns->nft);
	ns->nft = NULL;
}

void netns_close(struct netns *ns)
{
	if (!ns || ns == &home)
		return;
	if (ns->tracked) {
		lru_unlink(ns);
		ns->tracked = false;
	}
	netns_close_sockets(ns);
	if (ns->fd >= 0 && ns->fd != home.fd)
		close(ns->fd);
	ns->fd = -1;
	free(ns->name);
	ns->name = NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int netns_list(char ***names, size_t *n, struct nst_err *err)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(NETNS_RUN_DIR);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return nst_err_set(err, errno, "list %s", NETNS_RUN_DIR);
	}
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap)
			*names = xrealloc(*names, (cap = cap ? cap * 2 : 64) * sizeof(char *));
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_names);
	return 0;
}

void netns_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void netns_bind_etc(const char *name)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		char from[1024], to[1024];
		snprintf(from, sizeof(from), "%s/%s", dir, e->d_name);
		snprintf(to, sizeof(to), "/etc/%s", e->d_name);
		mount(from, to, "none", MS_BIND, NULL);
	}
	closedir(d);
}

int netns_become_net(struct netns *ns, struct nst_err *err)
{
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return nst_err_set(err, errno, "enter network namespace %s", ns->name);
	return 0;
}

int netns_become(struct netns *ns, struct nst_err *err)
{
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return nst_err_set(err, errno, "enter network namespace %s", ns->name);
	if (unshare(CLONE_NEWNS) < 0)
		return nst_err_set(err, errno, "create a mount namespace");
	/* Nothing mounted from here on may leak back to the machine's own mounts. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return nst_err_set(err, errno, "make / a slave mount");
	/* A sysfs mounted now belongs to this network namespace: /sys/class/net shows its links. */
	umount2("/sys", MNT_DETACH);
	if (mount(ns->name, "/sys", "sysfs", 0, NULL) < 0)
		return nst_err_set(err, errno, "mount /sys for namespace %s", ns->name);
	if (ns->name)
		netns_bind_etc(ns->name);
	return 0;
}
