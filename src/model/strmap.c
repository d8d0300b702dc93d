/* strmap.c - see strmap.h. FNV-1a hashing, linear probing, load factor at most 1/2. */
#include "strmap.h"
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct strmap_slot *find_slot(struct strmap_slot *slots, size_t cap, const char *key)
{
	size_t i = (size_t)hash_str(key) & (cap - 1);
	while (slots[i].key && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void rehash(struct strmap *m, size_t ncap)
{
	struct strmap_slot *ns = xcalloc(ncap, sizeof(*ns));
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find_slot(ns, ncap, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

void *strmap_put(struct strmap *m, const char *key, void *value)
{
	if ((m->n + 1) * 2 > m->cap)
		rehash(m, m->cap ? m->cap * 2 : 16);
	struct strmap_slot *s = find_slot(m->slots, m->cap, key);
	void *old = s->key ? s->value : NULL;
	if (!s->key) {
		m->n++;
		s->key = key; /* an existing key keeps its first pointer */
	}
	s->value = value;
	return old;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct strmap_slot *s = find_slot(m->slots, m->cap, key);
	return s->key ? s->value : NULL;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->n = m->cap = 0;
}
