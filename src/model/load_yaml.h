/* load_yaml.h - a topology file to the lab model, each problem reported at its FILE:LINE:COL.
 * Checks shapes and values of single keys; validate.c checks how the objects fit together. */
#ifndef NSTOPO_LOAD_YAML_H
#define NSTOPO_LOAD_YAML_H

#include <stddef.h>

#include "err.h"
#include "topo.h"

enum { LOAD_YAML_MAX_BYTES = 8 << 20 };

/* Returns the lab (possibly partial when d holds errors), or NULL when the file could not be read
 * or parsed as YAML at all. The caller owns the lab. */
struct topo_lab *load_yaml_file(const char *path, struct diags *d);
struct topo_lab *load_yaml_buf(const char *file, const char *buf, size_t len, struct diags *d);

/* Splits a command line into words as a shell would (quotes, backslashes), without running a
 * shell; returns the offset of an unterminated quote, or -1 when all is well. argv is
 * NULL-terminated and owned by the arena. */
long load_yaml_split_words(struct arena *a, const char *s, char ***argv, size_t *argc);

/* Distance between two short words, for "did you mean" suggestions. */
size_t load_yaml_edit_distance(const char *a, const char *b);

#endif
