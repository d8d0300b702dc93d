/* impair.c - impairment values; see impair.h.
 * Units follow tc(8): time in s/ms/us, rates in bit or byte (bps) forms with SI or IEC
 * prefixes, probabilities in percent. */
#include "impair.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const impair_keys[] = { "delay",   "jitter",  "loss", "corrupt", "duplicate",
				    "reorder", "rate",    "limit", NULL };
static const unsigned key_bits[] = { IMP_DELAY,   IMP_JITTER, IMP_LOSS, IMP_CORRUPT, IMP_DUPLICATE,
				     IMP_REORDER, IMP_RATE,   IMP_LIMIT };

static int key_index(const char *key)
{
	for (int i = 0; impair_keys[i]; i++)
		if (strcmp(impair_keys[i], key) == 0)
			return i;
	return -1;
}

bool impair_is_key(const char *key)
{
	return key_index(key) >= 0;
}

/* A non-negative decimal number and where its unit starts. */
static bool number(const char *s, double *v, const char **unit)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || !isfinite(*v) || *v < 0)
		return false;
	*unit = end;
	return true;
}

static bool parse_time(const char *s, uint32_t *us)
{
	static const struct { const char *u; double mul; } units[] = {
		{ "s", 1e6 }, { "sec", 1e6 }, { "ms", 1e3 }, { "msec", 1e3 }, { "us", 1 }, { "usec", 1 },
	};
	double v;
	const char *unit;
	if (!number(s, &v, &unit))
		return false;
	if (!*unit && v == 0) {
		*us = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].u) != 0)
			continue;
		double t = v * units[i].mul;
		if (t > IMPAIR_TIME_MAX_US)
			return false;
		*us = (uint32_t)llround(t);
		return true;
	}
	return false;
}

static bool parse_percent(const char *s, uint32_t *prob)
{
	double v;
	const char *unit;
	if (!number(s, &v, &unit) || (strcmp(unit, "%") != 0 && !(!*unit && v == 0)) || v > 100)
		return false;
	*prob = (uint32_t)llround(v / 100.0 * 4294967295.0);
	return true;
}

/* Bits per second (or, with the bps forms, bytes) as tc(8) reads a rate. */
static bool parse_rate(const char *s, uint64_t *bytes, bool *too_small)
{
	static const struct { const char *u; double bits; } units[] = {
		{ "bit", 1 },		{ "kbit", 1e3 },	  { "mbit", 1e6 },	    { "gbit", 1e9 },
		{ "tbit", 1e12 },	{ "kibit", 1024.0 },	  { "mibit", 1048576.0 },  { "gibit", 1073741824.0 },
		{ "tibit", 1099511627776.0 },
		{ "bps", 8 },		{ "kbps", 8e3 },	  { "mbps", 8e6 },	    { "gbps", 8e9 },
		{ "tbps", 8e12 },	{ "kibps", 8 * 1024.0 }, { "mibps", 8 * 1048576.0 },
		{ "gibps", 8 * 1073741824.0 }, { "tibps", 8 * 1099511627776.0 },
	};
	double v;
	const char *unit;
	*too_small = false;
	if (!number(s, &v, &unit))
		return false;
	if (!*unit && v == 0) {
		*bytes = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].u) != 0)
			continue;
		double b = v * units[i].bits / 8;
		if (b > (double)IMPAIR_RATE_MAX_BYTES)
			return false;
		if (v > 0 && b < 1) {
			*too_small = true;
			return false;
		}
		*bytes = (uint64_t)llround(b);
		return true;
	}
	return false;
}

bool impair_parse(struct topo_impair *im, const char *key, const char *value, char *why, size_t len)
{
	int k = key_index(key);
	if (k < 0) {
		snprintf(why, len, "unknown impairment '%s' (one of delay, jitter, loss, corrupt, "
			 "duplicate, reorder, rate, limit)", key);
		return false;
	}
	unsigned bit = key_bits[k];
	bool nonzero = false, ok = false, small = false;
	switch (bit) {
	case IMP_DELAY:
	case IMP_JITTER: {
		uint32_t *t = bit == IMP_DELAY ? &im->delay_us : &im->jitter_us;
		ok = parse_time(value, t);
		nonzero = ok && *t;
		if (!ok)
			snprintf(why, len, "invalid %s '%s' (a time up to 60s, like 40ms, 500us or 1s)",
				 key, value);
		break;
	}
	case IMP_LOSS:
	case IMP_CORRUPT:
	case IMP_DUPLICATE:
	case IMP_REORDER: {
		uint32_t *p = bit == IMP_LOSS ? &im->loss : bit == IMP_CORRUPT ? &im->corrupt :
			      bit == IMP_DUPLICATE ? &im->duplicate : &im->reorder;
		ok = parse_percent(value, p);
		nonzero = ok && *p;
		if (!ok)
			snprintf(why, len, "invalid %s '%s' (a percentage from 0%% to 100%%, like 1%% or 0.5%%)",
				 key, value);
		break;
	}
	case IMP_RATE:
		ok = parse_rate(value, &im->rate, &small);
		nonzero = ok && im->rate;
		if (!ok && small)
			snprintf(why, len, "rate '%s' is below the least the kernel can shape to (8bit)",
				 value);
		else if (!ok)
			snprintf(why, len, "invalid rate '%s' (a number with a unit as tc takes it, like "
				 "10mbit, 512kbit or 1mbps; at most 34gbit)", value);
		break;
	case IMP_LIMIT: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(value, &end, 10);
		ok = *value >= '0' && *value <= '9' && !*end && !errno && v <= UINT32_MAX;
		if (ok)
			im->limit = (uint32_t)v;
		nonzero = ok && v;
		if (!ok)
			snprintf(why, len, "invalid limit '%s' (a number of packets)", value);
		break;
	}
	}
	if (!ok)
		return false;
	if (nonzero)
		im->has |= bit;
	else
		im->has &= ~bit;
	return true;
}

static char *value_text(unsigned bit, uint64_t v, char *buf, size_t len);

bool impair_check(const struct topo_impair *im, char *why, size_t len, char *warn, size_t wlen)
{
	if (warn && wlen)
		warn[0] = '\0';
	if ((im->has & IMP_JITTER) && !(im->has & IMP_DELAY)) {
		snprintf(why, len, "jitter varies a delay: it needs 'delay'");
		return false;
	}
	if ((im->has & IMP_REORDER) && !(im->has & IMP_DELAY)) {
		/* netem sends the reordered packets at once and delays the others (tc says the same). */
		snprintf(why, len, "reorder sends some packets ahead of delayed ones: it needs 'delay'");
		return false;
	}
	if ((im->has & IMP_JITTER) && im->jitter_us > im->delay_us && warn) {
		char j[32], dl[32];
		snprintf(warn, wlen, "jitter %s is larger than the delay %s: netem cuts delays at "
			 "zero and packets arrive out of order", value_text(IMP_JITTER, im->jitter_us, j, sizeof(j)),
			 value_text(IMP_DELAY, im->delay_us, dl, sizeof(dl)));
	}
	return true;
}

void impair_merge(struct topo_impair *base, const struct topo_impair *over)
{
	unsigned h = over->has;
	if (h & IMP_DELAY)
		base->delay_us = over->delay_us;
	if (h & IMP_JITTER)
		base->jitter_us = over->jitter_us;
	if (h & IMP_LOSS)
		base->loss = over->loss;
	if (h & IMP_CORRUPT)
		base->corrupt = over->corrupt;
	if (h & IMP_DUPLICATE)
		base->duplicate = over->duplicate;
	if (h & IMP_REORDER)
		base->reorder = over->reorder;
	if (h & IMP_RATE)
		base->rate = over->rate;
	if (h & IMP_LIMIT)
		base->limit = over->limit;
	base->has |= h;
}

/* The value of key k as the kernel would act on it; unset is 0 (the limit: the default). */
static uint64_t value_of(const struct topo_impair *im, unsigned bit)
{
	static const struct topo_impair none = { 0 };
	if (!im)
		im = &none;
	bool set = im->has & bit;
	switch (bit) {
	case IMP_DELAY: return set ? im->delay_us : 0;
	case IMP_JITTER: return set ? im->jitter_us : 0;
	case IMP_LOSS: return set ? im->loss : 0;
	case IMP_CORRUPT: return set ? im->corrupt : 0;
	case IMP_DUPLICATE: return set ? im->duplicate : 0;
	case IMP_REORDER: return set ? im->reorder : 0;
	case IMP_RATE: return set ? im->rate : 0;
	default: return set ? im->limit : IMPAIR_LIMIT_DEFAULT;
	}
}

static bool other(const struct topo_impair *im)
{
	return im && (im->root == IQ_OTHER || im->leaf == IQ_OTHER);
}

static bool key_equal(const struct topo_impair *a, const struct topo_impair *b, unsigned bit)
{
	uint64_t x = value_of(a, bit), y = value_of(b, bit);
	/* Times go through the kernel's 64 ns ticks and back: a microsecond either way is equal. */
	if (bit == IMP_DELAY || bit == IMP_JITTER)
		return x + 1 >= y && y + 1 >= x;
	return x == y;
}

bool impair_equal(const struct topo_impair *a, const struct topo_impair *b)
{
	if (other(a) || other(b))
		return false;
	for (int i = 0; impair_keys[i]; i++)
		if (!key_equal(a, b, key_bits[i]))
			return false;
	return true;
}

static char *value_text(unsigned bit, uint64_t v, char *buf, size_t len)
{
	switch (bit) {
	case IMP_DELAY:
	case IMP_JITTER:
		if (v && v % 1000000 == 0)
			snprintf(buf, len, "%llus", (unsigned long long)(v / 1000000));
		else if (v % 1000 == 0)
			snprintf(buf, len, "%llums", (unsigned long long)(v / 1000));
		else
			snprintf(buf, len, "%lluus", (unsigned long long)v);
		break;
	case IMP_RATE: {
		uint64_t bits = v * 8;
		if (bits && bits % 1000000000 == 0)
			snprintf(buf, len, "%llugbit", (unsigned long long)(bits / 1000000000));
		else if (bits && bits % 1000000 == 0)
			snprintf(buf, len, "%llumbit", (unsigned long long)(bits / 1000000));
		else if (bits && bits % 1000 == 0)
			snprintf(buf, len, "%llukbit", (unsigned long long)(bits / 1000));
		else
			snprintf(buf, len, "%llubit", (unsigned long long)bits);
		break;
	}
	case IMP_LIMIT:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	default:
		snprintf(buf, len, "%.4g%%", (double)v * 100.0 / 4294967295.0);
	}
	return buf;
}

static void append(char *buf, size_t len, size_t *at, const char *a, const char *b, const char *c)
{
	if (*at >= len)
		return;
	int n = snprintf(buf + *at, len - *at, "%s%s%s", a, b, c);
	if (n > 0)
		*at += (size_t)n;
}

char *impair_text(const struct topo_impair *im, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	if (other(im)) {
		append(buf, len, &at, "qdisc ", im->other, "");
		return buf;
	}
	for (int i = 0; im && impair_keys[i]; i++) {
		char v[32];
		if (!(im->has & key_bits[i]))
			continue;
		append(buf, len, &at, at ? " " : "", impair_keys[i], " ");
		append(buf, len, &at, value_text(key_bits[i], value_of(im, key_bits[i]), v, sizeof(v)),
		       "", "");
	}
	return buf;
}

char *impair_diff_text(const struct topo_impair *old, const struct topo_impair *want, char *buf,
		       size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	if (other(old)) {
		char w[256];
		impair_text(want, w, sizeof(w));
		append(buf, len, &at, "qdisc ", old->other, " -> ");
		append(buf, len, &at, w[0] ? w : "none", "", "");
		return buf;
	}
	for (int i = 0; impair_keys[i]; i++) {
		unsigned bit = key_bits[i];
		if (key_equal(old, want, bit))
			continue;
		char o[32], w[64], line[96];
		bool oset = old && (old->has & bit), wset = want && (want->has & bit);
		snprintf(w, sizeof(w), "%s", wset ? value_text(bit, value_of(want, bit), o, sizeof(o)) : "none");
		snprintf(line, sizeof(line), "%s -> %s",
			 oset ? value_text(bit, value_of(old, bit), o, sizeof(o)) : "none", w);
		append(buf, len, &at, at ? ", " : "", impair_keys[i], " ");
		append(buf, len, &at, line, "", "");
	}
	return buf;
}

void impair_shape(const struct topo_impair *im, enum impair_qdisc *root, enum impair_qdisc *leaf)
{
	unsigned h = im ? im->has : 0;
	*root = *leaf = IQ_NONE;
	if (h & IMP_RATE) {
		*root = IQ_HTB;
		*leaf = (h & IMP_NETEM) ? IQ_NETEM : (h & IMP_LIMIT) ? IQ_PFIFO : IQ_NONE;
	} else if (h & IMP_NETEM) {
		*root = IQ_NETEM;
	} else if (h & IMP_LIMIT) {
		*root = IQ_PFIFO;
	}
}
