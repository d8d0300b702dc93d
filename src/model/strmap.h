/* strmap.h - an open-addressing hash map from NUL-terminated strings to pointers.
 * Keys are borrowed (they must outlive the map); used for name lookups in hot paths. */
#ifndef NSTOPO_STRMAP_H
#define NSTOPO_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char *key;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t n, cap; /* cap is 0 or a power of two */
};

/* Returns the previous value for key, or NULL when the key was new (then key is kept). */
void *strmap_put(struct strmap *m, const char *key, void *value);
void *strmap_get(const struct strmap *m, const char *key);
void strmap_free(struct strmap *m);

#endif
