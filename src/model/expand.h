/* expand.h - the compact file (defaults, groups, node ranges, link patterns, address pools)
 * rewritten as the plain file load_yaml reads, every made node placed at the line that made it. */
#ifndef NSTOPO_EXPAND_H
#define NSTOPO_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "ytree.h"

enum {
	EXPAND_MAX_RANGE = 10000,  /* names in one range, like r[1-10000] */
	EXPAND_MAX_NODES = 300000, /* YAML nodes the expansion may make, over the whole file */
	EXPAND_MAX_WORK = 20000000, /* and steps it may take (well under a second) */
	EXPAND_MAX_BYTES = 32 << 20, /* and bytes of text it may make */
};

/* Rewrites tree->root, a mapping, into the plain form; what it makes lives in the tree's arena
 * and the file's own nodes are never changed (aliases may share them). Errors go to d; returns
 * false when there were any: the tree is then still whole, so the loader can report the rest,
 * except past EXPAND_MAX_NODES, where tree->root is NULL. */
bool expand_tree(struct ytree *tree, const char *file, struct diags *d);

/* The tree as YAML text in a malloc'd, NUL-terminated buffer the caller frees; NULL when
 * libyaml's emitter fails. */
char *expand_emit(const struct ynode *root, size_t *len);

#endif
