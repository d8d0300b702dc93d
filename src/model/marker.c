/* marker.c - see marker.h. Each field is checked against the characters its kind allows, in
 * plain ASCII (no locale), so a marker reads back as exactly the names nstopo wrote into it. */
#include "marker.h"

#include <stdio.h>
#include <string.h>

void marker_node(char *buf, size_t len, const char *lab, const char *node)
{
	snprintf(buf, len, MARKER_PREFIX "%s:%s", lab, node);
}

void marker_iface(char *buf, size_t len, const char *lab, const char *node, const char *ifname,
		  const char *peer_node, const char *peer_if)
{
	if (peer_node)
		snprintf(buf, len, MARKER_PREFIX "%s:%s:%s:%s:%s", lab, node, ifname, peer_node, peer_if);
	else
		snprintf(buf, len, MARKER_PREFIX "%s:%s:%s", lab, node, ifname);
}

void marker_nat(char *buf, size_t len, const char *lab, const char *node)
{
	snprintf(buf, len, MARKER_PREFIX "%s:%s nat", lab, node);
}

void marker_uplink(char *buf, size_t len, const char *lab, const char *forward_before)
{
	snprintf(buf, len, MARKER_PREFIX "%s uplink%s%s", lab, forward_before ? " ip_forward_before=" : "",
		 forward_before ? forward_before : "");
}

static bool lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
	return lower_or_digit(c) || (c >= 'A' && c <= 'Z');
}

enum field_kind { F_LAB, F_NODE, F_IF };

/* The field s[0..n) is a well-formed name of its kind. */
static bool field_ok(enum field_kind kind, const char *s, size_t n)
{
	static const size_t max[] = { TOPO_LAB_NAME_MAX, TOPO_NODE_NAME_MAX, TOPO_IFNAME_MAX };
	if (n == 0 || n > max[kind])
		return false;
	if (kind == F_LAB && !lower_or_digit(s[0]))
		return false;
	if (kind == F_NODE && !alnum(s[0]))
		return false;
	if (kind == F_IF && ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = kind == F_LAB	 ? lower_or_digit(c) || c == '-'
			  : kind == F_NODE ? alnum(c) || c == '_' || c == '.' || c == '-'
					   : c > ' ' && c <= '~' && c != ':' && c != '/';
		if (!ok)
			return false;
	}
	return true;
}

bool marker_parse(const char *alias, struct marker *m)
{
	static const enum field_kind kinds[] = { F_LAB, F_NODE, F_IF, F_NODE, F_IF };
	char *out[] = { m->lab, m->node, m->ifname, m->peer_node, m->peer_if };
	memset(m, 0, sizeof(*m));
	if (strncmp(alias, MARKER_PREFIX, strlen(MARKER_PREFIX)) != 0)
		return false;
	const char *p = alias + strlen(MARKER_PREFIX);
	int fields = 0;
	for (;;) {
		size_t n = strcspn(p, ":");
		if (fields == 5 || !field_ok(kinds[fields], p, n))
			goto bad;
		memcpy(out[fields], p, n); /* field_ok bounded n by the field's size */
		out[fields][n] = '\0';
		fields++;
		if (!p[n])
			break;
		p += n + 1; /* past ':', and the next field may not be empty: no trailing ':' */
	}
	if (fields != 2 && fields != 3 && fields != 5)
		goto bad;
	m->fields = fields;
	return true;
bad:
	memset(m, 0, sizeof(*m));
	return false;
}

bool marker_netns_fits(const char *netns, const char *node)
{
	size_t n = strlen(netns), k = strlen(node);
	if (n > TOPO_NETNS_NAME_MAX || k > n || strcmp(netns + n - k, node) != 0)
		return false;
	for (size_t i = 0; i < n - k; i++)
		if (!alnum(netns[i]) && netns[i] != '_' && netns[i] != '.' && netns[i] != '-')
			return false;
	return true;
}

bool marker_owns_netns(const char *lo_alias, const char *netns, struct marker *m)
{
	if (marker_parse(lo_alias, m) && m->fields == 2 && strcmp(m->node, TOPO_HOST_NODE) != 0 &&
	    marker_netns_fits(netns, m->node))
		return true;
	memset(m, 0, sizeof(*m));
	return false;
}

bool marker_owns_link(const char *alias, const char *lab, const char *node, const char *ifname,
		      const char *kind, struct marker *m)
{
	if (!marker_parse(alias, m) || strcmp(m->lab, lab) != 0 || strcmp(m->node, node) != 0 ||
	    strcmp(m->ifname, ifname) != 0)
		return false;
	if (m->fields == 5)
		return strcmp(kind, "veth") == 0;
	return m->fields == 3 && strcmp(node, TOPO_HOST_NODE) != 0 &&
	       strcmp(ifname, TOPO_BRIDGE_DEV) == 0 && strcmp(kind, "bridge") == 0;
}

/* " ip_forward_before=N" (N 1..10 digits) or nothing, exactly, at s. */
static bool forward_tail(const char *s, char *before, size_t len)
{
	static const char key[] = " ip_forward_before=";
	before[0] = '\0';
	if (!*s)
		return true;
	if (strncmp(s, key, strlen(key)) != 0)
		return false;
	s += strlen(key);
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > 10 || n >= len || s[n])
		return false;
	memcpy(before, s, n + 1);
	return true;
}

bool marker_uplink_parse(const char *comment, struct marker_uplink *u)
{
	static const char legacy[] = "nstopo uplink", tail[] = " uplink";
	memset(u, 0, sizeof(*u));
	if (!comment)
		return false;
	if (strncmp(comment, legacy, strlen(legacy)) == 0) {
		u->legacy = true;
		if (forward_tail(comment + strlen(legacy), u->forward_before, sizeof(u->forward_before)))
			return true;
		memset(u, 0, sizeof(*u));
		return false;
	}
	if (strncmp(comment, MARKER_PREFIX, strlen(MARKER_PREFIX)) != 0)
		return false;
	const char *lab = comment + strlen(MARKER_PREFIX);
	size_t n = strcspn(lab, " ");
	if (!field_ok(F_LAB, lab, n) || strncmp(lab + n, tail, strlen(tail)) != 0 ||
	    !forward_tail(lab + n + strlen(tail), u->forward_before, sizeof(u->forward_before))) {
		memset(u, 0, sizeof(*u));
		return false;
	}
	memcpy(u->lab, lab, n);
	u->lab[n] = '\0';
	return true;
}
