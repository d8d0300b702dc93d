/* routing.c - `routing:`, `asn:` and `template:` read from the file, the lab's segments, and the
 * static routes of `routing: static`; see routing.h. */
#include "routing.h"
#include "rtnet.h"
#include "ytree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- the loader's hooks ---- */

static struct srcloc yloc(const char *file, const struct ynode *n)
{
	return (struct srcloc){ file, n->line, n->col };
}

static bool parse_routing(const struct ynode *v, const char *file, struct diags *d,
			  enum topo_routing *out)
{
	if (v->type == Y_SCALAR && strcmp(v->value, "static") == 0)
		*out = ROUTING_STATIC;
	else if (v->type == Y_SCALAR && strcmp(v->value, "none") == 0)
		*out = ROUTING_NONE;
	else if (v->type == Y_SCALAR)
		diags_add(d, yloc(file, v), "unknown routing '%s' (expected static or none)", v->value);
	else
		diags_add(d, yloc(file, v), "routing must be static or none, not a %s",
			  v->type == Y_MAP ? "mapping" : "list");
	return v->type == Y_SCALAR && *out != ROUTING_UNSET;
}

void routing_yaml_lab(struct topo_lab *lab, const struct ynode *v, const char *file, struct diags *d)
{
	enum topo_routing r = ROUTING_UNSET;
	if (parse_routing(v, file, d, &r)) {
		lab->routing = r;
		lab->routing_loc = yloc(file, v);
	}
}

void routing_yaml_node(struct topo_lab *lab, struct topo_node *node, const struct ynode *k,
		       const struct ynode *v, const char *file, struct diags *d)
{
	const char *key = k->value;
	if (strcmp(key, "routing") == 0) {
		enum topo_routing r = ROUTING_UNSET;
		if (parse_routing(v, file, d, &r)) {
			node->routing = r;
			node->routing_loc = yloc(file, v);
		}
	} else if (strcmp(key, "asn") == 0) {
		/* A string of digits too: `asn: "650{n}"` reaches here as one after expansion. */
		uint64_t n = 0;
		bool ok = v->type == Y_SCALAR && v->len > 0 && v->len <= 10;
		for (size_t i = 0; ok && i < v->len; i++) {
			ok = v->value[i] >= '0' && v->value[i] <= '9';
			n = n * 10 + (uint64_t)(v->value[i] - '0');
		}
		if (!ok || n == 0 || n > UINT32_MAX)
			diags_add(d, yloc(file, v), "asn must be a number 1..4294967295, not '%s'",
				  v->type == Y_SCALAR ? v->value : "(not a scalar)");
		else
			node->asn = (uint32_t)n;
		node->asn_loc = yloc(file, v);
	} else if (strcmp(key, "template") == 0) {
		if (v->type != Y_SCALAR || ytree_is_null(v)) {
			diags_add(d, yloc(file, v), "template must be a built-in's name (frr-ospf, "
				  "frr-bgp, bird-ospf, bird-bgp) or template text (a block: template: |)");
			return;
		}
		node->tmpl = arena_strndup(&lab->arena, v->value, v->len);
		node->tmpl_block = !v->plain && !v->quoted;
		node->tmpl_loc = yloc(file, v);
		if (node->tmpl_block) /* where the text's columns start, at the usual 2-space indent */
			node->tmpl_loc.col = k->col + 2;
		else if (v->quoted)
			node->tmpl_loc.col++;
	}
}

/* ---- segments ---- */

const struct cidr *rtnet_addr(const struct topo_iface *ifc, uint8_t family)
{
	for (size_t a = 0; a < ifc->n_addrs; a++)
		if (ifc->addrs[a].c.family == family)
			return &ifc->addrs[a].c;
	return NULL;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

static void seg_add(struct rtnet_seg *s, uint32_t node, uint32_t iface)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 2;
		s->m = xrealloc(s->m, s->cap * sizeof(*s->m));
	}
	s->m[s->n++] = (struct rtnet_member){ node, iface };
}

static uint32_t seg_new(struct rtnet *net)
{
	if (net->n_segs == net->cap_segs) {
		net->cap_segs = net->cap_segs ? net->cap_segs * 2 : 16;
		net->segs = xrealloc(net->segs, net->cap_segs * sizeof(*net->segs));
	}
	memset(&net->segs[net->n_segs], 0, sizeof(net->segs[0]));
	return (uint32_t)net->n_segs++;
}

void rtnet_build(struct rtnet *net, const struct topo_lab *lab)
{
	memset(net, 0, sizeof(*net));
	size_t nn = lab->n_nodes;
	net->n_nodes = nn;
	net->seg_of = xcalloc(nn ? nn : 1, sizeof(*net->seg_of));
	uint32_t *parent = xmalloc((nn ? nn : 1) * sizeof(*parent));
	uint32_t *bseg = xmalloc((nn ? nn : 1) * sizeof(*bseg));
	for (size_t i = 0; i < nn; i++) {
		const struct topo_node *node = lab->nodes[i];
		net->seg_of[i] = xmalloc((node->n_ifaces ? node->n_ifaces : 1) * sizeof(uint32_t));
		for (size_t j = 0; j < node->n_ifaces; j++)
			net->seg_of[i][j] = RTNET_NONE;
		parent[i] = (uint32_t)i;
		bseg[i] = RTNET_NONE;
	}
	/* Bridge nodes linked to each other are one layer-2 segment. */
	for (size_t l = 0; l < lab->n_links; l++) {
		const struct topo_link *lk = &lab->links[l];
		uint32_t a = lk->end[0].node, b = lk->end[1].node;
		if (lab->nodes[a]->kind == NODE_BRIDGE && lab->nodes[b]->kind == NODE_BRIDGE)
			parent[uf_find(parent, a)] = uf_find(parent, b);
	}
	for (size_t l = 0; l < lab->n_links; l++) {
		const struct topo_link *lk = &lab->links[l];
		const struct topo_end *e = lk->end;
		bool br0 = lab->nodes[e[0].node]->kind == NODE_BRIDGE;
		bool br1 = lab->nodes[e[1].node]->kind == NODE_BRIDGE;
		if (!br0 && !br1) {
			uint32_t s = seg_new(net);
			net->segs[s].p2p = true;
			for (int k = 0; k < 2; k++) {
				seg_add(&net->segs[s], e[k].node, e[k].iface);
				net->seg_of[e[k].node][e[k].iface] = s;
			}
			continue;
		}
		for (int k = 0; k < 2; k++) {
			uint32_t root = uf_find(parent, e[k].node);
			if (lab->nodes[e[k].node]->kind != NODE_BRIDGE)
				continue;
			if (bseg[root] == RTNET_NONE)
				bseg[root] = seg_new(net);
			net->seg_of[e[k].node][e[k].iface] = bseg[root];
			const struct topo_end *o = &e[1 - k];
			if (lab->nodes[o->node]->kind != NODE_BRIDGE) {
				seg_add(&net->segs[bseg[root]], o->node, o->iface);
				net->seg_of[o->node][o->iface] = bseg[root];
			}
		}
	}
	/* A bridge's own address (on br0) is on its segment too. */
	for (size_t i = 0; i < nn; i++) {
		const struct topo_node *node = lab->nodes[i];
		if (node->kind != NODE_BRIDGE)
			continue;
		const struct topo_iface *br = topo_iface_find(node, TOPO_BRIDGE_DEV);
		uint32_t root = uf_find(parent, (uint32_t)i);
		if (!br || !br->n_addrs || bseg[root] == RTNET_NONE)
			continue;
		uint32_t j = (uint32_t)(br - node->ifaces);
		seg_add(&net->segs[bseg[root]], (uint32_t)i, j);
		net->seg_of[i][j] = bseg[root];
	}
	free(parent);
	free(bseg);
}

void rtnet_free(struct rtnet *net)
{
	for (size_t s = 0; s < net->n_segs; s++)
		free(net->segs[s].m);
	free(net->segs);
	for (size_t i = 0; i < net->n_nodes; i++)
		free(net->seg_of[i]);
	free(net->seg_of);
	memset(net, 0, sizeof(*net));
}

/* ---- static routes ---- */

/* One destination: a prefix of the lab and where it is (segments, or nodes' loopbacks). */
struct owner {
	uint32_t seg;  /* RTNET_NONE: node's own (lo and interfaces on no segment) */
	uint32_t node;
};

struct dest {
	struct cidr net;
	struct owner *o;
	size_t n, cap;
};

struct dests {
	struct dest *v;
	size_t n, cap;
	struct strmap index; /* formatted prefix -> index + 1 */
	char **keys;
};

static void dest_add(struct dests *ds, const struct cidr *addr, struct owner o)
{
	struct cidr net;
	cidr_network(addr, &net);
	char key[CIDR_STR_MAX];
	cidr_format(&net, key, sizeof(key));
	uintptr_t at = (uintptr_t)strmap_get(&ds->index, key);
	struct dest *d;
	if (!at) {
		if (ds->n == ds->cap) {
			ds->cap = ds->cap ? ds->cap * 2 : 64;
			ds->v = xrealloc(ds->v, ds->cap * sizeof(*ds->v));
			ds->keys = xrealloc(ds->keys, ds->cap * sizeof(*ds->keys));
		}
		d = &ds->v[ds->n];
		memset(d, 0, sizeof(*d));
		d->net = net;
		ds->keys[ds->n] = xstrdup(key);
		strmap_put(&ds->index, ds->keys[ds->n], (void *)(uintptr_t)(ds->n + 1));
		ds->n++;
	} else {
		d = &ds->v[at - 1];
		for (size_t i = 0; i < d->n; i++)
			if (d->o[i].seg == o.seg && d->o[i].node == o.node)
				return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 2;
		d->o = xrealloc(d->o, d->cap * sizeof(*d->o));
	}
	d->o[d->n++] = o;
}

static void dests_free(struct dests *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		free(ds->v[i].o);
		free(ds->keys[i]);
	}
	free(ds->v);
	free(ds->keys);
	strmap_free(&ds->index);
}

static bool forwards(const struct topo_node *n)
{
	return topo_node_is_router(n);
}

static enum topo_routing node_routing(const struct topo_lab *lab, const struct topo_node *n)
{
	if (n->kind == NODE_ROOT || n->kind == NODE_BRIDGE)
		return ROUTING_NONE;
	if (n->routing != ROUTING_UNSET)
		return n->routing;
	/* FRR and BIRD nodes route by their daemons; static routes would outrank theirs. */
	if (lab->routing == ROUTING_STATIC && (n->kind == NODE_HOST || n->kind == NODE_ROUTER))
		return ROUTING_STATIC;
	return ROUTING_NONE;
}

/* The broadcast address of an IPv4 subnet of /30 or wider: the kernel refuses it as a gateway. */
static bool is_broadcast(const struct cidr *net, const struct cidr *c)
{
	if (c->family != AF_INET || net->plen > 30)
		return false;
	uint32_t a = (uint32_t)c->a[0] << 24 | (uint32_t)c->a[1] << 16 | (uint32_t)c->a[2] << 8 | c->a[3];
	uint32_t host = net->plen ? ~0u >> net->plen : ~0u;
	return (a & host) == host;
}

/* The first address of family on member m's interface that lies in one of src's subnets on
 * interface si: the gateway, on-link from src. */
static const uint8_t *gateway(const struct topo_lab *lab, const struct topo_iface *si,
			      struct rtnet_member m, uint8_t family)
{
	const struct topo_iface *mi = &lab->nodes[m.node]->ifaces[m.iface];
	for (size_t a = 0; a < mi->n_addrs; a++) {
		const struct cidr *c = &mi->addrs[a].c;
		if (c->family != family)
			continue;
		for (size_t b = 0; b < si->n_addrs; b++) {
			struct cidr net;
			cidr_network(&si->addrs[b].c, &net);
			if (cidr_contains(&net, family, c->a) && memcmp(c->a, si->addrs[b].c.a, 16) != 0 &&
			    !is_broadcast(&net, c))
				return c->a;
		}
	}
	return NULL;
}

struct bfs {
	int32_t *dist;     /* hops from the source; -1 unreached */
	uint32_t *fh_if;   /* first hop: the source's interface */
	const uint8_t **fh_gw;
	uint32_t *queue;
};

/* Hop counts from src in family; ties go to what is found first: interfaces in file order,
 * segment members in link order. Only routers are crossed. */
static void bfs_run(const struct topo_lab *lab, const struct rtnet *net, struct bfs *b, uint32_t src,
		    uint8_t family)
{
	size_t nn = lab->n_nodes, head = 0, tail = 0;
	for (size_t i = 0; i < nn; i++)
		b->dist[i] = -1;
	b->dist[src] = 0;
	const struct topo_node *s = lab->nodes[src];
	for (size_t j = 0; j < s->n_ifaces; j++) {
		uint32_t sg = net->seg_of[src][j];
		if (sg == RTNET_NONE || !rtnet_addr(&s->ifaces[j], family))
			continue;
		const struct rtnet_seg *seg = &net->segs[sg];
		for (size_t k = 0; k < seg->n; k++) {
			struct rtnet_member m = seg->m[k];
			if (b->dist[m.node] >= 0)
				continue;
			const uint8_t *gw = gateway(lab, &s->ifaces[j], m, family);
			if (!gw)
				continue;
			b->dist[m.node] = 1;
			b->fh_if[m.node] = (uint32_t)j;
			b->fh_gw[m.node] = gw;
			b->queue[tail++] = m.node;
		}
	}
	while (head < tail) {
		uint32_t u = b->queue[head++];
		const struct topo_node *un = lab->nodes[u];
		if (!forwards(un))
			continue;
		for (size_t j = 0; j < un->n_ifaces; j++) {
			uint32_t sg = net->seg_of[u][j];
			if (sg == RTNET_NONE || !rtnet_addr(&un->ifaces[j], family))
				continue;
			const struct rtnet_seg *seg = &net->segs[sg];
			for (size_t k = 0; k < seg->n; k++) {
				struct rtnet_member m = seg->m[k];
				if (b->dist[m.node] >= 0 ||
				    !rtnet_addr(&lab->nodes[m.node]->ifaces[m.iface], family))
					continue;
				b->dist[m.node] = b->dist[u] + 1;
				b->fh_if[m.node] = b->fh_if[u];
				b->fh_gw[m.node] = b->fh_gw[u];
				b->queue[tail++] = m.node;
			}
		}
	}
}

/* The node of the owners of d nearest to the source, -1 when none is reached. A segment is
 * reached through a router on it. */
static int64_t nearest(const struct topo_lab *lab, const struct rtnet *net, const struct bfs *b,
		       const struct dest *d)
{
	int64_t best = -1;
	int32_t best_dist = INT32_MAX;
	for (size_t i = 0; i < d->n; i++) {
		const struct owner *o = &d->o[i];
		if (o->seg == RTNET_NONE) {
			if (b->dist[o->node] > 0 && b->dist[o->node] < best_dist) {
				best = o->node;
				best_dist = b->dist[o->node];
			}
			continue;
		}
		const struct rtnet_seg *seg = &net->segs[o->seg];
		for (size_t k = 0; k < seg->n; k++) {
			uint32_t m = seg->m[k].node;
			if (b->dist[m] > 0 && b->dist[m] < best_dist && forwards(lab->nodes[m])) {
				best = m;
				best_dist = b->dist[m];
			}
		}
	}
	return best;
}

static bool has_route_to(const struct topo_node *n, size_t n_hand, const struct cidr *to)
{
	for (size_t r = 0; r < n_hand; r++)
		if (cidr_equal(&n->routes[r].to, to))
			return true;
	return false;
}

static bool has_default(const struct topo_node *n, size_t n_hand, uint8_t family)
{
	for (size_t r = 0; r < n_hand; r++)
		if (n->routes[r].to.family == family && n->routes[r].to.plen == 0)
			return true;
	return false;
}

/* Whether the source is on one of d's segments or owns it (a connected prefix). */
static bool connected(const struct dest *d, const struct rtnet *net, uint32_t src)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct owner *o = &d->o[i];
		if (o->seg == RTNET_NONE) {
			if (o->node == src)
				return true;
			continue;
		}
		const struct rtnet_seg *seg = &net->segs[o->seg];
		for (size_t k = 0; k < seg->n; k++)
			if (seg->m[k].node == src)
				return true;
	}
	return false;
}

static void add_route(struct topo_lab *lab, struct topo_node *node, const struct cidr *to,
		      uint32_t ifc, const uint8_t *gw, struct srcloc loc)
{
	struct topo_route *r = ARENA_PUSH(&lab->arena, node->routes, node->n_routes, node->cap_routes);
	memset(r, 0, sizeof(*r));
	r->to = *to;
	memcpy(r->via, gw, 16);
	snprintf(r->dev, sizeof(r->dev), "%s", node->ifaces[ifc].name);
	r->has = ROUTE_HAS_VIA | ROUTE_HAS_DEV | ROUTE_COMPUTED;
	r->loc = loc;
}

static void routes_of(struct topo_lab *lab, const struct rtnet *net, const struct dests *ds,
		      struct bfs *b, uint32_t src)
{
	struct topo_node *node = lab->nodes[src];
	struct srcloc loc = node->routing_loc.line ? node->routing_loc : lab->routing_loc;
	size_t n_hand = node->n_routes;
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	for (size_t f = 0; f < 2; f++) {
		uint8_t family = families[f];
		if (node->kind == NODE_HOST && has_default(node, n_hand, family))
			continue;
		bfs_run(lab, net, b, src, family);
		size_t first = node->n_routes;
		bool one_gw = true;
		uint32_t first_if = 0;
		const uint8_t *first_gw = NULL;
		for (size_t i = 0; i < ds->n; i++) {
			const struct dest *d = &ds->v[i];
			if (d->net.family != family || connected(d, net, src) ||
			    has_route_to(node, n_hand, &d->net))
				continue;
			int64_t to = nearest(lab, net, b, d);
			if (to < 0)
				continue;
			if (node->n_routes > first && (b->fh_if[to] != first_if ||
							memcmp(b->fh_gw[to], first_gw, 16) != 0))
				one_gw = false;
			if (node->n_routes == first) {
				first_if = b->fh_if[to];
				first_gw = b->fh_gw[to];
			}
			add_route(lab, node, &d->net, b->fh_if[to], b->fh_gw[to], loc);
		}
		/* A host with one way out takes a default route through it instead: one route, and
		 * it reaches past the lab (an uplink) too. */
		if (node->kind == NODE_HOST && one_gw && node->n_routes > first) {
			node->routes[first].to = (struct cidr){ .family = family };
			node->n_routes = first + 1;
		}
	}
}

void routing_static(struct topo_lab *lab)
{
	bool any = false;
	for (size_t i = 0; i < lab->n_nodes && !any; i++)
		any = node_routing(lab, lab->nodes[i]) == ROUTING_STATIC;
	if (!any)
		return;
	struct rtnet net;
	rtnet_build(&net, lab);
	struct dests ds = { 0 };
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *node = lab->nodes[i];
		for (size_t j = 0; j < node->n_ifaces; j++) {
			const struct topo_iface *ifc = &node->ifaces[j];
			struct owner o = { net.seg_of[i][j], (uint32_t)i };
			for (size_t a = 0; a < ifc->n_addrs; a++) {
				const struct cidr *c = &ifc->addrs[a].c;
				if (c->family == AF_INET6 && addr_is_link_local6(c->a))
					continue;
				dest_add(&ds, c, o);
			}
		}
	}
	size_t nn = lab->n_nodes;
	struct bfs b = {
		.dist = xmalloc(nn * sizeof(*b.dist)),
		.fh_if = xmalloc(nn * sizeof(*b.fh_if)),
		.fh_gw = xmalloc(nn * sizeof(*b.fh_gw)),
		.queue = xmalloc(nn * sizeof(*b.queue)),
	};
	for (size_t i = 0; i < nn; i++)
		if (node_routing(lab, lab->nodes[i]) == ROUTING_STATIC)
			routes_of(lab, &net, &ds, &b, (uint32_t)i);
	free(b.dist);
	free(b.fh_if);
	free(b.fh_gw);
	free(b.queue);
	dests_free(&ds);
	rtnet_free(&net);
}

/* ---- showing what was derived ---- */

char *routing_text(const struct topo_lab *lab)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort(); /* as the x* allocators: nothing useful survives OOM here */
	bool any = false;
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *n = lab->nodes[i];
		bool head = false;
		for (size_t r = 0; r < n->n_routes; r++) {
			const struct topo_route *rt = &n->routes[r];
			if (!(rt->has & ROUTE_COMPUTED))
				continue;
			if (!any)
				fputs("nodes:\n", f);
			if (!head)
				fprintf(f, "  %s:\n    routes:\n", n->name);
			any = head = true;
			char to[CIDR_STR_MAX], via[CIDR_STR_MAX];
			if (rt->to.plen == 0 && rt->to.family == AF_INET)
				snprintf(to, sizeof(to), "default");
			else
				cidr_format(&rt->to, to, sizeof(to));
			addr_format(rt->to.family, rt->via, via, sizeof(via));
			fprintf(f, "      - \"%s via %s dev %s\"\n", to, via, rt->dev);
		}
		if (!n->tmpl)
			continue;
		if (!any)
			fputs("nodes:\n", f);
		if (!head)
			fprintf(f, "  %s:\n", n->name);
		any = true;
		const char *c = n->config ? n->config : "";
		size_t cl = strlen(c), nl = 0;
		while (nl < cl && c[cl - 1 - nl] == '\n')
			nl++;
		if (!cl) {
			fputs("    config: \"\"\n", f);
			continue;
		}
		/* An explicit indentation: a first line that starts with a space stays as it is. */
		fprintf(f, "    config: |2%s\n", nl == 0 ? "-" : nl == 1 ? "" : "+");
		for (const char *p = c; *p;) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			fprintf(f, l ? "      %.*s\n" : "\n", (int)l, p);
			p += l + (e ? 1 : 0);
		}
	}
	fclose(f);
	return buf;
}

/* ---- the entry point ---- */

bool routing_lab(struct topo_lab *lab, struct diags *d)
{
	size_t before = d->n_errors;
	bool tmpl = false;
	for (size_t i = 0; i < lab->n_nodes; i++) {
		struct topo_node *n = lab->nodes[i];
		if (n->routing == ROUTING_STATIC && (n->kind == NODE_BRIDGE || n->kind == NODE_ROOT))
			diags_add(d, n->routing_loc, "%s: a %s node takes no routes (routing: static is "
				  "for hosts and routers)", n->name, n->kind == NODE_BRIDGE ? "bridge" : "host");
		tmpl |= n->tmpl != NULL;
	}
	if (d->n_errors > before)
		return false;
	routing_static(lab);
	if (!tmpl)
		return true;
	struct rtnet net;
	rtnet_build(&net, lab);
	bool ok = tmpl_render_lab(lab, &net, d);
	rtnet_free(&net);
	return ok;
}
