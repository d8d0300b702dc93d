/* lock.c - see lock.h. flock on /run/nstopo/LAB.lock; the holder's pid is written into the file
 * only to name it in the message of a run that finds the lab busy. The file is opened relative to
 * the checked /run/nstopo and never through a symlink: the pid is never written anywhere else.
 * `down` removes the file while holding it; a lock is held only when the locked file is still
 * the one at the name (else the next run's new file is the lock, and this one tries again). */
#include "lock.h"
#include "paths.h"
#include "netns.h"
#include "safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The lock file itself: a regular file of root's with no other name (a hard link planted while
 * /run/nstopo was writable by others would have the pid written into someone else's file). */
static int open_lock(int run, const char *name, const char *path, struct nst_err *err)
{
	int fd = openat(run, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ELOOP)
		return nst_err_set(err, 0, "%s is a symbolic link, not nstopo's lock: refusing to write "
				      "through it; remove it by hand", path);
	if (fd < 0)
		return nst_err_set(err, errno, "open %s", path);
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) < 0)
		why = "cannot be examined";
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (st.st_uid != 0)
		why = "is not root's";
	else if (st.st_nlink != 1)
		why = "has other names (hard links)";
	if (why) {
		close(fd);
		return nst_err_set(err, 0, "%s %s, not nstopo's lock: refusing to use it; remove it by hand",
				   path, why);
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) {
		close(fd);
		return nst_err_set(err, errno, "make %s mode 0600", path);
	}
	return fd;
}

/* Whether fd is still the file at name: `down` removes the lock file while it holds it, so a run
 * that opened it just before may get the lock of a file no longer there, while a later run
 * creates and locks a new one. */
static bool still_there(int run, const char *name, int fd)
{
	struct stat at, held;
	return fstatat(run, name, &at, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &held) == 0 &&
	       at.st_dev == held.st_dev && at.st_ino == held.st_ino;
}

int lock_lab(const char *lab, struct nst_err *err)
{
	char name[256], path[512], pid[32] = "";
	int run = safefs_run_dir(err);
	if (run < 0)
		return -1;
	paths_lock_name(name, sizeof(name), lab);
	paths_lock(path, sizeof(path), lab);
	int fd = -1;
	/* Each retry follows a whole run that held the lock and removed the file (a down). */
	for (int tries = 0;; tries++) {
		if ((fd = open_lock(run, name, path, err)) < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			/* Digits only: the message stays one line whatever the file holds. */
			pid[strspn(pid, "0123456789")] = '\0';
			close(fd);
			if (e == EWOULDBLOCK)
				return nst_err_set(err, 0, "lab %s is busy: another nstopo run (pid %s) is changing it; "
						      "try again when it has finished", lab, pid[0] ? pid : "?");
			return nst_err_set(err, e, "lock %s", path);
		}
		if (still_there(run, name, fd))
			break;
		close(fd);
		if (tries == 100)
			return nst_err_set(err, EAGAIN, "lock %s: it keeps being removed and made again", path);
	}
	/* Before anything is made: the lab's directory, when there is one, is root's 0700 and real. */
	int dir = safefs_lab_dir(lab, SAFEFS_CHECK, err);
	if (dir < 0 && err->code != ENOENT) {
		close(fd);
		return -1;
	}
	if (dir >= 0)
		close(dir);
	nst_err_clear(err);
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
