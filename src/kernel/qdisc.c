/* qdisc.c - impairments as qdiscs; see qdisc.h.
 * The shapes nstopo makes on an interface's egress (handles fixed, so a reading is exact):
 *   netem keys only:  netem 1: at the root
 *   rate:             htb 1: (default class 1) + class 1:1 rate=ceil, and under it netem 10:
 *                     (with netem keys) or pfifo 10: (with only a limit)
 *   limit only:       pfifo 1: at the root
 * Qdiscs carry no alias to mark them: the interface's own marker says whose they are, and only
 * the lab's interfaces are ever read or written here. Anything else found at the root is drift
 * (IQ_OTHER) and is replaced. */
#include "qdisc.h"
#include "nl_impl.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/tc.h>

enum {
	H_ROOT = 0x10000,  /* 1: */
	H_CLASS = 0x10001, /* 1:1 */
	H_LEAF = 0x100000, /* 10: */
};

static const char *kind_name(enum impair_qdisc q)
{
	return q == IQ_NETEM ? "netem" : q == IQ_HTB ? "htb" : "pfifo";
}

/* ---- reading ---- */

static uint32_t prob_of(int v)
{
	/* libnl returns the kernel's u32 as an int, and -NLE_NOATTR when the attribute is absent. */
	return v == -NLE_NOATTR ? 0 : (uint32_t)v;
}

static void take_netem(struct rtnl_qdisc *q, struct topo_impair *im)
{
	struct { unsigned bit; uint32_t *v; uint32_t raw; } p[] = {
		{ IMP_LOSS, &im->loss, prob_of(rtnl_netem_get_loss(q)) },
		{ IMP_DUPLICATE, &im->duplicate, prob_of(rtnl_netem_get_duplicate(q)) },
		{ IMP_CORRUPT, &im->corrupt, prob_of(rtnl_netem_get_corruption_probability(q)) },
		{ IMP_REORDER, &im->reorder, prob_of(rtnl_netem_get_reorder_probability(q)) },
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (p[i].raw) {
			*p[i].v = p[i].raw;
			im->has |= p[i].bit;
		}
	int d = rtnl_netem_get_delay(q), j = rtnl_netem_get_jitter(q), l = rtnl_netem_get_limit(q);
	if (d > 0) {
		im->delay_us = (uint32_t)d;
		im->has |= IMP_DELAY;
	}
	if (j > 0) {
		im->jitter_us = (uint32_t)j;
		im->has |= IMP_JITTER;
	}
	if (l > 0 && l != IMPAIR_LIMIT_DEFAULT) {
		im->limit = (uint32_t)l;
		im->has |= IMP_LIMIT;
	}
}

static void take_fifo(struct rtnl_qdisc *q, struct topo_impair *im)
{
	int l = rtnl_qdisc_fifo_get_limit(q);
	if (l > 0 && l != IMPAIR_LIMIT_DEFAULT) {
		im->limit = (uint32_t)l;
		im->has |= IMP_LIMIT;
	}
}

static void set_other(struct topo_impair *im, const char *what)
{
	im->root = IQ_OTHER;
	snprintf(im->other, sizeof(im->other), "%s", what);
}

/* HTB at the root: nstopo's shape has exactly class 1:1 (rate = ceil) as the default. */
static int take_htb(struct nlr *nl, struct rtnl_qdisc *root, struct nl_cache *qdiscs, int ifindex,
		    struct topo_impair *im, struct nst_err *err)
{
	struct nl_cache *classes = NULL;
	int rc = rtnl_class_alloc_cache(nlr_sock(nl), ifindex, &classes);
	if (rc < 0)
		return nlr_fail(nl, rc, err, "dump traffic classes");
	size_t n = 0;
	struct rtnl_class *ours = NULL;
	for (struct nl_object *o = nl_cache_get_first(classes); o; o = nl_cache_get_next(o)) {
		struct rtnl_class *c = (struct rtnl_class *)o;
		n++;
		if (rtnl_tc_get_handle(TC_CAST(c)) == H_CLASS)
			ours = c;
	}
	uint64_t rate = 0, ceil = 0;
	if (rtnl_tc_get_handle(TC_CAST(root)) != H_ROOT || rtnl_htb_get_defcls(root) != 1 || n != 1 ||
	    !ours || rtnl_htb_get_rate64(ours, &rate) < 0 || rtnl_htb_get_ceil64(ours, &ceil) < 0 ||
	    rate != ceil || !rate) {
		set_other(im, "htb");
		nl_cache_free(classes);
		return 0;
	}
	im->root = IQ_HTB;
	im->rate = rate;
	im->has |= IMP_RATE;
	for (struct nl_object *o = nl_cache_get_first(qdiscs); o; o = nl_cache_get_next(o)) {
		struct rtnl_qdisc *q = (struct rtnl_qdisc *)o;
		if (rtnl_tc_get_ifindex(TC_CAST(q)) != ifindex || rtnl_tc_get_parent(TC_CAST(q)) != H_CLASS)
			continue;
		const char *kind = rtnl_tc_get_kind(TC_CAST(q));
		if (kind && strcmp(kind, "netem") == 0) {
			im->leaf = IQ_NETEM;
			take_netem(q, im);
		} else if (kind && strcmp(kind, "pfifo") == 0) {
			im->leaf = IQ_PFIFO;
			take_fifo(q, im);
		} else {
			im->leaf = IQ_OTHER;
			snprintf(im->other, sizeof(im->other), "htb with %s", kind ? kind : "?");
		}
	}
	nl_cache_free(classes);
	return 0;
}

int qdisc_observe(struct nlr *nl, struct topo_lab *have, struct topo_node *node, struct nst_err *err)
{
	struct nl_cache *qdiscs = NULL;
	int rc = rtnl_qdisc_alloc_cache(nlr_sock(nl), &qdiscs);
	if (rc < 0)
		return nlr_fail(nl, rc, err, "dump queueing disciplines");
	rc = 0;
	for (struct nl_object *o = nl_cache_get_first(qdiscs); o && rc == 0; o = nl_cache_get_next(o)) {
		struct rtnl_qdisc *q = (struct rtnl_qdisc *)o;
		if (rtnl_tc_get_parent(TC_CAST(q)) != TC_H_ROOT)
			continue;
		int ifindex = rtnl_tc_get_ifindex(TC_CAST(q));
		struct topo_iface *iface = NULL;
		for (size_t i = 0; i < node->n_ifaces && !iface; i++)
			if (node->ifaces[i].ifindex == ifindex)
				iface = &node->ifaces[i];
		const char *kind = rtnl_tc_get_kind(TC_CAST(q));
		/* lo and a bridge node's bridge keep their own; a veth's default is noqueue. */
		if (!iface || !kind || strcmp(iface->name, "lo") == 0 ||
		    strcmp(iface->name, TOPO_BRIDGE_DEV) == 0 || strcmp(kind, "noqueue") == 0)
			continue;
		struct topo_impair im = { 0 };
		if (strcmp(kind, "netem") == 0) {
			im.root = IQ_NETEM;
			take_netem(q, &im);
		} else if (strcmp(kind, "pfifo") == 0 && rtnl_tc_get_handle(TC_CAST(q)) == H_ROOT) {
			im.root = IQ_PFIFO;
			take_fifo(q, &im);
			if (!im.has)
				set_other(&im, "pfifo"); /* a bare pfifo is still not the default noqueue */
		} else if (strcmp(kind, "htb") == 0) {
			rc = take_htb(nl, q, qdiscs, ifindex, &im, err);
		} else {
			set_other(&im, kind);
		}
		if (rc == 0) {
			iface->impair = arena_alloc(&have->arena, sizeof(im));
			*iface->impair = im;
		}
	}
	nl_cache_free(qdiscs);
	return rc;
}

/* ---- writing ---- */

static struct rtnl_qdisc *qdisc_new(int ifindex, uint32_t parent, uint32_t handle, const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	if (!q)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	if (handle)
		rtnl_tc_set_handle(TC_CAST(q), handle);
	if (kind && rtnl_tc_set_kind(TC_CAST(q), kind) < 0)
		abort();
	return q;
}

static int qdisc_del(struct nlr *nl, int ifindex, uint32_t parent, struct nst_err *err)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, parent, 0, NULL);
	int rc = rtnl_qdisc_delete(nlr_sock(nl), q);
	rtnl_qdisc_put(q);
	if (rc < 0 && nlr_fail(nl, rc, err, "delete a queueing discipline") < 0) {
		/* Gone already (the default again) is what was asked for. */
		if (err->code == ENOENT || err->code == EINVAL) {
			nst_err_clear(err);
			return 0;
		}
		return -1;
	}
	return 0;
}

static void fill_netem(struct rtnl_qdisc *q, const struct topo_impair *im)
{
	unsigned h = im->has;
	rtnl_netem_set_limit(q, (int)((h & IMP_LIMIT) ? im->limit : IMPAIR_LIMIT_DEFAULT));
	if (h & IMP_DELAY)
		rtnl_netem_set_delay(q, (int)im->delay_us);
	if (h & IMP_JITTER)
		rtnl_netem_set_jitter(q, (int)im->jitter_us);
	if (h & IMP_LOSS)
		rtnl_netem_set_loss(q, (int)im->loss);
	if (h & IMP_DUPLICATE)
		rtnl_netem_set_duplicate(q, (int)im->duplicate);
	if (h & IMP_CORRUPT)
		rtnl_netem_set_corruption_probability(q, (int)im->corrupt);
	if (h & IMP_REORDER)
		rtnl_netem_set_reorder_probability(q, (int)im->reorder);
}

/* Creates the qdisc or, when one of that kind has the handle, changes it in place. */
static int qdisc_put(struct nlr *nl, int ifindex, uint32_t parent, uint32_t handle,
		     enum impair_qdisc kind, const struct topo_impair *im, struct nst_err *err)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, parent, handle, kind_name(kind));
	if (kind == IQ_NETEM)
		fill_netem(q, im);
	else if (kind == IQ_HTB)
		rtnl_htb_set_defcls(q, 1);
	else
		rtnl_qdisc_fifo_set_limit(q, (int)((im->has & IMP_LIMIT) ? im->limit : IMPAIR_LIMIT_DEFAULT));
	int rc = rtnl_qdisc_add(nlr_sock(nl), q, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_qdisc_put(q);
	if (rc < 0)
		return nlr_fail(nl, rc, err, "set a queueing discipline");
	return 0;
}

static int class_put(struct nlr *nl, int ifindex, uint64_t rate, struct nst_err *err)
{
	struct rtnl_class *c = rtnl_class_alloc();
	if (!c)
		abort();
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), H_ROOT);
	rtnl_tc_set_handle(TC_CAST(c), H_CLASS);
	if (rtnl_tc_set_kind(TC_CAST(c), "htb") < 0)
		abort();
	rtnl_htb_set_rate64(c, rate);
	rtnl_htb_set_ceil64(c, rate);
	int rc = rtnl_class_add(nlr_sock(nl), c, NLM_F_CREATE);
	rtnl_class_put(c);
	return rc < 0 ? nlr_fail(nl, rc, err, "set a traffic class") : 0;
}

/* netem keeps reorder and corruption when a change leaves their attributes out: dropping
 * either takes a new qdisc. */
static bool netem_keeps(const struct topo_impair *want, const struct topo_impair *have)
{
	unsigned sticky = IMP_REORDER | IMP_CORRUPT;
	return !(have->has & sticky & ~want->has);
}

int qdisc_set(struct nlr *nl, int ifindex, const struct topo_impair *want,
	      const struct topo_impair *have, struct nst_err *err)
{
	static const struct topo_impair none = { 0 };
	enum impair_qdisc wr, wl, hr = have ? have->root : IQ_NONE, hl = have ? have->leaf : IQ_NONE;
	if (!want)
		want = &none;
	if (!have)
		have = &none;
	impair_shape(want, &wr, &wl);
	if (hr == IQ_NETEM && wr == IQ_NETEM && !netem_keeps(want, have))
		hr = IQ_OTHER;
	if (hl == IQ_NETEM && wl == IQ_NETEM && !netem_keeps(want, have))
		hl = IQ_OTHER;
	if (hr != IQ_NONE && hr != wr) {
		if (qdisc_del(nl, ifindex, TC_H_ROOT, err) < 0)
			return -1;
		hl = IQ_NONE;
	}
	if (wr == IQ_NONE)
		return 0;
	/* HTB has no change operation: its one setting (the default class) is ours already. */
	if (!(wr == IQ_HTB && hr == IQ_HTB) && qdisc_put(nl, ifindex, TC_H_ROOT, H_ROOT, wr, want, err) < 0)
		return -1;
	if (wr != IQ_HTB)
		return 0;
	if (class_put(nl, ifindex, want->rate, err) < 0)
		return -1;
	if (hl != IQ_NONE && hl != wl && qdisc_del(nl, ifindex, H_CLASS, err) < 0)
		return -1;
	if (wl != IQ_NONE && qdisc_put(nl, ifindex, H_CLASS, H_LEAF, wl, want, err) < 0)
		return -1;
	return 0;
}

/* ---- probing ---- */

struct probe {
	enum impair_qdisc kind;
	struct nst_err err;
	int rc;
};

/* On its own thread, in a network namespace of its own that goes with the thread: nothing of the
 * machine's or a lab's is touched, and the kernel loads the module if it can. */
static void *probe_thread(void *arg)
{
	struct probe *p = arg;
	p->rc = -1;
	if (unshare(CLONE_NEWNET) < 0) {
		nst_err_set(&p->err, errno, "make a scratch network namespace to probe for %s",
			    kind_name(p->kind));
		return NULL;
	}
	struct nlr *nl = nlr_open(&p->err);
	if (!nl)
		return NULL;
	struct topo_impair im = { .has = IMP_DELAY | IMP_RATE, .delay_us = 1000, .rate = 125000 };
	p->rc = qdisc_put(nl, 1, TC_H_ROOT, H_ROOT, p->kind, &im, &p->err);
	nlr_close(nl);
	return NULL;
}

static int probe_one(enum impair_qdisc kind, const char *keys, struct nst_err *err)
{
	static int known[IQ_OTHER]; /* 1: works, -1: missing, 0: not tried yet */
	if (known[kind] > 0)
		return 0;
	struct probe p = { .kind = kind };
	pthread_t t;
	int e = known[kind] < 0 ? 0 : pthread_create(&t, NULL, probe_thread, &p);
	if (e)
		return nst_err_set(err, e, "start a thread to probe for the %s qdisc", kind_name(kind));
	if (known[kind] == 0) {
		pthread_join(t, NULL);
		known[kind] = p.rc == 0 ? 1 : -1;
		if (p.rc == 0)
			return 0;
	}
	int code = p.err.code ? p.err.code : ENOENT;
	nst_err_set(err, code, "this kernel has no %s qdisc (module sch_%s), which %s need%s",
		    kind_name(kind), kind_name(kind), keys, strchr(keys, ',') || strstr(keys, " and ") ? "" : "s");
	err->status = NST_EXIT_SYSTEM;
	return -1;
}

int qdisc_probe(unsigned need, struct nst_err *err)
{
	if ((need & IMP_NETEM) && probe_one(IQ_NETEM, "delay, jitter, loss, corrupt, duplicate and reorder", err) < 0)
		return -1;
	if ((need & IMP_RATE) && probe_one(IQ_HTB, "rate", err) < 0)
		return -1;
	return 0;
}
