/* plan.c - the differ; see plan.h. Objects are matched by name: nodes by name and namespace,
 * links by their two ends, addresses by value, routes by destination and metric. */
#include "plan.h"
#include "impair.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct differ {
	struct plan *p;
	struct topo_lab *want; /* never NULL here: an empty lab stands for "nothing" */
	struct topo_lab *have;
	struct strmap want_links, have_links; /* "A:a|B:b" -> link index + 1 */
	bool *have_link_gone;                 /* deleted early: not deleted again */
};

static struct action *emit(struct differ *D, enum action_kind kind, const struct topo_lab *lab,
			   const struct topo_node *node)
{
	struct action *a = ARENA_PUSH(&D->p->arena, D->p->v, D->p->n, D->p->cap);
	a->kind = kind;
	a->lab = lab;
	a->node = node;
	if (lab == D->want && node)
		a->loc = node->loc;
	return a;
}

static const char *link_key(struct arena *ar, const struct topo_lab *lab, const struct topo_link *l)
{
	char a[300], b[300];
	snprintf(a, sizeof(a), "%s:%s", topo_end_node(lab, &l->end[0])->name,
		 topo_end_iface(lab, &l->end[0])->name);
	snprintf(b, sizeof(b), "%s:%s", topo_end_node(lab, &l->end[1])->name,
		 topo_end_iface(lab, &l->end[1])->name);
	return strcmp(a, b) <= 0 ? arena_printf(ar, "%s|%s", a, b) : arena_printf(ar, "%s|%s", b, a);
}

/* The observed node that is the desired one: same name and same namespace. */
static struct topo_node *have_of(struct differ *D, const struct topo_node *wn)
{
	struct topo_node *hn = topo_node_find(D->have, wn->name);
	if (!hn)
		return NULL;
	if (wn->kind == NODE_ROOT)
		return hn->kind == NODE_ROOT ? hn : NULL;
	if (hn->kind == NODE_ROOT || !hn->netns || strcmp(hn->netns, topo_node_netns(D->want, wn)) != 0)
		return NULL;
	return hn;
}

/* The desired node an observed one stays as, or NULL when it goes. */
static struct topo_node *want_of(struct differ *D, const struct topo_node *hn)
{
	struct topo_node *wn = topo_node_find(D->want, hn->name);
	if (hn->kind == NODE_ROOT)
		return wn && wn->kind == NODE_ROOT ? wn : NULL;
	return wn && have_of(D, wn) == hn ? wn : NULL;
}

static bool is_lo(const struct topo_iface *i)
{
	return strcmp(i->name, "lo") == 0;
}

static bool is_br(const struct topo_iface *i)
{
	return strcmp(i->name, TOPO_BRIDGE_DEV) == 0;
}

/* An observed interface that stays: its node stays, and it is lo, the bridge of a bridge node
 * that stays one, or an end of a link the file still has. */
static bool iface_stays(struct differ *D, const struct topo_node *hn, const struct topo_iface *hi)
{
	const struct topo_node *wn = want_of(D, hn);
	if (!wn)
		return false;
	if (is_lo(hi) && hn->kind != NODE_ROOT)
		return true;
	if (is_br(hi) && hi->link < 0)
		return wn->kind == NODE_BRIDGE;
	if (hi->link < 0)
		return false;
	const char *key = link_key(&D->p->arena, D->have, &D->have->links[hi->link]);
	return strmap_get(&D->want_links, key) != NULL;
}

uint32_t plan_wanted_mtu(const struct topo_lab *lab, const struct topo_iface *iface)
{
	if (iface->has & IFACE_HAS_MTU)
		return iface->mtu;
	if (iface->link >= 0 && (lab->links[iface->link].has & LINK_HAS_MTU))
		return lab->links[iface->link].mtu;
	return is_br(iface) ? 0 : 1500;
}

/* ---- nodes and links ---- */

static void add_nodes(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		if (wn->kind != NODE_ROOT && !have_of(D, wn))
			emit(D, ACT_NODE_ADD, D->want, wn);
	}
}

static void index_links(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_links; i++)
		strmap_put(&D->want_links, link_key(&D->p->arena, D->want, &D->want->links[i]),
			   (void *)(uintptr_t)(i + 1));
	for (size_t i = 0; i < D->have->n_links; i++)
		strmap_put(&D->have_links, link_key(&D->p->arena, D->have, &D->have->links[i]),
			   (void *)(uintptr_t)(i + 1));
	D->have_link_gone = arena_alloc(&D->p->arena, D->have->n_links + 1);
}

static void delete_link(struct differ *D, enum action_kind kind, const struct topo_node *hn,
			const struct topo_iface *hi)
{
	if (hi->link >= 0) {
		if (D->have_link_gone[hi->link])
			return;
		D->have_link_gone[hi->link] = true;
	}
	/* An end on no link (its peer's namespace was deleted) may be both in the way of a new
	 * link and left over: it is deleted once. Such ends are rare, so a scan will do. */
	for (size_t i = 0; hi->link < 0 && i < D->p->n; i++)
		if (D->p->v[i].iface == hi &&
		    (D->p->v[i].kind == ACT_LINK_DEL || D->p->v[i].kind == ACT_LINK_DEL_EARLY))
			return;
	struct action *a = emit(D, kind, D->have, hn);
	a->iface = hi;
	a->link = hi->link >= 0 ? &D->have->links[hi->link] : NULL;
}

/* A new link whose end names are still held by an observed interface (on another link, or on
 * none) can only be made once that interface is gone. */
static void clear_names_for_new_links(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_links; i++) {
		const struct topo_link *l = &D->want->links[i];
		if (strmap_get(&D->have_links, link_key(&D->p->arena, D->want, l)))
			continue;
		for (int e = 0; e < 2; e++) {
			const struct topo_node *hn = have_of(D, topo_end_node(D->want, &l->end[e]));
			const struct topo_iface *hi =
				hn ? topo_iface_find(hn, topo_end_iface(D->want, &l->end[e])->name) : NULL;
			if (hi && hi->ifindex > 0 && !is_lo(hi))
				delete_link(D, ACT_LINK_DEL_EARLY, hn, hi);
		}
	}
}

static void add_bridges_and_links(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		const struct topo_iface *br = hn ? topo_iface_find(hn, TOPO_BRIDGE_DEV) : NULL;
		if (wn->kind == NODE_BRIDGE && (!br || br->link >= 0))
			emit(D, ACT_BRIDGE_ADD, D->want, wn);
	}
	for (size_t i = 0; i < D->want->n_links; i++) {
		const struct topo_link *l = &D->want->links[i];
		if (strmap_get(&D->have_links, link_key(&D->p->arena, D->want, l)))
			continue;
		struct action *a = emit(D, ACT_LINK_ADD, D->want, topo_end_node(D->want, &l->end[0]));
		a->link = l;
		a->loc = l->loc;
	}
}

/* ---- interface settings ---- */

static void set_iface(struct differ *D, const struct topo_node *wn, const struct topo_iface *wi,
		      const struct topo_iface *hi)
{
	unsigned change = 0;
	uint32_t mtu = plan_wanted_mtu(D->want, wi);
	bool master = wn->kind == NODE_BRIDGE && !is_br(wi) && !is_lo(wi);
	if (!hi->up)
		change |= CHG_UP;
	if (hi->unmarked)
		change |= CHG_MARK;
	if (!is_lo(wi) && mtu && hi->mtu != mtu)
		change |= CHG_MTU;
	if ((wi->has & IFACE_HAS_MAC) && memcmp(wi->mac, hi->mac, 6) != 0)
		change |= CHG_MAC;
	if (!is_lo(wi) && !is_br(wi) && master != (strcmp(hi->master, TOPO_BRIDGE_DEV) == 0))
		change |= CHG_MASTER;
	if (!change)
		return;
	struct action *a = emit(D, ACT_LINK_SET, D->want, wn);
	a->iface = wi;
	a->old = hi;
	a->change = change;
	a->mtu = mtu;
	a->master = master;
	a->loc = wi->loc.line ? wi->loc : wn->loc;
}

static void set_ifaces(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		if (!hn)
			continue;
		for (size_t j = 0; j < hn->n_ifaces; j++) {
			const struct topo_iface *hi = &hn->ifaces[j];
			const struct topo_iface *wi = topo_iface_find(wn, hi->name);
			static const struct topo_iface implicit_lo = { .name = "lo", .link = -1 };
			static const struct topo_iface implicit_br = { .name = TOPO_BRIDGE_DEV, .link = -1 };
			if (!wi && is_lo(hi) && wn->kind != NODE_ROOT)
				wi = &implicit_lo;
			if (!wi && is_br(hi) && wn->kind == NODE_BRIDGE)
				wi = &implicit_br;
			if (wi && iface_stays(D, hn, hi))
				set_iface(D, wn, wi, hi);
		}
	}
}

/* Each link end's egress impairments, against what its qdiscs do now (none on an interface
 * that is made or made again by this plan). */
static void set_impairs(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		for (size_t j = 0; j < wn->n_ifaces; j++) {
			const struct topo_iface *wi = &wn->ifaces[j];
			const struct topo_iface *hi = hn ? topo_iface_find(hn, wi->name) : NULL;
			if (wi->link < 0)
				continue;
			if (hi && !iface_stays(D, hn, hi))
				hi = NULL;
			if (impair_equal(wi->impair, hi ? hi->impair : NULL))
				continue;
			struct action *a = emit(D, ACT_QDISC_SET, D->want, wn);
			a->iface = wi;
			a->old = hi;
			a->loc = wi->impair ? wi->impair->loc : wi->loc;
		}
	}
}

/* An observed interface whose mtu the plan lowers below IPv6's minimum (1280): the kernel
 * takes IPv6 off it with the change, its IPv6 addresses and routes with it. */
static bool loses_ipv6(struct differ *D, const struct topo_node *hn, const struct topo_iface *hi)
{
	const struct topo_node *wn = want_of(D, hn);
	const struct topo_iface *wi = wn ? topo_iface_find(wn, hi->name) : NULL;
	if (!wi || is_lo(hi) || hi->mtu < 1280 || !iface_stays(D, hn, hi))
		return false;
	uint32_t mtu = plan_wanted_mtu(D->want, wi);
	return mtu && mtu < 1280;
}

/* ---- addresses ---- */

static bool has_addr(const struct topo_iface *i, const struct cidr *c)
{
	for (size_t a = 0; i && a < i->n_addrs; a++)
		if (cidr_equal(&i->addrs[a].c, c))
			return true;
	return false;
}

/* IPv6 keys an address by its value alone: a new prefix length needs the old one gone first. */
static bool v6_same_value(const struct cidr *a, const struct cidr *b)
{
	return a->family == AF_INET6 && b->family == AF_INET6 && a->plen != b->plen &&
	       memcmp(a->a, b->a, 16) == 0;
}

static void add_addrs(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		for (size_t j = 0; j < wn->n_ifaces; j++) {
			const struct topo_iface *wi = &wn->ifaces[j];
			const struct topo_iface *hi = hn ? topo_iface_find(hn, wi->name) : NULL;
			if (hi && !iface_stays(D, hn, hi))
				hi = NULL;
			for (size_t a = 0; a < wi->n_addrs; a++) {
				if (has_addr(hi, &wi->addrs[a].c))
					continue;
				for (size_t h = 0; hi && h < hi->n_addrs; h++)
					if (v6_same_value(&hi->addrs[h].c, &wi->addrs[a].c)) {
						struct action *d = emit(D, ACT_ADDR_DEL_EARLY, D->have, hn);
						d->iface = hi;
						d->addr = hi->addrs[h].c;
					}
				struct action *x = emit(D, ACT_ADDR_ADD, D->want, wn);
				x->iface = wi;
				x->addr = wi->addrs[a].c;
				x->loc = wi->addrs[a].loc;
			}
		}
	}
}

static void del_addrs(struct differ *D)
{
	if (D->want->keep_unlisted)
		return; /* the lab's exec: lines and daemons made them */
	for (size_t i = 0; i < D->have->n_nodes; i++) {
		const struct topo_node *hn = D->have->nodes[i];
		const struct topo_node *wn = want_of(D, hn);
		for (size_t j = 0; wn && j < hn->n_ifaces; j++) {
			const struct topo_iface *hi = &hn->ifaces[j];
			if (!iface_stays(D, hn, hi))
				continue;
			const struct topo_iface *wi = topo_iface_find(wn, hi->name);
			for (size_t a = 0; a < hi->n_addrs; a++) {
				bool early = false;
				for (size_t w = 0; wi && w < wi->n_addrs; w++)
					early |= v6_same_value(&hi->addrs[a].c, &wi->addrs[w].c);
				if (has_addr(wi, &hi->addrs[a].c) || early ||
				    (hi->addrs[a].c.family == AF_INET6 && loses_ipv6(D, hn, hi)))
					continue;
				struct action *d = emit(D, ACT_ADDR_DEL, D->have, hn);
				d->iface = hi;
				d->addr = hi->addrs[a].c;
			}
		}
	}
}

/* ---- sysctls ---- */

/* The observed interface a per-interface key (net.ipv4.conf.IF.*, net.ipv6.neigh.IF.*) is of,
 * when the plan deletes it: its settings go with it, and a new one starts from the defaults. */
static bool sysctl_iface_goes(struct differ *D, const struct topo_node *hn, const char *key)
{
	if (!hn || (strncmp(key, "net.ipv4.", 9) != 0 && strncmp(key, "net.ipv6.", 9) != 0))
		return false;
	const char *p = key + 9;
	if (strncmp(p, "conf.", 5) == 0)
		p += 5;
	else if (strncmp(p, "neigh.", 6) == 0)
		p += 6;
	else
		return false;
	const char *end = strchr(p, '.');
	char name[TOPO_IFNAME_MAX + 1];
	if (!end || (size_t)(end - p) > TOPO_IFNAME_MAX)
		return false;
	for (size_t i = 0; i < (size_t)(end - p); i++) /* sysctl writes a '.' in a name as '/' */
		name[i] = p[i] == '/' ? '.' : p[i];
	name[end - p] = '\0';
	const struct topo_iface *hi = topo_iface_find(hn, name);
	return hi && !iface_stays(D, hn, hi);
}

static void set_sysctls(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		size_t n;
		const struct topo_sysctl *s = topo_node_sysctls(D->want, wn, &n);
		for (size_t k = 0; k < n; k++) {
			const char *old = NULL;
			for (size_t h = 0; hn && h < hn->n_sysctls; h++)
				if (strcmp(hn->sysctls[h].key, s[k].key) == 0)
					old = hn->sysctls[h].value;
			char a[256], b[256];
			topo_sysctl_normalize(s[k].value, a, sizeof(a));
			bool again = old && sysctl_iface_goes(D, hn, s[k].key);
			if (old && !again) {
				topo_sysctl_normalize(old, b, sizeof(b));
				if (strcmp(a, b) == 0)
					continue;
			} else if (!hn && !topo_node_is_router(wn) && strcmp(a, "0") == 0 &&
				   (strcmp(s[k].key, "net.ipv4.ip_forward") == 0 ||
				    strcmp(s[k].key, "net.ipv6.conf.all.forwarding") == 0)) {
				continue; /* a new namespace starts with forwarding off */
			}
			struct action *x = emit(D, ACT_SYSCTL_SET, D->want, wn);
			x->sysctl = &s[k];
			x->old_value = old;
			x->text = again ? "its interface is made again" : NULL;
			x->loc = s[k].loc;
		}
	}
}

/* ---- routes ---- */

static bool route_key_equal(const struct topo_route *w, const struct topo_route *h)
{
	return cidr_equal(&w->to, &h->to) && topo_route_metric(w) == h->metric;
}

static bool route_value_equal(const struct topo_route *w, const struct topo_route *h)
{
	bool wvia = w->has & ROUTE_HAS_VIA, hvia = h->has & ROUTE_HAS_VIA;
	if (wvia != hvia || (wvia && memcmp(w->via, h->via, 16) != 0))
		return false;
	if ((w->has & ROUTE_HAS_DEV) && strcmp(w->dev, h->dev) != 0)
		return false;
	return h->proto == TOPO_RTPROT;
}

static const struct topo_iface *iface_by_index(const struct topo_node *n, int ifindex)
{
	for (size_t i = 0; i < n->n_ifaces; i++)
		if (n->ifaces[i].ifindex == ifindex)
			return &n->ifaces[i];
	return NULL;
}

static bool has_family(const struct topo_iface *i, uint8_t family)
{
	for (size_t a = 0; i && a < i->n_addrs; a++)
		if (i->addrs[a].c.family == family)
			return true;
	return false;
}

static bool on_subnet(const struct topo_iface *i, uint8_t family, const uint8_t via[16])
{
	for (size_t a = 0; i && a < i->n_addrs; a++)
		if (cidr_contains(&i->addrs[a].c, family, via))
			return true;
	return false;
}

/* Why the kernel drops a route the file keeps, as a side effect of this plan (NULL: it does
 * not). A route goes with its interface; an interface's last IPv4 address takes its IPv4 routes
 * along (fib_disable_ip); a gateway whose subnet leaves the interface keeps the route there, on
 * a path that no longer works. */
static const char *route_doomed(struct differ *D, const struct topo_node *hn,
				const struct topo_node *wn, const struct topo_route *wr,
				const struct topo_route *hr)
{
	const struct topo_iface *oif = iface_by_index(hn, hr->oif);
	if (!oif || is_lo(oif))
		return NULL;
	if (!iface_stays(D, hn, oif))
		return "its interface goes";
	const struct topo_iface *wi = topo_iface_find(wn, oif->name);
	if (hr->to.family == AF_INET && has_family(oif, AF_INET) && !has_family(wi, AF_INET))
		return "its interface loses its last IPv4 address";
	if ((wr->has & ROUTE_HAS_VIA) && !(wr->has & ROUTE_HAS_DEV) && !on_subnet(wi, wr->to.family, wr->via)) {
		/* A route of the file's through that interface (dev, no via) may hold the gateway. */
		for (size_t r = 0; r < wn->n_routes; r++) {
			const struct topo_route *d = &wn->routes[r];
			if ((d->has & ROUTE_HAS_DEV) && !(d->has & ROUTE_HAS_VIA) && strcmp(d->dev, oif->name) == 0 &&
			    cidr_contains(&d->to, wr->to.family, wr->via))
				return NULL;
		}
		return "its gateway moves to another interface";
	}
	return NULL;
}

/* Routes are added after every deletion of the plan: the kernel then resolves each gateway
 * through the interfaces that stay, and no route is added only to be dropped with an interface
 * or an address deleted after it. */
static void add_routes(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		for (size_t r = 0; r < wn->n_routes; r++) {
			const struct topo_route *wr = &wn->routes[r], *hr = NULL;
			for (size_t h = 0; hn && h < hn->n_routes && !hr; h++)
				if (route_key_equal(wr, &hn->routes[h]))
					hr = &hn->routes[h];
			const char *why = NULL;
			if (hr && route_value_equal(wr, hr) && !(why = route_doomed(D, hn, wn, wr, hr)))
				continue;
			struct action *x = emit(D, why ? ACT_ROUTE_READD : hr ? ACT_ROUTE_REPLACE : ACT_ROUTE_ADD,
						D->want, wn);
			x->route = wr;
			x->old_route = hr;
			x->text = why;
			x->loc = wr->loc;
		}
	}
}

static void del_routes(struct differ *D)
{
	if (D->want->keep_unlisted)
		return;
	for (size_t i = 0; i < D->have->n_nodes; i++) {
		const struct topo_node *hn = D->have->nodes[i];
		const struct topo_node *wn = want_of(D, hn);
		if (!wn && hn->kind != NODE_ROOT)
			continue; /* goes with its namespace */
		for (size_t h = 0; h < hn->n_routes; h++) {
			const struct topo_route *hr = &hn->routes[h];
			bool wanted = false;
			for (size_t r = 0; wn && r < wn->n_routes && !wanted; r++)
				wanted = route_key_equal(&wn->routes[r], hr);
			const struct topo_iface *oif = iface_by_index(hn, hr->oif);
			if (wanted || (oif && !is_lo(oif) && !iface_stays(D, hn, oif)) ||
			    (oif && hr->to.family == AF_INET6 && loses_ipv6(D, hn, oif)))
				continue; /* kept, or goes with its interface (or its IPv6) */
			struct action *x = emit(D, ACT_ROUTE_DEL, D->have, hn);
			x->route = hr;
		}
	}
}

/* ---- NAT and the uplink ---- */

/* The order the kernel lists a node's rules in: prerouting (dnat), then postrouting. */
static size_t nat_texts_in_kernel_order(const struct topo_node *wn, const char **out)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < wn->n_nat; i++)
			if ((wn->nat[i].kind == NAT_DNAT) == (pass == 0))
				out[n++] = wn->nat[i].text;
	return n;
}

static bool nat_has_text(const struct topo_nat *v, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].text, text) == 0)
			return true;
	return false;
}

static void set_nat(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i];
		const struct topo_node *hn = have_of(D, wn);
		if (wn->kind == NODE_ROOT)
			continue;
		if (!wn->has_nat && !wn->n_nat) {
			if (hn && hn->has_nat)
				emit(D, ACT_NAT_TABLE_DEL, D->have, hn);
			continue;
		}
		bool table = hn && hn->has_nat;
		size_t changes = 0;
		for (size_t r = 0; r < wn->n_nat; r++) {
			if (table && nat_has_text(hn->nat, hn->n_nat, wn->nat[r].text))
				continue;
			struct action *a = emit(D, ACT_NAT_ADD, D->want, wn);
			a->nat = &wn->nat[r];
			a->loc = wn->nat[r].loc;
			changes++;
		}
		for (size_t h = 0; table && h < hn->n_nat; h++) {
			if (nat_has_text(wn->nat, wn->n_nat, hn->nat[h].text))
				continue;
			emit(D, ACT_NAT_DEL_RULE, D->want, wn)->nat = &hn->nat[h];
			changes++;
		}
		if (changes)
			continue;
		bool same_order = table && hn->n_nat == wn->n_nat;
		const char **order = arena_alloc(&D->p->arena, (wn->n_nat + 1) * sizeof(*order));
		nat_texts_in_kernel_order(wn, order);
		for (size_t r = 0; same_order && r < wn->n_nat; r++)
			same_order = strcmp(order[r], hn->nat[r].text) == 0;
		if (!table || !same_order || !hn->nat_intact)
			emit(D, ACT_NAT_REWRITE, D->want, wn);
	}
}

static void set_uplink(struct differ *D)
{
	const struct topo_uplink *u = D->want->uplink, *h = D->have->uplink;
	if (u && (!h || !h->intact || (u->forwarding && (!h->ip_forward || strcmp(h->ip_forward, "1") != 0))))
	{
		struct action *a = emit(D, ACT_UPLINK_SET, D->want, NULL);
		a->loc = u->loc;
		a->change = h != NULL; /* the table is there: a change, not a creation */
	}
	if (!u && h)
		emit(D, ACT_UPLINK_DEL, D->have, NULL);
}

/* ---- what nodes see and run: /etc/hosts, files, daemons, exec: ---- */

static void set_hosts(struct differ *D)
{
	bool nodes = false;
	for (size_t i = 0; i < D->want->n_nodes; i++)
		nodes |= D->want->nodes[i]->kind != NODE_ROOT;
	if (!nodes)
		return;
	char *text = topo_hosts_text(&D->p->arena, D->want);
	if (D->have->hosts && strcmp(D->have->hosts, text) == 0)
		return;
	struct action *a = emit(D, ACT_HOSTS_SET, D->want, NULL);
	a->text = text;
	a->change = D->have->hosts != NULL;
}

static void set_envs(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i], *hn = have_of(D, wn);
		if (hn && wn->kind != NODE_ROOT && !hn->has_env)
			emit(D, ACT_NODE_ENV_ADD, D->want, wn);
		const char *name = wn->hostname ? wn->hostname : wn->name;
		if (hn && hn->has_env && hn->uts_name && strcmp(hn->uts_name, name) != 0) {
			struct action *a = emit(D, ACT_HOSTNAME_SET, D->want, wn);
			a->text = hn->uts_name;
			if (wn->has & NODE_HAS_HOSTNAME)
				a->loc = wn->loc;
		}
	}
}

static const struct topo_file *file_find(const struct topo_node *n, const char *path)
{
	for (size_t i = 0; n && i < n->n_files; i++)
		if (strcmp(n->files[i].path, path) == 0)
			return &n->files[i];
	return NULL;
}

/* Whether a node's file changed (or is new), so its programs must see it again. */
static bool files_changed(const struct topo_node *wn, const struct topo_node *hn)
{
	for (size_t i = 0; i < wn->n_files; i++) {
		const struct topo_file *h = file_find(hn, wn->files[i].path);
		if (!h || h->digest != wn->files[i].digest || h->unseen)
			return true;
	}
	return false;
}

static void set_files(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i], *hn = have_of(D, wn);
		if (hn && !hn->has_env)
			hn = NULL; /* its new mount namespace has none of them yet */
		for (size_t f = 0; wn->kind != NODE_ROOT && f < wn->n_files; f++) {
			const struct topo_file *h = file_find(hn, wn->files[f].path);
			if (h && h->digest == wn->files[f].digest && !h->unseen)
				continue;
			struct action *a = emit(D, ACT_FILE_SET, D->want, wn);
			a->file = &wn->files[f];
			a->loc = wn->files[f].loc;
			if (h)
				a->change = (h->digest != wn->files[f].digest ? FILE_CHG_CONTENT : 0) |
					    (h->unseen ? FILE_CHG_UNSEEN : 0);
		}
		for (size_t f = 0; hn && f < hn->n_files; f++)
			if (!file_find(wn, hn->files[f].path))
				emit(D, ACT_FILE_DEL, D->have, hn)->file = &hn->files[f];
	}
}

static bool is_running(const struct topo_node *hn, const char *daemon)
{
	for (size_t i = 0; hn && i < hn->n_running; i++)
		if (strcmp(hn->running[i], daemon) == 0)
			return true;
	return false;
}

/* The record of a node's exec: lines and, after them, its env: (programs started with other
 * variables must start again). */
static const char *exec_record_text(struct arena *ar, const struct topo_node *wn)
{
	const char *text = topo_exec_text(ar, wn);
	for (size_t i = 0; i < wn->n_env; i++)
		text = arena_printf(ar, "%s\x1e%s=%s\n", text, wn->env[i].name, wn->env[i].value);
	return text;
}

static const char *env_part(const char *record)
{
	const char *at = record ? strchr(record, '\x1e') : NULL;
	return at ? at : "";
}

static void set_programs(struct differ *D)
{
	for (size_t i = 0; i < D->want->n_nodes; i++) {
		const struct topo_node *wn = D->want->nodes[i], *hn = have_of(D, wn);
		const char *daemons[64];
		size_t n = topo_node_daemons(wn, daemons, 64);
		const char *text = exec_record_text(&D->p->arena, wn);
		bool env_changed = hn && strcmp(env_part(text), env_part(hn->exec_record)) != 0;
		bool conf = files_changed(wn, hn) || env_changed;
		if (n) {
			const char *missing = NULL;
			for (size_t d = 0; d < n && !missing; d++)
				if (!is_running(hn, daemons[d]))
					missing = daemons[d];
			struct action *a = NULL;
			/* BIRD rereads its file on a reload, but a new environment needs a new process. */
			if (missing || env_changed || (conf && wn->kind == NODE_FRR))
				a = emit(D, ACT_DAEMONS_START, D->want, wn);
			else if (conf)
				a = emit(D, ACT_DAEMONS_RELOAD, D->want, wn);
			if (a) {
				a->text = !hn ? "" : missing ? arena_printf(&D->p->arena, "%s is not running", missing)
							 : env_changed ? "its environment changed"
							 : "its configuration changed";
				a->change = hn && hn->n_running;
			}
		}
		if (!wn->n_execs && !wn->n_env && !(hn && hn->exec_record && hn->exec_record[0]))
			continue;
		bool same = hn && hn->exec_record && strcmp(hn->exec_record, text) == 0;
		if (!same || conf) {
			struct action *a = emit(D, ACT_EXEC_RUN, D->want, wn);
			a->text = text;
			a->change = hn && hn->exec_record;
		}
	}
}

/* ---- deletions ---- */

static void del_links_and_nodes(struct differ *D)
{
	for (size_t i = 0; i < D->have->n_nodes; i++) {
		const struct topo_node *hn = D->have->nodes[i];
		const struct topo_node *wn = want_of(D, hn);
		for (size_t j = 0; j < hn->n_ifaces; j++) {
			const struct topo_iface *hi = &hn->ifaces[j];
			if (is_lo(hi) && hn->kind != NODE_ROOT)
				continue;
			if (hi->link >= 0) {
				const struct topo_link *l = &D->have->links[hi->link];
				const struct topo_node *other = topo_end_node(D->have, &l->end[0]) == hn
									? topo_end_node(D->have, &l->end[1])
									: topo_end_node(D->have, &l->end[0]);
				/* A link between two namespaces that both go, goes with them; else it is
				 * deleted now, so its surviving end disappears at once. */
				bool survives = wn || hn->kind == NODE_ROOT || want_of(D, other) ||
						other->kind == NODE_ROOT;
				if (survives && !iface_stays(D, hn, hi))
					delete_link(D, ACT_LINK_DEL, hn, hi);
			} else if (is_br(hi)) {
				if (wn && wn->kind != NODE_BRIDGE)
					emit(D, ACT_BRIDGE_DEL, D->have, hn)->iface = hi;
			} else if (wn || hn->kind == NODE_ROOT) {
				delete_link(D, ACT_LINK_DEL, hn, hi); /* an end whose pair was broken */
			}
		}
	}
	for (size_t i = 0; i < D->have->n_nodes; i++) {
		const struct topo_node *hn = D->have->nodes[i];
		if (hn->kind != NODE_ROOT && !want_of(D, hn))
			emit(D, ACT_NODE_DEL, D->have, hn);
	}
}

void plan_build(struct plan *p, struct topo_lab *want, struct topo_lab *have)
{
	struct topo_lab *empty = NULL;
	if (!want) {
		empty = topo_lab_new();
		empty->name = have->name;
		want = empty;
	}
	memset(p, 0, sizeof(*p));
	p->want = want == empty ? NULL : want;
	p->have = have;
	struct differ D = { .p = p, .want = want, .have = have };
	index_links(&D);
	set_hosts(&D);
	add_nodes(&D);
	set_envs(&D);
	clear_names_for_new_links(&D);
	add_bridges_and_links(&D);
	set_ifaces(&D);
	set_impairs(&D);
	add_addrs(&D);
	set_sysctls(&D);
	add_routes(&D);
	set_nat(&D);
	set_uplink(&D);
	set_files(&D);
	set_programs(&D);
	del_routes(&D);
	del_addrs(&D);
	del_links_and_nodes(&D);
	if (D.have->has_run_dir && !want->n_nodes)
		emit(&D, ACT_LAB_DIR_DEL, D.have, NULL);
	/* The actions in the order of plan_kinds.h, each kind's in the order they were found (a
	 * stable counting sort): early deletions before the creations of the same names, routes
	 * after the deletions. */
	size_t n = p->n, start[ACT__COUNT + 1] = { 0 };
	for (size_t i = 0; i < n; i++)
		start[p->v[i].kind + 1]++;
	for (size_t k = 0; k < ACT__COUNT; k++)
		start[k + 1] += start[k];
	struct action *sorted = arena_alloc(&p->arena, (n ? n : 1) * sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[start[p->v[i].kind]++] = p->v[i];
	p->v = sorted;
	p->cap = n;
	strmap_free(&D.want_links);
	strmap_free(&D.have_links);
	if (empty) {
		/* Actions point into have only; the empty lab can go. */
		topo_lab_free(empty);
	}
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	arena_free(&p->arena);
	memset(p, 0, sizeof(*p));
}

/* ---- printing ---- */

static const char *node_label(const struct topo_node *n)
{
	return n->kind == NODE_ROOT ? TOPO_HOST_NODE : n->name;
}

static void route_text(const struct topo_route *r, char *buf, size_t len)
{
	char to[CIDR_STR_MAX], via[CIDR_STR_MAX];
	if (r->to.plen == 0)
		snprintf(to, sizeof(to), "%s", r->to.family == AF_INET6 ? "default (IPv6)" : "default");
	else
		cidr_format(&r->to, to, sizeof(to));
	int n = snprintf(buf, len, "%s", to);
	if (r->has & ROUTE_HAS_VIA)
		n += snprintf(buf + n, len - (size_t)n, " via %s", addr_format(r->to.family, r->via, via, sizeof(via)));
	/* The kernel names the device of every route; say it only where the file would. */
	bool observed = r->proto != 0;
	if ((r->has & ROUTE_HAS_DEV) && r->dev[0] && !(observed && (r->has & ROUTE_HAS_VIA)))
		n += snprintf(buf + n, len - (size_t)n, " dev %s", r->dev);
	uint32_t m = topo_route_metric(r);
	if (m && !(r->to.family == AF_INET6 && m == 1024))
		snprintf(buf + n, len - (size_t)n, " metric %u", m);
}

static void link_text(const struct topo_lab *lab, const struct action *a, char *buf, size_t len)
{
	if (!a->link) {
		snprintf(buf, len, "%s:%s", node_label(a->node), a->iface->name);
		return;
	}
	const struct topo_end *e = a->link->end;
	snprintf(buf, len, "%s:%s <-> %s:%s", node_label(topo_end_node(lab, &e[0])),
		 topo_end_iface(lab, &e[0])->name, node_label(topo_end_node(lab, &e[1])),
		 topo_end_iface(lab, &e[1])->name);
}

static void mac_text(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void set_text(const struct action *a, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s:%s", node_label(a->node), a->iface->name);
	const char *sep = " ";
	if (a->change & CHG_MTU) {
		n += snprintf(buf + n, len - (size_t)n, "%smtu %u -> %u%s", sep, a->old->mtu, a->mtu,
			      a->mtu < 1280 && a->old->mtu >= 1280 ? " (IPv6 goes with it)" : "");
		sep = ", ";
	}
	if (a->change & CHG_MAC) {
		char o[24], w[24];
		mac_text(a->old->mac, o, sizeof(o));
		mac_text(a->iface->mac, w, sizeof(w));
		n += snprintf(buf + n, len - (size_t)n, "%smac %s -> %s", sep, o, w);
		sep = ", ";
	}
	if (a->change & CHG_MASTER) {
		n += snprintf(buf + n, len - (size_t)n, "%s%s", sep,
			      a->master ? "into bridge " TOPO_BRIDGE_DEV : "out of its bridge");
		sep = ", ";
	}
	if (a->change & CHG_MARK) {
		n += snprintf(buf + n, len - (size_t)n, "%sunmarked -> the lab's", sep);
		sep = ", ";
	}
	if (a->change & CHG_UP)
		snprintf(buf + n, len - (size_t)n, "%sdown -> up", sep);
}

/* ---- the text of each kind (the column `text` of plan_kinds.h) ---- */

static void text_node(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "node %s", a->node->name);
}

static void text_bridge(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "bridge %s:%s", a->node->name, TOPO_BRIDGE_DEV);
}

static void text_link(const struct action *a, char *buf, size_t len)
{
	char x[512];
	link_text(a->lab, a, x, sizeof(x));
	snprintf(buf, len, "link %s", x);
}

static void text_link_set(const struct action *a, char *buf, size_t len)
{
	set_text(a, buf, len);
}

static void text_impair(const struct action *a, char *buf, size_t len)
{
	char d[512];
	impair_diff_text(a->old ? a->old->impair : NULL, a->iface->impair, d, sizeof(d));
	snprintf(buf, len, "link %s:%s %s", node_label(a->node), a->iface->name, d);
}

static void text_addr(const struct action *a, char *buf, size_t len)
{
	char x[CIDR_STR_MAX];
	snprintf(buf, len, "address %s:%s %s", node_label(a->node), a->iface->name,
		 cidr_format(&a->addr, x, sizeof(x)));
}

static void text_sysctl(const struct action *a, char *buf, size_t len)
{
	if (a->text) {
		snprintf(buf, len, "sysctl %s: %s = %s (%s)", a->node->name, a->sysctl->key, a->sysctl->value,
			 a->text);
		return;
	}
	snprintf(buf, len, "sysctl %s: %s %s -> %s", a->node->name, a->sysctl->key,
		 a->old_value ? a->old_value : "(unreadable)", a->sysctl->value);
}

static void text_route(const struct action *a, char *buf, size_t len)
{
	char x[512];
	route_text(a->route, x, sizeof(x));
	if (a->kind == ACT_ROUTE_READD)
		snprintf(buf, len, "route %s: %s (again: %s)", node_label(a->node), x, a->text);
	else
		snprintf(buf, len, "route %s: %s", node_label(a->node), x);
}

static void text_route_replace(const struct action *a, char *buf, size_t len)
{
	char x[512], y[512];
	route_text(a->old_route, x, sizeof(x));
	route_text(a->route, y, sizeof(y));
	snprintf(buf, len, "route %s: %s -> %s%s", node_label(a->node), x, y,
		 a->old_route->proto != TOPO_RTPROT ? " (made by hand)" : "");
}

static void text_nat_rule(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "nat %s: %s", a->node->name, a->nat->text);
}

static void text_nat_table(const struct action *a, char *buf, size_t len)
{
	if (a->kind == ACT_NAT_TABLE_DEL)
		snprintf(buf, len, "nat %s: table %s", a->node->name, TOPO_NAT_TABLE);
	else
		snprintf(buf, len, "nat %s: table %s%s", a->node->name, TOPO_NAT_TABLE,
			 a->node->n_nat ? " differs from the file (edited by hand: chains, rule bodies or "
					  "order)" : " (no rules)");
}

static void text_uplink(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "uplink: %s via %s%s", a->lab->uplink->masquerade ? "masquerade" : "route",
		 a->lab->uplink->host_interface, a->lab->uplink->forwarding ? ", host forwarding on" : "");
}

static void text_uplink_del(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "uplink: table in the host%s",
		 a->lab->uplink->userdata && strstr(a->lab->uplink->userdata, "ip_forward_before=")
			 ? ", host forwarding put back" : "");
}

static void text_hosts(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "file /etc/hosts of every node (%s)", a->where ? a->where : "the lab's hosts file");
}

static void text_hostname(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "node %s: hostname %s -> %s", a->node->name, a->text,
		 a->node->hostname ? a->node->hostname : a->node->name);
}

static void text_env(const struct action *a, char *buf, size_t len)
{
	snprintf(buf, len, "node %s: hostname, private /run and /tmp (UTS and mount namespaces)", a->node->name);
}

static void text_file(const struct action *a, char *buf, size_t len)
{
	bool set = a->kind == ACT_FILE_SET;
	snprintf(buf, len, "file %s:%s%s%s%s", a->node->name, a->file->path,
		 set && (a->change & FILE_CHG_CONTENT) ? " differs from the lab file" : "",
		 set && a->change == (FILE_CHG_CONTENT | FILE_CHG_UNSEEN) ? " and" : "",
		 set && (a->change & FILE_CHG_UNSEEN) ? " is not what the node sees there (not laid over it)" : "");
}

static void text_lab_dir(const struct action *a, char *buf, size_t len)
{
	if (a->where)
		snprintf(buf, len, "file %s (the lab's run directory)", a->where);
	else
		snprintf(buf, len, "file: the lab's run directory");
}

static void text_daemons(const struct action *a, char *buf, size_t len)
{
	const char *d[64];
	size_t n = topo_node_daemons(a->node, d, 64);
	int k = snprintf(buf, len, "daemons %s:", a->node->name);
	for (size_t i = 0; i < n && (size_t)k < len; i++)
		k += snprintf(buf + k, len - (size_t)k, " %s", d[i]);
	if (a->text && a->text[0] && (size_t)k < len)
		snprintf(buf + k, len - (size_t)k, " (%s%s)", a->text,
			 a->kind == ACT_DAEMONS_RELOAD ? ": reload" : a->change ? ": restart" : "");
}

static void text_exec(const struct action *a, char *buf, size_t len)
{
	size_t lines = 0;
	for (const char *c = a->text; *c; c++)
		lines += *c == '\n';
	snprintf(buf, len, "exec %s: %zu command%s%s", a->node->name, lines, lines == 1 ? "" : "s",
		 a->change ? " again (its files or commands changed)" : "");
}

/* ---- the table ---- */

#define PLAN_KIND_ROW(k, op, verb, verb_change, word, after_envs, text) \
	[ACT_##k] = { #k, op, verb, verb_change, word, after_envs, text },
static const struct action_kind_info kinds[] = { PLAN_ACTION_KINDS(PLAN_KIND_ROW) };
#undef PLAN_KIND_ROW
static_assert(sizeof(kinds) / sizeof(*kinds) == ACT__COUNT, "one row per action kind");

#define PLAN_WORD_TEXT(w, text) [WORD_##w] = text,
static const char *const words[] = { PLAN_WORDS(PLAN_WORD_TEXT) };
#undef PLAN_WORD_TEXT
static_assert(sizeof(words) / sizeof(*words) == WORD__COUNT, "one text per object word");

const struct action_kind_info *plan_kind(enum action_kind kind)
{
	return &kinds[kind];
}

char plan_action_op(const struct action *a)
{
	char op = kinds[a->kind].op;
	return op != '?' ? op : a->change ? '~' : '+';
}

const char *plan_action_verb(const struct action *a)
{
	const struct action_kind_info *k = &kinds[a->kind];
	return a->change && k->verb_change ? k->verb_change : k->verb;
}

const char *plan_action_object(const struct action *a)
{
	return words[kinds[a->kind].word];
}

void plan_action_text(const struct action *a, char *buf, size_t len)
{
	kinds[a->kind].text(a, buf, len);
}

void plan_print(FILE *out, const struct plan *p, bool color)
{
	for (size_t i = 0; i < p->n; i++) {
		char text[1200];
		char op = plan_action_op(&p->v[i]);
		plan_action_text(&p->v[i], text, sizeof(text));
		if (color)
			fprintf(out, "\033[%sm%c %s\033[0m\n", op == '+' ? "32" : op == '-' ? "31" : "33",
				op, text);
		else
			fprintf(out, "%c %s\n", op, text);
	}
}

void plan_summary(const struct plan *p, char *buf, size_t len)
{
	static const char ops[] = { '+', '~', '-' };
	size_t count[3][WORD__COUNT] = { { 0 } };
	for (size_t i = 0; i < p->n; i++) {
		char op = plan_action_op(&p->v[i]);
		count[op == '+' ? 0 : op == '~' ? 1 : 2][kinds[p->v[i].kind].word]++;
	}
	int n = snprintf(buf, len, "%zu change%s", p->n, p->n == 1 ? "" : "s");
	const char *sep = ": ";
	for (size_t o = 0; o < 3; o++)
		for (size_t w = 0; w < WORD__COUNT; w++) {
			if (count[o][w] && (size_t)n < len)
				n += snprintf(buf + n, len - (size_t)n, "%s%c%zu %s", sep, ops[o], count[o][w], words[w]);
			if (count[o][w])
				sep = ", ";
		}
}
