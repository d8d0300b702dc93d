/* kview.h - the kernel as one command sees it: a handle on each of the lab's namespaces and the
 * ifindex of every interface in it, plus the objects in the lab's way. The only owner of it all. */
#ifndef NSTOPO_KVIEW_H
#define NSTOPO_KVIEW_H

#include <stddef.h>

#include "err.h"
#include "netns.h"
#include "strmap.h"

/* One namespace of the lab as observe found it (or apply made it): the handle apply writes
 * through. ns is the caller's to use; ifindex is kview.c's alone (kview_ifindex reads it). */
struct knode {
	struct netns ns;
	struct strmap ifindex; /* name -> ifindex; 0 means "ask the kernel" */
};

/* An object with a name the lab needs that is not this lab's: never touched. */
struct kcollision {
	const char *text;
	struct srcloc loc;
};

/* Made by the command (kview_new) and freed by it (kview_free) after everything that used it:
 * observe fills it, apply grows it, both only through these functions. */
struct kview;

struct kview *kview_new(void);
void kview_free(struct kview *kv);

/* The namespace a node runs in (by namespace name; NULL is the host's own), or NULL. */
struct knode *kview_node(struct kview *kv, const char *netns);
/* Registers a namespace observed or just made; takes over ns. */
struct knode *kview_add(struct kview *kv, const char *netns, struct netns *ns);

/* The ifindex of an interface, asking the kernel when it was made after observing; 0 if none. */
int kview_ifindex(struct kview *kv, struct knode *kn, const char *ifname, struct nst_err *err);
/* What a dump of the namespace said, so later lookups need no kernel round trip. */
void kview_note_ifindex(struct kview *kv, struct knode *kn, const char *ifname, int ifindex);
/* The interface was removed or renamed: the next lookup asks the kernel. */
void kview_forget_ifindex(struct knode *kn, const char *ifname);

void kview_collide(struct kview *kv, struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t kview_n_collisions(const struct kview *kv);
const struct kcollision *kview_collision(const struct kview *kv, size_t i);

#endif
