/* ytree.h - a YAML document read with libyaml's event API into a small tree of scalars,
 * sequences and mappings, with positions, bounded depth and bounded alias expansion. */
#ifndef NSTOPO_YTREE_H
#define NSTOPO_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

enum ynode_type { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ynode_type type;
	uint32_t line, col; /* 1-based */
	bool plain;         /* scalar written without quotes or block style */
	bool quoted;        /* scalar in single or double quotes */
	bool complete;      /* its end event was seen (aliases to it are then allowed) */
	char *value;        /* scalar, NUL-terminated (a NUL inside is reported by ytree_parse) */
	size_t len;
	struct ynode **items; /* sequence items; mapping: key, value, key, value, ... */
	size_t n, cap;        /* entries in items (a mapping has n/2 pairs) */
	uint64_t weight;      /* nodes in the fully expanded subtree */
};

enum {
	YTREE_MAX_DEPTH = 64,
	YTREE_MAX_EXPANDED = 1000000, /* nodes after alias expansion */
};

struct ytree {
	struct arena arena;
	struct ynode *root; /* NULL for an empty document */
};

/* Parses buf (len bytes) into tree. Errors go to d with file as their file name; returns false
 * when there were any. The tree may be partial then and must still be freed. */
bool ytree_parse(struct ytree *tree, const char *file, const char *buf, size_t len, struct diags *d);
void ytree_free(struct ytree *tree);

/* The value of key in a mapping, or NULL. Merge keys (<<) are already folded in. */
struct ynode *ytree_map_get(const struct ynode *map, const char *key);
/* A plain scalar that YAML reads as null: empty, "~" or "null". */
bool ytree_is_null(const struct ynode *n);

#endif
