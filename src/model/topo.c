/* topo.c - lab model construction, lookups and address helpers; see topo.h. */
#include "topo.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct topo_lab *topo_lab_new(void)
{
	struct topo_lab *lab = xcalloc(1, sizeof(*lab));
	lab->prefix = "";
	return lab;
}

void topo_lab_set_name(struct topo_lab *lab, const char *name)
{
	const char *old = lab->name;
	lab->name = arena_strdup(&lab->arena, name);
	if (!lab->prefix_set) {
		lab->prefix = arena_printf(&lab->arena, "%s-", name);
		return;
	}
	/* A prefix made of the lab's name (containerlab's clab-LAB-, or LAB-) follows the new name,
	 * so the same file runs twice without meeting itself. */
	size_t lo = old ? strlen(old) : 0, lp = lab->prefix ? strlen(lab->prefix) : 0;
	if (!lo || lp < lo + 1 || lab->prefix[lp - 1] != '-' ||
	    strncmp(lab->prefix + lp - 1 - lo, old, lo) != 0 ||
	    (lp > lo + 1 && lab->prefix[lp - 2 - lo] != '-'))
		return;
	lab->prefix = arena_printf(&lab->arena, "%.*s%s-", (int)(lp - 1 - lo), lab->prefix, name);
}

void topo_lab_free(struct topo_lab *lab)
{
	if (!lab)
		return;
	for (size_t i = 0; i < lab->n_nodes; i++)
		strmap_free(&lab->nodes[i]->iface_index);
	strmap_free(&lab->node_index);
	arena_free(&lab->arena);
	free(lab);
}

ptrdiff_t topo_node_index(const struct topo_lab *lab, const char *name)
{
	uintptr_t v = (uintptr_t)strmap_get(&lab->node_index, name);
	return v ? (ptrdiff_t)v - 1 : -1;
}

struct topo_node *topo_node_find(const struct topo_lab *lab, const char *name)
{
	ptrdiff_t i = topo_node_index(lab, name);
	return i < 0 ? NULL : lab->nodes[i];
}

struct topo_node *topo_node_add(struct topo_lab *lab, const char *name, struct srcloc loc)
{
	struct topo_node *node = topo_node_find(lab, name);
	if (node)
		return node;
	node = arena_alloc(&lab->arena, sizeof(*node));
	node->name = arena_strdup(&lab->arena, name);
	node->kind = strcmp(name, TOPO_HOST_NODE) == 0 ? NODE_ROOT : NODE_HOST;
	node->loc = loc;
	*ARENA_PUSH(&lab->arena, lab->nodes, lab->n_nodes, lab->cap_nodes) = node;
	strmap_put(&lab->node_index, node->name, (void *)(uintptr_t)lab->n_nodes);
	return node;
}

struct topo_iface *topo_iface_find(const struct topo_node *node, const char *name)
{
	uintptr_t v = (uintptr_t)strmap_get(&node->iface_index, name);
	return v ? &node->ifaces[v - 1] : NULL;
}

struct topo_iface *topo_iface_add(struct topo_lab *lab, struct topo_node *node, const char *name,
				  struct srcloc loc)
{
	struct topo_iface *iface = topo_iface_find(node, name);
	if (iface)
		return iface;
	/* The map keys point into the array, which may move: rebuild them after a move. */
	struct topo_iface *before = node->ifaces;
	iface = ARENA_PUSH(&lab->arena, node->ifaces, node->n_ifaces, node->cap_ifaces);
	snprintf(iface->name, sizeof(iface->name), "%s", name);
	iface->link = -1;
	iface->loc = loc;
	if (before != node->ifaces) {
		strmap_free(&node->iface_index);
		for (size_t i = 0; i + 1 < node->n_ifaces; i++)
			strmap_put(&node->iface_index, node->ifaces[i].name, (void *)(uintptr_t)(i + 1));
	}
	strmap_put(&node->iface_index, iface->name, (void *)(uintptr_t)node->n_ifaces);
	return iface;
}

struct topo_addr *topo_addr_add(struct topo_lab *lab, struct topo_iface *iface, const struct cidr *c,
				struct srcloc loc)
{
	struct topo_addr *a = ARENA_PUSH(&lab->arena, iface->addrs, iface->n_addrs, iface->cap_addrs);
	a->c = *c;
	a->loc = loc;
	return a;
}

const char *topo_node_netns(struct topo_lab *lab, const struct topo_node *node)
{
	if (node->kind == NODE_ROOT)
		return NULL;
	if (node->netns)
		return node->netns;
	/* Cached on first use: plan and apply ask for it per object. */
	((struct topo_node *)node)->netns = arena_printf(&lab->arena, "%s%s", lab->prefix, node->name);
	return node->netns;
}

static const char *const kind_names[] = {
	[NODE_HOST] = "host", [NODE_ROUTER] = "router", [NODE_BRIDGE] = "bridge",
	[NODE_FRR] = "frr",   [NODE_BIRD] = "bird",     [NODE_ROOT] = "host-namespace",
};

const char *topo_node_kind_name(enum node_kind kind)
{
	return kind_names[kind];
}

bool topo_node_kind_parse(const char *s, enum node_kind *kind)
{
	for (enum node_kind k = NODE_HOST; k < NODE_ROOT; k++)
		if (strcmp(s, kind_names[k]) == 0) {
			*kind = k;
			return true;
		}
	return false;
}

bool topo_node_is_router(const struct topo_node *node)
{
	return node->kind == NODE_ROUTER || node->kind == NODE_FRR || node->kind == NODE_BIRD;
}

struct topo_node *topo_end_node(const struct topo_lab *lab, const struct topo_end *end)
{
	return lab->nodes[end->node];
}

struct topo_iface *topo_end_iface(const struct topo_lab *lab, const struct topo_end *end)
{
	return &lab->nodes[end->node]->ifaces[end->iface];
}

const struct topo_end *topo_link_peer(const struct topo_lab *lab, const struct topo_node *node,
				      const struct topo_iface *iface)
{
	if (iface->link < 0)
		return NULL;
	const struct topo_link *l = &lab->links[iface->link];
	const struct topo_end *e0 = &l->end[0];
	bool is_e0 = lab->nodes[e0->node] == node && &node->ifaces[e0->iface] == iface;
	return is_e0 ? &l->end[1] : &l->end[0];
}

bool addr_parse(const char *s, uint8_t *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return true;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

bool cidr_parse(const char *s, struct cidr *c, bool need_prefix)
{
	char buf[CIDR_STR_MAX];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(c, 0, sizeof(*c));
	if (!addr_parse(buf, &c->family, c->a))
		return false;
	unsigned max = c->family == AF_INET ? 32 : 128;
	if (!slash) {
		if (need_prefix)
			return false;
		c->plen = (uint8_t)max;
		return true;
	}
	const char *p = slash + 1;
	if (!*p || strlen(p) > 3)
		return false;
	unsigned v = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > max || (slash[1] == '0' && slash[2]))
		return false;
	c->plen = (uint8_t)v;
	return true;
}

char *addr_format(uint8_t family, const uint8_t a[16], char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	snprintf(buf, len, "%s/%u", addr_format(c->family, c->a, a, sizeof(a)), c->plen);
	return buf;
}

bool cidr_contains(const struct cidr *net, uint8_t family, const uint8_t a[16])
{
	if (net->family != family)
		return false;
	unsigned full = net->plen / 8, rest = net->plen % 8;
	if (memcmp(net->a, a, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (net->a[full] & mask) == (a[full] & mask);
}

bool cidr_equal(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && a->plen == b->plen && memcmp(a->a, b->a, 16) == 0;
}

void cidr_network(const struct cidr *c, struct cidr *net)
{
	*net = *c;
	unsigned full = c->plen / 8, rest = c->plen % 8;
	if (full < 16) {
		if (rest)
			net->a[full] &= (uint8_t)(0xff << (8 - rest));
		memset(net->a + full + (rest ? 1 : 0), 0, 16 - full - (rest ? 1 : 0));
	}
}

bool addr_is_link_local6(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

const struct topo_sysctl *topo_node_sysctls(struct topo_lab *lab, const struct topo_node *node,
					    size_t *n)
{
	static const char *const forwarding[] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };
	struct topo_sysctl *v = NULL;
	size_t cap = 0;
	*n = 0;
	if (node->kind == NODE_ROOT)
		return NULL;
	for (size_t i = 0; i < node->n_sysctls; i++)
		*ARENA_PUSH(&lab->arena, v, *n, cap) = node->sysctls[i];
	/* keep_unlisted: forwarding is the lab's own doing too (frr.conf's `no ipv6 forwarding`) */
	if (node->kind == NODE_BRIDGE || lab->keep_unlisted)
		return v;
	for (size_t f = 0; f < 2; f++) {
		bool given = false;
		for (size_t i = 0; i < node->n_sysctls && !given; i++)
			given = strcmp(node->sysctls[i].key, forwarding[f]) == 0;
		if (given)
			continue;
		struct topo_sysctl *s = ARENA_PUSH(&lab->arena, v, *n, cap);
		s->key = (char *)forwarding[f];
		s->value = topo_node_is_router(node) ? "1" : "0";
		s->loc = node->kind_loc.line ? node->kind_loc : node->loc;
	}
	return v;
}

uint32_t topo_route_metric(const struct topo_route *r)
{
	return r->to.family == AF_INET6 && r->metric == 0 ? 1024 : r->metric;
}

const char *topo_nat_text(struct arena *ar, const struct topo_nat *r)
{
	static const char *const kinds[] = { "masquerade", "snat", "dnat" };
	char buf[400], a[CIDR_STR_MAX];
	int n = snprintf(buf, sizeof(buf), "%s%s", kinds[r->kind], r->family == AF_INET6 ? " ip6" : "");
	if (r->has & NAT_HAS_IN)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " in %s", r->in);
	if (r->has & NAT_HAS_OUT)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " out %s", r->out);
	if (r->has & NAT_HAS_FROM)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " from %s", cidr_format(&r->from, a, sizeof(a)));
	if (r->has & NAT_HAS_PROTO)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
	if (r->has & NAT_HAS_PORT)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " dport %u", r->port);
	if (r->has & NAT_HAS_TO) {
		addr_format(r->family, r->to, a, sizeof(a));
		if (!(r->has & NAT_HAS_TO_PORT))
			snprintf(buf + n, sizeof(buf) - (size_t)n, " to %s", a);
		else if (r->family == AF_INET6)
			snprintf(buf + n, sizeof(buf) - (size_t)n, " to [%s]:%u", a, r->to_port);
		else
			snprintf(buf + n, sizeof(buf) - (size_t)n, " to %s:%u", a, r->to_port);
	}
	return arena_strdup(ar, buf);
}

const char *topo_uplink_table(char *buf, size_t len, const char *lab)
{
	snprintf(buf, len, "nstopo_%s", lab);
	for (char *c = buf; *c; c++)
		if (*c == '-')
			*c = '_';
	return buf;
}

static void add_inline_file(struct topo_lab *lab, struct topo_node *node, const char *path,
			    const char *content, struct srcloc loc)
{
	for (size_t i = 0; i < node->n_files; i++)
		if (strcmp(node->files[i].path, path) == 0)
			return; /* the user's own `files:` entry wins */
	struct topo_file *f = ARENA_PUSH(&lab->arena, node->files, node->n_files, node->cap_files);
	memset(f, 0, sizeof(*f));
	f->path = arena_strdup(&lab->arena, path);
	f->kind = FILE_INLINE;
	f->content = arena_strdup(&lab->arena, content);
	f->len = strlen(content);
	f->loc = loc;
}

void topo_lab_expand(struct topo_lab *lab)
{
	for (size_t i = 0; i < lab->n_nodes; i++) {
		struct topo_node *node = lab->nodes[i];
		struct srcloc loc = node->config_loc.line ? node->config_loc : node->loc;
		const char *config = node->config ? node->config : "";
		if (node->kind == NODE_FRR) {
			add_inline_file(lab, node, TOPO_FRR_CONF, config, loc);
			/* vtysh loads and shows the one integrated file, and says nothing about it. */
			add_inline_file(lab, node, "/etc/frr/vtysh.conf", "service integrated-vtysh-config\n",
					node->loc);
		} else if (node->kind == NODE_BIRD) {
			add_inline_file(lab, node, TOPO_BIRD_CONF, config, loc);
		}
	}
}

size_t topo_node_daemons(const struct topo_node *node, const char **out, size_t max)
{
	size_t n = 0;
	if (node->kind == NODE_BIRD && max)
		out[n++] = "bird";
	if (node->kind != NODE_FRR)
		return n;
	static const char *const implied[] = { "zebra", "staticd" };
	for (size_t i = 0; i < 2 && n < max; i++)
		out[n++] = implied[i];
	for (size_t i = 0; i < node->n_daemons && n < max; i++) {
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup |= strcmp(out[j], node->daemons[i]) == 0;
		if (!dup)
			out[n++] = node->daemons[i];
	}
	return n;
}

char **topo_node_env_new(const struct topo_node *node)
{
	if (!node || !node->n_env)
		return NULL;
	char **env = xcalloc(node->n_env + 1, sizeof(*env));
	for (size_t i = 0; i < node->n_env; i++)
		env[i] = xasprintf("%s=%s", node->env[i].name, node->env[i].value);
	return env;
}

void topo_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* ---- texts the kernel side stores or compares ---- */

char *topo_hosts_text(struct arena *ar, const struct topo_lab *want)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	n += (size_t)snprintf(buf, cap, "# every node of lab %s, by name (nstopo)\n"
				       "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
			      want->name);
	for (size_t i = 0; i < want->n_nodes; i++) {
		const struct topo_node *node = want->nodes[i];
		if (node->kind == NODE_ROOT || node->kind == NODE_BRIDGE)
			continue;
		for (size_t j = 0; j < node->n_ifaces; j++)
			for (size_t a = 0; a < node->ifaces[j].n_addrs; a++) {
				char addr[CIDR_STR_MAX];
				const struct cidr *c = &node->ifaces[j].addrs[a].c;
				addr_format(c->family, c->a, addr, sizeof(addr));
				size_t need = strlen(addr) + strlen(node->name) + 4;
				if (n + need >= cap)
					buf = xrealloc(buf, cap = (cap + need) * 2);
				n += (size_t)snprintf(buf + n, cap - n, "%s\t%s\n", addr, node->name);
			}
	}
	char *out = arena_strdup(ar, buf);
	free(buf);
	return out;
}

char *topo_exec_text(struct arena *ar, const struct topo_node *node)
{
	size_t cap = 256, n = 0;
	char *buf = xmalloc(cap);
	buf[0] = '\0';
	for (size_t i = 0; i < node->n_execs; i++) {
		const struct topo_exec *x = &node->execs[i];
		for (size_t a = 0; a < x->argc; a++) {
			size_t need = strlen(x->argv[a]) + 16;
			if (n + need >= cap)
				buf = xrealloc(buf, cap = (cap + need) * 2);
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", a ? "\x1f" : "", x->argv[a]);
		}
		if (n + 16 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n += (size_t)snprintf(buf + n, cap - n, "%s\n", x->background ? "\x1f&" : "");
	}
	char *out = arena_strdup(ar, buf);
	free(buf);
	return out;
}

void topo_sysctl_normalize(const char *in, char *out, size_t len)
{
	size_t w = 0;
	bool space = false;
	for (; *in && w + 1 < len; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n') {
			space = w > 0;
			continue;
		}
		if (space && w + 2 < len)
			out[w++] = ' ';
		space = false;
		out[w++] = *in;
	}
	out[w] = '\0';
}
