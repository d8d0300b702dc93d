/* run.c - see run.h. */
#include "run.h"
#include "arena.h"
#include "netns.h"
#include "nodens.h"

#include <fcntl.h>
#include <linux/close_range.h>
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

struct netns_pids {
	const ino_t *sorted;
	size_t n;
	pid_t *out;
	size_t count, cap;
};

static void take_if_in_netns(pid_t pid, void *arg)
{
	struct netns_pids *q = arg;
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	ssize_t l = readlink(path, link, sizeof(link) - 1);
	if (l <= 0)
		return;
	link[l] = '\0';
	unsigned long long ino;
	if (sscanf(link, "net:[%llu]", &ino) != 1)
		return;
	ino_t key = (ino_t)ino;
	if (!bsearch(&key, q->sorted, q->n, sizeof(*q->sorted), cmp_ino))
		return;
	if (q->count == q->cap)
		q->out = xrealloc(q->out, (q->cap = q->cap ? q->cap * 2 : 16) * sizeof(*q->out));
	q->out[q->count++] = pid;
}

/* The pids in /proc whose network namespace inode is in the sorted set. */
static size_t find_pids(const ino_t *sorted, size_t n, pid_t **out)
{
	struct netns_pids q = { .sorted = sorted, .n = n };
	for_each_pid(take_if_in_netns, &q);
	*out = q.out;
	return q.count;
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

int run_stop_pids(const pid_t *pids, size_t count, unsigned grace_ms, struct nst_err *err)
{
	if (!count)
		return 0;
	struct pollfd *fds = xcalloc(count, sizeof(*fds));
	for (size_t i = 0; i < count; i++) {
		fds[i].fd = pidfd_open_(pids[i]);
		fds[i].events = POLLIN;
		if (fds[i].fd >= 0)
			kill(pids[i], SIGTERM);
	}
	if (wait_all(fds, count, now_ms() + grace_ms)) {
		for (size_t i = 0; i < count; i++)
			if (fds[i].fd >= 0)
				kill(pids[i], SIGKILL);
		wait_all(fds, count, now_ms() + 5000);
	}
	int still = 0;
	for (size_t i = 0; i < count; i++)
		if (fds[i].fd >= 0) {
			close(fds[i].fd);
			still++;
		}
	free(fds);
	if (still)
		return nst_err_set(err, 0, "%d process%s did not end after KILL", still,
				   still == 1 ? "" : "es");
	return (int)count;
}

int run_stop_in_netns(const ino_t *inos, size_t n, unsigned grace_ms, struct nst_err *err)
{
	if (!n)
		return 0;
	ino_t *sorted = xmalloc(n * sizeof(*sorted));
	memcpy(sorted, inos, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_ino);
	pid_t *pids;
	size_t count = find_pids(sorted, n, &pids);
	free(sorted);
	int rc = run_stop_pids(pids, count, grace_ms, err);
	free(pids);
	return rc;
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
	struct passwd *pw = getpwuid(geteuid());
	envp[n++] = xasprintf("PATH=%s", RUN_DEFAULT_PATH);
	envp[n++] = xasprintf("HOME=%s", pw && pw->pw_dir[0] ? pw->pw_dir : "/");
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

int run_in_node(char *const argv[], const struct run_opts *o, int *status, char *tail,
		size_t tail_len, struct nst_err *err)
{
	int errp[2], outp[2] = { -1, -1 }, log_fd = -1;
	if (tail_len)
		tail[0] = '\0';
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
	char **envp = clean_environment(o);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(devnull), close(errp[0]), close(errp[1]);
		if (outp[0] >= 0)
			close(outp[0]), close(outp[1]);
		if (log_fd >= 0)
			close(log_fd);
		free_environment(envp);
		return nst_err_set(err, e, "fork");
	}
	if (pid == 0) {
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
	free_environment(envp);
	close(devnull);
	close(errp[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (log_fd >= 0)
		close(log_fd);
	int pidfd = pidfd_open_(pid);
	size_t have = 0;
	long deadline = now_ms() + (o->timeout_ms ? o->timeout_ms : 30000);
	bool timed_out = false;
	/* Until the process ends: its output as it comes (a daemon that keeps our pipe open
	 * after its parent exits must not hold us). */
	while (!o->background && outp[0] >= 0) {
		struct pollfd p[2] = { { outp[0], POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		long wait = deadline - now_ms();
		if (wait <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, (int)wait) < 0 && errno != EINTR)
			break;
		if (p[0].revents & (POLLIN | POLLHUP)) {
			char buf[4096];
			ssize_t n = read(outp[0], buf, sizeof(buf));
			if (n <= 0) {
				close(outp[0]);
				outp[0] = -1;
			} else if (tail_len > 1) {
				/* Keep the last tail_len - 1 bytes. */
				for (ssize_t i = 0; i < n; i++) {
					if (have == tail_len - 1) {
						memmove(tail, tail + 1, tail_len - 2);
						have--;
					}
					tail[have++] = buf[i];
				}
				tail[have] = '\0';
			}
		}
		if (p[1].revents & POLLIN)
			break;
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
		nst_err_set(err, code, "run %s", argv[0]);
		err->status = code == ENOENT ? NST_EXIT_INPUT : NST_EXIT_SYSTEM;
		return -1;
	}
	*status = timed_out ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}
