/* load_impair.h - impairment keys from YAML into a topo_impair, with FILE:LINE:COL diagnostics:
 * one function for a link's keys (and later for a defaults map) so every place reads them alike. */
#ifndef NSTOPO_LOAD_IMPAIR_H
#define NSTOPO_LOAD_IMPAIR_H

#include <stdbool.h>

#include "err.h"
#include "impair.h"
#include "topo.h"
#include "ytree.h"

/* Reads the impairment keys of map m into im, diagnostics to d; other keys are skipped when
 * only_impair is false (a link's endpoints, mtu) and refused when true (an impair: entry). */
void load_impair_map(struct diags *d, const char *file, const struct ynode *m,
		     struct topo_impair *im, bool only_impair);
/* The rules between keys, reported at loc (the map that holds them). */
bool load_impair_check(struct diags *d, struct srcloc loc, const struct topo_impair *im);
/* A link's impairments: its own keys for both ends' egress, each end's `impair: {NODE:IF: {...}}`
 * entry over them; the result goes to each end interface's impair (NULL when none). */
void load_impair_link(struct diags *d, const char *file, struct topo_lab *lab,
		      const struct topo_link *link, const struct ynode *m);
/* A scenario step, `- do: {link: NODE:IF, state: down|up, KEY: VALUE...}` (body is the do:
 * map, m the list entry) into c (kind CHECK_STEP), strings in ar. False when it is invalid. */
bool load_step(struct diags *d, const char *file, struct arena *ar, struct topo_check *c,
	       const struct ynode *m, const struct ynode *body);

#endif
