/* cmd_validate.c - `nstopo validate FILE`: exit 0 and print nothing when the file is valid (but
 * a warning on stderr when the file's own neighbour-table size is below its estimate); with
 * --json, every diagnostic as an object on stdout. */
#include "cmd.h"
#include "err.h"
#include "json_out.h"

#include <getopt.h>
#include <string.h>

int cmd_validate(int argc, char **argv)
{
	const struct command *self = command_find("validate");
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 'S' },
		{ 0 },
	};
	bool json = false;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "j", opts, &status)) > 0) {
		if (c == 'j')
			json = true;
		else if (c == 'S')
			cmd_strict = true;
	}
	if (c < 0)
		return status;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	if (!json) {
		struct topo_lab *lab = cmd_load_lab(argv[optind]);
		if (!lab)
			return NST_EXIT_INPUT;
		cmd_neigh_warn_file(lab); /* the kernel's own values are up's to compare */
		topo_lab_free(lab);
		return NST_EXIT_OK;
	}
	struct diags d = { 0 };
	struct topo_lab *lab = cmd_load_lab_diags(argv[optind], &d);
	bool valid = lab && !d.n_errors;
	struct json_object *doc = json_object_new_object();
	jset(doc, "file", jstr(argv[optind]));
	jset(doc, "lab", valid ? jstr(lab->name) : NULL);
	jset(doc, "valid", json_object_new_boolean(valid));
	jset(doc, "errors", json_object_new_uint64(d.n_errors));
	jset(doc, "warnings", json_object_new_uint64(d.n - d.n_errors));
	jset(doc, "diagnostics", json_diags(&d));
	int rc = json_print(doc);
	if (rc == 0 && !valid)
		rc = NST_EXIT_INPUT;
	diags_free(&d);
	topo_lab_free(lab);
	return rc;
}
