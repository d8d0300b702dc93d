/* observe.h - the running kernel read into the lab model: the lab's namespaces (found by their
 * markers), interfaces, addresses, routes and sysctls, and foreign objects in the lab's way. */
#ifndef NSTOPO_OBSERVE_H
#define NSTOPO_OBSERVE_H

#include <stddef.h>

#include "err.h"
#include "netns.h"
#include "strmap.h"
#include "topo.h"

/* A namespace of a node that is not the one the file names for it (an older `prefix:`, or a
 * second one left by an interrupted up) is observed as node NODE@NAMESPACE: '@' is in no node
 * name, so the plan removes it whole and leaves NODE's kept namespaces, files and processes. */
#define OBSERVE_STALE_SEP "@"

/* One namespace of the lab as observe found it (or apply made it): the handle apply writes
 * through, and the ifindex of every interface in it by name. */
struct knode {
	struct netns ns;
	struct strmap ifindex; /* name (owned by the kview arena) -> ifindex */
};

/* An object with a name the lab needs that is not this lab's: never touched. */
struct kcollision {
	char *text;
	struct srcloc loc;
};

/* A veth end without a marker, in a name the lab wants: either half of a pair nstopo made and
 * did not get to mark (adopted when its peer is the lab's other end), or someone else's. */
struct kstray;

struct kview {
	struct arena arena;
	struct strmap by_node; /* node name -> struct knode * (the host namespace is "host") */
	struct knode **nodes;
	size_t n_nodes, cap_nodes;
	struct kcollision *collisions;
	size_t n_collisions, cap_collisions;
	struct kstray *strays;
	size_t n_strays, cap_strays;
};

/* Reads lab lab_name from the kernel into *have. want (may be NULL, as for `down --lab`) says
 * which sysctls to read and which names must be free; collisions are listed in kv. */
int observe_lab(const char *lab_name, struct topo_lab *want, struct topo_lab **have,
		struct kview *kv, struct nst_err *err);
void kview_free(struct kview *kv);

struct knode *kview_node(struct kview *kv, const char *node);
/* Registers a namespace apply has just made (takes over ns). */
struct knode *kview_add(struct kview *kv, const char *node, struct netns *ns);
/* The ifindex of an interface, asking the kernel when it was made after observing; 0 if none. */
int kview_ifindex(struct kview *kv, struct knode *kn, const char *ifname, struct nst_err *err);
void kview_forget_ifindex(struct knode *kn, const char *ifname);

/* Every running lab's node, from the namespace markers: for exec and `nstopo list`. */
struct lab_node_ref {
	char *lab, *node, *netns;
};
int observe_find_nodes(const char *lab, const char *node, struct lab_node_ref **out, size_t *n,
		       struct nst_err *err);
void observe_refs_free(struct lab_node_ref *refs, size_t n);

#endif
