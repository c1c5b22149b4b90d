/* xheap.h -- references between the CPUs' heaps: publication, remote reference counts, and the
 * handshakes that let each heap's major collection finish without stopping anyone.
 *
 * Invariants (docs/gc.md, "Cross-heap references"; gc_verify and gc_verify_world check them):
 *  X1 Closure: a shared object is old, and every pointer field of it holds an immediate, a
 *     shared object of its own heap, or an object of another heap (never a young or unshared
 *     local object). Exception: inside gc_publish, until its own minor collection. Shared bits
 *     are set only by the owner (gc_publish; undone when it fails) and cleared only when the
 *     owner's sweep frees the object. Every store into a shared holder goes through
 *     gc_write_shared, which checks the value is published in every build (lisp/ reaches the
 *     barrier only through lisp/internal.h's store functions).
 *  X2 Only shared objects are seen by other CPUs: a pointer into heap V held anywhere outside
 *     V (another heap's objects, another CPU's roots) points to a shared object of V.
 *  X3 Counts: for every object v of V, V's table says how many pointer fields of old,
 *     not-yet-freed, non-stack objects of other heaps hold v, plus its pins (gc_pin: kernel
 *     structures outside the heaps); entries with count 0 are absent.
 *     Young objects, roots and stack objects (OBJ_T_STACK) hold uncounted references.
 *  X4 Handshakes: while V marks cycle c, a CPU A whose roots have not been scanned for c
 *     (A->xseen[V] != c) shades every V object it stores or counts; V's marking completes only
 *     when every attached heap has scanned its nursery and roots for c (gc_safepoint: needs no
 *     memory, and every CPU reaches one within a bounded time) and V's remote shade buffer is
 *     empty. So V frees an object only if no root, stack or heap anywhere holds it.
 * Memory order: a field another CPU may write is read with obj_load (consume); stores into
 * shared holders are atomic exchanges (mm/heaps/object.h, docs/gc.md "Memory order").
 */
#ifndef MM_GC_XHEAP_H
#define MM_GC_XHEAP_H

#include <mm/heaps/heap.h>

/* The world: the heaps that may refer to one another, one per CPU. Attach a heap before any
 * of its objects is shared; detach it before heap_destroy (its counted references into other
 * heaps are dropped then). Tearing down several heaps: detach them all, then destroy them. */
void gc_world_attach(struct heap *h);
void gc_world_detach(struct heap *h);
/* heap_destroy's part: the count table goes back to the block source. */
void gc_xref_release(struct heap *h);
struct heap *gc_world_heap(unsigned cpu);

/* Is v an object of another heap than h? (h's young objects are h's; others' are never seen.) */
static inline bool gc_remote_p(const struct heap *h, obj v)
{
	return obj_ptr_p(v) && !heap_young_p(h, v) && heap_group_of((void *)v)->owner != h;
}

/* May other CPUs see o (an object of h or of another heap)? */
static inline bool gc_shared_p(const struct heap *h, obj o)
{
	return obj_ptr_p(o) && !heap_young_p(h, o) &&
	       (heap_group_of((void *)o)->owner != h || heap_shared_p((void *)o));
}

/* Make *x (an object of h) and everything it reaches in h shared: young objects are promoted
 * first (its young closure alone when small, gc_promote_closure, else a minor collection:
 * either way every unrooted young object of the caller may move; *x is updated).
 * Immediates and objects already shared or remote need nothing. 0, or -1 if memory ran out. */
int gc_publish(struct heap *h, obj *x);

/* holder.fields[i] = value where holder is shared or another heap's object: value must be
 * published already (gc_store does it). Counts, shades and the store itself are atomic with
 * respect to other CPUs writing the same slot. */
void gc_write_shared(struct heap *h, obj holder, size_t i, obj value);
/* The same for a shared holder, returning what the slot held: the one exchange that stores is
 * the read, so a value taken from another CPU's object costs one transfer of its cache line,
 * not a read and then a write (a channel's receive, issue 13). The old value is uncounted or
 * shaded as gc_write_shared does; the caller keeps it where the collector sees it. */
obj gc_swap_shared(struct heap *h, obj holder, size_t i, obj value);

/* holder.fields[i] = value for any holder: publishes value first when holder is shared or
 * remote (may collect: unrooted objects of the caller other than holder may move; an old or
 * remote holder never moves). 0, or -1 if the publication ran out of memory (nothing stored). */
int gc_store(struct heap *h, obj holder, size_t i, obj value);

/* h's old object now holds (inc) or no longer holds (dec) a reference to remote v. */
void gc_xref_inc(struct heap *h, obj v);
void gc_xref_dec(struct heap *h, obj v);
/* The same as gc_xref_inc for a collection of h (inside its pause), counted with others a batch
 * at a time (one xlock hold per owner); gc_xref_flush counts what is left, before the pause
 * ends. holder: the object that holds v (the debug event ring's). */
void gc_xref_inc_later(struct heap *h, obj v, uintptr_t holder);
void gc_xref_flush(struct heap *h);

/* A reference from outside every heap (a kernel structure: a thread's thunk, a message queued
 * in a channel) keeps o alive: pins count like remote references (X3 with pins added). The
 * caller holds o in a root of heap h (its CPU's) when it pins; unpin when the structure lets
 * go. o must be shared (published) unless it is immediate; immediates are ignored. */
void gc_pin(struct heap *h, obj o);
void gc_unpin(struct heap *h, obj o);

/* Counted references into o from other heaps (0 if none). Takes o's owner's lock. */
uintptr_t gc_remote_count(obj o);
/* Sum of the counts into h: references from other heaps' objects. */
uintptr_t gc_remote_refs(struct heap *h);

/* The inspector's walk for the largest counts of a heap (xrefs): one step goes through
 * XREF_CHUNK slots of v's tables from *pos under one hold of v's xlock (any CPU may take it),
 * keeping in top[0..n) the largest counts seen, largest first (count 0: empty), each object
 * once. True when the walk is over. An object read has a count, so it is live then; the caller
 * keeps it in a root before its next safe point. A table that grows during the walk may show
 * an entry twice (kept once) or not at all: an approximation, never a long hold. */
struct gc_xref_top {
	obj o;
	uintptr_t count;
	uintptr_t pins;
};
bool gc_xref_top_step(struct heap *v, struct gc_xref_top *top, size_t n, size_t *pos);

/* A safe point of h's owner (every object the caller holds is rooted; may collect): scan h's
 * roots for every heap that marks and waits for h (X4). Cheap when nobody waits. */
void gc_safepoint(struct heap *h);
/* Only the root-scan handshakes of gc_safepoint: reads the nursery and the roots, moves and
 * frees nothing, needs no memory. For code between two real safe points that holds raw
 * pointers into its heap (a long bignum operation: lisp/bigint.c), so other CPUs' collections
 * do not wait for it. Every nursery object must be well formed (its header says its size). */
void gc_handshake_poll(struct heap *h);
/* A safe point of the mutator itself (the allocation path, the interpreter's safe point; not
 * a collector waiting for others): gc_safepoint, then the major poll gc_publish owes. */
void gc_mutator_poll(struct heap *h);

/* The remote shade buffer of h, made on first use: 0, or -1 if the block source refused. */
int gc_xshade_reserve(struct heap *h);
void gc_xshade_clear_locked(struct heap *h);	/* h->xlock held: empty the shade buffer */
/* For major.c. At mark start (the buffer reserved): bump the cycle, take remote shades, start
 * the walk that shades every counted object (a chunk per gc_xmark_try_finish). */
void gc_xmark_start(struct heap *h);
/* Marking ran out of local work: take a chunk of the count table's walk or of the remote
 * shades onto the mark stack (work grows by the slots gone through). Returns 1 if it did (keep
 * marking), 0 if marking is complete (and remote shading stops), -1 if some heap has not
 * scanned its roots for this cycle yet, or has not passed a safe point since marking last ran
 * out of work (the termination round, docs/gc.md): try again later. */
int gc_xmark_try_finish(struct heap *h, size_t *work);
/* For the verifier: would gc_xmark_try_finish end h's local marking now (no walk, no remote
 * shade, every other heap's roots scanned and the termination round acked)? */
bool gc_xmark_quiet(struct heap *h);
/* A dead object is being freed: drop its counted references. */
void gc_xfree(struct heap *h, uintptr_t *p);
/* Do h's old objects hold any counted reference into another heap (xref_out summed)? While
 * none do, a dead unshared object of h has nothing for gc_xfree to let go of: a sweep that
 * read false skips it for them (docs/gc.md, "Sweeping without the count calls"). */
bool gc_xheld_any(const struct heap *h);
/* The same a part at a time (a large object's sweep, in bounded steps): fields [from, from +
 * max) let go of; returns where it stopped, the object's pointer count when it is done. */
size_t gc_xfree_part(struct heap *h, uintptr_t *p, size_t from, size_t max);

/* A global mark's end, XREF_CHUNK table slots at a time from *pos while *work < budget: the
 * entries of h's unmarked (dead) objects get count 0 (remote-refs drops now); each entry goes
 * when the sweep frees its object. True when the pass is over. */
bool gc_xpurge_counts(struct heap *h, size_t *pos, size_t *work, size_t budget);
/* The shade buffer of v takes o (an object of v) if v marks and o is white. */
void gc_xshade(struct heap *v, obj o);
/* The same for h's own marking in a global mark (o another heap's), given to the owners a batch
 * at a time; gc_xshade_flush gives what is left. h flushes before its marking slice ends, so
 * the shades are late only within the slice, while h is busy and the mark cannot end. */
void gc_xshade_later(struct heap *h, obj o);
void gc_xshade_flush(struct heap *h);
/* A global mark's root scan of h (after its major cycle started): shade every other heap's
 * object h's roots and stacks hold; h is no longer grey for anyone. */
void gc_xscan(struct heap *h);

/*
 * The global mark (mm/gc/xcycle.c): the backup collector of garbage cycles spread over several
 * heaps ("Garbage cycles across heaps" in docs/gc.md). Every attached heap takes part with one
 * major cycle of its own in which counted objects are not roots, tracing across heaps. Nobody
 * waits for anyone: each phase advances as the heaps pass their safe points (gc_safepoint
 * calls gc_global_poll). Attach and detach only while none runs.
 */
/* Start one unless one is running; returns the cycle whose end collects everything that is
 * garbage now. The major poll starts one when a heap's count table has grown. */
unsigned gc_global_request(void);
bool gc_global_running(void);
bool gc_global_symweak(void);	/* the running cycle's links of the symbol table are weak */
unsigned gc_global_done(void);	/* the last cycle completed (marks final, counts purged) */
/* Request one and take h's part until it is over and h has swept (h must be attached; other
 * attached heaps must keep passing safe points). 0. between(ctx), if not NULL, runs at every
 * turn of the wait (gc_major_full_paced); if it returns true, 1 at once (the global mark goes
 * on without the wait: h's part is taken at its safe points). */
int gc_global_full(struct heap *h);
int gc_global_full_paced(struct heap *h, bool (*between)(void *ctx), void *ctx);
/* gc_safepoint's part. */
void gc_global_poll(struct heap *h);
/* Teardown (every heap's owner has stopped): play each heap's safe points until no global mark
 * runs and every heap has finished its part (its sweep included). */
void gc_global_finish_all(void);
/* For xheap.c and major.c. */
void gc_global_note_work(struct heap *v, unsigned n);	/* v->xlock held: v got n white objects to mark */
void gc_global_idle(struct heap *h);		/* h->xlock held: h has nothing left to mark */
void gc_global_wake(struct heap *h);		/* h's mutator marked an object after that */
void gc_global_lost(void);			/* a shade was lost: the cycle frees nothing */
int gc_global_settle(struct heap *h);		/* as gc_xmark_try_finish's result */

/* Check X1-X4 over every attached heap; every heap must be quiescent (no owner running).
 * 0, or -1 after printing the first violation. Debug builds; a no-op returning 0 otherwise. */
int gc_verify_world(void);

#endif
