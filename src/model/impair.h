/* impair.h - a link end's egress impairments (delay, jitter, loss, rate, ...) as values: parsed
 * from the file's or the command line's words, checked, compared and printed. kernel/qdisc.c
 * turns them into qdiscs and back; load_impair.c reads them from YAML. */
#ifndef NSTOPO_IMPAIR_H
#define NSTOPO_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	IMP_DELAY = 1u << 0,
	IMP_JITTER = 1u << 1,
	IMP_LOSS = 1u << 2,
	IMP_CORRUPT = 1u << 3,
	IMP_DUPLICATE = 1u << 4,
	IMP_REORDER = 1u << 5,
	IMP_RATE = 1u << 6,
	IMP_LIMIT = 1u << 7,
	/* What only sch_netem does. */
	IMP_NETEM = IMP_DELAY | IMP_JITTER | IMP_LOSS | IMP_CORRUPT | IMP_DUPLICATE | IMP_REORDER,
};

enum {
	IMPAIR_TIME_MAX_US = 60u * 1000 * 1000, /* delay and jitter: one minute */
	/* HTB's rate is 32 bits of bytes per second here (libnl's rtnl_htb_set_rate). */
	IMPAIR_LIMIT_DEFAULT = 1000, /* netem's and a veth's pfifo queue: an unset limit */
};
#define IMPAIR_RATE_MAX_BYTES 4294967295ull /* ~34.3 gbit */

/* How the kernel holds it (kernel/qdisc.c): the root qdisc, and under HTB the leaf's. */
enum impair_qdisc { IQ_NONE, IQ_NETEM, IQ_HTB, IQ_PFIFO, IQ_OTHER };

struct topo_impair {
	unsigned has; /* IMP_*: a key absent or 0 is no impairment of that kind */
	uint32_t delay_us, jitter_us;
	/* netem's probabilities: percent scaled to 0..UINT32_MAX, as the kernel keeps them. */
	uint32_t loss, corrupt, duplicate, reorder;
	uint64_t rate;  /* bytes per second */
	uint32_t limit; /* packets */
	/* Filled by observe only: the qdiscs found (IQ_OTHER: not a shape nstopo makes). */
	enum impair_qdisc root, leaf;
	char other[32]; /* IQ_OTHER: what was found, "tbf", for diff */
	struct srcloc loc;
};

/* The keys, in the order they print; NULL-terminated. */
extern const char *const impair_keys[];
bool impair_is_key(const char *key);

/* One key's value ("40ms", "1%", "10mbit", "100"), the file's and the command line's form, into
 * im. On failure returns false with why ("a duration like 40ms, 500us or 1s"). A zero value
 * clears the key. */
bool impair_parse(struct topo_impair *im, const char *key, const char *value, char *why,
		  size_t len);
/* Rules between keys (jitter and reorder need a delay): false with why. warn: a valid but
 * surprising combination (jitter above the delay reorders packets), "" when none. */
bool impair_check(const struct topo_impair *im, char *why, size_t len, char *warn, size_t wlen);
/* Keys set in over replace those in base. */
void impair_merge(struct topo_impair *base, const struct topo_impair *over);

/* Same effect in the kernel (an unset limit is the default queue; times to the microsecond). */
bool impair_equal(const struct topo_impair *a, const struct topo_impair *b);
/* "delay 40ms jitter 5ms loss 1% rate 10mbit", "" when empty. */
char *impair_text(const struct topo_impair *im, char *buf, size_t len);
/* The keys that differ, "delay 40ms -> 80ms, loss none -> 1%"; old may be NULL. */
char *impair_diff_text(const struct topo_impair *old, const struct topo_impair *want, char *buf,
		       size_t len);
/* The qdisc shape that makes im: root and (under HTB) leaf. */
void impair_shape(const struct topo_impair *im, enum impair_qdisc *root, enum impair_qdisc *leaf);

#endif
