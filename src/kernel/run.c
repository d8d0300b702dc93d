/* run.c - see run.h. */
#include "run.h"
#include "paths.h"
#include "arena.h"
#include "cgroup.h"
#include "netns.h"
#include "nodens.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int cmp_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;
	return x < y ? -1 : x > y;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Calls fn for every process but this one, in one pass over /proc. */
static void for_each_pid(void (*fn)(pid_t pid, void *arg), void *arg)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	pid_t self = getpid();
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (!*end && pid > 0 && pid != self)
			fn((pid_t)pid, arg);
	}
	closedir(d);
}

/* A node's namespaces, by kind: a process in any of them is the node's. */
enum { NS_NET, NS_MNT, NS_UTS, NS_KINDS };
static const char *const ns_kind[NS_KINDS] = { "net", "mnt", "uts" };

struct ns_sets {
	ino_t *v[NS_KINDS]; /* sorted */
	size_t n[NS_KINDS];
};

struct ns_pids {
	const struct ns_sets *ns;
	pid_t *out;
	size_t count, cap;
};

static bool in_set(const struct ns_sets *ns, int kind, pid_t pid)
{
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_kind[kind]);
	ssize_t l = readlink(path, link, sizeof(link) - 1);
	if (l <= 0)
		return false;
	link[l] = '\0';
	const char *open = strchr(link, '[');
	unsigned long long ino;
	if (!open || sscanf(open, "[%llu]", &ino) != 1)
		return false;
	ino_t key = (ino_t)ino;
	return bsearch(&key, ns->v[kind], ns->n[kind], sizeof(key), cmp_ino) != NULL;
}

static void take_if_in_ns(pid_t pid, void *arg)
{
	struct ns_pids *q = arg;
	bool take = false;
	for (int k = 0; k < NS_KINDS && !take; k++)
		take = q->ns->n[k] && in_set(q->ns, k, pid);
	if (!take)
		return;
	if (q->count == q->cap)
		q->out = xrealloc(q->out, (q->cap = q->cap ? q->cap * 2 : 16) * sizeof(*q->out));
	q->out[q->count++] = pid;
}

/* The pids in /proc in any of the namespaces, appended to *out. */
static void find_pids(const struct ns_sets *ns, pid_t **out, size_t *count, size_t *cap)
{
	struct ns_pids q = { .ns = ns, .out = *out, .count = *count, .cap = *cap };
	if (ns->n[NS_NET] || ns->n[NS_MNT] || ns->n[NS_UTS])
		for_each_pid(take_if_in_ns, &q);
	*out = q.out;
	*count = q.count;
	*cap = q.cap;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until every pidfd is readable (its process has ended) or the deadline passes; returns
 * how many are still running. */
static size_t wait_all(struct pollfd *fds, size_t n, long deadline)
{
	size_t left = n;
	while (left) {
		long wait = deadline - now_ms();
		if (wait <= 0)
			break;
		int r = poll(fds, n, (int)wait);
		if (r < 0 && errno != EINTR)
			break;
		left = 0;
		for (size_t i = 0; i < n; i++) {
			if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
			left += fds[i].fd >= 0;
		}
	}
	return left;
}

enum { KILL_WAIT_MS = 5000 };

/* TERM to each pid, grace_ms for them to end, then KILL to the rest and to everything in the
 * cgroups (NULL: none), waited for with pidfds and cgroup.events. Returns how many processes
 * (or populated cgroups) are left. */
static size_t end_pids(const pid_t *pids, size_t count, const struct cgroup_set *cg,
		       unsigned grace_ms)
{
	struct pollfd *fds = xcalloc(count + 1, sizeof(*fds));
	for (size_t i = 0; i < count; i++) {
		fds[i].fd = pidfd_open_(pids[i]);
		fds[i].events = POLLIN;
		if (fds[i].fd >= 0)
			kill(pids[i], SIGTERM);
	}
	size_t left = wait_all(fds, count, now_ms() + grace_ms), cg_left = 0;
	/* A process of the cgroups that none of pids is (forked meanwhile) gets no TERM. */
	if (cg)
		cgroup_set_kill(cg);
	long deadline = now_ms() + KILL_WAIT_MS;
	if (left) {
		for (size_t i = 0; i < count; i++)
			if (fds[i].fd >= 0)
				kill(pids[i], SIGKILL);
		left = wait_all(fds, count, deadline);
	}
	if (cg)
		cg_left = cgroup_set_wait(cg, deadline);
	for (size_t i = 0; i < count; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	free(fds);
	return left + cg_left;
}

static int not_ended(size_t still, struct nst_err *err)
{
	return nst_err_set(err, 0, "%zu process%s did not end after KILL", still,
			   still == 1 ? "" : "es");
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return x < y ? -1 : x > y;
}

static size_t sort_unique(pid_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_pid);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

/* The inode of a node's kept namespace (an nsfs bind mount in /run/nstopo/LAB/ns, see
 * nodens.c: ns_dir is that directory, nsfs the device of nsfs); 0 when none is kept. */
static ino_t kept_ns_ino(int ns_dir, dev_t nsfs, const char *node, const char *kind)
{
	char name[300];
	struct stat st;
	snprintf(name, sizeof(name), "%s.%s", node, kind);
	if (ns_dir < 0 || fstatat(ns_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != nsfs)
		return 0;
	return st.st_ino;
}

static void ns_add(struct ns_sets *ns, int kind, ino_t ino, size_t cap)
{
	if (!ino)
		return;
	if (!ns->v[kind])
		ns->v[kind] = xcalloc(cap, sizeof(ino_t));
	ns->v[kind][ns->n[kind]++] = ino;
}

/* Rounds of looking again for processes found only by their namespaces (no cgroup holds them):
 * one may have forked while the others ended. */
enum { NS_ROUNDS = 3 };

/* v NULL: every node cgroup of the lab, namespaces unknown. */
static int stop_nodes(const char *lab, const struct run_node *v, size_t n, unsigned grace_ms,
		      struct nst_err *err)
{
	struct ns_sets ns = { 0 };
	const char **names = xcalloc(n + 1, sizeof(*names));
	char dir[512];
	paths_ns_dir(dir, sizeof(dir), lab);
	struct stat self_ns = { 0 };
	int ns_dir = n && stat("/proc/self/ns/mnt", &self_ns) == 0
			     ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			     : -1;
	for (size_t i = 0; i < n; i++) {
		names[i] = v[i].node;
		ns_add(&ns, NS_NET, v[i].net, n);
		ns_add(&ns, NS_MNT, kept_ns_ino(ns_dir, self_ns.st_dev, v[i].node, "mnt"), n);
		ns_add(&ns, NS_UTS, kept_ns_ino(ns_dir, self_ns.st_dev, v[i].node, "uts"), n);
	}
	if (ns_dir >= 0)
		close(ns_dir);
	for (int k = 0; k < NS_KINDS; k++)
		if (ns.n[k])
			qsort(ns.v[k], ns.n[k], sizeof(ino_t), cmp_ino);
	struct cgroup_set cg;
	cgroup_set_open(&cg, lab, v ? names : NULL, n);
	pid_t *pids = NULL;
	size_t count = 0, cap = 0;
	cgroup_set_pids(&cg, &pids, &count, &cap);
	size_t in_cgroups = count;
	find_pids(&ns, &pids, &count, &cap);
	bool by_ns = count > in_cgroups;
	count = sort_unique(pids, count);
	size_t total = count, still = end_pids(pids, count, &cg, grace_ms);
	for (int round = 0; by_ns && round < NS_ROUNDS && !still; round++) {
		count = 0;
		find_pids(&ns, &pids, &count, &cap);
		if (!count)
			break;
		total += count;
		still = end_pids(pids, count, NULL, 0);
	}
	cgroup_set_remove(&cg);
	free(pids);
	free(names);
	for (int k = 0; k < NS_KINDS; k++)
		free(ns.v[k]);
	return still ? not_ended(still, err) : (int)total;
}

int run_stop_nodes(const char *lab, const struct run_node *v, size_t n, unsigned grace_ms,
		   struct nst_err *err)
{
	return n ? stop_nodes(lab, v, n, grace_ms, err) : 0;
}

int run_stop_lab(const char *lab, unsigned grace_ms, struct nst_err *err)
{
	return stop_nodes(lab, NULL, 0, grace_ms, err);
}

int run_stop_leftover(const char *lab, const char *node, unsigned grace_ms, struct nst_err *err)
{
	struct cgroup_set cg;
	cgroup_set_open(&cg, lab, &node, 1);
	pid_t *pids = NULL;
	size_t count = 0, cap = 0;
	cgroup_set_pids(&cg, &pids, &count, &cap);
	size_t still = cg.n ? end_pids(pids, count, &cg, grace_ms) : 0;
	cgroup_set_remove(&cg);
	free(pids);
	return still ? not_ended(still, err) : (int)count;
}

/* ---- tagged processes ---- */

static const char *env_value(const char *env, size_t len, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i < len;) {
		const char *e = env + i;
		size_t l = strnlen(e, len - i);
		if (l > k && strncmp(e, key, k) == 0 && e[k] == '=')
			return e + k + 1;
		i += l + 1;
	}
	return NULL;
}

struct tagged {
	const char *lab;
	struct run_proc *out;
	size_t count, cap;
};

static void take_if_tagged(pid_t pid, void *arg)
{
	struct tagged *q = arg;
	static char env[65536];
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, env, sizeof(env) - 1);
	close(fd);
	if (n <= 0)
		return;
	env[n] = '\0';
	const char *l = env_value(env, (size_t)n, "NSTOPO_LAB");
	if (!l || strcmp(l, q->lab) != 0)
		return;
	const char *node = env_value(env, (size_t)n, "NSTOPO_NODE");
	const char *role = env_value(env, (size_t)n, "NSTOPO_ROLE");
	if (q->count == q->cap)
		q->out = xrealloc(q->out, (q->cap = q->cap ? q->cap * 2 : 16) * sizeof(*q->out));
	struct run_proc *p = &q->out[q->count++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->node, sizeof(p->node), "%s", node ? node : "");
	snprintf(p->role, sizeof(p->role), "%s", role ? role : "");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t c = read(fd, p->comm, sizeof(p->comm) - 1);
		close(fd);
		if (c > 0 && p->comm[c - 1] == '\n')
			p->comm[c - 1] = '\0';
	}
}

size_t run_find_tagged(const char *lab, struct run_proc **out)
{
	struct tagged q = { .lab = lab };
	for_each_pid(take_if_tagged, &q);
	*out = q.out;
	return q.count;
}

int run_stop_role(const char *lab, const char *node, const char *role, unsigned grace_ms,
		  struct nst_err *err)
{
	struct run_proc *p;
	size_t n = run_find_tagged(lab, &p), count = 0, cap = n + 1;
	pid_t *pids = xcalloc(cap, sizeof(*pids));
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].node, node) == 0 && strcmp(p[i].role, role) == 0)
			pids[count++] = p[i].pid;
	free(p);
	struct cgroup_set cg;
	cgroup_set_open_role(&cg, lab, node, role);
	cgroup_set_pids(&cg, &pids, &count, &cap);
	count = sort_unique(pids, count);
	size_t still = end_pids(pids, count, &cg, grace_ms);
	cgroup_set_close(&cg);
	free(pids);
	return still ? not_ended(still, err) : (int)count;
}

/* ---- starting programs in a node ---- */

static void child_enter(const struct run_opts *o, int err_fd)
{
	struct nst_err err = { 0 };
	int code = 0;
	if (setns(o->net->fd, CLONE_NEWNET) < 0)
		code = errno;
	else if (nodens_enter(o->lab, o->node, &err) < 0)
		code = err.code ? err.code : EIO;
	if (code) {
		if (write(err_fd, &code, sizeof(code)) < 0)
			_exit(125);
		_exit(125);
	}
	if (chdir("/") < 0)
		_exit(125);
}

static char home_dir[4096] = "/";
static pthread_once_t home_once = PTHREAD_ONCE_INIT;

/* Once per run: getpwuid reads /etc/passwd and keeps its answer in static storage that the
 * check pool's threads would share. */
static void find_home(void)
{
	struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_dir[0])
		snprintf(home_dir, sizeof(home_dir), "%s", pw->pw_dir);
}

/* The environment a node's program starts with, built before fork (the check pool is threaded:
 * nothing that allocates runs in the child). The node's `env:` comes last and wins. */
static char **clean_environment(const struct run_opts *o)
{
	static const char *const kept[] = { "LANG", "LC_ALL", "TERM" };
	size_t n_env = 0;
	while (o->env && o->env[n_env])
		n_env++;
	char **envp = xcalloc(n_env + 16, sizeof(*envp));
	size_t n = 0;
	pthread_once(&home_once, find_home);
	envp[n++] = xasprintf("PATH=%s", RUN_DEFAULT_PATH);
	envp[n++] = xasprintf("HOME=%s", home_dir);
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
		const char *v = getenv(kept[i]);
		if (v)
			envp[n++] = xasprintf("%s=%s", kept[i], v);
	}
	for (size_t i = 0; i < n_env; i++) {
		size_t name_len = strcspn(o->env[i], "=");
		for (size_t j = 0; j < n; j++)
			if (strncmp(envp[j], o->env[i], name_len + 1) == 0) {
				free(envp[j]);
				envp[j] = envp[--n];
				break;
			}
		envp[n++] = xstrdup(o->env[i]);
	}
	envp[n++] = xasprintf("NSTOPO_LAB=%s", o->lab);
	envp[n++] = xasprintf("NSTOPO_NODE=%s", o->node);
	envp[n++] = xasprintf("NSTOPO_ROLE=%s", o->role);
	envp[n] = NULL;
	return envp;
}

static void free_environment(char **envp)
{
	for (size_t i = 0; envp[i]; i++)
		free(envp[i]);
	free(envp);
}

/* execvpe, but searching the PATH of envp (the node's), not nstopo's own. Async-signal-safe. */
static void exec_in_path(char *const argv[], char *const envp[])
{
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		return;
	}
	const char *path = RUN_DEFAULT_PATH;
	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	int first = ENOENT;
	for (const char *dir = path;; dir++) {
		size_t len = strcspn(dir, ":");
		char file[4096];
		if (len + strlen(argv[0]) + 2 <= sizeof(file)) {
			memcpy(file, dir, len);
			file[len] = '/';
			strcpy(file + len + 1, argv[0]);
			/* An empty entry is the working directory, as a shell has it. */
			execve(len ? file : file + 1, argv, envp);
			if (errno != ENOENT && errno != ENOTDIR && first == ENOENT)
				first = errno;
		}
		dir += len;
		if (!*dir)
			break;
	}
	errno = first;
}

static void child_exec(char *const argv[], char *const envp[], int err_fd)
{
	exec_in_path(argv, envp);
	int code = errno;
	if (write(err_fd, &code, sizeof(code)) < 0)
		_exit(127);
	_exit(127);
}

/* Appends n bytes to the tail (tail_len - 1 bytes at most, *have of them used, kept
 * NUL-terminated), dropping the oldest: one move per read, not per byte. */
static void keep_tail(char *tail, size_t tail_len, size_t *have, const char *buf, size_t n)
{
	if (tail_len < 2)
		return;
	size_t room = tail_len - 1;
	if (n >= room) {
		memcpy(tail, buf + (n - room), room);
		*have = room;
	} else {
		if (*have + n > room) {
			size_t drop = *have + n - room;
			memmove(tail, tail + drop, *have - drop);
			*have -= drop;
		}
		memcpy(tail + *have, buf, n);
		*have += n;
	}
	tail[*have] = '\0';
}

int run_start(char *const argv[], const struct run_opts *o, struct run_job *j, struct nst_err *err)
{
	int errp[2], outp[2] = { -1, -1 }, log_fd = -1;
	*j = (struct run_job){ .pid = -1, .pidfd = -1, .out_fd = -1, .err_fd = -1, .argv0 = argv[0] };
	if (o->background &&
	    (log_fd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return nst_err_set(err, errno, "open the log %s", o->log_path);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (!o->background && pipe2(outp, O_CLOEXEC) < 0)) {
		int e = errno;
		if (log_fd >= 0)
			close(log_fd);
		if (devnull >= 0)
			close(devnull);
		return nst_err_set(err, e, "make a pipe");
	}
	/* Into the node's cgroup before anything of the program runs; opened here, as the node's
	 * mount namespace does not show the hierarchy. Without one, down finds it by namespace. */
	int cg = cgroup_node_procs(o->lab, o->node, o->role);
	char **envp = clean_environment(o);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (cg >= 0)
			close(cg);
		close(devnull), close(errp[0]), close(errp[1]);
		if (outp[0] >= 0)
			close(outp[0]), close(outp[1]);
		if (log_fd >= 0)
			close(log_fd);
		free_environment(envp);
		return nst_err_set(err, e, "fork");
	}
	if (pid == 0) {
		if (cg >= 0)
			cgroup_join(cg);
		close(errp[0]);
		/* Whatever nstopo's own caller left open without close-on-exec stays out too. */
		syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
		child_enter(o, errp[1]);
		dup2(devnull, 0);
		if (o->background) {
			/* Detached from nstopo: its own session, reparented to init once we return. */
			setsid();
			if (fork() != 0)
				_exit(0);
			dup2(log_fd, 1);
			dup2(log_fd, 2);
		} else {
			dup2(outp[1], 1);
			dup2(outp[1], 2);
		}
		child_exec(argv, envp, errp[1]);
	}
	if (cg >= 0)
		close(cg);
	free_environment(envp);
	close(devnull);
	close(errp[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (log_fd >= 0)
		close(log_fd);
	j->pid = pid;
	j->pidfd = pidfd_open_(pid);
	j->out_fd = outp[0];
	j->err_fd = errp[0];
	j->deadline = now_ms() + (o->timeout_ms ? o->timeout_ms : 30000);
	return 0;
}

int run_finish(struct run_job *j, int *status, char *tail, size_t tail_len, struct nst_err *err)
{
	pid_t pid = j->pid;
	int pidfd = j->pidfd, outp[1] = { j->out_fd }, errp[1] = { j->err_fd };
	long deadline = j->deadline;
	size_t have = 0;
	bool timed_out = false;
	if (tail_len)
		tail[0] = '\0';
	/* Its output as it comes until it ends; then what it left in the pipe, which may be most
	 * of it (its last writes and its exit are seen at once), until the pipe is empty or closed
	 * or the deadline passes. A daemon it started that keeps the pipe open does not hold us:
	 * an empty pipe after the end is the end. */
	bool ended = false;
	while (outp[0] >= 0) {
		struct pollfd p[2] = { { outp[0], POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		long wait = deadline - now_ms();
		if (wait <= 0) {
			if (!ended) {
				timed_out = true;
				kill(pid, SIGKILL);
			}
			break;
		}
		int ready = poll(p, ended ? 1 : 2, ended ? 0 : (int)wait);
		if (ready < 0 && errno != EINTR)
			break;
		if (ended && ready == 0)
			break;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[16384];
			ssize_t n = read(outp[0], buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				close(outp[0]);
				outp[0] = -1;
			} else if (n > 0) {
				keep_tail(tail, tail_len, &have, buf, (size_t)n);
			}
		}
		if (!ended && (p[1].revents & POLLIN))
			ended = true;
	}
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (pidfd >= 0)
		close(pidfd);
	if (outp[0] >= 0)
		close(outp[0]);
	int code = 0;
	ssize_t got = read(errp[0], &code, sizeof(code));
	close(errp[0]);
	if (got == (ssize_t)sizeof(code) && code) {
		nst_err_set(err, code, "run %s", j->argv0);
		err->status = code == ENOENT ? NST_EXIT_INPUT : NST_EXIT_SYSTEM;
		return -1;
	}
	*status = timed_out ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

int run_in_node(char *const argv[], const struct run_opts *o, int *status, char *tail,
		size_t tail_len, struct nst_err *err)
{
	struct run_job j;
	if (tail_len)
		tail[0] = '\0';
	if (run_start(argv, o, &j, err) < 0)
		return -1;
	return run_finish(&j, status, tail, tail_len, err);
}
