/* linkctl.h - a running lab's links changed by hand, for `nstopo link` and the `do:` steps of
 * scenario tests: both ends of a link down or up (a pulled cable), one end's egress impairments
 * set. Drift from the file by design: `up` puts the file's state back. */
#ifndef NSTOPO_LINKCTL_H
#define NSTOPO_LINKCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "impair.h"
#include "topo.h"

struct linkctl {
	int state;                     /* -1: as it is; 0: both ends down; 1: both ends up */
	bool impair;                   /* set the end's impairments: */
	const struct topo_impair *base; /*   from these (NULL: from what the end has now) */
	char *const *kv;               /*   with these KEY VALUE pairs over them */
	size_t n_kv;                   /*   (strings: 2 * n_kv) */
};

/* Applies op to NODE:IF of running lab lab. done gets what the end's impairments are now
 * ("delay 40ms loss 1%", "" for none). Input errors (no such link end, a bad value) fail with
 * NST_EXIT_INPUT, the kernel's with NST_EXIT_SYSTEM. */
int linkctl_apply(const char *lab, const char *node, const char *ifname, const struct linkctl *op,
		  char *done, size_t len, struct nst_err *err);
/* Puts NODE:IF's link back as want has it: both ends up, that end's impairments the file's. */
int linkctl_restore(const struct topo_lab *want, const char *node, const char *ifname,
		    struct nst_err *err);

#endif
