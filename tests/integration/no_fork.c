/* no_fork.c - an LD_PRELOAD shim that makes the Nth fork(2) of the process it is loaded in fail
 * with EAGAIN (N from NO_FORK_AT), as a full pid table or a cgroup's pids.max would. fork_fail.sh
 * runs nstopo with it at each N, without ptrace, so LeakSanitizer still checks the failure paths
 * in a sanitizer build. Only the first process counts: its children fork as usual. Each refusal
 * creates the file named by NO_FORK_CALLED, so the test knows the shim was used. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

pid_t fork(void);

static pid_t first_pid;
static long calls;

__attribute__((constructor)) static void no_fork_init(void)
{
	first_pid = getpid();
}

pid_t fork(void)
{
	static pid_t (*real_fork)(void);
	if (!real_fork)
		real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
	const char *at = getenv("NO_FORK_AT");
	if (at && getpid() == first_pid && ++calls == strtol(at, NULL, 10)) {
		const char *called = getenv("NO_FORK_CALLED");
		if (called) {
			int fd = open(called, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
		}
		errno = EAGAIN;
		return -1;
	}
	return real_fork();
}
