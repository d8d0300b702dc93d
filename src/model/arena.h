/* arena.h - bump allocation for everything a lab model owns, freed in one call.
 * Growth of arrays inside an arena goes through ARENA_PUSH; allocation failure aborts. */
#ifndef NSTOPO_ARENA_H
#define NSTOPO_ARENA_H

#include <stddef.h>
#include <string.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t size);     /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *arena_grow(struct arena *a, void *old, size_t elem, size_t n, size_t *cap);
void arena_free(struct arena *a);

/* Append one zeroed element to the array (ptr, n) with capacity cap; yields the new element. */
#define ARENA_PUSH(a, ptr, n, cap)                                                   \
	((ptr) = arena_grow((a), (ptr), sizeof(*(ptr)), (n), &(cap)), &(ptr)[(n)++])

/* Process-wide helpers that abort on allocation failure (nothing useful survives OOM here). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
