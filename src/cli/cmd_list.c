/* cmd_list.c - `nstopo list`: the labs running on this machine and their nodes, from the
 * markers in the kernel. */
#include "cmd.h"
#include "observe.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_list(int argc, char **argv)
{
	const struct command *self = command_find("list");
	int rc = command_help_only(self, argc, argv);
	if (rc >= 0)
		return rc;
	if (argc != optind)
		return command_usage_error(self, "takes no arguments");
	rc = cmd_kernel_init("list");
	if (rc)
		return rc;
	struct lab_node_ref *refs = NULL;
	size_t n = 0;
	struct nst_err err = { 0 };
	if (observe_find_nodes(NULL, NULL, &refs, &n, &err) < 0)
		return cmd_fail(&err);
	/* Labs in order of first appearance (namespaces come sorted by name). */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(refs[j].lab, refs[i].lab) == 0;
		if (seen)
			continue;
		printf("%s:", refs[i].lab);
		for (size_t j = i; j < n; j++)
			if (strcmp(refs[j].lab, refs[i].lab) == 0)
				printf(" %s", refs[j].node);
		putchar('\n');
	}
	observe_refs_free(refs, n);
	return NST_EXIT_OK;
}
