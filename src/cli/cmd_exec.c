/* cmd_exec.c - `nstopo exec [-f FILE|--lab NAME] NODE [CMD ARGS...]`: run a program inside a
 * node (no shell in between) and exit with its status; without CMD, the user's shell. */
#include "cgroup.h"
#include "cmd.h"
#include "netns.h"
#include "nodens.h"
#include "observe.h"
#include "validate.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* As env(1) and podman exec: nstopo's own failures, a command that cannot run, one not found. */
enum { EXEC_FAILED = 125, EXEC_CANNOT_RUN = 126, EXEC_NOT_FOUND = 127 };

static int exec_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int exec_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("nstopo exec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXEC_FAILED;
}

/* The namespace of the node: the one running node of that name (in the lab, when given). */
static int find_node(const char *file, const char *lab_name, const char *node, char **netns,
		     char **lab_out)
{
	char *want_ns = NULL, *lab_from_file = NULL;
	if (file) {
		struct topo_lab *lab = cmd_load_lab(file);
		if (!lab)
			return EXEC_FAILED;
		const struct topo_node *n = topo_node_find(lab, node);
		if (!n || n->kind == NODE_ROOT) {
			topo_lab_free(lab);
			return exec_fail("%s has no node '%s'", file, node);
		}
		want_ns = xstrdup(topo_node_netns(lab, n));
		lab_from_file = xstrdup(lab->name);
		lab_name = lab_from_file;
		topo_lab_free(lab);
	}
	struct lab_node_ref *refs = NULL;
	size_t n = 0, match = 0, pick = 0;
	struct nst_err err = { 0 };
	int rc = 0;
	if (observe_find_nodes(lab_name, node, &refs, &n, &err) < 0) {
		nst_err_print(stderr, &err);
		rc = EXEC_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!want_ns || strcmp(refs[i].netns, want_ns) == 0) {
			match++;
			pick = i;
		}
	if (!match && lab_name)
		rc = exec_fail("lab %s has no running node '%s' (is it up?)", lab_name, node);
	else if (!match)
		rc = exec_fail("no running lab has a node '%s'", node);
	else if (match > 1) {
		fprintf(stderr, "nstopo exec: node '%s' is in several running labs:", node);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", refs[i].lab);
		fprintf(stderr, "; choose one with --lab NAME\n");
		rc = EXEC_FAILED;
	} else {
		*netns = xstrdup(refs[pick].netns);
		*lab_out = xstrdup(refs[pick].lab);
	}
out:
	observe_refs_free(refs, n);
	free(want_ns);
	free(lab_from_file);
	return rc;
}

static const char *user_shell(void)
{
	const char *sh = getenv("SHELL");
	if (sh && *sh)
		return sh;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
}

int cmd_exec(int argc, char **argv)
{
	const struct command *self = command_find("exec");
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "lab", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *file = NULL, *lab = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'l':
			lab = optarg;
			break;
		case 'h':
			command_print_usage(self);
			return NST_EXIT_OK;
		default:
			command_usage_error(self, "unknown option");
			return EXEC_FAILED;
		}
	}
	if (optind >= argc) {
		command_usage_error(self, "expected a node");
		return EXEC_FAILED;
	}
	if (file && lab) {
		command_usage_error(self, "give -f FILE or --lab NAME, not both");
		return EXEC_FAILED;
	}
	const char *node = argv[optind];
	if (lab && !validate_lab_name(lab))
		return exec_fail("invalid lab name '%s'", lab);
	if (!validate_node_name(node))
		return exec_fail("invalid node name '%s'", node);
	if (cmd_kernel_init("exec"))
		return EXEC_FAILED;
	char *netns = NULL, *lab_name = NULL;
	int rc = find_node(file, lab, node, &netns, &lab_name);
	if (rc)
		return rc;
	/* Into the node's cgroup first (as every process nstopo starts in a node), so that down
	 * ends this program and its children wherever they move; without one, by namespace. */
	int cg = cgroup_node_procs(lab_name, node, "user");
	if (cg >= 0) {
		cgroup_join(cg);
		close(cg);
	}
	struct netns ns = { .fd = -1 };
	struct nst_err err = { 0 };
	/* The node's own mount namespace has its /sys, /run, /tmp and files; a node made without
	 * one gets a mount namespace of its own for /sys, as `ip netns exec` does. */
	bool env = nodens_exists(lab_name, node) == 1;
	if (netns_open(netns, &ns, &err) <= 0 ||
	    (env ? netns_become_net(&ns, &err) < 0 || nodens_enter(lab_name, node, &err) < 0
		 : netns_become(&ns, &err) < 0)) {
		if (!err.msg[0])
			nst_err_set(&err, ENOENT, "namespace %s is gone", netns);
		nst_err_print(stderr, &err);
		netns_close(&ns);
		free(netns);
		free(lab_name);
		return EXEC_FAILED;
	}
	/* Inside now: the handle is no longer needed, and an exec that fails must not leak it. */
	netns_close(&ns);
	setenv("NSTOPO_LAB", lab_name, 1);
	setenv("NSTOPO_NODE", node, 1);
	free(netns);
	free(lab_name);
	char *shell[] = { (char *)user_shell(), NULL };
	char **cmd = optind + 1 < argc ? argv + optind + 1 : shell;
	execvp(cmd[0], cmd);
	int e = errno;
	fprintf(stderr, "nstopo exec: %s: %s\n", cmd[0], strerror(e));
	return e == ENOENT || e == ENOTDIR ? EXEC_NOT_FOUND : EXEC_CANNOT_RUN;
}
