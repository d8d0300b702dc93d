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

extern const struct command commands[];
const struct command *command_find(const char *name);
/* Prints the usage of cmd to stderr and returns NST_EXIT_INPUT. */
int command_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Handles -h/--help: prints the usage to stdout. */
void command_print_usage(const struct command *cmd);
/* Options of a command that takes none but -h/--help: -1 to go on (optind at the first
 * argument), else the exit code to return. */
int command_help_only(const struct command *cmd, int argc, char **argv);

int cmd_validate(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_convert(int argc, char **argv);
/* The checks of a loaded lab (or --all-pairs), as `test` runs them; also `up --test`. */
int cmd_test_lab(const struct topo_lab *lab, const char *junit, bool all_pairs);

/* Loads and validates a topology file, printing every input error. Returns the lab, or NULL
 * after printing (the caller exits NST_EXIT_INPUT). */
struct topo_lab *cmd_load_lab(const char *path);

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
/* Colours only on a terminal that can show them, and never with NO_COLOR set. */
bool cmd_color(FILE *f);

#endif
