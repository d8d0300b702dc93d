/* nft.h - the nftables boundary (libnftnl + libmnl): a node's NAT table and the host's uplink
 * table, each written in one transaction and read back exactly. Prefix nftw_ (nftnl_ is taken). */
#ifndef NSTOPO_NFT_H
#define NSTOPO_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "topo.h"

/* Chain names and priorities nstopo uses in its tables (nft's srcnat and dstnat). */
#define NFTW_CHAIN_PRE "prerouting"
#define NFTW_CHAIN_POST "postrouting"
enum { NFTW_PRIO_DSTNAT = -100, NFTW_PRIO_SRCNAT = 100 };

struct nftw; /* a NETLINK_NETFILTER socket, bound to the namespace it was opened in */

/* Opens a socket in the calling thread's current network namespace. */
struct nftw *nftw_open(struct nst_err *err);
void nftw_close(struct nftw *nf);

/* One of nstopo's tables as the kernel has it. */
struct nftw_found {
	bool exists;
	/* Table flags, chains (names, type, hook, priority, policy) and every rule (expressions and
	 * comment, in order) are exactly what the matching _set call writes for the same input. */
	bool intact;
	/* Each rule's comment, chain by chain (prerouting, then postrouting for a node; see
	 * nftw_nat_get), in the kernel's order. A rule without a comment shows as "(handle N)". */
	char **texts;
	size_t n;
	char *userdata; /* the table's comment (nstopo's ownership marker, marker.h), or NULL */
};

/* Reads table `table` (family inet) and compares it with what nftw_nat_set(want) writes.
 * A missing table is found->exists == false, not an error. */
int nftw_nat_get(struct nftw *nf, const char *table, const struct topo_nat *want, size_t n_want,
		 struct nftw_found *out, struct nst_err *err);
void nftw_found_free(struct nftw_found *f);

/* Replaces table `table` (family inet) with exactly these rules, in one transaction: the old
 * table (if any) goes, the new table, chains `prerouting` (nat, dstnat) and `postrouting` (nat,
 * srcnat) and the rules come, each rule carrying rule->text as its comment. dnat rules go to
 * prerouting, masquerade and snat to postrouting, each chain in the order given.
 * table_userdata, when not NULL, becomes the table's comment.
 * On a refusal (ours or the kernel's), err->obj is "nat[I]" (I = the rule's index in `rules`),
 * err->loc the rule's srcloc, err->msg names the rule text, err->code and err->extack say why.
 * A refusal of the table or a chain leaves err->obj "table NAME" or "chain NAME". */
int nftw_nat_set(struct nftw *nf, const char *table, const struct topo_nat *rules, size_t n,
		 const char *table_userdata, struct nst_err *err);

/* Deletes table `table` (family inet); a missing table is success. */
int nftw_table_del(struct nftw *nf, const char *table, struct nst_err *err);

/* The host uplink, in the root namespace: table `table` (inet) with one chain `postrouting` (nat,
 * srcnat) holding, when masquerade is true, one rule per entry of from_ifs:
 *   meta nfproto ipv4 iifname FROM oifname OUT_IF masquerade comment "uplink FROM -> OUT_IF"
 * (IPv4 only: host IPv6 forwarding is never touched). userdata becomes the table's comment. */
int nftw_uplink_set(struct nftw *nf, const char *table, const char *out_if,
		    const char *const *from_ifs, size_t n_from, bool masquerade, const char *userdata,
		    struct nst_err *err);
int nftw_uplink_get(struct nftw *nf, const char *table, const char *out_if,
		    const char *const *from_ifs, size_t n_from, bool masquerade,
		    struct nftw_found *out, struct nst_err *err);

/* Every table (family inet) whose name starts with prefix, with its comment; malloc'd. */
struct nftw_table {
	char *name;
	char *userdata; /* NULL when none */
};
int nftw_tables_list(struct nftw *nf, const char *prefix, struct nftw_table **out, size_t *n,
		     struct nst_err *err);
void nftw_tables_free(struct nftw_table *v, size_t n);

#endif
