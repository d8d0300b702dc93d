/* load_impair.c - impairment keys from YAML; see load_impair.h. */
#include "load_impair.h"

#include <stdio.h>
#include <string.h>

static struct srcloc at(const char *file, const struct ynode *n)
{
	return (struct srcloc){ file, n->line, n->col };
}

void load_impair_map(struct diags *d, const char *file, const struct ynode *m,
		     struct topo_impair *im, bool only_impair)
{
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		char why[256];
		if (k->type != Y_SCALAR || !impair_is_key(k->value)) {
			if (only_impair)
				diags_add(d, at(file, k), "unknown impairment '%s' (one of delay, jitter, "
					  "loss, corrupt, duplicate, reorder, rate, limit)",
					  k->type == Y_SCALAR ? k->value : "?");
			continue;
		}
		if (v->type != Y_SCALAR || ytree_is_null(v)) {
			diags_add(d, at(file, v), "%s must be a value like %s", k->value,
				  strcmp(k->value, "rate") == 0	 ? "10mbit" :
				  strcmp(k->value, "limit") == 0 ? "1000" :
				  strcmp(k->value, "delay") == 0 || strcmp(k->value, "jitter") == 0 ? "40ms" :
												     "1%");
			continue;
		}
		if (!impair_parse(im, k->value, v->value, why, sizeof(why)))
			diags_add(d, at(file, v), "%s", why);
	}
	if (!im->loc.line)
		im->loc = at(file, m);
}

bool load_impair_check(struct diags *d, struct srcloc loc, const struct topo_impair *im)
{
	char why[256], warn[256];
	if (!impair_check(im, why, sizeof(why), warn, sizeof(warn))) {
		diags_add(d, loc, "%s", why);
		return false;
	}
	if (warn[0])
		diags_warn(d, loc, "%s", warn);
	return true;
}

void load_impair_link(struct diags *d, const char *file, struct topo_lab *lab,
		      const struct topo_link *link, const struct ynode *m)
{
	struct topo_impair both = { 0 }, end[2];
	load_impair_map(d, file, m, &both, false);
	both.loc = at(file, m);
	end[0] = end[1] = both;
	const struct ynode *per = ytree_map_get(m, "impair");
	if (per && !ytree_is_null(per)) {
		if (per->type != Y_MAP) {
			diags_add(d, at(file, per), "impair is a map of link ends to their impairments, "
				  "like {r1:eth0: {delay: 40ms}}");
			per = NULL;
		}
		for (size_t i = 0; per && i + 1 < per->n; i += 2) {
			const struct ynode *k = per->items[i], *v = per->items[i + 1];
			int e = -1;
			for (int j = 0; j < 2 && k->type == Y_SCALAR; j++) {
				char name[300];
				snprintf(name, sizeof(name), "%s:%s", topo_end_node(lab, &link->end[j])->name,
					 topo_end_iface(lab, &link->end[j])->name);
				if (strcmp(name, k->value) == 0)
					e = j;
			}
			if (e < 0) {
				diags_add(d, at(file, k), "'%s' is not an end of this link", k->value);
				continue;
			}
			if (v->type != Y_MAP) {
				diags_add(d, at(file, v), "the impairments of %s are a map, like {delay: 40ms}",
					  k->value);
				continue;
			}
			struct topo_impair over = { 0 };
			load_impair_map(d, file, v, &over, true);
			impair_merge(&end[e], &over);
			end[e].loc = at(file, v);
		}
	}
	for (int j = 0; j < 2; j++) {
		/* Both ends from the link's own keys: report a rule once, at the link. */
		bool same_as_0 = j == 1 && end[1].loc.line == end[0].loc.line && end[1].loc.col == end[0].loc.col;
		if (!end[j].has)
			continue;
		char why[8];
		if (same_as_0 ? !impair_check(&end[j], why, sizeof(why), NULL, 0)
			      : !load_impair_check(d, end[j].loc, &end[j]))
			continue;
		struct topo_impair *im = arena_alloc(&lab->arena, sizeof(*im));
		*im = end[j];
		topo_end_iface(lab, &link->end[j])->impair = im;
	}
}
