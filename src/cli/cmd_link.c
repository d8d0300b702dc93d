/* cmd_link.c - `nstopo link [-f FILE|--lab NAME] NODE:IF down|up|reset|KEY VALUE...`: pull a
 * link's cable or put it back, or set one end's egress impairments on a running lab. What it
 * does is drift from the file: `diff` shows it and `up` puts the file's state back. */
#include "cmd.h"
#include "impair.h"
#include "lock.h"
#include "nl.h"
#include "observe.h"
#include "qdisc.h"
#include "validate.h"

#include <errno.h>
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

static struct nlr *nl_of(struct kview *kv, const struct topo_node *node, struct nst_err *err)
{
	struct knode *kn = kview_node(kv, node->kind == NODE_ROOT ? NULL : node->netns);
	if (!kn) {
		nst_err_set(err, ENOENT, "namespace of %s is not open", node->name);
		return NULL;
	}
	return netns_nl(&kn->ns, err);
}

/* Both ends down (a veth has no carrier of its own to switch off, and refuses protodown): each
 * side loses its carrier at once, as a pulled cable, and routing daemons on both see it. */
static int set_state(struct topo_lab *have, struct kview *kv, const struct topo_link *l, bool up,
		     struct nst_err *err)
{
	for (int k = 0; k < 2; k++) {
		const struct topo_node *node = topo_end_node(have, &l->end[k]);
		const struct topo_iface *iface = topo_end_iface(have, &l->end[k]);
		struct nlr_link_change c = { .set = up ? NLR_SET_UP : NLR_SET_DOWN };
		struct nlr *nl = nl_of(kv, node, err);
		if (!nl || nlr_link_set(nl, iface->ifindex, NULL, &c, err) < 0) {
			nst_err_obj(err, "%s/%s", node->name, iface->name);
			return -1;
		}
	}
	return 0;
}

static int set_impair(struct target *t, struct topo_lab *have, struct kview *kv,
		      const struct topo_node *node, const struct topo_iface *iface, int argc,
		      char **argv, bool reset)
{
	struct topo_impair im = { 0 };
	if (!reset && !impair_empty(iface->impair) && iface->impair->root != IQ_OTHER &&
	    iface->impair->leaf != IQ_OTHER) {
		im = *iface->impair;
		im.root = im.leaf = IQ_NONE;
	}
	if (reset && t->want) {
		const struct topo_node *wn = topo_node_find(t->want, t->node);
		const struct topo_iface *wi = wn ? topo_iface_find(wn, t->ifname) : NULL;
		if (wi && wi->impair)
			im = *wi->impair;
	}
	for (int i = 0; i < argc; i += 2) {
		char why[256];
		if (i + 1 >= argc) {
			fprintf(stderr, "nstopo link: %s needs a value\n", argv[i]);
			return NST_EXIT_INPUT;
		}
		if (!impair_parse(&im, argv[i], argv[i + 1], why, sizeof(why))) {
			fprintf(stderr, "nstopo link: %s\n", why);
			return NST_EXIT_INPUT;
		}
	}
	char why[256], warn[256];
	if (!impair_check(&im, why, sizeof(why), warn, sizeof(warn))) {
		fprintf(stderr, "nstopo link: %s\n", why);
		return NST_EXIT_INPUT;
	}
	if (warn[0])
		fprintf(stderr, "nstopo link: warning: %s\n", warn);
	struct nst_err err = { 0 };
	struct nlr *nl;
	if (qdisc_probe(im.has, &err) < 0 || !(nl = nl_of(kv, node, &err)) ||
	    qdisc_set(nl, iface->ifindex, &im, iface->impair, &err) < 0) {
		nst_err_obj(&err, "%s/%s", node->name, iface->name);
		return cmd_fail(&err);
	}
	char text[512];
	impair_text(&im, text, sizeof(text));
	printf("link %s:%s: %s\n", node->name, iface->name, text[0] ? text : "no impairments");
	(void)have;
	return 0;
}

int cmd_link(int argc, char **argv)
{
	const struct command *self = command_find("link");
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "lab", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct target t = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			t.file = optarg;
			break;
		case 'l':
			t.lab = optarg;
			break;
		case 'h':
			command_print_usage(self);
			return NST_EXIT_OK;
		default:
			return command_usage_error(self, "unknown option");
		}
	}
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
	struct topo_lab *have = NULL;
	struct kview kv = { 0 };
	struct nst_err err = { 0 };
	int lock = -1;
	if (rc || (rc = find_lab(&t)))
		goto out;
	if ((lock = lock_lab(t.lab_name, &err)) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (observe_lab(t.lab_name, NULL, &have, &kv, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	const struct topo_node *node = topo_node_find(have, t.node);
	const struct topo_iface *iface = node ? topo_iface_find(node, t.ifname) : NULL;
	if (!iface || iface->link < 0) {
		fprintf(stderr, "nstopo link: lab %s has no link at %s:%s\n", t.lab_name, t.node, t.ifname);
		rc = NST_EXIT_INPUT;
		goto out;
	}
	if (is_state) {
		bool up = strcmp(verb, "up") == 0;
		if (set_state(have, &kv, &have->links[iface->link], up, &err) < 0) {
			rc = cmd_fail(&err);
			goto out;
		}
		printf("link %s:%s is %s\n", t.node, t.ifname, up ? "up" : "down (both ends)");
		goto out;
	}
	rc = set_impair(&t, have, &kv, node, iface, reset ? 0 : argc - optind - 1, argv + optind + 1,
			reset);
out:
	kview_free(&kv);
	topo_lab_free(have);
	topo_lab_free(t.want);
	free(t.lab_name);
	lock_release(lock);
	return rc;
}
