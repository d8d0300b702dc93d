/* cmd_up.c - `nstopo up FILE`: make the kernel match the file (create, change, remove), or
 * report that it already does, then wait until every link is up. A second `up` changes nothing. */
#include "apply.h"
#include "cmd.h"
#include "lock.h"
#include "observe.h"
#include "plan.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* How long `up` waits for the links by default: they come up within microseconds on an idle
 * machine and within 1 to 3 s for 1000 ports on one bridge; the rest is room for a busy one. */
#define UP_WAIT_SECONDS 10.0

int cmd_up(int argc, char **argv)
{
	const struct command *self = command_find("up");
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "test", no_argument, NULL, 't' },
		{ "junit", required_argument, NULL, 'j' },
		{ "wait", required_argument, NULL, 'w' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool dry = false, verbose = false, test = false;
	const char *junit = NULL;
	double wait = UP_WAIT_SECONDS;
	char *end;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+nvh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			test = true;
			break;
		case 'j':
			junit = optarg;
			break;
		case 'w':
			wait = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(wait) || wait < 0 || wait > 3600)
				return command_usage_error(self, "--wait takes seconds, from 0 to 3600");
			break;
		case 'W':
			wait = 0;
			break;
		case 'n':
			dry = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			command_print_usage(self);
			return NST_EXIT_OK;
		default:
			return command_usage_error(self, "unknown option");
		}
	}
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	struct topo_lab *want = cmd_load_lab(argv[optind]);
	if (!want)
		return NST_EXIT_INPUT;
	struct topo_lab *have = NULL;
	struct kview kv = { 0 };
	struct plan plan = { 0 };
	struct nst_err err = { 0 };
	int lock = -1;
	int rc = cmd_kernel_init("up");
	if (rc || (rc = cmd_preflight(want)))
		goto out;
	if ((lock = lock_lab(want->name, &err)) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if ((rc = cmd_observe(want->name, want, &have, &kv)))
		goto out;
	/* Before anything is made: the lab's namespaces share the host's neighbour tables. */
	cmd_neigh_warn(want);
	if (dry)
		cmd_neigh_drift(want, true); /* the host's sizes up would raise */
	else if ((rc = cmd_neigh_raise(want)))
		goto out;
	plan_build(&plan, want, have);
	apply_where(&plan, want->name);
	if (plan.n && dry) {
		plan_print(stdout, &plan, cmd_color(stdout));
		goto out;
	}
	size_t exec_failed = 0;
	struct apply_opts ao = { .log = verbose ? stdout : NULL, .color = cmd_color(stdout),
				 .exec_failed = &exec_failed };
	if (plan.n && apply_plan(&plan, want, want->name, &kv, &ao, &err) < 0) {
		rc = cmd_fail(&err);
		fprintf(stderr, "nstopo: lab %s is partly done: run `nstopo up` again to finish, or "
				"`nstopo down` to remove it\n", want->name);
		goto out;
	}
	/* Up means it carries traffic, and the kernel brings links up in the background: wait for
	 * them, on a lab that was already up too (there it costs one dump per namespace). */
	if (!dry && wait > 0 && apply_wait_ready(want, &kv, (int)(wait * 1000), &err) < 0) {
		if (!err.obj[0])
			nst_err_obj(&err, "lab %s", want->name);
		rc = cmd_fail(&err);
		goto out;
	}
	if (plan.n) {
		char summary[512];
		plan_summary(&plan, summary, sizeof(summary));
		printf("lab %s is up: %s\n", want->name, summary);
		if (exec_failed) {
			/* containerlab goes on past a failing exec line; so does up, but says so. */
			printf("lab %s: %zu exec line%s failed (see the warnings above)\n", want->name,
			       exec_failed, exec_failed == 1 ? "" : "s");
			rc = NST_EXIT_DIFFERS;
		}
	} else {
		printf("lab %s is up to date: nothing to change\n", want->name);
	}
	if (test) {
		lock_release(lock);
		lock = -1;
		fflush(stdout);
		rc = cmd_test_lab(want, junit, false);
	}
out:
	plan_free(&plan);
	kview_free(&kv);
	topo_lab_free(have);
	topo_lab_free(want);
	lock_release(lock);
	return rc;
}
