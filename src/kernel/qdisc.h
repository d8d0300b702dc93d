/* qdisc.h - the egress qdiscs that carry a lab interface's impairments (netem, HTB, pfifo),
 * through libnl-route's qdisc and class objects: read into the model, set in place, probed. */
#ifndef NSTOPO_QDISC_H
#define NSTOPO_QDISC_H

#include "err.h"
#include "impair.h"
#include "nl.h"
#include "topo.h"

/* The impairments on the node's interfaces (those observe took as the lab's, by ifindex):
 * each iface->impair is set, in have's arena, when its qdiscs are not the device's default. */
int qdisc_observe(struct nlr *nl, struct topo_lab *have, struct topo_node *node,
		  struct nst_err *err);
/* Makes ifindex's egress qdiscs carry want (NULL: none), changing in place what have (the
 * observed, NULL: the default) already has of the same shape. */
int qdisc_set(struct nlr *nl, int ifindex, const struct topo_impair *want,
	      const struct topo_impair *have, struct nst_err *err);
/* Fails (NST_EXIT_SYSTEM, naming the module) when this kernel cannot make the qdiscs that the
 * IMP_* bits in need ask for; tried once per kind per run, in a throwaway network namespace. */
int qdisc_probe(unsigned need, struct nst_err *err);

#endif
