/* gc.h -- the collector of one CPU's heap: minor (nursery) collection, incremental major
 * (old generation) collection, statistics, verification.
 *
 * Invariants (outside a collection; gc_verify() checks each, numbered as in docs/gc.md):
 *  G1 Parseable: the nursery [nursery_start, nursery_top) and every group's [objects, top) are
 *     tiled exactly by objects with valid headers (obj_hdr_valid_p: tag 11, known type, no stray
 *     bits); no header is forwarded. Exception: during gc_minor and gc_promote_closure nursery
 *     headers are forwarded. The nursery may hold fillers: what gc_promote_closure moved out.
 *  G2 Closed: every root and every pointer field (the first obj_hdr_nptrs() fields) holds a
 *     fixnum, an immediate, or the address of an object header of this heap: in the nursery
 *     below nursery_top, or inside a small or large group of this heap below its top, and never
 *     a filler. A root may also hold OBJ_NULL. (Cross-heap pointers are the next step's
 *     exception; see docs/gc.md.)
 *  G3 Old-to-young: an old slot holding a young pointer has its address in the remembered set,
 *     unless remset_overflow is set (then the next minor collection scans every old group).
 *  G4 The remembered set's entries are slot addresses inside old objects' pointer fields.
 *  G5 Groups: each has the group magic, owner == the heap, the kind of the list it is on,
 *     objects below top <= limit; old_bytes/old_groups are the sums over the small and large
 *     lists; spare groups are empty. Large groups hold exactly one object.
 *  G6 Debug builds: the free nursery words [nursery_top, nursery_end) hold GC_POISON.
 * Major collection (incremental mark-sweep; phases IDLE -> MARK -> SWEEP -> IDLE):
 *  G7 Marking (SATB): when MARK and the mark stack is empty with no overflow or rescan pending,
 *     every old object referenced from a root, a young object or a marked object is marked.
 *     (SATB keeps the weak invariant in between: a white object reachable now was reachable
 *     when marking started, so a gray object reaches it through white ones.) At any time in
 *     MARK every mark stack entry is a marked old object with pointer fields, index in range.
 *  G8 Bitmaps: outside MARK/SWEEP no mark bit is set; in SWEEP a swept group has no mark bit
 *     set; every set bit is at the start of an object (not a filler).
 *  G9 Sweep: in SWEEP, objects of an unswept group that are unmarked are dead: nothing live
 *     (root, young object, object of a swept group, marked object) refers to them, and their
 *     own fields are not checked (they may name freed memory).
 *  G10 Free chunks: every listed chunk is a filler of at least 2 words in a small group of this
 *     heap (a swept one during SWEEP), in the list of its size class, its words past the link
 *     poisoned in debug builds; G2 already forbids references to fillers.
 */
#ifndef MM_GC_GC_H
#define MM_GC_GC_H

#include <mm/heaps/heap.h>

#define GC_POISON	((uintptr_t)0xdeadbeefdeadbeefull)	/* truncated on 32-bit: 0xdeadbeef */

/* Evacuate the live nursery objects into the old generation and empty the nursery.
 * 0, or -1 (nothing done, heap unchanged) if the old generation could not reserve room for
 * the worst case (every nursery byte surviving). */
int gc_minor(struct heap *h);

/* Promote the young objects *x reaches through young objects (its young closure) and nothing
 * else, when that is cheap; *x is updated. gc_publish's path that needs no minor collection
 * (docs/gc.md, "Cross-heap references"): the closure is copied out as a minor collection copies (black
 * while marking, references to other heaps counted), then every reference to a moved object
 * is rewritten: the roots, the remembered slots, and the young objects that may name one.
 * Those are the objects allocated since the lowest of them and the objects at or above
 * young_written (a young object older than the closure names a part of it only through a
 * later store: gc_write notes its holder, a stack is noted when made). The moved originals
 * become fillers, so the nursery stays parseable and nothing names them (the verifier's G2
 * catches a missed reference). 1 if done; 0 if not worth it or not possible (a stack object in
 * the closure, more than GC_PROMOTE_MAX_OBJECTS objects, more than GC_PROMOTE_MAX_SCAN bytes
 * of nursery to rewrite, a remembered set past GC_PROMOTE_MAX_REMSET or overflowed, or no
 * room): nothing changed, the caller runs a minor collection. */
int gc_promote_closure(struct heap *h, obj *x);
#define GC_PROMOTE_MAX_OBJECTS	256
#define GC_PROMOTE_MAX_SCAN	(32 * 1024)
#define GC_PROMOTE_MAX_REMSET	1024

/* Major collection (mm/gc/major.c). Start a cycle: a minor collection, then the roots are
 * shaded. 0, or -1 (nothing started) if the minor collection or the mark stack block failed.
 * Nothing starts (0) while h takes part in a global mark: its scan starts h's part of it,
 * with gc_major_start_global (mm/gc/xcycle.c). */
int gc_major_start(struct heap *h);
int gc_major_start_global(struct heap *h);
/* Do at most max(budget, 2, one group's words + 1) words of major work (a step always gets to
 * sweep at least one group); returns the work done. A no-op when no cycle runs. May run a minor collection (end of marking). */
size_t gc_major_step(struct heap *h, size_t budget);
/* The budget of a step that runs until the phase is over: the pause goal's clock does not cut
 * it (a full collection, the stop-the-world baseline). */
#define GC_MAJOR_ALL	((size_t)-1 / 2)
/* Finish a running cycle, then run a whole fresh one: everything unreachable now is freed.
 * 0, or -1 if memory ran out for a minor collection or the mark stack. One unbounded step at
 * a time: one pause (an allocation at the heap's limit waits for it anyway). */
int gc_major_full(struct heap *h);
/* The same in steps of major_step_words, each its own pause, with between(ctx) after each: a
 * safe point where the caller lets other threads of this CPU run ((gc 'full): a requested
 * collection of a big heap was one pause of tens of milliseconds for every thread of the CPU,
 * and a stop for other CPUs waiting on its handshakes). When between returns true (the caller
 * was interrupted) it returns 1 at once: the cycle it left goes on in the heap's ordinary
 * steps (allocation polls, safe points), nothing is undone. */
int gc_major_full_paced(struct heap *h, bool (*between)(void *ctx), void *ctx);
/* The overhead limit (mm/gc/overhead.c): gc_major_full of a heap at its limit (the
 * interpreter's own full collections: a refused allocation's retry, (gc) at the limit, the
 * recovering one), counted in h's window (struct gc_overhead). Is the window over the limit
 * (heap_param.h, GC_OVERHEAD_*), so a refused allocation should fail without it? (Counted in
 * overhead_refusals when so.) Start the window afresh after an allocation failed: what the
 * program held may be garbage now. */
int gc_overhead_full(struct heap *h);
bool gc_overhead_exceeded(struct heap *h);
void gc_overhead_reset(struct heap *h);
/* The allocation slow path's hook: start a cycle if the old generation grew past
 * GC_MAJOR_GROWTH_PCT of its size after the last one, else pay one step of a running one's
 * debt (more only when it exceeds GC_MAJOR_DEBT_STEPS steps' worth). */
void gc_major_poll(struct heap *h);
/* The interpreter's safe point: one step of a running cycle's debt, if any (per-core mode). */
void gc_major_pay(struct heap *h);
/* The pacer's estimates (minor.c): after a minor collection of used bytes, and after a major
 * step of work words (cut: the clock ended it), each of the given cycles. */
void gc_pace_minor(struct heap *h, size_t used, uint64_t cycles);
void gc_pace_major(struct heap *h, uint64_t cycles, size_t work, bool cut);
uint64_t gc_major_pause_percentile(const struct gc_stats *s, unsigned pct);

/* gc_unswept_p: mm/heaps/heap.h (promotion's colouring uses it) */

/* Are h's marks final where p lies, so an unmarked old object there is dead (G9)? In an
 * unswept group of a sweep, and once a global mark's purge is over (mm/gc/xcycle.c): then the
 * dead may name objects other heaps have freed. */
static inline bool gc_marks_final(const struct heap *h, const void *p)
{
	return gc_unswept_p(h, p) || (h->major_phase == HEAP_MAJOR_MARK && h->gx_nodec);
}

/* Check G1-G10; 0 if they hold, else -1 after printing the first violation. A no-op returning 0
 * unless CONFIG_DEBUG. */
int gc_verify(struct heap *h);
/* With h->verify: is a verification due around this piece of collector work (work_bytes)? At
 * every collection while the old generation is under GC_VERIFY_ALL_BYTES, and at every major
 * phase change (force); past that once per eighth of the heap's bytes of work: a verification
 * walks the whole heap, and at every step of a big heap it made --verify quadratic. */
bool gc_verify_due(struct heap *h, size_t work_bytes, bool force);
#define GC_VERIFY_ALL_BYTES	(4u << 20)

/* Pause histograms of GC_PAUSE_BUCKETS buckets (heap_param.h): the bucket of a pause of
 * cycles, and bucket i's range [lo, lo + width). */
unsigned gc_hist_index(uint64_t cycles);
uint64_t gc_hist_lo(unsigned i);
uint64_t gc_hist_width(unsigned i);
/* Count a pause of cycles in a histogram with its total, last and max. */
void gc_hist_note(uint64_t *hist, uint64_t *total, uint64_t *last, uint64_t *max, uint64_t cycles);
/* The pct-th percentile (cycles) of the pauses counted in hist (and in hist2, when not NULL:
 * two histograms taken as one): the highest value of its bucket, at most max (the exact
 * maximum); within 3.1% above the true value. 0 if empty. */
uint64_t gc_hist_percentile(const uint64_t *hist, const uint64_t *hist2, uint64_t max, unsigned pct);
/* The same over counts read by count(ctx, i): for readers of another CPU's histogram. */
uint64_t gc_hist_percentile_of(uint64_t (*count)(const void *ctx, unsigned i), const void *ctx,
				uint64_t max, unsigned pct);
/* The same for the minor pauses of s. */
uint64_t gc_pause_percentile(const struct gc_stats *s, unsigned pct);

/*
 * The weak symbol table (mm/gc/symtab.c; docs/gc.md, "The weak symbol table"). The interpreter
 * registers its one table: chains of symbols linked through their field GC_SYM_NEXT, hanging
 * from the slots of a vector. In a marking that decides symbols' death (h->sym_weak: the local
 * cycle of the table's home heap while the table is unshared, every member of a global mark
 * while it is shared) those links are weak: a chain is walked through the symbols that need
 * nothing, and only a symbol that must stay (bound: GC_SYM_VALUE is not OBJ_UNDEFINED; or
 * flagged: the low byte of the fixnum GC_SYM_FLAGS is not 0) is marked. After the final marks
 * and before any sweep the purge unlinks every unmarked symbol, under the table's lock. A
 * symbol handed out by a lookup is shaded (gc_symtab_found): the table is a weak reference
 * read during a snapshot-at-the-beginning mark.
 */
enum { GC_SYM_NAME, GC_SYM_VALUE, GC_SYM_NEXT, GC_SYM_FLAGS };
#define GC_SYMTAB_FOLLOW_MAX	16	/* symbols walked through from one weak link */
struct gc_symtab_ops {
	arch_irqflags_t (*lock)(void);	/* the table's lock (a spinlock, interrupts off) */
	void (*unlock)(arch_irqflags_t f);
};
/* The interpreter's table: holder, an old object of heap home (it never moves), holds the
 * table's vector in field table_field and the number of symbols (a fixnum) in count_field.
 * A second registration turns the weak table off (two tables: strong links are always safe)
 * until home is destroyed. */
void gc_symtab_register(struct heap *home, obj holder, const struct gc_symtab_ops *ops,
			size_t table_field, size_t count_field);
/* heap_destroy: h's table, if it held the registered one, is gone (a later registration may
 * be weak again). */
void gc_symtab_forget(struct heap *h);
/* A lookup (lock held) found s and hands it to h's mutator: shade it if a marking runs. */
void gc_symtab_found(struct heap *h, obj s);
/* For major.c and xcycle.c: is a local cycle of h weak, is a global mark (table shared)? */
bool gc_symtab_weak_local(struct heap *h);
bool gc_symtab_weak_global(void);
bool gc_symtab_shared(void);
/* Marking (h->sym_weak): 1 if o is a symbol (its next field is weak), 2 if o is the table's
 * vector (every slot weak), else 0; gc_symtab_weak_field: is o's field i weak? */
int gc_symtab_weak_kind(const struct heap *h, obj o);
bool gc_symtab_weak_field(const struct heap *h, obj o, size_t i);
/* Follow a weak link to v: mark the first symbol that must stay, walking through those that
 * need nothing (GC_SYMTAB_FOLLOW_MAX at most: then one is marked); returns the symbols walked (work). */
size_t gc_symtab_follow(struct heap *h, obj v);
/* A local weak marking of h finds the table shared (another CPU runs Scheme now): every symbol
 * of the table is shaded (h's own are marked), h->sym_weak is cleared; returns the work. */
size_t gc_symtab_unweaken(struct heap *h);
/* The purge, marks final, nothing swept: unlink every unmarked symbol. _local takes the lock
 * (h's own cycle, table unshared); _locked: the caller holds it (xcycle.c, around its verdict). */
void gc_symtab_purge_local(struct heap *h);
void gc_symtab_purge_locked(void);
arch_irqflags_t gc_symtab_lock(void);	/* 0, no lock, when no table is registered */
void gc_symtab_unlock(arch_irqflags_t f);

#endif
