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

bool load_step(struct diags *d, const char *file, struct arena *ar, struct topo_check *c,
	       const struct ynode *m, const struct ynode *body)
{
	size_t errors = d->n_errors;
	struct topo_impair scratch = { 0 };
	c->state = -1;
	c->step_kv = arena_alloc(ar, (body->n + 1) * sizeof(char *));
	for (size_t i = 0; i + 1 < body->n; i += 2) {
		const struct ynode *k = body->items[i], *v = body->items[i + 1];
		const char *key = k->type == Y_SCALAR ? k->value : "?";
		if (v->type != Y_SCALAR || ytree_is_null(v)) {
			diags_add(d, at(file, v), "%s must be a value", key);
			continue;
		}
		char why[256];
		if (strcmp(key, "link") == 0) {
			const char *colon = strchr(v->value, ':');
			if (!colon || colon == v->value || !colon[1]) {
				diags_add(d, at(file, v), "link '%s' must be NODE:INTERFACE", v->value);
				continue;
			}
			c->node = arena_printf(ar, "%.*s", (int)(colon - v->value), v->value);
			c->link_if = arena_strdup(ar, colon + 1);
			c->node_loc = c->to_loc = at(file, v);
		} else if (strcmp(key, "state") == 0) {
			if (strcmp(v->value, "down") == 0 || strcmp(v->value, "up") == 0)
				c->state = strcmp(v->value, "up") == 0;
			else
				diags_add(d, at(file, v), "state must be down or up, not '%s'", v->value);
		} else if (impair_is_key(key)) {
			if (!impair_parse(&scratch, key, v->value, why, sizeof(why))) {
				diags_add(d, at(file, v), "%s", why);
				continue;
			}
			c->step_kv[2 * c->n_step_kv] = arena_strdup(ar, key);
			c->step_kv[2 * c->n_step_kv + 1] = arena_strdup(ar, v->value);
			c->n_step_kv++;
		} else {
			diags_add(d, at(file, k), "unknown key '%s' in do (link, state, or an impairment: "
				  "delay, jitter, loss, corrupt, duplicate, reorder, rate, limit)", key);
		}
	}
	if (!c->node && !ytree_map_get(body, "link"))
		diags_add(d, at(file, body), "do needs 'link'");
	else if (c->state < 0 && !c->n_step_kv && d->n_errors == errors)
		diags_add(d, at(file, body), "do needs 'state' or an impairment to set");
	if (c->expect_fail || c->within_ms || c->output || c->output_regex)
		diags_add(d, at(file, m), "a do: step takes only 'name' beside it (expect, within and "
			  "output are for checks)");
	return d->n_errors == errors;
}
