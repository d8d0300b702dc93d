/* store.c - the lab's files under /run/nstopo/LAB; see store.h.
 * Entries are rewritten in place, never replaced by rename: each is bind-mounted into its node,
 * and a bind mount follows the inode, not the name. */
#include "store.h"
#include "arena.h"
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- names ---- */

void store_path(char *buf, size_t len, const char *lab, const char *node, const char *target)
{
	int n = snprintf(buf, len, "%s/%s/files/%s/", NSTOPO_RUN_DIR, lab, node);
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

void store_hosts_path(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s/%s/hosts", NSTOPO_RUN_DIR, lab);
}

void store_lab_dir(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "%s/%s", NSTOPO_RUN_DIR, lab);
}

static int mkdir_parents(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
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

static bool digest_file(const char *path, uint64_t *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[16384];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*h = fnv(*h, buf, (size_t)n);
	close(fd);
	return n == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory: every entry's relative name, type, mode and content, in name order. */
static bool digest_tree(const char *path, uint64_t *h)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		char sub[4096];
		struct stat st;
		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]);
		*h = fnv(*h, names[i], strlen(names[i]) + 1);
		if (lstat(sub, &st) < 0) {
			ok = false;
		} else if (S_ISDIR(st.st_mode)) {
			*h = fnv(*h, "d", 1);
			ok = ok && digest_tree(sub, h);
		} else if (S_ISREG(st.st_mode)) {
			*h = fnv(*h, "f", 1);
			ok = ok && digest_file(sub, h);
		}
		free(names[i]);
	}
	free(names);
	return ok;
}

/* A `dir: true` entry is its mode and owner; its contents belong to whatever runs there. */
static uint64_t digest_dir_spec(uint32_t mode, uid_t uid)
{
	uint64_t h = fnv(fnv_basis, "dir", 3);
	h = fnv(h, &mode, sizeof(mode));
	return fnv(h, &uid, sizeof(uid));
}

static uid_t owner_uid(const struct topo_file *f)
{
	if (!(f->has & FILE_HAS_OWNER))
		return 0;
	struct passwd *pw = getpwnam(f->owner);
	return pw ? pw->pw_uid : (uid_t)-1;
}

static uint32_t file_mode(const struct topo_file *f)
{
	if (f->has & FILE_HAS_MODE)
		return f->mode;
	return f->kind == FILE_DIR || f->from_dir ? 0755 : 0644;
}

int store_digest_want(struct topo_lab *want, struct nst_err *err)
{
	for (size_t i = 0; i < want->n_nodes; i++) {
		struct topo_node *node = want->nodes[i];
		for (size_t j = 0; j < node->n_files; j++) {
			struct topo_file *f = &node->files[j];
			uint64_t h = fnv_basis;
			bool ok = true;
			if (f->kind == FILE_DIR)
				h = digest_dir_spec(file_mode(f), owner_uid(f));
			else if (f->kind == FILE_INLINE)
				h = fnv(h, f->content, f->len);
			else if (f->from_dir)
				ok = digest_tree(f->from, &h);
			else
				ok = digest_file(f->from, &h);
			if (!ok) {
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
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/%s/files/%s", NSTOPO_RUN_DIR, lab, node->name);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char target[4096], path[4096];
		if (e->d_name[0] == '.' || !unescape(e->d_name, target, sizeof(target)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		const struct topo_file *w = NULL;
		for (size_t j = 0; want_node && j < want_node->n_files && !w; j++)
			if (strcmp(want_node->files[j].path, target) == 0)
				w = &want_node->files[j];
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		uint64_t h = fnv_basis;
		if (w && w->kind == FILE_DIR)
			h = S_ISDIR(st.st_mode) ? digest_dir_spec(st.st_mode & 07777, st.st_uid) : 0;
		else if (S_ISDIR(st.st_mode))
			digest_tree(path, &h);
		else
			digest_file(path, &h);
		struct topo_file *f = ARENA_PUSH(&have->arena, node->files, node->n_files, node->cap_files);
		memset(f, 0, sizeof(*f));
		f->path = arena_strdup(&have->arena, target);
		f->kind = S_ISDIR(st.st_mode) ? FILE_DIR : FILE_INLINE;
		f->digest = h;
	}
	closedir(d);
}

/* ---- writing ---- */

static int write_all(int fd, const char *p, size_t n)
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

/* Rewrites path's content in place (same inode). */
static int write_in_place(const char *path, const char *data, size_t len, uint32_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, len);
	if (rc == 0)
		rc = fchmod(fd, mode);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int copy_file(const char *from, const char *to, uint32_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[16384];
	ssize_t n;
	int rc = 0;
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0)
		rc = n < 0 ? -1 : write_all(out, buf, (size_t)n);
	if (rc == 0)
		rc = fchmod(out, mode);
	close(in);
	close(out);
	return rc;
}

static int empty_dir(const char *path);

static int remove_any(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		if (empty_dir(path) < 0)
			return -1;
		return rmdir(path);
	}
	return unlink(path);
}

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (remove_any(sub) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int copy_tree(const char *from, const char *to)
{
	DIR *d = opendir(from);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char a[4096], b[4096];
		struct stat st;
		snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
		if (lstat(a, &st) < 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = (mkdir(b, st.st_mode & 07777) < 0 && errno != EEXIST) ? -1 : copy_tree(a, b);
		else if (S_ISREG(st.st_mode))
			rc = copy_file(a, b, st.st_mode & 07777);
	}
	closedir(d);
	return rc;
}

int store_write(const char *lab, const char *node, const struct topo_file *f, struct nst_err *err)
{
	char path[4096];
	store_path(path, sizeof(path), lab, node, f->path);
	if (mkdir_parents(path) < 0)
		return nst_err_set(err, errno, "create the store for %s", f->path);
	struct stat st;
	bool is_new = lstat(path, &st) < 0;
	bool dir = f->kind == FILE_DIR || (f->kind == FILE_FROM && f->from_dir);
	if (!is_new && S_ISDIR(st.st_mode) != dir) {
		/* The kind changed: a new entry (the caller lays it over the node again). */
		if (remove_any(path) < 0)
			return nst_err_set(err, errno, "remove %s", path);
		is_new = true;
	}
	int rc = 0;
	if (f->kind == FILE_INLINE)
		rc = write_in_place(path, f->content, f->len, file_mode(f));
	else if (!dir)
		rc = copy_file(f->from, path, file_mode(f));
	else {
		if (is_new && mkdir(path, file_mode(f)) < 0)
			return nst_err_set(err, errno, "create %s", path);
		if (f->kind == FILE_FROM)
			rc = empty_dir(path) < 0 ? -1 : copy_tree(f->from, path);
		if (rc == 0)
			rc = chmod(path, file_mode(f));
	}
	if (rc == 0 && (f->has & FILE_HAS_OWNER)) {
		struct passwd *pw = getpwnam(f->owner);
		if (!pw)
			return nst_err_set(err, ENOENT, "no user %s on this machine", f->owner);
		rc = chown(path, pw->pw_uid, pw->pw_gid);
	}
	if (rc < 0)
		return nst_err_set(err, errno, "write %s", path);
	return is_new ? 1 : 0;
}

int store_remove_node(const char *lab, const char *node, struct nst_err *err)
{
	char files[512], record[512];
	snprintf(files, sizeof(files), "%s/%s/files/%s", NSTOPO_RUN_DIR, lab, node);
	snprintf(record, sizeof(record), "%s/%s/exec/%s", NSTOPO_RUN_DIR, lab, node);
	if (remove_any(files) < 0)
		return nst_err_set(err, errno, "remove %s", files);
	if (remove_any(record) < 0)
		return nst_err_set(err, errno, "remove %s", record);
	return 0;
}

int store_remove_lab(const char *lab, struct nst_err *err)
{
	char dir[512];
	store_lab_dir(dir, sizeof(dir), lab);
	if (remove_any(dir) < 0)
		return nst_err_set(err, errno, "remove %s", dir);
	return 0;
}

int store_remove(const char *lab, const char *node, const char *target, struct nst_err *err)
{
	char path[4096];
	store_path(path, sizeof(path), lab, node, target);
	if (remove_any(path) < 0)
		return nst_err_set(err, errno, "remove %s", path);
	return 0;
}

/* ---- /etc/hosts ---- */

char *store_hosts_text(struct arena *ar, const struct topo_lab *want)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	n += (size_t)snprintf(buf, cap, "# every node of lab %s, by name (nstopo)\n"
				       "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
			      want->name);
	for (size_t i = 0; i < want->n_nodes; i++) {
		const struct topo_node *node = want->nodes[i];
		if (node->kind == NODE_ROOT || node->kind == NODE_BRIDGE)
			continue;
		for (size_t j = 0; j < node->n_ifaces; j++)
			for (size_t a = 0; a < node->ifaces[j].n_addrs; a++) {
				char addr[CIDR_STR_MAX];
				const struct cidr *c = &node->ifaces[j].addrs[a].c;
				addr_format(c->family, c->a, addr, sizeof(addr));
				size_t need = strlen(addr) + strlen(node->name) + 4;
				if (n + need >= cap)
					buf = xrealloc(buf, cap = (cap + need) * 2);
				n += (size_t)snprintf(buf + n, cap - n, "%s\t%s\n", addr, node->name);
			}
	}
	char *out = arena_strdup(ar, buf);
	free(buf);
	return out;
}

static char *read_small(struct arena *ar, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	ssize_t r;
	while ((r = read(fd, buf + n, cap - n - 1)) > 0)
		if ((n += (size_t)r) + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
	close(fd);
	buf[n] = '\0';
	char *out = arena_strdup(ar, buf);
	free(buf);
	return out;
}

char *store_hosts_read(struct arena *ar, const char *lab)
{
	char path[512];
	store_hosts_path(path, sizeof(path), lab);
	return read_small(ar, path);
}

int store_hosts_write(const char *lab, const char *text, struct nst_err *err)
{
	char path[512];
	store_hosts_path(path, sizeof(path), lab);
	if (mkdir_parents(path) < 0 || write_in_place(path, text, strlen(text), 0644) < 0)
		return nst_err_set(err, errno, "write %s", path);
	return 0;
}

/* ---- the exec: record ---- */

static void exec_path(char *buf, size_t len, const char *lab, const char *node)
{
	snprintf(buf, len, "%s/%s/exec/%s", NSTOPO_RUN_DIR, lab, node);
}

char *store_exec_read(struct arena *ar, const char *lab, const char *node)
{
	char path[512];
	exec_path(path, sizeof(path), lab, node);
	return read_small(ar, path);
}

int store_exec_write(const char *lab, const char *node, const char *text, struct nst_err *err)
{
	char path[512];
	exec_path(path, sizeof(path), lab, node);
	if (mkdir_parents(path) < 0 || write_in_place(path, text, strlen(text), 0644) < 0)
		return nst_err_set(err, errno, "write %s", path);
	return 0;
}

char *store_exec_text(struct arena *ar, const struct topo_node *node)
{
	size_t cap = 256, n = 0;
	char *buf = xmalloc(cap);
	buf[0] = '\0';
	for (size_t i = 0; i < node->n_execs; i++) {
		const struct topo_exec *x = &node->execs[i];
		for (size_t a = 0; a < x->argc; a++) {
			size_t need = strlen(x->argv[a]) + 16;
			if (n + need >= cap)
				buf = xrealloc(buf, cap = (cap + need) * 2);
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", a ? "\x1f" : "", x->argv[a]);
		}
		if (n + 16 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n += (size_t)snprintf(buf + n, cap - n, "%s\n", x->background ? "\x1f&" : "");
	}
	char *out = arena_strdup(ar, buf);
	free(buf);
	return out;
}
