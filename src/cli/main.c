/* main.c - the subcommand table, `help` and `--version`; everything else is in cmd_*.c. */
#include "cmd.h"
#include "err.h"
#include "load_yaml.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#ifndef NSTOPO_VERSION
#define NSTOPO_VERSION "0.0.0"
#endif

static int cmd_help(int argc, char **argv);
static int cmd_completion(int argc, char **argv);

const struct command commands[] = {
	{ "up", cmd_up, "create the lab, or bring it in line with the file",
	  "nstopo up [-n|--dry-run] [-v|--verbose] [--no-wait|--wait SECONDS] [--test [--junit OUT]] FILE\n"
	  "  -j, --json     print the plan applied as JSON (docs/json.md)\n"
	  "  --strict       the file's warnings are errors\n"
	  "  -n, --dry-run  print what would change and change nothing\n"
	  "  -v, --verbose  print each change as it is made\n"
	  "  --wait SECONDS return when every link is up, failing after SECONDS (default 10)\n"
	  "  --no-wait      return without waiting for the links to come up\n"
	  "  --test         then run the file's tests: (exit 3 if up failed, else as test)\n" },
	{ "down", cmd_down, "remove everything the lab made",
	  "nstopo down [-v] [-j|--json] FILE\n"
	  "       nstopo down [-v] [-j|--json] --lab NAME   (the file may be gone or edited)\n" },
	{ "diff", cmd_diff, "show how the running lab differs from the file (exit 1 if it does)",
	  "nstopo diff [-j|--json] [--strict] FILE\n" },
	{ "exec", cmd_exec, "run a command inside a node (its own exit status)",
	  "nstopo exec [-f FILE | --lab NAME] NODE [-f FILE | --lab NAME] [--] [CMD [ARGS...]]\n"
	  "       nstopo exec [-f FILE | --lab NAME] NODE,NODE...|--all|--group G CMD [ARGS...]\n"
	  "  -f, --file FILE  the node of this file's lab\n"
	  "  -l, --lab NAME   the node of the running lab NAME\n"
	  "  -a, --all      every node of the lab; on several nodes each output line starts\n"
	  "                 with its node's name, and the status is the last failure's\n"
	  "  -g, --group G  every node of the lab in group G (the file's group:), as --all\n"
	  "  one CMD string with spaces or shell characters runs as /bin/sh -c CMD;\n"
	  "  without CMD, starts your shell in the node; exit 125 when nstopo itself fails,\n"
	  "  126 when CMD cannot run, 127 when it is not found\n" },
	{ "test", cmd_test, "run the file's tests: against the running lab (TAP; exit 1 if one fails)",
	  "nstopo test [--junit OUT] [-j|--json] [--strict] FILE\n"
	  "       nstopo test --all-pairs [-j|--json] FILE\n"
	  "  -j, --json     the results as one JSON document instead of TAP\n"
	  "  --junit OUT    also write the results as JUnit XML to OUT\n"
	  "  --all-pairs    every node pings every other node's addresses (of the families it has\n"
	  "                 an address in); prints a matrix, or with --json every ping\n" },
	{ "link", cmd_link, "take a link down or up, or impair one end of it, on a running lab",
	  "nstopo link [-f FILE | --lab NAME] NODE:IF down|up|reset\n"
	  "       nstopo link [-f FILE | --lab NAME] NODE:IF KEY VALUE [KEY VALUE...]\n"
	  "  down, up   both ends of the link lose or get back their carrier (a pulled cable)\n"
	  "  KEY VALUE  that end's egress: delay 40ms, jitter 5ms, loss 1%, corrupt 0.1%,\n"
	  "             duplicate 1%, reorder 25%, rate 10mbit, limit 1000 (0 clears a key)\n"
	  "  reset      that end's impairments as the file says (-f), else none\n"
	  "  `nstopo diff` shows what this changed from the file; `nstopo up` puts it back\n" },
	{ "capture", cmd_capture, "capture packets on a node's interface (tcpdump in the node)",
	  "nstopo capture [-f FILE | --lab NAME] [-w OUT] [-c COUNT] NODE:IF [FILTER...]\n"
	  "  -w OUT         write pcap to OUT (- for standard output); without -w, pcap goes to\n"
	  "                 standard output when it is not a terminal (nstopo capture r1:eth0 |\n"
	  "                 wireshark -k -i -), else tcpdump prints each packet\n"
	  "  -c COUNT       stop after COUNT packets (else at Ctrl-C)\n"
	  "  FILTER         a tcpdump filter expression, like icmp or tcp port 80\n" },
	{ "list", cmd_list, "list the running labs and their nodes", "nstopo list [-j|--json]\n" },
	{ "validate", cmd_validate, "check a topology file; prints nothing when it is valid",
	  "nstopo validate [-j|--json] [--strict] FILE\n"
	  "  -j, --json     every diagnostic as a JSON object (file, line, col, severity, message)\n"
	  "  --strict       warnings are errors (exit 2)\n" },
	{ "graph", cmd_graph, "print the lab as a Graphviz DOT graph",
	  "nstopo graph [-j|--json] FILE\n"
	  "  draw it with: nstopo graph FILE | dot -Tsvg > lab.svg\n" },
	{ "expand", cmd_expand, "print the file with defaults, groups, ranges and addresses written out",
	  "nstopo expand FILE\n" },
	{ "convert", cmd_convert, "print a containerlab topology file as an nstopo lab file",
	  "nstopo convert FILE\n" },
	{ "help", cmd_help, "show the commands, or one command's usage", "nstopo help [COMMAND]\n" },
	{ "completion", cmd_completion, "print the shell completion script",
	  "nstopo completion bash|zsh|fish\n" },
	{ NULL, NULL, NULL, NULL },
};

/* Left out of `nstopo help` and of completion: the plumbing for packagers. */
static bool hidden(const struct command *c)
{
	return strcmp(c->name, "completion") == 0;
}

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

int cmd_getopt(const struct command *self, int argc, char **argv, const char *shorts,
	       const struct option *own, int *status)
{
	static const struct option shared[] = { { "help", no_argument, NULL, 'h' }, CMD_COMMON_OPTS };
	enum { MAX = 40 };
	static struct option all[MAX + sizeof(shared) / sizeof(shared[0]) + 1];
	static char letters[2 * MAX + 3];
	static const struct option *built;
	if (built != own) { /* a command's first call: its table, then the shared ones */
		size_t n = 0;
		for (; own && own[n].name; n++) {
			if (n == MAX)
				abort(); /* a command with more options than this: raise MAX */
			all[n] = own[n];
		}
		memcpy(all + n, shared, sizeof(shared));
		memset(all + n + sizeof(shared) / sizeof(shared[0]), 0, sizeof(all[0]));
		snprintf(letters, sizeof(letters), "+%sh", shorts);
		built = own;
		optind = 1;
	}
	for (;;) {
		int c = getopt_long(argc, argv, letters, all, NULL);
		switch (c) {
		case -1:
			return 0;
		case CMD_OPT_NAME:
		case CMD_OPT_COLOR:
			if (cmd_common_opt(c, optarg) == 0)
				continue;
			*status = NST_EXIT_INPUT;
			return -1;
		case 'h':
			command_print_usage(self);
			*status = NST_EXIT_OK;
			return -1;
		case '?':
		case ':':
			*status = command_usage_error(self, "unknown option");
			return -1;
		default:
			return c;
		}
	}
}

int command_help_only(const struct command *cmd, int argc, char **argv)
{
	static const struct option none[] = { { 0 } };
	int status;
	return cmd_getopt(cmd, argc, argv, "", none, &status) < 0 ? status : -1;
}

int command_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	/* "unknown option": getopt has said which, in one line already. */
	if (strcmp(fmt, "unknown option") != 0) {
		fprintf(stderr, "nstopo %s: ", cmd->name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: %s", cmd->usage);
	return NST_EXIT_INPUT;
}

static void print_overview(FILE *out)
{
	fputs("usage: nstopo COMMAND [ARGS...]\n"
	      "       nstopo help COMMAND | --help | --version\n\n"
	      "Network labs of Linux namespaces, from a YAML topology file.\n\ncommands:\n",
	      out);
	for (const struct command *c = commands; c->name; c++)
		if (!hidden(c))
			fprintf(out, "  %-9s %s\n", c->name, c->summary);
	fputs("\noptions of every command: --color=auto|always|never (NO_COLOR is honoured);\n"
	      "--name NAME runs a file as a lab of that name.\n"
	      "\nexit status: 0 done, 1 differs or a check failed, 2 bad input or usage,\n"
	      "3 the system refused. See nstopo(1).\n",
	      out);
}

/* " (did you mean 'up'?)" for a near miss of a command's name, else "". */
static const char *suggest(const char *word)
{
	static char buf[128];
	const struct command *best = NULL;
	size_t best_d = 3; /* at most two edits: "upp", "lsit", "vaildate" */
	for (const struct command *c = commands; c->name; c++) {
		size_t d = load_yaml_edit_distance(word, c->name);
		if (!hidden(c) && d < best_d) {
			best = c;
			best_d = d;
		}
	}
	if (!best || best_d * 3 > strlen(best->name) + 2)
		return "";
	snprintf(buf, sizeof(buf), " (did you mean '%s'?)", best->name);
	return buf;
}

static int cmd_help(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("nstopo help: %s\n\nusage: %s", command_find("help")->summary,
		       command_find("help")->usage);
		return NST_EXIT_OK;
	}
	if (argc < 2) {
		print_overview(stdout);
		return NST_EXIT_OK;
	}
	const struct command *c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "nstopo help: no command '%s'%s\n", argv[1], suggest(argv[1]));
		return NST_EXIT_INPUT;
	}
	printf("nstopo %s: %s\n\nusage: %s", c->name, c->summary, c->usage);
	return NST_EXIT_OK;
}

int main(int argc, char **argv)
{
	/* Options before the command that every command shares: --color and --name. */
	while (argc >= 2 && strncmp(argv[1], "--", 2) == 0 && argv[1][2]) {
		const char *v = NULL;
		if (strncmp(argv[1], "--name", 6) == 0 && (argv[1][6] == '=' || !argv[1][6])) {
			v = argv[1][6] ? argv[1] + 7 : argc > 2 ? argv[2] : NULL;
			if (!v) {
				fputs("nstopo: --name needs a lab name\n", stderr);
				return NST_EXIT_INPUT;
			}
			cmd_common_opt(CMD_OPT_NAME, v);
		} else if (strncmp(argv[1], "--color", 7) == 0 && (argv[1][7] == '=' || !argv[1][7])) {
			if (cmd_common_opt(CMD_OPT_COLOR, argv[1][7] ? argv[1] + 8 : NULL) < 0)
				return NST_EXIT_INPUT;
		} else {
			break;
		}
		int used = !v || argv[1][6] ? 1 : 2;
		argc -= used;
		argv += used;
		argv[0] = "nstopo";
	}
	nst_err_color = cmd_color(stderr);
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
		const char *hint = suggest(argv[1]);
		fprintf(stderr, "nstopo: unknown command '%s'%s\n", argv[1],
			*hint ? hint : " (see nstopo --help)");
		return NST_EXIT_INPUT;
	}
	/* getopt names a bad option in its message, prefixed with argv[0]: "nstopo up: unrecognized
	 * option '--foo'" is then the one error line, and the command adds only its usage. */
	static char prog[64];
	snprintf(prog, sizeof(prog), "nstopo %s", c->name);
	argv[1] = prog;
	return c->run(argc - 1, argv + 1);
}

/* An option in a usage text is where the synopsis or an option list puts one: after [ or |,
 * after "] ", "| " or ", ", or first on an indented line; never inside an example command. */
static bool option_start(const char *text, const char *p)
{
	if (p == text)
		return false;
	if (p[-1] == '[' || p[-1] == '|')
		return true;
	if (p[-1] != ' ' || p - text < 2)
		return false;
	if (p[-2] == ']' || p[-2] == '|' || p[-2] == ',')
		return true;
	const char *q = p - 1;
	while (q > text && *q == ' ')
		q--;
	return *q == '\n';
}

/* The completion scripts are made here from the command table and each command's usage text
 * (its --long and -s options), so a command added as a row is completed with no other change. */
static void usage_options(const struct command *c, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (const char *p = c->usage; *p; p++) {
		if (*p != '-' || !option_start(c->usage, p))
			continue;
		const char *q = p + 1;
		if (*q == '-')
			q++;
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
			continue;
		const char *e = q;
		while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || *e == '-')
			e++;
		if (q == p + 1 && e - q != 1)
			continue; /* -xyz is not an option of ours */
		char word[64];
		snprintf(word, sizeof(word), "%.*s", (int)(e - p), p);
		if (strstr(out, word) && (strstr(out, word)[strlen(word)] == ' '))
			continue;
		o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s ", word);
		p = e - 1;
	}
	if (o >= len)
		out[len - 1] = '\0';
	o = strlen(out);
	snprintf(out + o, len - o, "--help --color --name");
}

static void completion_bash(void)
{
	char opts[1024];
	puts("# bash completion for nstopo, made by `nstopo completion bash`\n"
	     "_nstopo() {\n"
	     "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}\n"
	     "\tif [ \"$COMP_CWORD\" -eq 1 ]; then");
	fputs("\t\tCOMPREPLY=($(compgen -W '", stdout);
	for (const struct command *c = commands; c->name; c++)
		if (!hidden(c))
			printf("%s ", c->name);
	puts("--help --version' -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase $cmd in");
	for (const struct command *c = commands; c->name; c++) {
		if (hidden(c))
			continue;
		usage_options(c, opts, sizeof(opts));
		if (strcmp(c->name, "help") == 0)
			fputs("\thelp) COMPREPLY=($(compgen -W '", stdout);
		else
			printf("\t%s) [[ $cur == -* ]] && COMPREPLY=($(compgen -W '%s", c->name, opts);
		if (strcmp(c->name, "help") == 0) {
			for (const struct command *h = commands; h->name; h++)
				if (!hidden(h))
					printf("%s ", h->name);
		}
		puts("' -- \"$cur\")) ;;");
	}
	puts("\tesac\n"
	     "\t[ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	     "}\n"
	     "complete -o filenames -F _nstopo nstopo");
}

static void completion_zsh(void)
{
	char opts[1024];
	puts("#compdef nstopo\n# zsh completion for nstopo, made by `nstopo completion zsh`\n"
	     "_nstopo() {\n"
	     "\tlocal -a cmds\n"
	     "\tcmds=(");
	for (const struct command *c = commands; c->name; c++)
		if (!hidden(c)) {
			printf("\t\t'%s:", c->name);
			for (const char *p = c->summary; *p; p++)
				fputs(*p == '\'' ? "'\\''" : *p == ':' ? "\\:" : (char[]){ *p, 0 }, stdout);
			puts("'");
		}
	puts("\t)\n"
	     "\tif (( CURRENT == 2 )); then\n"
	     "\t\t_describe command cmds\n"
	     "\t\treturn\n"
	     "\tfi\n"
	     "\tcase $words[2] in");
	for (const struct command *c = commands; c->name; c++) {
		if (hidden(c))
			continue;
		if (strcmp(c->name, "help") == 0) {
			puts("\thelp) _describe command cmds ;;");
			continue;
		}
		usage_options(c, opts, sizeof(opts));
		printf("\t%s) if [[ $PREFIX == -* ]]; then compadd -- %s; else _files; fi ;;\n",
		       c->name, opts);
	}
	puts("\tesac\n}\n"
	     "# Autoloaded from fpath: complete now; sourced: register.\n"
	     "if [ \"$funcstack[1]\" = _nstopo ]; then _nstopo \"$@\"; else compdef _nstopo nstopo; fi");
}

static void completion_fish(void)
{
	char opts[1024];
	puts("# fish completion for nstopo, made by `nstopo completion fish`\n"
	     "complete -c nstopo -f");
	for (const struct command *c = commands; c->name; c++) {
		if (hidden(c))
			continue;
		printf("complete -c nstopo -n __fish_use_subcommand -a %s -d '", c->name);
		for (const char *p = c->summary; *p; p++)
			fputs(*p == '\'' ? "\\'" : (char[]){ *p, 0 }, stdout);
		puts("'");
		if (strcmp(c->name, "help") == 0)
			continue;
		usage_options(c, opts, sizeof(opts));
		printf("complete -c nstopo -n '__fish_seen_subcommand_from %s' -F\n", c->name);
		for (char *w = strtok(opts, " "); w; w = strtok(NULL, " "))
			printf("complete -c nstopo -n '__fish_seen_subcommand_from %s' -%s %s\n", c->name,
			       w[1] == '-' ? "l" : "s", w + (w[1] == '-' ? 2 : 1));
	}
}

static int cmd_completion(int argc, char **argv)
{
	const struct command *self = command_find("completion");
	if (argc != 2)
		return command_usage_error(self, "expected a shell: bash, zsh or fish");
	if (strcmp(argv[1], "bash") == 0)
		completion_bash();
	else if (strcmp(argv[1], "zsh") == 0)
		completion_zsh();
	else if (strcmp(argv[1], "fish") == 0)
		completion_fish();
	else
		return command_usage_error(self, "no completion for '%s' (bash, zsh or fish)", argv[1]);
	return NST_EXIT_OK;
}
