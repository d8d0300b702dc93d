/* cmd_diff.c - `nstopo diff FILE`: what `up` would change, one line per object; exit 0 when the
 * kernel matches the file, 1 when it differs. */
#include "apply.h"
#include "cmd.h"
#include "json_out.h"
#include "observe.h"
#include "plan.h"

#include <getopt.h>
#include <stdio.h>

int cmd_diff(int argc, char **argv)
{
	const struct command *self = command_find("diff");
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
	struct topo_lab *want = cmd_load_lab(argv[optind]);
	if (!want)
		return NST_EXIT_INPUT;
	struct topo_lab *have = NULL;
	struct kview *kv = kview_new();
	struct plan plan = { 0 };
	int rc = cmd_kernel_init("diff");
	if (rc || (rc = cmd_observe(want->name, want, &have, kv)))
		goto out;
	plan_build(&plan, want, have);
	apply_where(&plan, want->name);
	if (json && (rc = json_print(json_plan(&plan, want->name))))
		goto out;
	if (!json)
		plan_print(stdout, &plan, cmd_color(stdout));
	size_t drift = cmd_neigh_drift(want, !json); /* the host's neighbour sizes, not planned */
	rc = plan.n || drift ? NST_EXIT_DIFFERS : NST_EXIT_OK;
out:
	plan_free(&plan);
	kview_free(kv);
	topo_lab_free(have);
	topo_lab_free(want);
	return rc;
}
