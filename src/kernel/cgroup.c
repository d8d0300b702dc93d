/* cgroup.c - see cgroup.h.
 * A process can leave every namespace of its node (unshare -n, nsenter -t 1), but not its
 * cgroup: nothing in a node sees the hierarchy (its mount namespace has a /sys of its own), so
 * nstopo/LAB/NODE holds all of the node's processes and their children, and cgroup.kill ends
 * them at once. Every path below the mount point is opened one component at a time with
 * O_NOFOLLOW|O_DIRECTORY, on cgroup2 only, and owned by us. */
#include "cgroup.h"
#include "mountinfo.h"
#include "arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

enum { MAX_DEPTH = 16 };

static char root_path[4096];
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

/* The first cgroup2 mount showing the whole hierarchy (its root is "/"; in a cgroup namespace,
 * the namespace's root). Only the v2 hierarchy: v1 ones are not ours to change. */
static void find_root(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		*sep = '\0';
		char *save = NULL, *field[5] = { 0 };
		char *t = strtok_r(line, " ", &save);
		for (int i = 0; i < 5 && t; i++, t = strtok_r(NULL, " ", &save))
			field[i] = t;
		if (!field[4] || strcmp(field[3], "/") != 0)
			continue;
		mountinfo_unescape(field[4]);
		if (strlen(field[4]) < sizeof(root_path)) {
			strcpy(root_path, field[4]);
			break;
		}
	}
	free(line);
	fclose(f);
}

static bool on_cgroup2(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int open_root(void)
{
	pthread_once(&root_once, find_root);
	if (!root_path[0]) {
		errno = ENOENT;
		return -1;
	}
	int fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !on_cgroup2(fd)) {
		close(fd);
		errno = ENOTDIR;
		return -1;
	}
	return fd;
}

/* A directory below at: made (0755) when create and missing; a symlink, a file, another file
 * system or another owner's directory is refused. */
static int open_sub(int at, const char *name, bool create)
{
	bool made = create && mkdirat(at, name, 0755) == 0;
	if (create && !made && errno != EEXIST)
		return -1;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || !on_cgroup2(fd)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* The umask may have taken bits away. */
	if (made)
		fchmod(fd, 0755);
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int cgroup_node_procs(const char *lab, const char *node, const char *role)
{
	int root = open_root(), top = -1, labd = -1, dir = -1, leaf = -1, fd = -1;
	if (root >= 0 && (top = open_sub(root, "nstopo", true)) >= 0 &&
	    (labd = open_sub(top, lab, true)) >= 0 && (dir = open_sub(labd, node, true)) >= 0 &&
	    (leaf = open_sub(dir, role, true)) >= 0)
		fd = openat(leaf, "cgroup.procs", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	close_fd(&root);
	close_fd(&top);
	close_fd(&labd);
	close_fd(&dir);
	close_fd(&leaf);
	return fd;
}

int cgroup_join(int procs_fd)
{
	return write(procs_fd, "0", 1) == 1 ? 0 : -1;
}

/* ---- ending a set of node cgroups ---- */

static void add_dir(struct cgroup_set *s, int dir, const char *name, size_t *cap)
{
	if (dir < 0 || strlen(name) >= sizeof(s->v->name)) {
		close_fd(&dir);
		return;
	}
	if (s->n == *cap)
		s->v = xrealloc(s->v, (*cap = *cap ? *cap * 2 : 8) * sizeof(*s->v));
	struct cgroup_node *e = &s->v[s->n++];
	strcpy(e->name, name);
	e->dir = dir;
	e->events = openat(dir, "cgroup.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	e->kill_fd = openat(dir, "cgroup.kill", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* Calls fn for every subdirectory of dir (a cgroup's children). */
static void each_subdir(int dir, void (*fn)(const char *name, void *arg), void *arg)
{
	int fd = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		close_fd(&fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			fn(e->d_name, arg);
	closedir(d);
}

struct adder {
	struct cgroup_set *s;
	size_t *cap;
};

static void add_each(const char *name, void *arg)
{
	struct adder *a = arg;
	add_dir(a->s, open_sub(a->s->lab_dir, name, false), name, a->cap);
}

static void open_lab(struct cgroup_set *s, const char *lab)
{
	memset(s, 0, sizeof(*s));
	s->lab_dir = -1;
	s->lab = lab;
	int root = open_root(), top = root >= 0 ? open_sub(root, "nstopo", false) : -1;
	if (top >= 0)
		s->lab_dir = open_sub(top, lab, false);
	close_fd(&root);
	close_fd(&top);
}

/* `nstopo exec r1 nstopo down` must not kill itself with the node: it steps out to the
 * hierarchy's root first. */
static void leave_lab(const char *lab)
{
	char want[300], line[4096] = "";
	snprintf(want, sizeof(want), "0::/nstopo/%s/", lab);
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool inside = false;
	while (f && !inside && fgets(line, sizeof(line), f))
		inside = strncmp(line, want, strlen(want)) == 0;
	if (f)
		fclose(f);
	int root = inside ? open_root() : -1;
	int fd = root >= 0 ? openat(root, "cgroup.procs", O_WRONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd >= 0)
		cgroup_join(fd);
	close_fd(&fd);
	close_fd(&root);
}

void cgroup_set_open(struct cgroup_set *s, const char *lab, const char *const *nodes, size_t n)
{
	open_lab(s, lab);
	if (s->lab_dir < 0)
		return;
	leave_lab(lab);
	size_t cap = 0;
	struct adder a = { s, &cap };
	if (!nodes)
		each_subdir(s->lab_dir, add_each, &a);
	for (size_t i = 0; nodes && i < n; i++)
		add_each(nodes[i], &a);
}

void cgroup_set_open_role(struct cgroup_set *s, const char *lab, const char *node, const char *role)
{
	open_lab(s, lab);
	int dir = s->lab_dir >= 0 ? open_sub(s->lab_dir, node, false) : -1;
	size_t cap = 0;
	if (dir >= 0)
		add_dir(s, open_sub(dir, role, false), role, &cap);
	close_fd(&dir);
}

struct pid_list {
	pid_t **v;
	size_t *count, *cap;
	int depth, dir_at;
};

static void read_tree(int dir, struct pid_list *l);

static void read_each(const char *name, void *arg)
{
	struct pid_list *l = arg;
	int dir = l->depth < MAX_DEPTH ? open_sub(l->dir_at, name, false) : -1;
	if (dir < 0)
		return;
	struct pid_list sub = *l;
	sub.depth++;
	read_tree(dir, &sub);
	close(dir);
}

/* The pids in the cgroup.procs of a cgroup and of those below it (in our pid namespace). */
static void read_tree(int dir, struct pid_list *l)
{
	int fd = openat(dir, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		close_fd(&fd);
	} else {
		long pid, self = getpid();
		while (fscanf(f, "%ld", &pid) == 1) {
			if (pid <= 0 || pid == self)
				continue;
			if (*l->count == *l->cap)
				*l->v = xrealloc(*l->v, (*l->cap = *l->cap ? *l->cap * 2 : 16) * sizeof(pid_t));
			(*l->v)[(*l->count)++] = (pid_t)pid;
		}
		fclose(f);
	}
	l->dir_at = dir;
	each_subdir(dir, read_each, l);
}

static void read_pids(int dir, pid_t **pids, size_t *count, size_t *cap)
{
	struct pid_list l = { .v = pids, .count = count, .cap = cap };
	read_tree(dir, &l);
}

void cgroup_set_pids(const struct cgroup_set *s, pid_t **pids, size_t *count, size_t *cap)
{
	for (size_t i = 0; i < s->n; i++)
		read_pids(s->v[i].dir, pids, count, cap);
}

/* Without cgroup.kill: KILL to each pid listed (a process forking meanwhile is caught by the
 * next round, see cgroup_set_wait). */
static void kill_listed(const struct cgroup_node *e)
{
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	read_pids(e->dir, &pids, &n, &cap);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	free(pids);
}

void cgroup_set_kill(const struct cgroup_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kill_fd < 0 || write(s->v[i].kill_fd, "1", 1) != 1)
			kill_listed(&s->v[i]);
}

/* 1 while the cgroup or one below it has a process. */
static bool populated(const struct cgroup_node *e)
{
	char buf[256];
	if (e->events < 0) {
		pid_t *pids = NULL;
		size_t n = 0, cap = 0;
		read_pids(e->dir, &pids, &n, &cap);
		free(pids);
		return n > 0;
	}
	ssize_t l = pread(e->events, buf, sizeof(buf) - 1, 0);
	if (l <= 0)
		return false;
	buf[l] = '\0';
	const char *p = strstr(buf, "populated ");
	return p && p[10] == '1';
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rounds of KILL without cgroup.kill; cgroup.events wakes us as soon as a cgroup empties. */
enum { REKILL_MS = 20 };

size_t cgroup_set_wait(const struct cgroup_set *s, long deadline_ms)
{
	struct pollfd *p = xcalloc(s->n + 1, sizeof(*p));
	size_t left = 0;
	for (;;) {
		bool rekill = false;
		left = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (!populated(&s->v[i]))
				continue;
			if (s->v[i].kill_fd < 0) {
				kill_listed(&s->v[i]);
				rekill = true;
			}
			if (s->v[i].events >= 0)
				p[left++] = (struct pollfd){ .fd = s->v[i].events, .events = POLLPRI };
			else
				rekill = true;
		}
		long wait = deadline_ms - now_ms();
		if (!left && !rekill)
			break;
		if (wait <= 0)
			break;
		if (rekill && wait > REKILL_MS)
			wait = REKILL_MS;
		if (poll(p, left, (int)wait) < 0 && errno != EINTR)
			break;
	}
	free(p);
	return left;
}

/* rmdir of a cgroup and of any a process made below it, leaves first. */
static void remove_tree(int at, const char *name, int depth);

struct remover {
	int dir, depth;
};

static void remove_each(const char *name, void *arg)
{
	struct remover *r = arg;
	remove_tree(r->dir, name, r->depth + 1);
}

static void remove_tree(int at, const char *name, int depth)
{
	int dir = depth < MAX_DEPTH ? open_sub(at, name, false) : -1;
	if (dir >= 0) {
		struct remover r = { dir, depth };
		each_subdir(dir, remove_each, &r);
		close(dir);
	}
	unlinkat(at, name, AT_REMOVEDIR);
}

static void close_node(struct cgroup_node *e)
{
	close_fd(&e->dir);
	close_fd(&e->events);
	close_fd(&e->kill_fd);
}

void cgroup_set_close(struct cgroup_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		close_node(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
	close_fd(&s->lab_dir);
}

void cgroup_set_remove(struct cgroup_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		close_node(&s->v[i]);
		remove_tree(s->lab_dir, s->v[i].name, 0);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
	if (s->lab_dir < 0)
		return;
	close_fd(&s->lab_dir);
	/* Another node's or lab's cgroup keeps its parent: EBUSY/ENOTEMPTY, fine. */
	int root = open_root(), top = root >= 0 ? open_sub(root, "nstopo", false) : -1;
	if (top >= 0 && unlinkat(top, s->lab, AT_REMOVEDIR) == 0)
		unlinkat(root, "nstopo", AT_REMOVEDIR);
	close_fd(&top);
	close_fd(&root);
}
