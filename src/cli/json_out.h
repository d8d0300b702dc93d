/* json_out.h - the JSON documents of --json (json-c objects; docs/json.md has the schemas): built
 * here from the model, printed by the commands with json_print. */
#ifndef NSTOPO_JSON_OUT_H
#define NSTOPO_JSON_OUT_H

#include <json-c/json.h>
#include <stddef.h>

#include "err.h"
#include "report.h"

struct plan;

/* A JSON string of s with every byte that is not valid UTF-8 replaced by U+FFFD; NULL s: null. */
struct json_object *jstr(const char *s);
/* json_object_object_add, shorter. */
void jset(struct json_object *obj, const char *key, struct json_object *val);
/* Prints doc on one line of stdout and frees it; NST_EXIT_SYSTEM when stdout fails. */
int json_print(struct json_object *doc);

/* {"lab", "count", "changes": [{"op", "object", "node", "interface", "text", "line", "col"}]} */
struct json_object *json_plan(const struct plan *p, const char *lab);
/* [{"file", "line", "col", "severity", "message"}] */
struct json_object *json_diags(const struct diags *d);
/* {"lab", "passed", "failed", "checks": [{"title", "pass", "reason", "seconds"}]} */
struct json_object *json_checks(const char *lab, const struct check_result *r, size_t n);

#endif
