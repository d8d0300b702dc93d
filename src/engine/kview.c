/* kview.c - the kernel as one command sees it; see kview.h. */
#include "kview.h"
#include "arena.h"
#include "nl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct kview {
	struct arena arena; /* the knodes, names and collision texts */
	struct strmap by_node; /* namespace name ("" for the host's) -> struct knode * */
	struct knode **nodes;
	size_t n_nodes, cap_nodes;
	struct kcollision *collisions;
	size_t n_collisions, cap_collisions;
};

struct kview *kview_new(void)
{
	return xcalloc(1, sizeof(struct kview));
}

void kview_free(struct kview *kv)
{
	if (!kv)
		return;
	for (size_t i = 0; i < kv->n_nodes; i++) {
		strmap_free(&kv->nodes[i]->ifindex);
		netns_close(&kv->nodes[i]->ns);
	}
	strmap_free(&kv->by_node);
	arena_free(&kv->arena);
	free(kv);
}

struct knode *kview_node(struct kview *kv, const char *netns)
{
	return strmap_get(&kv->by_node, netns ? netns : "");
}

struct knode *kview_add(struct kview *kv, const char *netns, struct netns *ns)
{
	struct knode *kn = arena_alloc(&kv->arena, sizeof(*kn));
	kn->ns = *ns;
	netns_track(&kn->ns); /* one of many kept for the whole command: see the descriptor limit */
	*ARENA_PUSH(&kv->arena, kv->nodes, kv->n_nodes, kv->cap_nodes) = kn;
	strmap_put(&kv->by_node, arena_strdup(&kv->arena, netns ? netns : ""), kn);
	return kn;
}

void kview_note_ifindex(struct kview *kv, struct knode *kn, const char *ifname, int ifindex)
{
	strmap_put(&kn->ifindex, arena_strdup(&kv->arena, ifname), (void *)(uintptr_t)ifindex);
}

int kview_ifindex(struct kview *kv, struct knode *kn, const char *ifname, struct nst_err *err)
{
	uintptr_t v = (uintptr_t)strmap_get(&kn->ifindex, ifname);
	if (v)
		return (int)v;
	struct nlr *nl = netns_nl(&kn->ns, err);
	if (!nl)
		return -1;
	int idx = nlr_ifindex(nl, ifname, err);
	if (idx > 0)
		kview_note_ifindex(kv, kn, ifname, idx);
	return idx;
}

void kview_forget_ifindex(struct knode *kn, const char *ifname)
{
	/* strmap has no removal: a zero value reads as "unknown", so the next use asks the kernel. */
	if (strmap_get(&kn->ifindex, ifname))
		strmap_put(&kn->ifindex, ifname, NULL);
}

void kview_collide(struct kview *kv, struct srcloc loc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	struct kcollision *c =
		ARENA_PUSH(&kv->arena, kv->collisions, kv->n_collisions, kv->cap_collisions);
	c->text = arena_strdup(&kv->arena, buf);
	c->loc = loc;
}

size_t kview_n_collisions(const struct kview *kv)
{
	return kv->n_collisions;
}

const struct kcollision *kview_collision(const struct kview *kv, size_t i)
{
	return &kv->collisions[i];
}
