/* cmd_down.c - `nstopo down FILE` or `nstopo down --lab NAME`: remove everything the lab owns,
 * found in the kernel by its markers (the file may be gone or edited). */
#include "apply.h"
#include "paths.h"
#include "cmd.h"
#include "json_out.h"
#include "progress.h"
#include "lock.h"
#include "netns.h"
#include "observe.h"
#include "plan.h"
#include "run.h"
#include "validate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_down(int argc, char **argv)
{
	const struct command *self = command_find("down");
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	const char *name = NULL;
	bool verbose = false, json = false;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "l:vj", opts, &status)) > 0) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'l':
			name = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		}
	}
	if (c < 0)
		return status;
	if ((name && argc != optind) || (!name && argc - optind != 1))
		return command_usage_error(self, "expected a topology file or --lab NAME");
	struct topo_lab *file = NULL;
	if (!name) {
		if (!(file = cmd_load_lab(argv[optind]))) {
			fprintf(stderr, "nstopo down: to remove the lab anyway, name it: nstopo down --lab NAME\n");
			return NST_EXIT_INPUT;
		}
		name = file->name;
	} else if (!validate_lab_name(name)) {
		return command_usage_error(self, "invalid lab name '%s'", name);
	}
	struct topo_lab *have = NULL;
	struct kview *kv = kview_new();
	struct plan plan = { 0 };
	struct nst_err err = { 0 };
	int lock = -1;
	int rc = cmd_kernel_init("down");
	if (rc)
		goto out;
	if ((lock = lock_lab(name, &err)) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	/* The host's neighbour sizes go back first: the record of them is in the lab's run dir. */
	if ((rc = cmd_observe(name, NULL, &have, kv)) || (rc = cmd_neigh_restore(name)))
		goto out;
	plan_build(&plan, NULL, have);
	apply_where(&plan, name);
	if (!plan.n) {
		/* An up interrupted before its first namespace may still have left processes in
		 * the lab's cgroup (nstopo/LAB/NODE). */
		int ended = run_stop_lab(name, RUN_STOP_GRACE_MS, &err);
		if (ended < 0) {
			rc = cmd_fail(&err);
			goto out;
		}
		if (json)
			rc = print_plan_json(&plan, name, "not running");
		else if (ended)
			printf("lab %s was not running: ended %d leftover process%s\n", name, ended,
			       ended == 1 ? "" : "es");
		else
			printf("lab %s is not running: nothing to remove\n", name);
	} else {
		struct apply_opts ao = { .log = verbose && !json ? stdout : NULL,
					 .color = cmd_color(stdout), .progress = progress_action };
		progress_begin("down", name, !verbose && !json);
		int done = apply_plan(&plan, NULL, name, kv, &ao, &err);
		progress_end();
		if (done < 0) {
			rc = cmd_fail(&err);
			if (progress_stop())
				fprintf(stderr, "nstopo: lab %s is partly removed: run `nstopo down --lab %s` "
						"to finish\n", name, name);
			goto out;
		}
		if (json)
			rc = print_plan_json(&plan, name, "down");
		char summary[512];
		plan_summary(&plan, summary, sizeof(summary));
		if (!json)
			printf("lab %s is down: %s\n", name, summary);
	}
	char path[256];
	paths_lock(path, sizeof(path), name);
	unlink(path);
out:
	plan_free(&plan);
	kview_free(kv);
	topo_lab_free(have);
	topo_lab_free(file);
	lock_release(lock);
	return rc;
}
