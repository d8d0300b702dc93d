/* cmd_up.c - `nstopo up FILE`: make the kernel match the file (create, change, remove), or
 * report that it already does, then wait until every link is up. A second `up` changes nothing. */
#include "apply.h"
#include "cmd.h"
#include "json_out.h"
#include "progress.h"
#include "lock.h"
#include "observe.h"
#include "plan.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* How long `up` waits for the links by default: they come up within microseconds on an idle
 * machine and within 1 to 3 s for 1000 ports on one bridge; the rest is room for a busy one. */
#define UP_WAIT_SECONDS 10.0

/* The plan up applied (or would apply, or down did): json_plan with the outcome. */
int print_plan_json(const struct plan *plan, const char *lab, const char *result)
{
	struct json_object *doc = json_plan(plan, lab);
	jset(doc, "result", jstr(result));
	return json_print(doc);
}

int cmd_up(int argc, char **argv)
{
	const struct command *self = command_find("up");
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "test", no_argument, NULL, 't' },
		{ "junit", required_argument, NULL, 'U' },
		{ "wait", required_argument, NULL, 'w' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 'S' },
		{ 0 },
	};
	bool dry = false, verbose = false, test = false, json = false;
	const char *junit = NULL;
	double wait = UP_WAIT_SECONDS;
	char *end;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "nvj", opts, &status)) > 0) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'S':
			cmd_strict = true;
			break;
		case 't':
			test = true;
			break;
		case 'U':
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
		}
	}
	if (c < 0)
		return status;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	if (json && test)
		return command_usage_error(self, "--json does not go with --test (run nstopo test --json)");
	struct topo_lab *want = cmd_load_lab(argv[optind]);
	if (!want)
		return NST_EXIT_INPUT;
	struct topo_lab *have = NULL;
	struct kview *kv = kview_new();
	struct plan plan = { 0 };
	struct nst_err err = { 0 };
	int lock = -1;
	int rc = cmd_kernel_init("up");
	if (rc || (rc = cmd_preflight(want)) || (rc = cmd_uplink_check(want)))
		goto out;
	if ((lock = lock_lab(want->name, &err)) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if ((rc = cmd_observe(want->name, want, &have, kv)))
		goto out;
	/* Before anything is made: the lab's namespaces share the host's neighbour tables. */
	cmd_neigh_warn(want);
	if (dry)
		cmd_neigh_drift(want, true); /* the host's sizes up would raise */
	else if ((rc = cmd_neigh_raise(want)))
		goto out;
	plan_build(&plan, want, have);
	apply_where(&plan, want->name);
	if (dry && json) {
		rc = print_plan_json(&plan, want->name, plan.n ? "would change" : "up to date");
		goto out;
	}
	if (plan.n && dry) {
		plan_print(stdout, &plan, cmd_color(stdout));
		goto out;
	}
	size_t exec_failed = 0;
	struct apply_opts ao = { .log = verbose && !json ? stdout : NULL, .color = cmd_color(stdout),
				 .progress = progress_action, .exec_failed = &exec_failed };
	progress_begin("up", want->name, !verbose && !json);
	if (plan.n && apply_plan(&plan, want, want->name, kv, &ao, &err) < 0) {
		progress_end();
		int sig = progress_stop();
		rc = sig ? 128 + sig : cmd_fail(&err);
		if (sig)
			fprintf(stderr, "nstopo: interrupted (%s): %s\n", sig == SIGINT ? "Ctrl-C" : "SIGTERM",
				err.msg);
		fprintf(stderr, "nstopo: lab %s is partly done: run `nstopo up %s%s%s%s` again to finish, "
				"or `nstopo down --lab %s` to remove it\n", want->name,
			cmd_lab_name ? "--name " : "", cmd_lab_name ? cmd_lab_name : "",
			cmd_lab_name ? " " : "", argv[optind], want->name);
		goto out;
	}
	if (!dry)
		cmd_list_record(want, argv[optind]);
	/* Up means it carries traffic, and the kernel brings links up in the background: wait for
	 * them, on a lab that was already up too (there it costs one dump per namespace). */
	progress_phase("waiting for the links to come up");
	int ready = dry || wait <= 0 ? 0 : apply_wait_ready(want, kv, (int)(wait * 1000), &err);
	progress_end();
	if (ready < 0) {
		if (!err.obj[0])
			nst_err_obj(&err, "lab %s", want->name);
		rc = cmd_fail(&err);
		goto out;
	}
	if (json) {
		rc = print_plan_json(&plan, want->name, plan.n ? "up" : "up to date");
	} else if (plan.n) {
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
	if (exec_failed && json && !rc)
		rc = NST_EXIT_DIFFERS;
	if (test) {
		lock_release(lock);
		lock = -1;
		fflush(stdout);
		rc = cmd_test_lab(want, junit, false);
	}
out:
	plan_free(&plan);
	kview_free(kv);
	topo_lab_free(have);
	topo_lab_free(want);
	lock_release(lock);
	return rc;
}
