/* linkctl.c - links of a running lab changed by hand; see linkctl.h. */
#include "linkctl.h"
#include "nl.h"
#include "kview.h"
#include "observe.h"
#include "qdisc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct nlr *nl_of(struct kview *kv, const struct topo_node *node, struct nst_err *err)
{
	struct knode *kn = kview_node(kv, node->kind == NODE_ROOT ? NULL : node->netns);
	if (!kn) {
		nst_err_set(err, ENOENT, "the namespace of %s is not open", node->name);
		return NULL;
	}
	return netns_nl(&kn->ns, err);
}

/* Both ends down: a veth has no carrier of its own to switch off (no ndo_change_carrier) and
 * refuses protodown, so each end is set down; both lose their carrier at once, as with a pulled
 * cable, and routing daemons on both sides see it. */
static int set_state(struct topo_lab *have, struct kview *kv, const struct topo_link *l, bool up,
		     struct nst_err *err)
{
	for (int k = 0; k < 2; k++) {
		const struct topo_node *node = topo_end_node(have, &l->end[k]);
		const struct topo_iface *iface = topo_end_iface(have, &l->end[k]);
		struct nlr_link_change c = { .set = up ? NLR_SET_UP : NLR_SET_DOWN };
		struct nlr *nl = nl_of(kv, node, err);
		if (!nl || nlr_link_set(nl, iface->ifindex, NULL, &c, err) < 0) {
			nst_err_obj(err, "%s/%s", node->name, iface->name);
			return -1;
		}
	}
	return 0;
}

static int set_impair(struct kview *kv, const struct topo_node *node, const struct topo_iface *iface,
		      const struct linkctl *op, char *done, size_t len, struct nst_err *err)
{
	struct topo_impair im = { 0 };
	const struct topo_impair *now = iface->impair;
	if (op->base)
		im = *op->base;
	else if (now && now->root != IQ_OTHER && now->leaf != IQ_OTHER)
		im = *now;
	im.root = im.leaf = IQ_NONE;
	char why[256];
	for (size_t i = 0; i < op->n_kv; i++)
		if (!impair_parse(&im, op->kv[2 * i], op->kv[2 * i + 1], why, sizeof(why))) {
			nst_err_input(err, "%s", why);
			return -1;
		}
	if (!impair_check(&im, why, sizeof(why), NULL, 0)) {
		nst_err_input(err, "%s", why);
		return -1;
	}
	struct nlr *nl;
	if (qdisc_probe(im.has, err) < 0 || !(nl = nl_of(kv, node, err)) ||
	    qdisc_set(nl, iface->ifindex, &im, now, err) < 0) {
		nst_err_obj(err, "%s/%s", node->name, iface->name);
		return -1;
	}
	if (done)
		impair_text(&im, done, len);
	return 0;
}

int linkctl_apply(const char *lab, const char *node_name, const char *ifname, const struct linkctl *op,
		  char *done, size_t len, struct nst_err *err)
{
	struct topo_lab *have = NULL;
	struct kview *kv = kview_new();
	int rc = -1;
	if (done && len)
		done[0] = '\0';
	if (observe_lab(lab, NULL, &have, kv, err) < 0)
		goto out;
	const struct topo_node *node = topo_node_find(have, node_name);
	const struct topo_iface *iface = node ? topo_iface_find(node, ifname) : NULL;
	if (!iface || iface->link < 0) {
		nst_err_input(err, "lab %s has no link at %s:%s", lab, node_name, ifname);
		goto out;
	}
	if (op->state >= 0 && set_state(have, kv, &have->links[iface->link], op->state == 1, err) < 0)
		goto out;
	if (op->impair && set_impair(kv, node, iface, op, done, len, err) < 0)
		goto out;
	if (!op->impair && done)
		impair_text(iface->impair, done, len);
	rc = 0;
out:
	kview_free(kv);
	topo_lab_free(have);
	return rc;
}

int linkctl_restore(const struct topo_lab *want, const char *node, const char *ifname,
		    struct nst_err *err)
{
	static const struct topo_impair none = { 0 };
	const struct topo_node *wn = topo_node_find(want, node);
	const struct topo_iface *wi = wn ? topo_iface_find(wn, ifname) : NULL;
	struct linkctl op = { .state = 1, .impair = true, .base = wi && wi->impair ? wi->impair : &none };
	return linkctl_apply(want->name, node, ifname, &op, NULL, 0, err);
}
