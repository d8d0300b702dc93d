/* cmd_link.c - `nstopo link [-f FILE|--lab NAME] NODE:IF down|up|reset|KEY VALUE...`: pull a
 * link's cable or put it back, or set one end's egress impairments on a running lab. What it
 * does is drift from the file: `diff` shows it and `up` puts the file's state back. */
#include "cmd.h"
#include "impair.h"
#include "linkctl.h"
#include "lock.h"
#include "observe.h"
#include "qdisc.h"
#include "validate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_impair_preflight(const struct topo_lab *want)
{
	/* The first end that needs each kind of qdisc, for the position in the message. */
	static const struct { unsigned bits; const char *what; } kinds[] = {
		{ IMP_NETEM, "delay, jitter, loss, corrupt, duplicate and reorder" },
		{ IMP_RATE, "rate" },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < want->n_nodes; i++) {
			const struct topo_node *n = want->nodes[i];
			const struct topo_iface *f = NULL;
			for (size_t j = 0; j < n->n_ifaces && !f; j++)
				if (n->ifaces[j].impair && (n->ifaces[j].impair->has & kinds[k].bits))
					f = &n->ifaces[j];
			if (!f)
				continue;
			struct nst_err err = { 0 };
			if (qdisc_probe(kinds[k].bits, &err) == 0)
				break;
			fprintf(stderr, "%s:%u:%u: error: %s:%s: %s\n", want->file, f->impair->loc.line,
				f->impair->loc.col, n->name, f->name, err.msg);
			return NST_EXIT_SYSTEM;
		}
	}
	return 0;
}

struct target {
	const char *file, *lab;
	char node[256], ifname[TOPO_IFNAME_MAX + 1];
	char *lab_name;
	struct topo_lab *want; /* -f FILE */
};

/* The lab the node runs in, as exec finds it: the one running node of that name (in the lab). */
static int find_lab(struct target *t)
{
	if (t->file) {
		t->want = cmd_load_lab(t->file);
		if (!t->want)
			return NST_EXIT_INPUT;
		if (!topo_node_find(t->want, t->node)) {
			fprintf(stderr, "nstopo link: %s has no node '%s'\n", t->file, t->node);
			return NST_EXIT_INPUT;
		}
		t->lab = t->want->name;
	}
	struct lab_node_ref *refs = NULL;
	size_t n = 0, match = 0;
	struct nst_err err = { 0 };
	if (observe_find_nodes(t->lab, t->node, &refs, &n, &err) < 0)
		return cmd_fail(&err);
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (!t->lab || strcmp(refs[i].lab, t->lab) == 0) {
			if (!match++)
				t->lab_name = xstrdup(refs[i].lab);
		}
	if (!match) {
		if (t->lab)
			fprintf(stderr, "nstopo link: lab %s has no running node '%s' (is it up?)\n", t->lab,
				t->node);
		else
			fprintf(stderr, "nstopo link: no running lab has a node '%s'\n", t->node);
		rc = NST_EXIT_INPUT;
	} else if (match > 1) {
		fprintf(stderr, "nstopo link: node '%s' is in several running labs; choose one with "
				"--lab NAME\n", t->node);
		rc = NST_EXIT_INPUT;
	}
	observe_refs_free(refs, n);
	return rc;
}

int cmd_link(int argc, char **argv)
{
	const struct command *self = command_find("link");
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "lab", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct target t = { 0 };
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "f:l:", opts, &status)) > 0) {
		switch (c) {
		case 'f':
			t.file = optarg;
			break;
		case 'l':
			t.lab = optarg;
			break;
		}
	}
	if (c < 0)
		return status;
	if (t.file && t.lab)
		return command_usage_error(self, "give -f FILE or --lab NAME, not both");
	if (argc - optind < 2)
		return command_usage_error(self, "expected NODE:IF and what to do");
	const char *end = argv[optind], *colon = strchr(end, ':');
	if (!colon || colon == end || (size_t)(colon - end) >= sizeof(t.node) ||
	    strlen(colon + 1) > TOPO_IFNAME_MAX || !validate_ifname(colon + 1))
		return command_usage_error(self, "'%s' is not NODE:IF", end);
	snprintf(t.node, sizeof(t.node), "%.*s", (int)(colon - end), end);
	snprintf(t.ifname, sizeof(t.ifname), "%s", colon + 1);
	if (!validate_node_name(t.node))
		return command_usage_error(self, "invalid node name '%s'", t.node);
	if (t.lab && !validate_lab_name(t.lab))
		return command_usage_error(self, "invalid lab name '%s'", t.lab);
	const char *verb = argv[optind + 1];
	bool is_state = strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0;
	bool reset = strcmp(verb, "reset") == 0;
	if ((is_state || reset) && argc - optind != 2)
		return command_usage_error(self, "%s takes nothing after it", verb);
	if (!is_state && !reset && !impair_is_key(verb))
		return command_usage_error(self, "expected down, up, reset or impairments (delay 40ms, "
					   "loss 1%%, rate 10mbit, ...), not '%s'", verb);
	int rc = cmd_kernel_init("link");
	struct nst_err err = { 0 };
	int lock = -1;
	if (rc || (rc = find_lab(&t)))
		goto out;
	if ((lock = lock_lab(t.lab_name, &err)) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	static const struct topo_impair none = { 0 };
	const struct topo_impair *base = NULL;
	if (reset) {
		const struct topo_node *wn = t.want ? topo_node_find(t.want, t.node) : NULL;
		const struct topo_iface *wi = wn ? topo_iface_find(wn, t.ifname) : NULL;
		base = wi && wi->impair ? wi->impair : &none;
	}
	int n_args = argc - optind - 1;
	if (!is_state && !reset && n_args % 2) {
		rc = command_usage_error(self, "%s needs a value", argv[argc - 1]);
		goto out;
	}
	struct linkctl op = {
		.state = is_state ? strcmp(verb, "up") == 0 : -1,
		.impair = !is_state,
		.base = base,
		.kv = is_state || reset ? NULL : argv + optind + 1,
		.n_kv = is_state || reset ? 0 : (size_t)n_args / 2,
	};
	char done[512];
	if (linkctl_apply(t.lab_name, t.node, t.ifname, &op, done, sizeof(done), &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (is_state)
		printf("link %s:%s is %s\n", t.node, t.ifname, op.state ? "up" : "down (both ends)");
	else
		printf("link %s:%s: %s\n", t.node, t.ifname, done[0] ? done : "no impairments");
out:
	topo_lab_free(t.want);
	free(t.lab_name);
	lock_release(lock);
	return rc;
}
