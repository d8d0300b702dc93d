/* fail_call.c - an LD_PRELOAD shim that makes the Nth call of one function (FAIL_CALL: fork,
 * sendmsg, sendto, mount, setns or unshare) in the process it is loaded in fail, as a full pid table, a
 * kernel or a container's policy would: fork with EAGAIN, the others with EPERM. Only the first
 * process counts and fails (its children, the namespace helpers, run as usual). fail_call.sh
 * uses it where strace cannot serve: LeakSanitizer does not run in a traced process, and these
 * failure paths are the ones to check for leaks. FAIL_AT=N picks the call; FAIL_CALLED names a
 * file made at the refusal; FAIL_COUNT names a file the number of calls is written to at exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

pid_t fork(void);
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t to_len);
int mount(const char *source, const char *target, const char *type, unsigned long flags,
	  const void *data);
int setns(int fd, int nstype);
int unshare(int flags);

static pid_t first_pid;
static const char *which;
static long at, calls;

__attribute__((constructor)) static void fail_call_init(void)
{
	first_pid = getpid();
	which = getenv("FAIL_CALL");
	const char *n = getenv("FAIL_AT");
	at = n ? strtol(n, NULL, 10) : 0;
}

__attribute__((destructor)) static void fail_call_count(void)
{
	const char *path = getenv("FAIL_COUNT");
	if (!path || getpid() != first_pid)
		return;
	FILE *f = fopen(path, "we");
	if (f) {
		fprintf(f, "%ld\n", calls);
		fclose(f);
	}
}

/* Whether this call of name is the one to refuse (errno set then). */
static int refuse(const char *name, int e)
{
	if (!which || strcmp(which, name) != 0 || getpid() != first_pid)
		return 0;
	if (__atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST) != at)
		return 0;
	const char *called = getenv("FAIL_CALLED");
	if (called) {
		int fd = open(called, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	errno = e;
	return 1;
}

#define REAL(name) ((__typeof__(name) *)dlsym(RTLD_NEXT, #name))

pid_t fork(void)
{
	return refuse("fork", EAGAIN) ? -1 : REAL(fork)();
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return refuse("sendmsg", EPERM) ? -1 : REAL(sendmsg)(fd, msg, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t to_len)
{
	return refuse("sendto", EPERM) ? -1 : REAL(sendto)(fd, buf, len, flags, to, to_len);
}

int mount(const char *source, const char *target, const char *type, unsigned long flags,
	  const void *data)
{
	return refuse("mount", EPERM) ? -1 : REAL(mount)(source, target, type, flags, data);
}

int setns(int fd, int nstype)
{
	return refuse("setns", EPERM) ? -1 : REAL(setns)(fd, nstype);
}

int unshare(int flags)
{
	return refuse("unshare", EPERM) ? -1 : REAL(unshare)(flags);
}
