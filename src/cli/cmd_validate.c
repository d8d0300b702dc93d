/* cmd_validate.c - `nstopo validate FILE`: exit 0 and print nothing when the file is valid (but
 * a warning on stderr when the file's own neighbour-table size is below its estimate). */
#include "cmd.h"
#include "err.h"

#include <getopt.h>
#include <string.h>

int cmd_validate(int argc, char **argv)
{
	const struct command *self = command_find("validate");
	int rc = command_help_only(self, argc, argv);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	struct topo_lab *lab = cmd_load_lab(argv[optind]);
	if (!lab)
		return NST_EXIT_INPUT;
	cmd_neigh_warn_file(lab); /* the kernel's own values are up's to compare */
	topo_lab_free(lab);
	return NST_EXIT_OK;
}
