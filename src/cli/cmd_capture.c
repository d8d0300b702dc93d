/* cmd_capture.c - `nstopo capture NODE:IF`: tcpdump inside the node's namespaces, pcap to a file
 * or to standard output (for `| wireshark -k -i -`), or tcpdump's own lines on a terminal. */
#include "cmd.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CAPTURE_FAILED = 125, CAPTURE_ARGS_MAX = 64 };

static const char *find_tcpdump(void)
{
	static const char *const paths[] = { "/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/bin/tcpdump",
					     "/sbin/tcpdump", NULL };
	for (size_t i = 0; paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int cmd_capture(int argc, char **argv)
{
	const struct command *self = command_find("capture");
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "lab", required_argument, NULL, 'l' },
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ 0 },
	};
	const char *file = NULL, *lab = NULL, *out = NULL, *count = NULL;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "f:l:w:c:", opts, &status)) > 0) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'l':
			lab = optarg;
			break;
		case 'w':
			out = optarg;
			break;
		case 'c':
			count = optarg;
			if (strspn(count, "0123456789") != strlen(count) || !*count || atol(count) < 1)
				return command_usage_error(self, "-c takes a number of packets");
			break;
		}
	}
	if (c < 0)
		return status;
	if (optind >= argc)
		return command_usage_error(self, "expected NODE:IF, like r1:eth0");
	if (file && lab)
		return command_usage_error(self, "give -f FILE or --lab NAME, not both");
	if (argc - optind - 1 > CAPTURE_ARGS_MAX - 12)
		return command_usage_error(self, "the filter is too long");
	char node[256];
	const char *colon = strchr(argv[optind], ':');
	if (!colon || colon == argv[optind] || (size_t)(colon - argv[optind]) >= sizeof(node))
		return command_usage_error(self, "expected NODE:IF, like r1:eth0, not '%s'", argv[optind]);
	snprintf(node, sizeof(node), "%.*s", (int)(colon - argv[optind]), argv[optind]);
	const char *ifname = colon + 1;
	if (!validate_node_name(node))
		return command_usage_error(self, "invalid node name '%s'", node);
	if (!*ifname || strlen(ifname) > 15 || strpbrk(ifname, "/: \t\n"))
		return command_usage_error(self, "invalid interface name '%s'", ifname);
	const char *tcpdump = find_tcpdump();
	if (!tcpdump) {
		fprintf(stderr, "nstopo capture: needs tcpdump, which is not installed (Debian: "
				"apt-get install tcpdump)\n");
		return NST_EXIT_SYSTEM;
	}
	if (cmd_kernel_init("capture"))
		return CAPTURE_FAILED;
	/* The file is opened here, before entering the node, so OUT is a path of the caller's
	 * filesystem, not of the node's mount namespace; tcpdump writes to its standard output. */
	bool pcap = out || !isatty(STDOUT_FILENO);
	if (out && strcmp(out, "-") != 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd < 0) {
			fprintf(stderr, "nstopo capture: %s: %s\n", out, strerror(errno));
			return CAPTURE_FAILED;
		}
		if (dup2(fd, STDOUT_FILENO) < 0) {
			fprintf(stderr, "nstopo capture: %s: %s\n", out, strerror(errno));
			close(fd);
			return CAPTURE_FAILED;
		}
		close(fd);
	}
	char *cmd[CAPTURE_ARGS_MAX];
	size_t n = 0;
	cmd[n++] = (char *)tcpdump;
	cmd[n++] = "-i";
	cmd[n++] = (char *)ifname;
	cmd[n++] = "-n";
	/* tcpdump drops to its own user; it writes only to the stdout it was given. */
	cmd[n++] = "-Z";
	cmd[n++] = "root";
	if (pcap) {
		cmd[n++] = "-U"; /* each packet written as it comes, for a live wireshark */
		cmd[n++] = "-w";
		cmd[n++] = "-";
	} else {
		cmd[n++] = "-l";
	}
	if (count) {
		cmd[n++] = "-c";
		cmd[n++] = (char *)count;
	}
	for (int i = optind + 1; i < argc; i++)
		cmd[n++] = argv[i];
	cmd[n] = NULL;
	return cmd_exec_in_node(file, lab, node, cmd);
}
