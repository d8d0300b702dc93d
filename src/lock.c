/* lock.c - see lock.h. flock on /run/nstopo/LAB.lock; the holder's pid is written into the file
 * only to name it in the message of a run that finds the lab busy. */
#include "lock.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int lock_lab(const char *lab, struct nst_err *err)
{
	char path[256], pid[32] = "";
	if (mkdir(NSTOPO_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return nst_err_set(err, errno, "create %s", NSTOPO_RUN_DIR);
	snprintf(path, sizeof(path), "%s/%s.lock", NSTOPO_RUN_DIR, lab);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return nst_err_set(err, errno, "open %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		close(fd);
		if (e == EWOULDBLOCK)
			return nst_err_set(err, 0, "lab %s is busy: another nstopo run (pid %s) is changing it; "
					      "try again when it has finished", lab, pid[0] ? pid : "?");
		return nst_err_set(err, e, "lock %s", path);
	}
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) < 0) {
		/* the pid is only a courtesy for the message above */
	}
	return fd;
}

void lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
