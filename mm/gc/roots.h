/* roots.h -- explicit C roots: a shadow stack per heap of addresses of C variables holding objects.
 * Invariant: a rooted variable stays on the stack until its matching GC_UNROOT, in LIFO order; a
 * minor collection rewrites each rooted variable to the object's new address. */
#ifndef MM_GC_ROOTS_H
#define MM_GC_ROOTS_H

#include <kernel/kernel.h>
#include <mm/heaps/heap.h>

void gc_root_overflow(struct heap *h) __attribute__((noreturn));
void gc_root_mismatch(struct heap *h, obj *slot) __attribute__((noreturn));

static inline void gc_root_push(struct heap *h, obj *slot)
{
	if (h->nroots >= HEAP_ROOTS_MAX)
		gc_root_overflow(h);
	h->roots[h->nroots++] = slot;
}

static inline void gc_root_pop(struct heap *h, obj *slot)
{
#ifdef CONFIG_DEBUG
	if (h->nroots == 0 || h->roots[h->nroots - 1] != slot)
		gc_root_mismatch(h, slot);
#else
	(void)slot;
#endif
	h->nroots--;
}

/* GC_ROOT(h, x) ... GC_UNROOT(h, x): x (an obj variable) is updated by collections in between. */
#define GC_ROOT(h, x)	gc_root_push((h), &(x))
#define GC_UNROOT(h, x)	gc_root_pop((h), &(x))

/* Call fn on every rooted slot (the collector's entry point). */
void gc_roots_visit(struct heap *h, void (*fn)(struct heap *h, obj *slot));

#endif
