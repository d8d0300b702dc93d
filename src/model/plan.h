/* plan.h - two lab models (the file's and the kernel's) to an ordered list of small actions
 * (kinds and order in plan_kinds.h), one pass to converge. `up` applies it, `diff` prints it. */
#ifndef NSTOPO_PLAN_H
#define NSTOPO_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "topo.h"

#include "plan_kinds.h"

#define PLAN_KIND_ENUM(k, ...) ACT_##k,
enum action_kind { PLAN_ACTION_KINDS(PLAN_KIND_ENUM) ACT__COUNT };
#undef PLAN_KIND_ENUM

#define PLAN_WORD_ENUM(w, text) WORD_##w,
enum action_word { PLAN_WORDS(PLAN_WORD_ENUM) WORD__COUNT };
#undef PLAN_WORD_ENUM

struct action;

/* One row of plan_kinds.h. */
struct action_kind_info {
	const char *name; /* "LINK_ADD" */
	char op;          /* '+', '~', '-'; '?': by the action's change */
	const char *verb, *verb_change;
	enum action_word word;
	bool after_envs;
	void (*text)(const struct action *a, char *buf, size_t len);
};

const struct action_kind_info *plan_kind(enum action_kind kind);
/* "create", "add", "change", ... as an error names what was tried. */
const char *plan_action_verb(const struct action *a);

/* What ACT_LINK_SET changes. */
enum { CHG_UP = 1u << 0, CHG_MTU = 1u << 1, CHG_MAC = 1u << 2, CHG_MASTER = 1u << 3,
       CHG_MARK = 1u << 4 /* made by nstopo, not yet marked as the lab's */ };
/* What ACT_FILE_SET changes (0: a new file): the store entry's content, and/or what the node
 * sees at the path (the entry is not laid over it). */
enum { FILE_CHG_CONTENT = 1u << 0, FILE_CHG_UNSEEN = 1u << 1 };

struct action {
	enum action_kind kind;
	const struct topo_node *node;   /* desired for additions and changes, observed for deletions */
	const struct topo_iface *iface; /* the interface concerned, same side as node */
	const struct topo_iface *old;   /* ACT_LINK_SET: the observed interface */
	const struct topo_link *link;   /* ACT_LINK_ADD: desired; ACT_LINK_DEL*: observed */
	const struct topo_lab *lab;     /* the model link, node and iface belong to */
	struct cidr addr;               /* ACT_ADDR_* */
	const struct topo_route *route; /* desired (add, replace) or observed (del) */
	const struct topo_route *old_route; /* ACT_ROUTE_REPLACE, ACT_ROUTE_READD: the observed one */
	const struct topo_sysctl *sysctl;   /* desired */
	const char *old_value;              /* observed sysctl value, NULL when unreadable */
	const struct topo_nat *nat;         /* ACT_NAT_ADD: desired; ACT_NAT_DEL_RULE: observed */
	const struct topo_file *file;       /* ACT_FILE_SET: desired; ACT_FILE_DEL: observed */
	const char *text;                   /* ACT_HOSTS_SET: the content; ACT_DAEMONS_*, ACT_ROUTE_READD,
					       ACT_SYSCTL_SET: why */
	const char *where;                  /* ACT_HOSTS_SET, ACT_LAB_DIR_DEL: the file, for messages only;
					       the model knows no path: apply_where fills it (paths.h) */
	unsigned change;                    /* ACT_LINK_SET: CHG_*; ACT_FILE_SET: FILE_CHG_* */
	uint32_t mtu;                       /* ACT_LINK_SET: the wanted mtu */
	bool master;                        /* ACT_LINK_SET: wanted in the node's bridge */
	struct srcloc loc;                  /* where the file asks for it (zero for deletions) */
};

struct plan {
	struct arena arena;
	struct action *v;
	size_t n, cap;
	const struct topo_lab *want, *have;
};

/* want may be NULL: the plan then removes everything of the lab (down). */
void plan_build(struct plan *p, struct topo_lab *want, struct topo_lab *have);
void plan_free(struct plan *p);

/* The action in the form diff prints: "+ link r1:eth1 <-> r2:eth1". */
void plan_action_text(const struct action *a, char *buf, size_t len);
char plan_action_op(const struct action *a);    /* '+', '-' or '~' */
const char *plan_action_object(const struct action *a); /* "node", "link", "address", ... */
void plan_print(FILE *out, const struct plan *p, bool color);
/* "3 changes: +1 node, +2 link" */
void plan_summary(const struct plan *p, char *buf, size_t len);

/* The mtu a desired interface must have: its own, its link's, or the veth default 1500. */
uint32_t plan_wanted_mtu(const struct topo_lab *lab, const struct topo_iface *iface);

#endif
