/* cmd_graph.c - `nstopo graph FILE`: the lab as Graphviz DOT (nodes, links, interface names and
 * addresses), for `nstopo graph lab.yaml | dot -Tsvg > lab.svg`. */
#include "cmd.h"
#include "err.h"
#include "json_out.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Writes s as the inside of a DOT double-quoted string. */
static void dot_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void print_addrs(FILE *out, const struct topo_iface *iface)
{
	char buf[CIDR_STR_MAX];
	for (size_t a = 0; a < iface->n_addrs; a++) {
		fputs("\\n", out);
		dot_escape(out, cidr_format(&iface->addrs[a].c, buf, sizeof(buf)));
	}
}

static void print_node(FILE *out, const struct topo_node *node)
{
	static const char *const shapes[] = {
		[NODE_HOST] = "box", [NODE_ROUTER] = "oval", [NODE_BRIDGE] = "diamond",
		[NODE_FRR] = "oval", [NODE_BIRD] = "oval",   [NODE_ROOT] = "house",
	};
	fputs("  \"", out);
	dot_escape(out, node->name);
	fprintf(out, "\" [shape=%s, label=\"", shapes[node->kind]);
	dot_escape(out, node->name);
	if (node->kind != NODE_ROOT && node->kind != NODE_HOST)
		fprintf(out, "\\n(%s)", topo_node_kind_name(node->kind));
	for (size_t g = 0; g < node->n_groups; g++) {
		fputs(g ? ", " : "\\n[", out);
		dot_escape(out, node->groups[g]);
		fputs(g + 1 == node->n_groups ? "]" : "", out);
	}
	/* Addresses not shown on a link: loopback and the bridge's own. */
	for (size_t i = 0; i < node->n_ifaces; i++) {
		const struct topo_iface *iface = &node->ifaces[i];
		if (iface->link >= 0 || !iface->n_addrs)
			continue;
		fputs("\\n", out);
		dot_escape(out, iface->name);
		fputc(':', out);
		print_addrs(out, iface);
	}
	fputs("\"];\n", out);
}

static void print_end_label(FILE *out, const char *attr, const struct topo_lab *lab,
			    const struct topo_end *e)
{
	const struct topo_iface *iface = topo_end_iface(lab, e);
	fprintf(out, "%s=\"", attr);
	dot_escape(out, iface->name);
	print_addrs(out, iface);
	fputc('"', out);
}

static struct json_object *json_iface(const struct topo_iface *iface)
{
	char buf[CIDR_STR_MAX];
	struct json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	jset(o, "name", jstr(iface->name));
	for (size_t a = 0; a < iface->n_addrs; a++)
		json_object_array_add(addrs, jstr(cidr_format(&iface->addrs[a].c, buf, sizeof(buf))));
	jset(o, "addresses", addrs);
	return o;
}

static struct json_object *json_end(const struct topo_lab *lab, const struct topo_end *e)
{
	const struct topo_node *n = topo_end_node(lab, e);
	struct json_object *o = json_object_new_object();
	jset(o, "node", jstr(n->kind == NODE_ROOT ? TOPO_HOST_NODE : n->name));
	jset(o, "interface", json_iface(topo_end_iface(lab, e)));
	return o;
}

/* {"lab", "nodes": [{"name", "kind", "interfaces"}], "links": [{"a", "b", "mtu"}]} */
static int print_json(const struct topo_lab *lab)
{
	struct json_object *doc = json_object_new_object(), *nodes = json_object_new_array(),
			   *links = json_object_new_array();
	jset(doc, "lab", jstr(lab->name));
	for (size_t i = 0; i < lab->n_nodes; i++) {
		const struct topo_node *n = lab->nodes[i];
		struct json_object *o = json_object_new_object(), *ifs = json_object_new_array();
		jset(o, "name", jstr(n->kind == NODE_ROOT ? TOPO_HOST_NODE : n->name));
		jset(o, "kind", jstr(topo_node_kind_name(n->kind)));
		for (size_t k = 0; k < n->n_ifaces; k++)
			json_object_array_add(ifs, json_iface(&n->ifaces[k]));
		jset(o, "interfaces", ifs);
		json_object_array_add(nodes, o);
	}
	for (size_t i = 0; i < lab->n_links; i++) {
		const struct topo_link *l = &lab->links[i];
		struct json_object *o = json_object_new_object();
		jset(o, "a", json_end(lab, &l->end[0]));
		jset(o, "b", json_end(lab, &l->end[1]));
		if (l->has & LINK_HAS_MTU)
			jset(o, "mtu", json_object_new_int64(l->mtu));
		json_object_array_add(links, o);
	}
	jset(doc, "nodes", nodes);
	jset(doc, "links", links);
	return json_print(doc);
}

int cmd_graph(int argc, char **argv)
{
	const struct command *self = command_find("graph");
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	bool json = false;
	int c, status;
	while ((c = cmd_getopt(self, argc, argv, "j", opts, &status)) > 0) {
		if (c == 'j')
			json = true;
	}
	if (c < 0)
		return status;
	if (argc - optind != 1)
		return command_usage_error(self, "expected one topology file");
	struct topo_lab *lab = cmd_load_lab(argv[optind]);
	if (!lab)
		return NST_EXIT_INPUT;
	if (json) {
		int rc = print_json(lab);
		topo_lab_free(lab);
		return rc;
	}
	FILE *out = stdout;
	fputs("graph \"", out);
	dot_escape(out, lab->name);
	fputs("\" {\n  graph [overlap=false, fontname=\"sans-serif\"];\n"
	      "  node [fontname=\"sans-serif\", fontsize=11];\n"
	      "  edge [fontname=\"sans-serif\", fontsize=9];\n",
	      out);
	for (size_t i = 0; i < lab->n_nodes; i++)
		print_node(out, lab->nodes[i]);
	for (size_t i = 0; i < lab->n_links; i++) {
		const struct topo_link *l = &lab->links[i];
		fputs("  \"", out);
		dot_escape(out, topo_end_node(lab, &l->end[0])->name);
		fputs("\" -- \"", out);
		dot_escape(out, topo_end_node(lab, &l->end[1])->name);
		fputs("\" [", out);
		print_end_label(out, "taillabel", lab, &l->end[0]);
		fputs(", ", out);
		print_end_label(out, "headlabel", lab, &l->end[1]);
		if (l->has & LINK_HAS_MTU)
			fprintf(out, ", label=\"mtu %u\"", l->mtu);
		fputs("];\n", out);
	}
	fputs("}\n", out);
	topo_lab_free(lab);
	return fflush(out) == 0 ? NST_EXIT_OK : NST_EXIT_SYSTEM;
}
