/* barrier.h -- the write barrier and the remembered set it feeds.
 * Owns invariant G3 (gc.h): every store of a young pointer into an old object goes through
 * gc_write, which records the slot's address in the heap's remembered set: a sequential store
 * buffer of slot addresses, filtered by a small direct-mapped cache of recently added slots.
 * Also the snapshot barrier of major marking (G7). */
#ifndef MM_GC_BARRIER_H
#define MM_GC_BARRIER_H

#include <mm/gc/xheap.h>
#include <mm/heaps/heap.h>
#include <mm/gc/xtrace.h>

/* Record slot (inside an old object) as possibly holding a young pointer. Never fails: when the
 * buffer is full of live entries it doubles (up to old_bytes / 8); past GC_REMSET_ENTRIES
 * entries a minor collection is due at the next allocation or safe point, so a minor pause
 * scans a bounded set. Only when it cannot grow does it set remset_overflow and force a minor
 * collection at the next allocation, which then scans the whole old generation. */
void gc_remset_add(struct heap *h, obj *slot);
/* Call fn on every remembered slot, then empty the set (the minor collection's entry point). */
void gc_remset_drain(struct heap *h, void (*fn)(struct heap *h, obj *slot));
/* Is slot in the remembered set? (for gc_verify; linear) */
bool gc_remset_contains(const struct heap *h, const obj *slot);

/* Major marking's deletion barrier (mm/gc/major.c): mark o gray if it is a white old object. */
void gc_major_shade(struct heap *h, obj o);


/*
 * holder.fields[i] = value, for holder a heap object and i < its number of pointer fields.
 * - While a major cycle marks, the overwritten value is shaded first (snapshot at the
 *   beginning: every object reachable when marking started gets marked; G7 in gc.h).
 * - A young value stored into an old holder: the slot is remembered (G3).
 * - Old holders count their references to other heaps' objects (X3 in xheap.h).
 * - A shared or remote holder takes the out-of-line path (atomic, shades for others); value
 *   must be published then (gc_store does that).
 * Young holders are the fast path: nothing to remember or count; the lowest one given a younger
 * value is noted (heap.young_written, for gc_promote_closure).
 */
static inline void gc_write(struct heap *h, obj holder, size_t i, obj value)
{
	obj *slot = &obj_fields(holder)[i];
	obj old;

	if (heap_young_p(h, holder)) {
		if (__builtin_expect(h->major_marking, 0))
			gc_major_shade(h, *slot);
		*slot = value;
		/* a young object now names a younger one: gc_promote_closure scans from it */
		if (value > holder && (uintptr_t *)holder < h->young_written && heap_young_p(h, value))
			h->young_written = (uintptr_t *)holder;
		return;
	}
	struct heap_group *g = heap_group_of((void *)holder);

	if (__builtin_expect(g->owner != h || heap_shared_p((void *)holder), 0)) {
		gc_write_shared(h, holder, i, value);
		return;
	}
	old = *slot;	/* an unshared local object: nobody else writes it */
	XT_HOLDER(holder);
	if (__builtin_expect(h->major_marking, 0))
		gc_major_shade(h, old);
	*slot = value;
	if (heap_young_p(h, value)) {
		unsigned k = (unsigned)((uintptr_t)slot / sizeof(obj)) % GC_REMSET_CACHE;

		if (h->remset_cache[k] != slot)
			gc_remset_add(h, slot);
	} else if (__builtin_expect(gc_remote_p(h, value), 0)) {
		gc_xref_inc(h, value);
	}
	if (__builtin_expect(gc_remote_p(h, old), 0))
		gc_xref_dec(h, old);
}

/* The same for a slot of a stack object (OBJ_T_STACK, a root area): never counted. */
static inline void gc_write_stack(struct heap *h, obj stack, size_t i, obj value)
{
	obj *slot = &obj_fields(stack)[i];

	if (__builtin_expect(h->major_marking, 0))
		gc_major_shade(h, *slot);
	*slot = value;
	if (heap_young_p(h, value) && !heap_young_p(h, stack)) {
		unsigned k = (unsigned)((uintptr_t)slot / sizeof(obj)) % GC_REMSET_CACHE;

		if (h->remset_cache[k] != slot)
			gc_remset_add(h, slot);
	}
}

static inline void gc_set_car(struct heap *h, obj pair, obj v) { gc_write(h, pair, 0, v); }
static inline void gc_set_cdr(struct heap *h, obj pair, obj v) { gc_write(h, pair, 1, v); }
static inline void gc_vector_set(struct heap *h, obj vec, size_t i, obj v) { gc_write(h, vec, i, v); }

#endif
