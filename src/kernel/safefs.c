/* safefs.c - see safefs.h. nstopo runs as root in directories a node's users may write to (a
 * `dir: true` of mode 1777 is bind-mounted into the node): every name is looked up relative to
 * a directory fd it already checked, never as a path string that could be re-routed meanwhile. */
#include "safefs.h"
#include "paths.h"
#include "arena.h"
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Deeper than this, removal and copies stop (each level holds one fd). */
enum { MAX_DEPTH = 256 };

/* ---- the run directories ---- */

static const char *kind_of(mode_t m)
{
	return S_ISLNK(m) ? "a symbolic link" : S_ISREG(m) ? "a regular file" : "not a directory";
}

/* Why path (name under dirfd) cannot be opened as a directory, when it is not one. */
static int refuse_non_dir(int dirfd, const char *name, const char *path, struct nst_err *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
		return nst_err_set(err, 0, "%s is %s, not a directory nstopo made: refusing to use it; "
				      "remove it by hand", path, kind_of(st.st_mode));
	return nst_err_set(err, errno, "open %s", path);
}

/* The directory fd (path) must be root's; one with mode bits in fix_if gets mode want. Closes
 * fd when it refuses. */
static int own_dir(int fd, const char *path, mode_t want, mode_t fix_if, struct nst_err *err)
{
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = nst_err_set(err, errno, "stat %s", path);
	else if (st.st_uid != 0)
		rc = nst_err_set(err, 0, "%s is owned by uid %u, not root: refusing to use it (another "
					 "user could re-route what nstopo writes there); remove it by hand",
				 path, (unsigned)st.st_uid);
	else if ((st.st_mode & 07777) != want && (st.st_mode & fix_if) && fchmod(fd, want) < 0)
		rc = nst_err_set(err, errno, "make %s mode %04o", path, (unsigned)want);
	if (rc < 0)
		close(fd);
	return rc < 0 ? -1 : fd;
}

int safefs_run_dir(struct nst_err *err)
{
	static int run_fd = -1;
	if (run_fd >= 0)
		return run_fd;
	const char *path = NSTOPO_RUN_DIR;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return nst_err_set(err, errno, "create %s", path);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? refuse_non_dir(AT_FDCWD, path, path, err)
							  : nst_err_set(err, errno, "open %s", path);
	/* One that others may write to (a fresh tmpfs is 1777) is made nstopo's own. */
	return run_fd = own_dir(fd, path, 0755, 07022, err);
}

int safefs_lab_dir(const char *lab, enum safefs_how how, struct nst_err *err)
{
	char path[256];
	paths_lab_dir(path, sizeof(path), lab);
	if (!lab[0] || strchr(lab, '/') || !strcmp(lab, ".") || !strcmp(lab, ".."))
		return nst_err_set(err, EINVAL, "lab name '%s'", lab);
	int run = safefs_run_dir(err);
	if (run < 0)
		return -1;
	if (how == SAFEFS_CREATE && mkdirat(run, lab, 0700) < 0 && errno != EEXIST)
		return nst_err_set(err, errno, "create %s", path);
	int fd = openat(run, lab, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? refuse_non_dir(run, lab, path, err)
							  : nst_err_set(err, errno, "open %s", path);
	return own_dir(fd, path, 0700, how == SAFEFS_READ ? 0 : 07777, err);
}

/* ---- opening beneath a directory ---- */

/* One component at a time, for kernels without openat2 (before 5.6). */
static int open_walk(int dirfd, const char *path, int flags, mode_t mode)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = dirfd;
	char *name = buf;
	for (;;) {
		char *slash = strchr(name, '/');
		if (slash)
			*slash = '\0';
		if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..")) {
			if (fd != dirfd)
				close(fd);
			errno = EXDEV; /* what openat2 says for a way out of dirfd */
			return -1;
		}
		int next = slash ? openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				 : openat(fd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		int e = errno;
		if (fd != dirfd)
			close(fd);
		if (next < 0 || !slash) {
			errno = e;
			return next;
		}
		fd = next;
		name = slash + 1;
	}
}

int safefs_open(int dirfd, const char *path, int flags, mode_t mode)
{
	static bool no_openat2;
	if (path[0] == '/') {
		errno = EXDEV;
		return -1;
	}
	if (!no_openat2) {
		struct open_how how = { .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
					.mode = flags & O_CREAT ? mode : 0,
					.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		no_openat2 = true;
	}
	return open_walk(dirfd, path, flags, mode);
}

int safefs_mkdir(int dirfd, const char *name, mode_t mode, bool *made)
{
	bool is_new = mkdirat(dirfd, name, mode) == 0;
	if (!is_new && errno != EEXIST)
		return -1;
	if (made)
		*made = is_new;
	/* O_NOFOLLOW|O_DIRECTORY: an existing symlink or file fails with ELOOP or ENOTDIR. */
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* ---- listing ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int safefs_list(int fd, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -1;
	DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return -1;
	}
	rewinddir(d);
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = xstrdup(e->d_name);
	}
	int e2 = errno;
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_str);
	errno = e2;
	return e2 ? -1 : 0;
}

void safefs_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- removing ---- */

/* The tree being removed: its filesystem and mount, which removal never leaves. */
struct tree {
	dev_t dev;
	uint64_t mnt_id;
	bool has_mnt_id;
};

static int tree_of(int fd, struct tree *t)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	t->dev = st.st_dev;
	struct statx sx;
	t->has_mnt_id = statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) == 0 && (sx.stx_mask & STATX_MNT_ID);
	t->mnt_id = t->has_mnt_id ? sx.stx_mnt_id : 0;
	return 0;
}

/* A bind mount of the same filesystem has the same st_dev: the mount id tells it apart. */
static bool in_tree(int fd, const struct tree *t)
{
	struct tree here;
	if (tree_of(fd, &here) < 0 || here.dev != t->dev)
		return false;
	return !t->has_mnt_id || !here.has_mnt_id || here.mnt_id == t->mnt_id;
}

static int remove_at(int dirfd, const char *name, const struct tree *t, int depth);

static int empty_in(int fd, const struct tree *t, int depth)
{
	/* Again while something is left: what was added meanwhile goes too. After the first pass
	 * only root could still add anything (each directory was made root's 0700). */
	for (int pass = 0; pass < 8; pass++) {
		char **names;
		size_t n;
		if (safefs_list(fd, &names, &n) < 0)
			return -1;
		if (!n)
			return 0;
		int rc = 0, e = 0;
		for (size_t i = 0; i < n; i++)
			if (remove_at(fd, names[i], t, depth) < 0 && !rc) {
				rc = -1;
				e = errno;
			}
		safefs_list_free(names, n);
		if (rc < 0) {
			errno = e;
			return -1;
		}
	}
	errno = ENOTEMPTY;
	return -1;
}

/* Removes a directory's contents, then the directory; whatever is swapped in under name while
 * this runs is looked at again, never followed. */
static int remove_at(int dirfd, const char *name, const struct tree *t, int depth)
{
	for (int tries = 0; tries < 8; tries++) {
		struct stat st;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : -1;
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
				return 0;
			if (errno == EISDIR)
				continue; /* a directory now */
			return -1;
		}
		if (depth >= MAX_DEPTH) {
			errno = ELOOP;
			return -1;
		}
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				return 0;
			if (errno == ELOOP || errno == ENOTDIR)
				continue; /* swapped for a symlink or a file meanwhile */
			return -1;
		}
		struct stat me;
		int rc = 0;
		if (!in_tree(fd, t)) {
			errno = EXDEV; /* something is mounted there: leave it */
			rc = -1;
		} else if (fstat(fd, &me) < 0) {
			rc = -1;
		} else if ((me.st_uid != 0 || me.st_gid != 0) && fchown(fd, 0, 0) < 0) {
			rc = -1;
		} else if ((me.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
			rc = -1;
		}
		if (rc == 0)
			rc = empty_in(fd, t, depth + 1);
		int e = errno;
		close(fd);
		if (rc < 0) {
			errno = e;
			return -1;
		}
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ENOTEMPTY)
			return -1;
		/* name is something else now, or was filled again: look again. */
	}
	errno = EAGAIN;
	return -1;
}

int safefs_remove(int dirfd, const char *name)
{
	struct tree t;
	if (tree_of(dirfd, &t) < 0)
		return -1;
	return remove_at(dirfd, name, &t, 0);
}

int safefs_empty(int fd)
{
	struct tree t;
	if (tree_of(fd, &t) < 0)
		return -1;
	return empty_in(fd, &t, 0);
}

/* ---- reading, writing, copying ---- */

int safefs_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

char *safefs_read_max(int fd, size_t max, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		if ((n += (size_t)r) > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
	}
	*len = n;
	return buf;
}

static int copy_file(int src, int dst, uint64_t *budget)
{
	char buf[65536];
	for (;;) {
		ssize_t r = read(src, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (int)r;
		if ((uint64_t)r > *budget) {
			errno = EFBIG; /* it grew since it was measured */
			return -1;
		}
		*budget -= (uint64_t)r;
		if (safefs_write_all(dst, buf, (size_t)r) < 0)
			return -1;
	}
}

static int copy_entry(int src, int dst, const char *name, uint64_t *budget, int depth);

static int copy_in(int src, int dst, uint64_t *budget, int depth)
{
	if (depth >= MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	char **names;
	size_t n;
	if (safefs_list(src, &names, &n) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = copy_entry(src, dst, names[i], budget, depth);
	int e = errno;
	safefs_list_free(names, n);
	errno = e;
	return rc;
}

static int copy_entry(int src, int dst, const char *name, uint64_t *budget, int depth)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		/* Made again as it is: it resolves inside the node, where it is used. */
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		return symlinkat(target, dst, name);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0; /* a fifo, socket or device is no file's content */
	int flags = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
	int in = openat(src, name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = -1, rc = -1;
	/* What was opened is what is copied, whatever the name was when it was first looked at. */
	if (fstat(in, &st) < 0)
		goto out;
	mode_t mode = st.st_mode & 01777; /* setuid/setgid only where a file's mode: asks */
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst, name, 0700) < 0)
			goto out;
		out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		rc = out < 0 ? -1 : copy_in(in, out, budget, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > *budget) {
			errno = EFBIG;
			goto out;
		}
		out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		rc = out < 0 ? -1 : copy_file(in, out, budget);
	} else {
		rc = 0; /* swapped for another kind meanwhile: left out */
	}
	if (rc == 0 && out >= 0)
		rc = fchmod(out, mode);
out:;
	int e = errno;
	close(in);
	if (out >= 0)
		close(out);
	errno = e;
	return rc;
}

int safefs_copy_tree(int src, int dst, uint64_t *budget)
{
	return copy_in(src, dst, budget, 0);
}
