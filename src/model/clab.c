/* clab.c - containerlab topology files read into nstopo's model: env expansion, strict keys,
 * inheritance, profiles for images, links and the management network, as native YAML text. */
#include "clab.h"
#include "load_yaml.h"
#include "ytree.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CLAB_MTU = 9500, CLAB_EXEC_TIMEOUT_S = 10 };

/* The FRR daemons a `daemons` file may enable (zebra and staticd always run). */
static const char *const frr_daemons[] = { "bgpd",  "ospfd",  "ospf6d", "ripd",   "ripngd",
					   "isisd", "pimd",   "pim6d",  "ldpd",   "nhrpd",
					   "eigrpd", "babeld", "sharpd", "pbrd",   "bfdd",
					   "fabricd", "vrrpd", "pathd",  NULL };
#ifndef CLAB_FRR_DIR
#define CLAB_FRR_DIR "/usr/lib/frr"
#endif

static const char *const top_keys[] = { "name", "prefix", "mgmt", "topology", NULL };
static const char *const top_ignored[] = { "settings", "debug", NULL };
static const char *const topo_keys[] = { "nodes", "defaults", "kinds", "groups", "links", NULL };
static const char *const node_keys[] = { "kind",      "image",     "group",        "binds",
					 "exec",      "env",       "cmd",          "hostname",
					 "mgmt-ipv4", "mgmt-ipv6", "network-mode", "sysctls",
					 "labels",    NULL };
/* Accepted by containerlab, meaningless without containers or vendor images here. */
static const char *const node_ignored[] = {
	"ports", "cpu", "memory", "cpu-set", "shm-size", "healthcheck", "aliases", "restart-policy",
	"image-pull-policy", "runtime", "auto-remove", "user", "cap-add", "privileged",
	"security-opts", "devices", "tmpfs", "cgroup-parent", "cgroupns-mode", "pid-mode", "volumes",
	"license", "type", "startup-config", "enforce-startup-config", "suppress-startup-config",
	"credentials", "certificate", "extras", "config", "components", "link-apply-mode",
	"env-files", "entrypoint", "dns", "startup-delay", "stages", "position", "wait-for",
	"publish", "sans", "subject", NULL
};
static const char *const mgmt_keys[] = { "network",    "bridge",     "ipv4-subnet", "ipv6-subnet",
					 "ipv4-gw",    "ipv6-gw",    "ipv4-range",  "ipv6-range",
					 "mtu",        "ipv4_subnet", "ipv6_subnet", NULL };
static const char *const mgmt_ignored[] = { "external-access", "skip-when-unused", "driver-opts",
					    NULL };
static const char *const link_keys[] = { "endpoints", "mtu",  "type",   "endpoint", "host-interface",
					 "remote",    "vni",  "udp-port", "mode",   "parent-interface",
					 NULL };
static const char *const link_ignored[] = { "vars", "labels", "ipv4", "ipv6", NULL };
static const char *const ep_keys[] = { "node", "interface", "mac", NULL };
static const char *const ep_ignored[] = { "ipv4", "ipv6", "vars", NULL };
/* Images that are plain Linux userlands: nothing to start. */
static const char *const plain_images[] = { "alpine", "nginx", "wbitt/network-multitool",
					    "ghcr.io/hellt/network-multitool", "nicolaka/netshoot",
					    "debian", "ubuntu", "busybox", NULL };

enum profile { PROF_PLAIN, PROF_FRR, PROF_BIRD };

struct bind {
	const char *src, *dst; /* src resolved against nothing: as written, ~ expanded */
	bool ro, dir;
	struct srcloc loc;
};

struct cif { /* an interface that needs a line of its own */
	const char *name, *mac;
	struct srcloc loc;
};

struct cnode {
	const char *name;
	struct srcloc loc;
	const struct ynode *map, *grp, *kindm;
	const char *kind, *image;
	enum profile prof;
	bool bridge, mgmt;
	char ip4[INET6_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];
	struct srcloc ip4_loc, ip6_loc;
	struct bind *binds;
	size_t n_binds, cap_binds;
	struct cif *ifs;
	size_t n_ifs, cap_ifs;
	size_t n_links;
	const char *port; /* its port on the management bridge */
};

struct out {
	char *buf;
	size_t n, cap;
	struct srcloc *lines;
	size_t nl, capl;
};

struct conv {
	const char *path, *dir;
	struct diags *d;
	struct arena *ar;
	const struct ynode *topo, *nodes, *defaults, *kinds, *groups, *links, *mgmt;
	const char *name, *labname, *prefix;
	struct srcloc name_loc;
	struct cnode *n;
	size_t nn;
	struct out o;
	char warned[64][32]; /* ignored keys already warned about */
	size_t n_warned;
	/* the management network */
	const char *mgmt_node;
	bool v4, v6;
	struct cidr net4, net6;
	char gw4[INET6_ADDRSTRLEN], gw6[INET6_ADDRSTRLEN];
	uint32_t mgmt_mtu;
	size_t n_ports;
};

static struct srcloc at(const struct conv *C, const struct ynode *n)
{
	return (struct srcloc){ C->path, n->line, n->col };
}

/* ---- output with a line map ---- */

static void put(struct conv *C, struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(struct conv *C, struct srcloc loc, const char *fmt, ...)
{
	struct out *o = &C->o;
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (o->n + (size_t)len + 1 > o->cap) {
		o->cap = (o->n + (size_t)len + 1) * 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
	va_start(ap, fmt);
	vsnprintf(o->buf + o->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	for (size_t i = o->n; i < o->n + (size_t)len; i++)
		if (o->buf[i] == '\n')
			*ARENA_PUSH(C->ar, o->lines, o->nl, o->capl) = loc;
	o->n += (size_t)len;
}

/* A scalar as YAML: plain when that reads back the same, else double-quoted. */
static const char *q(struct conv *C, const char *s)
{
	static const char *const words[] = { "null", "yes", "no", "true", "false", "on", "off",
					     "y", "n", NULL };
	bool plain = *s && !strchr("-:@?!&*|>'\"%#`,[]{}~ ", *s);
	for (size_t i = 0; words[i] && plain; i++)
		plain = strcasecmp(s, words[i]) != 0;
	for (const char *p = s; *p && plain; p++)
		plain = isalnum((unsigned char)*p) || strchr("_./-@+=:", *p);
	if (plain && s[strlen(s) - 1] == ':')
		plain = false;
	if (plain)
		return s;
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += 4;
	char *b = arena_alloc(C->ar, n), *w = b;
	*w++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*w++ = '\\';
			*w++ = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			w += sprintf(w, "\\x%02x", *p);
		} else {
			*w++ = (char)*p;
		}
	}
	*w++ = '"';
	*w = '\0';
	return b;
}

/* ---- keys ---- */

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

static void ignored_key(struct conv *C, const struct ynode *k, const char *why)
{
	for (size_t i = 0; i < C->n_warned; i++)
		if (strcmp(C->warned[i], k->value) == 0)
			return;
	if (C->n_warned < 64)
		snprintf(C->warned[C->n_warned++], sizeof(C->warned[0]), "%s", k->value);
	diags_warn(C->d, at(C, k), "'%s' is ignored: %s", k->value, why);
}

/* Every key of m must be known; ignored ones get one warning per key name in the file. */
static void check_keys(struct conv *C, const struct ynode *m, const char *const *known,
		       const char *const *ignored, const char *where, const char *why)
{
	if (!m || m->type != Y_MAP)
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i];
		if (in_list(known, k->value))
			continue;
		if (ignored && in_list(ignored, k->value))
			ignored_key(C, k, why);
		else
			diags_add(C->d, at(C, k), "unknown key '%s' in %s (containerlab refuses it too)",
				  k->value, where);
	}
}

static const char *str(struct conv *C, const struct ynode *v, const char *what)
{
	if (!v || ytree_is_null(v))
		return NULL;
	if (v->type != Y_SCALAR) {
		diags_add(C->d, at(C, v), "%s must be a string", what);
		return NULL;
	}
	return v->value;
}

static bool is_map(struct conv *C, const struct ynode *v, const char *what)
{
	if (!v || ytree_is_null(v))
		return false;
	if (v->type != Y_MAP) {
		diags_add(C->d, at(C, v), "%s must be a mapping", what);
		return false;
	}
	return true;
}

static bool is_seq(struct conv *C, const struct ynode *v, const char *what)
{
	if (!v || ytree_is_null(v))
		return false;
	if (v->type != Y_SEQ) {
		diags_add(C->d, at(C, v), "%s must be a list", what);
		return false;
	}
	return true;
}

/* ---- environment variables, as containerlab's envsubst (restricted: unset stays literal) ---- */

static void sb_add(char **b, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (*n + len + 1 > *cap) {
		*cap = (*n + len + 1) * 2;
		*b = xrealloc(*b, *cap);
	}
	memcpy(*b + *n, s, len);
	*n += len;
	(*b)[*n] = '\0';
}

static char *expand_env(const char *in, size_t len, size_t *outlen)
{
	char *b = NULL;
	size_t n = 0, cap = 0;
	sb_add(&b, &n, &cap, "", 0);
	for (size_t i = 0; i < len;) {
		if (in[i] != '$' || i + 1 >= len) {
			sb_add(&b, &n, &cap, in + i, 1);
			i++;
			continue;
		}
		if (in[i + 1] == '$') {
			sb_add(&b, &n, &cap, "$", 1);
			i += 2;
			continue;
		}
		bool brace = in[i + 1] == '{';
		size_t s = i + 1 + brace, e = s;
		if (e < len && (isalpha((unsigned char)in[e]) || in[e] == '_'))
			while (e < len && (isalnum((unsigned char)in[e]) || in[e] == '_'))
				e++;
		if (e == s) { /* $1, a lone $: left alone */
			sb_add(&b, &n, &cap, in + i, 1);
			i++;
			continue;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(e - s), in + s);
		const char *val = getenv(name);
		if (!brace) {
			if (val)
				sb_add(&b, &n, &cap, val, strlen(val));
			else
				sb_add(&b, &n, &cap, in + i, e - i);
			i = e;
			continue;
		}
		const char *close = memchr(in + e, '}', len - e);
		if (!close || memchr(in + e, '\n', (size_t)(close - (in + e)))) {
			sb_add(&b, &n, &cap, in + i, 1);
			i++;
			continue;
		}
		size_t c = (size_t)(close - in);
		const char *op = in + e;
		bool colon = *op == ':';
		char o = colon ? op[1] : op[0];
		const char *word = colon ? op + 2 : op + 1;
		size_t wlen = c > (size_t)(word - in) ? c - (size_t)(word - in) : 0;
		bool set = val && (!colon || *val);
		if (e == c) { /* ${v} */
			if (val)
				sb_add(&b, &n, &cap, val, strlen(val));
			else
				sb_add(&b, &n, &cap, in + i, c + 1 - i);
		} else if (o == '-' || o == '=') {
			if (set)
				sb_add(&b, &n, &cap, val, strlen(val));
			else
				sb_add(&b, &n, &cap, word, wlen);
		} else if (o == '+') {
			if (set)
				sb_add(&b, &n, &cap, word, wlen);
		} else {
			sb_add(&b, &n, &cap, in + i, c + 1 - i);
		}
		i = c + 1;
	}
	*outlen = n;
	return b;
}

/* ---- nodes: inheritance node -> group -> kind -> defaults ---- */

static const struct ynode *attr(const struct conv *C, const struct cnode *n, const char *key)
{
	const struct ynode *v;
	const struct ynode *levels[] = { n->map, n->grp, n->kindm, C->defaults };
	for (size_t i = 0; i < 4; i++)
		if (levels[i] && levels[i]->type == Y_MAP && (v = ytree_map_get(levels[i], key)) &&
		    !ytree_is_null(v))
			return v;
	return NULL;
}

/* The magic variables containerlab replaces in binds and exec lines. */
static const char *magic(struct conv *C, const struct cnode *n, const char *s)
{
	if (!strstr(s, "__clab"))
		return s;
	const char *names[] = { "__clabNodeName__", "__clabNodeDir__", "__clabDir__",
				"__clabLabName__" };
	const char *vals[] = { n->name, arena_printf(C->ar, "clab-%s/%s", C->name, n->name),
			       arena_printf(C->ar, "clab-%s", C->name), C->name };
	char *cur = arena_strdup(C->ar, s);
	for (size_t k = 0; k < 4; k++) {
		char *p;
		while ((p = strstr(cur, names[k])))
			cur = arena_printf(C->ar, "%.*s%s%s", (int)(p - cur), cur, vals[k],
					   p + strlen(names[k]));
	}
	return cur;
}

/* A merged string map (env, labels, sysctls): the most specific level wins per key. */
struct kv {
	const char *k, *v;
	struct srcloc loc;
};

static size_t merged_map(struct conv *C, const struct cnode *n, const char *key, struct kv **out)
{
	const struct ynode *levels[] = { C->defaults, n->kindm, n->grp, n->map };
	struct kv *v = NULL;
	size_t cnt = 0, cap = 0;
	for (size_t l = 0; l < 4; l++) {
		const struct ynode *m = levels[l] && levels[l]->type == Y_MAP
						? ytree_map_get(levels[l], key) : NULL;
		if (!is_map(C, m, key))
			continue;
		for (size_t i = 0; i + 1 < m->n; i += 2) {
			const struct ynode *k = m->items[i], *val = m->items[i + 1];
			if (val->type != Y_SCALAR) {
				diags_add(C->d, at(C, val), "%s.%s must be a string", key, k->value);
				continue;
			}
			size_t j = 0;
			while (j < cnt && strcmp(v[j].k, k->value) != 0)
				j++;
			if (j == cnt)
				ARENA_PUSH(C->ar, v, cnt, cap);
			v[j] = (struct kv){ k->value, val->value, at(C, k) };
		}
	}
	*out = v;
	return cnt;
}

static void add_bind(struct conv *C, struct cnode *n, const struct ynode *b)
{
	const char *s = str(C, b, "a bind");
	if (!s)
		return;
	s = magic(C, n, s);
	const char *c1 = strchr(s, ':');
	if (!c1 || c1 == s || !c1[1]) {
		diags_add(C->d, at(C, b), "bind '%s' is not SOURCE:DESTINATION[:OPTIONS]", s);
		return;
	}
	const char *c2 = strchr(c1 + 1, ':');
	struct bind x = { .loc = at(C, b) };
	x.src = arena_strndup(C->ar, s, (size_t)(c1 - s));
	x.dst = c2 ? arena_strndup(C->ar, c1 + 1, (size_t)(c2 - c1 - 1)) : arena_strdup(C->ar, c1 + 1);
	if (c2) {
		for (const char *o = c2 + 1; *o;) {
			size_t l = strcspn(o, ",");
			if (l == 2 && strncmp(o, "ro", 2) == 0)
				x.ro = true;
			o += l + (o[l] == ',');
		}
	}
	if (x.dst[0] != '/') {
		diags_add(C->d, x.loc, "bind destination '%s' is not an absolute path", x.dst);
		return;
	}
	if (x.src[0] == '~' && (x.src[1] == '/' || !x.src[1]) && getenv("HOME"))
		x.src = arena_printf(C->ar, "%s%s", getenv("HOME"), x.src + 1);
	while (strncmp(x.src, "./", 2) == 0)
		x.src += 2;
	const char *full = x.src[0] == '/' ? x.src : arena_printf(C->ar, "%s/%s", C->dir, x.src);
	struct stat st;
	if (stat(full, &st) < 0) {
		/* containerlab fails the deploy the same way */
		diags_add(C->d, x.loc, "failed to verify bind path: %s does not exist", x.src);
		return;
	}
	x.dir = S_ISDIR(st.st_mode);
	const char *slash = strrchr(x.dst, '/');
	if (slash == x.dst && access(x.dst, F_OK) != 0) {
		/* nstopo lays files over the host's tree and makes nothing new at its top */
		diags_warn(C->d, x.loc, "bind onto %s is left out: nstopo cannot make a new file at "
			   "the top of a node's filesystem (bind it under a directory, like /tmp)",
			   x.dst);
		return;
	}
	/* The most specific level comes last and replaces a bind onto the same destination. */
	for (size_t i = 0; i < n->n_binds; i++)
		if (strcmp(n->binds[i].dst, x.dst) == 0) {
			n->binds[i] = x;
			return;
		}
	*ARENA_PUSH(C->ar, n->binds, n->n_binds, n->cap_binds) = x;
}

static void read_binds(struct conv *C, struct cnode *n)
{
	const struct ynode *levels[] = { C->defaults, n->kindm, n->grp, n->map };
	for (size_t l = 0; l < 4; l++) {
		const struct ynode *s = levels[l] && levels[l]->type == Y_MAP
						? ytree_map_get(levels[l], "binds") : NULL;
		if (!is_seq(C, s, "binds"))
			continue;
		for (size_t i = 0; i < s->n; i++)
			add_bind(C, n, s->items[i]);
	}
}

static const struct bind *bind_onto(const struct cnode *n, const char *dst)
{
	for (size_t i = 0; i < n->n_binds; i++)
		if (strcmp(n->binds[i].dst, dst) == 0)
			return &n->binds[i];
	return NULL;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void pick_profile(struct conv *C, struct cnode *n)
{
	for (size_t i = 0; i < n->n_binds; i++)
		if (strcmp(n->binds[i].dst, "/etc/frr") == 0 || has_prefix(n->binds[i].dst, "/etc/frr/")) {
			n->prof = PROF_FRR;
			return;
		}
	const char *im = n->image;
	if (!im)
		return;
	const struct ynode *iv = attr(C, n, "image");
	if (strstr(im, "frrouting/frr")) {
		n->prof = PROF_FRR;
	} else if (has_prefix(im, "ghcr.io/srl-labs/bird")) {
		n->prof = PROF_BIRD;
	} else if (has_prefix(im, "sflow/clab-")) {
		diags_warn(C->d, at(C, iv),
			   "image '%s' configures itself inside the image from env (its routing too): "
			   "unsupported without the image; node %s gets its links, management address "
			   "and exec: lines only", im, n->name);
	} else {
		for (size_t i = 0; plain_images[i]; i++)
			if (has_prefix(im, plain_images[i]))
				return;
		diags_warn(C->d, at(C, iv),
			   "image '%s' has no profile: node %s runs only its exec: lines and cmd:",
			   im, n->name);
	}
}

/* ---- the management network ---- */

static bool cidr_at(struct conv *C, const struct ynode *v, const char *def, struct cidr *c)
{
	const char *s = v ? str(C, v, "a subnet") : NULL;
	if (!s || strcmp(s, "auto") == 0)
		s = def;
	if (!cidr_parse(s, c, true)) {
		diags_add(C->d, at(C, v), "invalid subnet '%s'", s);
		return false;
	}
	cidr_network(c, c);
	return true;
}

static void host_addr(const struct cidr *net, uint32_t k, char *buf, size_t len)
{
	uint8_t a[16];
	memcpy(a, net->a, 16);
	if (net->family == AF_INET) {
		uint32_t v = ((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]) + k;
		a[0] = (uint8_t)(v >> 24), a[1] = (uint8_t)(v >> 16), a[2] = (uint8_t)(v >> 8),
		a[3] = (uint8_t)v;
	} else {
		/* containerlab's (docker's) IPv6 addresses count like the IPv4 ones: ::2, ::3 */
		for (int i = 15; i >= 12 && k; i--) {
			uint32_t s = a[i] + (k & 0xff);
			a[i] = (uint8_t)s;
			k = (k >> 8) + (s >> 8);
		}
	}
	addr_format(net->family, a, buf, len);
}

static void read_mgmt(struct conv *C)
{
	const struct ynode *m = C->mgmt;
	C->v4 = C->v6 = true;
	C->mgmt_mtu = 1500;
	const struct ynode *s4 = NULL, *s6 = NULL, *g4 = NULL, *g6 = NULL;
	if (is_map(C, m, "mgmt")) {
		check_keys(C, m, mgmt_keys, mgmt_ignored, "mgmt",
			   "the management network never reaches beyond the machine here");
		s4 = ytree_map_get(m, "ipv4-subnet");
		s6 = ytree_map_get(m, "ipv6-subnet");
		for (size_t i = 0; i + 1 < m->n; i += 2) {
			const struct ynode *k = m->items[i];
			if (strcmp(k->value, "ipv4_subnet") == 0 || strcmp(k->value, "ipv6_subnet") == 0) {
				diags_warn(C->d, at(C, k), "'%s' is deprecated: containerlab reads it as "
					   "'%s'", k->value, k->value[3] == '4' ? "ipv4-subnet" : "ipv6-subnet");
				if (k->value[3] == '4' && !s4)
					s4 = m->items[i + 1];
				else if (k->value[3] == '6' && !s6)
					s6 = m->items[i + 1];
			}
		}
		/* containerlab applies both defaults only when neither subnet is given */
		if (s4 || s6)
			C->v4 = s4, C->v6 = s6;
		g4 = ytree_map_get(m, "ipv4-gw");
		g6 = ytree_map_get(m, "ipv6-gw");
		const struct ynode *mtu = ytree_map_get(m, "mtu");
		const char *ms = mtu ? str(C, mtu, "mtu") : NULL;
		if (ms)
			C->mgmt_mtu = (uint32_t)strtoul(ms, NULL, 10);
		const char *net = str(C, ytree_map_get(m, "network"), "network");
		if (net)
			C->mgmt_node = net;
	}
	if (C->v4 && !cidr_at(C, s4, "172.20.20.0/24", &C->net4))
		C->v4 = false;
	if (C->v6 && !cidr_at(C, s6, "3fff:172:20:20::/64", &C->net6))
		C->v6 = false;
	const char *gs;
	if (C->v4 && g4 && (gs = str(C, g4, "ipv4-gw")))
		snprintf(C->gw4, sizeof(C->gw4), "%s", gs);
	else if (C->v4)
		host_addr(&C->net4, 1, C->gw4, sizeof(C->gw4));
	if (C->v6 && g6 && (gs = str(C, g6, "ipv6-gw")))
		snprintf(C->gw6, sizeof(C->gw6), "%s", gs);
	else if (C->v6)
		host_addr(&C->net6, 1, C->gw6, sizeof(C->gw6));
	/* The bridge is a node of the lab: a name no node has, and one nstopo accepts. */
	const char *want = C->mgmt_node ? C->mgmt_node : "clab";
	bool ok = isalnum((unsigned char)want[0]) && strlen(want) <= TOPO_NODE_NAME_MAX;
	for (const char *p = want; *p && ok; p++)
		ok = isalnum((unsigned char)*p) || strchr("_.-", *p);
	const char *name = ok ? want : "clab-mgmt";
	for (int i = 2;; i++) {
		bool taken = false;
		for (size_t j = 0; j < C->nn; j++)
			taken |= strcmp(C->n[j].name, name) == 0;
		if (!taken)
			break;
		name = arena_printf(C->ar, "clab-mgmt%d", i);
	}
	C->mgmt_node = name;
}

static bool addr_used(const struct conv *C, const struct cnode *self, const char *a, bool v6)
{
	for (size_t i = 0; i < C->nn; i++)
		if (&C->n[i] != self && strcmp(v6 ? C->n[i].ip6 : C->n[i].ip4, a) == 0)
			return true;
	return strcmp(v6 ? C->gw6 : C->gw4, a) == 0;
}

static void mgmt_addresses(struct conv *C)
{
	for (size_t i = 0; i < C->nn; i++) {
		struct cnode *n = &C->n[i];
		if (!n->mgmt)
			continue;
		const struct ynode *v;
		const char *s;
		if ((v = attr(C, n, "mgmt-ipv4")) && (s = str(C, v, "mgmt-ipv4"))) {
			snprintf(n->ip4, sizeof(n->ip4), "%s", s);
			n->ip4_loc = at(C, v);
		}
		if ((v = attr(C, n, "mgmt-ipv6")) && (s = str(C, v, "mgmt-ipv6"))) {
			snprintf(n->ip6, sizeof(n->ip6), "%s", s);
			n->ip6_loc = at(C, v);
		}
	}
	uint32_t k4 = 2, k6 = 2;
	for (size_t i = 0; i < C->nn; i++) {
		struct cnode *n = &C->n[i];
		if (!n->mgmt)
			continue;
		if (C->v4 && !n->ip4[0]) {
			do
				host_addr(&C->net4, k4++, n->ip4, sizeof(n->ip4));
			while (addr_used(C, n, n->ip4, false) && k4 < 1u << 20);
		}
		if (C->v6 && !n->ip6[0]) {
			char tmp[INET6_ADDRSTRLEN];
			do
				host_addr(&C->net6, k6++, tmp, sizeof(tmp));
			while (addr_used(C, n, tmp, true) && k6 < 1u << 20);
			snprintf(n->ip6, sizeof(n->ip6), "%s", tmp);
		}
	}
}

/* ---- links ---- */

static struct cnode *node_named(struct conv *C, const char *name)
{
	for (size_t i = 0; i < C->nn; i++)
		if (strcmp(C->n[i].name, name) == 0)
			return &C->n[i];
	return NULL;
}

struct lend {
	const char *node, *ifname, *mac; /* node: a lab node, "host", or the mgmt bridge */
	struct srcloc loc;
};

struct endset {
	char **keys;
	size_t n, cap;
};

/* Checks an end of a lab node; returns false after an error. */
static bool end_ok(struct conv *C, struct lend *e, struct endset *seen)
{
	struct cnode *n = node_named(C, e->node);
	if (!n) {
		diags_add(C->d, e->loc, "link endpoint names node '%s', which is not defined", e->node);
		return false;
	}
	if (!*e->ifname) {
		diags_add(C->d, e->loc, "link endpoint '%s:' names no interface", e->node);
		return false;
	}
	if (n->mgmt && strcmp(e->ifname, "eth0") == 0) {
		diags_add(C->d, e->loc, "%s:eth0 is node %s's management interface and cannot be on a "
			  "link", e->node, e->node);
		return false;
	}
	char *key = arena_printf(C->ar, "%s:%s", e->node, e->ifname);
	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->keys[i], key) == 0) {
			diags_add(C->d, e->loc, "duplicate endpoint %s (on an earlier link too)", key);
			return false;
		}
	*ARENA_PUSH(C->ar, seen->keys, seen->n, seen->cap) = key;
	n->n_links++;
	if (e->mac) {
		struct cif *f = ARENA_PUSH(C->ar, n->ifs, n->n_ifs, n->cap_ifs);
		*f = (struct cif){ e->ifname, e->mac, e->loc };
	}
	return true;
}

static bool brief_end(struct conv *C, const struct ynode *v, struct lend *e)
{
	const char *s = str(C, v, "an endpoint");
	if (!s)
		return false;
	const char *c = strchr(s, ':');
	if (!c) {
		diags_add(C->d, at(C, v), "endpoint '%s' is not NODE:INTERFACE", s);
		return false;
	}
	*e = (struct lend){ arena_strndup(C->ar, s, (size_t)(c - s)), c + 1, NULL, at(C, v) };
	return true;
}

static bool typed_end(struct conv *C, const struct ynode *v, struct lend *e)
{
	if (!is_map(C, v, "an endpoint"))
		return false;
	check_keys(C, v, ep_keys, ep_ignored, "an endpoint",
		   "containerlab applies it to vendor kinds only, not to linux nodes");
	const char *node = str(C, ytree_map_get(v, "node"), "node");
	const char *ifn = str(C, ytree_map_get(v, "interface"), "interface");
	if (!node || !ifn) {
		diags_add(C->d, at(C, v), "an endpoint needs 'node' and 'interface'");
		return false;
	}
	*e = (struct lend){ node, ifn, str(C, ytree_map_get(v, "mac"), "mac"), at(C, v) };
	return true;
}

struct olink {
	struct lend a, b;
	uint32_t mtu;
	const char *note;
	struct srcloc loc;
};

static void read_links(struct conv *C, struct olink **out, size_t *nout)
{
	size_t cap = 0;
	struct endset seen = { 0 };
	if (!is_seq(C, C->links, "links"))
		return;
	for (size_t i = 0; i < C->links->n; i++) {
		const struct ynode *l = C->links->items[i];
		if (!is_map(C, l, "a link"))
			continue;
		check_keys(C, l, link_keys, link_ignored, "a link",
			   "containerlab applies link addresses and template variables to vendor "
			   "kinds only");
		struct olink o = { .mtu = CLAB_MTU, .loc = at(C, l) };
		const struct ynode *mv = ytree_map_get(l, "mtu");
		const char *ms = mv ? str(C, mv, "mtu") : NULL;
		if (ms)
			o.mtu = (uint32_t)strtoul(ms, NULL, 10);
		const char *type = str(C, ytree_map_get(l, "type"), "type");
		const struct ynode *eps = ytree_map_get(l, "endpoints");
		if (!type || strcmp(type, "veth") == 0) {
			if (!is_seq(C, eps, "endpoints") || eps->n != 2) {
				diags_add(C->d, at(C, eps ? eps : l), "a link needs 'endpoints': two ends");
				continue;
			}
			bool ok = type ? typed_end(C, eps->items[0], &o.a) && typed_end(C, eps->items[1], &o.b)
				       : brief_end(C, eps->items[0], &o.a) && brief_end(C, eps->items[1], &o.b);
			if (!ok)
				continue;
			/* the brief form's special node names */
			struct lend *sp = NULL, *other = NULL;
			for (int k = 0; k < 2; k++) {
				struct lend *e = k ? &o.b : &o.a;
				if (strcmp(e->node, "host") == 0 || strcmp(e->node, "mgmt-net") == 0 ||
				    strcmp(e->node, "macvlan") == 0)
					sp = e, other = k ? &o.a : &o.b;
			}
			if (sp && strcmp(sp->node, "macvlan") == 0) {
				diags_add(C->d, sp->loc, "macvlan links are not supported (they attach to a "
					  "host interface)");
				continue;
			}
			if (sp && !node_named(C, sp->node)) {
				if (!end_ok(C, other, &seen))
					continue;
				if (strcmp(sp->node, "mgmt-net") == 0) {
					sp->node = C->mgmt_node;
					o.note = "to the management bridge";
				} else {
					o.note = "a veth end in the machine's own namespace";
				}
				if (sp == &o.a) { /* the lab end first */
					struct lend t = o.a;
					o.a = o.b, o.b = t;
				}
			} else if (!end_ok(C, &o.a, &seen) | !end_ok(C, &o.b, &seen)) {
				continue;
			}
		} else if (strcmp(type, "host") == 0 || strcmp(type, "mgmt-net") == 0) {
			const char *hif = str(C, ytree_map_get(l, "host-interface"), "host-interface");
			if (!hif || !typed_end(C, ytree_map_get(l, "endpoint"), &o.a)) {
				diags_add(C->d, at(C, l), "a %s link needs 'endpoint' and 'host-interface'", type);
				continue;
			}
			if (!end_ok(C, &o.a, &seen))
				continue;
			bool host = strcmp(type, "host") == 0;
			o.b = (struct lend){ host ? "host" : C->mgmt_node, hif, NULL, at(C, l) };
			o.note = host ? "a veth end in the machine's own namespace"
				      : "to the management bridge";
		} else if (strcmp(type, "dummy") == 0) {
			diags_warn(C->d, at(C, l), "type dummy: nstopo makes no dummy interfaces; this "
				   "link is left out");
			continue;
		} else if (strcmp(type, "macvlan") == 0 || strcmp(type, "vxlan") == 0 ||
			   strcmp(type, "vxlan-stitch") == 0 || strcmp(type, "veth-stitch") == 0) {
			diags_add(C->d, at(C, ytree_map_get(l, "type")), "link type %s is not supported "
				  "(it reaches beyond the lab's namespaces)", type);
			continue;
		} else {
			diags_add(C->d, at(C, ytree_map_get(l, "type")), "unknown link type '%s'", type);
			continue;
		}
		*ARENA_PUSH(C->ar, *out, *nout, cap) = o;
	}
}

/* ---- FRR daemons from the bound daemons file ---- */

static void frr_daemons_of(struct conv *C, const struct cnode *n, const char **on, size_t *n_on,
			   const char **skipped, size_t *n_sk, const char **from)
{
	*n_on = *n_sk = 0;
	*from = NULL;
	const struct bind *b = bind_onto(n, "/etc/frr/daemons");
	const char *path = NULL;
	if (b) {
		path = b->src;
	} else if ((b = bind_onto(n, "/etc/frr")) && b->dir) {
		path = arena_printf(C->ar, "%s/daemons", b->src);
	}
	if (!path)
		return;
	const char *full = path[0] == '/' ? path : arena_printf(C->ar, "%s/%s", C->dir, path);
	FILE *f = fopen(full, "re");
	if (!f)
		return;
	*from = path;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		char *eq = strchr(p, '=');
		if (!eq || *p == '#')
			continue;
		*eq = '\0';
		char *v = eq + 1;
		if (*v == '"')
			v++;
		if (strncmp(v, "yes", 3) != 0 || !in_list(frr_daemons, p))
			continue;
		char exe[sizeof(line) + 32];
		snprintf(exe, sizeof(exe), "%s/%s", CLAB_FRR_DIR, p);
		const char *name = arena_strdup(C->ar, p);
		if (access(exe, X_OK) == 0 && *n_on < 32)
			on[(*n_on)++] = name;
		else if (access(exe, X_OK) != 0 && *n_sk < 32)
			skipped[(*n_sk)++] = name;
	}
	fclose(f);
}

/* ---- one node as native YAML ---- */

static void put_files(struct conv *C, struct cnode *n)
{
	if (!n->n_binds)
		return;
	put(C, n->loc, "    files:\n");
	for (size_t i = 0; i < n->n_binds; i++) {
		const struct bind *b = &n->binds[i];
		const char *src = b->dir ? arena_printf(C->ar, "%s/", b->src) : b->src;
		put(C, b->loc, "      %s: {from: %s}%s\n", q(C, b->dst), q(C, src),
		    b->ro ? "  # :ro in containerlab; here a copy, never written back"
			  : "  # a copy: changes in the node do not reach the source");
		/* kind frr lays its own frr.conf and vtysh.conf unless the file names them */
		if (n->prof == PROF_FRR && b->dir && strcmp(b->dst, "/etc/frr") == 0) {
			const char *inner[] = { "frr.conf", "vtysh.conf" };
			for (size_t k = 0; k < 2; k++) {
				const char *s = arena_printf(C->ar, "%s/%s", b->src, inner[k]);
				const char *full = s[0] == '/' ? s : arena_printf(C->ar, "%s/%s", C->dir, s);
				if (access(full, R_OK) == 0)
					put(C, b->loc, "      /etc/frr/%s: {from: %s}\n", inner[k], q(C, s));
			}
		}
	}
	if (n->prof == PROF_BIRD) {
		const struct bind *b = bind_onto(n, "/etc/bird.conf");
		if (b && !bind_onto(n, TOPO_BIRD_CONF))
			put(C, b->loc, "      %s: {from: %s}  # where kind bird reads it\n",
			    TOPO_BIRD_CONF, q(C, b->src));
	}
}

static void put_exec(struct conv *C, struct cnode *n)
{
	const struct ynode *cmd = attr(C, n, "cmd");
	const struct ynode *ex = attr(C, n, "exec");
	const char *cs = cmd ? str(C, cmd, "cmd") : NULL;
	if (!cs && !is_seq(C, ex, "exec"))
		return;
	put(C, n->loc, "    exec:\n");
	const struct ynode *lines[256];
	size_t nl = 0;
	if (cs)
		lines[nl++] = cmd;
	for (size_t i = 0; ex && ex->type == Y_SEQ && i < ex->n && nl < 256; i++)
		lines[nl++] = ex->items[i];
	for (size_t i = 0; i < nl; i++) {
		const char *s = str(C, lines[i], "an exec line");
		if (!s)
			continue;
		s = magic(C, n, s);
		char **argv;
		size_t argc;
		long bad = load_yaml_split_words(C->ar, s, &argv, &argc);
		if (bad >= 0) {
			diags_add(C->d, at(C, lines[i]), "unterminated quote in exec line");
			continue;
		}
		if (!argc)
			continue;
		char *words = arena_strdup(C->ar, "");
		for (size_t w = 0; w < argc; w++)
			words = arena_printf(C->ar, "%s%s%s", words, w ? ", " : "", q(C, argv[w]));
		bool is_cmd = cs && i == 0;
		if (is_cmd)
			put(C, at(C, lines[i]), "      - {cmd: [%s], background: true, may_fail: true}"
			    "  # cmd: the node's long-running process\n", words);
		else
			put(C, at(C, lines[i]), "      - {cmd: [%s], may_fail: true, timeout: %ds}\n", words,
			    CLAB_EXEC_TIMEOUT_S);
	}
}

static bool env_name_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static void put_env(struct conv *C, struct cnode *n)
{
	struct kv *env, *labels;
	size_t ne = merged_map(C, n, "env", &env), nlab = merged_map(C, n, "labels", &labels);
	put(C, n->loc, "    env:\n");
	put(C, n->loc, "      CLAB_INTFS: \"%zu\"\n", n->n_links);
	for (size_t i = 0; i < ne; i++) {
		if (strcmp(env[i].k, "__IMPORT_ENVS") == 0) {
			diags_warn(C->d, env[i].loc, "__IMPORT_ENVS is ignored: nstopo gives programs a "
				   "clean environment");
			continue;
		}
		if (!env_name_ok(env[i].k) || has_prefix(env[i].k, "NSTOPO_")) {
			diags_warn(C->d, env[i].loc, "env '%s' is left out: not a name nstopo passes",
				   env[i].k);
			continue;
		}
		put(C, env[i].loc, "      %s: %s\n", env[i].k, q(C, magic(C, n, env[i].v)));
	}
	for (size_t i = 0; i < nlab; i++) {
		char k[128];
		snprintf(k, sizeof(k), "CLAB_LABEL_%s", labels[i].k);
		for (char *p = k; *p; p++)
			*p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
		put(C, labels[i].loc, "      %s: %s\n", k, q(C, labels[i].v));
	}
}

static void put_node(struct conv *C, struct cnode *n)
{
	put(C, n->loc, "  %s:\n", q(C, n->name));
	if (n->bridge) {
		put(C, n->loc, "    kind: bridge  # containerlab's is a bridge in the host's namespace; "
		    "here one of the lab's own\n");
		return;
	}
	const char *kind = n->prof == PROF_FRR ? "frr" : n->prof == PROF_BIRD ? "bird" : "host";
	put(C, n->loc, "    kind: %s%s%s\n", kind, n->image ? "  # image " : "",
	    n->image ? n->image : "");
	const char *hn = str(C, attr(C, n, "hostname"), "hostname");
	if (hn)
		put(C, at(C, attr(C, n, "hostname")), "    hostname: %s\n", q(C, hn));
	if (n->prof == PROF_FRR) {
		const char *on[32], *sk[32], *from;
		size_t n_on, n_sk;
		frr_daemons_of(C, n, on, &n_on, sk, &n_sk, &from);
		const struct bind *b = bind_onto(n, "/etc/frr/daemons");
		if (!b)
			b = bind_onto(n, "/etc/frr");
		struct srcloc loc = b ? b->loc : n->loc;
		char *list = arena_strdup(C->ar, "");
		for (size_t i = 0; i < n_on; i++)
			list = arena_printf(C->ar, "%s%s%s", list, i ? ", " : "", on[i]);
		put(C, loc, "    daemons: [%s]  # %s%s\n", list,
		    from ? "enabled in " : "no daemons file: zebra and staticd only",
		    from ? from : "");
		for (size_t i = 0; i < n_sk; i++) {
			diags_warn(C->d, loc, "node %s: FRR daemon %s is enabled but not installed on "
				   "this machine: skipped", n->name, sk[i]);
			put(C, loc, "    # %s: enabled in the daemons file, not installed here: skipped\n",
			    sk[i]);
		}
	}
	if (n->prof == PROF_BIRD && !bind_onto(n, "/etc/bird.conf") && !bind_onto(n, TOPO_BIRD_CONF))
		diags_warn(C->d, n->loc, "node %s: a BIRD image without a bound bird.conf", n->name);
	if (n->mgmt || n->n_ifs) {
		put(C, n->loc, "    interfaces:\n");
		if (n->mgmt) {
			char *list = arena_strdup(C->ar, "");
			if (C->v4)
				list = arena_printf(C->ar, "%s/%u", n->ip4, C->net4.plen);
			if (C->v6)
				list = arena_printf(C->ar, "%s%s%s", list, C->v4 ? ", " : "",
						    q(C, arena_printf(C->ar, "%s/%u", n->ip6, C->net6.plen)));
			struct srcloc l = n->ip4_loc.line ? n->ip4_loc : n->ip6_loc.line ? n->ip6_loc
										  : n->loc;
			put(C, l, "      eth0: [%s]  # management\n", list);
		}
		for (size_t i = 0; i < n->n_ifs; i++)
			put(C, n->ifs[i].loc, "      %s: {mac: %s}\n", q(C, n->ifs[i].name),
			    q(C, n->ifs[i].mac));
	}
	if (n->mgmt) {
		/* metric 1: an exec line that replaces the default route (metric 0) wins, as with
		 * docker's, and the lab's route stays for diff */
		put(C, n->loc, "    routes:  # the management default route (docker's has metric 0)\n");
		if (C->v4)
			put(C, n->loc, "      - {to: default, via: %s, metric: 1}\n", C->gw4);
		if (C->v6)
			put(C, n->loc, "      - {to: default, via: %s, metric: 1}\n", q(C, C->gw6));
	}
	struct kv *sys;
	size_t ns = merged_map(C, n, "sysctls", &sys);
	bool fwd = false;
	put(C, n->loc, "    sysctl:\n");
	for (size_t i = 0; i < ns; i++) {
		if (!has_prefix(sys[i].k, "net.")) {
			diags_warn(C->d, sys[i].loc, "sysctl %s is left out: only net.* keys are per "
				   "namespace", sys[i].k);
			continue;
		}
		fwd |= strcmp(sys[i].k, "net.ipv4.ip_forward") == 0;
		put(C, sys[i].loc, "      %s: %s\n", q(C, sys[i].k), q(C, sys[i].v));
	}
	if (!fwd)
		put(C, n->loc, "      net.ipv4.ip_forward: 1  # inherited from a docker host\n");
	put_env(C, n);
	put_files(C, n);
	put_exec(C, n);
}

/* ---- the whole file ---- */

static void read_nodes(struct conv *C)
{
	size_t cap = 0;
	if (!is_map(C, C->nodes, "nodes")) {
		if (!C->nodes)
			diags_add(C->d, at(C, C->topo), "missing 'nodes' under topology");
		return;
	}
	for (size_t i = 0; i + 1 < C->nodes->n; i += 2) {
		const struct ynode *k = C->nodes->items[i], *v = C->nodes->items[i + 1];
		struct cnode *n = ARENA_PUSH(C->ar, C->n, C->nn, cap);
		n->name = k->value;
		n->loc = at(C, k);
		n->map = ytree_is_null(v) ? NULL : v;
		if (n->map && !is_map(C, n->map, "a node"))
			n->map = NULL;
		check_keys(C, n->map, node_keys, node_ignored, "a node",
			   "it means nothing without containers here");
		if (strchr(n->name, '|'))
			diags_add(C->d, n->loc, "node name '%s': a bridge in another node's namespace "
				  "(NAME|NODE) is not supported", n->name);
		const char *g = str(C, n->map ? ytree_map_get(n->map, "group") : NULL, "group");
		if (!g)
			g = str(C, C->defaults ? ytree_map_get(C->defaults, "group") : NULL, "group");
		/* a group no groups: entry names is allowed, as in containerlab */
		n->grp = g && C->groups ? ytree_map_get(C->groups, g) : NULL;
		const struct ynode *kv = NULL;
		const struct ynode *levels[] = { n->map, n->grp, C->defaults };
		for (size_t l = 0; l < 3 && !kv; l++)
			if (levels[l] && levels[l]->type == Y_MAP)
				kv = ytree_map_get(levels[l], "kind");
		n->kind = kv ? str(C, kv, "kind") : NULL;
		if (!n->kind) {
			diags_add(C->d, n->loc, "node %s has no kind (set kind: linux)", n->name);
			continue;
		}
		n->kindm = C->kinds ? ytree_map_get(C->kinds, n->kind) : NULL;
		n->image = str(C, attr(C, n, "image"), "image");
		if (strcmp(n->kind, "bridge") == 0 || strcmp(n->kind, "ovs-bridge") == 0) {
			n->bridge = true;
			if (strcmp(n->kind, "ovs-bridge") == 0)
				diags_warn(C->d, at(C, kv), "ovs-bridge is made as a Linux bridge");
		} else if (strcmp(n->kind, "linux") != 0) {
			diags_add(C->d, at(C, kv), "kind %s needs its image; unsupported without Docker "
				  "(node %s)", n->kind, n->name);
			n->kind = NULL;
			continue;
		}
		const struct ynode *nm = attr(C, n, "network-mode");
		const char *mode = nm ? str(C, nm, "network-mode") : NULL;
		n->mgmt = !n->bridge;
		if (mode && strcmp(mode, "none") == 0) {
			n->mgmt = false;
		} else if (mode && strcmp(mode, "host") == 0) {
			diags_warn(C->d, at(C, nm), "network-mode host: node %s gets a namespace of its own "
				   "(nstopo never puts a lab node in the machine's)", n->name);
		} else if (mode && has_prefix(mode, "container:")) {
			diags_add(C->d, at(C, nm), "network-mode %s: sharing another node's namespace is "
				  "not supported", mode);
		} else if (mode && strcmp(mode, "bridge") != 0) {
			diags_add(C->d, at(C, nm), "unknown network-mode '%s'", mode);
		}
		if (!n->bridge)
			read_binds(C, n);
	}
	/* the keys of defaults, kinds and groups are checked like a node's */
	check_keys(C, C->defaults, node_keys, node_ignored, "defaults",
		   "it means nothing without containers here");
	for (const struct ynode *const *m = (const struct ynode *const[]){ C->kinds, C->groups, NULL };
	     *m; m++) {
		if ((*m)->type != Y_MAP)
			continue;
		for (size_t i = 0; i + 1 < (*m)->n; i += 2)
			check_keys(C, (*m)->items[i + 1], node_keys, node_ignored,
				   *m == C->kinds ? "a kind" : "a group",
				   "it means nothing without containers here");
	}
}

static bool lab_name(struct conv *C, const struct ynode *v)
{
	const char *s = str(C, v, "name");
	if (!s)
		return false;
	C->name = s;
	C->name_loc = at(C, v);
	s = magic(C, &(struct cnode){ .name = "" }, s);
	char *l = arena_strdup(C->ar, s);
	for (char *p = l; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)*p))
			*p = '-';
	}
	if (strcmp(l, s) != 0)
		diags_warn(C->d, at(C, v), "lab name '%s' is '%s' for nstopo (lower-case letters, digits "
			   "and '-'); its namespaces keep '%s'", s, l, s);
	C->labname = l;
	return true;
}

static void read_prefix(struct conv *C, const struct ynode *v)
{
	const char *p = v ? str(C, v, "prefix") : NULL;
	if (!v)
		C->prefix = arena_printf(C->ar, "clab-%s-", C->name);
	else if (!p || !*p)
		C->prefix = "";
	else if (strcmp(p, "__lab-name") == 0)
		C->prefix = arena_printf(C->ar, "%s-", C->name);
	else
		C->prefix = arena_printf(C->ar, "%s-%s-", p, C->name);
}

static void convert_tree(struct conv *C, const struct ynode *root)
{
	if (!root || root->type != Y_MAP) {
		diags_add(C->d, (struct srcloc){ C->path, 1, 1 }, "a containerlab topology is a mapping "
			  "with name and topology");
		return;
	}
	check_keys(C, root, top_keys, top_ignored, "the topology file",
		   "it configures containerlab itself");
	C->topo = ytree_map_get(root, "topology");
	C->mgmt = ytree_map_get(root, "mgmt");
	if (!lab_name(C, ytree_map_get(root, "name")))
		diags_add(C->d, at(C, root), "missing 'name' (the lab's name)");
	if (!is_map(C, C->topo, "topology")) {
		if (!C->topo)
			diags_add(C->d, at(C, root), "missing 'topology'");
		return;
	}
	if (!C->name)
		return;
	check_keys(C, C->topo, topo_keys, NULL, "topology", NULL);
	C->nodes = ytree_map_get(C->topo, "nodes");
	C->defaults = ytree_map_get(C->topo, "defaults");
	C->kinds = ytree_map_get(C->topo, "kinds");
	C->groups = ytree_map_get(C->topo, "groups");
	C->links = ytree_map_get(C->topo, "links");
	if (C->defaults && !is_map(C, C->defaults, "defaults"))
		C->defaults = NULL;
	if (C->kinds && !is_map(C, C->kinds, "kinds"))
		C->kinds = NULL;
	if (C->groups && !is_map(C, C->groups, "groups"))
		C->groups = NULL;
	read_prefix(C, ytree_map_get(root, "prefix"));
	read_nodes(C);
	read_mgmt(C);
	for (size_t i = 0; i < C->nn; i++)
		if (C->n[i].kind && !C->n[i].bridge)
			pick_profile(C, &C->n[i]);
	mgmt_addresses(C);
	struct olink *links = NULL;
	size_t nlinks = 0;
	read_links(C, &links, &nlinks);
	/* Written out even after errors: the exec lines are checked on the way (nothing uses the
	 * text then). */

	struct srcloc top = at(C, root);
	put(C, top, "# nstopo lab converted from the containerlab file %s (nstopo convert).\n",
	    C->path);
	put(C, top, "# Keep it beside that file: the from: paths are relative to it.\n");
	put(C, C->name_loc, "name: %s\n", q(C, C->labname));
	put(C, top, "prefix: %s  # namespaces named as containerlab names its containers\n",
	    q(C, C->prefix));
	put(C, top, "# addresses and routes made by exec: lines and daemons are the lab's own: "
	    "diff does not report them, up does not remove them\n");
	put(C, top, "keep_unlisted: true\n");
	put(C, top, "nodes:\n");
	for (size_t i = 0; i < C->nn; i++)
		put_node(C, &C->n[i]);
	bool any_mgmt = false;
	for (size_t i = 0; i < C->nn; i++)
		any_mgmt |= C->n[i].mgmt;
	for (size_t i = 0; i < nlinks; i++)
		any_mgmt |= strcmp(links[i].b.node, C->mgmt_node) == 0;
	if (any_mgmt) {
		struct srcloc ml = C->mgmt ? at(C, C->mgmt) : top;
		put(C, ml, "  %s:  # the management network: a bridge of the lab's own, no way out "
		    "of the machine\n", q(C, C->mgmt_node));
		put(C, ml, "    kind: bridge\n");
		char *list = arena_strdup(C->ar, "");
		if (C->v4)
			list = arena_printf(C->ar, "%s/%u", C->gw4, C->net4.plen);
		if (C->v6)
			list = arena_printf(C->ar, "%s%s%s", list, C->v4 ? ", " : "",
					    q(C, arena_printf(C->ar, "%s/%u", C->gw6, C->net6.plen)));
		if (C->v4 || C->v6)
			put(C, ml, "    interfaces: {br0: [%s]}\n", list);
	}
	put(C, top, "links:\n");
	for (size_t i = 0; i < nlinks; i++) {
		const struct olink *o = &links[i];
		put(C, o->loc, "  - {endpoints: [%s, %s], mtu: %u}%s%s\n",
		    q(C, arena_printf(C->ar, "%s:%s", o->a.node, o->a.ifname)),
		    q(C, arena_printf(C->ar, "%s:%s", o->b.node, o->b.ifname)), o->mtu,
		    o->note ? "  # " : "", o->note ? o->note : "");
	}
	size_t port = 0;
	for (size_t i = 0; i < C->nn; i++) {
		struct cnode *n = &C->n[i];
		if (!n->mgmt)
			continue;
		put(C, n->loc, "  - {endpoints: [%s, %s], mtu: %u}  # management\n",
		    q(C, arena_printf(C->ar, "%s:eth0", n->name)),
		    q(C, arena_printf(C->ar, "%s:mgmt%zu", C->mgmt_node, ++port)), C->mgmt_mtu);
	}
}

static const char *template_mark(const char *buf)
{
	for (const char *p = buf; (p = strstr(p, "{{")); p += 2) {
		const char *bol = p;
		while (bol > buf && bol[-1] != '\n')
			bol--;
		while (*bol == ' ' || *bol == '\t')
			bol++;
		if (*bol != '#')
			return p;
	}
	return NULL;
}

char *clab_convert(const char *path, const char *buf, size_t len, struct diags *d,
		   struct arena *ar, struct clab_map *map)
{
	const char *tm = template_mark(buf);
	if (tm) {
		uint32_t line = 1, col = 1;
		for (const char *p = buf; p < tm; p++)
			line += *p == '\n', col = *p == '\n' ? 1 : col + 1;
		diags_add(d, (struct srcloc){ path, line, col }, "Go templates ({{ }}) are not supported: "
			  "render the file first (containerlab does it before reading)");
		return NULL;
	}
	size_t xlen;
	char *x = expand_env(buf, len, &xlen);
	char *dir = xstrdup(path);
	struct conv C = { .path = path, .dir = arena_strdup(ar, dirname(dir)), .d = d, .ar = ar };
	free(dir);
	struct ytree tree = { 0 };
	size_t errs = d->n_errors;
	if (ytree_parse(&tree, path, x, xlen, d) || (tree.root && tree.root->complete))
		convert_tree(&C, tree.root);
	ytree_free(&tree);
	free(x);
	if (d->n_errors > errs) {
		free(C.o.buf);
		return NULL;
	}
	if (map)
		*map = (struct clab_map){ C.o.lines, C.o.nl };
	return C.o.buf;
}

struct topo_lab *clab_load_buf(const char *path, const char *buf, size_t len, struct diags *d)
{
	struct arena ar = { 0 };
	struct clab_map map;
	char *text = clab_convert(path, buf, len, d, &ar, &map);
	struct topo_lab *lab;
	if (!text) {
		/* an empty lab: the caller prints the errors and refuses it */
		lab = topo_lab_new();
		lab->file = arena_strdup(&lab->arena, path);
		arena_free(&ar);
		return lab;
	}
	size_t from = d->n;
	lab = load_yaml_buf(path, text, strlen(text), d);
	lab->clab = arena_alloc(&lab->arena, sizeof(*lab->clab));
	lab->clab->n = map.n;
	lab->clab->lines = arena_alloc(&lab->arena, (map.n ? map.n : 1) * sizeof(struct srcloc));
	for (size_t i = 0; i < map.n; i++)
		lab->clab->lines[i] = (struct srcloc){ lab->file, map.lines[i].line, map.lines[i].col };
	free(text);
	arena_free(&ar);
	clab_remap(lab, d, from);
	return lab;
}

void clab_remap(const struct topo_lab *lab, struct diags *d, size_t from)
{
	if (!lab || !lab->clab)
		return;
	for (size_t i = from; i < d->n; i++) {
		struct srcloc *l = &d->v[i].loc;
		if (!l->file || strcmp(l->file, lab->file) != 0 || !l->line || l->line > lab->clab->n)
			continue;
		*l = lab->clab->lines[l->line - 1];
	}
}

bool clab_detect(const char *path, const char *buf)
{
	size_t n = strlen(path);
	if ((n > 9 && strcmp(path + n - 9, ".clab.yml") == 0) ||
	    (n > 10 && strcmp(path + n - 10, ".clab.yaml") == 0))
		return true;
	for (const char *p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "topology:", 9) == 0)
			return true;
	}
	return false;
}
