/* marker.c - see marker.h. Names never contain ':' (validate.c), so the fields split cleanly. */
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

static bool take(const char **p, char *out, size_t len)
{
	const char *end = strchr(*p, ':');
	size_t n = end ? (size_t)(end - *p) : strlen(*p);
	if (n == 0 || n >= len)
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + (end ? 1 : 0);
	return true;
}

bool marker_parse(const char *alias, struct marker *m)
{
	memset(m, 0, sizeof(*m));
	if (strncmp(alias, MARKER_PREFIX, strlen(MARKER_PREFIX)) != 0)
		return false;
	const char *p = alias + strlen(MARKER_PREFIX);
	char *fields[] = { m->lab, m->node, m->ifname, m->peer_node, m->peer_if };
	size_t sizes[] = { sizeof(m->lab), sizeof(m->node), sizeof(m->ifname), sizeof(m->peer_node),
			   sizeof(m->peer_if) };
	while (*p && m->fields < 5) {
		if (!take(&p, fields[m->fields], sizes[m->fields]))
			return false;
		m->fields++;
	}
	return !*p && (m->fields == 2 || m->fields == 3 || m->fields == 5);
}
