/* hostneigh.c - see hostneigh.h. The values found before are kept as "KEY=VALUE" lines in
 * /run/nstopo/LAB/host-neigh, which goes when the machine reboots, as the kernel's values do. */
#include "hostneigh.h"
#include "paths.h"
#include "store.h"
#include "sysctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD PATHS_HOST_NEIGH
/* Held while a lab reads the others' records and writes its own or the kernel's values: each
 * lab's own lock does not keep two labs from both finding "no other lab" at once. The lock is on
 * the /run/nstopo directory itself, so it leaves no file behind. */
static int shared_lock(struct nst_err *err)
{
	if (mkdir(NSTOPO_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return nst_err_set(err, errno, "create %s", NSTOPO_RUN_DIR);
	int fd = open(NSTOPO_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nst_err_set(err, errno, "open %s", NSTOPO_RUN_DIR);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return nst_err_set(err, e, "lock %s", NSTOPO_RUN_DIR);
		}
	return fd;
}

/* One "~ sysctl host: KEY OLD -> NEW" line onto a log buffer. */
static void log_line(char *log, size_t len, const char *key, long long from, long long to)
{
	size_t used = strnlen(log, len);
	if (used + 1 < len)
		snprintf(log + used, len - used, "~ sysctl host: %s %lld -> %lld\n", key, from, to);
}

static long long read_key(const char *key)
{
	char buf[64];
	struct nst_err ignored = { 0 };
	if (sysctl_read(key, buf, sizeof(buf), &ignored) < 0)
		return -1;
	char *end;
	long long v = strtoll(buf, &end, 10);
	return end == buf ? -1 : v;
}

/* The value the file asks for a key, -1 when it does not. */
static long long asked(const struct topo_lab *want, const char *key)
{
	const struct topo_node *h = topo_node_find(want, TOPO_HOST_NODE);
	for (size_t i = 0; h && i < h->n_sysctls; i++)
		if (strcmp(h->sysctls[i].key, key) == 0)
			return strtoll(h->sysctls[i].value, NULL, 10);
	return -1;
}

void hostneigh_look(const struct topo_lab *want, struct hostneigh_look *out)
{
	neigh_estimate(want, out->need);
	for (int f = 0; f < NEIGH_FAMILIES; f++) {
		long long *v[2] = { &out->thresh2[f], &out->thresh3[f] };
		for (int t = 0; t < 2; t++) {
			const char *key = neigh_key(f, t + 2);
			*v[t] = read_key(key);
			long long a = asked(want, key);
			if (*v[t] >= 0 && a > *v[t])
				*v[t] = a;
		}
	}
}

/* ---- the record ---- */

struct record {
	long long before[6]; /* by index in neigh_host_keys; -1: none */
};

static void record_path(char *buf, size_t len, const char *lab)
{
	char dir[4096];
	paths_lab_dir(dir, sizeof(dir), lab);
	snprintf(buf, len, "%s/" RECORD, dir);
}

/* A missing record is an empty one. */
static void record_read_at(int dirfd, const char *path, struct record *r)
{
	for (size_t i = 0; i < 6; i++)
		r->before[i] = -1;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!in) {
		if (fd >= 0)
			close(fd);
		return;
	}
	char line[256];
	while (fgets(line, sizeof(line), in)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		for (size_t i = 0; i < 6; i++)
			if (strcmp(line, neigh_host_keys[i]) == 0)
				r->before[i] = strtoll(eq + 1, NULL, 10);
	}
	fclose(in);
}

/* What other labs recorded: the host's own values, from before the first of them. */
static void others_record(const char *lab, struct record *r)
{
	for (size_t i = 0; i < 6; i++)
		r->before[i] = -1;
	int root = open(NSTOPO_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = root >= 0 ? fdopendir(root) : NULL;
	if (!d) {
		if (root >= 0)
			close(root);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, lab) == 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/" RECORD, e->d_name);
		struct record o;
		record_read_at(root, path, &o);
		for (size_t i = 0; i < 6; i++)
			if (r->before[i] < 0)
				r->before[i] = o.before[i];
	}
	closedir(d);
}

static int record_write(const char *lab, const struct record *r, struct nst_err *err)
{
	char path[4200], tmp[4300], dir[4096];
	record_path(path, sizeof(path), lab);
	char text[1024] = "";
	size_t used = 0;
	for (size_t i = 0; i < 6; i++)
		if (r->before[i] >= 0)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s=%lld\n",
						 neigh_host_keys[i], r->before[i]);
	if (!used)
		return unlink(path) < 0 && errno != ENOENT ? nst_err_set(err, errno, "remove %s", path) : 0;
	paths_lab_dir(dir, sizeof(dir), lab);
	if ((mkdir(NSTOPO_RUN_DIR, 0755) < 0 && errno != EEXIST) || (mkdir(dir, 0755) < 0 && errno != EEXIST))
		return nst_err_set(err, errno, "create %s", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return nst_err_set(err, errno, "create %s", tmp);
	bool ok = write(fd, text, used) == (ssize_t)used && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok || rename(tmp, path) < 0) {
		saved = ok ? errno : saved;
		unlink(tmp);
		return nst_err_set(err, saved, "write %s", path);
	}
	return 0;
}

static int put_back(const struct record *own, const struct record *others, size_t i, char *log,
		    size_t len, struct nst_err *err)
{
	if (own->before[i] < 0 || others->before[i] >= 0)
		return 0; /* another lab still relies on the raised value; it puts it back */
	long long now = read_key(neigh_host_keys[i]);
	if (now == own->before[i])
		return 0;
	char v[32];
	snprintf(v, sizeof(v), "%lld", own->before[i]);
	if (sysctl_write(neigh_host_keys[i], v, err) < 0)
		return -1;
	log_line(log, len, neigh_host_keys[i], now, own->before[i]);
	return 0;
}

static int raise_locked(const struct topo_lab *want, char *log, size_t len, struct nst_err *err)
{
	struct record own, others, next, both;
	char path[4200];
	record_path(path, sizeof(path), want->name);
	record_read_at(AT_FDCWD, path, &own);
	others_record(want->name, &others);
	long long now[6], wanted[6];
	bool changed = false;
	for (size_t i = 0; i < 6; i++) {
		wanted[i] = asked(want, neigh_host_keys[i]);
		now[i] = wanted[i] >= 0 ? read_key(neigh_host_keys[i]) : -1;
		if (wanted[i] >= 0 && now[i] < 0)
			return nst_err_set(err, ENOENT, "host sysctl %s cannot be read here (only the "
					   "initial network namespace has it)", neigh_host_keys[i]);
		/* Keep what was found before any lab: this lab's record, another's, or now. */
		next.before[i] = -1;
		if (wanted[i] >= 0)
			next.before[i] = own.before[i] >= 0 ? own.before[i]
					 : others.before[i] >= 0 ? others.before[i]
					 : now[i] < wanted[i] ? now[i] : -1;
		changed |= next.before[i] != own.before[i];
		both.before[i] = wanted[i] >= 0 ? next.before[i] : own.before[i];
	}
	/* The record first (with the keys still to put back): a stop before a write still puts
	 * every value back at down. */
	if (changed && record_write(want->name, &both, err) < 0)
		return -1;
	int written = 0;
	for (size_t i = 0; i < 6; i++) {
		if (wanted[i] < 0) {
			if (put_back(&own, &others, i, log, len, err) < 0)
				return -1;
			continue;
		}
		if (now[i] >= wanted[i])
			continue;
		char v[32];
		snprintf(v, sizeof(v), "%lld", wanted[i]);
		if (sysctl_write(neigh_host_keys[i], v, err) < 0)
			return -1;
		log_line(log, len, neigh_host_keys[i], now[i], wanted[i]);
		written++;
	}
	/* Keys it no longer asks for and has put back leave the record. */
	if (!changed)
		return written;
	return record_write(want->name, &next, err) < 0 ? -1 : written;
}

int hostneigh_raise(const struct topo_lab *want, char *log, size_t len, struct nst_err *err)
{
	if (len)
		log[0] = 0;
	/* Nothing to do (and nothing made under /run/nstopo) when the lab neither asks for a key
	 * nor recorded one. */
	char path[4200];
	struct record own;
	record_path(path, sizeof(path), want->name);
	record_read_at(AT_FDCWD, path, &own);
	bool any = false;
	for (size_t i = 0; i < 6; i++)
		any |= own.before[i] >= 0 || asked(want, neigh_host_keys[i]) >= 0;
	if (!any)
		return 0;
	int lock = shared_lock(err);
	if (lock < 0)
		return -1;
	int rc = raise_locked(want, log, len, err);
	close(lock);
	return rc;
}

int hostneigh_restore(const char *lab, char *log, size_t len, struct nst_err *err)
{
	struct record own, others, none;
	char path[4200];
	if (len)
		log[0] = 0;
	record_path(path, sizeof(path), lab);
	record_read_at(AT_FDCWD, path, &own);
	bool any = false;
	for (size_t i = 0; i < 6; i++)
		any |= own.before[i] >= 0;
	if (!any)
		return 0;
	int lock = shared_lock(err);
	if (lock < 0)
		return -1;
	int rc = 0;
	record_read_at(AT_FDCWD, path, &own);
	others_record(lab, &others);
	for (size_t i = 0; i < 6 && rc == 0; i++) {
		none.before[i] = -1;
		rc = put_back(&own, &others, i, log, len, err);
	}
	if (rc == 0)
		rc = record_write(lab, &none, err);
	close(lock);
	return rc;
}

size_t hostneigh_drift(const struct topo_lab *want, char *buf, size_t len)
{
	size_t n = 0, used = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < 6; i++) {
		long long a = asked(want, neigh_host_keys[i]);
		long long now = a >= 0 ? read_key(neigh_host_keys[i]) : -1;
		if (a < 0 || now >= a)
			continue;
		n++;
		char was[32] = "(unreadable)"; /* outside the initial namespace */
		if (now >= 0)
			snprintf(was, sizeof(was), "%lld", now);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "~ sysctl host: %s %s -> %lld\n",
						 neigh_host_keys[i], was, a);
	}
	return n;
}
