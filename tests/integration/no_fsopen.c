/* no_fsopen.c - an LD_PRELOAD shim that refuses fsopen(2) as a container's seccomp filter or an
 * old kernel would, so sysctl.sh can check that nstopo then writes sysctls through /proc. Each
 * refusal creates the file named by NO_FSOPEN_CALLED, so the test knows the shim was used. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int fsopen(const char *fs_name, unsigned int flags);

int fsopen(const char *fs_name, unsigned int flags)
{
	(void)fs_name;
	(void)flags;
	const char *called = getenv("NO_FSOPEN_CALLED");
	if (called) {
		int fd = open(called, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	errno = EPERM;
	return -1;
}
