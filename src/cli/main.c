/* main.c - the subcommand table, `help` and `--version`; everything else is in cmd_*.c. */
#include "cmd.h"
#include "err.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef NSTOPO_VERSION
#define NSTOPO_VERSION "0.0.0"
#endif

static int cmd_help(int argc, char **argv);

const struct command commands[] = {
	{ "up", cmd_up, "create the lab, or bring it in line with the file",
	  "nstopo up [-n|--dry-run] [-v|--verbose] [--no-wait|--wait SECONDS] [--test [--junit OUT]] FILE\n"
	  "  -n, --dry-run  print what would change and change nothing\n"
	  "  -v, --verbose  print each change as it is made\n"
	  "  --wait SECONDS return when every link is up, failing after SECONDS (default 10)\n"
	  "  --no-wait      return without waiting for the links to come up\n"
	  "  --test         then run the file's tests: (exit 3 if up failed, else as test)\n" },
	{ "down", cmd_down, "remove everything the lab made",
	  "nstopo down [-v] FILE\n"
	  "       nstopo down [-v] --lab NAME   (the file may be gone or edited)\n" },
	{ "diff", cmd_diff, "show how the running lab differs from the file (exit 1 if it does)",
	  "nstopo diff [--json] FILE\n" },
	{ "exec", cmd_exec, "run a command inside a node (its own exit status)",
	  "nstopo exec [-f FILE | --lab NAME] NODE [CMD [ARGS...]]\n"
	  "  without CMD, starts your shell in the node; exit 125 when nstopo itself fails,\n"
	  "  126 when CMD cannot run, 127 when it is not found\n" },
	{ "test", cmd_test, "run the file's tests: against the running lab (TAP; exit 1 if one fails)",
	  "nstopo test [--junit OUT] FILE\n"
	  "       nstopo test --all-pairs [--json] FILE\n"
	  "  --junit OUT    also write the results as JUnit XML to OUT\n"
	  "  --all-pairs    every node pings every other node's addresses (of the families it has\n"
	  "                 an address in); prints a matrix, or with --json every ping\n" },
	{ "list", cmd_list, "list the running labs and their nodes", "nstopo list\n" },
	{ "validate", cmd_validate, "check a topology file; prints nothing when it is valid",
	  "nstopo validate FILE\n" },
	{ "graph", cmd_graph, "print the lab as a Graphviz DOT graph",
	  "nstopo graph FILE\n"
	  "  draw it with: nstopo graph FILE | dot -Tsvg > lab.svg\n" },
	{ "convert", cmd_convert, "print a containerlab topology file as an nstopo lab file",
	  "nstopo convert FILE\n" },
	{ "help", cmd_help, "show the commands, or one command's usage", "nstopo help [COMMAND]\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void command_print_usage(const struct command *cmd)
{
	printf("usage: %s", cmd->usage);
}

int command_help_only(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	optind = 1;
	int c = getopt_long(argc, argv, "+h", opts, NULL);
	if (c == -1)
		return -1;
	if (c == 'h') {
		command_print_usage(cmd);
		return NST_EXIT_OK;
	}
	return command_usage_error(cmd, "unknown option");
}

int command_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "nstopo %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s", cmd->usage);
	return NST_EXIT_INPUT;
}

static void print_overview(FILE *out)
{
	fputs("usage: nstopo COMMAND [ARGS...]\n"
	      "       nstopo help COMMAND | --help | --version\n\n"
	      "Network labs of Linux namespaces, from a YAML topology file.\n\ncommands:\n",
	      out);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-9s %s\n", c->name, c->summary);
	fputs("\nexit status: 0 done, 1 differs or a check failed, 2 bad input or usage,\n"
	      "3 the system refused. See nstopo(1).\n",
	      out);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stdout);
		return NST_EXIT_OK;
	}
	const struct command *c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "nstopo help: no command '%s'\n", argv[1]);
		return NST_EXIT_INPUT;
	}
	printf("nstopo %s: %s\n\nusage: %s", c->name, c->summary, c->usage);
	return NST_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stderr);
		return NST_EXIT_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_overview(stdout);
		return NST_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("nstopo %s\n", NSTOPO_VERSION);
		return NST_EXIT_OK;
	}
	const struct command *c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "nstopo: unknown command '%s' (see nstopo --help)\n", argv[1]);
		return NST_EXIT_INPUT;
	}
	return c->run(argc - 1, argv + 1);
}
