/* remset.c -- the remembered set: a sequential store buffer of old slot addresses (see barrier.h).
 * Entries may repeat or go stale (the slot was overwritten since); the minor collection only
 * acts on slots that still hold young pointers. The cache never names a slot absent from the
 * buffer: it is cleared whenever entries are dropped. */
#include <kernel/kernel.h>

#include "barrier.h"
#include "gc.h"

static void cache_clear(struct heap *h)
{
	memset(h->remset_cache, 0, sizeof(h->remset_cache));
}

/* Keep only the entries whose slot holds a young pointer now. */
static void compact(struct heap *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->remset_len; i++)
		if (heap_young_p(h, *h->remset[i]))
			h->remset[n++] = h->remset[i];
	h->remset_len = n;
	cache_clear(h);
}

/* Double the buffer, up to an eighth of the old generation's bytes (beyond that, scanning the
 * old generation is the cheaper minor collection). Not inside a collection: the block source is
 * not called there. */
static bool grow(struct heap *h)
{
	size_t cap = 2 * h->remset_cap, bytes = cap * sizeof(obj *);
	obj **b;

	if (h->in_gc || bytes > MAX(h->old_bytes / 8, (size_t)GC_REMSET_BYTES))
		return false;
	b = heap_src_alloc(h, bytes);
	if (b == NULL)
		return false;
	memcpy(b, h->remset, h->remset_len * sizeof(obj *));
	heap_src_free(h, h->remset, h->remset_cap * sizeof(obj *));
	h->remset = b;
	h->remset_cap = cap;
	h->stats.remset_grown++;
	return true;
}

void gc_remset_add(struct heap *h, obj *slot)
{
	if (h->remset_overflow)
		return;
	if (h->remset_len == h->remset_cap) {
		compact(h);
		if (h->remset_len > h->remset_cap / 2 && !grow(h)) {
			/* mostly live and no room to grow: give up on precision until the next minor
			 * collection, which scans the whole old generation */
			h->remset_overflow = true;
			h->remset_len = 0;
			h->nursery_limit = h->nursery_top;
			return;
		}
	}
	h->remset[h->remset_len++] = slot;
	h->remset_cache[(unsigned)((uintptr_t)slot / sizeof(obj)) % GC_REMSET_CACHE] = slot;
	/* A minor collection's pause grows with its entries: past one block's worth, collect at the
	 * next allocation (or the next safe point, gc_mutator_poll), not at the nursery's end. */
	if (h->remset_len >= GC_REMSET_ENTRIES)
		h->nursery_limit = h->nursery_top;
}

void gc_remset_drain(struct heap *h, void (*fn)(struct heap *h, obj *slot))
{
	for (size_t i = 0; i < h->remset_len; i++)
		fn(h, h->remset[i]);
	h->remset_len = 0;
	cache_clear(h);
}

bool gc_remset_contains(const struct heap *h, const obj *slot)
{
	for (size_t i = 0; i < h->remset_len; i++)
		if (h->remset[i] == slot)
			return true;
	return false;
}
