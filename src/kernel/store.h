/* store.h - the lab's files under /run/nstopo/LAB: what `files:`, `config:` and /etc/hosts lay
 * over each node's own (files/NODE/…), and digests that tell diff whether they still match. */
#ifndef NSTOPO_STORE_H
#define NSTOPO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "topo.h"

/* Removes a node's files (files/NODE and its exec: record), or the whole lab directory. */
int store_remove_node(const char *lab, const char *node, struct nst_err *err);
int store_remove_lab(const char *lab, struct nst_err *err);

/* The store entry of a node's file: /run/nstopo/LAB/files/NODE/<target, '/' as %2F>. */
void store_path(char *buf, size_t len, const char *lab, const char *node, const char *target);

/* Fills the digest of every file the lab file asks for (reading `from:` sources): content, mode
 * and owner as they will be stored. A `from:` over SAFEFS_FROM_MAX (16 MiB, a directory's files
 * together) or unreadable is an input error (NST_EXIT_INPUT) at the file's line. */
int store_digest_want(struct topo_lab *want, struct nst_err *err);
/* Reads a node's store entries into have (path, kind, digest computed the way the wanted file
 * of that path is, so the two compare). */
void store_read_node(struct topo_lab *have, struct topo_node *node, const char *lab,
		     const struct topo_node *want_node);

/* Writes a file's entry in place (a bind mount of it sees the new content); returns 1 when the
 * entry is new (it still has to be laid over the node), 0 when it was rewritten. */
int store_write(const char *lab, const char *node, const struct topo_file *f, struct nst_err *err);
int store_remove(const char *lab, const char *node, const char *target, struct nst_err *err);

/* NULL when the lab has none yet. Owned by ar. */
char *store_hosts_read(struct arena *ar, const char *lab);
int store_hosts_write(const char *lab, const char *text, struct nst_err *err);

/* The record `up` keeps for `list` (the file the lab came from, its nodes and links; the text is
 * cmd_list.c's), NULL when none. */
char *store_source_read(struct arena *ar, const char *lab);
int store_source_write(const char *lab, const char *text, struct nst_err *err);

/* The record of the `exec:` lines a node last ran to the end (their text), NULL when none. */
char *store_exec_read(struct arena *ar, const char *lab, const char *node);
int store_exec_write(const char *lab, const char *node, const char *text, struct nst_err *err);
/* Makes the log of a node's n-th (from 1) background exec: line, /run/nstopo/LAB/log/NODE.N.log,
 * root's 0600 (kept, appended to, when it exists), and puts its path in path. */
int store_log_prepare(const char *lab, const char *node, size_t n, char *path, size_t len,
		      struct nst_err *err);

#endif
