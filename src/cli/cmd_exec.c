/* cmd_exec.c - `nstopo exec [-f FILE|--lab NAME] NODE[,NODE...]|--all [CMD ARGS...]`: run a
 * program inside a node (no shell in between, unless CMD is one string with shell characters)
 * and exit with its status; without CMD, the user's shell. On several nodes, one after the other,
 * each output line prefixed with its node. */
#include "cgroup.h"
#include "cmd.h"
#include "netns.h"
#include "nodens.h"
#include "observe.h"
#include "store.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* One command string with a character the shell would give a meaning to (or a space) runs as
 * `/bin/sh -c STRING`, as containerlab's `exec --cmd`; a plain word runs itself. */
static bool needs_shell(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+=:,@%", *s))
			return true;
	return false;
}

int cmd_exec_in_node(const char *file, const char *lab, const char *node, char **cmd)
{
	if (!validate_node_name(node))
		return exec_fail("invalid node name '%s'", node);
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
	char *sh_c[] = { "/bin/sh", "-c", NULL, NULL };
	if (!cmd[0])
		cmd = shell;
	else if (!cmd[1] && needs_shell(cmd[0])) {
		sh_c[2] = cmd[0];
		cmd = sh_c;
	}
	execvp(cmd[0], cmd);
	int e = errno;
	fprintf(stderr, "nstopo exec: %s: %s\n", cmd[0], strerror(e));
	return e == ENOENT || e == ENOTDIR ? EXEC_NOT_FOUND : EXEC_CANNOT_RUN;
}

/* Copies whole lines from fd to out, each after "NODE: "; part keeps a line not yet ended. */
static bool relay(int fd, FILE *out, const char *node, char *part, size_t *n_part, size_t cap)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf));
	if (r < 0 && errno == EINTR)
		return true;
	for (ssize_t i = 0; i < r; i++) {
		if (*n_part < cap)
			part[(*n_part)++] = buf[i];
		if (buf[i] == '\n' || *n_part == cap) {
			fprintf(out, "%s: %.*s%s", node, (int)*n_part, part, buf[i] == '\n' ? "" : "\n");
			*n_part = 0;
		}
	}
	if (r <= 0 && *n_part) {
		fprintf(out, "%s: %.*s\n", node, (int)*n_part, part);
		*n_part = 0;
	}
	fflush(out);
	return r > 0;
}

/* Runs cmd on one of several nodes in a child, its output and errors prefixed; its status. */
static int exec_prefixed(const char *file, const char *lab, const char *node, char **cmd)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return exec_fail("pipe: %s", strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return exec_fail("pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		_exit(cmd_exec_in_node(file, lab, node, cmd));
	}
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		return exec_fail("fork: %s", strerror(errno));
	}
	static char part_o[4096], part_e[4096];
	size_t n_o = 0, n_e = 0;
	struct pollfd pfd[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents && !relay(po[0], stdout, node, part_o, &n_o, sizeof(part_o)))
			pfd[0].fd = -1;
		if (pfd[1].revents && !relay(pe[0], stderr, node, part_e, &n_e, sizeof(part_e)))
			pfd[1].fd = -1;
	}
	close(po[0]);
	close(pe[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXEC_FAILED;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool node_in_group(const struct topo_node *n, const char *group)
{
	for (size_t k = 0; k < n->n_groups; k++)
		if (strcmp(n->groups[k], group) == 0)
			return true;
	return false;
}

/* Whether the record up kept for lab (see cmd_list_record) puts node in group. */
static bool recorded_in_group(const char *rec, const char *node, const char *group)
{
	size_t ln = strlen(node), lg = strlen(group);
	for (const char *p = rec; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "groups ", 7) != 0 || strncmp(p + 7, node, ln) != 0 || p[7 + ln] != ' ')
			continue;
		for (const char *g = p + 7 + ln; *g == ' '; g += strcspn(g + 1, " \n") + 1)
			if (strncmp(g + 1, group, lg) == 0 && (g[1 + lg] == ' ' || g[1 + lg] == '\n' ||
							      !g[1 + lg]))
				return true;
	}
	return false;
}

/* The nodes of --all (group NULL) or --group: those of the file, or the running ones of the lab
 * (of the only lab), their groups from the record its up kept. */
static int all_nodes(const char *file, const char *lab, const char *group, char ***out, size_t *n)
{
	*n = 0;
	if (file) {
		struct topo_lab *t = cmd_load_lab(file);
		if (!t)
			return EXEC_FAILED;
		*out = xcalloc(t->n_nodes + 1, sizeof(char *));
		for (size_t i = 0; i < t->n_nodes; i++)
			if (t->nodes[i]->kind != NODE_ROOT && (!group || node_in_group(t->nodes[i], group)))
				(*out)[(*n)++] = xstrdup(t->nodes[i]->name);
		topo_lab_free(t);
		return *n ? 0 : exec_fail("no node of %s is in group %s", file, group);
	}
	struct lab_node_ref *refs = NULL;
	size_t k = 0;
	struct nst_err err = { 0 };
	if (observe_find_nodes(lab, NULL, &refs, &k, &err) < 0) {
		nst_err_print(stderr, &err);
		return EXEC_FAILED;
	}
	int rc = 0;
	for (size_t i = 1; i < k && !rc; i++)
		if (strcmp(refs[i].lab, refs[0].lab) != 0)
			rc = exec_fail("several labs are running; choose one with --lab NAME or -f FILE");
	if (!k)
		rc = lab ? exec_fail("lab %s has no running node (is it up?)", lab)
			 : exec_fail("no lab is running");
	struct arena ar = { 0 };
	const char *rec = !rc && group ? store_source_read(&ar, refs[0].lab) : NULL;
	*out = xcalloc(k + 1, sizeof(char *));
	for (size_t i = 0; i < k && !rc; i++)
		if (!group || (rec && recorded_in_group(rec, refs[i].node, group)))
			(*out)[(*n)++] = xstrdup(refs[i].node);
	if (!rc && !*n)
		rc = exec_fail("no running node of lab %s is in group %s", refs[0].lab, group);
	arena_free(&ar);
	observe_refs_free(refs, k);
	return rc;
}

int cmd_exec(int argc, char **argv)
{
	const struct command *self = command_find("exec");
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "lab", required_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'a' },
		{ "group", required_argument, NULL, 'g' },
		{ 0 },
	};
	const char *file = NULL, *lab = NULL, *node = NULL, *group = NULL;
	bool all = false;
	int c, status;
	/* Options come before the node and again after it (`exec h1 -f lab.yaml cmd`); the first
	 * word after the node that is not one of ours, or `--`, starts the command, whose own
	 * options are then never taken as nstopo's. */
	for (int pass = 0; pass < 2; pass++) {
		while ((c = cmd_getopt(self, argc, argv, "f:l:ag:", opts, &status)) > 0) {
			switch (c) {
			case 'f':
				file = optarg;
				break;
			case 'l':
				lab = optarg;
				break;
			case 'a':
				all = true;
				break;
			case 'g':
				all = true; /* --all, of one group */
				group = optarg;
				break;
			}
		}
		if (c < 0) /* nstopo's own failures are 125 here, as env(1)'s */
			return status == NST_EXIT_OK ? NST_EXIT_OK : EXEC_FAILED;
		if (pass == 1 || all || optind >= argc || strcmp(argv[optind - 1], "--") == 0)
			break;
		/* Again after the node: getopt goes on from the word after it. */
		node = argv[optind];
		argv += optind;
		argc -= optind;
		optind = 0; /* glibc: start afresh on the new array */
	}
	if (!all && !node && optind < argc)
		node = argv[optind++];
	if (!all && !node) {
		command_usage_error(self, "expected a node, --all or --group NAME");
		return EXEC_FAILED;
	}
	if (file && lab) {
		command_usage_error(self, "give -f FILE or --lab NAME, not both");
		return EXEC_FAILED;
	}
	if (all && node) {
		command_usage_error(self, "give nodes or --all/--group, not both");
		return EXEC_FAILED;
	}
	if (lab && !validate_lab_name(lab))
		return exec_fail("invalid lab name '%s'", lab);
	char **cmd = argv + optind;
	bool several = all || strchr(node, ',');
	/* Several nodes: never a shell each, and each node's lines named. */
	if (several && !cmd[0]) {
		command_usage_error(self, "on several nodes, give the command to run");
		return EXEC_FAILED;
	}
	if (cmd_kernel_init("exec"))
		return EXEC_FAILED;
	if (!several)
		return cmd_exec_in_node(file, lab, node, cmd);
	char **nodes = NULL;
	size_t n = 0;
	int rc = 0;
	if (all) {
		rc = all_nodes(file, lab, group, &nodes, &n);
	} else {
		char *list = xstrdup(node);
		nodes = xcalloc(strlen(list) + 1, sizeof(char *));
		for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
			nodes[n++] = xstrdup(w);
		free(list);
	}
	int worst = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		int r = exec_prefixed(file, lab, nodes[i], cmd);
		if (r)
			worst = r;
	}
	for (size_t i = 0; i < n; i++)
		free(nodes[i]);
	free(nodes);
	return rc ? rc : worst;
}
