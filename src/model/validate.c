/* validate.c - cross-object checks of a lab; see validate.h. */
#include "validate.h"
#include "lint.h"
#include "load_yaml.h"
#include "neigh.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const frr_daemons[] = {
	"zebra", "bgpd",  "ospfd",  "ospf6d", "ripd",   "ripngd", "isisd",  "pimd",   "pim6d",
	"ldpd",  "nhrpd", "eigrpd", "babeld", "sharpd", "pbrd",   "bfdd",   "fabricd", "vrrpd",
	"pathd", "staticd", NULL,
};

bool validate_lab_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TOPO_LAB_NAME_MAX || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return false;
	return true;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

bool validate_node_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TOPO_NODE_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

bool validate_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TOPO_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

struct checker {
	struct topo_lab *lab;
	struct diags *d;
};

#define SAY(C, loc, ...) diags_add((C)->d, (loc), __VA_ARGS__)

static void check_names(struct checker *C)
{
	struct topo_lab *lab = C->lab;
	/* Too long gets its own message: the characters are fine, and counting them is tedious. */
	if (lab->name && strlen(lab->name) > TOPO_LAB_NAME_MAX)
		SAY(C, lab->name_loc, "lab name '%s' is %zu characters long, more than %d", lab->name,
		    strlen(lab->name), TOPO_LAB_NAME_MAX);
	else if (lab->name && !validate_lab_name(lab->name))
		SAY(C, lab->name_loc,
		    "invalid lab name '%s' (lower-case letters, digits and '-', starting with a letter "
		    "or digit, at most %d characters)", lab->name, TOPO_LAB_NAME_MAX);
	for (const char *p = lab->prefix; lab->prefix_set && *p; p++)
		if (!name_char(*p)) {
			SAY(C, lab->prefix_loc,
			    "invalid prefix '%s' (letters, digits, '_', '.' and '-' only)", lab->prefix);
			break;
		}
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *node = lab->nodes[i];
		if (node->kind == NODE_ROOT)
			continue;
		if (strlen(node->name) > TOPO_NODE_NAME_MAX)
			SAY(C, node->loc, "node name '%s' is %zu characters long, more than %d", node->name,
			    strlen(node->name), TOPO_NODE_NAME_MAX);
		else if (!validate_node_name(node->name))
			SAY(C, node->loc,
			    "invalid node name '%s' (letters, digits, '_', '.' and '-', starting with a "
			    "letter or digit, at most %d characters)", node->name, TOPO_NODE_NAME_MAX);
		else if (strlen(lab->prefix) + strlen(node->name) > TOPO_NETNS_NAME_MAX)
			SAY(C, node->loc,
			    "node %s: prefix and node name together are %zu characters, more than %d (the "
			    "name of its namespace)", node->name, strlen(lab->prefix) + strlen(node->name),
			    TOPO_NETNS_NAME_MAX);
		if (node->hostname && strlen(node->hostname) > TOPO_HOSTNAME_MAX) {
			SAY(C, node->hostname_loc,
			    "hostname '%.*s...' of node %s is %zu bytes long, more than %d",
			    TOPO_HOSTNAME_MAX, node->hostname, node->name, strlen(node->hostname),
			    TOPO_HOSTNAME_MAX);
		} else if (node->hostname) {
			bool ok = isalnum((unsigned char)node->hostname[0]);
			for (const char *p = node->hostname; *p && ok; p++)
				ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.';
			if (!ok)
				SAY(C, node->hostname_loc, "invalid hostname '%s' for node %s",
				    node->hostname, node->name);
		}
	}
}

/* Whether iface was made by a link end naming it (not declared under the node). */
static bool made_by_link(const struct topo_lab *lab, const struct topo_iface *iface)
{
	if (iface->link < 0)
		return false;
	const struct topo_link *l = &lab->links[iface->link];
	for (int e = 0; e < 2; e++)
		if (l->end[e].loc.line == iface->loc.line && l->end[e].loc.col == iface->loc.col)
			return true;
	return false;
}

/* A declared interface on no link beside one a link end made with a name a typo away
 * ([h1:eht0, r1:eth0] for eth0): the mistake is the link end's, said there, once. */
static bool link_end_typo(struct checker *C, const struct topo_node *node,
			  const struct topo_iface *declared)
{
	for (size_t i = 0; i < node->n_ifaces; i++) {
		const struct topo_iface *f = &node->ifaces[i];
		if (f == declared || !made_by_link(C->lab, f) ||
		    load_yaml_edit_distance(f->name, declared->name) > 2)
			continue;
		struct srcloc at = f->loc; /* NODE:IF, pointing at IF */
		at.col += (uint32_t)strlen(node->name) + 1;
		SAY(C, at, "node %s has no interface '%s' (did you mean %s?)", node->name, f->name,
		    declared->name);
		return true;
	}
	return false;
}

static void check_iface(struct checker *C, const struct topo_node *node, const struct topo_iface *iface)
{
	if (iface->link == TOPO_LINK_BROKEN)
		return; /* its link was reported already */
	const struct topo_lab *lab = C->lab;
	bool is_lo = strcmp(iface->name, "lo") == 0;
	bool is_br = node->kind == NODE_BRIDGE && strcmp(iface->name, TOPO_BRIDGE_DEV) == 0;
	if (node->kind == NODE_ROOT) {
		/* The root namespace's own lo is the machine's; a link end of that name would clash. */
		if (iface->link >= 0 && is_lo)
			SAY(C, iface->loc, "interface name 'lo' is reserved in host");
		else if (iface->link < 0)
			SAY(C, iface->loc,
			    "host interface '%s' is not the host-side end of one of this lab's links "
			    "(nstopo never configures the host's own interfaces)", iface->name);
		return;
	}
	if (iface->link >= 0 && (is_lo || is_br)) {
		SAY(C, iface->loc, "interface name '%s' is reserved in node %s", iface->name, node->name);
		return;
	}
	if (iface->link < 0 && !is_lo && !is_br) {
		if (!link_end_typo(C, node, iface) && !node->damaged)
			SAY(C, iface->loc, "interface %s:%s is on no link (add it to links, or remove it)",
			    node->name, iface->name);
		return;
	}
	if (is_lo && (iface->has & (IFACE_HAS_MAC | IFACE_HAS_MTU)))
		SAY(C, iface->loc, "lo takes only addresses");
	if (node->kind == NODE_BRIDGE && !is_br && iface->n_addrs)
		SAY(C, iface->addrs[0].loc,
		    "%s:%s is a port of bridge node %s and cannot have an address (give it to br0)",
		    node->name, iface->name, node->name);
	uint32_t mtu = iface->mtu;
	if (iface->link >= 0) {
		const struct topo_link *l = &lab->links[iface->link];
		if ((l->has & LINK_HAS_MTU) && (iface->has & IFACE_HAS_MTU) && l->mtu != iface->mtu)
			SAY(C, iface->loc, "%s:%s has mtu %u but its link (line %u) says %u", node->name,
			    iface->name, iface->mtu, l->loc.line, l->mtu);
		if (!(iface->has & IFACE_HAS_MTU) && (l->has & LINK_HAS_MTU))
			mtu = l->mtu;
	}
	for (size_t a = 0; a < iface->n_addrs && mtu; a++)
		if (iface->addrs[a].c.family == AF_INET6 && mtu < 1280) {
			SAY(C, iface->addrs[a].loc, "%s:%s has an IPv6 address but mtu %u (IPv6 needs 1280)",
			    node->name, iface->name, mtu);
			break;
		}
}

static uint32_t ipv4(const uint8_t a[16])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* Why an address cannot be an interface's, NULL when it can. Each is one that `up` fails on, or
 * that the kernel takes and then drops or never uses, so that diff could not come clean. */
static const char *address_problem(const struct cidr *c, bool on_lo)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *a = c->a;
	if (c->family == AF_INET) {
		uint32_t v = ipv4(a);
		if (v == 0)
			return "0.0.0.0 is no address (the kernel ignores it)";
		if (v == 0xffffffffu)
			return "255.255.255.255 is the broadcast of every network";
		if ((a[0] & 0xf0) == 0xe0)
			return "224.0.0.0/4 is multicast (a program joins a group, an interface has none)";
		if (on_lo && v == 0x7f000001u && c->plen == 8)
			return "lo has 127.0.0.1/8 already";
	} else {
		if (memcmp(a, zero, 16) == 0)
			return ":: is no address";
		if (memcmp(a, zero, 15) == 0 && a[15] == 1)
			return on_lo ? "lo has ::1 already" : "::1 is the loopback address, lo's alone";
		if (a[0] == 0xff)
			return "ff00::/8 is multicast (a program joins a group, an interface has none)";
		if (memcmp(a, mapped, 12) == 0)
			return "::ffff:0:0/96 is IPv4-mapped: programs see an IPv4 address and cannot bind it";
		if (addr_is_link_local6(a))
			return "IPv6 link-local addresses are the kernel's, one per interface, and never "
			       "listed";
	}
	/* libnl takes a prefix length of 0 for "none" and then will not build the request. */
	if (c->plen == 0)
		return "a prefix length of 0 would put every address on this link";
	return NULL;
}

static void check_addresses(struct checker *C, const struct topo_node *node,
			    const struct topo_iface *iface)
{
	bool on_lo = strcmp(iface->name, "lo") == 0;
	for (size_t a = 0; a < iface->n_addrs; a++) {
		const char *why = address_problem(&iface->addrs[a].c, on_lo);
		char buf[CIDR_STR_MAX];
		if (why)
			SAY(C, iface->addrs[a].loc, "%s:%s cannot have address %s: %s", node->name,
			    iface->name, cidr_format(&iface->addrs[a].c, buf, sizeof(buf)), why);
	}
}

/* ---- duplicate addresses: one node, or one segment (a link, or a bridge node's ports) ---- */

struct addr_use {
	const struct topo_addr *addr;
	const struct topo_node *node;
	const char *ifname;
	size_t node_id, segment;
	size_t prev; /* nearest earlier use of the address on its node or segment; SIZE_MAX: none */
};

static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x)
		x = parent[x] = parent[parent[x]];
	return x;
}

static int addr_cmp(const struct addr_use *a, const struct addr_use *b)
{
	if (a->addr->c.family != b->addr->c.family)
		return a->addr->c.family < b->addr->c.family ? -1 : 1;
	return memcmp(a->addr->c.a, b->addr->c.a, 16);
}

static int loc_cmp(const struct srcloc *a, const struct srcloc *b)
{
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : a->col > b->col;
}

/* Uses at one position (a YAML alias) still get a fixed order, so messages do not vary. */
static int use_pos_cmp(const struct addr_use *a, const struct addr_use *b)
{
	int c = loc_cmp(&a->addr->loc, &b->addr->loc);
	if (c)
		return c;
	if (a->node_id != b->node_id)
		return a->node_id < b->node_id ? -1 : 1;
	return strcmp(a->ifname, b->ifname);
}

/* Orders of the uses: by address, then by node or by segment, then by position. Grouping the
 * same address on the same node (or segment) makes each use's earlier twin its neighbour, so the
 * check is a sort, not a scan over every other use of that address. */
static int by_node(const void *pa, const void *pb)
{
	const struct addr_use *a = *(const struct addr_use *const *)pa;
	const struct addr_use *b = *(const struct addr_use *const *)pb;
	int c = addr_cmp(a, b);
	if (c)
		return c;
	if (a->node_id != b->node_id)
		return a->node_id < b->node_id ? -1 : 1;
	return use_pos_cmp(a, b);
}

static int by_segment(const void *pa, const void *pb)
{
	const struct addr_use *a = *(const struct addr_use *const *)pa;
	const struct addr_use *b = *(const struct addr_use *const *)pb;
	int c = addr_cmp(a, b);
	if (c)
		return c;
	if (a->segment != b->segment)
		return a->segment < b->segment ? -1 : 1;
	return use_pos_cmp(a, b);
}

/* Segment ids: one per interface to start with, joined across each link and across each
 * bridge node's ports. */
static size_t *segments(const struct topo_lab *lab, size_t **first_out)
{
	size_t *first = xcalloc(lab->n_nodes + 1, sizeof(size_t));
	for (size_t i = 0; i < lab->n_nodes; i++)
		first[i + 1] = first[i] + lab->nodes[i]->n_ifaces;
	size_t total = first[lab->n_nodes];
	size_t *parent = xcalloc(total + 1, sizeof(size_t));
	for (size_t i = 0; i < total; i++)
		parent[i] = i;
	for (size_t l = 0; l < lab->n_links; l++) {
		const struct topo_end *e = lab->links[l].end;
		size_t a = uf_find(parent, first[e[0].node] + e[0].iface);
		size_t b = uf_find(parent, first[e[1].node] + e[1].iface);
		parent[a] = b;
	}
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *node = lab->nodes[i];
		if (node->kind != NODE_BRIDGE)
			continue;
		for (size_t j = 0; j < node->n_ifaces; j++) {
			size_t a = uf_find(parent, first[i] + j), b = uf_find(parent, first[i]);
			parent[a] = b;
		}
	}
	*first_out = first;
	return parent;
}

/* Sorts p by cmp and points each use at its earlier twin in that order, when nearer than the one
 * it has. */
static void link_twins(struct addr_use **p, size_t n, int (*cmp)(const void *, const void *),
		       const struct addr_use *base)
{
	qsort(p, n, sizeof(*p), cmp);
	for (size_t i = 1; i < n; i++) {
		struct addr_use *u = p[i];
		const struct addr_use *t = p[i - 1];
		bool same = cmp == by_node ? t->node_id == u->node_id : t->segment == u->segment;
		if (!same || addr_cmp(t, u) != 0)
			continue;
		if (u->prev == SIZE_MAX || use_pos_cmp(&base[u->prev], t) < 0)
			u->prev = (size_t)(t - base);
	}
}

static void check_duplicate_addresses(struct checker *C)
{
	const struct topo_lab *lab = C->lab;
	size_t *first, *parent = segments(lab, &first);
	size_t n = 0, cap = 64;
	struct addr_use *v = xmalloc(cap * sizeof(*v));
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *node = lab->nodes[i];
		for (size_t j = 0; j < node->n_ifaces; j++)
			for (size_t a = 0; a < node->ifaces[j].n_addrs; a++) {
				/* One message per address: one it cannot have was reported already. */
				if (address_problem(&node->ifaces[j].addrs[a].c,
						    strcmp(node->ifaces[j].name, "lo") == 0))
					continue;
				if (n == cap)
					v = xrealloc(v, (cap *= 2) * sizeof(*v));
				v[n++] = (struct addr_use){ &node->ifaces[j].addrs[a], node, node->ifaces[j].name,
							    i, uf_find(parent, first[i] + j), SIZE_MAX };
			}
	}
	struct addr_use **p = xmalloc((n + 1) * sizeof(*p));
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	link_twins(p, n, by_node, v);
	link_twins(p, n, by_segment, v);
	for (size_t i = 0; i < n; i++) {
		if (v[i].prev == SIZE_MAX)
			continue;
		const struct addr_use *t = &v[v[i].prev];
		char buf[CIDR_STR_MAX];
		/* Both interfaces are named: an address shared through a YAML alias has one position
		 * for several nodes. */
		SAY(C, v[i].addr->loc, "duplicate address %s on %s:%s, also on %s:%s (line %u)",
		    addr_format(v[i].addr->c.family, v[i].addr->c.a, buf, sizeof(buf)), v[i].node->name,
		    v[i].ifname, t->node->name, t->ifname, t->addr->loc.line);
	}
	free(p);
	free(v);
	free(parent);
	free(first);
}

/* ---- routes ---- */

/* A node's connected subnets and own addresses, hashed, so that checking every route's gateway
 * stays linear in the file's size (a scan of every address for each route was quadratic: a
 * 7 MiB file of addresses and unreachable gateways took minutes). */
struct subnets {
	struct arena keys;
	struct strmap net;  /* "F/PLEN/NET" and "F/PLEN/NET%DEV" of every interface that routes */
	struct strmap own;  /* "F/ADDR": the address itself, or an IPv4 subnet's broadcast */
	bool plen[2][129];  /* the prefix lengths present, IPv4 and IPv6 */
};

/* Key of a in the subnet of length plen (plen 129: the address itself), into buf. */
static const char *subnet_key(char *buf, size_t len, uint8_t family, unsigned plen,
			      const uint8_t a[16], const char *dev)
{
	uint8_t net[16] = { 0 };
	unsigned bits = plen > 128 ? 128 : plen;
	memcpy(net, a, bits / 8);
	if (bits % 8)
		net[bits / 8] = (uint8_t)(a[bits / 8] & (0xff << (8 - bits % 8)));
	int n = snprintf(buf, len, "%u/%u/", family, plen);
	for (int i = 0; i < 16 && n + 3 < (int)len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%02x", net[i]);
	if (dev)
		snprintf(buf + n, len - (size_t)n, "%%%s", dev);
	return buf;
}

static void subnets_build(struct subnets *S, const struct topo_node *node)
{
	memset(S, 0, sizeof(*S));
	char key[128];
	for (size_t i = 0; i < node->n_ifaces; i++) {
		const struct topo_iface *iface = &node->ifaces[i];
		/* lo routes nowhere; in host, an interface on no link is the machine's own. */
		bool routes = strcmp(iface->name, "lo") != 0 && !(node->kind == NODE_ROOT && iface->link < 0);
		for (size_t a = 0; a < iface->n_addrs; a++) {
			const struct cidr *c = &iface->addrs[a].c;
			if (routes) {
				S->plen[c->family == AF_INET6][c->plen] = true;
				subnet_key(key, sizeof(key), c->family, c->plen, c->a, NULL);
				strmap_put(&S->net, arena_strdup(&S->keys, key), (void *)1);
				subnet_key(key, sizeof(key), c->family, c->plen, c->a, iface->name);
				strmap_put(&S->net, arena_strdup(&S->keys, key), (void *)1);
			}
			subnet_key(key, sizeof(key), c->family, 129, c->a, NULL);
			strmap_put(&S->own, arena_strdup(&S->keys, key), (void *)c);
		}
	}
	/* Broadcasts after every address: an address of the node's own is what a gateway is first. */
	for (size_t i = 0; i < node->n_ifaces; i++)
		for (size_t a = 0; a < node->ifaces[i].n_addrs; a++) {
			const struct cidr *c = &node->ifaces[i].addrs[a].c;
			if (c->family != AF_INET || c->plen > 30)
				continue;
			uint32_t mask = c->plen ? ~0u << (32 - c->plen) : 0, b = htonl((ipv4(c->a) & mask) | ~mask);
			uint8_t bcast[16] = { 0 };
			memcpy(bcast, &b, 4);
			subnet_key(key, sizeof(key), AF_INET, 129, bcast, NULL);
			if (!strmap_get(&S->own, key))
				strmap_put(&S->own, arena_strdup(&S->keys, key), (void *)c);
		}
}

static void subnets_free(struct subnets *S)
{
	strmap_free(&S->net);
	strmap_free(&S->own);
	arena_free(&S->keys);
}

/* The gateway lies in a subnet of one of the node's interfaces that route (dev's, when given). */
static bool gateway_reachable(const struct subnets *S, const struct topo_route *r)
{
	char key[128];
	bool v6 = r->to.family == AF_INET6;
	for (unsigned plen = 0; plen <= (v6 ? 128u : 32u); plen++)
		if (S->plen[v6][plen] &&
		    strmap_get(&S->net, subnet_key(key, sizeof(key), r->to.family, plen, r->via,
						   (r->has & ROUTE_HAS_DEV) ? r->dev : NULL)))
			return true;
	return false;
}

/* The kernel refuses a gateway that is one of the node's own addresses or the broadcast of one
 * of its subnets ("invalid gateway"); returns that address, NULL when none. */
static const struct cidr *gateway_is_own(const struct subnets *S, const struct topo_route *r)
{
	char key[128];
	return strmap_get(&S->own, subnet_key(key, sizeof(key), r->to.family, 129, r->via, NULL));
}

static const char *gateway_problem(uint8_t family, const uint8_t a[16])
{
	static const uint8_t zero[16];
	if (family == AF_INET) {
		if (a[0] == 0)
			return "is in 0.0.0.0/8, never a gateway";
		if ((a[0] & 0xf0) == 0xe0)
			return "is multicast";
		if (ipv4(a) == 0xffffffffu)
			return "is the broadcast of every network";
		return NULL;
	}
	if (memcmp(a, zero, 16) == 0)
		return "is no address";
	if (a[0] == 0xff)
		return "is multicast";
	return NULL;
}

/* Routes in the order the kernel keys them (destination, metric), then by position. */
static int route_cmp(const void *pa, const void *pb)
{
	const struct topo_route *a = *(const struct topo_route *const *)pa;
	const struct topo_route *b = *(const struct topo_route *const *)pb;
	if (a->to.family != b->to.family)
		return a->to.family < b->to.family ? -1 : 1;
	if (a->to.plen != b->to.plen)
		return a->to.plen < b->to.plen ? -1 : 1;
	int c = memcmp(a->to.a, b->to.a, 16);
	if (c)
		return c;
	uint32_t ma = topo_route_metric(a), mb = topo_route_metric(b);
	if (ma != mb)
		return ma < mb ? -1 : 1;
	return loc_cmp(&a->loc, &b->loc);
}

static void route_name(const struct topo_route *r, char *buf, size_t len)
{
	if (r->to.plen == 0)
		snprintf(buf, len, "default");
	else
		cidr_format(&r->to, buf, len);
}

/* Sorted, not compared pairwise: a node may have many thousands of routes. The metric compared
 * is the kernel's, so IPv6 metric 0 and 1024 are the same route. */
static void check_duplicate_routes(struct checker *C, const struct topo_node *node)
{
	if (node->n_routes < 2)
		return;
	const struct topo_route **v = xmalloc(node->n_routes * sizeof(*v));
	for (size_t i = 0; i < node->n_routes; i++)
		v[i] = &node->routes[i];
	qsort(v, node->n_routes, sizeof(*v), route_cmp);
	size_t first = 0;
	for (size_t i = 1; i < node->n_routes; i++) {
		const struct topo_route *f = v[first], *r = v[i];
		if (!cidr_equal(&f->to, &r->to) || topo_route_metric(f) != topo_route_metric(r)) {
			first = i;
			continue;
		}
		char to[CIDR_STR_MAX];
		route_name(r, to, sizeof(to));
		SAY(C, r->loc, "route %s (metric %u) is given twice in %s (first at line %u)", to,
		    r->metric, node->name, f->loc.line);
	}
	free(v);
}

static void check_routes(struct checker *C, const struct topo_node *node)
{
	bool root = node->kind == NODE_ROOT;
	struct subnets S;
	subnets_build(&S, node);
	for (size_t i = 0; i < node->n_routes; i++) {
		const struct topo_route *r = &node->routes[i];
		char to[CIDR_STR_MAX], via[CIDR_STR_MAX];
		route_name(r, to, sizeof(to));
		if (r->has & ROUTE_HAS_DEV) {
			const struct topo_iface *dev = topo_iface_find(node, r->dev);
			/* In host, "no interface" would be untrue: the machine has its own, which nstopo
			 * never uses. */
			if (root && (!dev || dev->link < 0)) {
				SAY(C, r->loc, "route %s: dev %s is not a host-side end of one of this lab's "
					       "links", to, r->dev);
				continue;
			}
			if (!dev || (dev->link < 0 && strcmp(r->dev, "lo") != 0 &&
				     strcmp(r->dev, TOPO_BRIDGE_DEV) != 0)) {
				SAY(C, r->loc, "route %s: %s has no interface '%s'", to, node->name, r->dev);
				continue;
			}
		}
		if (!(r->has & (ROUTE_HAS_VIA | ROUTE_HAS_DEV))) {
			SAY(C, r->loc, "route %s needs a gateway (via) or an interface (dev)", to);
			continue;
		}
		if (r->has & ROUTE_HAS_VIA) {
			addr_format(r->to.family, r->via, via, sizeof(via));
			bool ll = r->to.family == AF_INET6 && addr_is_link_local6(r->via);
			const char *why = gateway_problem(r->to.family, r->via);
			const struct cidr *own = NULL;
			char mine[CIDR_STR_MAX];
			if (why)
				SAY(C, r->loc, "route %s: gateway %s %s", to, via, why);
			else if (ll && !(r->has & ROUTE_HAS_DEV))
				SAY(C, r->loc, "route %s: link-local gateway %s needs dev", to, via);
			else if (!ll && (own = gateway_is_own(&S, r)) &&
				 memcmp(own->a, r->via, 16) == 0)
				SAY(C, r->loc, "route %s: gateway %s is an address of %s itself", to, via,
				    node->name);
			else if (own)
				SAY(C, r->loc, "route %s: gateway %s is the broadcast address of %s's %s",
				    to, via, node->name, cidr_format(own, mine, sizeof(mine)));
			else if (!ll && root && !gateway_reachable(&S, r))
				SAY(C, r->loc, "route %s: gateway %s is not in any subnet of the lab's "
					       "host-side link ends", to, via);
			else if (node->damaged)
				; /* its interfaces may be what the error was about */
			else if (!ll && (r->has & ROUTE_HAS_DEV) && !gateway_reachable(&S, r))
				SAY(C, r->loc, "route %s: gateway %s is not in a subnet of %s:%s", to, via,
				    node->name, r->dev);
			else if (!ll && !gateway_reachable(&S, r))
				SAY(C, r->loc, "route %s: gateway %s is not in any subnet of %s's interfaces",
				    to, via, node->name);
		}
	}
	subnets_free(&S);
	check_duplicate_routes(C, node);
}

/* The path the key names under /proc/sys, as sysctl.c writes it: a key with a '/' is a path
 * already, else its dots are the separators. */
static char *sysctl_path(const char *key)
{
	char *p = xstrdup(key);
	if (!strchr(p, '/'))
		for (char *q = p; *q; q++)
			if (*q == '.')
				*q = '/';
	return p;
}

/* The host's sysctls are global to the machine: only the neighbour-table sizes, which a lab may
 * need raised (they are never lowered), as whole numbers. */
static void check_host_sysctls(struct checker *C, const struct topo_node *node)
{
	for (size_t i = 0; i < node->n_sysctls; i++) {
		const struct topo_sysctl *s = &node->sysctls[i];
		if (!neigh_host_key(s->key)) {
			SAY(C, s->loc, "sysctl %s: the host takes only the neighbour-table sizes "
				       "(net.ipv4.neigh.default.gc_thresh1/2/3, net.ipv6.neigh.default."
				       "gc_thresh1/2/3)", s->key);
			continue;
		}
		bool digits = *s->value && strlen(s->value) <= 9;
		for (const char *p = s->value; *p && digits; p++)
			digits = isdigit((unsigned char)*p);
		if (!digits)
			SAY(C, s->loc, "sysctl %s: '%s' is not a whole number (0 to 999999999)", s->key,
			    s->value);
		for (size_t j = 0; j < i; j++)
			if (strcmp(node->sysctls[j].key, s->key) == 0) {
				SAY(C, s->loc, "sysctl %s is given twice (first at line %u)", s->key,
				    node->sysctls[j].loc.line);
				break;
			}
	}
}

static void check_sysctls(struct checker *C, const struct topo_node *node)
{
	if (node->kind == NODE_ROOT) {
		check_host_sysctls(C, node);
		return;
	}
	struct strmap seen = { 0 };
	char **paths = xcalloc(node->n_sysctls + 1, sizeof(*paths));
	for (size_t i = 0; i < node->n_sysctls; i++) {
		const struct topo_sysctl *s = &node->sysctls[i];
		bool ok = strncmp(s->key, "net.", 4) == 0 || strncmp(s->key, "net/", 4) == 0;
		if (!ok) {
			SAY(C, s->loc, "sysctl %s: only net.* keys are allowed (they are per namespace; "
				       "others would change the whole machine)", s->key);
			continue;
		}
		size_t len = strlen(s->key);
		for (const char *p = s->key; *p && ok; p++)
			ok = isalnum((unsigned char)*p) || strchr("._-/", *p);
		/* A key ending in a separator names a directory, not a setting. */
		if (!ok || strstr(s->key, "..") || strstr(s->key, "//") || s->key[len - 1] == '.' ||
		    s->key[len - 1] == '/')
			SAY(C, s->loc, "invalid sysctl key '%s'", s->key);
		for (const char *p = s->value; *p; p++)
			if (*p == '\n') {
				SAY(C, s->loc, "sysctl %s: the value must be one line", s->key);
				break;
			}
		/* Compared as paths: net.ipv4.ip_forward and net/ipv4/ip_forward are one setting. */
		paths[i] = sysctl_path(s->key);
		const struct topo_sysctl *first = strmap_get(&seen, paths[i]);
		if (first)
			SAY(C, s->loc, "sysctl %s is given twice (first at line %u)", s->key, first->loc.line);
		else
			strmap_put(&seen, paths[i], (void *)s);
	}
	strmap_free(&seen);
	for (size_t i = 0; i < node->n_sysctls; i++)
		free(paths[i]);
	free(paths);
}

static void check_nat(struct checker *C, const struct topo_node *node)
{
	for (size_t i = 0; i < node->n_nat; i++) {
		const struct topo_nat *r = &node->nat[i];
		static const char *const names[] = { "masquerade", "snat", "dnat" };
		const char *kind = names[r->kind];
		if (r->kind != NAT_DNAT && !(r->has & NAT_HAS_OUT))
			SAY(C, r->loc, "%s needs 'out' (the interface traffic leaves by)", kind);
		if (r->kind == NAT_DNAT && !(r->has & NAT_HAS_IN))
			SAY(C, r->loc, "dnat needs 'in' (the interface traffic arrives on)");
		if (r->kind != NAT_MASQUERADE && !(r->has & NAT_HAS_TO))
			SAY(C, r->loc, "%s needs 'to'", kind);
		if (r->kind == NAT_MASQUERADE && (r->has & NAT_HAS_TO))
			SAY(C, r->loc, "masquerade takes no 'to' (it uses the address of 'out')");
		if (r->kind != NAT_DNAT && (r->has & NAT_HAS_IN))
			SAY(C, r->loc, "%s takes no 'in'", kind);
		if (r->kind == NAT_DNAT && (r->has & NAT_HAS_OUT))
			SAY(C, r->loc, "dnat takes no 'out'");
		if ((r->has & (NAT_HAS_PORT | NAT_HAS_TO_PORT)) && !(r->has & NAT_HAS_PROTO))
			SAY(C, r->loc, "%s with a port needs 'proto' (tcp or udp)", kind);
		if ((r->has & NAT_HAS_PORT) && r->kind != NAT_DNAT)
			SAY(C, r->loc, "%s takes no 'port' (only dnat matches a port)", kind);
		const char *ifs[] = { (r->has & NAT_HAS_IN) ? r->in : NULL,
				      (r->has & NAT_HAS_OUT) ? r->out : NULL };
		for (int k = 0; k < 2; k++)
			if (ifs[k] && !topo_iface_find(node, ifs[k]))
				SAY(C, r->loc, "%s: %s has no interface '%s'", kind, node->name, ifs[k]);
	}
}

enum path_fault { PATH_OK, PATH_NOT_PLAIN, PATH_CONTROL, PATH_TOO_LONG };

/* Whether a `files:` path can be laid into a node; detail says why not in numbers. Each
 * path becomes ONE file name in the lab's store (store.c store_path: '/' and '%' escaped as
 * %2F and %25), so the escaped whole must fit a file name, and a path that names a directory in
 * another way (".", "..", an empty component) must not reach the bind mounts. */
static enum path_fault path_fault(const char *path, char *detail, size_t len)
{
	if (path[0] != '/' || strcmp(path, "/") == 0)
		return PATH_NOT_PLAIN;
	size_t escaped = 0;
	for (const char *c = path; *c; c++) {
		if (*c == '/') {
			const char *end = strchr(c + 1, '/');
			size_t n = end ? (size_t)(end - c - 1) : strlen(c + 1);
			bool dots = (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.');
			if (n == 0 || dots)
				return PATH_NOT_PLAIN;
			if (n > NAME_MAX) {
				snprintf(detail, len, "one of its names is %zu bytes long, more than %d", n,
					 NAME_MAX);
				return PATH_TOO_LONG;
			}
		}
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(detail, len, "byte 0x%02x at offset %zu", (unsigned char)*c,
				 (size_t)(c - path));
			return PATH_CONTROL;
		}
		escaped += *c == '/' || *c == '%' ? 3 : 1;
	}
	if (strlen(path) > PATH_MAX - 1) {
		snprintf(detail, len, "it is %zu bytes long, more than %d", strlen(path), PATH_MAX - 1);
		return PATH_TOO_LONG;
	}
	if (escaped > NAME_MAX) {
		snprintf(detail, len,
			 "nstopo keeps each file under one name, with every '/' and '%%' written as "
			 "3 bytes, and that name would be %zu bytes long, more than %d", escaped,
			 NAME_MAX);
		return PATH_TOO_LONG;
	}
	return PATH_OK;
}

/* At most 60 bytes of a path, for a message. */
static const char *shorten(const char *path, char *buf, size_t len)
{
	if (strlen(path) <= 60)
		return path;
	snprintf(buf, len, "%.40s...%s", path, path + strlen(path) - 17);
	return buf;
}

static void check_files(struct checker *C, const struct topo_node *node)
{
	struct strmap seen = { 0 };
	for (size_t i = 0; i < node->n_files; i++) {
		const struct topo_file *f = &node->files[i];
		struct stat st;
		char detail[200], buf[64];
		enum path_fault fault = path_fault(f->path, detail, sizeof(detail));
		if (fault == PATH_NOT_PLAIN) {
			SAY(C, f->loc, "file path '%s' must be absolute and plain (not '/', no '.', '..', "
				       "'//' or trailing '/')", f->path);
			continue;
		}
		if (fault == PATH_CONTROL) {
			SAY(C, f->loc, "a file path cannot have control characters (%s)", detail);
			continue;
		}
		if (fault == PATH_TOO_LONG) {
			SAY(C, f->loc, "file path '%s' is too long: %s",
			    shorten(f->path, buf, sizeof(buf)), detail);
			continue;
		}
		if (!strncmp(f->path, "/proc/", 6) || !strncmp(f->path, "/sys/", 5) ||
		    !strncmp(f->path, "/dev/", 5) || !strcmp(f->path, "/proc") || !strcmp(f->path, "/sys") ||
		    !strcmp(f->path, "/dev"))
			SAY(C, f->loc, "file path '%s' is in /proc, /sys or /dev", f->path);
		if (f->kind == FILE_FROM) {
			if (stat(f->from, &st) < 0)
				SAY(C, f->loc, "%s: cannot read '%s'", f->path, f->from);
			else if (f->from_dir && !S_ISDIR(st.st_mode))
				SAY(C, f->loc, "%s: '%s' is not a directory", f->path, f->from);
			else if (!f->from_dir && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
				SAY(C, f->loc, "%s: '%s' is not a regular file or directory", f->path, f->from);
			/* A directory's total is counted when it is copied (store.c), before any change. */
			else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > ((uint64_t)TOPO_FROM_MAX_MIB << 20))
				SAY(C, f->loc, "%s: '%s' is larger than %d MiB, the most a from: may hold",
				    f->path, f->from, TOPO_FROM_MAX_MIB);
		}
		if ((f->has & FILE_HAS_OWNER) && !getpwnam(f->owner))
			SAY(C, f->loc, "%s: no user '%s' on this machine", f->path, f->owner);
		/* A hash, not a scan of the earlier files: a node may have thousands. */
		if (strmap_put(&seen, f->path, (void *)f))
			SAY(C, f->loc, "file %s is given twice", f->path);
	}
	strmap_free(&seen);
}

static void check_kind(struct checker *C, const struct topo_node *node)
{
	if (node->n_daemons && node->kind != NODE_FRR)
		SAY(C, node->daemons_loc, "daemons apply only to kind: frr");
	for (size_t i = 0; i < node->n_daemons; i++) {
		bool known = false;
		for (size_t j = 0; frr_daemons[j] && !known; j++)
			known = strcmp(frr_daemons[j], node->daemons[i]) == 0;
		if (!known)
			SAY(C, node->daemons_loc, "unknown FRR daemon '%s'", node->daemons[i]);
	}
	if ((node->has & NODE_HAS_CONFIG) && node->kind != NODE_FRR && node->kind != NODE_BIRD)
		SAY(C, node->config_loc, "config applies only to kind: frr or kind: bird (use files: "
					 "for other nodes)");
	if (node->kind == NODE_BRIDGE && node->n_nat)
		SAY(C, node->loc, "bridge node %s cannot have nat rules", node->name);
}

static void check_nodes(struct checker *C)
{
	for (size_t i = 0; i < C->lab->n_nodes; i++) {
		const struct topo_node *node = C->lab->nodes[i];
		for (size_t j = 0; j < node->n_ifaces; j++) {
			check_iface(C, node, &node->ifaces[j]);
			check_addresses(C, node, &node->ifaces[j]);
		}
		check_routes(C, node);
		check_sysctls(C, node);
		check_nat(C, node);
		check_files(C, node);
		check_kind(C, node);
	}
}

static bool node_has_address(const struct topo_node *node)
{
	for (size_t i = 0; i < node->n_ifaces; i++)
		if (node->ifaces[i].n_addrs)
			return true;
	return false;
}

static void check_checks(struct checker *C)
{
	const struct topo_lab *lab = C->lab;
	for (size_t i = 0; i < lab->n_checks; i++) {
		const struct topo_check *c = &lab->checks[i];
		const struct topo_node *node = c->node ? topo_node_find(lab, c->node) : NULL;
		if (c->node && !node)
			SAY(C, c->node_loc, "unknown node '%s'", c->node);
		if (node && node->kind == NODE_BRIDGE && c->kind != CHECK_EXEC && c->kind != CHECK_STEP)
			SAY(C, c->node_loc, "%s is a bridge node and has no address to test from", c->node);
		if (node && c->kind == CHECK_STEP) {
			const struct topo_iface *f = topo_iface_find(node, c->link_if);
			if (!f || f->link < 0)
				SAY(C, c->node_loc, "%s:%s is not a link end of this lab", c->node, c->link_if);
		}
		if ((c->kind == CHECK_PING || c->kind == CHECK_TCP) && c->to) {
			uint8_t fam, a[16];
			const struct topo_node *target = topo_node_find(lab, c->to);
			if (addr_parse(c->to, &fam, a))
				;
			else if (!target)
				SAY(C, c->to_loc, "'%s' is neither an address nor a node of this lab", c->to);
			else if (!node_has_address(target) && !target->damaged)
				SAY(C, c->to_loc, "node %s has no address to reach", c->to);
		}
		if (c->output_regex) {
			regex_t re;
			int rc = regcomp(&re, c->output_regex, REG_EXTENDED | REG_NOSUB);
			if (rc) {
				char msg[128];
				regerror(rc, &re, msg, sizeof(msg));
				SAY(C, c->loc, "output_regex does not compile: %s", msg);
			} else {
				regfree(&re);
			}
		}
	}
}

static void check_uplink(struct checker *C)
{
	const struct topo_uplink *u = C->lab->uplink;
	if (!u)
		return;
	if (u->host_interface && !validate_ifname(u->host_interface))
		SAY(C, u->loc, "invalid host_interface '%s'", u->host_interface);
	const struct topo_node *host = topo_node_find(C->lab, TOPO_HOST_NODE);
	bool linked = false;
	for (size_t i = 0; host && i < host->n_ifaces; i++)
		linked |= host->ifaces[i].link >= 0;
	if (!linked)
		SAY(C, u->loc, "uplink needs a link to host (like [r1:eth9, host:lab-up0])");
	for (size_t i = 0; host && u->host_interface && i < host->n_ifaces; i++)
		if (strcmp(host->ifaces[i].name, u->host_interface) == 0)
			SAY(C, u->loc, "host_interface %s is one of the lab's own link ends; name the "
				       "machine's interface traffic leaves by", u->host_interface);
}

bool validate_lab(struct topo_lab *lab, struct diags *d)
{
	struct checker C = { .lab = lab, .d = d };
	size_t before = d->n_errors;
	check_names(&C);
	check_nodes(&C);
	check_duplicate_addresses(&C);
	check_checks(&C);
	check_uplink(&C);
	if (d->n_errors == 0)
		lint_lab(lab, d);
	return d->n_errors == before;
}
