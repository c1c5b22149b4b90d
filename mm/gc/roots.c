/* roots.c -- the root stacks' slow paths and the collector's walk over them (see roots.h). */
#include <kernel/kernel.h>

#include "roots.h"

void gc_root_overflow(struct heap *h)
{
	panic("gc: more than %u C roots on one root stack of the heap of cpu %u",
	      (unsigned)HEAP_ROOTS_MAX, h->cpu);
}

void gc_root_mismatch(struct heap *h, obj *slot)
{
	struct gc_rootstack *rs = h->rs;

	panic("gc: GC_UNROOT(%p) out of order on cpu %u (top is %p)", (void *)slot, h->cpu,
	      rs->n ? (void *)rs->slots[rs->n - 1] : NULL);
}

void gc_rootstack_attach(struct heap *h, struct gc_rootstack *rs)
{
	rs->n = 0;
	rs->next = h->rootstacks;
	h->rootstacks = rs;
}

void gc_rootstack_detach(struct heap *h, struct gc_rootstack *rs)
{
	struct gc_rootstack **pp = &h->rootstacks;

	kassert(rs->n == 0 && rs != &h->base_roots);
	while (*pp != rs)
		pp = &(*pp)->next;
	*pp = rs->next;
	if (h->rs == rs)
		h->rs = &h->base_roots;
}

void gc_roots_visit(struct heap *h, void (*fn)(struct heap *h, obj *slot))
{
	for (struct gc_rootstack *rs = h->rootstacks; rs; rs = rs->next)
		for (unsigned i = 0; i < rs->n; i++)
			fn(h, rs->slots[i]);
}
