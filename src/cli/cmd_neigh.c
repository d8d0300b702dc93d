/* cmd_neigh.c - what up, test and diff say about the host's neighbour tables: the lab's worst
 * case against the host's gc_thresh values, and the host's `sysctl:` (see hostneigh.h). */
#include "cmd.h"
#include "hostneigh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_neigh_warn(const struct topo_lab *want)
{
	struct hostneigh_look l;
	hostneigh_look(want, &l);
	for (int f = 0; f < NEIGH_FAMILIES; f++) {
		if (!l.need[f])
			continue;
		/* thresh3 is the hard limit: past it new entries are refused and packets dropped;
		 * past thresh2 the kernel collects entries younger than 5 s, which may be in use. */
		if (l.thresh3[f] >= 0 && (long long)l.need[f] > l.thresh3[f])
			fprintf(stderr,
				"warning: this lab may need up to %zu neighbour entries; the kernel keeps at "
				"most %lld (%s): set it to at least %zu (sysctl: under the host node)\n",
				l.need[f], l.thresh3[f], neigh_key(f, 3), l.need[f]);
		else if (l.thresh2[f] >= 0 && (long long)l.need[f] > l.thresh2[f])
			fprintf(stderr,
				"warning: this lab may need up to %zu neighbour entries; past %lld (%s) the "
				"kernel collects entries idle for 5 s: set it to at least %zu (sysctl: under "
				"the host node)\n",
				l.need[f], l.thresh2[f], neigh_key(f, 2), l.need[f]);
	}
}

void cmd_neigh_warn_file(const struct topo_lab *want)
{
	size_t need[NEIGH_FAMILIES];
	neigh_estimate(want, need);
	const struct topo_node *h = topo_node_find(want, TOPO_HOST_NODE);
	for (size_t i = 0; h && i < h->n_sysctls; i++) {
		const struct topo_sysctl *s = &h->sysctls[i];
		for (int f = 0; f < NEIGH_FAMILIES; f++)
			if (strcmp(s->key, neigh_key(f, 3)) == 0 && need[f] > strtoull(s->value, NULL, 10))
				fprintf(stderr,
					"%s:%u:%u: warning: this lab may need up to %zu neighbour entries; "
					"%s: %s is fewer\n",
					want->file ? want->file : "-", s->loc.line, s->loc.col, need[f], s->key,
					s->value);
	}
}

int cmd_neigh_raise(const struct topo_lab *want)
{
	struct nst_err err = { 0 };
	char log[2048];
	int rc = hostneigh_raise(want, log, sizeof(log), &err);
	fputs(log, stdout); /* what was written, even when a later key failed */
	return rc < 0 ? cmd_fail(&err) : 0;
}

int cmd_neigh_restore(const char *lab)
{
	struct nst_err err = { 0 };
	char log[2048];
	int rc = hostneigh_restore(lab, log, sizeof(log), &err);
	fputs(log, stdout);
	return rc < 0 ? cmd_fail(&err) : 0;
}

size_t cmd_neigh_drift(const struct topo_lab *want, bool print)
{
	char buf[2048];
	size_t n = hostneigh_drift(want, buf, sizeof(buf));
	if (print)
		fputs(buf, stdout);
	return n;
}
