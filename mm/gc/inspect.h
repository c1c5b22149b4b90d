/* inspect.h -- the memory inspector's view of one heap's groups (heap-map), taken by the heap's
 * owner: directly for its own heap, else at its next safe point on a request posted by another
 * CPU (never a walk of another CPU's groups: they come and go with its sweep). A request is
 * answered in bounded work, about one major step (GC_MAJOR_STEP_WORDS); a heap larger than
 * that is read in several requests, so the groups of one answer are not one snapshot. */
#ifndef MM_GC_INSPECT_H
#define MM_GC_INSPECT_H

#include <mm/heaps/heap.h>

/* One group, as its owner saw it. */
struct gc_group_info {
	uintptr_t addr;		/* the group's address (its identity while it lives) */
	uintptr_t kind;		/* enum heap_group_kind */
	uintptr_t size;		/* bytes of the block, header included */
	uintptr_t used;		/* bytes of objects and free chunks: from the first object to top */
	uintptr_t live;		/* bytes its last sweep kept (live_cycle != 0) */
	uintptr_t live_cycle;	/* the major cycle of that sweep; 0: born since, never swept */
	uintptr_t shared;	/* its objects with the shared bit set */
	uintptr_t counted;	/* of them, those with a remote count (references from other heaps) */
};

/* A request: groups [first, first + max) of the heap's small list then its large list. The
 * owner fills out[0..n), total and done; the requester keeps out and the request alive (and
 * still) until done. */
struct gc_inspect_req {
	struct gc_group_info *out;
	size_t first;
	size_t max;
	size_t n;		/* filled */
	size_t total;		/* groups in the heap (small + large) when it answered */
	uint64_t major_cycles;	/* its stats.major_cycles then (live_cycle's clock) */
	unsigned done;		/* atomic: set (release) by the owner after the rest */
};

/* Fill req from h: h's owner only. Stops after about GC_MAJOR_STEP_WORDS words of work (at
 * least one group), or at req->max. */
void gc_inspect_groups(struct heap *h, struct gc_inspect_req *req);
/* Ask v's owner to fill req at its next safe point, passing self's own safe points meanwhile
 * (self is the caller's heap: every object the caller holds must be rooted). v == self: at
 * once. 0 when req is done; -1 if v's owner did not take it within timeout_ms (then it never
 * will). */
int gc_inspect_request(struct heap *self, struct heap *v, struct gc_inspect_req *req,
		       unsigned timeout_ms);
/* gc_safepoint's part: answer a posted request. */
void gc_inspect_poll(struct heap *h);

#endif
