/* inspect.c -- the owner's walk of its groups for the memory inspector (inspect.h), and the
 * one-slot mailbox (heap.inspect_req) through which other CPUs ask for it. A request belongs to
 * whoever holds it: the requester until the owner exchanges it out of the slot, then the owner
 * until it sets done; a requester that gives up takes it back out of the slot by
 * compare-and-swap, or, if the owner got there first, waits for done. */
#include <arch.h>
#include <kernel/kernel.h>

#include "inspect.h"
#include "xheap.h"

#define WORD	sizeof(uintptr_t)

/* Shared objects of g, and how many of them have a remote count: one pass over the shared
 * bitmap, a count lookup (the owner's xlock, one hold each) per shared object. */
static size_t count_shared(struct heap_group *g, struct gc_group_info *gi)
{
	size_t work = HEAP_MARK_WORDS;

	for (size_t w = 0; w < HEAP_MARK_WORDS; w++) {
		uintptr_t bits = arch_atomic_load_relaxed(&g->shared[w]);

		while (bits != 0) {
			unsigned b = (unsigned)__builtin_ctzl(bits);
			obj o = (obj)((uintptr_t)g + (w * HEAP_WORD_BITS + b) * WORD);

			bits &= bits - 1;
			gi->shared++;
			if (gc_remote_count(o) > 0)
				gi->counted++;
			work++;
		}
	}
	return work;
}

void gc_inspect_groups(struct heap *h, struct gc_inspect_req *req)
{
	struct heap_group *lists[2] = { h->small_first, h->large };
	size_t i = 0, work = 0;

	req->n = 0;
	req->total = h->old_groups;
	req->major_cycles = h->stats.major_cycles;
	for (int l = 0; l < 2; l++) {
		for (struct heap_group *g = lists[l]; g != NULL; g = g->next, i++) {
			struct gc_group_info *gi;

			if (i < req->first)
				continue;	/* a pointer chase each: not counted */
			if (req->n == req->max || (req->n > 0 && work >= GC_MAJOR_STEP_WORDS))
				goto out;
			gi = &req->out[req->n++];
			gi->addr = (uintptr_t)g;
			gi->kind = g->kind;
			gi->size = g->size;
			gi->used = (uintptr_t)g->top - (uintptr_t)heap_group_objects(g);
			gi->live = g->live_bytes;
			gi->live_cycle = g->live_cycle;
			gi->shared = 0;
			gi->counted = 0;
			work += count_shared(g, gi);
		}
	}
out:
	if (i > req->total)
		req->total = i;	/* (old_groups lags a group being added) */
	arch_atomic_store(&req->done, 1u);
}

void gc_inspect_poll(struct heap *h)
{
	struct gc_inspect_req *req;

	if (arch_atomic_load_relaxed(&h->inspect_req) == NULL)
		return;	/* the common case: one load */
	req = arch_atomic_xchg(&h->inspect_req, NULL);
	if (req != NULL)
		gc_inspect_groups(h, req);
}

int gc_inspect_request(struct heap *self, struct heap *v, struct gc_inspect_req *req,
		       unsigned timeout_ms)
{
	uint64_t end = arch_cycles() + (uint64_t)timeout_ms * (arch_cycles_per_sec() / 1000);
	bool posted = false;

	req->done = 0;
	if (v == self) {
		gc_inspect_groups(v, req);
		return 0;
	}
	while (!arch_atomic_load(&req->done)) {
		if (!posted) {
			struct gc_inspect_req *none = NULL;

			posted = __atomic_compare_exchange_n(&v->inspect_req, &none, req, false,
							     __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
		}
		if (arch_cycles() > end) {
			struct gc_inspect_req *mine = req;

			if (!posted || __atomic_compare_exchange_n(&v->inspect_req, &mine, NULL, false,
								   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				return -1;	/* never taken */
			while (!arch_atomic_load(&req->done))	/* taken: being answered */
				arch_cpu_relax();
			break;
		}
		gc_safepoint(self);	/* answer others meanwhile (two CPUs may ask each other) */
		arch_cpu_relax();
	}
	return 0;
}
