/* cmd_common.c - loading a lab file for the commands: load, validate, print every input error. */
#include "cmd.h"
#include "store.h"
#include "clab.h"
#include "load_yaml.h"
#include "netns.h"
#include "observe.h"
#include "routing.h"
#include "validate.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cmd_strict;
const char *cmd_lab_name;

/* `-` is standard input, read whole (up to the size bound a file has) and named <stdin>. */
static struct topo_lab *load_stdin(struct diags *d)
{
	struct srcloc top = { "<stdin>", 1, 1 };
	size_t cap = 65536, got = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (got == cap) {
			if (cap > LOAD_YAML_MAX_BYTES) {
				diags_add(d, top, "the input is larger than %d MiB", LOAD_YAML_MAX_BYTES >> 20);
				free(buf);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(STDIN_FILENO, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diags_add(d, top, "cannot read standard input: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	struct topo_lab *lab = NULL;
	if (got == 0)
		diags_add(d, top, "the input is empty");
	else
		lab = clab_detect(top.file, buf) ? clab_load_buf(top.file, buf, got, d)
					     : load_yaml_buf(top.file, buf, got, d);
	free(buf);
	return lab;
}

struct topo_lab *cmd_load_lab_diags(const char *path, struct diags *d)
{
	struct topo_lab *lab = strcmp(path, "-") == 0 ? load_stdin(d) : load_yaml_file(path, d);
	if (lab && cmd_lab_name) {
		if (!validate_lab_name(cmd_lab_name))
			diags_add(d, (struct srcloc){ lab->file, 1, 1 },
				  "--name: invalid lab name '%s' (lower-case letters, digits and '-', "
				  "starting with a letter or digit, at most %d characters)",
				  cmd_lab_name, TOPO_LAB_NAME_MAX);
		else
			topo_lab_set_name(lab, cmd_lab_name);
	}
	size_t from = d->n;
	/* A partial model is still consistent, so validation runs even after load errors: the user
	 * sees every error of the file at once. */
	if (lab && validate_lab(lab, d) && routing_lab(lab, d))
		topo_lab_expand(lab);
	clab_remap(lab, d, from); /* a containerlab file: its own lines, not the converted ones */
	diags_sort(d);
	for (size_t i = 0; cmd_strict && i < d->n; i++)
		if (d->v[i].warning) {
			d->v[i].warning = false;
			d->n_errors++;
		}
	return lab;
}

struct topo_lab *cmd_load_lab(const char *path)
{
	struct diags d = { 0 };
	struct topo_lab *lab = cmd_load_lab_diags(path, &d);
	diags_print(stderr, &d); /* before the lab goes: the diagnostics' file names are its */
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
		/* Each says what it does that needs root; validate and graph need none. */
		static const char *const why[][2] = {
			{ "up", "it creates namespaces and configures them" },
			{ "down", "it deletes the lab's namespaces" },
			{ "diff", "it reads the lab's namespaces and their nftables rulesets" },
			{ "test", "it runs the checks inside the lab's namespaces" },
			{ "exec", "it enters a node's namespaces" },
			{ "list", "it reads the marker inside each namespace; validate and graph need none" },
			{ "capture", "it enters a node's namespace to capture" },
		};
		const char *because = "it enters the lab's namespaces";
		for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++)
			if (strcmp(why[i][0], cmd) == 0)
				because = why[i][1];
		fprintf(stderr, "nstopo %s: needs root (%s): run it with sudo\n", cmd, because);
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
	size_t n = kview_n_collisions(kv);
	for (size_t i = 0; i < n; i++) {
		const struct kcollision *c = kview_collision(kv, i);
		if (c->loc.line)
			fprintf(stderr, "%s:%u:%u: error: %s\n", c->loc.file, c->loc.line, c->loc.col, c->text);
		else
			fprintf(stderr, "nstopo: %s\n", c->text);
	}
	if (n) {
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
	return rc ? rc : cmd_impair_preflight(want);
}

static enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color_mode;

bool cmd_color(FILE *f)
{
	if (color_mode != COLOR_AUTO)
		return color_mode == COLOR_ALWAYS;
	const char *term = getenv("TERM");
	const char *no = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(no && *no) && term && strcmp(term, "dumb") != 0;
}

int cmd_common_opt(int opt, const char *arg)
{
	if (opt == CMD_OPT_NAME) {
		cmd_lab_name = arg;
		return 0;
	}
	if (!arg || strcmp(arg, "always") == 0 || strcmp(arg, "yes") == 0)
		color_mode = COLOR_ALWAYS;
	else if (strcmp(arg, "never") == 0 || strcmp(arg, "no") == 0)
		color_mode = COLOR_NEVER;
	else if (strcmp(arg, "auto") == 0)
		color_mode = COLOR_AUTO;
	else {
		fprintf(stderr, "nstopo: --color takes auto, always or never, not '%s'\n", arg);
		return -1;
	}
	nst_err_color = cmd_color(stderr);
	return 0;
}

int cmd_uplink_check(const struct topo_lab *want)
{
	const struct topo_uplink *u = want->uplink;
	if (!u || !u->host_interface || if_nametoindex(u->host_interface))
		return 0;
	fprintf(stderr, "%s:%u:%u: %s: uplink host_interface %s does not exist on this machine: the "
			"lab's traffic to the outside has no way out\n",
		want->file, u->loc.line, u->loc.col, cmd_strict ? "error" : "warning",
		u->host_interface);
	return cmd_strict ? NST_EXIT_INPUT : 0;
}
