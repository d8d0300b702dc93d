/* validate.h - every check of a loaded lab that needs no kernel: names, links, addresses,
 * routes, NAT, files and checks fitting together. Problems go to the diagnostics list. */
#ifndef NSTOPO_VALIDATE_H
#define NSTOPO_VALIDATE_H

#include <stdbool.h>

#include "err.h"
#include "topo.h"

/* Returns true when no problem was found. */
bool validate_lab(struct topo_lab *lab, struct diags *d);

/* Name rules shared with the commands (for --lab and node arguments). */
bool validate_lab_name(const char *s);
bool validate_node_name(const char *s);
bool validate_ifname(const char *s);

#endif
