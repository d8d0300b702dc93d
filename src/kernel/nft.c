/* nft.c - nftables through libnftnl and libmnl, the only file that includes them (see nft.h):
 * builds nstopo's tables, sends each change as one batch (a transaction), reads them back. */
#include "nft.h"
#include "arena.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

enum {
	IFNAME_LEN = 16,      /* IFNAMSIZ: what meta iifname/oifname load, NUL-padded */
	/* The udata TLV keeps its length in one byte, NUL included (libnftnl's nftnl_udata_put). */
	TEXT_MAX = 254,
	EXPR_BLOB = 1024,     /* one serialized expression of a kind nstopo writes; see expr_same */
	GET_TRIES = 8,        /* re-reads when the ruleset changed under a dump */
	RECV_BUF = 1 << 16,
};

struct nftw {
	struct mnl_socket *sk;
	uint32_t seq;
};

struct nftw *nftw_open(struct nst_err *err)
{
	struct nftw *nf = xcalloc(1, sizeof(*nf)), *ret = NULL;
	nf->sk = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nf->sk) {
		nst_err_set(err, errno, "open a netfilter netlink socket");
		goto out;
	}
	if (mnl_socket_bind(nf->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		nst_err_set(err, errno, "bind a netfilter netlink socket");
		goto out;
	}
	int one = 1, fd = mnl_socket_get_fd(nf->sk);
	/* Extended acks carry the kernel's own explanation; capped acks keep a batch's many
	 * error replies small (each would otherwise echo the whole refused message). */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	int rcv = 1 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	nf->seq = (uint32_t)time(NULL);
	ret = nf;
	nf = NULL;
out:
	nftw_close(nf);
	return ret;
}

void nftw_close(struct nftw *nf)
{
	if (!nf)
		return;
	if (nf->sk)
		mnl_socket_close(nf->sk);
	free(nf);
}

void nftw_found_free(struct nftw_found *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->texts[i]);
	free(f->texts);
	free(f->userdata);
	memset(f, 0, sizeof(*f));
}

/* ---- what a table holds, before it becomes libnftnl objects ---- */

/* The two base chains nstopo makes; a layout uses all of them or only the last. */
static const struct chain_def {
	const char *name;
	uint32_t hook;
	int32_t prio;
} chain_defs[] = {
	{ NFTW_CHAIN_PRE, NF_INET_PRE_ROUTING, NFTW_PRIO_DSTNAT },
	{ NFTW_CHAIN_POST, NF_INET_POST_ROUTING, NFTW_PRIO_SRCNAT },
};
enum { N_CHAINS = sizeof(chain_defs) / sizeof(chain_defs[0]) };

enum spec_nat { SPEC_MASQ, SPEC_SNAT, SPEC_DNAT };

/* One rule, as plain fields: every match that is set is written, in a fixed order. */
struct spec {
	const char *chain;
	uint8_t nfproto;        /* NFPROTO_IPV4 or NFPROTO_IPV6 */
	const char *iif, *oif;  /* NULL: not matched */
	const struct cidr *from; /* NULL: not matched */
	uint8_t l4proto;        /* 0: not matched */
	bool has_dport, has_to_port;
	uint16_t dport, to_port;
	enum spec_nat nat;
	const uint8_t *to;      /* snat and dnat */
	const char *text;       /* the comment: the rule's identity */
	size_t index;           /* in the caller's list, for errors */
	struct srcloc loc;
};

struct layout {
	const char *table;
	const char *userdata;   /* table comment on set; NULL for none */
	size_t first_chain;     /* 0: prerouting and postrouting; 1: postrouting only */
	const char *kind;       /* "nat" or "uplink": err->obj is KIND[INDEX] */
	struct spec *specs;
	size_t n;
};

static int spec_fail(struct nst_err *err, const char *kind, size_t i, const char *text,
		     struct srcloc loc, const char *why)
{
	nst_err_set(err, EINVAL, "%s rule \"%s\": %s", kind, text ? text : "", why);
	nst_err_obj(err, "%s[%zu]", kind, i);
	err->loc = loc;
	return -1;
}

static bool ifname_ok(const char *name, size_t room)
{
	size_t len = strnlen(name, room);
	return len > 0 && len < IFNAME_LEN && len < room;
}

/* The checks the kernel would not make, or would make without naming the rule. */
static const char *nat_problem(const struct topo_nat *r)
{
	unsigned h = r->has;
	if (r->family != AF_INET && r->family != AF_INET6)
		return "family is neither IPv4 nor IPv6";
	if (!r->text || strlen(r->text) > TEXT_MAX)
		return "rule text missing or longer than 254 bytes";
	if ((h & NAT_HAS_IN) && !ifname_ok(r->in, sizeof(r->in)))
		return "input interface name empty or longer than 15 characters";
	if ((h & NAT_HAS_OUT) && !ifname_ok(r->out, sizeof(r->out)))
		return "output interface name empty or longer than 15 characters";
	if ((h & NAT_HAS_FROM) && r->from.family != r->family)
		return "`from` is not of the rule's address family";
	if ((h & NAT_HAS_PROTO) && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return "protocol is neither tcp nor udp";
	if ((h & (NAT_HAS_PORT | NAT_HAS_TO_PORT)) && !(h & NAT_HAS_PROTO))
		return "a port needs a protocol (tcp or udp)";
	if (r->kind == NAT_DNAT) {
		if (!(h & NAT_HAS_IN) || !(h & NAT_HAS_TO) || (h & NAT_HAS_OUT))
			return "dnat needs `in` and `to`, and takes no `out`";
		return NULL;
	}
	if (!(h & NAT_HAS_OUT) || (h & (NAT_HAS_PORT | NAT_HAS_TO_PORT)))
		return "source NAT needs `out` and takes no ports";
	if (r->kind == NAT_SNAT && !(h & NAT_HAS_TO))
		return "snat needs `to`";
	if (r->kind == NAT_MASQUERADE && (h & NAT_HAS_TO))
		return "masquerade takes no `to`";
	return NULL;
}

static int spec_from_nat(const struct topo_nat *r, size_t i, struct spec *s, struct nst_err *err)
{
	const char *why = nat_problem(r);
	if (why)
		return spec_fail(err, "nat", i, r->text, r->loc, why);
	unsigned h = r->has;
	*s = (struct spec){
		.chain = r->kind == NAT_DNAT ? NFTW_CHAIN_PRE : NFTW_CHAIN_POST,
		.nfproto = r->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6,
		.iif = (h & NAT_HAS_IN) ? r->in : NULL,
		.oif = (h & NAT_HAS_OUT) ? r->out : NULL,
		/* A /0 source matches every address of the family: nothing to write. */
		.from = (h & NAT_HAS_FROM) && r->from.plen ? &r->from : NULL,
		.l4proto = (h & NAT_HAS_PROTO) ? r->proto : 0,
		.has_dport = h & NAT_HAS_PORT,
		.dport = r->port,
		.has_to_port = h & NAT_HAS_TO_PORT,
		.to_port = r->to_port,
		.nat = r->kind == NAT_MASQUERADE ? SPEC_MASQ : r->kind == NAT_SNAT ? SPEC_SNAT : SPEC_DNAT,
		.to = r->to,
		.text = r->text,
		.index = i,
		.loc = r->loc,
	};
	return 0;
}

/* Specs keep pointers into rules: rules must outlive the layout. */
static int layout_nat(struct layout *l, const char *table, const struct topo_nat *rules, size_t n,
		      struct nst_err *err)
{
	*l = (struct layout){ .table = table, .kind = "nat", .first_chain = 0 };
	l->specs = xcalloc(n ? n : 1, sizeof(*l->specs));
	for (size_t i = 0; i < n; i++)
		if (spec_from_nat(&rules[i], i, &l->specs[l->n++], err) < 0)
			return -1;
	return 0;
}

/* The uplink's texts are made here; they live in one block freed with the specs. */
static int layout_uplink(struct layout *l, const char *table, const char *out_if,
			 const char *const *from, size_t n, bool masquerade, char **texts,
			 struct nst_err *err)
{
	*l = (struct layout){ .table = table, .kind = "uplink", .first_chain = 1 };
	size_t count = masquerade ? n : 0;
	l->specs = xcalloc(count ? count : 1, sizeof(*l->specs));
	*texts = xcalloc(count ? count : 1, TEXT_MAX + 1);
	for (size_t i = 0; i < count; i++) {
		char *text = *texts + i * (TEXT_MAX + 1);
		snprintf(text, TEXT_MAX + 1, "uplink %s -> %s", from[i], out_if);
		if (!ifname_ok(from[i], IFNAME_LEN + 1) || !ifname_ok(out_if, IFNAME_LEN + 1))
			return spec_fail(err, "uplink", i, text, (struct srcloc){ 0 },
					 "interface name empty or longer than 15 characters");
		l->specs[l->n++] = (struct spec){
			.chain = NFTW_CHAIN_POST,
			.nfproto = NFPROTO_IPV4,
			.iif = from[i],
			.oif = out_if,
			.nat = SPEC_MASQ,
			.text = text,
			.index = i,
		};
	}
	return 0;
}

/* ---- building libnftnl objects ---- */

static struct nftnl_expr *expr_new(const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (!e)
		abort();
	return e;
}

static void add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr_new("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void add_cmp_eq(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_new("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr_new("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_rule_add_expr(r, e);
}

/* reg1 = (reg1 & mask) ^ 0: the prefix part of an address. The kernel reports the operation
 * back even when it was not sent (NFT_BITWISE_BOOL is its default), so it is sent. */
static void add_mask(struct nftnl_rule *r, const uint8_t *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr_new("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	nftnl_rule_add_expr(r, e);
}

static void add_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_new("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void match_ifname(struct nftnl_rule *r, uint32_t key, const char *name)
{
	char buf[IFNAME_LEN] = { 0 };
	memcpy(buf, name, strnlen(name, IFNAME_LEN - 1));
	add_meta(r, key);
	/* All 16 bytes, NUL-padded: an exact name, as nft writes `iifname "eth0"` (a shorter
	 * compare would be a prefix match, nft's `eth*`). */
	add_cmp_eq(r, buf, IFNAME_LEN);
}

static void match_saddr(struct nftnl_rule *r, const struct cidr *c)
{
	uint32_t len = c->family == AF_INET ? 4 : 16;
	uint8_t mask[16] = { 0 }, net[16] = { 0 };
	for (unsigned b = 0; b < c->plen && b < len * 8; b++)
		mask[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	for (uint32_t i = 0; i < len; i++)
		net[i] = c->a[i] & mask[i];
	/* Source address: IPv4 header offset 12, IPv6 header offset 8. */
	add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, c->family == AF_INET ? 12 : 8, len);
	if (c->plen < len * 8)
		add_mask(r, mask, len);
	add_cmp_eq(r, net, len);
}

static void add_nat(struct nftnl_rule *r, const struct spec *s)
{
	if (s->nat == SPEC_MASQ) {
		nftnl_rule_add_expr(r, expr_new("masq"));
		return;
	}
	uint32_t alen = s->nfproto == NFPROTO_IPV4 ? 4 : 16;
	uint32_t flags = NF_NAT_RANGE_MAP_IPS;
	add_imm(r, NFT_REG_1, s->to, alen);
	if (s->has_to_port) {
		uint16_t port = htons(s->to_port);
		add_imm(r, NFT_REG_2, &port, sizeof(port));
		flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
	}
	struct nftnl_expr *e = expr_new("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, s->nat == SPEC_SNAT ? NFT_NAT_SNAT : NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, s->nfproto);
	/* The kernel fills in the max registers and the flags when they are left out, and reports
	 * them back; sending them makes the rule read back as it was sent. */
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
	if (s->has_to_port) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_2);
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, flags);
	nftnl_rule_add_expr(r, e);
}

/* The comment as nft writes it: a NFTNL_UDATA_RULE_COMMENT TLV, NUL included. */
static void set_comment(struct nftnl_rule *r, const char *text)
{
	size_t len = strlen(text) + 1;
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc((uint32_t)len + 2);
	if (!u)
		abort();
	if (nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, text))
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
				    nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

static struct nftnl_rule *rule_build(const char *table, const struct spec *s)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		abort();
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, s->chain);
	add_meta(r, NFT_META_NFPROTO);
	add_cmp_eq(r, &s->nfproto, 1);
	if (s->iif)
		match_ifname(r, NFT_META_IIFNAME, s->iif);
	if (s->oif)
		match_ifname(r, NFT_META_OIFNAME, s->oif);
	if (s->from)
		match_saddr(r, s->from);
	if (s->l4proto) {
		add_meta(r, NFT_META_L4PROTO);
		add_cmp_eq(r, &s->l4proto, 1);
	}
	if (s->has_dport) {
		uint16_t port = htons(s->dport);
		/* TCP and UDP both keep the destination port at offset 2. */
		add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		add_cmp_eq(r, &port, 2);
	}
	add_nat(r, s);
	set_comment(r, s->text);
	return r;
}

static struct nftnl_table *table_build(const char *name, const char *comment)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		abort();
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	if (comment) {
		size_t len = strlen(comment) + 1;
		struct nftnl_udata_buf *u = nftnl_udata_buf_alloc((uint32_t)len + 2);
		if (!u)
			abort();
		if (nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT, comment))
			nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u),
					     nftnl_udata_buf_len(u));
		nftnl_udata_buf_free(u);
	}
	return t;
}

static struct nftnl_chain *chain_build(const char *table, const struct chain_def *d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c)
		abort();
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, d->hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	return c;
}

/* ---- acknowledgements ---- */

struct ack {
	uint32_t seq;
	int code;
	char extack[sizeof(((struct nst_err *)0)->extack)];
};

static int extack_cb(const struct nlattr *a, void *data)
{
	const char **msg = data;
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* An NLMSG_ERROR: its errno (0 for a plain ack) and the kernel's message when it gave one. */
static void ack_parse(const struct nlmsghdr *nlh, struct ack *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	a->seq = nlh->nlmsg_seq;
	a->extack[0] = '\0';
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		a->code = EBADMSG;
		return;
	}
	a->code = -e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	size_t off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	const char *msg = NULL;
	mnl_attr_parse(nlh, (unsigned)off, extack_cb, &msg);
	if (msg)
		snprintf(a->extack, sizeof(a->extack), "%s", msg);
}

/* ---- requests and dumps ---- */

/* A dump that failed part-way ends with NLMSG_DONE carrying the negative errno. */
static void done_error(const struct nlmsghdr *nlh, struct ack *a)
{
	a->seq = nlh->nlmsg_seq;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int e;
		memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
		if (e < 0)
			a->code = -e;
	}
}

typedef int (*reply_cb)(const struct nlmsghdr *nlh, void *data);

/* One request's progress through its replies. */
struct exchange {
	uint32_t seq;
	reply_cb cb;
	void *data;
	bool done, cb_failed, intr;
	struct ack ack;
};

static void replies(struct exchange *x, const char *buf, ssize_t n)
{
	int left = (int)n;
	for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		if (h->nlmsg_seq != x->seq)
			continue; /* a late reply to an earlier request */
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			x->intr = true;
		if (h->nlmsg_type == NLMSG_DONE) {
			done_error(h, &x->ack);
			x->done = true;
		} else if (h->nlmsg_type == NLMSG_ERROR) {
			ack_parse(h, &x->ack);
			x->done = true;
		} else if (!x->cb_failed && x->cb && x->cb(h, x->data) < 0) {
			x->cb_failed = true;
		}
	}
}

/* Sends one request and hands each reply to cb until the kernel says it is done. Unlike
 * mnl_cb_run, this reads on to the end after a failure, so the socket is left clean for the
 * next request. Returns 0; or -1 with *ack holding the kernel's refusal (code 0 if none).
 * *intr is set when a dump was interrupted by a change of the ruleset. */
static int talk(struct nftw *nf, struct nlmsghdr *req, reply_cb cb, void *data, bool *intr,
		struct ack *ack, struct nst_err *err)
{
	struct exchange x = { .seq = req->nlmsg_seq, .cb = cb, .data = data };
	char *buf = xmalloc(RECV_BUF);
	int ret = -1;
	if (mnl_socket_sendto(nf->sk, req, req->nlmsg_len) < 0) {
		nst_err_set(err, errno, "send a netfilter request");
		goto out;
	}
	while (!x.done) {
		ssize_t n = mnl_socket_recvfrom(nf->sk, buf, RECV_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			nst_err_set(err, errno, "read a netfilter reply");
			goto out;
		}
		replies(&x, buf, n);
	}
	if (x.ack.code) {
		/* The caller's wrap names what was being read; errno and extack say why. */
		nst_err_set(err, x.ack.code, "%s", "");
		snprintf(err->extack, sizeof(err->extack), "%s", x.ack.extack);
		goto out;
	}
	if (x.cb_failed) {
		nst_err_set(err, EBADMSG, "parse a netfilter reply");
		goto out;
	}
	ret = 0;
out:
	*intr = *intr || x.intr;
	*ack = x.ack;
	free(buf);
	return ret;
}

/* What a dump found of one table. Every object has one owner: this struct. */
struct dump {
	struct nftnl_table *table;
	struct nftnl_chain **chains;
	size_t n_chains;
	struct nftnl_rule **rules;
	bool *unparsed;         /* per rule: libnftnl could not read it all (a newer expression) */
	size_t n_rules;
	const char *name;       /* the table asked for */
};

static void dump_free(struct dump *d)
{
	/* libnftnl's free functions do not take NULL. */
	if (d->table)
		nftnl_table_free(d->table);
	for (size_t i = 0; i < d->n_chains; i++)
		nftnl_chain_free(d->chains[i]);
	for (size_t i = 0; i < d->n_rules; i++)
		nftnl_rule_free(d->rules[i]);
	free(d->chains);
	free(d->rules);
	free(d->unparsed);
	const char *name = d->name;
	*d = (struct dump){ .name = name };
}

/* A table message as libnftnl's object; NULL when it cannot be read. */
static struct nftnl_table *table_parse(const struct nlmsghdr *nlh)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		abort();
	if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		return NULL;
	}
	return t;
}

static int on_table(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_table *t = table_parse(nlh);
	if (!t)
		return -1;
	if (d->table)
		nftnl_table_free(d->table);
	d->table = t;
	return 0;
}

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c)
		abort();
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		return -1;
	}
	const char *table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	if (!table || strcmp(table, d->name) != 0) {
		nftnl_chain_free(c); /* the dump covers every inet table */
		return 0;
	}
	d->chains = xrealloc(d->chains, (d->n_chains + 1) * sizeof(*d->chains));
	d->chains[d->n_chains++] = c;
	return 0;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		abort();
	/* A rule libnftnl cannot read whole (an expression it does not know) is kept, marked:
	 * it is not one of ours, and it still has to be listed. */
	bool unparsed = nftnl_rule_nlmsg_parse(nlh, r) < 0;
	const char *table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	if (table && strcmp(table, d->name) != 0) {
		nftnl_rule_free(r);
		return 0;
	}
	d->rules = xrealloc(d->rules, (d->n_rules + 1) * sizeof(*d->rules));
	d->unparsed = xrealloc(d->unparsed, (d->n_rules + 1) * sizeof(*d->unparsed));
	d->unparsed[d->n_rules] = unparsed;
	d->rules[d->n_rules++] = r;
	return 0;
}

static int on_gen(const struct nlmsghdr *nlh, void *data)
{
	uint32_t *id = data;
	struct nftnl_gen *g = nftnl_gen_alloc();
	if (!g)
		abort();
	int rc = nftnl_gen_nlmsg_parse(nlh, g);
	if (rc >= 0)
		*id = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return rc < 0 ? -1 : 0;
}

static int read_gen(struct nftw *nf, uint32_t *id, struct nst_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ack ack;
	bool intr = false;
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++nf->seq);
	if (talk(nf, h, on_gen, id, &intr, &ack, err) < 0)
		return nst_err_wrap(err, "read the nftables generation");
	return 0;
}

/* One pass: the table, then its chains, then its rules. Returns 0, or -1 on an error;
 * *intr tells that a dump was interrupted by a change. A missing table leaves d->table NULL. */
static int dump_once(struct nftw *nf, struct dump *d, bool *intr, struct nst_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ack ack;
	struct nftnl_table *t = table_build(d->name, NULL);
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK,
						   ++nf->seq);
	nftnl_table_nlmsg_build_payload(h, t);
	nftnl_table_free(t);
	if (talk(nf, h, on_table, d, intr, &ack, err) < 0) {
		if (ack.code == ENOENT) {
			nst_err_clear(err);
			return 0;
		}
		return nst_err_wrap(err, "read table %s", d->name);
	}
	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET, NLM_F_DUMP, ++nf->seq);
	if (talk(nf, h, on_chain, d, intr, &ack, err) < 0)
		return nst_err_wrap(err, "list the chains of table %s", d->name);
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		abort();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, d->name);
	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, ++nf->seq);
	nftnl_rule_nlmsg_build_payload(h, r);
	nftnl_rule_free(r);
	if (talk(nf, h, on_rule, d, intr, &ack, err) < 0)
		return nst_err_wrap(err, "list the rules of table %s", d->name);
	return 0;
}

/* Three requests are not one snapshot: the generation id, read before and after, tells that
 * nothing changed in between (as nft does); otherwise read again. */
static int dump_table(struct nftw *nf, struct dump *d, struct nst_err *err)
{
	for (int attempt = 0; attempt < GET_TRIES; attempt++) {
		uint32_t before = 0, after = 0;
		bool intr = false;
		dump_free(d);
		if (read_gen(nf, &before, err) < 0 || dump_once(nf, d, &intr, err) < 0 ||
		    read_gen(nf, &after, err) < 0)
			return -1;
		if (!intr && before == after)
			return 0;
	}
	return nst_err_set(err, EAGAIN, "read table %s: the ruleset kept changing", d->name);
}

/* ---- comparing ---- */

struct comment {
	uint8_t type;
	const char *text;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct comment *c = data;
	uint8_t len = nftnl_udata_len(attr);
	const char *v = nftnl_udata_get(attr);
	if (nftnl_udata_type(attr) == c->type && len > 0 && v[len - 1] == '\0')
		c->text = v;
	return 0;
}

static const char *comment_of(const void *udata, uint32_t len, uint8_t type)
{
	struct comment c = { .type = type };
	if (udata && len)
		nftnl_udata_parse(udata, len, comment_cb, &c);
	return c.text;
}

/* How a rule read back is compared with the rule nstopo would write (found by experiment on
 * Linux 6.18 with libnftnl 1.2.4, writing each kind of rule and reading it back):
 * - The raw bytes differ: the kernel dumps nests without NLA_F_NESTED, which libmnl sets, and
 *   puts some attributes in another order (bitwise: LEN before OP).
 * - nftnl_rule_snprintf differs in its header (handle, position) and is blind to attributes it
 *   does not print: a bitwise expression with or without NFTA_BITWISE_OP prints the same.
 * - Parsed by libnftnl and serialized again by libnftnl, each expression of a fresh rule is
 *   byte-identical to the same expression built here, once the attributes the kernel fills in
 *   by itself are sent too (nat: ADDR_MAX, PROTO_MAX, FLAGS; bitwise: OP).
 * So each expression is compared in libnftnl's serialized form: name and every attribute
 * libnftnl knows, value for value, in order. Exact (any change nft can make to an expression
 * is an attribute libnftnl parses), and deaf to attribute order and nest flags. The comment is
 * compared as raw bytes. The buffer is zeroed: libmnl leaves attribute padding as it finds it.
 * Only called on kinds nstopo writes, whose serialized form is far below EXPR_BLOB (the largest,
 * an immediate holding a jump to a 255-byte chain name, is under 400 bytes). */
static size_t expr_blob(const struct nftnl_expr *e, char *buf)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	nftnl_expr_build_payload(h, (struct nftnl_expr *)e);
	return h->nlmsg_len;
}

static bool kind_is_ours(const char *name)
{
	static const char *const ours[] = { "meta", "cmp", "payload", "bitwise", "immediate", "nat",
					    "masq" };
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcmp(name, ours[i]) == 0)
			return true;
	return false;
}

static bool expr_same(const struct nftnl_expr *a, const struct nftnl_expr *b)
{
	const char *na = nftnl_expr_get_str(a, NFTNL_EXPR_NAME);
	const char *nb = nftnl_expr_get_str(b, NFTNL_EXPR_NAME);
	if (!na || !nb || strcmp(na, nb) != 0 || !kind_is_ours(na))
		return false;
	char *ba = xcalloc(1, EXPR_BLOB), *bb = xcalloc(1, EXPR_BLOB);
	size_t la = expr_blob(a, ba), lb = expr_blob(b, bb);
	bool same = la == lb && memcmp(ba, bb, la) == 0;
	free(ba);
	free(bb);
	return same;
}

static bool exprs_same(const struct nftnl_rule *want, const struct nftnl_rule *got)
{
	struct nftnl_expr_iter *iw = nftnl_expr_iter_create(want);
	struct nftnl_expr_iter *ig = nftnl_expr_iter_create(got);
	if (!iw || !ig)
		abort();
	bool same = true;
	for (;;) {
		struct nftnl_expr *w = nftnl_expr_iter_next(iw), *g = nftnl_expr_iter_next(ig);
		if (!w || !g) {
			same = !w && !g; /* both lists ended together */
			break;
		}
		if (!expr_same(w, g)) {
			same = false;
			break;
		}
	}
	nftnl_expr_iter_destroy(iw);
	nftnl_expr_iter_destroy(ig);
	return same;
}

/* Exact: the comment bytes and every expression, attribute for attribute, in order. */
static bool rule_same(const struct nftnl_rule *want, const struct nftnl_rule *got)
{
	uint32_t lw = 0, lg = 0;
	const void *uw = nftnl_rule_get_data(want, NFTNL_RULE_USERDATA, &lw);
	const void *ug = nftnl_rule_get_data(got, NFTNL_RULE_USERDATA, &lg);
	if (!uw || !ug || lw != lg || memcmp(uw, ug, lw) != 0)
		return false;
	return exprs_same(want, got);
}

static bool chain_same(const struct nftnl_chain *c, const struct chain_def *d)
{
	const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	/* The kernel marks a base chain with NFT_CHAIN_BASE; any other flag was added by hand. */
	uint32_t flags = nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS) ?
				 nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) : NFT_CHAIN_BASE;
	return type && strcmp(type, "nat") == 0 && nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) &&
	       nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) == d->hook &&
	       nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO) == d->prio &&
	       nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
	       nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_ACCEPT && flags == NFT_CHAIN_BASE &&
	       !nftnl_chain_is_set(c, NFTNL_CHAIN_USERDATA) && !nftnl_chain_is_set(c, NFTNL_CHAIN_DEV) &&
	       !nftnl_chain_is_set(c, NFTNL_CHAIN_DEVICES);
}

static bool chains_intact(const struct dump *d, const struct layout *l)
{
	if (d->n_chains != N_CHAINS - l->first_chain)
		return false;
	for (size_t k = l->first_chain; k < N_CHAINS; k++) {
		bool found = false;
		for (size_t i = 0; i < d->n_chains && !found; i++) {
			const char *name = nftnl_chain_get_str(d->chains[i], NFTNL_CHAIN_NAME);
			found = name && strcmp(name, chain_defs[k].name) == 0 &&
				chain_same(d->chains[i], &chain_defs[k]);
		}
		if (!found)
			return false;
	}
	return true;
}

static bool rule_in(const struct nftnl_rule *r, const char *chain)
{
	const char *c = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	return c && strcmp(c, chain) == 0;
}

/* Each chain's rules, in the kernel's order, against the specs for that chain in layout order. */
static bool rules_intact(const struct dump *d, const struct layout *l)
{
	for (size_t k = l->first_chain; k < N_CHAINS; k++) {
		const char *chain = chain_defs[k].name;
		size_t g = 0;
		for (size_t w = 0; w < l->n; w++) {
			if (strcmp(l->specs[w].chain, chain) != 0)
				continue;
			while (g < d->n_rules && !rule_in(d->rules[g], chain))
				g++;
			if (g == d->n_rules || d->unparsed[g])
				return false;
			struct nftnl_rule *want = rule_build(l->table, &l->specs[w]);
			bool same = rule_same(want, d->rules[g]);
			nftnl_rule_free(want);
			if (!same)
				return false;
			g++;
		}
		for (; g < d->n_rules; g++) /* a rule left over in this chain */
			if (rule_in(d->rules[g], chain))
				return false;
	}
	return true;
}

static bool table_intact(const struct nftnl_table *t)
{
	/* Any flag (dormant, owner) was set by hand: nstopo sets none. */
	return !nftnl_table_is_set(t, NFTNL_TABLE_FLAGS) || nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS) == 0;
}

static void found_fill(struct nftw_found *out, const struct dump *d, const struct layout *l)
{
	out->exists = true;
	uint32_t len = 0;
	const void *ud = nftnl_table_get_data(d->table, NFTNL_TABLE_USERDATA, &len);
	const char *comment = comment_of(ud, len, NFTNL_UDATA_TABLE_COMMENT);
	out->userdata = comment ? xstrdup(comment) : NULL;
	out->texts = xcalloc(d->n_rules ? d->n_rules : 1, sizeof(*out->texts));
	for (size_t i = 0; i < d->n_rules; i++) {
		const void *ru = nftnl_rule_get_data(d->rules[i], NFTNL_RULE_USERDATA, &len);
		const char *text = comment_of(ru, len, NFTNL_UDATA_RULE_COMMENT);
		char handle[48];
		if (!text) {
			snprintf(handle, sizeof(handle), "(handle %" PRIu64 ")",
				 nftnl_rule_get_u64(d->rules[i], NFTNL_RULE_HANDLE));
			text = handle;
		}
		out->texts[out->n++] = xstrdup(text);
	}
	out->intact = table_intact(d->table) && chains_intact(d, l) && rules_intact(d, l);
}

static int layout_get(struct nftw *nf, const struct layout *l, struct nftw_found *out,
		      struct nst_err *err)
{
	struct dump d = { .name = l->table };
	int ret = -1;
	*out = (struct nftw_found){ 0 };
	if (dump_table(nf, &d, err) < 0)
		goto out;
	if (d.table)
		found_fill(out, &d, l);
	ret = 0;
out:
	dump_free(&d);
	return ret;
}

/* ---- batches ---- */

enum tag_kind { TAG_BATCH, TAG_TABLE, TAG_CHAIN, TAG_RULE };

struct tag {
	enum tag_kind kind;
	const char *name;       /* table or chain */
	const struct spec *spec; /* TAG_RULE */
	bool enoent_ok;         /* deleting what is already gone */
};

/* One transaction: libnftnl's batch pages and, per sequence number, what the message was. */
struct batch {
	struct nftnl_batch *b;
	uint32_t first_seq;
	struct tag *tags;       /* tags[seq - first_seq]; tags[0] is the batch-begin message */
	size_t n_tags;
};

static void batch_next(struct nftw *nf, struct batch *bt, struct tag tag)
{
	if (nftnl_batch_update(bt->b) < 0)
		abort();
	bt->tags = xrealloc(bt->tags, (bt->n_tags + 1) * sizeof(*bt->tags));
	bt->tags[bt->n_tags++] = tag;
	nf->seq++;
}

static void batch_open(struct nftw *nf, struct batch *bt)
{
	*bt = (struct batch){ 0 };
	/* A page size of many messages; any one message fits in the overrun space. */
	bt->b = nftnl_batch_alloc(64 * 1024, MNL_SOCKET_BUFFER_SIZE);
	if (!bt->b)
		abort();
	bt->first_seq = ++nf->seq;
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), nf->seq);
	batch_next(nf, bt, (struct tag){ .kind = TAG_BATCH });
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->tags);
	*bt = (struct batch){ 0 };
}

static struct nlmsghdr *batch_hdr(struct nftw *nf, struct batch *bt, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET, flags, nf->seq);
}

static void batch_table(struct nftw *nf, struct batch *bt, uint16_t type, const char *name,
			const char *comment, bool enoent_ok)
{
	struct nftnl_table *t = table_build(name, comment);
	uint16_t flags = type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0;
	nftnl_table_nlmsg_build_payload(batch_hdr(nf, bt, type, flags), t);
	nftnl_table_free(t);
	batch_next(nf, bt, (struct tag){ .kind = TAG_TABLE, .name = name, .enoent_ok = enoent_ok });
}

static void batch_chain(struct nftw *nf, struct batch *bt, const char *table,
			const struct chain_def *d)
{
	struct nftnl_chain *c = chain_build(table, d);
	uint16_t flags = NLM_F_CREATE | NLM_F_EXCL;
	nftnl_chain_nlmsg_build_payload(batch_hdr(nf, bt, NFT_MSG_NEWCHAIN, flags), c);
	nftnl_chain_free(c);
	batch_next(nf, bt, (struct tag){ .kind = TAG_CHAIN, .name = d->name });
}

static void batch_rule(struct nftw *nf, struct batch *bt, const char *table, const struct spec *s)
{
	struct nftnl_rule *r = rule_build(table, s);
	/* NLM_F_APPEND: each rule goes after the ones before it in its chain. */
	nftnl_rule_nlmsg_build_payload(
		batch_hdr(nf, bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
	nftnl_rule_free(r);
	batch_next(nf, bt, (struct tag){ .kind = TAG_RULE, .spec = s });
}

/* The whole batch goes in one sendmsg: the kernel takes a transaction from one message. */
static int batch_send(struct nftw *nf, struct batch *bt, struct nst_err *err)
{
	nftnl_batch_end(nftnl_batch_buffer(bt->b), nf->seq);
	batch_next(nf, bt, (struct tag){ .kind = TAG_BATCH });
	int n_iov = nftnl_batch_iovec_len(bt->b), fd = mnl_socket_get_fd(nf->sk);
	struct iovec *iov = xcalloc((size_t)n_iov, sizeof(*iov));
	nftnl_batch_iovec(bt->b, iov, (uint32_t)n_iov);
	size_t total = 0;
	for (int i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	/* The kernel refuses a message larger than the send buffer (as nft, raise it). */
	int want = (int)(total + 4096), have = 0;
	socklen_t sl = sizeof(have);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) == 0 && have < want)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want));
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = { .msg_name = &snl, .msg_namelen = sizeof(snl), .msg_iov = iov,
			      .msg_iovlen = (size_t)n_iov };
	ssize_t sent = sendmsg(fd, &msg, 0);
	int saved = errno;
	free(iov);
	if (sent < 0)
		return nst_err_set(err, saved, "send an nftables transaction");
	return 0;
}

static void tag_error(const struct batch *bt, const char *kind, const struct ack *a, size_t more,
		      struct nst_err *err)
{
	const struct tag *t = &bt->tags[a->seq - bt->first_seq];
	char extra[96] = "";
	if (more)
		snprintf(extra, sizeof(extra), " (and %zu more refusals in the same transaction)", more);
	if (t->kind == TAG_RULE) {
		nst_err_set(err, a->code, "add %s rule \"%s\"%s", kind, t->spec->text, extra);
		nst_err_obj(err, "%s[%zu]", kind, t->spec->index);
		err->loc = t->spec->loc;
	} else if (t->kind == TAG_CHAIN) {
		nst_err_set(err, a->code, "add nftables chain %s%s", t->name, extra);
		nst_err_obj(err, "chain %s", t->name);
	} else if (t->kind == TAG_TABLE) {
		nst_err_set(err, a->code, "write nftables table %s%s", t->name, extra);
		nst_err_obj(err, "table %s", t->name);
	} else {
		nst_err_set(err, a->code, "commit the nftables transaction%s", extra);
	}
	snprintf(err->extack, sizeof(err->extack), "%s", a->extack);
}

/* The kernel answers the whole batch before sendmsg returns (nfnetlink runs it in the sender's
 * context), and sends acks only for refusals: read all that are queued, without waiting.
 * The first refusal is the one reported; later ones are often its consequences. */
static int batch_acks(struct nftw *nf, struct batch *bt, const char *kind, struct nst_err *err)
{
	char *buf = xmalloc(RECV_BUF);
	struct ack first = { 0 }, a;
	size_t refused = 0;
	int ret = -1, fd = mnl_socket_get_fd(nf->sk);
	for (;;) {
		ssize_t n = recv(fd, buf, RECV_BUF, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			nst_err_set(err, errno, "read nftables acknowledgements");
			goto out;
		}
		int left = (int)n;
		for (const struct nlmsghdr *h = (void *)buf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			ack_parse(h, &a);
			size_t i = a.seq - bt->first_seq;
			if (i >= bt->n_tags)
				continue; /* not about this batch */
			if (!a.code || (a.code == ENOENT && bt->tags[i].enoent_ok))
				continue;
			if (!refused++)
				first = a;
		}
	}
	if (refused) {
		tag_error(bt, kind, &first, refused - 1, err);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static int layout_set(struct nftw *nf, const struct layout *l, struct nst_err *err)
{
	struct batch bt;
	if (l->userdata && strlen(l->userdata) > TEXT_MAX) {
		nst_err_set(err, EINVAL, "table %s: comment longer than %d bytes", l->table, TEXT_MAX);
		nst_err_obj(err, "table %s", l->table);
		return -1;
	}
	batch_open(nf, &bt);
	/* Adding an existing table changes nothing, so the delete after it never meets a missing
	 * table: replace in one transaction on every kernel (no NFT_MSG_DESTROYTABLE needed). */
	batch_table(nf, &bt, NFT_MSG_NEWTABLE, l->table, NULL, false);
	batch_table(nf, &bt, NFT_MSG_DELTABLE, l->table, NULL, false);
	batch_table(nf, &bt, NFT_MSG_NEWTABLE, l->table, l->userdata, false);
	for (size_t k = l->first_chain; k < N_CHAINS; k++)
		batch_chain(nf, &bt, l->table, &chain_defs[k]);
	for (size_t i = 0; i < l->n; i++)
		batch_rule(nf, &bt, l->table, &l->specs[i]);
	int ret = batch_send(nf, &bt, err);
	if (ret == 0)
		ret = batch_acks(nf, &bt, l->kind, err);
	batch_free(&bt);
	return ret;
}

/* ---- the API ---- */

int nftw_nat_set(struct nftw *nf, const char *table, const struct topo_nat *rules, size_t n,
		 const char *table_userdata, struct nst_err *err)
{
	struct layout l;
	int ret = layout_nat(&l, table, rules, n, err);
	l.userdata = table_userdata;
	if (ret == 0)
		ret = layout_set(nf, &l, err);
	free(l.specs);
	return ret;
}

int nftw_nat_get(struct nftw *nf, const char *table, const struct topo_nat *want, size_t n_want,
		 struct nftw_found *out, struct nst_err *err)
{
	struct layout l;
	*out = (struct nftw_found){ 0 };
	int ret = layout_nat(&l, table, want, n_want, err);
	if (ret == 0)
		ret = layout_get(nf, &l, out, err);
	free(l.specs);
	return ret;
}

int nftw_uplink_set(struct nftw *nf, const char *table, const char *out_if,
		    const char *const *from_ifs, size_t n_from, bool masquerade, const char *userdata,
		    struct nst_err *err)
{
	struct layout l;
	char *texts = NULL;
	int ret = layout_uplink(&l, table, out_if, from_ifs, n_from, masquerade, &texts, err);
	l.userdata = userdata;
	if (ret == 0)
		ret = layout_set(nf, &l, err);
	free(l.specs);
	free(texts);
	return ret;
}

int nftw_uplink_get(struct nftw *nf, const char *table, const char *out_if,
		    const char *const *from_ifs, size_t n_from, bool masquerade,
		    struct nftw_found *out, struct nst_err *err)
{
	struct layout l;
	char *texts = NULL;
	*out = (struct nftw_found){ 0 };
	int ret = layout_uplink(&l, table, out_if, from_ifs, n_from, masquerade, &texts, err);
	if (ret == 0)
		ret = layout_get(nf, &l, out, err);
	free(l.specs);
	free(texts);
	return ret;
}

int nftw_table_del(struct nftw *nf, const char *table, struct nst_err *err)
{
	struct batch bt;
	batch_open(nf, &bt);
	batch_table(nf, &bt, NFT_MSG_DELTABLE, table, NULL, true);
	int ret = batch_send(nf, &bt, err);
	if (ret == 0)
		ret = batch_acks(nf, &bt, "table", err);
	batch_free(&bt);
	return ret;
}

/* ---- every table of a name prefix (the root's uplink tables of all labs) ---- */

struct table_list {
	const char *prefix;
	struct nftw_table *v;
	size_t n;
};

static int on_table_listed(const struct nlmsghdr *nlh, void *data)
{
	struct table_list *tl = data;
	struct nftnl_table *t = table_parse(nlh);
	if (!t)
		return -1;
	const char *name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
	if (name && strncmp(name, tl->prefix, strlen(tl->prefix)) == 0) {
		uint32_t len = 0;
		const void *ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &len);
		const char *comment = comment_of(ud, len, NFTNL_UDATA_TABLE_COMMENT);
		tl->v = xrealloc(tl->v, (tl->n + 1) * sizeof(*tl->v));
		tl->v[tl->n++] = (struct nftw_table){ xstrdup(name), comment ? xstrdup(comment) : NULL };
	}
	nftnl_table_free(t);
	return 0;
}

int nftw_tables_list(struct nftw *nf, const char *prefix, struct nftw_table **out, size_t *n,
		     struct nst_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ack ack;
	bool intr = false;
	struct table_list tl = { .prefix = prefix };
	struct nlmsghdr *h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_DUMP,
						   ++nf->seq);
	if (talk(nf, h, on_table_listed, &tl, &intr, &ack, err) < 0) {
		nftw_tables_free(tl.v, tl.n);
		return nst_err_wrap(err, "list nftables tables");
	}
	*out = tl.v;
	*n = tl.n;
	return 0;
}

void nftw_tables_free(struct nftw_table *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].userdata);
	}
	free(v);
}
