/* sysctl.c - see sysctl.h. /proc/sys/net resolves the namespace when a file is opened, so the
 * caller must be inside the namespace; an fd opened elsewhere would reach the wrong one. */
#include "sysctl.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
	int fd = open(path, O_WRONLY | O_CLOEXEC);
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
