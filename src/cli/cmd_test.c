/* cmd_test.c - `nstopo test [--junit OUT] [--all-pairs [--json]] FILE`: the file's checks against the
 * running lab (TAP, optionally JUnit XML), or reachability between every pair of nodes. */
#include "check.h"
#include "cmd.h"
#include "json_out.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The report is written to a new file beside out, then renamed over it: a symlink or a hard
 * link planted at out is replaced, never written through (fs.protected_symlinks may be 0). */
static int write_junit(const char *out, const char *lab, const struct check_result *r, size_t n,
		       double seconds)
{
	char dir[4096];
	const char *slash = strrchr(out, '/'), *base = slash ? slash + 1 : out;
	if (!base[0] || !strcmp(base, ".") || !strcmp(base, "..")) {
		errno = EISDIR;
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	char tmp[512];
	int fd = -1;
	for (unsigned i = 0; fd < 0 && i < 100; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(tmp, sizeof(tmp), ".%.200s.%ld.%ld.%u", base, (long)getpid(), ts.tv_nsec, i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		int e = errno;
		if (fd >= 0) {
			close(fd);
			unlinkat(dfd, tmp, 0);
		}
		close(dfd);
		errno = e;
		return -1;
	}
	report_junit(f, lab, r, n, seconds);
	int rc = fflush(f) == 0 && !ferror(f) ? 0 : -1;
	int e = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && renameat(dfd, tmp, dfd, base) < 0) {
		rc = -1;
		e = errno;
	}
	if (rc < 0)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	errno = e;
	return rc;
}

/* Every pair's pings; when some were lost while the kernel's neighbour tables overflowed, says so. */
static int test_all_pairs(const struct topo_lab *lab, bool json)
{
	struct nst_err err = { 0 };
	long long overflows = 0;
	cmd_neigh_warn(lab);
	struct json_object *doc = NULL;
	int failed = check_all_pairs(lab, stdout, json ? &doc : NULL, &overflows, &err);
	if (failed < 0)
		return cmd_fail(&err);
	if (doc && json_print(doc))
		return NST_EXIT_SYSTEM;
	if (failed && overflows > 0)
		fprintf(stderr,
			"warning: %lld neighbour table overflows during the run: raise "
			"net.ipv4.neigh.default.gc_thresh3 (net.ipv6's for IPv6; `sysctl:` under the "
			"host node, see docs/topology.md)\n",
			overflows);
	return failed ? NST_EXIT_DIFFERS : NST_EXIT_OK;
}

/* TAP lines in order, each printed as soon as it and every check before it have their result
 * (the checks run concurrently), so a long run shows its progress line by line. */
struct tap_stream {
	pthread_mutex_t mu;
	const struct check_result *r;
	bool *done;
	size_t n, next;
	bool json; /* the report is one JSON document at the end: no TAP lines */
};

static void tap_done(void *arg, size_t i)
{
	struct tap_stream *t = arg;
	pthread_mutex_lock(&t->mu);
	t->done[i] = true;
	if (t->json) {
		pthread_mutex_unlock(&t->mu);
		return;
	}
	if (t->next == 0 && t->done[0])
		fprintf(stdout, "TAP version 13\n1..%zu\n", t->n);
	for (; t->next < t->n && t->done[t->next]; t->next++)
		report_tap_line(stdout, t->r, t->next);
	fflush(stdout);
	pthread_mutex_unlock(&t->mu);
}

static int test_lab(const struct topo_lab *lab, const char *junit, bool all_pairs, bool json)
{
	struct nst_err err = { 0 };
	int rc = cmd_kernel_init("test");
	if (rc)
		return rc;
	if (all_pairs)
		return test_all_pairs(lab, json);
	size_t n = lab->n_checks;
	struct check_result *r = xcalloc(n + 1, sizeof(*r));
	double start = seconds_now();
	struct tap_stream t = { .mu = PTHREAD_MUTEX_INITIALIZER, .r = r, .n = n,
				.done = xcalloc(n + 1, sizeof(bool)), .json = json };
	struct check_each each = { tap_done, &t };
	int failed = check_run_each(lab, r, &each, &err);
	if (failed >= 0 && !json && t.next < n) { /* some never ran: printed in full, as before */
		if (t.next == 0)
			fprintf(stdout, "TAP version 13\n1..%zu\n", n);
		for (; t.next < n; t.next++)
			report_tap_line(stdout, r, t.next);
	}
	free(t.done);
	if (failed < 0) {
		free(r);
		return cmd_fail(&err);
	}
	if (json && json_print(json_checks(lab->name, r, n))) {
		free(r);
		return NST_EXIT_SYSTEM;
	}
	if (!json && n == 0)
		fprintf(stdout, "TAP version 13\n1..0\n");
	if (!json)
		report_tap_end(stdout, r, n);
	if (junit && write_junit(junit, lab->name, r, n, seconds_now() - start) < 0) {
		fprintf(stderr, "nstopo test: cannot write %s: %s\n", junit, strerror(errno));
		free(r);
		return NST_EXIT_SYSTEM;
	}
	free(r);
	return failed ? NST_EXIT_DIFFERS : NST_EXIT_OK;
}

int cmd_test_lab(const struct topo_lab *lab, const char *junit, bool all_pairs)
{
	return test_lab(lab, junit, all_pairs, false);
}

int cmd_test(int argc, char **argv)
{
	const struct command *self = command_find("test");
	static const struct option opts[] = {
		{ "junit", required_argument, NULL, 'U' },
		{ "all-pairs", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 'S' },
		{ 0 },
	};
	const char *junit = NULL;
	bool all_pairs = false, json = false;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "ja", opts, &status)) > 0) {
		switch (c) {
		case 'U':
			junit = optarg;
			break;
		case 'S':
			cmd_strict = true;
			break;
		case 'a':
			all_pairs = true;
			break;
		case 'j':
			json = true;
			break;
		}
	}
	if (c < 0)
		return status;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	struct topo_lab *lab = cmd_load_lab(argv[optind]);
	if (!lab)
		return NST_EXIT_INPUT;
	int rc = test_lab(lab, junit, all_pairs, json);
	topo_lab_free(lab);
	return rc;
}
