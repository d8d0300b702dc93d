/* sysctl.c - see sysctl.h. /proc/sys/net resolves the namespace when a file is opened, so the
 * caller must be inside the namespace; an fd opened elsewhere would reach the wrong one. */
#include "sysctl.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every namespace's /proc/sys/net is a child of the one /proc/sys, so the kernel resolves that
 * step by comparing against every namespace's entry: a path lookup there costs O(namespaces).
 * The directory is opened once per namespace (per thread) and keys are opened relative to it. */
static _Thread_local struct {
	ino_t netns;
	int fd;
} net_dir = { 0, -1 };

/* An fd of /proc/sys/net in the calling thread's namespace, or -1. */
static int net_dir_fd(void)
{
	struct stat st;
	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return -1;
	if (net_dir.fd >= 0 && net_dir.netns == st.st_ino)
		return net_dir.fd;
	if (net_dir.fd >= 0)
		close(net_dir.fd);
	net_dir.fd = open("/proc/sys/net", O_PATH | O_DIRECTORY | O_CLOEXEC);
	net_dir.netns = st.st_ino;
	return net_dir.fd;
}

/* Opens a key, relative to the namespace's /proc/sys/net when it is under it. */
static int open_key(const char *path, int flags)
{
	const char *rel = path + strlen("/proc/sys/");
	if (strncmp(rel, "net/", 4) == 0) {
		int dir = net_dir_fd();
		if (dir >= 0)
			return openat(dir, rel + 4, flags);
	}
	return open(path, flags);
}

static void path_of(const char *key, char *buf, size_t len)
{
	bool slashed = strchr(key, '/') != NULL;
	int n = snprintf(buf, len, "/proc/sys/%s", key);
	if (!slashed && n > 0)
		for (char *p = buf + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
}

void sysctl_normalize(const char *in, char *out, size_t len)
{
	size_t w = 0;
	bool space = false;
	for (; *in && w + 1 < len; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n') {
			space = w > 0;
			continue;
		}
		if (space && w + 2 < len)
			out[w++] = ' ';
		space = false;
		out[w++] = *in;
	}
	out[w] = '\0';
}

int sysctl_read(const char *key, char *buf, size_t len, struct nst_err *err)
{
	char path[512], raw[512];
	path_of(key, path, sizeof(path));
	int fd = open_key(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nst_err_set(err, errno, "read sysctl %s", key);
	ssize_t n = read(fd, raw, sizeof(raw) - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return nst_err_set(err, e, "read sysctl %s", key);
	raw[n] = '\0';
	sysctl_normalize(raw, buf, len);
	return 0;
}

int sysctl_write(const char *key, const char *value, struct nst_err *err)
{
	char path[512];
	path_of(key, path, sizeof(path));
	int fd = open_key(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return nst_err_set(err, errno, "set sysctl %s", key);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int e = errno;
	close(fd);
	if (n < 0 || (size_t)n != len)
		return nst_err_set(err, n < 0 ? e : EIO, "set sysctl %s to %s", key, value);
	return 0;
}
