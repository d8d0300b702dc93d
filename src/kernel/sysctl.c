/* sysctl.c - see sysctl.h. /proc/sys/net resolves the namespace when a file is opened, so the
 * caller must be inside the namespace; an fd opened elsewhere would reach the wrong one. */
#include "sysctl.h"
#include "topo.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each namespace's /proc/sys/net/ipv4 (ipv6, core, ...) is a child of the one /proc/sys/net
 * entry that all namespaces share, and the kernel finds the calling namespace's by comparing
 * against every namespace's entry that was ever looked up through that procfs: on a machine with
 * thousands of namespaces one key costs hundreds of microseconds, and writing forwarding in every
 * node of a lab grows as the square of its size. So keys are opened through a private procfs
 * instance (a detached mount, attached nowhere), which knows only the namespaces looked up
 * through it, and which is replaced after PRIVATE_PROC_SPAN of them (making one costs about
 * 0.1 ms). Where the mount API is refused, keys are opened through /proc as before. */
#define PRIVATE_PROC_SPAN 64

static _Thread_local struct {
	int mnt;      /* the instance's root, or -1 */
	bool refused; /* fsopen is not allowed here: /proc it is */
	ino_t netns;  /* the namespace of the last key */
	unsigned seen; /* namespaces looked up through the instance */
} proc = { .mnt = -1 };

static int private_proc(void)
{
	if (proc.refused)
		return -1;
	struct stat st;
	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return -1;
	if (st.st_ino != proc.netns) {
		proc.netns = st.st_ino;
		if (++proc.seen > PRIVATE_PROC_SPAN && proc.mnt >= 0) {
			close(proc.mnt);
			proc.mnt = -1;
		}
	}
	if (proc.mnt >= 0)
		return proc.mnt;
	int fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		proc.mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (fs >= 0)
		close(fs);
	proc.refused = proc.mnt < 0;
	proc.seen = 1;
	return proc.mnt;
}

/* Opens a key (a path under /proc/sys/). */
static int open_key(const char *path, int flags)
{
	int mnt = private_proc();
	if (mnt >= 0)
		return openat(mnt, path + strlen("/proc/"), flags);
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
	topo_sysctl_normalize(raw, buf, len);
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
