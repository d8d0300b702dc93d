/* plan_kinds.h - every kind of action, one row each, in the order the plan applies them: the
 * enum, the sort, the printed texts, verbs and summary words are all made from this list. */
#ifndef NSTOPO_PLAN_KINDS_H
#define NSTOPO_PLAN_KINDS_H

/* X(KIND, op, verb, verb when a change, word, after_envs, text)
 *   op: '+', '~', '-', or '?' for '~' when the action's `change` is set (the object is there
 *       and changes) and '+' when not (it is made);
 *   verb: what an error says was tried ("create link ..."), the second one for a change;
 *   word: the object's word in diff --json and in the summary line (+2 node, +1 link);
 *   after_envs: applied only once the nodes' namespaces made in the background are complete
 *       (routes need only the network namespace: a new lab's come before that wait);
 *   text: the function that writes the action as diff prints it, after the op.
 * Rows are in plan order: creations and changes first, then deletions, then what uses the
 * result (routes through the interfaces that stay, the programs). */
#define PLAN_ACTION_KINDS(X) \
	X(HOSTS_SET,      '?', "create",  "change", WORD_FILE,      false, text_hosts)     /* the lab's /etc/hosts, seen by every node */ \
	X(NODE_ADD,       '+', "create",  NULL,     WORD_NODE,      false, text_node)      \
	X(NODE_ENV_ADD,   '+', "create",  NULL,     WORD_NODE,      false, text_env)       /* a node without its UTS and mount namespaces (stopped in between) */ \
	X(HOSTNAME_SET,   '~', "change",  NULL,     WORD_NODE,      false, text_hostname)  \
	X(LINK_DEL_EARLY, '-', "delete",  NULL,     WORD_LINK,      false, text_link)      /* a link of the kernel's that holds a name a new link needs */ \
	X(ADDR_DEL_EARLY, '-', "delete",  NULL,     WORD_ADDRESS,   false, text_addr)      /* an IPv6 address whose prefix length changes */ \
	X(BRIDGE_ADD,     '+', "create",  NULL,     WORD_BRIDGE,    false, text_bridge)    \
	X(LINK_ADD,       '+', "create",  NULL,     WORD_LINK,      false, text_link)      \
	X(LINK_SET,       '~', "change",  NULL,     WORD_INTERFACE, false, text_link_set)  \
	X(QDISC_SET,      '~', "change",  NULL,     WORD_LINK,      false, text_impair)    /* a link end's egress impairments, in place */ \
	X(ADDR_ADD,       '+', "add",     NULL,     WORD_ADDRESS,   false, text_addr)      \
	X(SYSCTL_SET,     '~', "set",     NULL,     WORD_SYSCTL,    false, text_sysctl)    \
	X(NAT_ADD,        '+', "create",  NULL,     WORD_NAT,       true,  text_nat_rule)  /* the node's NAT table is rewritten once, whichever of these come */ \
	X(NAT_DEL_RULE,   '-', "delete",  NULL,     WORD_NAT,       true,  text_nat_rule)  \
	X(NAT_REWRITE,    '~', "change",  NULL,     WORD_NAT,       true,  text_nat_table) /* same rule texts, but chains, rule bodies or order edited */ \
	X(UPLINK_SET,     '?', "create",  "change", WORD_UPLINK,    true,  text_uplink)    \
	X(FILE_SET,       '?', "create",  "change", WORD_FILE,      true,  text_file)      \
	X(ROUTE_DEL,      '-', "delete",  NULL,     WORD_ROUTE,     true,  text_route)     \
	X(ADDR_DEL,       '-', "delete",  NULL,     WORD_ADDRESS,   true,  text_addr)      \
	X(LINK_DEL,       '-', "delete",  NULL,     WORD_LINK,      true,  text_link)      \
	X(BRIDGE_DEL,     '-', "delete",  NULL,     WORD_BRIDGE,    true,  text_bridge)    \
	X(ROUTE_ADD,      '+', "add",     NULL,     WORD_ROUTE,     false, text_route)     /* after the deletions: the gateway resolves through what stays */ \
	X(ROUTE_REPLACE,  '~', "replace", NULL,     WORD_ROUTE,     false, text_route_replace) \
	X(ROUTE_READD,    '+', "add",     NULL,     WORD_ROUTE,     false, text_route)     /* one the kernel drops with an interface or address of this plan */ \
	X(NAT_TABLE_DEL,  '-', "delete",  NULL,     WORD_NAT,       true,  text_nat_table) \
	X(UPLINK_DEL,     '-', "delete",  NULL,     WORD_UPLINK,    true,  text_uplink_del) \
	X(FILE_DEL,       '-', "delete",  NULL,     WORD_FILE,      true,  text_file)      \
	X(NODE_DEL,       '-', "delete",  NULL,     WORD_NODE,      true,  text_node)      \
	X(DAEMONS_START,  '?', "start",   NULL,     WORD_DAEMONS,   true,  text_daemons)   /* the node's daemons, stopped first if some run (restart) */ \
	X(DAEMONS_RELOAD, '~', "reload",  NULL,     WORD_DAEMONS,   true,  text_daemons)   /* BIRD reads its changed configuration again */ \
	X(EXEC_RUN,       '?', "run",     NULL,     WORD_EXEC,      true,  text_exec)      /* the node's exec: lines, after ending what the previous ones left */ \
	X(LAB_DIR_DEL,    '-', "delete",  NULL,     WORD_FILE,      true,  text_lab_dir)

/* The objects, in the order the summary line counts them. */
#define PLAN_WORDS(W) W(NODE, "node") W(BRIDGE, "bridge") W(LINK, "link") W(INTERFACE, "interface") \
	W(ADDRESS, "address") W(SYSCTL, "sysctl") W(ROUTE, "route") W(NAT, "nat") W(UPLINK, "uplink") \
	W(FILE, "file") W(DAEMONS, "daemons") W(EXEC, "exec")

#endif
