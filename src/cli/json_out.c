/* json_out.c - every JSON document the commands print (--json, -j), built with json-c and never
 * by hand; strings are made valid UTF-8 on the way in. Schemas in docs/json.md. */
#include "json_out.h"

#include "plan.h"

#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), 0 when the bytes there are not one. */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned min, cp;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

struct json_object *jstr(const char *s)
{
	if (!s)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, l;
	while (i < len && (l = utf8_seq(u + i)))
		i += l;
	if (i == len)
		return json_object_new_string_len(s, (int)len);
	/* Each byte that starts no valid sequence becomes U+FFFD (3 bytes): the text stays
	 * readable and the document stays UTF-8, as JSON requires (RFC 8259 section 8.1). */
	char *out = xmalloc(len * 3 + 1), *o = out;
	for (i = 0; i < len;) {
		if ((l = utf8_seq(u + i))) {
			memcpy(o, s + i, l);
			o += l;
			i += l;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	struct json_object *j = json_object_new_string_len(out, (int)(o - out));
	free(out);
	return j;
}

void jset(struct json_object *obj, const char *key, struct json_object *val)
{
	json_object_object_add(obj, key, val);
}

int json_print(struct json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = text && puts(text) >= 0 && fflush(stdout) == 0 ? NST_EXIT_OK : NST_EXIT_SYSTEM;
	json_object_put(doc);
	return rc;
}

struct json_object *json_plan(const struct plan *p, const char *lab)
{
	struct json_object *doc = json_object_new_object(), *changes = json_object_new_array();
	jset(doc, "lab", jstr(lab));
	jset(doc, "count", json_object_new_uint64(p->n));
	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->v[i];
		char text[1200], op[2] = { plan_action_op(a), 0 };
		plan_action_text(a, text, sizeof(text));
		struct json_object *c = json_object_new_object();
		jset(c, "op", jstr(op));
		jset(c, "object", jstr(plan_action_object(a)));
		if (a->node)
			jset(c, "node", jstr(a->node->kind == NODE_ROOT ? TOPO_HOST_NODE : a->node->name));
		if (a->iface)
			jset(c, "interface", jstr(a->iface->name));
		jset(c, "text", jstr(text));
		if (a->loc.line) {
			jset(c, "line", json_object_new_int64(a->loc.line));
			jset(c, "col", json_object_new_int64(a->loc.col));
		}
		json_object_array_add(changes, c);
	}
	jset(doc, "changes", changes);
	return doc;
}

struct json_object *json_diags(const struct diags *d)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		struct json_object *o = json_object_new_object();
		jset(o, "file", jstr(g->loc.file));
		jset(o, "line", json_object_new_int64(g->loc.line));
		jset(o, "col", json_object_new_int64(g->loc.col));
		jset(o, "severity", jstr(g->warning ? "warning" : "error"));
		jset(o, "message", jstr(g->msg));
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *json_checks(const char *lab, const struct check_result *r, size_t n)
{
	struct json_object *doc = json_object_new_object(), *arr = json_object_new_array();
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		jset(o, "title", jstr(r[i].title));
		jset(o, "pass", json_object_new_boolean(r[i].pass));
		if (!r[i].pass)
			jset(o, "reason", jstr(r[i].reason));
		jset(o, "seconds", json_object_new_double(r[i].seconds));
		json_object_array_add(arr, o);
		failed += !r[i].pass;
	}
	jset(doc, "lab", jstr(lab));
	jset(doc, "passed", json_object_new_uint64(n - failed));
	jset(doc, "failed", json_object_new_uint64(failed));
	jset(doc, "checks", arr);
	return doc;
}
