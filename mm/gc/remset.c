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

void gc_remset_add(struct heap *h, obj *slot)
{
	if (h->remset_overflow)
		return;
	if (h->remset_len == h->remset_cap) {
		compact(h);
		if (h->remset_len > h->remset_cap / 2) {
			/* mostly live: give up on precision until the next minor collection */
			h->remset_overflow = true;
			h->remset_len = 0;
			h->nursery_limit = h->nursery_top;
			return;
		}
	}
	h->remset[h->remset_len++] = slot;
	h->remset_cache[(unsigned)((uintptr_t)slot / sizeof(obj)) % GC_REMSET_CACHE] = slot;
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
