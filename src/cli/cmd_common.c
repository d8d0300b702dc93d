/* cmd_common.c - loading a lab file for the commands: load, validate, print every input error. */
#include "cmd.h"
#include "store.h"
#include "clab.h"
#include "load_yaml.h"
#include "netns.h"
#include "observe.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct topo_lab *cmd_load_lab(const char *path)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_file(path, &d);
	size_t from = d.n;
	/* A partial model is still consistent, so validation runs even after load errors: the user
	 * sees every error of the file at once. */
	if (lab && validate_lab(lab, &d))
		topo_lab_expand(lab);
	clab_remap(lab, &d, from); /* a containerlab file: its own lines, not the converted ones */
	diags_sort(&d);
	diags_print(stderr, &d);
	if (d.n_errors) {
		topo_lab_free(lab);
		lab = NULL;
	}
	diags_free(&d);
	return lab;
}

int cmd_fail(const struct nst_err *err)
{
	nst_err_print(stderr, err);
	return err->status ? err->status : NST_EXIT_SYSTEM;
}

int cmd_kernel_init(const char *cmd)
{
	struct nst_err err = { 0 };
	if (geteuid() != 0) {
		fprintf(stderr, "nstopo %s: needs root (it creates namespaces and configures them)\n", cmd);
		return NST_EXIT_SYSTEM;
	}
	if (netns_init(&err) < 0)
		return cmd_fail(&err);
	return 0;
}

int cmd_observe(const char *lab, struct topo_lab *want, struct topo_lab **have, struct kview *kv)
{
	struct nst_err err = { 0 };
	if (want && store_digest_want(want, &err) < 0)
		return cmd_fail(&err);
	if (observe_lab(lab, want, have, kv, &err) < 0)
		return cmd_fail(&err);
	for (size_t i = 0; i < kv->n_collisions; i++) {
		const struct kcollision *c = &kv->collisions[i];
		if (c->loc.line)
			fprintf(stderr, "%s:%u:%u: error: %s\n", c->loc.file, c->loc.line, c->loc.col, c->text);
		else
			fprintf(stderr, "nstopo: %s\n", c->text);
	}
	if (kv->n_collisions) {
		fprintf(stderr, "nstopo: nothing was changed: these objects are not lab %s's and are left "
				"alone; remove or rename them, or rename the lab's nodes\n", lab);
		return NST_EXIT_SYSTEM;
	}
	return 0;
}

/* Where the daemons of `kind: frr|bird` are, so a missing package is named before anything
 * changes. */
static bool program_found(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
	for (size_t i = 0; dirs[i]; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

int cmd_preflight(const struct topo_lab *want)
{
	int rc = 0;
	for (size_t i = 0; i < want->n_nodes; i++) {
		const struct topo_node *n = want->nodes[i];
		const char *d[64];
		size_t count = topo_node_daemons(n, d, 64);
		for (size_t k = 0; k < count; k++) {
			char path[512];
			snprintf(path, sizeof(path), n->kind == NODE_FRR ? "/usr/lib/frr/%s" : "%s", d[k]);
			if (program_found(path))
				continue;
			fprintf(stderr, "%s:%u:%u: error: %s: kind %s needs %s, which is not installed "
					"(Debian: apt-get install %s)\n",
				want->file, n->kind_loc.line, n->kind_loc.col, n->name,
				topo_node_kind_name(n->kind), path, n->kind == NODE_FRR ? "frr" : "bird2");
			rc = NST_EXIT_SYSTEM;
			break;
		}
	}
	return rc;
}

bool cmd_color(FILE *f)
{
	const char *term = getenv("TERM");
	return isatty(fileno(f)) && !getenv("NO_COLOR") && term && strcmp(term, "dumb") != 0;
}
