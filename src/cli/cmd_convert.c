/* cmd_convert.c - `nstopo convert FILE`: a containerlab topology file as nstopo's own YAML on
 * stdout, with a comment on each thing mapped approximately or ignored; warnings on stderr. */
#include "cmd.h"
#include "clab.h"
#include "err.h"
#include "load_yaml.h"
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_all(const char *path, size_t *len)
{
	char *buf = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > LOAD_YAML_MAX_BYTES)
		goto out;
	buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

int cmd_convert(int argc, char **argv)
{
	const struct command *self = command_find("convert");
	int rc = command_help_only(self, argc, argv);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one containerlab topology file");
	const char *path = argv[optind];
	size_t len = 0;
	char *buf = read_all(path, &len);
	if (!buf) {
		fprintf(stderr, "nstopo convert: cannot read %s (a regular file of at most %d MiB)\n",
			path, LOAD_YAML_MAX_BYTES >> 20);
		return NST_EXIT_INPUT;
	}
	if (!clab_detect(path, buf)) {
		fprintf(stderr, "nstopo convert: %s is not a containerlab topology file (no top-level "
				"'topology:' key)\n", path);
		free(buf);
		return NST_EXIT_INPUT;
	}
	/* The same path as up: the text is what the loader reads, so it is checked too. */
	struct diags d = { 0 };
	struct arena ar = { 0 };
	char *text = clab_convert(path, buf, len, &d, &ar, NULL);
	struct topo_lab *lab = text ? clab_load_buf(path, buf, len, &d) : NULL;
	if (lab && !d.n_errors) {
		size_t from = d.n;
		validate_lab(lab, &d);
		clab_remap(lab, &d, from);
	}
	diags_sort(&d);
	diags_print(stderr, &d);
	rc = d.n_errors ? NST_EXIT_INPUT : NST_EXIT_OK;
	if (!rc)
		fputs(text, stdout);
	topo_lab_free(lab);
	diags_free(&d);
	arena_free(&ar);
	free(text);
	free(buf);
	return rc;
}
