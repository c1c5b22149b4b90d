/* roots.c -- the shadow stack's slow paths and the collector's walk over it (see roots.h). */
#include <kernel/kernel.h>

#include "roots.h"

void gc_root_overflow(struct heap *h)
{
	panic("gc: more than %u C roots on the heap of cpu %u", (unsigned)HEAP_ROOTS_MAX, h->cpu);
}

void gc_root_mismatch(struct heap *h, obj *slot)
{
	panic("gc: GC_UNROOT(%p) out of order on cpu %u (top is %p)", (void *)slot, h->cpu,
	      h->nroots ? (void *)h->roots[h->nroots - 1] : NULL);
}

void gc_roots_visit(struct heap *h, void (*fn)(struct heap *h, obj *slot))
{
	for (unsigned i = 0; i < h->nroots; i++)
		fn(h, h->roots[i]);
}
