/* inspect.h -- the memory inspector's views of one heap, taken by the heap's owner: directly
 * for its own heap, else at its next safe point on a request posted by another CPU (never a
 * walk of another CPU's groups or objects: they come and go with its collections). Two kinds:
 * its groups (heap-map) and the holders of one object (referrers). A request is answered in
 * bounded work, about one major step (GC_MAJOR_STEP_WORDS); a heap larger
 * than that is read in several requests, so one answer is not one snapshot. */
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

/* One object found holding the target of a referrers request. */
struct gc_referrer {
	uintptr_t holder;	/* its address */
	uint32_t field;		/* which of its fields holds the target */
	uint8_t type;		/* its OBJ_T_ type */
	uint8_t young;		/* in the nursery */
	uint8_t shared;		/* published */
	uint8_t given;		/* usable as a value by the requester: its own object, or another
				 * heap's shared one pinned for it (gc_pin: the requester keeps it in
				 * a root, then unpins it); safe from the owner's collection in
				 * either case (docs/inspector.md, "referrers") */
};

/* Where a referrers walk stopped: the nursery, then the small groups, then the large ones. A
 * place is taken up again only if it still is an object boundary: the nursery has not been
 * collected since (stamp: minor collections), the small group has not been swept since
 * (stamp: its swept word), the large group is the same one; else that part or group starts
 * over (a holder may then be listed twice: the requester drops repeats). */
struct gc_walk_cursor {
	unsigned part;		/* 0 nursery, 1 small groups, 2 large groups, 3 done */
	size_t index;		/* the group's place in its list */
	uintptr_t group;	/* its address */
	uint64_t stamp;
	uintptr_t swept_to;	/* the group being swept in parts: where its sweep stood */
	size_t word;		/* words from the area's first object (a large group: fields) */
};

enum gc_inspect_kind { GC_INSPECT_GROUPS, GC_INSPECT_REFERRERS };

/* A request. Groups: groups [first, first + max) of the heap's small list then its large list;
 * the owner fills out[0..n), total. Referrers: the objects of the heap whose pointer fields
 * hold target, from cursor on, into refs[0..n) (at most max); the owner advances cursor.
 * Either way the owner sets done last; the requester keeps the buffers and the request alive
 * (and still) until done. */
struct gc_inspect_req {
	unsigned kind;		/* enum gc_inspect_kind */
	struct gc_group_info *out;
	size_t first;
	size_t max;
	size_t n;		/* filled */
	size_t total;		/* groups in the heap (small + large) when it answered */
	uint64_t major_cycles;	/* its stats.major_cycles then (live_cycle's clock) */
	unsigned done;		/* atomic: set (release) by the owner after the rest */
	/* referrers */
	obj target;		/* old (the requester's own young objects are promoted first) */
	bool mine;		/* the requester owns the heap: every holder it finds is its own */
	struct gc_referrer *refs;
	struct gc_walk_cursor cursor;
};

/* Fill req from h: h's owner only. Stops after about GC_MAJOR_STEP_WORDS words of work (at
 * least one group), or at req->max. */
void gc_inspect_groups(struct heap *h, struct gc_inspect_req *req);
/* Fill req (GC_INSPECT_REFERRERS) from h: h's owner only, at a safe point. Stops after about
 * GC_MAJOR_STEP_WORDS words (at least one object), or when refs is full. */
void gc_inspect_referrers(struct heap *h, struct gc_inspect_req *req);
/* Ask v's owner to fill req at its next safe point, passing self's own safe points meanwhile
 * (self is the caller's heap: every object the caller holds must be rooted). v == self: at
 * once. 0 when req is done; -1 if v's owner did not take it within timeout_ms (then it never
 * will). */
int gc_inspect_request(struct heap *self, struct heap *v, struct gc_inspect_req *req,
		       unsigned timeout_ms);
/* gc_safepoint's part: answer a posted request. */
void gc_inspect_poll(struct heap *h);

#endif
