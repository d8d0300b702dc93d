/* observe.h - the running kernel read into the lab model: the lab's namespaces (found by their
 * markers), interfaces, addresses, routes and sysctls, and foreign objects in the lab's way. */
#ifndef NSTOPO_OBSERVE_H
#define NSTOPO_OBSERVE_H

#include <stddef.h>

#include "err.h"
#include "kview.h"
#include "netns.h"
#include "strmap.h"
#include "topo.h"

/* A namespace of a node that is not the one the file names for it (an older `prefix:`, or a
 * second one left by an interrupted up) is observed as node NODE@NAMESPACE: '@' is in no node
 * name, so the plan removes it whole and leaves NODE's kept namespaces, files and processes. */
#define OBSERVE_STALE_SEP "@"

/* Reads lab lab_name from the kernel into *have. want (may be NULL, as for `down --lab`) says
 * which sysctls to read and which names must be free; collisions are listed in kv. */
int observe_lab(const char *lab_name, struct topo_lab *want, struct topo_lab **have,
		struct kview *kv, struct nst_err *err);

/* Every running lab's node, from the namespace markers: for exec and `nstopo list`. */
struct lab_node_ref {
	char *lab, *node, *netns;
};
int observe_find_nodes(const char *lab, const char *node, struct lab_node_ref **out, size_t *n,
		       struct nst_err *err);
void observe_refs_free(struct lab_node_ref *refs, size_t n);

#endif
