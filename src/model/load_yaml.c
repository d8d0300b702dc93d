/* load_yaml.c - ytree to topo_lab; see load_yaml.h.
 * Every value keeps the position of its YAML node so that later errors can point at it. */
#include "load_yaml.h"
#include "load_impair.h"
#include "expand.h"
#include "routing.h"
#include "clab.h"
#include "validate.h"
#include "ytree.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct loader {
	struct topo_lab *lab;
	struct diags *d;
	const char *file;
};

/* Keys the format defines whose feature is not built yet: refused as such, never as unknown. */
static const char *const not_yet[] = {
	/* reserved for later by the format */
	"hosts", "type", NULL,
};

static struct srcloc loc_of(const struct loader *L, const struct ynode *n)
{
	return (struct srcloc){ L->file, n->line, n->col };
}

/* The position of byte off inside a one-line scalar, for errors about one word of it. */
static struct srcloc loc_in(const struct loader *L, const struct ynode *n, size_t off)
{
	struct srcloc loc = loc_of(L, n);
	if (n->plain || n->quoted)
		loc.col += (uint32_t)off + (n->quoted ? 1 : 0);
	return loc;
}

static void bad(struct loader *L, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad(struct loader *L, const struct ynode *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diags_add(L->d, loc_of(L, n), "%s", msg);
}

static const char *shape(const struct ynode *n)
{
	if (n->type == Y_MAP)
		return "a mapping";
	if (n->type == Y_SEQ)
		return "a list";
	return ytree_is_null(n) ? "empty" : "a scalar";
}

static bool want_map(struct loader *L, const struct ynode *n, const char *what)
{
	if (n->type == Y_MAP)
		return true;
	bad(L, n, "%s must be a mapping, not %s", what, shape(n));
	return false;
}

static bool want_seq(struct loader *L, const struct ynode *n, const char *what)
{
	if (n->type == Y_SEQ)
		return true;
	bad(L, n, "%s must be a list, not %s", what, shape(n));
	return false;
}

static const char *want_str(struct loader *L, const struct ynode *n, const char *what)
{
	if (n->type == Y_SCALAR && !ytree_is_null(n))
		return n->value;
	bad(L, n, "%s must be a string, not %s", what, shape(n));
	return NULL;
}

static bool want_uint(struct loader *L, const struct ynode *n, const char *what, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	if (n->type != Y_SCALAR || ytree_is_null(n)) {
		bad(L, n, "%s must be a number, not %s", what, shape(n));
		return false;
	}
	const char *s = n->value;
	uint64_t v = 0;
	bool ok = *s != '\0';
	for (; *s && ok; s++) {
		ok = *s >= '0' && *s <= '9' && v <= (UINT64_MAX - 9) / 10;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (!ok) {
		bad(L, n, "%s must be a whole number, not '%s'", what, n->value);
		return false;
	}
	if (v < min || v > max) {
		bad(L, n, "%s %s is out of range (%llu..%llu)", what, n->value, (unsigned long long)min,
		    (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

static bool want_bool(struct loader *L, const struct ynode *n, const char *what, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", NULL };
	if (n->type == Y_SCALAR && n->plain) {
		for (size_t i = 0; yes[i]; i++)
			if (strcmp(n->value, yes[i]) == 0)
				return *out = true;
		for (size_t i = 0; no[i]; i++)
			if (strcmp(n->value, no[i]) == 0)
				return !(*out = false);
	}
	bad(L, n, "%s must be true or false", what);
	return false;
}

size_t load_yaml_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* True when the key may be decoded. Unknown keys get the nearest known one suggested. */
static bool key_ok(struct loader *L, const struct ynode *key, const char *const *known,
		   const char *where)
{
	const char *k = key->value;
	if (in_list(known, k)) {
		if (!in_list(not_yet, k))
			return true;
		bad(L, key, "'%s' is not supported yet", k);
		return false;
	}
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; known[i]; i++) {
		size_t dist = load_yaml_edit_distance(k, known[i]);
		if (dist < best_d && dist < strlen(known[i])) {
			best_d = dist;
			best = known[i];
		}
	}
	if (best)
		bad(L, key, "unknown key '%s' in %s (did you mean '%s'?)", k, where, best);
	else
		bad(L, key, "unknown key '%s' in %s", k, where);
	return false;
}

static const char *const lab_keys[] = { "name", "prefix", "nodes", "links", "uplink",
					"tests", "defaults", "hosts", "routing", "groups",
					"keep_unlisted", NULL };
static const char *const node_keys[] = { "kind",  "hostname", "interfaces", "routes",
					 "sysctl", "nat",     "files",      "exec",
					 "daemons", "config", "env", "group",
					 "routing", "asn", "template", NULL };
static const char *const iface_keys[] = { "addresses", "mtu", "mac", NULL };
static const char *const route_keys[] = { "to", "via", "dev", "metric", "type", NULL };
static const char *const link_keys[] = { "endpoints", "mtu",	   "delay",   "jitter", "loss",
					 "corrupt",   "duplicate", "reorder", "rate",	"limit",
					 "impair",    NULL };
static const char *const uplink_keys[] = { "host_interface", "masquerade", "forwarding", NULL };
static const char *const file_keys[] = { "content", "from", "dir", "owner", "mode", NULL };
static const char *const exec_keys[] = { "cmd", "background", "may_fail", "timeout", NULL };
static const char *const nat_kinds[] = { "masquerade", "snat", "dnat", NULL };
static const char *const nat_keys[] = { "in", "out", "from", "to", "proto", "port", NULL };
static const char *const check_kinds[] = { "ping", "tcp", "route", "exec", "do", NULL };
static const char *const check_keys[] = { "ping", "tcp",    "route",        "exec", "do", "name",
					   "expect", "within", "output", "output_regex", NULL };
static const char *const ping_keys[] = { "from", "to", NULL };
static const char *const tcp_keys[] = { "from", "to", "port", NULL };
static const char *const rcheck_keys[] = { "node", "to", "via", "dev", NULL };
static const char *const xcheck_keys[] = { "node", "cmd", NULL };

/* ---- addresses and interfaces ---- */

/* Checked here, before the name is stored in its IFNAMSIZ buffer. */
static bool ifname_ok(struct loader *L, struct srcloc loc, const char *name)
{
	if (validate_ifname(name))
		return true;
	if (strlen(name) > TOPO_IFNAME_MAX)
		diags_add(L->d, loc, "interface name '%s' is longer than %d bytes (the kernel's IFNAMSIZ)",
			  name, TOPO_IFNAME_MAX);
	else
		diags_add(L->d, loc,
			  "invalid interface name '%s' (1 to %d bytes, no '/', ':' or white space)", name,
			  TOPO_IFNAME_MAX);
	return false;
}

/* Why cidr_parse refused s: "invalid address" alone leaves the user to guess which part. */
static const char *cidr_why(const char *s, bool need_prefix, char *why, size_t len)
{
	const char *slash = strchr(s, '/');
	char addr[CIDR_STR_MAX];
	uint8_t fam, a[16];
	snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	if (!addr_parse(addr, &fam, a))
		snprintf(why, len, "'%s' is not an IPv4 or IPv6 address", addr);
	else if (!slash && need_prefix)
		snprintf(why, len, "it needs a prefix length, like %s/%d", addr, fam == AF_INET ? 24 : 64);
	else
		snprintf(why, len, "an IPv%d prefix length is 0 to %d, not '%s'", fam == AF_INET ? 4 : 6,
			 fam == AF_INET ? 32 : 128, slash ? slash + 1 : "");
	return why;
}

static void add_address(struct loader *L, struct topo_iface *iface, const struct ynode *n)
{
	const char *s = want_str(L, n, "an address");
	struct cidr c;
	if (!s)
		return;
	if (!cidr_parse(s, &c, true)) {
		char why[160];
		bad(L, n, "invalid address '%s': %s", s, cidr_why(s, true, why, sizeof(why)));
		return;
	}
	topo_addr_add(L->lab, iface, &c, loc_of(L, n));
}

static void add_addresses(struct loader *L, struct topo_iface *iface, const struct ynode *n)
{
	if (ytree_is_null(n))
		return;
	if (n->type == Y_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			add_address(L, iface, n->items[i]);
		return;
	}
	add_address(L, iface, n);
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				       &v[4], &v[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (s[i * 3] == ' ' || s[i * 3] == '+' || s[i * 3] == '-')
			return false;
		mac[i] = (uint8_t)v[i];
	}
	return true;
}

static void decode_iface_map(struct loader *L, const struct topo_node *node,
			     struct topo_iface *iface, const struct ynode *m)
{
	char where[128];
	snprintf(where, sizeof(where), "interface %s:%s", node->name, iface->name);
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		uint64_t u;
		if (!key_ok(L, k, iface_keys, where))
			continue;
		if (strcmp(k->value, "addresses") == 0) {
			add_addresses(L, iface, v);
		} else if (strcmp(k->value, "mtu") == 0) {
			if (want_uint(L, v, "mtu", 68, 65535, &u)) {
				iface->mtu = (uint32_t)u;
				iface->has |= IFACE_HAS_MTU;
			}
		} else if (strcmp(k->value, "mac") == 0) {
			const char *s = want_str(L, v, "mac");
			if (!s)
				continue;
			if (!parse_mac(s, iface->mac))
				bad(L, v, "invalid mac '%s' (expected six hex octets like 02:00:00:00:00:01)", s);
			else if (iface->mac[0] & 1)
				bad(L, v, "mac '%s' is a multicast address (the first octet must be even)", s);
			else if (!memcmp(iface->mac, "\0\0\0\0\0\0", 6))
				bad(L, v, "mac '%s' is all zeros", s);
			else
				iface->has |= IFACE_HAS_MAC;
		}
	}
}

static void decode_interfaces(struct loader *L, struct topo_node *node, const struct ynode *m)
{
	if (ytree_is_null(m) || !want_map(L, m, "interfaces"))
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		if (!ifname_ok(L, loc_of(L, k), k->value))
			continue;
		if (topo_iface_find(node, k->value)) {
			bad(L, k, "interface '%s' is given twice in node %s", k->value, node->name);
			continue;
		}
		struct topo_iface *iface = topo_iface_add(L->lab, node, k->value, loc_of(L, k));
		if (v->type == Y_MAP)
			decode_iface_map(L, node, iface, v);
		else
			add_addresses(L, iface, v);
	}
}

/* ---- routes ---- */

static bool route_via(struct loader *L, struct topo_route *r, const char *s, struct srcloc loc)
{
	uint8_t fam;
	if (!addr_parse(s, &fam, r->via)) {
		diags_add(L->d, loc, "invalid gateway '%s' (expected an address, like 10.0.0.1)", s);
		return false;
	}
	r->has |= ROUTE_HAS_VIA;
	if (r->to.family && r->to.family != fam) {
		diags_add(L->d, loc, "gateway %s is not of the same address family as the destination", s);
		return false;
	}
	r->to.family = fam;
	return true;
}

static bool route_to(struct loader *L, struct topo_route *r, const char *s, struct srcloc loc)
{
	if (strcmp(s, "default") == 0)
		return true; /* family from the gateway, else IPv4 */
	if (!cidr_parse(s, &r->to, false)) {
		uint8_t fam, a[16];
		char addr[CIDR_STR_MAX], why[160];
		snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(s, "/"), s);
		if (addr_parse(addr, &fam, a))
			diags_add(L->d, loc, "invalid destination '%s': %s", s,
				  cidr_why(s, false, why, sizeof(why)));
		else
			diags_add(L->d, loc, "invalid destination '%s' (expected default or a prefix, "
					     "like 10.9.0.0/16)", s);
		return false;
	}
	struct cidr net;
	cidr_network(&r->to, &net);
	if (!cidr_equal(&net, &r->to)) {
		char buf[CIDR_STR_MAX];
		diags_add(L->d, loc, "destination '%s' has host bits set (did you mean %s?)", s,
			  cidr_format(&net, buf, sizeof(buf)));
		return false;
	}
	return true;
}

static bool route_dev(struct loader *L, struct topo_route *r, const char *s, struct srcloc loc)
{
	if (strlen(s) > TOPO_IFNAME_MAX) {
		diags_add(L->d, loc, "interface name '%s' is longer than %d bytes", s, TOPO_IFNAME_MAX);
		return false;
	}
	snprintf(r->dev, sizeof(r->dev), "%s", s);
	r->has |= ROUTE_HAS_DEV;
	return true;
}

static bool route_metric(struct loader *L, struct topo_route *r, const char *s, struct srcloc loc)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX || *s == '-' || *s == '+') {
		diags_add(L->d, loc, "invalid metric '%s' (0..4294967295)", s);
		return false;
	}
	r->metric = (uint32_t)v;
	r->has |= ROUTE_HAS_METRIC;
	return true;
}

/* "DEST [via GW] [dev IF] [metric N]", the words of `ip route add`. */
static bool decode_route_string(struct loader *L, struct topo_route *r, const struct ynode *n)
{
	struct {
		char text[64];
		size_t off;
	} w[8];
	size_t nw = 0, pos = 0;
	while (pos < n->len) {
		while (pos < n->len && (n->value[pos] == ' ' || n->value[pos] == '\t'))
			pos++;
		if (pos >= n->len)
			break;
		size_t start = pos;
		while (pos < n->len && n->value[pos] != ' ' && n->value[pos] != '\t')
			pos++;
		if (nw == 8) {
			diags_add(L->d, loc_in(L, n, start), "too many words in route");
			return false;
		}
		if (pos - start >= sizeof(w[nw].text)) {
			/* Cut short, a word would mean something else (a metric of 0). */
			diags_add(L->d, loc_in(L, n, start), "'%.20s...' is too long for a route word", n->value + start);
			return false;
		}
		snprintf(w[nw].text, sizeof(w[nw].text), "%.*s", (int)(pos - start), n->value + start);
		w[nw++].off = start;
	}
	if (!nw) {
		bad(L, n, "empty route");
		return false;
	}
	bool ok = route_to(L, r, w[0].text, loc_in(L, n, w[0].off));
	for (size_t i = 1; i < nw && ok; i += 2) {
		const char *kw = w[i].text;
		struct srcloc kloc = loc_in(L, n, w[i].off);
		if (i + 1 >= nw) {
			diags_add(L->d, kloc, "'%s' in route needs a value", kw);
			return false;
		}
		const char *val = w[i + 1].text;
		struct srcloc vloc = loc_in(L, n, w[i + 1].off);
		if (strcmp(kw, "via") == 0 && !(r->has & ROUTE_HAS_VIA))
			ok = route_via(L, r, val, vloc);
		else if (strcmp(kw, "dev") == 0 && !(r->has & ROUTE_HAS_DEV))
			ok = route_dev(L, r, val, vloc);
		else if (strcmp(kw, "metric") == 0 && !(r->has & ROUTE_HAS_METRIC))
			ok = route_metric(L, r, val, vloc);
		else {
			diags_add(L->d, kloc, "unexpected '%s' in route (expected via, dev or metric, each once)",
				  kw);
			ok = false;
		}
	}
	return ok;
}

static bool decode_route_map(struct loader *L, struct topo_route *r, const struct ynode *m)
{
	const struct ynode *to = NULL, *via = NULL, *dev = NULL, *metric = NULL;
	bool ok = true;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		if (!key_ok(L, k, route_keys, "a route")) {
			ok = false;
			continue;
		}
		if (strcmp(k->value, "to") == 0)
			to = v;
		else if (strcmp(k->value, "via") == 0)
			via = v;
		else if (strcmp(k->value, "dev") == 0)
			dev = v;
		else
			metric = v;
	}
	if (!to) {
		bad(L, m, "a route needs 'to'");
		return false;
	}
	if (via && via->type == Y_SEQ) {
		bad(L, via, "a list of gateways (multipath) is not supported yet");
		return false;
	}
	const char *s;
	uint64_t u;
	if ((s = want_str(L, to, "to")))
		ok &= route_to(L, r, s, loc_of(L, to));
	else
		ok = false;
	if (ok && via && (s = want_str(L, via, "via")))
		ok &= route_via(L, r, s, loc_of(L, via));
	else if (via)
		ok = false;
	if (dev && (s = want_str(L, dev, "dev")))
		ok &= route_dev(L, r, s, loc_of(L, dev));
	if (metric && want_uint(L, metric, "metric", 0, UINT32_MAX, &u)) {
		r->metric = (uint32_t)u;
		r->has |= ROUTE_HAS_METRIC;
	}
	return ok;
}

static void decode_routes(struct loader *L, struct topo_node *node, const struct ynode *seq)
{
	if (ytree_is_null(seq) || !want_seq(L, seq, "routes"))
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *n = seq->items[i];
		struct topo_route r = { .loc = loc_of(L, n) };
		bool ok;
		if (n->type == Y_MAP)
			ok = decode_route_map(L, &r, n);
		else if (want_str(L, n, "a route"))
			ok = decode_route_string(L, &r, n);
		else
			ok = false;
		if (!ok)
			continue;
		if (!r.to.family)
			r.to.family = AF_INET;
		*ARENA_PUSH(&L->lab->arena, node->routes, node->n_routes, node->cap_routes) = r;
	}
}

/* ---- sysctl, nat, files, exec, daemons ---- */

static void decode_sysctl(struct loader *L, struct topo_node *node, const struct ynode *m)
{
	if (ytree_is_null(m) || !want_map(L, m, "sysctl"))
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		/* An empty value would only fail later, when the kernel refuses to write it. */
		if (v->type != Y_SCALAR || ytree_is_null(v) || !v->len) {
			bad(L, v, "sysctl %s needs a value (a number or a string)", k->value);
			continue;
		}
		struct topo_sysctl *s =
			ARENA_PUSH(&L->lab->arena, node->sysctls, node->n_sysctls, node->cap_sysctls);
		s->key = arena_strdup(&L->lab->arena, k->value);
		s->value = arena_strdup(&L->lab->arena, v->value);
		s->loc = loc_of(L, k);
	}
}

static bool want_ifname(struct loader *L, const struct ynode *n, const char *what, char out[16])
{
	const char *s = want_str(L, n, what);
	if (!s)
		return false;
	if (strlen(s) > TOPO_IFNAME_MAX) {
		bad(L, n, "interface name '%s' is longer than %d bytes", s, TOPO_IFNAME_MAX);
		return false;
	}
	snprintf(out, 16, "%s", s);
	return true;
}

/* "ADDR", "ADDR:PORT" or "[V6]:PORT". */
static bool parse_addr_port(const char *s, uint8_t *fam, uint8_t a[16], uint16_t *port, bool *has_port)
{
	char buf[64];
	const char *colon = NULL;
	*has_port = false;
	if (strlen(s) >= sizeof(buf))
		return false;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return false;
		snprintf(buf, sizeof(buf), "%.*s", (int)(close - s - 1), s + 1);
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return false;
	} else if (strchr(s, ':') && strchr(s, ':') == strrchr(s, ':')) {
		colon = strchr(s, ':');
		snprintf(buf, sizeof(buf), "%.*s", (int)(colon - s), s);
	} else {
		snprintf(buf, sizeof(buf), "%s", s);
	}
	if (!addr_parse(buf, fam, a))
		return false;
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || p < 1 || p > 65535)
			return false;
		*port = (uint16_t)p;
		*has_port = true;
	}
	return true;
}

static void nat_family(struct loader *L, struct topo_nat *r, uint8_t fam, const struct ynode *n)
{
	if (r->family && r->family != fam)
		bad(L, n, "mixes IPv4 and IPv6 in one NAT rule");
	r->family = fam;
}

static void decode_nat_field(struct loader *L, struct topo_nat *r, const struct ynode *k,
			     const struct ynode *v)
{
	const char *s;
	uint64_t u;
	if (strcmp(k->value, "in") == 0 && want_ifname(L, v, "in", r->in)) {
		r->has |= NAT_HAS_IN;
	} else if (strcmp(k->value, "out") == 0 && want_ifname(L, v, "out", r->out)) {
		r->has |= NAT_HAS_OUT;
	} else if (strcmp(k->value, "from") == 0 && (s = want_str(L, v, "from"))) {
		if (!cidr_parse(s, &r->from, false))
			bad(L, v, "invalid source prefix '%s'", s);
		else {
			struct cidr net;
			cidr_network(&r->from, &net);
			r->from = net;
			r->has |= NAT_HAS_FROM;
			nat_family(L, r, net.family, v);
		}
	} else if (strcmp(k->value, "to") == 0 && (s = want_str(L, v, "to"))) {
		uint8_t fam;
		bool has_port;
		if (!parse_addr_port(s, &fam, r->to, &r->to_port, &has_port)) {
			bad(L, v, "invalid NAT target '%s' (expected ADDRESS or ADDRESS:PORT)", s);
			return;
		}
		r->has |= NAT_HAS_TO | (has_port ? NAT_HAS_TO_PORT : 0);
		nat_family(L, r, fam, v);
	} else if (strcmp(k->value, "proto") == 0 && (s = want_str(L, v, "proto"))) {
		if (strcmp(s, "tcp") == 0)
			r->proto = IPPROTO_TCP;
		else if (strcmp(s, "udp") == 0)
			r->proto = IPPROTO_UDP;
		else {
			bad(L, v, "proto must be tcp or udp, not '%s'", s);
			return;
		}
		r->has |= NAT_HAS_PROTO;
	} else if (strcmp(k->value, "port") == 0 && want_uint(L, v, "port", 1, 65535, &u)) {
		r->port = (uint16_t)u;
		r->has |= NAT_HAS_PORT;
	}
}

static void decode_nat_rule(struct loader *L, struct topo_node *node, const struct ynode *m)
{
	if (!want_map(L, m, "a NAT rule"))
		return;
	if (m->n != 2) {
		bad(L, m, "a NAT rule has exactly one of masquerade, snat or dnat");
		return;
	}
	const struct ynode *k = m->items[0], *v = m->items[1];
	if (!key_ok(L, k, nat_kinds, "a NAT rule"))
		return;
	struct topo_nat r = { .loc = loc_of(L, k) };
	r.kind = strcmp(k->value, "masquerade") == 0 ? NAT_MASQUERADE
		 : strcmp(k->value, "snat") == 0     ? NAT_SNAT
						     : NAT_DNAT;
	if (!want_map(L, v, k->value))
		return;
	size_t before = L->d->n_errors;
	for (size_t i = 0; i + 1 < v->n; i += 2)
		if (key_ok(L, v->items[i], nat_keys, "a NAT rule"))
			decode_nat_field(L, &r, v->items[i], v->items[i + 1]);
	if (L->d->n_errors != before)
		return;
	if (!r.family)
		r.family = AF_INET;
	r.text = (char *)topo_nat_text(&L->lab->arena, &r);
	*ARENA_PUSH(&L->lab->arena, node->nat, node->n_nat, node->cap_nat) = r;
}

static void decode_nat(struct loader *L, struct topo_node *node, const struct ynode *seq)
{
	node->has_nat = true;
	if (ytree_is_null(seq) || !want_seq(L, seq, "nat"))
		return;
	for (size_t i = 0; i < seq->n; i++)
		decode_nat_rule(L, node, seq->items[i]);
}

static bool parse_mode(const char *s, uint32_t *mode)
{
	uint32_t v = 0;
	if (!*s || strlen(s) > 5)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return false;
		v = v * 8 + (uint32_t)(*s - '0');
	}
	*mode = v;
	return v <= 07777;
}

static void decode_file_map(struct loader *L, struct topo_file *f, const struct ynode *m)
{
	int sources = 0;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		const char *s;
		bool b;
		if (!key_ok(L, k, file_keys, "a file"))
			continue;
		if (strcmp(k->value, "content") == 0 && v->type == Y_SCALAR) {
			f->kind = FILE_INLINE;
			f->content = arena_strndup(&L->lab->arena, v->value, v->len);
			f->len = v->len;
			sources++;
		} else if (strcmp(k->value, "content") == 0) {
			bad(L, v, "content must be a string, not %s", shape(v));
		} else if (strcmp(k->value, "from") == 0 && (s = want_str(L, v, "from"))) {
			f->kind = FILE_FROM;
			size_t n = strlen(s);
			f->from_dir = n > 1 && s[n - 1] == '/';
			f->from = s[0] == '/' ? arena_strdup(&L->lab->arena, s)
					      : arena_printf(&L->lab->arena, "%s/%s", L->lab->dir, s);
			sources++;
		} else if (strcmp(k->value, "dir") == 0 && want_bool(L, v, "dir", &b)) {
			if (!b)
				bad(L, v, "dir: false means nothing; leave it out");
			f->kind = FILE_DIR;
			sources++;
		} else if (strcmp(k->value, "owner") == 0 && (s = want_str(L, v, "owner"))) {
			f->owner = arena_strdup(&L->lab->arena, s);
			f->has |= FILE_HAS_OWNER;
		} else if (strcmp(k->value, "mode") == 0 && (s = want_str(L, v, "mode"))) {
			if (!parse_mode(s, &f->mode))
				bad(L, v, "invalid mode '%s' (expected octal, like \"0644\")", s);
			else
				f->has |= FILE_HAS_MODE;
		}
	}
	if (sources != 1)
		bad(L, m, "a file takes exactly one of content, from or dir: true");
}

static void decode_files(struct loader *L, struct topo_node *node, const struct ynode *m)
{
	if (ytree_is_null(m) || !want_map(L, m, "files"))
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		struct topo_file *f = ARENA_PUSH(&L->lab->arena, node->files, node->n_files, node->cap_files);
		f->path = arena_strdup(&L->lab->arena, k->value);
		f->loc = loc_of(L, k);
		if (v->type == Y_MAP) {
			decode_file_map(L, f, v);
		} else if (v->type == Y_SCALAR) {
			f->kind = FILE_INLINE;
			f->content = arena_strndup(&L->lab->arena, v->value, v->len);
			f->len = v->len;
		} else {
			bad(L, v, "a file is its content (a string) or a mapping, not %s", shape(v));
		}
	}
}

static bool decode_argv(struct loader *L, const struct ynode *n, char ***argv, size_t *argc)
{
	if (n->type == Y_SEQ) {
		if (!n->n) {
			bad(L, n, "an empty command");
			return false;
		}
		*argv = arena_alloc(&L->lab->arena, (n->n + 1) * sizeof(char *));
		for (size_t i = 0; i < n->n; i++) {
			if (n->items[i]->type != Y_SCALAR) {
				bad(L, n->items[i], "a command word must be a string, not %s",
				    shape(n->items[i]));
				return false;
			}
			(*argv)[i] = arena_strdup(&L->lab->arena, n->items[i]->value);
		}
		*argc = n->n;
		return true;
	}
	const char *s = want_str(L, n, "a command");
	if (!s)
		return false;
	long at = load_yaml_split_words(&L->lab->arena, s, argv, argc);
	if (at >= 0) {
		diags_add(L->d, loc_in(L, n, (size_t)at), "unterminated quote in command");
		return false;
	}
	if (!*argc) {
		bad(L, n, "an empty command");
		return false;
	}
	return true;
}

static bool parse_duration(const char *s, uint32_t *ms);

static void exec_timeout(struct loader *L, const struct ynode *v, uint32_t *ms)
{
	const char *s = want_str(L, v, "timeout");
	if (s && (!parse_duration(s, ms) || !*ms))
		bad(L, v, "invalid timeout '%s' (a number with ms or s, like 10s)", s);
}

static void decode_exec(struct loader *L, struct topo_node *node, const struct ynode *seq)
{
	if (ytree_is_null(seq) || !want_seq(L, seq, "exec"))
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *n = seq->items[i], *cmd = n;
		struct topo_exec x = { .loc = loc_of(L, n) };
		if (n->type == Y_MAP) {
			cmd = NULL;
			for (size_t j = 0; j + 1 < n->n; j += 2) {
				const struct ynode *k = n->items[j], *v = n->items[j + 1];
				if (!key_ok(L, k, exec_keys, "an exec entry"))
					continue;
				if (strcmp(k->value, "cmd") == 0)
					cmd = v;
				else if (strcmp(k->value, "may_fail") == 0)
					want_bool(L, v, "may_fail", &x.may_fail);
				else if (strcmp(k->value, "timeout") == 0)
					exec_timeout(L, v, &x.timeout_ms);
				else
					want_bool(L, v, "background", &x.background);
			}
			if (!cmd) {
				bad(L, n, "an exec entry needs 'cmd'");
				continue;
			}
		}
		if (decode_argv(L, cmd, &x.argv, &x.argc))
			*ARENA_PUSH(&L->lab->arena, node->execs, node->n_execs, node->cap_execs) = x;
	}
}

static void decode_daemons(struct loader *L, struct topo_node *node, const struct ynode *seq)
{
	node->daemons_loc = loc_of(L, seq);
	if (ytree_is_null(seq) || !want_seq(L, seq, "daemons"))
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const char *s = want_str(L, seq->items[i], "a daemon");
		if (s)
			*ARENA_PUSH(&L->lab->arena, node->daemons, node->n_daemons, node->cap_daemons) =
				arena_strdup(&L->lab->arena, s);
	}
}

/* A name a shell would accept, and not one of the tags nstopo finds its processes by. */
static bool env_name_ok(struct loader *L, const struct ynode *k)
{
	const char *s = k->value;
	bool ok = (s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'));
	for (const char *c = s; ok && *c; c++)
		ok = *c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		     (*c >= '0' && *c <= '9');
	if (!ok) {
		bad(L, k, "'%s' is not a variable name (letters, digits and _, not starting with a digit)", s);
		return false;
	}
	if (strncmp(s, "NSTOPO_", 7) == 0) {
		bad(L, k, "%s: NSTOPO_ variables are nstopo's own (it finds a node's programs by them)", s);
		return false;
	}
	return true;
}

static void decode_env(struct loader *L, struct topo_node *node, const struct ynode *m)
{
	if (ytree_is_null(m) || !want_map(L, m, "env"))
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		if (!env_name_ok(L, k))
			continue;
		if (v->type != Y_SCALAR || ytree_is_null(v)) {
			bad(L, v, "env %s needs a value (a string; \"\" for empty)", k->value);
			continue;
		}
		struct topo_env *e = ARENA_PUSH(&L->lab->arena, node->env, node->n_env, node->cap_env);
		e->name = arena_strdup(&L->lab->arena, k->value);
		e->value = arena_strdup(&L->lab->arena, v->value);
		e->loc = loc_of(L, k);
	}
}

/* ---- nodes ---- */

static void decode_node_key(struct loader *L, struct topo_node *node, const struct ynode *k,
			    const struct ynode *v)
{
	const char *key = k->value, *s;
	if (strcmp(key, "kind") == 0) {
		node->kind_loc = loc_of(L, v);
		if (!(s = want_str(L, v, "kind")))
			return;
		if (!topo_node_kind_parse(s, &node->kind))
			bad(L, v, "unknown kind '%s' (expected host, router, bridge, frr or bird)", s);
		else
			node->has |= NODE_HAS_KIND;
	} else if (strcmp(key, "hostname") == 0 && (s = want_str(L, v, "hostname"))) {
		node->hostname = arena_strdup(&L->lab->arena, s);
		node->hostname_loc = loc_of(L, v);
		node->has |= NODE_HAS_HOSTNAME;
	} else if (strcmp(key, "interfaces") == 0) {
		decode_interfaces(L, node, v);
	} else if (strcmp(key, "routes") == 0) {
		decode_routes(L, node, v);
	} else if (strcmp(key, "sysctl") == 0) {
		decode_sysctl(L, node, v);
	} else if (strcmp(key, "nat") == 0) {
		decode_nat(L, node, v);
	} else if (strcmp(key, "files") == 0) {
		decode_files(L, node, v);
	} else if (strcmp(key, "exec") == 0) {
		decode_exec(L, node, v);
	} else if (strcmp(key, "daemons") == 0) {
		decode_daemons(L, node, v);
	} else if (strcmp(key, "env") == 0) {
		decode_env(L, node, v);
	} else if (strcmp(key, "config") == 0 && v->type == Y_SCALAR) {
		node->config = arena_strndup(&L->lab->arena, v->value, v->len);
		node->config_loc = loc_of(L, v);
		node->has |= NODE_HAS_CONFIG;
	} else if (strcmp(key, "config") == 0) {
		bad(L, v, "config must be a string (a block: config: |), not %s", shape(v));
	} else if (strcmp(key, "group") == 0 && v->type == Y_SEQ) { /* expand.c checked the names */
		for (size_t i = 0; i < v->n; i++)
			*ARENA_PUSH(&L->lab->arena, node->groups, node->n_groups, node->cap_groups) =
				arena_strdup(&L->lab->arena, v->items[i]->value);
	} else {
		routing_yaml_node(L->lab, node, k, v, L->file, L->d);
	}
}

static void decode_node(struct loader *L, const struct ynode *k, const struct ynode *v)
{
	struct topo_node *node = topo_node_add(L->lab, k->value, loc_of(L, k));
	bool is_root = node->kind == NODE_ROOT;
	char what[128];
	snprintf(what, sizeof(what), "node %s", node->name);
	if (ytree_is_null(v))
		return;
	if (!want_map(L, v, is_root ? "host" : what))
		return;
	size_t errors_before = L->d->n_errors;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *key = v->items[i];
		if (is_root && strcmp(key->value, "interfaces") != 0 && strcmp(key->value, "routes") != 0 &&
		    strcmp(key->value, "sysctl") != 0) {
			bad(L, key, "host takes only 'interfaces' and 'routes' (for the host-side ends of "
				    "the lab's links) and 'sysctl' (the neighbour-table sizes), not '%s'",
			    key->value);
			continue;
		}
		if (key_ok(L, key, node_keys, what))
			decode_node_key(L, node, key, v->items[i + 1]);
	}
	/* One mistake, one error: what the node lacks because of it is not reported again. */
	if (L->d->n_errors > errors_before)
		node->damaged = true;
}

static void decode_nodes(struct loader *L, const struct ynode *m)
{
	if (ytree_is_null(m))
		return;
	if (!want_map(L, m, "nodes"))
		return;
	for (size_t i = 0; i + 1 < m->n; i += 2)
		decode_node(L, m->items[i], m->items[i + 1]);
}

/* ---- links ---- */

/* h9 and h1: two numbered nodes of one family, not a typo of each other. */
static bool numbered_sibling(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la && isdigit((unsigned char)a[la - 1]))
		la--;
	while (lb && isdigit((unsigned char)b[lb - 1]))
		lb--;
	return la == lb && la < strlen(a) && lb < strlen(b) && memcmp(a, b, la) == 0;
}

static bool decode_end(struct loader *L, size_t link_idx, const struct ynode *n, struct topo_end *end)
{
	const char *s = want_str(L, n, "a link endpoint");
	if (!s)
		return false;
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1]) {
		bad(L, n, "link endpoint '%s' must be NODE:INTERFACE", s);
		return false;
	}
	char node_name[256];
	snprintf(node_name, sizeof(node_name), "%.*s", (int)(colon - s), s);
	ptrdiff_t ni = topo_node_index(L->lab, node_name);
	if (ni < 0 && strcmp(node_name, TOPO_HOST_NODE) == 0) {
		topo_node_add(L->lab, TOPO_HOST_NODE, loc_of(L, n));
		ni = topo_node_index(L->lab, node_name);
	}
	if (ni < 0) {
		/* A typo of a node's name: suggested, and that node's interfaces this link was to
		 * join are not then reported as on no link (the node is marked damaged). */
		struct topo_node *best = NULL;
		size_t best_d = 3;
		for (size_t i = 0; i < L->lab->n_nodes; i++) {
			size_t dist = load_yaml_edit_distance(node_name, L->lab->nodes[i]->name);
			if (dist < best_d && dist < strlen(L->lab->nodes[i]->name) &&
			    !numbered_sibling(node_name, L->lab->nodes[i]->name)) {
				best_d = dist;
				best = L->lab->nodes[i];
			}
		}
		if (best) {
			best->damaged = true;
			bad(L, n, "unknown node '%s' in link endpoint '%s' (did you mean %s?)", node_name,
			    s, best->name);
		} else {
			bad(L, n, "unknown node '%s' in link endpoint '%s'", node_name, s);
		}
		return false;
	}
	struct topo_node *node = L->lab->nodes[ni];
	if (!ifname_ok(L, loc_in(L, n, (size_t)(colon + 1 - s)), colon + 1))
		return false;
	struct topo_iface *iface = topo_iface_find(node, colon + 1);
	if (!iface)
		iface = topo_iface_add(L->lab, node, colon + 1, loc_of(L, n));
	if (iface->link == (int32_t)link_idx) {
		bad(L, n, "a link cannot join %s to itself", s);
		return false;
	}
	if (iface->link >= 0) {
		const struct topo_link *other = &L->lab->links[iface->link];
		bad(L, n, "interface %s is already on the link at line %u", s, other->loc.line);
		return false;
	}
	if (iface->link == TOPO_LINK_BROKEN) {
		bad(L, n, "interface %s is already on another link", s);
		return false;
	}
	iface->link = (int32_t)link_idx;
	end->node = (uint32_t)ni;
	end->iface = (uint32_t)(iface - node->ifaces);
	end->loc = loc_of(L, n);
	return true;
}

static void decode_link(struct loader *L, const struct ynode *n)
{
	const struct ynode *eps = n, *mtu = NULL;
	struct topo_link link = { .loc = loc_of(L, n) };
	if (n->type == Y_MAP) {
		eps = NULL;
		for (size_t i = 0; i + 1 < n->n; i += 2) {
			const struct ynode *k = n->items[i];
			if (!key_ok(L, k, link_keys, "a link"))
				continue;
			if (strcmp(k->value, "endpoints") == 0)
				eps = n->items[i + 1];
			else if (strcmp(k->value, "mtu") == 0)
				mtu = n->items[i + 1];
		}
		if (!eps) {
			bad(L, n, "a link needs 'endpoints'");
			return;
		}
	}
	if (eps->type != Y_SEQ) {
		bad(L, eps, "a link is a list of two endpoints, like [h1:eth0, r1:eth0], not %s",
		    shape(eps));
		return;
	}
	if (eps->n != 2) {
		bad(L, eps, "a link has exactly two endpoints, not %zu", eps->n);
		return;
	}
	uint64_t u;
	if (mtu && want_uint(L, mtu, "mtu", 68, 65535, &u)) {
		link.mtu = (uint32_t)u;
		link.has |= LINK_HAS_MTU;
	}
	size_t idx = L->lab->n_links;
	struct topo_end e0, e1;
	bool ok0 = decode_end(L, idx, eps->items[0], &e0);
	bool ok1 = decode_end(L, idx, eps->items[1], &e1);
	if (!ok0 || !ok1) {
		/* Leave neither end claimed by a link that will not exist. */
		if (ok0)
			topo_end_iface(L->lab, &e0)->link = TOPO_LINK_BROKEN;
		if (ok1)
			topo_end_iface(L->lab, &e1)->link = TOPO_LINK_BROKEN;
		return;
	}
	link.end[0] = e0;
	link.end[1] = e1;
	*ARENA_PUSH(&L->lab->arena, L->lab->links, L->lab->n_links, L->lab->cap_links) = link;
	if (n->type == Y_MAP)
		load_impair_link(L->d, L->file, L->lab, &L->lab->links[idx], n);
}

static void decode_links(struct loader *L, const struct ynode *seq)
{
	if (ytree_is_null(seq) || !want_seq(L, seq, "links"))
		return;
	for (size_t i = 0; i < seq->n; i++)
		decode_link(L, seq->items[i]);
}

/* ---- uplink and tests ---- */

static void decode_uplink(struct loader *L, const struct ynode *m)
{
	if (!want_map(L, m, "uplink"))
		return;
	struct topo_uplink *u = arena_alloc(&L->lab->arena, sizeof(*u));
	u->loc = loc_of(L, m);
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		const char *s;
		if (!key_ok(L, k, uplink_keys, "uplink"))
			continue;
		if (strcmp(k->value, "host_interface") == 0 && (s = want_str(L, v, "host_interface")))
			u->host_interface = arena_strdup(&L->lab->arena, s);
		else if (strcmp(k->value, "masquerade") == 0 && want_bool(L, v, "masquerade", &u->masquerade))
			u->has |= UPLINK_HAS_MASQUERADE;
		else if (strcmp(k->value, "forwarding") == 0 && want_bool(L, v, "forwarding", &u->forwarding))
			u->has |= UPLINK_HAS_FORWARDING;
	}
	if (!u->host_interface && !ytree_map_get(m, "host_interface"))
		bad(L, m, "uplink needs 'host_interface'");
	L->lab->uplink = u;
}

static bool parse_duration(const char *s, uint32_t *ms)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (strcmp(end, "ms") == 0)
		;
	else if (strcmp(end, "s") == 0)
		v *= 1000;
	else if (!*end && v == 0)
		;
	else
		return false;
	if (v > 24ull * 3600 * 1000)
		return false;
	*ms = (uint32_t)v;
	return true;
}

static void decode_check_body(struct loader *L, struct topo_check *c, const struct ynode *m,
			      const char *const *keys, const char *what)
{
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		const char *key = k->value, *s;
		uint64_t u;
		if (!key_ok(L, k, keys, what))
			continue;
		if ((strcmp(key, "from") == 0 || strcmp(key, "node") == 0) && (s = want_str(L, v, key))) {
			c->node = arena_strdup(&L->lab->arena, s);
			c->node_loc = loc_of(L, v);
		} else if (strcmp(key, "to") == 0 && (s = want_str(L, v, key))) {
			c->to = arena_strdup(&L->lab->arena, s);
			c->to_loc = loc_of(L, v);
			if (c->kind == CHECK_ROUTE && strcmp(s, "default") != 0 &&
			    !cidr_parse(s, &c->route_to, false))
				bad(L, v, "invalid destination '%s' (expected default or a prefix)", s);
		} else if (strcmp(key, "port") == 0 && want_uint(L, v, "port", 1, 65535, &u)) {
			c->port = (uint16_t)u;
		} else if (strcmp(key, "via") == 0 && (s = want_str(L, v, key))) {
			uint8_t fam;
			if (!addr_parse(s, &fam, c->via))
				bad(L, v, "invalid gateway '%s'", s);
			else
				c->has |= CHECK_HAS_VIA;
		} else if (strcmp(key, "dev") == 0 && want_ifname(L, v, "dev", c->dev)) {
			c->has |= CHECK_HAS_DEV;
		} else if (strcmp(key, "cmd") == 0) {
			decode_argv(L, v, &c->argv, &c->argc);
		}
	}
	static const char *const need_node[] = { "from", "from", "node", "node" };
	if (!c->node && !ytree_map_get(m, need_node[c->kind]))
		bad(L, m, "%s needs '%s'", what, need_node[c->kind]);
	if (c->kind != CHECK_EXEC && !c->to && !ytree_map_get(m, "to"))
		bad(L, m, "%s needs 'to'", what);
	if (c->kind == CHECK_TCP && !c->port && !ytree_map_get(m, "port"))
		bad(L, m, "%s needs 'port'", what);
	if (c->kind == CHECK_EXEC && !ytree_map_get(m, "cmd"))
		bad(L, m, "%s needs 'cmd'", what);
}

static void decode_check_option(struct loader *L, struct topo_check *c, const struct ynode *k,
				const struct ynode *v)
{
	const char *s;
	if (strcmp(k->value, "name") == 0 && (s = want_str(L, v, "name"))) {
		c->name = arena_strdup(&L->lab->arena, s);
	} else if (strcmp(k->value, "expect") == 0 && (s = want_str(L, v, "expect"))) {
		if (strcmp(s, "fail") == 0)
			c->expect_fail = true;
		else if (strcmp(s, "success") != 0 && strcmp(s, "pass") != 0)
			bad(L, v, "expect must be success or fail, not '%s'", s);
	} else if (strcmp(k->value, "within") == 0 && v->type == Y_SCALAR) {
		if (!parse_duration(v->value, &c->within_ms))
			bad(L, v, "invalid duration '%s' (a number with ms or s, like 500ms or 60s)",
			    v->value);
	} else if (strcmp(k->value, "within") == 0) {
		bad(L, v, "within must be a duration, like 60s");
	} else if (strcmp(k->value, "output") == 0 && (s = want_str(L, v, "output"))) {
		c->output = arena_strdup(&L->lab->arena, s);
	} else if (strcmp(k->value, "output_regex") == 0 && (s = want_str(L, v, "output_regex"))) {
		c->output_regex = arena_strdup(&L->lab->arena, s);
	}
}

static void decode_check(struct loader *L, const struct ynode *m)
{
	static const char *const *const bodies[] = { ping_keys, tcp_keys, rcheck_keys, xcheck_keys, NULL };
	if (!want_map(L, m, "a check"))
		return;
	struct topo_check c = { .loc = loc_of(L, m) };
	const struct ynode *body = NULL;
	int kinds = 0;
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->items[i], *v = m->items[i + 1];
		if (!key_ok(L, k, check_keys, "a check"))
			continue;
		for (int j = 0; check_kinds[j]; j++)
			if (strcmp(k->value, check_kinds[j]) == 0) {
				if (kinds++)
					bad(L, k, "a check has one of ping, tcp, route or exec; '%s' is a "
						  "second one", k->value);
				c.kind = (enum check_kind)j;
				body = v;
			}
		if (!in_list(check_kinds, k->value))
			decode_check_option(L, &c, k, v);
	}
	if (!body) {
		if (!kinds)
			bad(L, m, "a check needs one of ping, tcp, route or exec");
		return;
	}
	if (!want_map(L, body, check_kinds[c.kind]))
		return;
	if (c.kind == CHECK_STEP) {
		if (load_step(L->d, L->file, &L->lab->arena, &c, m, body))
			*ARENA_PUSH(&L->lab->arena, L->lab->checks, L->lab->n_checks, L->lab->cap_checks) = c;
		return;
	}
	decode_check_body(L, &c, body, bodies[c.kind], check_kinds[c.kind]);
	if ((c.output || c.output_regex) && c.kind != CHECK_EXEC)
		bad(L, m, "output and output_regex apply only to exec checks");
	*ARENA_PUSH(&L->lab->arena, L->lab->checks, L->lab->n_checks, L->lab->cap_checks) = c;
}

static void decode_tests(struct loader *L, const struct ynode *seq)
{
	L->lab->has_tests = true;
	L->lab->tests_loc = loc_of(L, seq);
	if (ytree_is_null(seq) || !want_seq(L, seq, "tests"))
		return;
	for (size_t i = 0; i < seq->n; i++)
		decode_check(L, seq->items[i]);
}

/* ---- the lab ---- */

static void decode_lab(struct loader *L, const struct ynode *root)
{
	struct topo_lab *lab = L->lab;
	const struct ynode *nodes = NULL, *links = NULL, *uplink = NULL, *tests = NULL, *name = NULL;
	lab->loc = loc_of(L, root);
	bool bad_key = false;
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->items[i], *v = root->items[i + 1];
		if (!key_ok(L, k, lab_keys, "the lab")) {
			bad_key = true;
			continue;
		}
		const char *s;
		if (strcmp(k->value, "name") == 0) {
			name = v;
			lab->name_loc = loc_of(L, v);
			if ((s = want_str(L, v, "name")))
				topo_lab_set_name(lab, s);
		} else if (strcmp(k->value, "prefix") == 0) {
			lab->prefix_loc = loc_of(L, v);
			lab->prefix_set = true;
			if ((s = want_str(L, v, "prefix")))
				lab->prefix = arena_strdup(&lab->arena, s);
		} else if (strcmp(k->value, "nodes") == 0) {
			nodes = v;
		} else if (strcmp(k->value, "links") == 0) {
			links = v;
		} else if (strcmp(k->value, "uplink") == 0) {
			uplink = v;
		} else if (strcmp(k->value, "tests") == 0) {
			tests = v;
		} else if (strcmp(k->value, "routing") == 0) {
			routing_yaml_lab(lab, v, L->file, L->d);
		} else if (strcmp(k->value, "keep_unlisted") == 0) {
			want_bool(L, v, "keep_unlisted", &lab->keep_unlisted);
		}
	}
	if (!name && !ytree_map_get(root, "name"))
		bad(L, root, "missing 'name' (the lab's name, like name: lab1)");
	if (!nodes && !ytree_map_get(root, "nodes"))
		bad(L, root, "missing 'nodes' (a mapping of node names to nodes)");
	/* Nodes first: links may come before them in the file and still name them. */
	if (nodes) {
		lab->nodes_loc = loc_of(L, nodes);
		decode_nodes(L, nodes);
	}
	/* No links beside a mistyped key (lnks:): its interfaces on no link are that one mistake. */
	for (size_t i = 0; !links && bad_key && i < lab->n_nodes; i++)
		lab->nodes[i]->damaged = true;
	if (links)
		decode_links(L, links);
	if (uplink)
		decode_uplink(L, uplink);
	if (tests)
		decode_tests(L, tests);
}

struct topo_lab *load_yaml_buf(const char *file, const char *buf, size_t len, struct diags *d)
{
	struct topo_lab *lab = topo_lab_new();
	lab->file = arena_strdup(&lab->arena, file);
	char *dir = arena_strdup(&lab->arena, file);
	lab->dir = arena_strdup(&lab->arena, dirname(dir));
	struct loader L = { .lab = lab, .d = d, .file = lab->file };
	struct ytree tree = { 0 };
	struct srcloc top = { lab->file, 1, 1 };
	/* After an error that leaves the tree whole (a duplicate key), the rest is still checked so
	 * that the user sees every error at once; a tree cut short is not. */
	if (!ytree_parse(&tree, lab->file, buf, len, d) && !(tree.root && tree.root->complete)) {
		ytree_free(&tree);
		return lab;
	}
	if (!tree.root)
		diags_add(d, top, "the file holds no YAML document (it is empty or only comments)");
	else if (ytree_is_null(tree.root))
		diags_add(d, (struct srcloc){ lab->file, tree.root->line, tree.root->col },
			  "the YAML document is empty (a topology is a mapping with name, nodes and links)");
	else if (tree.root->type != Y_MAP)
		diags_add(d, (struct srcloc){ lab->file, tree.root->line, tree.root->col },
			  "a topology is a mapping with name, nodes and links, not %s", shape(tree.root));
	else if (expand_tree(&tree, lab->file, d) || tree.root) /* its errors are in d; go on */
		decode_lab(&L, tree.root);
	ytree_free(&tree);
	return lab;
}

struct topo_lab *load_yaml_file(const char *path, struct diags *d)
{
	struct srcloc top = { path, 1, 1 };
	struct topo_lab *lab = NULL;
	char *buf = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diags_add(d, top, "cannot open the file: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		diags_add(d, top, "cannot read the file: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diags_add(d, top, "not a regular file");
		goto out;
	}
	if (st.st_size > LOAD_YAML_MAX_BYTES) {
		diags_add(d, top, "the file is larger than %d MiB", LOAD_YAML_MAX_BYTES >> 20);
		goto out;
	}
	if (st.st_size == 0) {
		diags_add(d, top, "the file is empty");
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			diags_add(d, top, "cannot read the file: %s", r < 0 ? strerror(errno) : "short read");
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	lab = clab_detect(path, buf) ? clab_load_buf(path, buf, got, d) : load_yaml_buf(path, buf, got, d);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return lab;
}

/* ---- shell-like word splitting for exec lines ---- */

long load_yaml_split_words(struct arena *a, const char *s, char ***argv, size_t *argc)
{
	size_t n = 0, cap = 0, len = strlen(s);
	char **v = NULL;
	char *word = xmalloc(len + 1);
	size_t i = 0;
	long bad_at = -1;
	while (i < len && bad_at < 0) {
		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
			i++;
		if (i >= len)
			break;
		size_t w = 0;
		while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') {
			if (s[i] == '\'') {
				size_t q = i++;
				while (i < len && s[i] != '\'')
					word[w++] = s[i++];
				if (i >= len) {
					bad_at = (long)q;
					break;
				}
				i++;
			} else if (s[i] == '"') {
				size_t q = i++;
				while (i < len && s[i] != '"') {
					if (s[i] == '\\' && i + 1 < len &&
					    strchr("\"\\$`\n", s[i + 1]))
						i++;
					word[w++] = s[i++];
				}
				if (i >= len) {
					bad_at = (long)q;
					break;
				}
				i++;
			} else if (s[i] == '\\' && i + 1 < len) {
				word[w++] = s[i + 1];
				i += 2;
			} else {
				word[w++] = s[i++];
			}
		}
		*ARENA_PUSH(a, v, n, cap) = arena_strndup(a, word, w);
	}
	free(word);
	*ARENA_PUSH(a, v, n, cap) = NULL;
	*argv = v;
	*argc = n - 1;
	return bad_at;
}
