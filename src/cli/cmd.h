/* cmd.h - the subcommands (one file each) and the helpers they share for loading a lab file.
 * Each handler parses its own options, calls the rooms below it, prints, and returns the exit code. */
#ifndef NSTOPO_CMD_H
#define NSTOPO_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "topo.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for `nstopo help` */
	const char *usage;   /* the synopsis and options, for `nstopo help NAME` */
};

/* The options every command shares (in its getopt table as CMD_COMMON_OPTS; main takes them
 * before the command too): --name NAME (see cmd_lab_name) and --color[=WHEN]. */
enum { CMD_OPT_NAME = 0x100, CMD_OPT_COLOR };
#define CMD_COMMON_OPTS                                                   \
	{ "name", required_argument, NULL, CMD_OPT_NAME },                \
	{ "color", optional_argument, NULL, CMD_OPT_COLOR },              \
	{ "colour", optional_argument, NULL, CMD_OPT_COLOR }
/* Takes one of them; -1 after printing when its value is bad. */
int cmd_common_opt(int opt, const char *arg);

extern const struct command commands[];
const struct command *command_find(const char *name);
/* Prints the usage of cmd to stderr and returns NST_EXIT_INPUT. */
int command_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Handles -h/--help: prints the usage to stdout. */
void command_print_usage(const struct command *cmd);
/* A command's options, one per call: its own (> 0, optarg set), 0 when they end (optind at
 * the first argument), or -1 when the command returns *status at once (after --help, a bad
 * option, or a bad --name/--color value; each said already). own lists only the command's own
 * options and shorts their letters: --help, --name and --color are taken here. */
struct option;
int cmd_getopt(const struct command *self, int argc, char **argv, const char *shorts,
	       const struct option *own, int *status);
/* Options of a command that takes none but -h/--help: -1 to go on (optind at the first
 * argument), else the exit code to return. */
int command_help_only(const struct command *cmd, int argc, char **argv);

int cmd_validate(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_expand(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_capture(int argc, char **argv);
/* Enters the node (of the file's lab, or lab NAME, or the only running lab with that node) and
 * execs cmd there (the user's shell when cmd is empty; one string with shell characters through
 * /bin/sh -c). Returns only on failure, with exec's status: 125, 126 or 127. */
int cmd_exec_in_node(const char *file, const char *lab, const char *node, char **cmd);
int cmd_test(int argc, char **argv);
/* up keeps the file a lab came from, its nodes and links in the lab's run dir, for list. */
void cmd_list_record(struct topo_lab *want, const char *path);
int cmd_convert(int argc, char **argv);
/* The checks of a loaded lab (or --all-pairs), as `test` runs them; also `up --test`. */
int cmd_test_lab(const struct topo_lab *lab, const char *junit, bool all_pairs);

/* Loads and validates a topology file, printing every input error. Returns the lab, or NULL
 * after printing (the caller exits NST_EXIT_INPUT). */
struct topo_lab *cmd_load_lab(const char *path);
/* The same, leaving the diagnostics in *d (sorted) instead of printing them: validate --json.
 * Returns the lab even when d->n_errors says the file is refused (the diagnostics' file names
 * are the lab's: free it after them), NULL when there is no lab at all. */
struct diags;
struct topo_lab *cmd_load_lab_diags(const char *path, struct diags *d);
/* --strict (validate, up, diff, test): the file's warnings are errors. */
extern bool cmd_strict;
/* --name NAME of any command that takes a file: the lab runs under that name (its namespaces,
 * markers, tables, run directory), so one file can be up twice. NULL: the file's name. */
extern const char *cmd_lab_name;

struct kview;
struct nst_err;
/* Starts kernel work: checks for root, opens the home namespace. Prints and returns an exit code
 * on failure, 0 when all is well. */
int cmd_kernel_init(const char *cmd);
/* Observes a lab and prints every collision with a foreign object (exit NST_EXIT_SYSTEM). */
int cmd_observe(const char *lab, struct topo_lab *want, struct topo_lab **have, struct kview *kv);
/* Checks that the programs the lab's daemons need are installed; prints and returns
 * NST_EXIT_SYSTEM when one is missing. */
int cmd_preflight(const struct topo_lab *want);
/* The qdiscs the file's impairments need (cmd_link.c): prints FILE:LINE:COL and the missing
 * module and returns NST_EXIT_SYSTEM when this kernel cannot make them, else 0. */
int cmd_impair_preflight(const struct topo_lab *want);
/* `nstopo link`. */
int cmd_link(int argc, char **argv);
struct plan;
/* up and down --json: the plan applied, with result ("up", "up to date", "down", ...). */
int print_plan_json(const struct plan *plan, const char *lab, const char *result);
/* An uplink whose host_interface the machine does not have: a warning at up (an error with
 * --strict: returns NST_EXIT_INPUT), else 0. Known only on the machine, so validate cannot. */
int cmd_uplink_check(const struct topo_lab *want);
/* Prints err and returns its exit status. */
int cmd_fail(const struct nst_err *err);
/* The host's neighbour tables (cmd_neigh.c): warns on stderr when the lab may need more entries
 * than the host keeps (after the file's `sysctl:` under host); raises the keys the file asks for
 * (never lowers one); puts the values found before back at the last lab's down; diff's drift
 * lines (printed when print), how many keys are lower than the file asks. The two that change
 * the kernel print and return an exit code on failure, else 0. */
void cmd_neigh_warn(const struct topo_lab *want);
int cmd_neigh_raise(const struct topo_lab *want);
int cmd_neigh_restore(const char *lab);
size_t cmd_neigh_drift(const struct topo_lab *want, bool print);
/* validate's part, from the file alone: a gc_thresh3 the file sets below the lab's estimate. */
void cmd_neigh_warn_file(const struct topo_lab *want);
/* --color=auto (the default): colours only on a terminal that can show them, and never with
 * NO_COLOR set; always and never override both. */
bool cmd_color(FILE *f);

#endif
