/* cmd_common.c - loading a lab file for the commands: load, validate, print every input error. */
#include "cmd.h"
#include "load_yaml.h"
#include "validate.h"

#include <stdio.h>

struct topo_lab *cmd_load_lab(const char *path)
{
	struct diags d = { 0 };
	struct topo_lab *lab = load_yaml_file(path, &d);
	/* A partial model is still consistent, so validation runs even after load errors: the user
	 * sees every error of the file at once. */
	if (lab)
		validate_lab(lab, &d);
	if (d.n) {
		diags_sort(&d);
		diags_print(stderr, &d);
		topo_lab_free(lab);
		lab = NULL;
	}
	diags_free(&d);
	return lab;
}
