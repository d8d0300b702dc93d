/* clab.h - containerlab topology files: recognised, expanded, checked at their own positions and
 * turned into nstopo's YAML, which load_yaml then reads (so `up` and `convert` share one path). */
#ifndef NSTOPO_CLAB_H
#define NSTOPO_CLAB_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "topo.h"

/* Where each line of the converted text came from in the containerlab file. */
struct clab_map {
	struct srcloc *lines; /* index: line - 1 */
	size_t n;
};

/* A containerlab file: named *.clab.yml / *.clab.yaml, or with a top-level `topology:` key. */
bool clab_detect(const char *path, const char *buf);

/* The native YAML text for a containerlab file (malloc'd, with a comment on each thing mapped
 * approximately or ignored), or NULL when d got errors; map (may be NULL) gets the line map,
 * owned by ar. */
char *clab_convert(const char *path, const char *buf, size_t len, struct diags *d,
		   struct arena *ar, struct clab_map *map);

/* load_yaml_buf over the converted text, with every diagnostic at the containerlab file's
 * position. The lab keeps the line map (lab->clab). */
struct topo_lab *clab_load_buf(const char *path, const char *buf, size_t len, struct diags *d);

/* Diagnostics d->v[from..] that name lines of the converted text are moved to the containerlab
 * file's lines they came from. */
void clab_remap(const struct topo_lab *lab, struct diags *d, size_t from);

#endif
