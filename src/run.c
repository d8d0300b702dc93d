/* run.c - see run.h. */
#include "run.h"
#include "arena.h"

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

/* The pids in /proc whose network namespace inode is in the sorted set. */
static size_t find_pids(const ino_t *sorted, size_t n, pid_t **out)
{
	size_t count = 0, cap = 0;
	*out = NULL;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t self = getpid();
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end, path[64], link[64];
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		ssize_t l = readlink(path, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = '\0';
		unsigned long long ino;
		if (sscanf(link, "net:[%llu]", &ino) != 1)
			continue;
		ino_t key = (ino_t)ino;
		if (!bsearch(&key, sorted, n, sizeof(*sorted), cmp_ino))
			continue;
		if (count == cap)
			*out = xrealloc(*out, (cap = cap ? cap * 2 : 16) * sizeof(**out));
		(*out)[count++] = (pid_t)pid;
	}
	closedir(d);
	return count;
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
	free(pids);
	if (still)
		return nst_err_set(err, 0, "%d process%s in the lab's namespaces did not end after KILL",
				   still, still == 1 ? "" : "es");
	return (int)count;
}
