/* routing.h - routing the file asks for rather than lists: `routing: static` (routes to every
 * subnet of the lab over shortest paths) and `template:` (FRR/BIRD configs from a node's facts). */
#ifndef NSTOPO_ROUTING_H
#define NSTOPO_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "topo.h"

struct ynode;

enum {
	ROUTING_TMPL_MAX_OUT = 1 << 20, /* bytes a template may produce for one node */
	ROUTING_TMPL_MAX_DEPTH = 16,    /* nested {{#if}} / {{#each}} */
};

/* The loader's hooks: the lab's `routing:`, and a node's `routing:`, `asn:`, `template:` (other
 * keys are ignored). Errors go to d. */
void routing_yaml_lab(struct topo_lab *lab, const struct ynode *v, const char *file, struct diags *d);
void routing_yaml_node(struct topo_lab *lab, struct topo_node *node, const struct ynode *k,
		       const struct ynode *v, const char *file, struct diags *d);

/* After validate_lab, before topo_lab_expand: adds the computed static routes to the nodes that
 * take them and renders each node's template into its config (the template's output first, then
 * `config:`). Does nothing when the file uses neither. Returns false when it added errors to d. */
bool routing_lab(struct topo_lab *lab, struct diags *d);

/* What routing_lab derived, as the `nodes:` of a topology file (each node's computed routes and
 * its rendered config), for `nstopo expand` to show; "" when nothing was. malloc'd. */
char *routing_text(const struct topo_lab *lab);

/* Only the static routes (routing_lab does this first); for the unit tests. */
void routing_static(struct topo_lab *lab);

#endif
