/* topo.h - the lab model: nodes, interfaces, links, addresses, routes, sysctls, NAT, files,
 * programs and checks. load_yaml fills it from a file, observe from the kernel; plan compares two. */
#ifndef NSTOPO_TOPO_H
#define NSTOPO_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "strmap.h"

enum {
	TOPO_LAB_NAME_MAX = 32,
	TOPO_NODE_NAME_MAX = 63, /* it is the default hostname too */
	/* The kernel takes 64 (__NEW_UTS_LEN), but nodens passes it in 64-byte buffers with their
	 * NUL: one more would be cut and never match. */
	TOPO_HOSTNAME_MAX = 63,
	TOPO_NETNS_NAME_MAX = 200,
	TOPO_IFNAME_MAX = 15,
	/* The most a `from:` may hold (a file, or a directory's files together), in MiB. */
	TOPO_FROM_MAX_MIB = 16,
	/* Route protocol number nstopo's routes carry (contrib/rt_protos.d/nstopo.conf). */
	TOPO_RTPROT = 77,
	/* iface->link of an end whose link had errors: not reported again as "on no link". */
	TOPO_LINK_BROKEN = -2,
};

struct topo_impair;

#define TOPO_HOST_NODE "host" /* the machine's own (root) namespace */
#define TOPO_BRIDGE_DEV "br0"  /* the bridge device inside a bridge node */

enum node_kind { NODE_HOST, NODE_ROUTER, NODE_BRIDGE, NODE_FRR, NODE_BIRD, NODE_ROOT };

/* An address with its prefix length; host bits are kept (interface addresses). */
struct cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t a[16];
};

struct topo_addr {
	struct cidr c;
	struct srcloc loc;
};

enum { IFACE_HAS_MTU = 1u << 0, IFACE_HAS_MAC = 1u << 1 };

struct topo_iface {
	char name[TOPO_IFNAME_MAX + 1];
	unsigned has;
	uint32_t mtu;
	uint8_t mac[6];
	struct topo_addr *addrs;
	size_t n_addrs, cap_addrs;
	int32_t link; /* index in lab->links; -1 on none (lo, br0); TOPO_LINK_BROKEN: a bad link */
	struct srcloc loc;
	struct topo_impair *impair; /* its egress impairments (impair.h); NULL when none */
	/* Filled by observe only. */
	int ifindex;
	int peer_ifindex;    /* veth: the peer's ifindex in its own namespace */
	char *peer;          /* veth: "NODE:IF" of the peer, from the ownership marker */
	char master[TOPO_IFNAME_MAX + 1];
	bool up;
	bool unmarked;       /* made by nstopo but never marked (it stopped between the two) */
};

struct topo_end {
	uint32_t node;  /* index in lab->nodes */
	uint32_t iface; /* index in that node's ifaces */
	struct srcloc loc;
};

enum { LINK_HAS_MTU = 1u << 0 };

struct topo_link {
	struct topo_end end[2];
	unsigned has;
	uint32_t mtu;
	struct srcloc loc;
};

enum { ROUTE_HAS_VIA = 1u << 0, ROUTE_HAS_DEV = 1u << 1, ROUTE_HAS_METRIC = 1u << 2 };
enum { ROUTE_COMPUTED = 1u << 3 }; /* in has: made by `routing: static` (routing.c) */

struct topo_route {
	struct cidr to; /* plen 0 for default */
	uint8_t via[16];
	char dev[TOPO_IFNAME_MAX + 1];
	uint32_t metric;
	unsigned has;
	struct srcloc loc;
	/* Filled by observe only. */
	uint8_t proto;
	int oif;
};

struct topo_sysctl {
	char *key;   /* dotted, "net.ipv4.ip_forward" */
	char *value;
	struct srcloc loc;
};

/* A variable the node's programs get (`env:`), on top of the clean environment run.c gives. */
struct topo_env {
	char *name;
	char *value;
	struct srcloc loc;
};

enum nat_kind { NAT_MASQUERADE, NAT_SNAT, NAT_DNAT };
enum {
	NAT_HAS_IN = 1u << 0,
	NAT_HAS_OUT = 1u << 1,
	NAT_HAS_FROM = 1u << 2,
	NAT_HAS_TO = 1u << 3,
	NAT_HAS_PROTO = 1u << 4,
	NAT_HAS_PORT = 1u << 5,
	NAT_HAS_TO_PORT = 1u << 6,
};

struct topo_nat {
	enum nat_kind kind;
	unsigned has;
	char in[TOPO_IFNAME_MAX + 1], out[TOPO_IFNAME_MAX + 1];
	struct cidr from;
	uint8_t family; /* AF_INET or AF_INET6: from `to`, `from`, or the default AF_INET */
	uint8_t to[16];
	uint8_t proto;  /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port, to_port;
	char *text;     /* canonical one-line form, as printed and kept as the rule's userdata */
	struct srcloc loc;
};

enum file_kind { FILE_INLINE, FILE_FROM, FILE_DIR };
enum { FILE_HAS_OWNER = 1u << 0, FILE_HAS_MODE = 1u << 1 };

struct topo_file {
	char *path; /* absolute path inside the node */
	enum file_kind kind;
	char *content; /* FILE_INLINE */
	size_t len;
	char *from;    /* FILE_FROM: resolved against the topology file's directory */
	bool from_dir; /* FILE_FROM naming a directory */
	char *owner;
	uint32_t mode;
	unsigned has;
	struct srcloc loc;
	uint64_t digest; /* of the content (want: of the source; have: of the store entry) */
	bool unseen;     /* have: the node does not see the store entry at path (not laid) */
};

struct topo_exec {
	char **argv; /* NULL-terminated */
	size_t argc;
	bool background;
	bool may_fail;       /* a failure is reported and up goes on (containerlab's exec) */
	uint32_t timeout_ms; /* 0: the default */
	struct srcloc loc;
};

enum { NODE_HAS_KIND = 1u << 0, NODE_HAS_HOSTNAME = 1u << 1, NODE_HAS_CONFIG = 1u << 2 };

/* `routing:` of the lab or of a node (routing.c). */
enum topo_routing { ROUTING_UNSET, ROUTING_NONE, ROUTING_STATIC };

struct topo_node {
	char *name;
	enum node_kind kind;
	unsigned has;
	char *hostname;
	struct topo_iface *ifaces;
	size_t n_ifaces, cap_ifaces;
	struct topo_route *routes;
	size_t n_routes, cap_routes;
	struct topo_sysctl *sysctls;
	size_t n_sysctls, cap_sysctls;
	struct topo_nat *nat;
	size_t n_nat, cap_nat;
	bool has_nat; /* `nat:` given (an empty list still means an empty table) */
	bool nat_intact; /* observe: the table is exactly what nstopo writes for its rule texts */
	struct topo_file *files;
	size_t n_files, cap_files;
	struct topo_exec *execs;
	size_t n_execs, cap_execs;
	char **daemons;
	size_t n_daemons, cap_daemons;
	struct topo_env *env;
	size_t n_env, cap_env;
	char *config;
	char **groups; /* `group:`, the names only (expand.c applied their settings) */
	size_t n_groups, cap_groups;
	struct srcloc loc, kind_loc, config_loc, daemons_loc, hostname_loc;
	struct strmap iface_index; /* name -> iface index + 1 */
	/* routing.c: the node's `routing:`, `asn:` (0: none) and `template:` (a built-in's name, or
	 * template text; tmpl_block: a block scalar, its first line is the one after tmpl_loc). */
	enum topo_routing routing;
	uint32_t asn;
	char *tmpl;
	bool tmpl_block;
	struct srcloc routing_loc, asn_loc, tmpl_loc;
	bool damaged; /* load_yaml: its mapping had an error; validate adds no knock-on errors */
	/* Filled by observe only. */
	char *netns;          /* the namespace's name under /run/netns */
	bool foreign;         /* a namespace by that name that is not this lab's */
	bool has_env;         /* its UTS and mount namespaces are kept */
	char *exec_record;    /* the exec: lines it last ran to the end, NULL when none */
	char *uts_name;       /* the hostname it has now, NULL when unknown */
	char **running;       /* daemons of the lab's running in it (their comm) */
	size_t n_running, cap_running;
	char *foreign_owner;  /* its marker, when it has one */
};

/* CHECK_STEP: a `do:` step of a scenario, which acts on the lab between the checks around it. */
enum check_kind { CHECK_PING, CHECK_TCP, CHECK_ROUTE, CHECK_EXEC, CHECK_STEP };
enum { CHECK_HAS_VIA = 1u << 0, CHECK_HAS_DEV = 1u << 1 };

struct topo_check {
	enum check_kind kind;
	unsigned has;
	char *name;
	char *node;   /* ping/tcp: from; route/exec: node */
	char *to;     /* ping/tcp: an address or a node name */
	uint16_t port;
	struct cidr route_to;
	uint8_t via[16];
	char dev[TOPO_IFNAME_MAX + 1];
	char **argv;  /* exec */
	size_t argc;
	bool expect_fail;
	uint32_t within_ms;
	char *output;
	char *output_regex;
	struct srcloc loc, node_loc, to_loc;
	/* CHECK_STEP: the link end (node in node), its new state (-1: unchanged, 0 down, 1 up),
	 * and impairment KEY VALUE pairs to set on that end (2 * n_step_kv strings). */
	char *link_if;
	int state;
	char **step_kv;
	size_t n_step_kv;
};

enum { UPLINK_HAS_MASQUERADE = 1u << 0, UPLINK_HAS_FORWARDING = 1u << 1 };

struct topo_uplink {
	char *host_interface;
	bool masquerade;
	bool forwarding;
	unsigned has;
	struct srcloc loc;
	/* Filled by observe only (the lab's table in the root namespace exists). */
	bool intact;      /* exactly what nstopo writes for the file's uplink */
	char *userdata;   /* the table's comment: "nstopo uplink ip_forward_before=0" */
	char *ip_forward; /* the root's net.ipv4.ip_forward now */
};

#define TOPO_NAT_TABLE "nstopo" /* each node's NAT table (family inet) */
/* The lab's uplink table in the root namespace: "nstopo_" + lab name, '-' as '_'. */
const char *topo_uplink_table(char *buf, size_t len, const char *lab);

struct topo_lab {
	struct arena arena; /* owns every string and array below */
	char *name;
	char *prefix; /* the namespace names' prefix: the file's `prefix:`, else "NAME-" */
	bool prefix_set; /* the file has a `prefix:` key (even "") */
	char *file;   /* the topology file as given, NULL when observed */
	char *dir;    /* its directory, for `from:` paths */
	struct topo_node **nodes; /* stable pointers; the index is the node's id */
	size_t n_nodes, cap_nodes;
	struct topo_link *links;
	size_t n_links, cap_links;
	struct topo_check *checks;
	size_t n_checks, cap_checks;
	bool has_tests;
	struct topo_uplink *uplink; /* NULL when absent */
	/* `keep_unlisted: true`: addresses and routes the file does not list are the lab's own doing
	 * (exec: lines, daemons), neither reported nor removed. */
	bool keep_unlisted;
	struct clab_map *clab; /* a containerlab file: where each converted line came from */
	char *hosts;                /* observe: the lab's /etc/hosts for its nodes, NULL when none */
	bool has_run_dir;           /* observe: /run/nstopo/LAB exists */
	struct strmap node_index;   /* name -> index + 1 */
	struct srcloc loc, name_loc, prefix_loc, nodes_loc, tests_loc;
	enum topo_routing routing;  /* `routing:` (routing.c) */
	struct srcloc routing_loc;
};

struct topo_lab *topo_lab_new(void);
void topo_lab_free(struct topo_lab *lab);
/* Gives the lab its name (the file's, or --name's) and, when the file has no `prefix:`, the
 * default prefix "NAME-" that keeps labs reusing node names apart. Before any topo_node_netns. */
void topo_lab_set_name(struct topo_lab *lab, const char *name);

/* Adding a name twice returns the existing node. */
struct topo_node *topo_node_add(struct topo_lab *lab, const char *name, struct srcloc loc);
struct topo_node *topo_node_find(const struct topo_lab *lab, const char *name);
ptrdiff_t topo_node_index(const struct topo_lab *lab, const char *name); /* -1 when absent */
struct topo_iface *topo_iface_add(struct topo_lab *lab, struct topo_node *node, const char *name,
				  struct srcloc loc);
struct topo_iface *topo_iface_find(const struct topo_node *node, const char *name);
struct topo_addr *topo_addr_add(struct topo_lab *lab, struct topo_iface *iface, const struct cidr *c,
				struct srcloc loc);

/* The sysctls a node must have: its own, plus forwarding from its kind (its own win). The array
 * is owned by the lab. */
const struct topo_sysctl *topo_node_sysctls(struct topo_lab *lab, const struct topo_node *node,
					    size_t *n);
/* Routes compare with the kernel's: IPv6 metric 0 is stored as 1024 (IP6_RT_PRIO_USER). */
uint32_t topo_route_metric(const struct topo_route *r);

/* The namespace name of a node: prefix + name; NULL for the host. Owned by the lab. */
const char *topo_node_netns(struct topo_lab *lab, const struct topo_node *node);
const char *topo_node_kind_name(enum node_kind kind);
/* A NAT rule's canonical one-line form ("dnat in wan tcp dport 8080 to 192.168.1.10:80"): what
 * diff prints and what the rule carries as its comment in the kernel. Owned by ar. */
const char *topo_nat_text(struct arena *ar, const struct topo_nat *r);

#define TOPO_FRR_CONF "/etc/frr/frr.conf"
#define TOPO_BIRD_CONF "/etc/bird/bird.conf"
/* Turns `kind: frr|bird` and `config:` into the files they imply (frr.conf, vtysh.conf,
 * bird.conf), after validation, so every file of a node is one `files:` entry. */
void topo_lab_expand(struct topo_lab *lab);
/* The daemons a frr or bird node runs (zebra and staticd implied for FRR); returns how many. */
size_t topo_node_daemons(const struct topo_node *node, const char **out, size_t max);
/* The node's `env:` as "NAME=VALUE" strings, NULL-terminated (NULL when it has none); malloc'd,
 * freed with topo_env_free. */
char **topo_node_env_new(const struct topo_node *node);
void topo_env_free(char **env);
bool topo_node_kind_parse(const char *s, enum node_kind *kind);
bool topo_node_is_router(const struct topo_node *node);

/* The other end of the link an interface is on; NULL when it is on none. */
const struct topo_end *topo_link_peer(const struct topo_lab *lab, const struct topo_node *node,
				      const struct topo_iface *iface);
struct topo_node *topo_end_node(const struct topo_lab *lab, const struct topo_end *end);
struct topo_iface *topo_end_iface(const struct topo_lab *lab, const struct topo_end *end);

/* Addresses. parse accepts "a.b.c.d/n", "x::y/n", and without /n a host route (32/128). */
bool cidr_parse(const char *s, struct cidr *c, bool need_prefix);
bool addr_parse(const char *s, uint8_t *family, uint8_t out[16]);
char *cidr_format(const struct cidr *c, char *buf, size_t len);   /* "10.0.0.1/24" */
char *addr_format(uint8_t family, const uint8_t a[16], char *buf, size_t len);
bool cidr_contains(const struct cidr *net, uint8_t family, const uint8_t a[16]);
bool cidr_equal(const struct cidr *a, const struct cidr *b);
void cidr_network(const struct cidr *c, struct cidr *net); /* host bits cleared */
bool addr_is_link_local6(const uint8_t a[16]);
enum { CIDR_STR_MAX = 64 };

/* The /etc/hosts every node of the lab sees (store.c lays it over each): each node's addresses
 * by name. Owned by ar. */
char *topo_hosts_text(struct arena *ar, const struct topo_lab *want);
/* The canonical text of a node's exec: lines ("" when none), as store.c records the ones run. */
char *topo_exec_text(struct arena *ar, const struct topo_node *node);
/* A sysctl value with surrounding white space removed and inner runs of it made one space, as
 * sysctl_read returns the kernel's: so a file's value and the kernel's compare. */
void topo_sysctl_normalize(const char *in, char *out, size_t len);

#endif
