/* nodens.h - a node's UTS and mount namespaces (its hostname, private /run and /tmp, files laid
 * over the host's), kept as bind mounts under /run/nstopo/LAB/ns/ and entered by exec. */
#ifndef NSTOPO_NODENS_H
#define NSTOPO_NODENS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "netns.h"

/* A file or directory of the lab's store laid over a path in the node. */
struct nodens_mount {
	const char *source; /* in the host's view: under /run/nstopo/LAB/files/ */
	const char *target; /* absolute, in the node */
	bool dir;
};

struct nodens_spec {
	const char *lab, *node, *hostname;
	const struct netns *net;   /* the node's network namespace (its /sys shows these links) */
	const char *hosts_file;    /* laid over /etc/hosts; NULL for none */
};

/* Makes the node's UTS and mount namespaces and keeps them. Fails with EEXIST when kept ones
 * exist already. */
int nodens_create(const struct nodens_spec *s, struct nst_err *err);
/* The same, in the background: _start asks, _wait collects every answer and reports the first
 * failure (the node it was for goes to failed_node). */
int nodens_create_start(const struct nodens_spec *s, struct nst_err *err);
int nodens_create_wait(char *failed_node, size_t len, struct nst_err *err);
/* 1 when the node's namespaces are kept, 0 when not. */
int nodens_exists(const char *lab, const char *node);
/* Lays store entries over their targets inside a running node. A target is resolved in the
 * node's view (symlinks followed by nstopo itself, never the kernel's walk of the host's path);
 * what is missing is made in a private layer (the node's /run or /tmp tmpfs, or an overlay whose
 * upper layer is in the node's /run), never on the host's own filesystem. */
int nodens_mount(const char *lab, const char *node, const struct nodens_mount *m, size_t n,
		 struct nst_err *err);
/* Takes the store entry source (host's view) away from target again inside a running node;
 * whatever else is at target is left alone. */
int nodens_unmount(const char *lab, const char *node, const char *source, const char *target,
		   struct nst_err *err);

/* Whether a node sees a store entry at its target (resolved as nodens_mount does). */
struct nodens_seen {
	const char *node, *target;
	dev_t dev; /* the store entry, as the host sees it */
	ino_t ino;
	bool laid; /* out */
};
/* Fills laid for each entry; entries of one node must be next to each other. One child visits
 * every node's mount namespace in turn; nothing is forked when n is 0. */
int nodens_seen(const char *lab, struct nodens_seen *e, size_t n, struct nst_err *err);
/* Lets the node's kept namespaces go. */
int nodens_remove(const char *lab, const char *node, struct nst_err *err);
/* Lets the lab's namespace directory (/run/nstopo/LAB/ns) go, once no node is left. */
int nodens_remove_lab(const char *lab, struct nst_err *err);

/* A running node's hostname (into buf), and setting it: entered and left in place, through the
 * node's kept UTS namespace. */
int nodens_hostname_get(const char *lab, const char *node, char *buf, size_t len, struct nst_err *err);
int nodens_hostname_set(const char *lab, const char *node, const char *name, struct nst_err *err);

/* Makes the calling (single-threaded) process enter the node's UTS and mount namespaces for
 * good; 0 when the node has none (a lab made before they existed). For exec and daemons. */
int nodens_enter(const char *lab, const char *node, struct nst_err *err);

#endif
