/* netns.h - named network namespaces made the way `ip netns add` makes them (bind mounts under
 * /run/netns), entered and left by fd; the only room that calls setns and unshare. */
#ifndef NSTOPO_NETNS_H
#define NSTOPO_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define NETNS_RUN_DIR "/run/netns"

struct nlr;
struct nftw;

/* One namespace nstopo works in: its fd and a netlink socket opened inside it, both kept for
 * the whole command so each namespace is entered at most a few times. */
struct netns {
	char *name;     /* under /run/netns; NULL for the machine's own namespace */
	int fd;         /* -1 while a tracked namespace is set aside (see netns_track) */
	struct nlr *nl; /* opened on first use by netns_nl() */
	struct nftw *nft; /* opened on first use by netns_nft() */
	ino_t ino;      /* identity of the namespace (nsfs inode) */
	bool tracked;   /* netns_track: its descriptors may be closed and opened again */
	struct netns *lru_prev, *lru_next; /* tracked and open: most recently used first */
};

/* Opens the process's own namespace as the one to return to and raises the soft RLIMIT_NOFILE
 * to the hard one. A hard limit too low for nstopo's own needs (NETNS_MIN_FILES) is an error
 * naming it; within any other, tracked namespaces share what is left (netns_track). */
enum { NETNS_MIN_FILES = 128 };
int netns_init(struct nst_err *err);
/* Registers a namespace kept for the whole command (observe's and apply's): while others are in
 * use its fd and sockets may be closed, so that a lab of any size fits the descriptor limit (up
 * to three per namespace); they are opened again, by name, on the next use through this module
 * (netns_call, netns_nl, netns_nft, netns_fd), and the namespace found there must be the same one
 * (its inode). Undone by netns_close. */
void netns_track(struct netns *ns);
/* ns's fd, opened again when it was set aside; -1 with err set when the name is gone or now
 * names another namespace. The fd stays open until ns's next few namespaces are used. */
int netns_fd(struct netns *ns, struct nst_err *err);
/* The machine's (or the sandbox's) own namespace, where nstopo started. */
struct netns *netns_home(void);

/* Work done inside a namespace: entered, fn run, left; fn must not leave it. */
typedef int (*netns_fn)(struct netns *ns, void *arg, struct nst_err *err);
int netns_call(struct netns *ns, netns_fn fn, void *arg, struct nst_err *err);

/* Creates a new namespace, runs fn inside it (may be NULL), then names it /run/netns/NAME.
 * Fails with EEXIST when the name is taken. */
int netns_create(const char *name, struct netns *ns, netns_fn fn, void *arg, struct nst_err *err);
/* Removes /run/netns/NAME when it is the empty file a killed run left before binding a
 * namespace to it (or after unbinding it); returns 1 when it did. Only for a name the lab
 * recorded in its intent (below): an empty file of another name may be someone else's
 * `ip netns add` half-way. */
int netns_remove_placeholder(const char *name);
/* True when /run/netns/NAME is such an empty file. */
bool netns_is_placeholder(const char *name);

/* The lab's intent, /run/nstopo/LAB/intent (root's 0600, append-only, one namespace name a
 * line): every name is written there before the name is taken in /run/netns, so whatever a
 * kill at any instruction leaves can be found again and removed by `down --lab`. */
int netns_intent_add(const char *lab, const char *name, struct nst_err *err);
/* The recorded names (malloc'd, free with netns_list_free); none when the lab has no intent. */
int netns_intent_list(const char *lab, char ***names, size_t *n, struct nst_err *err);
/* True when name is among the recorded ones (the list as netns_intent_list gave it). */
bool netns_intent_has(char *const *names, size_t n, const char *name);
/* Returns 1 and fills ns when /run/netns/NAME is a namespace, 0 when there is none. */
int netns_open(const char *name, struct netns *ns, struct nst_err *err);
/* Unmounts and removes the name; the kernel frees the namespace when its last user is gone. */
int netns_remove(const char *name, struct nst_err *err);
/* The netlink socket inside ns, opened on first use. */
struct nlr *netns_nl(struct netns *ns, struct nst_err *err);
/* The nftables socket inside ns, opened on first use. */
struct nftw *netns_nft(struct netns *ns, struct nst_err *err);
/* Closes the sockets inside ns (they would keep a namespace being removed alive). */
void netns_close_sockets(struct netns *ns);
void netns_close(struct netns *ns);

/* Names under /run/netns, sorted; a malloc'd array of malloc'd strings. */
int netns_list(char ***names, size_t *n, struct nst_err *err);
void netns_list_free(char **names, size_t n);

/* Makes the calling process enter ns for good, with its own mount namespace in which /sys shows
 * ns's interfaces and /etc/netns/NAME overlays /etc (as `ip netns exec`). For exec only. */
int netns_become(struct netns *ns, struct nst_err *err);
/* Lays each entry of /etc/netns/NAME over the same name in /etc, as `ip netns exec` does (in
 * the caller's own mount namespace). */
void netns_bind_etc(const char *name);
/* Makes the calling process enter ns for good, nothing else (the node's own mount namespace
 * follows). */
int netns_become_net(struct netns *ns, struct nst_err *err);

#endif
