/* store.c - the lab's files under /run/nstopo/LAB; see store.h.
 * Entries are rewritten in place, never replaced by rename: each is bind-mounted into its node,
 * and a bind mount follows the inode, not the name. Every name is looked up relative to the lab's
 * checked directory fd (safefs.h): a node's user may write inside a `dir: true` entry, and nothing
 * there may re-route what root does. The lab's directory is root's 0700, so an entry (a secret, a
 * setuid copy, a 1777 directory) is reachable only through the node's bind mounts. */
#include "store.h"
#include "arena.h"
#include "netns.h"
#include "paths.h"
#include "safefs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- names ---- */

void store_path(char *buf, size_t len, const char *lab, const char *node, const char *target)
{
	int n = snprintf(buf, len, "%s/%s/" PATHS_FILES "/%s/", NSTOPO_RUN_DIR, lab, node);
	for (const char *c = target; *c && (size_t)n + 4 < len; c++) {
		if (*c == '/' || *c == '%')
			n += snprintf(buf + n, len - (size_t)n, "%%%02X", (unsigned char)*c);
		else
			buf[n++] = *c;
	}
	buf[n < (int)len ? n : (int)len - 1] = '\0';
}

static bool unescape(const char *name, char *out, size_t len)
{
	size_t n = 0;
	for (const char *c = name; *c && n + 1 < len; c++) {
		unsigned v;
		if (*c == '%' && sscanf(c + 1, "%2X", &v) == 1) {
			out[n++] = (char)v;
			c += 2;
		} else {
			out[n++] = *c;
		}
	}
	out[n] = '\0';
	return out[0] == '/';
}

/* The entry's name in files/NODE: the target with '/' and '%' escaped (as store_path), one
 * component, so that it is looked up relative to the node's directory. */
static int entry_name(const char *target, char *buf, size_t len)
{
	size_t n = 0;
	for (const char *c = target; *c; c++) {
		if (n + 4 >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (*c == '/' || *c == '%')
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", (unsigned char)*c);
		else
			buf[n++] = *c;
	}
	buf[n] = '\0';
	if (n > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* files/NODE of the lab, made (with the lab's directory) when create. */
static int node_dir(const char *lab, const char *node, bool create, struct nst_err *err)
{
	int labfd = safefs_lab_dir(lab, create ? SAFEFS_CREATE : SAFEFS_READ, err);
	if (labfd < 0)
		return -1;
	int fd = -1;
	if (create) {
		int files = safefs_mkdir(labfd, PATHS_FILES, 0700, NULL);
		fd = files < 0 ? -1 : safefs_mkdir(files, node, 0700, NULL);
		int e = errno;
		if (files >= 0)
			close(files);
		errno = e;
	} else {
		char rel[256];
		snprintf(rel, sizeof(rel), "files/%s", node);
		fd = safefs_open(labfd, rel, O_RDONLY | O_DIRECTORY, 0);
	}
	int e = errno;
	close(labfd);
	if (fd < 0)
		return nst_err_set(err, e, "open %s/%s/" PATHS_FILES "/%s", NSTOPO_RUN_DIR, lab, node);
	return fd;
}

/* ---- modes ---- */

static bool owner_of(const struct topo_file *f, uid_t *uid, gid_t *gid)
{
	*uid = 0;
	*gid = 0;
	if (!(f->has & FILE_HAS_OWNER))
		return true;
	struct passwd *pw = getpwnam(f->owner);
	if (!pw) {
		*uid = (uid_t)-1;
		return false;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

/* The mode a file is stored with: its mode: when given (setuid/setgid included); else inline
 * content 0644, `dir: true` 0755, a `from:` its source's permission and sticky bits, never
 * setuid/setgid, which only a mode: of the lab file may ask for. */
static uint32_t file_mode(const struct topo_file *f, mode_t source)
{
	if (f->has & FILE_HAS_MODE)
		return f->mode;
	if (f->kind == FILE_INLINE)
		return 0644;
	if (f->kind == FILE_DIR)
		return 0755;
	return source & 01777;
}

/* ---- digests (FNV-1a 64: a change detector, not a security boundary) ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static const uint64_t fnv_basis = 14695981039346656037ull;

/* What a stored entry is besides its content: kind, mode and owner. */
static uint64_t digest_head(const char *kind, uint32_t mode, uid_t uid)
{
	uint64_t h = fnv(fnv_basis, kind, strlen(kind) + 1);
	h = fnv(h, &mode, sizeof(mode));
	return fnv(h, &uid, sizeof(uid));
}

/* The content of fd; at most *budget bytes when budget is given (EFBIG beyond). */
static int digest_content(int fd, uint64_t *h, uint64_t *budget)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		if (budget && (uint64_t)n > *budget) {
			errno = EFBIG;
			return -1;
		}
		if (budget)
			*budget -= (uint64_t)n;
		*h = fnv(*h, buf, (size_t)n);
	}
}

/* A directory: every entry's name, kind, mode and content (a symlink: its target), in name order,
 * never following a symlink. A source's modes are taken as they will be stored (no
 * setuid/setgid) and its sizes counted against *budget; the store's are taken as they are. */
static int digest_tree(int dirfd, uint64_t *h, uint64_t *budget, bool source, int depth)
{
	if (depth > 256) {
		errno = ELOOP;
		return -1;
	}
	char **names;
	size_t n;
	if (safefs_list(dirfd, &names, &n) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t len = readlinkat(dirfd, names[i], target, sizeof(target));
			if (len < 0) {
				rc = -1;
				break;
			}
			*h = fnv(*h, names[i], strlen(names[i]) + 1);
			*h = fnv(fnv(*h, "l", 1), target, (size_t)len);
			continue;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue; /* neither copied nor counted */
		int flags = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
		int fd = openat(dirfd, names[i], flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			rc = -1;
		} else {
			uint32_t mode = st.st_mode & (source ? 01777 : 07777);
			*h = fnv(*h, names[i], strlen(names[i]) + 1);
			*h = fnv(*h, S_ISDIR(st.st_mode) ? "d" : "f", 1);
			*h = fnv(*h, &mode, sizeof(mode));
			if (S_ISDIR(st.st_mode))
				rc = digest_tree(fd, h, budget, source, depth + 1);
			else if (S_ISREG(st.st_mode))
				rc = digest_content(fd, h, budget);
		}
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
	}
	int e = errno;
	safefs_list_free(names, n);
	errno = e;
	return rc;
}

/* A `dir: true` entry is its mode and owner; its contents belong to whatever runs there. */
static uint64_t digest_dir_spec(uint32_t mode, uid_t uid)
{
	return digest_head("dir", mode, uid);
}

/* The digest of a `from:` source as it will be stored; -1 with errno (EFBIG: over the limit). */
static int digest_from(const struct topo_file *f, uid_t uid, uint64_t *h)
{
	int fd = open(f->from, (f->from_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY) |
				       O_CLOEXEC);
	struct stat st;
	int rc = -1;
	uint64_t budget = SAFEFS_FROM_MAX;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -1;
	} else if (!f->from_dir && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
	} else if (!f->from_dir && (uint64_t)st.st_size > budget) {
		errno = EFBIG;
	} else if (f->from_dir) {
		*h = digest_head("tree", file_mode(f, st.st_mode), uid);
		rc = digest_tree(fd, h, &budget, true, 0);
	} else {
		*h = digest_head("file", file_mode(f, st.st_mode), uid);
		rc = digest_content(fd, h, &budget);
	}
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
	return rc;
}

int store_digest_want(struct topo_lab *want, struct nst_err *err)
{
	for (size_t i = 0; i < want->n_nodes; i++) {
		struct topo_node *node = want->nodes[i];
		for (size_t j = 0; j < node->n_files; j++) {
			struct topo_file *f = &node->files[j];
			uid_t uid;
			gid_t gid;
			owner_of(f, &uid, &gid);
			uint64_t h = fnv_basis;
			if (f->kind == FILE_DIR) {
				h = digest_dir_spec(file_mode(f, 0), uid);
			} else if (f->kind == FILE_INLINE) {
				h = fnv(digest_head("file", file_mode(f, 0), uid), f->content, f->len);
			} else if (digest_from(f, uid, &h) < 0) {
				if (errno == EFBIG)
					nst_err_set(err, 0, "%s: '%s' is larger than %llu MiB, the most a from: may hold",
						    f->path, f->from, (unsigned long long)(SAFEFS_FROM_MAX >> 20));
				else if (errno == EINVAL)
					nst_err_set(err, 0, "%s: '%s' is not a regular file", f->path, f->from);
				else
					nst_err_set(err, errno ? errno : EIO, "read %s", f->from);
				err->loc = f->loc;
				nst_err_obj(err, "%s", node->name);
				err->status = NST_EXIT_INPUT;
				return -1;
			}
			f->digest = h;
		}
	}
	return 0;
}

void store_read_node(struct topo_lab *have, struct topo_node *node, const char *lab,
		     const struct topo_node *want_node)
{
	struct nst_err err = { 0 };
	int dir = node_dir(lab, node->name, false, &err);
	if (dir < 0)
		return;
	char **names;
	size_t n;
	if (safefs_list(dir, &names, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		char target[4096];
		if (names[i][0] == '.' || !unescape(names[i], target, sizeof(target)))
			continue;
		const struct topo_file *w = NULL;
		for (size_t j = 0; want_node && j < want_node->n_files && !w; j++)
			if (strcmp(want_node->files[j].path, target) == 0)
				w = &want_node->files[j];
		struct stat st;
		if (fstatat(dir, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)))
			continue;
		int flags = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
		int fd = openat(dir, names[i], flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		uint32_t mode = st.st_mode & 07777;
		uint64_t h;
		if (S_ISDIR(st.st_mode) && w && w->kind == FILE_DIR) {
			h = digest_dir_spec(mode, st.st_uid);
		} else if (S_ISDIR(st.st_mode)) {
			h = digest_head("tree", mode, st.st_uid);
			if (digest_tree(fd, &h, NULL, false, 0) < 0)
				h = 0;
		} else {
			h = digest_head("file", mode, st.st_uid);
			if (digest_content(fd, &h, NULL) < 0)
				h = 0;
		}
		close(fd);
		struct topo_file *f = ARENA_PUSH(&have->arena, node->files, node->n_files, node->cap_files);
		memset(f, 0, sizeof(*f));
		f->path = arena_strdup(&have->arena, target);
		f->kind = S_ISDIR(st.st_mode) ? FILE_DIR : FILE_INLINE;
		f->digest = h;
	}
	safefs_list_free(names, n);
	close(dir);
}

/* ---- writing ---- */

/* EXDEV from safefs_remove: it found a mount and left it (and what holds it) alone. */
static int removal_failed(struct nst_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int removal_failed(struct nst_err *err, int code, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (code == EXDEV)
		return nst_err_set(err, 0, "remove %s: something is mounted inside it; it is left alone "
				      "until that is unmounted", path);
	return nst_err_set(err, code, "remove %s", path);
}

/* Rewrites the regular file name under dirfd in place (same inode), made when missing. */
static int write_in_place(int dirfd, const char *name, const char *data, size_t len, uid_t uid,
			  gid_t gid, uint32_t mode)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = fstat(fd, &st);
	if (rc == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		rc = -1;
	}
	if (rc == 0)
		rc = ftruncate(fd, 0);
	if (rc == 0)
		rc = safefs_write_all(fd, data, len);
	/* chown first: it clears setuid/setgid, which mode may ask for. */
	if (rc == 0 && (st.st_uid != uid || st.st_gid != gid))
		rc = fchown(fd, uid, gid);
	if (rc == 0)
		rc = fchmod(fd, mode);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int too_big(struct nst_err *err, const struct topo_file *f)
{
	return nst_err_set(err, 0, "%s: '%s' is larger than %llu MiB, the most a from: may hold (it grew while copied)",
			   f->path, f->from, (unsigned long long)(SAFEFS_FROM_MAX >> 20));
}

int store_write(const char *lab, const char *node, const struct topo_file *f, struct nst_err *err)
{
	char path[4096], name[4096];
	store_path(path, sizeof(path), lab, node, f->path);
	if (entry_name(f->path, name, sizeof(name)) < 0)
		return nst_err_set(err, errno, "store %s", f->path);
	uid_t uid;
	gid_t gid;
	if (!owner_of(f, &uid, &gid))
		return nst_err_set(err, ENOENT, "no user %s on this machine", f->owner);
	bool dir = f->kind == FILE_DIR || (f->kind == FILE_FROM && f->from_dir);
	int src = -1, nd = -1, fd = -1, rc = -1;
	char *data = NULL;
	size_t len = 0;
	struct stat st = { 0 };
	/* The source first: nothing in the store changes when it cannot be read whole. */
	if (f->kind == FILE_FROM) {
		src = open(f->from, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY) | O_CLOEXEC);
		if (src < 0 || fstat(src, &st) < 0) {
			nst_err_set(err, errno, "read %s", f->from);
			goto out;
		}
		if (!dir && !S_ISREG(st.st_mode)) {
			nst_err_set(err, 0, "%s: '%s' is not a regular file", f->path, f->from);
			goto out;
		}
		if (!dir && !(data = safefs_read_max(src, SAFEFS_FROM_MAX, &len))) {
			if (errno == EFBIG)
				too_big(err, f);
			else
				nst_err_set(err, errno, "read %s", f->from);
			goto out;
		}
	}
	if ((nd = node_dir(lab, node, true, err)) < 0)
		goto out;
	struct stat cur;
	bool is_new = fstatat(nd, name, &cur, AT_SYMLINK_NOFOLLOW) < 0;
	if (!is_new && (S_ISDIR(cur.st_mode) != dir || (!dir && !S_ISREG(cur.st_mode)))) {
		/* The kind changed: a new entry (the caller lays it over the node again). */
		if (safefs_remove(nd, name) < 0) {
			removal_failed(err, errno, "%s", path);
			goto out;
		}
		is_new = true;
	}
	uint32_t mode = file_mode(f, st.st_mode);
	if (!dir) {
		const char *p = f->kind == FILE_INLINE ? f->content : data;
		size_t n = f->kind == FILE_INLINE ? f->len : len;
		if (write_in_place(nd, name, p, n, uid, gid, mode) < 0) {
			nst_err_set(err, errno, "write %s", path);
			goto out;
		}
		rc = is_new ? 1 : 0;
		goto out;
	}
	if ((fd = safefs_mkdir(nd, name, 0700, NULL)) < 0) {
		nst_err_set(err, errno, "create %s", path);
		goto out;
	}
	if (f->kind == FILE_FROM) {
		/* Root's alone while it is refilled: whoever may write to it in the node waits. */
		uint64_t budget = SAFEFS_FROM_MAX;
		if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0700) < 0 || safefs_empty(fd) < 0) {
			nst_err_set(err, errno, "empty %s", path);
			goto out;
		}
		if (safefs_copy_tree(src, fd, &budget) < 0) {
			if (errno == EFBIG)
				too_big(err, f);
			else
				nst_err_set(err, errno, "copy %s to %s", f->from, path);
			goto out;
		}
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0) {
		nst_err_set(err, errno, "write %s", path);
		goto out;
	}
	rc = is_new ? 1 : 0;
out:
	free(data);
	if (src >= 0)
		close(src);
	if (nd >= 0)
		close(nd);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Removes name under the lab's directory entry sub (files, exec, …), if any. */
static int remove_under(const char *lab, const char *sub, const char *name, struct nst_err *err)
{
	int labfd = safefs_lab_dir(lab, SAFEFS_READ, err);
	if (labfd < 0)
		return err->code == ENOENT ? (nst_err_clear(err), 0) : -1;
	int fd = safefs_open(labfd, sub, O_RDONLY | O_DIRECTORY, 0);
	int rc = fd < 0 ? (errno == ENOENT ? 0 : -1) : safefs_remove(fd, name);
	int e = errno;
	if (fd >= 0)
		close(fd);
	close(labfd);
	if (rc < 0)
		return removal_failed(err, e, "%s/%s/%s/%s", NSTOPO_RUN_DIR, lab, sub, name);
	return 0;
}

int store_remove_node(const char *lab, const char *node, struct nst_err *err)
{
	if (remove_under(lab, PATHS_FILES, node, err) < 0)
		return -1;
	return remove_under(lab, PATHS_EXEC, node, err);
}

int store_remove_lab(const char *lab, struct nst_err *err)
{
	char dir[512];
	paths_lab_dir(dir, sizeof(dir), lab);
	/* Refuses a symlink or another user's directory in its place. */
	int labfd = safefs_lab_dir(lab, SAFEFS_READ, err);
	if (labfd < 0)
		return err->code == ENOENT ? (nst_err_clear(err), 0) : -1;
	close(labfd);
	if (safefs_remove(safefs_run_dir(err), lab) < 0)
		return removal_failed(err, errno, "%s", dir);
	return 0;
}

int store_remove(const char *lab, const char *node, const char *target, struct nst_err *err)
{
	char name[4096], sub[256];
	if (entry_name(target, name, sizeof(name)) < 0)
		return nst_err_set(err, errno, "remove %s", target);
	snprintf(sub, sizeof(sub), PATHS_FILES "/%s", node);
	return remove_under(lab, sub, name, err);
}

/* ---- /etc/hosts ---- */

/* The whole of a small file of nstopo's own under the lab's directory; NULL when missing. */
static char *read_small(struct arena *ar, const char *lab, const char *rel)
{
	struct nst_err err = { 0 };
	int labfd = safefs_lab_dir(lab, SAFEFS_READ, &err);
	if (labfd < 0)
		return NULL;
	int fd = safefs_open(labfd, rel, O_RDONLY | O_NONBLOCK, 0);
	close(labfd);
	if (fd < 0)
		return NULL;
	size_t n = 0;
	struct stat st;
	char *buf = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? safefs_read_max(fd, 64u << 20, &n) : NULL;
	close(fd);
	if (!buf)
		return NULL;
	char *out = arena_strndup(ar, buf, n);
	free(buf);
	return out;
}

/* Writes a small file of nstopo's own (sub/name, sub made 0700) under the lab's directory. */
static int write_small(const char *lab, const char *sub, const char *name, const char *text,
		       uint32_t mode, struct nst_err *err)
{
	int labfd = safefs_lab_dir(lab, SAFEFS_CREATE, err);
	if (labfd < 0)
		return -1;
	int dir = sub ? safefs_mkdir(labfd, sub, 0700, NULL) : labfd;
	int rc = dir < 0 ? -1 : write_in_place(dir, name, text, strlen(text), 0, 0, mode);
	int e = errno;
	if (dir >= 0 && dir != labfd)
		close(dir);
	close(labfd);
	if (rc < 0)
		return nst_err_set(err, e, "write %s/%s/%s%s%s", NSTOPO_RUN_DIR, lab, sub ? sub : "",
				   sub ? "/" : "", name);
	return 0;
}

char *store_hosts_read(struct arena *ar, const char *lab)
{
	return read_small(ar, lab, PATHS_HOSTS);
}

int store_hosts_write(const char *lab, const char *text, struct nst_err *err)
{
	/* Every user of the node reads /etc/hosts. */
	return write_small(lab, NULL, PATHS_HOSTS, text, 0644, err);
}

/* ---- the lab's source record (nstopo list) ---- */

char *store_source_read(struct arena *ar, const char *lab)
{
	return read_small(ar, lab, PATHS_SOURCE);
}

int store_source_write(const char *lab, const char *text, struct nst_err *err)
{
	return write_small(lab, NULL, PATHS_SOURCE, text, 0600, err);
}

/* ---- the exec: record and the logs ---- */

char *store_exec_read(struct arena *ar, const char *lab, const char *node)
{
	char rel[256];
	snprintf(rel, sizeof(rel), PATHS_EXEC "/%s", node);
	return read_small(ar, lab, rel);
}

int store_exec_write(const char *lab, const char *node, const char *text, struct nst_err *err)
{
	return write_small(lab, PATHS_EXEC, node, text, 0600, err);
}

int store_log_prepare(const char *lab, const char *node, size_t n, char *path, size_t len,
		      struct nst_err *err)
{
	char name[128];
	snprintf(name, sizeof(name), "%s.%zu.log", node, n);
	snprintf(path, len, "%s/%s/" PATHS_LOG "/%s", NSTOPO_RUN_DIR, lab, name);
	int labfd = safefs_lab_dir(lab, SAFEFS_CREATE, err);
	if (labfd < 0)
		return -1;
	int dir = safefs_mkdir(labfd, PATHS_LOG, 0700, NULL);
	int fd = dir < 0 ? -1 : openat(dir, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
							  O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat st;
	int rc = fd < 0 || fstat(fd, &st) < 0 ? -1 : 0;
	if (rc == 0 && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		rc = -1;
	}
	if (rc == 0 && (st.st_mode & 07777) != 0600)
		rc = fchmod(fd, 0600);
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	close(labfd);
	return rc < 0 ? nst_err_set(err, e, "create the log %s", path) : 0;
}

