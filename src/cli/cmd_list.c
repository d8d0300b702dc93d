/* cmd_list.c - `nstopo list [--json]`: the labs on this machine, each node's state (running,
 * missing, foreign), its daemons, the links, the file the lab came from and its age. The lab's
 * nodes are found by the markers in the kernel; what it should have, in the source record `up`
 * keeps in the lab's run directory (store_source_*, written here by cmd_list_record). */
#include "arena.h"
#include "cmd.h"
#include "json_out.h"
#include "netns.h"
#include "observe.h"
#include "paths.h"
#include "run.h"
#include "safefs.h"
#include "store.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The record, one item a line (names have no spaces; the file's path is the rest of its line):
 *   file PATH / created EPOCH / node NAME NETNS [DAEMON...] / groups NODE GROUP... /
 *   link NODE:IF NODE:IF */
void cmd_list_record(struct topo_lab *want, const char *path)
{
	struct arena ar = { 0 };
	char abs[PATH_MAX];
	if (!realpath(path, abs))
		snprintf(abs, sizeof(abs), "%s", path);
	for (char *p = abs; *p; p++)
		if (*p == '\n')
			*p = '?';
	/* The age is the lab's, not this up's: an earlier record's creation time is kept. */
	long long created = (long long)time(NULL);
	const char *old = store_source_read(&ar, want->name), *c;
	if (old && (c = strstr(old, "\ncreated ")))
		created = atoll(c + 9);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		abort(); /* out of memory, as xmalloc */
	fprintf(f, "file %s\ncreated %lld\n", abs, created);
	for (size_t i = 0; i < want->n_nodes; i++) {
		const struct topo_node *n = want->nodes[i];
		if (n->kind == NODE_ROOT)
			continue;
		fprintf(f, "node %s %s", n->name, topo_node_netns(want, n));
		const char *d[64];
		size_t nd = topo_node_daemons(n, d, 64);
		for (size_t k = 0; k < nd; k++)
			fprintf(f, " %s", d[k]);
		fputc('\n', f);
		if (n->n_groups) {
			fprintf(f, "groups %s", n->name);
			for (size_t k = 0; k < n->n_groups; k++)
				fprintf(f, " %s", n->groups[k]);
			fputc('\n', f);
		}
	}
	for (size_t i = 0; i < want->n_links; i++) {
		const struct topo_end *e = want->links[i].end;
		const struct topo_node *a = topo_end_node(want, &e[0]), *b = topo_end_node(want, &e[1]);
		fprintf(f, "link %s:%s %s:%s\n", a->kind == NODE_ROOT ? TOPO_HOST_NODE : a->name,
			topo_end_iface(want, &e[0])->name, b->kind == NODE_ROOT ? TOPO_HOST_NODE : b->name,
			topo_end_iface(want, &e[1])->name);
	}
	if (fclose(f) != 0)
		abort();
	struct nst_err err = { 0 };
	if (store_source_write(want->name, text, &err) < 0) {
		fputs("warning: `nstopo list` will not know this lab's file: ", stderr);
		nst_err_print(stderr, &err);
	}
	free(text);
	arena_free(&ar);
}

/* ---- list ---- */

struct lnode {
	char *name, *netns, *daemons; /* daemons: space-separated, as recorded */
	char *groups;                 /* the file's `group:` of the node, space-separated */
	const char *state;
};

static bool ns_exists(const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return lstat(path, &st) == 0;
}

/* "up", "down" (either end administratively down) or "missing" (an end is gone). */
static const char *link_state(const struct topo_lab *have, const char *end0, const char *end1)
{
	const char *ends[2] = { end0, end1 };
	bool up = true;
	for (int k = 0; k < 2; k++) {
		char node[128];
		const char *colon = strchr(ends[k], ':');
		if (!colon)
			return "missing";
		snprintf(node, sizeof(node), "%.*s", (int)(colon - ends[k]), ends[k]);
		const struct topo_node *n = topo_node_find(have, node);
		const struct topo_iface *i = NULL;
		for (size_t j = 0; n && j < n->n_ifaces && !i; j++)
			if (strcmp(n->ifaces[j].name, colon + 1) == 0)
				i = &n->ifaces[j];
		if (!i)
			return "missing";
		up = up && i->up;
	}
	return up ? "up" : "down";
}

static bool proc_runs(const struct run_proc *p, size_t np, const char *node, const char *daemon)
{
	const char *base = strrchr(daemon, '/');
	base = base ? base + 1 : daemon;
	for (size_t i = 0; i < np; i++)
		if (strcmp(p[i].node, node) == 0 && strcmp(p[i].role, "daemon") == 0 &&
		    strncmp(p[i].comm, base, 15) == 0)
			return true;
	return false;
}

static void human_age(long long s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

/* One lab: its record against what the kernel has; into the JSON array, or printed. */
static int list_lab(const char *lab, const struct lab_node_ref *refs, size_t nrefs,
		    struct json_object *jlabs)
{
	struct arena ar = { 0 };
	struct nst_err err = { 0 };
	char *rec = store_source_read(&ar, lab);
	const char *file = NULL;
	long long created = -1;
	struct lnode *nodes = NULL;
	size_t nn = 0, cap = 0, nl = 0, capl = 0;
	char **links = NULL;
	for (char *save = NULL, *line = rec ? strtok_r(rec, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "file ", 5) == 0) {
			file = line + 5;
		} else if (strncmp(line, "created ", 8) == 0) {
			created = atoll(line + 8);
		} else if (strncmp(line, "node ", 5) == 0) {
			char *s2 = NULL, *name = strtok_r(line + 5, " ", &s2), *ns = strtok_r(NULL, " ", &s2);
			if (!name || !ns)
				continue;
			*ARENA_PUSH(&ar, nodes, nn, cap) =
				(struct lnode){ name, ns, s2 ? s2 : "", "", NULL };
		} else if (strncmp(line, "groups ", 7) == 0) {
			char *s2 = NULL, *name = strtok_r(line + 7, " ", &s2);
			/* After its node line: the record is written in that order. */
			if (name && nn && strcmp(nodes[nn - 1].name, name) == 0)
				nodes[nn - 1].groups = s2 ? s2 : "";
		} else if (strncmp(line, "link ", 5) == 0) {
			*ARENA_PUSH(&ar, links, nl, capl) = line + 5;
		}
	}
	/* Nodes the kernel has that the record does not (an up older than the record, or one
	 * stopped before writing it) are listed too. */
	for (size_t i = 0; i < nrefs; i++) {
		if (strcmp(refs[i].lab, lab) != 0)
			continue;
		bool known = false;
		for (size_t j = 0; j < nn && !known; j++)
			if (strcmp(nodes[j].name, refs[i].node) == 0) {
				known = true;
				if (strcmp(nodes[j].netns, refs[i].netns) == 0)
					nodes[j].state = "running";
			}
		if (!known)
			*ARENA_PUSH(&ar, nodes, nn, cap) =
				(struct lnode){ refs[i].node, refs[i].netns, "", "", "running" };
	}
	for (size_t j = 0; j < nn; j++)
		if (!nodes[j].state)
			nodes[j].state = ns_exists(nodes[j].netns) ? "foreign" : "missing";
	struct topo_lab *have = NULL;
	struct kview *kv = kview_new();
	int rc = 0;
	if (nl && observe_lab(lab, NULL, &have, kv, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	struct run_proc *procs = NULL;
	size_t np = run_find_tagged(lab, &procs);
	struct json_object *jl = json_object_new_object(), *jnodes = json_object_new_array(),
			   *jlinks = json_object_new_array();
	char age[32] = "";
	long long secs = created >= 0 ? (long long)time(NULL) - created : -1;
	if (secs >= 0)
		human_age(secs, age, sizeof(age));
	jset(jl, "name", jstr(lab));
	jset(jl, "file", jstr(file));
	jset(jl, "created", created >= 0 ? json_object_new_int64(created) : NULL);
	jset(jl, "age_seconds", secs >= 0 ? json_object_new_int64(secs) : NULL);
	if (!jlabs) {
		printf("%s", lab);
		if (file)
			printf("  from %s", file);
		if (age[0])
			printf(", up %s", age);
		putchar('\n');
	}
	for (size_t j = 0; j < nn; j++) {
		struct json_object *o = json_object_new_object(), *jd = json_object_new_array();
		jset(o, "name", jstr(nodes[j].name));
		jset(o, "netns", jstr(nodes[j].netns));
		jset(o, "state", jstr(nodes[j].state));
		if (!jlabs)
			printf("  node %-12s %s", nodes[j].name, nodes[j].state);
		struct json_object *jg = json_object_new_array();
		char *gs = arena_strdup(&ar, nodes[j].groups);
		for (char *s3 = NULL, *g = strtok_r(gs, " ", &s3); g; g = strtok_r(NULL, " ", &s3)) {
			json_object_array_add(jg, jstr(g));
			if (!jlabs)
				printf("%s%s", json_object_array_length(jg) == 1 ? "  groups: " : ", ", g);
		}
		jset(o, "groups", jg);
		char *ds = arena_strdup(&ar, nodes[j].daemons);
		bool first = true;
		for (char *s3 = NULL, *d = strtok_r(ds, " ", &s3); d; d = strtok_r(NULL, " ", &s3)) {
			const char *st = proc_runs(procs, np, nodes[j].name, d) ? "running" : "stopped";
			struct json_object *od = json_object_new_object();
			jset(od, "name", jstr(d));
			jset(od, "state", jstr(st));
			json_object_array_add(jd, od);
			if (!jlabs)
				printf("%s%s %s", first ? "  daemons: " : ", ", d, st);
			first = false;
		}
		if (!jlabs)
			putchar('\n');
		jset(o, "daemons", jd);
		json_object_array_add(jnodes, o);
	}
	for (size_t j = 0; j < nl; j++) {
		char a[256], b[256];
		if (sscanf(links[j], "%255s %255s", a, b) != 2)
			continue;
		const char *st = link_state(have, a, b);
		struct json_object *o = json_object_new_object();
		jset(o, "a", jstr(a));
		jset(o, "b", jstr(b));
		jset(o, "state", jstr(st));
		json_object_array_add(jlinks, o);
		if (!jlabs)
			printf("  link %s <-> %s  %s\n", a, b, st);
	}
	jset(jl, "nodes", jnodes);
	jset(jl, "links", jlinks);
	if (jlabs)
		json_object_array_add(jlabs, jl);
	else
		json_object_put(jl);
	free(procs);
out:
	kview_free(kv);
	topo_lab_free(have);
	arena_free(&ar);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
	const struct command *self = command_find("list");
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	bool json = false;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "j", opts, &status)) > 0) {
		if (c == 'j')
			json = true;
	}
	if (c < 0)
		return status;
	if (argc != optind)
		return command_usage_error(self, "takes no arguments");
	int rc = cmd_kernel_init("list");
	if (rc)
		return rc;
	struct lab_node_ref *refs = NULL;
	size_t n = 0;
	struct nst_err err = { 0 };
	if (observe_find_nodes(NULL, NULL, &refs, &n, &err) < 0)
		return cmd_fail(&err);
	/* The labs: those with namespaces, and those with only a run directory left (every node
	 * deleted by hand), sorted by name. */
	char **labs = NULL, **dirs = NULL;
	size_t nlabs = 0, ndirs = 0;
	int runfd = safefs_run_dir(&err);
	if (runfd >= 0 && safefs_list(runfd, &dirs, &ndirs) < 0)
		dirs = NULL, ndirs = 0;
	labs = xcalloc(n + ndirs + 1, sizeof(*labs));
	for (size_t i = 0; i < n + ndirs; i++) {
		const char *name = i < n ? refs[i].lab : dirs[i - n];
		struct stat st;
		if (i >= n && (fstatat(runfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			continue; /* LAB.lock files */
		bool seen = false;
		for (size_t j = 0; j < nlabs && !seen; j++)
			seen = strcmp(labs[j], name) == 0;
		if (!seen)
			labs[nlabs++] = (char *)name;
	}
	qsort(labs, nlabs, sizeof(*labs), cmp_str);
	struct json_object *jlabs = json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < nlabs && rc == 0; i++)
		rc = list_lab(labs[i], refs, n, jlabs);
	if (json && rc == 0) {
		struct json_object *doc = json_object_new_object();
		jset(doc, "labs", jlabs);
		rc = json_print(doc);
	} else {
		json_object_put(jlabs);
	}
	free(labs);
	safefs_list_free(dirs, ndirs);
	observe_refs_free(refs, n);
	return rc;
}
