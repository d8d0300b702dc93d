/* cmd_expand.c - `nstopo expand FILE`: the file with defaults, groups, ranges, link patterns and
 * address pools written out, as `up` builds it; only a file that validates is printed. */
#include "cmd.h"
#include "err.h"
#include "expand.h"
#include "load_yaml.h"
#include "ytree.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The file as cmd_load_lab has just read it (so it is a regular file within the size bound). */
static char *read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		goto fail;
	buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > LOAD_YAML_MAX_BYTES) {
				errno = EFBIG;
				goto fail;
			}
			buf = xrealloc(buf, cap *= 2);
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	fprintf(stderr, "nstopo expand: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

int cmd_expand(int argc, char **argv)
{
	const struct command *self = command_find("expand");
	int rc = command_help_only(self, argc, argv);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	const char *path = argv[optind];
	struct topo_lab *lab = cmd_load_lab(path);
	if (!lab)
		return NST_EXIT_INPUT;
	topo_lab_free(lab);
	struct diags d = { 0 };
	struct ytree tree = { 0 };
	char *text = NULL;
	size_t len, out_len;
	char *buf = read_file(path, &len);
	rc = NST_EXIT_SYSTEM;
	if (!buf)
		goto out;
	/* The same steps as the load above, which found no error; the file may have changed since */
	if (!ytree_parse(&tree, path, buf, len, &d) || !expand_tree(&tree, path, &d) || !tree.root) {
		diags_sort(&d);
		diags_print(stderr, &d);
		rc = NST_EXIT_INPUT;
		goto out;
	}
	text = expand_emit(tree.root, &out_len);
	if (!text) {
		fprintf(stderr, "nstopo expand: the YAML writer failed\n");
		goto out;
	}
	rc = fwrite(text, 1, out_len, stdout) == out_len && fflush(stdout) == 0 ? NST_EXIT_OK
										 : NST_EXIT_SYSTEM;
out:
	free(text);
	free(buf);
	ytree_free(&tree);
	diags_free(&d);
	return rc;
}
