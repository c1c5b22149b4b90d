/* heap.h -- one CPU's heap: a bump-pointer nursery and an old generation of 64 KiB-aligned groups.
 * Owns the layout: young objects lie in [nursery_start, nursery_top); old objects lie in groups
 * obtained from a block source, each beginning with a struct heap_group (and its mark bitmap),
 * small objects packed by bump allocation or into free chunks left by the major sweep
 * (parseable from group start to top), large objects alone in their own group.
 * A heap is used only by its owner CPU (no lock); other CPUs will reach it through mm/gc later. */
#ifndef MM_HEAPS_HEAP_H
#define MM_HEAPS_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/param.h>
#include <smp/spinlock.h>

#include "heap_param.h"
#include "object.h"

#define HEAP_MAGIC	0x48454150u	/* "HEAP" */
#define HEAP_GROUP_MAGIC 0x47525550u	/* "GRUP" */

/*
 * Where blocks come from. alloc returns size bytes (a multiple of HEAP_GROUP_SIZE) aligned to
 * HEAP_GROUP_SIZE, or NULL; it may be called during a collection's preparation but never in the
 * middle of one. free gets back exactly what alloc gave. The kernel wraps physmem_alloc; the host
 * tests wrap aligned_alloc (and inject failures).
 */
struct gc_inspect_req;

struct heap_block_source {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *block, size_t size);
	void *ctx;
};

enum heap_group_kind { HEAP_GROUP_SMALL = 1, HEAP_GROUP_LARGE, HEAP_GROUP_SPARE };

/* Mark bitmap: bit i of a group stands for the word at group + i words; only object starts
 * are ever set (a large object starts in its block's first 64 KiB). */
#define HEAP_WORD_BITS	(8 * sizeof(uintptr_t))
#define HEAP_MARK_WORDS	(HEAP_GROUP_SIZE / sizeof(uintptr_t) / HEAP_WORD_BITS)

/* Phases of a major collection (mm/gc/major.c). */
enum heap_major_phase { HEAP_MAJOR_IDLE = 0, HEAP_MAJOR_MARK, HEAP_MAJOR_SWEEP };

/* Start of every old block; objects follow at heap_group_objects(). Found from an old object's
 * address by masking (a large object starts in its block's first 64 KiB). */
struct heap_group {
	uint32_t magic;
	uint32_t kind;			/* enum heap_group_kind */
	struct heap *owner;
	struct heap_group *next;	/* in the owner's small, large or spare list */
	size_t size;			/* bytes of the block, header included */
	uintptr_t *top;			/* objects lie in [heap_group_objects(), top) */
	uintptr_t *limit;		/* end of the block */
	uintptr_t swept;		/* == owner->sweep_epoch: swept in the current sweep phase */
	/* the inspector's (mm/gc/inspect.h): bytes the last sweep of this group kept, and the
	 * major cycle (stats.major_cycles after it) that sweep belonged to; 0: not swept yet.
	 * Written by the owner only, read by it at a safe point. */
	uintptr_t live_bytes;
	uintptr_t live_cycle;
	uintptr_t mark[HEAP_MARK_WORDS];	/* major GC mark bits, one per word of the first 64 KiB */
	uintptr_t shared[HEAP_MARK_WORDS];	/* shared bits (mm/gc/xheap.h), same indexing; owner only */
};
_Static_assert(sizeof(struct heap_group) % 8 == 0, "objects must stay 8-byte aligned");

static inline uintptr_t *heap_group_objects(struct heap_group *g) { return (uintptr_t *)(g + 1); }
static inline struct heap_group *heap_group_of(const void *p)
{
	return (struct heap_group *)((uintptr_t)p & ~(uintptr_t)(HEAP_GROUP_SIZE - 1));
}
#define HEAP_GROUP_USABLE	(HEAP_GROUP_SIZE - sizeof(struct heap_group))

static inline size_t heap_mark_bit(const void *p)
{
	return ((uintptr_t)p & (HEAP_GROUP_SIZE - 1)) / sizeof(uintptr_t);
}
/* Mark bits: written only by the owner; read by other CPUs during a global mark (mm/gc/xheap.c),
 * so every access is a relaxed atomic load or store (plain moves; no read-modify-write needed
 * with one writer). */
static inline bool heap_marked_p(const void *p)
{
	size_t b = heap_mark_bit(p);

	return (__atomic_load_n(&heap_group_of(p)->mark[b / HEAP_WORD_BITS], __ATOMIC_RELAXED) >>
		(b % HEAP_WORD_BITS)) & 1;
}
static inline void heap_mark_set(const void *p)
{
	size_t b = heap_mark_bit(p);
	uintptr_t *w = &heap_group_of(p)->mark[b / HEAP_WORD_BITS];

	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) | (uintptr_t)1 << (b % HEAP_WORD_BITS),
			 __ATOMIC_RELAXED);
}
static inline void heap_mark_clear(const void *p)
{
	size_t b = heap_mark_bit(p);
	uintptr_t *w = &heap_group_of(p)->mark[b / HEAP_WORD_BITS];

	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) & ~((uintptr_t)1 << (b % HEAP_WORD_BITS)),
			 __ATOMIC_RELAXED);
}
/* Shared bits: written only by the owner (publication sets, the sweep clears; never from an
 * interrupt handler), read by anyone holding a reference (then the bit is set and stays), so
 * the loads are atomic and the owner's writes a plain read-modify-write (below). */
static inline bool heap_shared_p(const void *p)
{
	size_t b = heap_mark_bit(p);

	return (__atomic_load_n(&heap_group_of(p)->shared[b / HEAP_WORD_BITS], __ATOMIC_RELAXED) >>
		(b % HEAP_WORD_BITS)) & 1;
}
/* A locked read-modify-write here was a tenth of a publication's cost (11 per 10-element
 * list, issue 13). */
static inline void heap_shared_set(const void *p)
{
	size_t b = heap_mark_bit(p);
	uintptr_t *w = &heap_group_of(p)->shared[b / HEAP_WORD_BITS];

	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) |
			 (uintptr_t)1 << (b % HEAP_WORD_BITS), __ATOMIC_RELAXED);
}
static inline void heap_shared_clear(const void *p)
{
	size_t b = heap_mark_bit(p);
	uintptr_t *w = &heap_group_of(p)->shared[b / HEAP_WORD_BITS];

	__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) &
			 ~((uintptr_t)1 << (b % HEAP_WORD_BITS)), __ATOMIC_RELAXED);
}

/* A thread's C roots: addresses of C variables holding objects, pushed and popped in LIFO
 * order (mm/gc/roots.h). Each thread that uses a heap has its own (so threads of one CPU may
 * block in any order); the heap lists them all for its collector. */
struct gc_rootstack {
	unsigned n;
	struct gc_rootstack *next;	/* in the heap's list of root stacks */
	obj *slots[HEAP_ROOTS_MAX];
};

/* Per-heap collector statistics; plain integers, read by the owner (or after it stopped). */
struct gc_stats {
	uint64_t minor_collections;
	uint64_t bytes_allocated;	/* nursery bytes handed out (counted at each collection) + large */
	uint64_t bytes_promoted;	/* copied from the nursery into the old generation */
	uint64_t large_objects;
	uint64_t alloc_failures;	/* allocations that returned OBJ_NULL */
	uint64_t remset_overflows;	/* collections that had to scan the whole old generation */
	uint64_t pace_limit_yields;	/* pacer: whole nursery again, the heap near its limit */
	uint64_t remset_grown;		/* times the remembered set doubled */
	uint64_t pause_total;		/* cycles */
	uint64_t pause_max;
	uint64_t pause_last;
	uint64_t pause_hist[GC_PAUSE_BUCKETS];
	/* major collection */
	uint64_t major_cycles;		/* completed */
	uint64_t major_steps;
	uint64_t major_bytes_freed;	/* bytes of dead objects reclaimed by sweeping */
	uint64_t major_groups_freed;	/* small and large groups returned to the block source */
	uint64_t major_mark_overflows;	/* pushes the full mark stack refused */
	uint64_t major_rescans;		/* the passes over the whole heap they cost */
	uint64_t major_work_last;	/* work units (words) of the last step */
	uint64_t major_work_max;
	uint64_t major_live_bytes;	/* what the last completed cycle found live: the bytes of the
					 * objects its sweep kept (marked; allocated black included) */
	uint64_t major_pause_total;	/* cycles, over all steps */
	uint64_t major_pause_max;
	uint64_t major_pause_last;
	uint64_t major_pause_hist[GC_PAUSE_BUCKETS];
	uint64_t major_aborted;		/* cycles that freed nothing (a remote shade was lost) */
	/* cross-heap (mm/gc/xheap.c) */
	uint64_t published;		/* objects made shared */
	uint64_t publish_minors;	/* minor collections run to publish young objects */
	uint64_t publish_promotions;	/* publications that promoted just the object's young
					 * closure instead (gc_promote_closure) */
	uint64_t handshakes;		/* root scans done for other heaps' marking */
	uint64_t remote_shades;		/* shades received from other CPUs */
	uint64_t freed_shared;		/* bytes of shared objects freed by the sweep */
	/* the global mark for cross-heap cycles (mm/gc/xheap.c) */
	uint64_t global_cycles;		/* global marks this heap took part in to the end */
	uint64_t global_purged;		/* counted objects found dead by them (count entries dropped) */
	/* count tables installed (the first one included), and of them those a writer had to clear
	 * or make under the lock (no next block ready). Written by whichever CPU holds the xlock
	 * (atomic stores), read without it: size_t, never torn. */
	size_t xref_grows;
	size_t xref_sync_grows;
	uint64_t global_scans;		/* root scans for them */
	uint64_t global_bailouts;	/* ones it could not take its part in (no memory): lost */
	uint64_t overhead_refusals;	/* refused allocations failed without a collection: the
					 * overhead limit (mm/gc/overhead.c) */
};

/* The overhead limit's window (mm/gc/overhead.c): the run of full collections at the heap's
 * limit, each after little allocation since the one before; a collection after much
 * allocation and a failed allocation end it. The owner's only. */
struct gc_overhead {
	unsigned lean;			/* full collections in the run */
	uint64_t allocated;		/* stats.bytes_allocated after the last full collection */
	uint64_t start;			/* arch_cycles() when the first of them began */
	uint64_t paused;		/* the collector's pause totals (minor + major) then */
	uint64_t waited;		/* time inside full collections that no pause counts:
					 * waits for other CPUs' safe points (the termination round) */
};

/* Counted remote references into one heap: an open-addressing table (linear probing,
 * backward-shift deletion) of (object, count), in a block from the heap's xsrc; while it
 * grows, the table it replaces is migrated a few slots per operation (xheap.c). */
struct gc_xref_entry {
	obj o;			/* OBJ_NULL: empty; XREF_TOMB: gone (a table being migrated) */
	uintptr_t count;	/* references from old objects of other heaps, and pins; > 0 */
	uintptr_t pins;		/* of count: from outside the heaps (gc_pin) */
	uintptr_t recount;	/* gc_verify_world's scratch */
};

struct heap {
	uint32_t magic;
	unsigned cpu;			/* owner */

	/* nursery: the inline fast path touches only these two */
	uintptr_t *nursery_top;		/* next free word */
	uintptr_t *nursery_limit;	/* fast path bound: nursery_end, or nursery_top to force the slow path */
	uintptr_t *nursery_start;
	uintptr_t *nursery_end;
	size_t nursery_bytes;
	uintptr_t *nursery_soft;	/* the end the pacer gives the nursery (<= nursery_end) */
	uintptr_t *minor_gray;		/* during gc_minor: evacuated objects to scan, linked via from[1] */
	uintptr_t *young_written;	/* the lowest young object that may hold a pointer to a younger
					 * one (a store since the last minor collection: gc_write's
					 * young path; a stack, whatever its stores: heap_note_raw);
					 * nursery_end when none. gc_promote_closure scans from here. */

	/* old generation */
	struct heap_group *small_first;	/* small-object groups in allocation order ... */
	struct heap_group *small_last;	/* ... the last one receives promoted objects */
	struct heap_group *large;	/* large-object groups */
	struct heap_group *spare;	/* empty groups reserved so a minor collection never runs out */
	size_t nspare;
	size_t old_bytes;		/* bytes of small + large groups (not spares) */
	size_t old_groups;
	struct heap_block_source src;
	struct heap_block_source xsrc;	/* the count table's (heap_config) */
	size_t src_bytes;		/* held from src and xsrc (heap-bytes; atomic: other CPUs
					 * grow this heap's shade buffer) */

	/* C roots (mm/gc/roots.h): the running thread's root stack, and every root stack */
	struct gc_rootstack *rs;
	struct gc_rootstack *rootstacks;
	struct gc_rootstack base_roots;	/* for code that runs outside threads (boot, tests) */

	/* remembered set (mm/gc/barrier.h): addresses of old slots that may hold young pointers */
	obj **remset;
	size_t remset_len;
	size_t remset_cap;
	bool remset_overflow;		/* entries were dropped: the next minor GC scans all old groups */
	obj *remset_cache[GC_REMSET_CACHE];

	/* major collection (mm/gc/major.c) */
	unsigned major_phase;		/* enum heap_major_phase */
	bool major_marking;		/* major_phase == HEAP_MAJOR_MARK: gc_write shades, allocation is black */
	bool sym_weak;			/* this cycle's marking treats the symbol table's links as weak
				 * (mm/gc/symtab.c); set when it starts */
	uintptr_t sweep_epoch;		/* bumped when a sweep phase starts: every group becomes unswept */
	uintptr_t *mark_stack;		/* one block of (object, next field) pairs; NULL when idle */
	size_t mark_sp;			/* pairs on the stack */
	size_t mark_cap;
	bool mark_stack_x;		/* the stack came from xsrc (major.c, grow): outside the budget */
	bool mark_overflow;		/* a marked object was not pushed: a rescan pass is due */
	bool rescan_large;		/* the rescan cursor is on the large list */
	struct heap_group *rescan_g;	/* rescan pass cursor (NULL: no pass running) */
	uintptr_t *rescan_p;
	bool sweep_large;		/* the sweep cursor is on the large list */
	struct heap_group *sweep_g;	/* next group to sweep */
	struct heap_group *sweep_prev;	/* last kept group before sweep_g on its list, or NULL */
	size_t sweep_live;		/* bytes of the objects the sweep kept so far */
	size_t sweep_field;		/* the dead large object at sweep_g: fields let go of so far */
	uintptr_t *sweep_pos;		/* the small group sweep_g: swept up to here; NULL: not begun */
	uintptr_t *sweep_run;		/* the dead run that ends at sweep_pos (one filler), or NULL */
	size_t sweep_glive;		/* bytes sweep_g has kept so far */
	uintptr_t *free_list[HEAP_FREE_CLASSES];	/* free chunks (fillers) by floor(log2(words)) */
	unsigned free_mask;		/* bit k: free_list[k] is not empty */
	uintptr_t *plab_top;		/* during gc_minor: the region promotion bumps through */
	uintptr_t *plab_limit;		/* (unparseable from plab_top on); both NULL outside it */
	bool plab_end;			/* the region is small_last's end (else a free chunk) */
	size_t major_debt;		/* words of major work owed (GC_MAJOR_PACE per word promoted) */
	size_t major_last_old;		/* old_bytes when the last cycle ended (policy) */

	/* the pacer (minor.c): 0 pause_goal: none, the whole nursery and GC_MAJOR_STEP_WORDS */
	uint64_t pause_goal;		/* cycles */
	uint64_t pace_minor;		/* estimated cycles per KiB of nursery a minor collects */
	uint64_t pace_major;		/* estimated cycles per 1024 words of major work */
	size_t limit_bytes;		/* heap_config.limit_bytes: what src gives at most; 0: unknown */
	size_t major_step_words;	/* a major step's budget */

	/* cross-heap references (mm/gc/xheap.c). xlock guards xref*, xshade*; it is taken by any
	 * CPU, never held across anything but table updates and block allocation (then the block
	 * source's lock: xlock comes first). A heap's cycle and seen[] are atomics. */
	struct spinlock xlock;
	struct gc_xref_entry *xref;	/* NULL until the first remote reference */
	size_t xref_cap;		/* entries, a power of two (atomic: the owner reads it) */
	size_t xref_len;		/* entries in both tables (atomic) */
	struct gc_xref_entry *xref_old;	/* the table being migrated into xref, or NULL */
	size_t xref_old_cap;
	size_t xref_mig;		/* xref_old's slots below this have moved (are tombs) */
	struct gc_xref_entry *xref_retired; /* a migrated table, for the owner to free */
	size_t xref_retired_cap;
	struct gc_xref_entry *xref_next; /* the next table, cleared a chunk at a time, or NULL
					  * (set and cleared under xlock, atomic: the owner peeks) */
	size_t xref_next_cap;
	size_t xref_next_clear;		/* xref_next's slots below this are clear */
	size_t xwalk;			/* mark start's walk over the tables: xref's slots, then
					 * xref_old's (xwalking) */
	bool xwalking;
	bool xwalk_pins;		/* the walk shades pinned entries only (a global mark) */
	uintptr_t xref_total;		/* sum of the counts (atomic reads) */
	/* counted references this heap's old objects hold into heap c, per c: the matrix of
	 * (xrefs). Atomic adds by whichever CPU counts (it holds the target's xlock, not ours). */
	uintptr_t xref_out[NCPU];
	bool xref_lost;			/* the table could not grow: every shared object is a root */
	/* references to other heaps' objects a collection of this heap has found and not yet
	 * counted (gc_xref_inc_later): the owner's alone, empty outside its pauses */
	obj xbatch[GC_XBATCH];
	uintptr_t xbatch_holder[GC_XBATCH];	/* their holders (the debug event ring's) */
	unsigned nxbatch;
	/* other heaps' objects this heap's marking reached in a global mark and has not yet given
	 * to their owners (gc_xshade_later): the owner's alone, empty outside a marking slice */
	obj xsh_batch[GC_XSHADE_BATCH];
	unsigned nxsh;
	/* From here on, a cache line of its own: other CPUs read xmarking and xcycle at every
	 * store into this heap's shared objects (xheap.c, grey_for), and nxbatch above is
	 * written at every publication (a shared line made a cross-CPU channel-send miss). */
	obj *xshade __attribute__((aligned(64)));	/* shades pushed by other CPUs while this
					 * heap marks: the top block of a stack of them (xheap.c) */
	size_t xshade_len;		/* entries in that block; 0: the stack is empty */
	bool xshade_lost;		/* a shade found the buffer full: this cycle must free nothing */
	unsigned xcycle;		/* bumped when marking starts (atomic) */
	bool xmarking;			/* this heap is marking and takes remote shades (atomic) */
	unsigned xseen[NCPU];		/* per other heap: the xcycle this heap's roots were scanned for */
	unsigned xterm;			/* bumped when a local marking asks to end (atomic) */
	unsigned xterm_seen[NCPU];	/* per other heap: the xterm this heap acked at a safe point */
	bool xterm_asked;		/* the owner's: xterm asked since marking last found work */
	bool attached;			/* in the world (gc_world_attach) */
	bool xwaiting;			/* marking is only waiting for other heaps' root scans */
	bool publishing;		/* inside gc_publish: shared holders may still name young
					 * objects until its minor collection (X1's one exception) */
	obj *pub_log;			/* gc_publish's first log block, kept (xheap.c) */
	obj *promote_log;		/* while gc_publish promotes a closure: its walk's log, where
					 * each copy is shared and logged as it is made, and each old
					 * unshared object of h a copy names is shared and logged from
					 * the back, to be visited (minor.c, "publishing"); else NULL */
	size_t promote_n, promote_nvisit, promote_cap;	/* copies, old objects, room */
	bool promote_full;		/* an old object did not fit: the walk goes over it all */
	bool major_poll_due;		/* gc_publish promoted: gc_mutator_poll polls the major GC */
	struct heap_group *doomed;	/* groups the sweep freed, returned at the end of the cycle */
	/* the global mark (xheap.c, "Garbage cycles across heaps" in docs/gc.md). gx_cycle and
	 * gx_busy are read by other CPUs (atomics; gx_busy changes under xlock); the rest is the
	 * owner's. */
	unsigned gx_cycle;		/* the global cycle this heap takes part in; 0: none */
	bool gx_busy;			/* has global marking work, or has not scanned yet */
	bool gx_grey;			/* its roots are not scanned for the global cycle yet: its own
					 * objects it stores into others' holders are shaded */
	bool gx_nodec;			/* this cycle's sweep drops no remote counts (the purge did) */
	bool gx_purged;			/* its purge for the running cycle is complete */
	bool gx_purge_large;		/* the purge cursor is on the large list */
	unsigned gx_ack;		/* the last global step (gx.state) it acknowledged */
	struct heap_group *gx_purge_g;	/* purge cursor */
	uintptr_t *gx_purge_p;
	struct heap_group *gx_purge_last;	/* the small list's end when the purge began, and */
	uintptr_t *gx_purge_top;		/* its top: the walk ends there (xcycle.c) */
	size_t gx_purge_slot;		/* its pass over the count table (gc_xpurge_counts) */
	bool xpurging;			/* that pass runs (xlock): entries moved behind its cursor
					 * meanwhile are purged as they move */
	size_t gx_last_len;		/* xref_len when its last global cycle ended (the trigger) */
	struct gc_inspect_req *inspect_req;	/* posted by another CPU for the owner's next safe
						 * point (mm/gc/inspect.h; atomic) */

	/* debugging */
	struct heap_group **vindex;	/* gc_verify's own, while it runs: the old groups by 64 KiB
					 * block (open addressing), so finding one is not a walk */
	size_t vindex_cap;
	bool torture;			/* every allocation takes the slow path and may collect */
	unsigned torture_every;		/* ... collecting at all (1) or at random ones, at most
					 * torture_every apart */
	unsigned torture_left;		/* allocations before the next collection */
	uint64_t torture_rng;		/* xorshift64 state, from the seed heap_set_torture got */
	bool verify;			/* gc_verify() around collections (CONFIG_DEBUG; gc_verify_due) */
	size_t verify_credit;		/* bytes of collector work since the last verification */
	bool in_gc;
	bool no_collect;		/* CONFIG_DEBUG: a primitive the interpreter calls without
					 * syncing its stack runs (lisp/vm.c, PRIM_NOALLOC): nothing
					 * may allocate past the nursery's bump or collect */

	struct gc_overhead overhead;
	struct gc_stats stats;
};

struct heap_config {
	size_t nursery_bytes;		/* 0: HEAP_NURSERY_DEFAULT; rounded up to HEAP_GROUP_SIZE */
	unsigned pause_goal_us;		/* 0: no pacer (the whole nursery, fixed major steps) */
	size_t limit_bytes;		/* the most src will give (the pacer's memory bound); 0: none */
	struct heap_block_source src;
	/* the count table's blocks (mm/gc/xheap.c); no alloc: src. Other CPUs' stores make its
	 * entries, so a limited src at its limit lost counts for good (every shared object a
	 * root from then on): the embedders give it memory outside the heap's limit. */
	struct heap_block_source xsrc;
	unsigned cpu;
};

/* Every block of a heap comes from its sources through these, counted in src_bytes. */
static inline void *heap_block_alloc(struct heap *h, const struct heap_block_source *s, size_t n)
{
	void *p = s->alloc(s->ctx, n);

	if (p != NULL)
		arch_atomic_add(&h->src_bytes, n);
	return p;
}
static inline void heap_block_free(struct heap *h, const struct heap_block_source *s, void *p,
				   size_t n)
{
	arch_atomic_sub(&h->src_bytes, n);
	s->free(s->ctx, p, n);
}
#define heap_src_alloc(h, n)		heap_block_alloc((h), &(h)->src, (n))
#define heap_src_free(h, p, n)		heap_block_free((h), &(h)->src, (p), (n))
#define heap_xsrc_alloc(h, n)		heap_block_alloc((h), &(h)->xsrc, (n))
#define heap_xsrc_free(h, p, n)		heap_block_free((h), &(h)->xsrc, (p), (n))

/* 0, or -1 if the block source could not supply the nursery and remembered set. */
int heap_init(struct heap *h, const struct heap_config *cfg);
/* Return every block to the source. The heap must not be used afterwards. */
void heap_destroy(struct heap *h);
void heap_check_fn(const struct heap *h, const char *file, int line);
#ifdef CONFIG_DEBUG
#define heap_check(h)	heap_check_fn((h), __FILE__, __LINE__)
#else
#define heap_check(h)	((void)(h))
#endif
/* Collect at every allocation (torture testing) or stop doing so. */
void heap_set_torture(struct heap *h, bool on);
/* Collect at random allocations, at most every apart (seeded: a run replays with its seed).
 * Collecting at every allocation never lets an object stay young across one, so a C pointer
 * to a young object that a collection left stale is only caught by collecting at some
 * allocations and not at others. every 0: off. */
void heap_set_torture_random(struct heap *h, unsigned every, uint64_t seed);
/* Set the fast path's bound: the pacer's nursery end, or the top (a minor collection is due,
 * torture). */
void heap_limit_reset(struct heap *h);

static inline bool heap_young_p(const struct heap *h, obj o)
{
	return obj_ptr_p(o) && (uintptr_t)o - (uintptr_t)h->nursery_start < h->nursery_bytes;
}

/* Changes whenever objects of h may have moved (a minor collection, or a young closure
 * promoted for a publication): tables keyed by address rehash when it has changed. */
static inline uint64_t heap_moves(const struct heap *h)
{
	return h->stats.minor_collections + h->stats.publish_promotions;
}

/* o (young) will be written without gc_write, values younger than itself included: a stack
 * object (the interpreter stores into it directly). gc_promote_closure scans from it. */
static inline void heap_note_raw(struct heap *h, obj o)
{
	if (heap_young_p(h, o) && obj_words(o) < h->young_written)
		h->young_written = obj_words(o);
}

/*
 * Allocation. Every allocator returns OBJ_NULL when memory runs out (the caller raises "heap
 * exhausted"); the heap stays consistent. Any allocation may run a minor collection, which moves
 * young objects: objects held in C variables across an allocation must be rooted (GC_ROOT).
 * Pointer fields start as OBJ_UNSPECIFIED; raw fields are undefined.
 */
obj heap_alloc_slow(struct heap *h, unsigned type, size_t nfields);

/* words for a young object bumped in the nursery, or NULL when it has no room or the object
 * is large (then the slow path, which may collect): heap_alloc's fast path, for callers that
 * write the header and every field at once (the interpreter's inline allocations) */
static inline uintptr_t *heap_bump(struct heap *h, size_t words)
{
	uintptr_t *p = h->nursery_top;

	if (__builtin_expect(words <= (size_t)(h->nursery_limit - p) &&
			     words <= HEAP_LARGE_BYTES / sizeof(uintptr_t), 1)) {
		h->nursery_top = p + words;
		return p;
	}
	return NULL;
}

static inline obj heap_alloc(struct heap *h, unsigned type, size_t nfields)
{
	size_t words = nfields + 1;
	uintptr_t *p = heap_bump(h, words);

	if (__builtin_expect(p != NULL, 1)) {
		p[0] = obj_hdr(type, nfields);
		if (type < OBJ_T_MIXED)
			for (size_t i = 1; i < words; i++)
				p[i] = OBJ_UNSPECIFIED;
		return (obj)p;
	}
	return heap_alloc_slow(h, type, nfields);
}

obj heap_cons_slow(struct heap *h, obj car, obj cdr);

/* (cons car cdr); car and cdr need no rooting by the caller. */
static inline obj heap_cons(struct heap *h, obj car, obj cdr)
{
	uintptr_t *p = h->nursery_top;

	if (__builtin_expect(3 <= h->nursery_limit - p, 1)) {
		h->nursery_top = p + 3;
		p[0] = obj_hdr(OBJ_T_PAIR, 2);
		p[1] = car;
		p[2] = cdr;
		return (obj)p;
	}
	return heap_cons_slow(h, car, cdr);
}

/* A vector of n elements, each fill (fill needs no rooting). */
obj heap_make_vector(struct heap *h, size_t n, obj fill);
/* A string or bytevector (type) holding a copy of len bytes (NULL: zeroed). */
obj heap_make_bytes(struct heap *h, unsigned type, const void *bytes, size_t len);
/* Its length and contents (o fresh, of obj_bytes_fields(len) fields): the first fill bytes
 * copied from bytes, or, when bytes is NULL, left for the caller, who writes them before
 * anything can see the object (nothing allocates in between); the rest and the padding
 * zeroed. So no byte of freed memory ever lies in a live object, and a caller that is about
 * to copy over the whole object does not write it twice (string-append of long strings spent
 * a third of its time zeroing). */
static inline void heap_bytes_init(obj o, const void *bytes, size_t fill, size_t len)
{
	size_t nf = obj_bytes_fields(len);

	obj_words(o)[1] = len;
	obj_words(o)[nf] = 0;	/* padding after the last byte */
	if (bytes)
		__builtin_memcpy(obj_bytes_data(o), bytes, fill);
	__builtin_memset(obj_bytes_data(o) + fill, 0, len - fill);
}
/* As heap_make_bytes, with heap_bytes_init's fill: NULL bytes and fill len leave every byte to
 * the caller. */
obj heap_make_bytes_fill(struct heap *h, unsigned type, const void *bytes, size_t fill, size_t len);
/* An OBJ_T_MIXED object of nptrs Scheme-value fields (OBJ_UNSPECIFIED) then nraw raw words. */
obj heap_alloc_mixed(struct heap *h, size_t nptrs, size_t nraw);

/* Old-generation allocation, for the collector: the promotion path. Takes a free chunk left by
 * the major sweep if one fits, else bumps in the last small group. The object is black (marked)
 * while a major cycle has not yet swept where it lies. */
uintptr_t *heap_old_alloc_slow(struct heap *h, size_t words);
/* Is p (an old object of h) where a sweep has not been yet: an unswept group, or the part of
 * the group being swept past the sweep's cursor (a group is swept over several steps)? */
static inline bool gc_unswept_p(const struct heap *h, const void *p)
{
	return h->major_phase == HEAP_MAJOR_SWEEP && heap_group_of(p)->swept != h->sweep_epoch &&
	       !(heap_group_of(p) == h->sweep_g && (const uintptr_t *)p < h->sweep_pos);
}

/* A new old object at p is black while marking, and in a group the sweep has not reached yet:
 * it must outlive this cycle. */
static inline void heap_old_color(struct heap *h, uintptr_t *p)
{
	if (__builtin_expect(h->major_phase != HEAP_MAJOR_IDLE, 0) &&
	    (h->major_marking || gc_unswept_p(h, p)))
		heap_mark_set(p);
}
/* Its common case inline (each promoted object was a call, 31 instructions a pair in
 * paraffins): room in the chunk being bumped through. */
static inline uintptr_t *heap_old_alloc(struct heap *h, size_t words)
{
	uintptr_t *p = h->plab_top;

	if (__builtin_expect(words <= (size_t)(h->plab_limit - p), 1)) {
		h->plab_top = p + words;
		heap_old_color(h, p);
		return p;
	}
	return heap_old_alloc_slow(h, words);
}
/* End gc_minor's promotion: what is left of the chunk it bumped through goes back on a list. */
void heap_plab_close(struct heap *h);
/* Turn [p, p + words) of a small group into one free chunk (a filler, poisoned in debug
 * builds) and list it for reuse if it can hold an object. */
void heap_free_chunk(struct heap *h, uintptr_t *p, size_t words);
/* Make sure the spare groups hold at least bytes of objects; -1 if the source ran dry. */
int heap_reserve(struct heap *h, size_t bytes);
/* Bytes handed out in the nursery since the last collection. */
static inline size_t heap_nursery_used(const struct heap *h)
{
	return (size_t)((uintptr_t)h->nursery_top - (uintptr_t)h->nursery_start);
}

#endif
