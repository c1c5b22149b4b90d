/* roots.h -- explicit C roots: per-thread shadow stacks of addresses of C variables holding
 * objects. GC_ROOT/GC_UNROOT work on the heap's current root stack (h->rs: the running
 * thread's, switched with the thread; the heap's base stack outside threads).
 * Invariant: a rooted variable stays on its stack until its matching GC_UNROOT, in LIFO order
 * per stack; a minor collection rewrites every rooted variable of every attached stack. */
#ifndef MM_GC_ROOTS_H
#define MM_GC_ROOTS_H

#include <kernel/kernel.h>
#include <mm/heaps/heap.h>

void gc_root_overflow(struct heap *h) __attribute__((noreturn));
void gc_root_mismatch(struct heap *h, obj *slot) __attribute__((noreturn));

static inline void gc_root_push(struct heap *h, obj *slot)
{
	struct gc_rootstack *rs = h->rs;

	if (rs->n >= HEAP_ROOTS_MAX)
		gc_root_overflow(h);
	rs->slots[rs->n++] = slot;
}

static inline void gc_root_pop(struct heap *h, obj *slot)
{
	struct gc_rootstack *rs = h->rs;

#ifdef CONFIG_DEBUG
	if (rs->n == 0 || rs->slots[rs->n - 1] != slot)
		gc_root_mismatch(h, slot);
#else
	(void)slot;
#endif
	rs->n--;
}

/* Roots on the current stack. */
static inline unsigned gc_roots_depth(const struct heap *h) { return h->rs->n; }

/* GC_ROOT(h, x) ... GC_UNROOT(h, x): x (an obj variable) is updated by collections in between. */
#define GC_ROOT(h, x)	gc_root_push((h), &(x))
#define GC_UNROOT(h, x)	gc_root_pop((h), &(x))

/* Root stacks of threads: attach an empty one to the heap (the thread's roots are then
 * collector roots), detach it (empty) when the thread is done. Switch makes rs the current
 * stack (NULL: the heap's base stack); the scheduler calls it when a thread that uses the heap
 * starts running. Owner CPU only. */
void gc_rootstack_attach(struct heap *h, struct gc_rootstack *rs);
void gc_rootstack_detach(struct heap *h, struct gc_rootstack *rs);
static inline void gc_rootstack_switch(struct heap *h, struct gc_rootstack *rs)
{
	h->rs = rs ? rs : &h->base_roots;
}

/* Call fn on every rooted slot of every stack (the collector's entry point). */
void gc_roots_visit(struct heap *h, void (*fn)(struct heap *h, obj *slot));

#endif
