/* xheap.c -- references between heaps: the world of heaps, publication (the shared bits and
 * their closure, X1), remote reference counts per heap (X3), remote shading and the root-scan
 * handshakes that let a heap's marking finish without stopping anyone (X4). See xheap.h and
 * docs/gc.md. Lock order: a heap's xlock, then its block source's lock; never two xlocks. */
#include <arch.h>
#include <kernel/kernel.h>

#include "barrier.h"
#include "gc.h"
#include "inspect.h"
#include "roots.h"
#include "stw.h"
#include "xheap.h"
#include "xtrace.h"

#define WORD	sizeof(uintptr_t)

static struct heap *world[NCPU];	/* atomics: set by attach/detach */

struct heap *gc_world_heap(unsigned cpu)
{
	return cpu < NCPU ? arch_atomic_load(&world[cpu]) : NULL;
}

static struct heap *owner_of(obj o)
{
	return heap_group_of((void *)o)->owner;
}

/* ---- the count table (xlock held) ----
 *
 * Open addressing with linear probing and backward-shift deletion. No xlock hold goes through
 * more than a bounded number of entries, whatever the table's size (issue 13: the whole table
 * walked at mark start, or rehashed by another CPU's store, held every CPU that counts into
 * this heap for milliseconds):
 * - Growth is incremental. The owner, at its safe points (xref_tend), takes a block twice the
 *   table's size once the table is 1/4 full (xref_next, outside the lock: an allocation, no
 *   clearing); a writer that finds it 1/2 full without one takes it under the lock (the owner
 *   runs a safe point only every few thousand calls: xtable.scm's writers went from 1/4 to
 *   3/4 in between). That block is cleared XREF_CLEAR slots per insertion and XREF_CLEAR_CHUNK
 *   per safe point of the owner, under the lock, and installed when it is all clear. (Clearing it
 *   at once took 16 MB of memset at 512k entries: milliseconds, inside other CPUs' minor
 *   collections when a writer grew the table.) The block is ready before the writers need it
 *   without the owner's chunks: it is taken once migration is over, when the table is at most
 *   1/2 full (below), and from 1/2 to 3/4 full is cap/4 insertions, which clear 4 cap slots
 *   at XREF_CLEAR = 16, twice what it has.
 *   The replaced table (xref_old) is then migrated XREF_MIGRATE slots per count operation and
 *   XREF_CHUNK per safe point of the owner, a moved slot becoming a tomb so that probes in the
 *   old table still reach what lies beyond it. Lookups try the new table, then the old. Only a
 *   writer that finds the table 3/4 full with no next table ready (the owner has not come by,
 *   or its block is not clear yet) grows it itself (xref_sync_grows: an allocation and what is
 *   left of the clearing under the lock, still no rehash). Migration ends before the next
 *   growth is due: growth leaves the new table at most 3/8 full, the old one's cap slots move
 *   in at most cap/XREF_MIGRATE = cap/4 insertions (1/8 of the new size: it is then at most
 *   1/2 full), and only then is the next block taken.
 * - Mark start walks the tables XREF_CHUNK slots per step (xwalk, gc_xmark_try_finish), not
 *   at once. An entry counted at the start must be shaded before marking ends; so while the
 *   walk runs, an entry that leaves the unvisited part is shaded as it goes: removed (count
 *   down shades it anyway, the deletion barrier), moved back over the cursor by a deletion's
 *   shift, or migrated into the new table. A table installed meanwhile is empty and the old
 *   one now lies beyond the cursor: the walk goes on.
 * - After a global mark, the purge's pass (gc_xpurge_counts, a chunk per step) sets dead
 *   entries' counts to zero, and the entries vanish in the sweep that frees their objects
 *   (xref_forget from gc_xfree_part, one lookup each). A dead entry moved behind the pass's
 *   cursor meanwhile (migrated, or shifted back by a live entry's deletion: counts of live
 *   objects still fall) is zeroed as it moves (purge_moved). */

#define XREF_TOMB	((obj)1)	/* not an object: obj_ptr_p is false for it */
#define XREF_MIGRATE	4		/* old slots moved per count operation */
#define XREF_CLEAR	16		/* next table's slots cleared per insertion */
#define XREF_CLEAR_CHUNK 512		/* and per safe point of the owner (fresh pages fault
					 * hosted: 4096 held the lock 450 us) */
#define XREF_CHUNK	256		/* slots per step of the owner's walk or migration */
#define XREF_FIRST	1024

static size_t slot_of(obj o, size_t cap)
{
	return (size_t)(((uint32_t)((uintptr_t)o >> 3) * 2654435761u) & (cap - 1));
}

static bool entry_live(const struct gc_xref_entry *e)
{
	return e->o != OBJ_NULL && e->o != XREF_TOMB;
}

static struct gc_xref_entry *table_find(struct gc_xref_entry *tab, size_t cap, obj o)
{
	for (size_t i = slot_of(o, cap);; i = (i + 1) & (cap - 1)) {
		if (tab[i].o == o)
			return &tab[i];
		if (tab[i].o == OBJ_NULL)
			return NULL;
	}
}

static struct gc_xref_entry *xref_find(struct heap *v, obj o)
{
	struct gc_xref_entry *e;

	if (v->xref == NULL)
		return NULL;
	e = table_find(v->xref, v->xref_cap, o);
	if (e == NULL && v->xref_old != NULL)
		e = table_find(v->xref_old, v->xref_old_cap, o);
	return e;
}

/* The walk's and the verifier's view of both tables: slots [0, xref_cap) of xref, then those of
 * xref_old. NULL when slot pos holds no entry. */
static size_t xref_span(const struct heap *v)
{
	return v->xref_cap + (v->xref_old != NULL ? v->xref_old_cap : 0);
}

static struct gc_xref_entry *xref_at(struct heap *v, size_t pos)
{
	struct gc_xref_entry *e = pos < v->xref_cap ? &v->xref[pos] : &v->xref_old[pos - v->xref_cap];

	return entry_live(e) ? e : NULL;
}

static void xref_put(struct gc_xref_entry *tab, size_t cap, obj o, uintptr_t count, uintptr_t pins)
{
	size_t i = slot_of(o, cap);

	while (tab[i].o != OBJ_NULL)
		i = (i + 1) & (cap - 1);
	tab[i].o = o;
	tab[i].count = count;
	tab[i].pins = pins;
	tab[i].recount = 0;
}

static size_t xref_bytes(size_t cap)
{
	return ALIGN_UP(cap * sizeof(struct gc_xref_entry), (size_t)HEAP_GROUP_SIZE);
}

static struct gc_xref_entry *table_alloc(struct heap *v, size_t cap)
{
	struct gc_xref_entry *tab = heap_xsrc_alloc(v, xref_bytes(cap));

	if (tab != NULL)
		memset(tab, 0, cap * sizeof(*tab));
	return tab;
}

static void xref_install(struct heap *v, struct gc_xref_entry *tab, size_t cap);

/* Make tab (an uncleared block of cap slots) the next table (xlock held). */
static void xref_next_take(struct heap *v, struct gc_xref_entry *tab, size_t cap)
{
	v->xref_next_cap = cap;
	v->xref_next_clear = 0;
	arch_atomic_store(&v->xref_next, tab);	/* (the owner peeks without the lock) */
}

/* Clear up to n more slots of the next table (xlock held); install it once it is all clear. */
static void xref_prepare(struct heap *v, size_t n)
{
	size_t k = MIN(n, v->xref_next_cap - v->xref_next_clear);

	memset(&v->xref_next[v->xref_next_clear], 0, k * sizeof(*v->xref_next));
	v->xref_next_clear += k;
	if (v->xref_next_clear < v->xref_next_cap)
		return;
	xref_install(v, v->xref_next, v->xref_next_cap);
	arch_atomic_store(&v->xref_next, NULL);
	v->xref_next_cap = v->xref_next_clear = 0;
}

static void xshade_locked(struct heap *v, obj o);

/* Must the running mark-start walk shade e when it leaves the unvisited part? */
static bool walk_wants(const struct heap *v, const struct gc_xref_entry *e)
{
	return v->xwalking && (!v->xwalk_pins || e->pins > 0);
}

static void xref_zero(struct heap *h, struct gc_xref_entry *e);

/* During the purge's pass, a dead entry (unmarked after the global mark) moving behind its
 * cursor loses its count as it moves, as the pass would have done. */
static void purge_moved(struct heap *v, struct gc_xref_entry *e)
{
	if (v->xpurging && e->count > 0 && !heap_marked_p((void *)e->o))
		xref_zero(v, e);
}

/* Move up to n slots of the old table into the new one. */
static void xref_migrate(struct heap *v, size_t n)
{
	struct gc_xref_entry *e;

	for (; v->xref_old != NULL && n > 0; n--) {
		e = &v->xref_old[v->xref_mig++];
		if (entry_live(e)) {
			if (walk_wants(v, e))
				xshade_locked(v, e->o);	/* it may land behind the walk's cursor */
			purge_moved(v, e);
			xref_put(v->xref, v->xref_cap, e->o, e->count, e->pins);
			e->o = XREF_TOMB;
		}
		if (v->xref_mig == v->xref_old_cap) {
			if (v->xref_retired != NULL)	/* the owner has not freed the last one yet */
				heap_xsrc_free(v, v->xref_retired, xref_bytes(v->xref_retired_cap));
			v->xref_retired_cap = v->xref_old_cap;
			arch_atomic_store(&v->xref_retired, v->xref_old);
			arch_atomic_store(&v->xref_old, NULL);
			if (v->xwalking && v->xwalk > v->xref_cap)
				v->xwalk = v->xref_cap;	/* the old part's walk is over */
		}
	}
}

/* Make tab (cap slots, clear) the table and the current one the old table. */
static void xref_install(struct heap *v, struct gc_xref_entry *tab, size_t cap)
{
	while (v->xref_old != NULL)	/* (migration ends before: see above) */
		xref_migrate(v, v->xref_old_cap);
	if (v->xref != NULL) {
		v->xref_old_cap = v->xref_cap;
		v->xref_mig = 0;
		arch_atomic_store(&v->xref_old, v->xref);
	}
	/* A running walk goes on: the new table is empty, its cursor (at most the old table's
	 * size, now the new one's) has seen none of it, and the old table lies beyond it. */
	kassert(!v->xwalking || v->xwalk <= v->xref_cap);
	arch_atomic_store(&v->xref, tab);	/* (gc_xref_flush peeks without the lock) */
	arch_atomic_store(&v->xref_cap, cap);
	arch_atomic_store(&v->stats.xref_grows, v->stats.xref_grows + 1);
}

/* Room for one more entry; false if the block source refused. */
static bool xref_room(struct heap *v)
{
	struct gc_xref_entry *tab;
	size_t cap;

	if (v->xref != NULL && 4 * (v->xref_len + 1) <= 3 * v->xref_cap) {
		if (v->xref_next == NULL && v->xref_old == NULL && 2 * v->xref_len >= v->xref_cap &&
		    (tab = heap_xsrc_alloc(v, xref_bytes(2 * v->xref_cap))) != NULL)
			xref_next_take(v, tab, 2 * v->xref_cap);	/* the owner has not come by */
		if (v->xref_next != NULL)
			xref_prepare(v, XREF_CLEAR);
		return true;
	}
	if (v->xref_next != NULL) {	/* not clear yet: the rest now */
		arch_atomic_store(&v->stats.xref_sync_grows, v->stats.xref_sync_grows + 1);
		xref_prepare(v, v->xref_next_cap);
		return true;
	}
	cap = v->xref ? 2 * v->xref_cap : XREF_FIRST;
	tab = table_alloc(v, cap);
	if (tab == NULL)
		return false;
	if (v->xref != NULL)
		arch_atomic_store(&v->stats.xref_sync_grows, v->stats.xref_sync_grows + 1);
	xref_install(v, tab, cap);
	return true;
}

/* The owner, at its safe points: free a migrated table, move a chunk of the old one, clear a
 * chunk of the next one, or take the next one's block once this one is a quarter full;
 * allocation and freeing outside the lock. */
static void xref_tend(struct heap *h)
{
	struct gc_xref_entry *tab = NULL;
	size_t cap, bytes = 0;
	arch_irqflags_t f;

	if (arch_atomic_load_relaxed(&h->xref_old) != NULL) {
		f = spin_lock_irqsave(&h->xlock);
		xref_migrate(h, XREF_CHUNK);
		spin_unlock_irqrestore(&h->xlock, f);
	}
	if (arch_atomic_load_relaxed(&h->xref_retired) != NULL) {
		f = spin_lock_irqsave(&h->xlock);
		tab = h->xref_retired;
		bytes = tab ? xref_bytes(h->xref_retired_cap) : 0;
		arch_atomic_store(&h->xref_retired, NULL);
		spin_unlock_irqrestore(&h->xlock, f);
		if (tab)
			heap_xsrc_free(h, tab, bytes);
	}
	if (arch_atomic_load_relaxed(&h->xref_next) != NULL) {
		f = spin_lock_irqsave(&h->xlock);
		if (h->xref_next != NULL)
			xref_prepare(h, XREF_CLEAR_CHUNK);
		spin_unlock_irqrestore(&h->xlock, f);
		return;
	}
	if (arch_atomic_load_relaxed(&h->xref_old) != NULL)
		return;
	cap = arch_atomic_load_relaxed(&h->xref_cap);
	if (cap == 0 || 4 * arch_atomic_load_relaxed(&h->xref_len) <= cap)
		return;
	tab = heap_xsrc_alloc(h, xref_bytes(2 * cap));	/* cleared later, a chunk at a time */
	if (tab == NULL)
		return;	/* a writer tries again at 3/4 */
	f = spin_lock_irqsave(&h->xlock);
	if (h->xref_old == NULL && h->xref_next == NULL && h->xref_cap == cap) {
		xref_next_take(h, tab, 2 * cap);
		tab = NULL;
	}
	spin_unlock_irqrestore(&h->xlock, f);
	if (tab)
		heap_xsrc_free(h, tab, xref_bytes(2 * cap));
}

/* Remove entry e. In the old table it becomes a tomb; in the new one later entries of its probe
 * run move back (no tombstones), and one that moves over the walk's cursor is shaded. */
static void xref_remove(struct heap *v, struct gc_xref_entry *e)
{
	size_t mask = v->xref_cap - 1, i = (size_t)(e - v->xref), j = i;

	XT(XT_RMENT, v->cpu, e->o, e->count, 0, v->gx_cycle);
	arch_atomic_store(&v->xref_len, v->xref_len - 1);	/* xlock held; read without it */
	if (v->xref_old != NULL && e >= v->xref_old && e < v->xref_old + v->xref_old_cap) {
		e->o = XREF_TOMB;
		return;
	}
	v->xref[i].o = OBJ_NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (v->xref[j].o == OBJ_NULL)
			break;
		size_t home = slot_of(v->xref[j].o, v->xref_cap);

		/* move j back to i unless its home lies cyclically in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			if (i < v->xwalk && j >= v->xwalk && walk_wants(v, &v->xref[j]))
				xshade_locked(v, v->xref[j].o);
			if (v->xpurging && i < v->gx_purge_slot && j >= v->gx_purge_slot)
				purge_moved(v, &v->xref[j]);	/* (the cursor: xlock, while purging) */
			v->xref[i] = v->xref[j];
			v->xref[j].o = OBJ_NULL;
			i = j;
		}
	}
}

/* ---- remote shading (xlock held) ---- */

/* The shade buffer is a stack of HEAP_GROUP_SIZE blocks: word 0 of each names the block below
 * it (NULL at the bottom), words 1..XSHADE_PER hold shades; xshade is the top block and
 * xshade_len its entries, 0 only when the whole stack is empty (a block emptied by the drain is
 * given back at once). It grows a block at a time, no copy: another CPU's shade holds xlock
 * for one block's allocation at most. Before (issue 13) it doubled and copied under the lock;
 * a global mark that shaded a few hundred thousand objects of one heap grew it to megabytes,
 * and the copy (and, hosted, the new buffer's page faults) kept every other CPU's count update
 * of that heap waiting for milliseconds. */
#define XSHADE_PER	(HEAP_GROUP_SIZE / sizeof(obj) - 1)

static bool xshade_grow(struct heap *v)
{
	obj *b = heap_src_alloc(v, HEAP_GROUP_SIZE);

	if (b == NULL)
		return false;
	b[0] = (obj)v->xshade;
	v->xshade = b;
	v->xshade_len = 0;
	return true;
}

/* The top block is empty: give it back, the one below (full) is the top again. */
static void xshade_shrink(struct heap *v)
{
	obj *below = (obj *)v->xshade[0];

	if (below == NULL)
		return;
	heap_src_free(v, v->xshade, HEAP_GROUP_SIZE);
	v->xshade = below;
	v->xshade_len = XSHADE_PER;
}

void gc_xshade_clear_locked(struct heap *v)
{
	while (v->xshade != NULL && v->xshade[0] != 0)
		xshade_shrink(v);
	v->xshade_len = 0;
}

/* xshade_locked without the global mark's note of work (the caller's): true if o was taken. */
static bool xshade_take_locked(struct heap *v, obj o)
{
	if (!arch_atomic_load_relaxed(&v->xmarking) || heap_marked_p((void *)o))
		return false;	/* a marked object needs nothing (its bits only go up while v marks) */
	/* (xshade NULL: join()'s reserve was refused and bail() has not run yet; grow makes the
	 * bottom block) */
	if ((v->xshade == NULL || v->xshade_len == XSHADE_PER) && !xshade_grow(v)) {
		v->xshade_lost = true;	/* this cycle will free nothing */
		if (arch_atomic_load_relaxed(&v->gx_cycle))
			gc_global_lost();
		return false;
	}
	v->xshade[1 + v->xshade_len++] = o;
	XT(XT_SHADE, v->cpu, o, 0, 0, v->gx_cycle);
	return true;
}

static void xshade_locked(struct heap *v, obj o)
{
	if (xshade_take_locked(v, o) && arch_atomic_load_relaxed(&v->gx_cycle))
		gc_global_note_work(v, 1);
}

void gc_xshade(struct heap *v, obj o)
{
	arch_irqflags_t f;

	if (!arch_atomic_load_relaxed(&v->xmarking))
		return;
	f = spin_lock_irqsave(&v->xlock);
	xshade_locked(v, o);
	spin_unlock_irqrestore(&v->xlock, f);
}

void gc_xshade_later(struct heap *h, obj o)
{
	kassert(owner_of(o) != h);
	if (h->nxsh == GC_XSHADE_BATCH)
		gc_xshade_flush(h);
	h->xsh_batch[h->nxsh++] = o;
}

/* Each owner's shades under one hold of its lock, and one note of the work they make (its
 * atomic add on the global mark's shared counter was another round trip per object): a pass per
 * owner, the others kept for the next pass (as many passes as owners in the batch, at most
 * NCPU - 1). */
void gc_xshade_flush(struct heap *h)
{
	unsigned n = h->nxsh;

	while (n > 0) {
		struct heap *v = owner_of(h->xsh_batch[0]);
		unsigned k = 0, taken = 0;
		arch_irqflags_t f = 0;
		bool marking = arch_atomic_load_relaxed(&v->xmarking);

		if (marking)
			f = spin_lock_irqsave(&v->xlock);
		for (unsigned i = 0; i < n; i++) {
			obj o = h->xsh_batch[i];

			if (owner_of(o) != v)
				h->xsh_batch[k++] = o;
			else if (marking && xshade_take_locked(v, o))
				taken++;
		}
		if (taken > 0 && arch_atomic_load_relaxed(&v->gx_cycle))
			gc_global_note_work(v, taken);
		if (marking)
			spin_unlock_irqrestore(&v->xlock, f);
		n = k;
	}
	h->nxsh = 0;
}

/* Has a's root set not yet been scanned for v's current marking cycle? A heap is grey for
 * itself only in a global mark, until its own scan (it stores its objects into others'). */
static bool grey_for(const struct heap *a, const struct heap *v)
{
	if (!arch_atomic_load_relaxed(&v->xmarking))
		return false;
	if (a == v)
		return a->gx_grey;	/* only a's owner asks about a */
	return arch_atomic_load_relaxed(&a->xseen[v->cpu]) != arch_atomic_load_relaxed(&v->xcycle);
}

/* Writer a stores or counts o (an object of another heap): shade it if a is grey for it. */
static void shade_new(struct heap *a, obj o)
{
	struct heap *v = owner_of(o);
	arch_irqflags_t f;

	if (!grey_for(a, v))
		return;
	f = spin_lock_irqsave(&v->xlock);
	if (grey_for(a, v))
		xshade_locked(v, o);
	spin_unlock_irqrestore(&v->xlock, f);
}

/* Snapshot barrier for an overwritten reference to o, an object of v, by writer h. */
static void shade_old(struct heap *h, struct heap *v, obj o)
{
	if (v == h && h->major_marking) {
		gc_major_shade(h, o);
		return;
	}
	gc_xshade(v, o);	/* another heap's, or ours joined to a global mark but not scanning yet */
}

/* ---- counts ---- */

/* count += 1 (pin: also pins += 1) for o, an object of v (v->xlock held); shade it if h is
 * grey for v. */
static void count_up_locked(struct heap *h, struct heap *v, obj o, bool pin)
{
	struct gc_xref_entry *e;

	kassert(heap_shared_p((void *)o));
	e = xref_find(v, o);
	if (e != NULL) {
		e->count++;
		e->pins += pin;
	} else if (!v->xref_lost && xref_room(v)) {
		xref_put(v->xref, v->xref_cap, o, 1, pin);
		arch_atomic_store(&v->xref_len, v->xref_len + 1);
		XT(XT_NEWENT, h->cpu, o, 0, 0, v->gx_cycle);
	} else {
		v->xref_lost = true;	/* every shared object of v stays a root from now on */
	}
	arch_atomic_store(&v->xref_total, v->xref_total + 1);
	if (!pin)
		arch_atomic_add(&h->xref_out[v->cpu], 1);	/* h holds it (gc_xref_inc) */
	XT(XT_UP, h->cpu, o, xt_holder, e ? e->count : 1, v->gx_cycle);
	if (grey_for(h, v))
		xshade_locked(v, o);
	xref_migrate(v, XREF_MIGRATE);
}

static void count_up(struct heap *h, obj o, bool pin)
{
	struct heap *v = owner_of(o);
	arch_irqflags_t f = spin_lock_irqsave(&v->xlock);

	count_up_locked(h, v, o, pin);
	spin_unlock_irqrestore(&v->xlock, f);
}

static void count_down(struct heap *h, obj o, bool pin)
{
	struct heap *v = owner_of(o);
	struct gc_xref_entry *e;
	arch_irqflags_t f;

	f = spin_lock_irqsave(&v->xlock);
	e = xref_find(v, o);
	XT(XT_DOWN, h->cpu, o, xt_holder, e ? e->count : 0, v->gx_cycle);
	if (e != NULL && (!pin || e->pins > 0)) {
		e->pins -= pin;
		if (--e->count == 0)
			xref_remove(v, e);
	} else if (!v->xref_lost) {
		XT_DUMP(o);
		panic("gc: cpu %u drops an uncounted %s to %p of cpu %u", h->cpu,
		      pin ? "pin" : "reference", (void *)o, v->cpu);
	}
	arch_atomic_store(&v->xref_total, v->xref_total - 1);
	if (!pin)
		arch_atomic_sub(&h->xref_out[v->cpu], 1);
	xshade_locked(v, o);	/* deletion barrier (not strictly needed: see docs/gc.md) */
	xref_migrate(v, XREF_MIGRATE);
	spin_unlock_irqrestore(&v->xlock, f);
}

void gc_xref_inc(struct heap *h, obj o)
{
	kassert(owner_of(o) != h);
	count_up(h, o, false);
}

/*
 * A minor collection's copies count their references into other heaps a batch at a time: one
 * hold of each owner's xlock per GC_XBATCH references, not one per reference. A minor that
 * promoted 341 cells naming a neighbour's (xtable.scm) took its lock 341 times, and each time
 * waited behind the neighbour's own holds: 300-1000 us of a 500-1200 us pause at a 16 KiB
 * nursery. Counting later within the same pause is the same as counting at once to every
 * other CPU: until this CPU's next safe point nothing reads its young objects or its roots
 * (an owner's mark start and a global mark wait for its handshake), an object it names was
 * reachable when any running mark took its snapshot, and whether this CPU is grey for the
 * owner cannot change in its pause except by the owner starting a cycle, after which the
 * count shades the object anyway (a harmless extra shade). gc_xref_flush ends the batch; the
 * collection calls it before its pause ends.
 */
void gc_xref_inc_later(struct heap *h, obj o, uintptr_t holder)
{
	kassert(owner_of(o) != h);
	h->xbatch[h->nxbatch] = o;
	h->xbatch_holder[h->nxbatch] = holder;
	if (++h->nxbatch == GC_XBATCH)
		gc_xref_flush(h);
}

void gc_xref_flush(struct heap *h)
{
	unsigned n = h->nxbatch;

	/* The slots the batch will look up, fetched before the locks: a lookup is a random
	 * access into a table of up to millions of entries, a cache miss each (xtable.scm: 600 ns
	 * a count here, 170 of them one after another under the owner's lock in a 16 KiB minor
	 * collection); fetched together, the misses overlap. Read without the lock: a stale table
	 * or size only fetches a useless line (a prefetch never faults). */
	for (unsigned i = 0; i < n; i++) {
		struct heap *v = owner_of(h->xbatch[i]);
		struct gc_xref_entry *tab = arch_atomic_load_relaxed(&v->xref);
		size_t cap = arch_atomic_load_relaxed(&v->xref_cap);

		if (tab != NULL && cap != 0)	/* an address, maybe past a stale table: no
						 * array indexing */
			__builtin_prefetch((const void *)((uintptr_t)tab + slot_of(h->xbatch[i], cap) *
							  sizeof(*tab)), 1);
	}
	for (unsigned i = 0; i < n; i++) {
		struct heap *v;
		arch_irqflags_t f;

		if (h->xbatch[i] == OBJ_NULL)
			continue;
		v = owner_of(h->xbatch[i]);
		f = spin_lock_irqsave(&v->xlock);
		for (unsigned j = i; j < n; j++) {
			if (h->xbatch[j] == OBJ_NULL || owner_of(h->xbatch[j]) != v)
				continue;
			XT_HOLDER(h->xbatch_holder[j]);
			count_up_locked(h, v, h->xbatch[j], false);
			h->xbatch[j] = OBJ_NULL;
		}
		spin_unlock_irqrestore(&v->xlock, f);
	}
	h->nxbatch = 0;
}

void gc_xref_dec(struct heap *h, obj o)
{
	kassert(owner_of(o) != h);
	count_down(h, o, false);
}

void gc_pin(struct heap *h, obj o)
{
	if (obj_ptr_p(o))
		count_up(h, o, true);
}

void gc_unpin(struct heap *h, obj o)
{
	if (obj_ptr_p(o))
		count_down(h, o, true);
}

uintptr_t gc_remote_count(obj o)
{
	struct heap *v;
	struct gc_xref_entry *e;
	uintptr_t n;
	arch_irqflags_t f;

	if (!obj_ptr_p(o))
		return 0;
	v = owner_of(o);
	f = spin_lock_irqsave(&v->xlock);
	e = xref_find(v, o);
	n = e ? e->count : 0;
	spin_unlock_irqrestore(&v->xlock, f);
	return n;
}

uintptr_t gc_remote_refs(struct heap *h)
{
	return arch_atomic_load_relaxed(&h->xref_total);
}

static void top_note(struct gc_xref_top *top, size_t n, const struct gc_xref_entry *e)
{
	size_t i, j;

	for (i = 0; i < n && top[i].count != 0 && top[i].o != e->o; i++)
		;
	if (i < n && top[i].o == e->o && top[i].count != 0) {	/* seen (a migrated entry) */
		if (top[i].count >= e->count)
			return;
		for (j = i; j + 1 < n; j++)
			top[j] = top[j + 1];
		top[n - 1].count = 0;
	}
	for (i = 0; i < n && top[i].count >= e->count; i++)
		;
	if (i == n)
		return;
	for (j = n - 1; j > i; j--)
		top[j] = top[j - 1];
	top[i] = (struct gc_xref_top){ e->o, e->count, e->pins };
}

bool gc_xref_top_step(struct heap *v, struct gc_xref_top *top, size_t n, size_t *pos)
{
	arch_irqflags_t f = spin_lock_irqsave(&v->xlock);
	size_t end = *pos + XREF_CHUNK, span = v->xref != NULL ? xref_span(v) : 0;
	bool done;

	for (; *pos < end && *pos < span; (*pos)++) {
		struct gc_xref_entry *e = xref_at(v, *pos);

		if (e != NULL && e->count > 0)
			top_note(top, n, e);
	}
	done = *pos >= span;
	spin_unlock_irqrestore(&v->xlock, f);
	return done;
}

/* ---- the world ---- */

void gc_world_attach(struct heap *h)
{
	heap_check(h);
	kassert(!gc_global_running());
	kassert(h->cpu < NCPU && world[h->cpu] == NULL);
	for (unsigned c = 0; c < NCPU; c++)
		h->xseen[c] = h->xterm_seen[c] = 0;	/* (a round's xterm is never 0) */
	h->attached = true;
	arch_atomic_store(&world[h->cpu], h);
}

/* Drop the counted references h's old objects hold (h is going away). */
static void drop_area(struct heap *h, uintptr_t *p, uintptr_t *end)
{
	for (; p < end; p += obj_hdr_size(p[0]) + 1)
		if (obj_hdr_type(p[0]) != OBJ_T_FILLER)
			gc_xfree(h, p);
}

void gc_world_detach(struct heap *h)
{
	heap_check(h);
	kassert(world[h->cpu] == h && h->major_phase == HEAP_MAJOR_IDLE && !gc_global_running());
	for (struct heap_group *g = h->small_first; g; g = g->next)
		drop_area(h, heap_group_objects(g), g->top);
	for (struct heap_group *g = h->large; g; g = g->next)
		drop_area(h, heap_group_objects(g), g->top);
	if (h->xref_len != 0)
		kprintf("gc: cpu %u leaves the world with %lu objects still referenced from others\n",
			h->cpu, (unsigned long)h->xref_len);
	arch_atomic_store(&world[h->cpu], NULL);
	h->attached = false;	/* its count table stays until heap_destroy: others detaching
				 * after it still lower its counts */
}

void gc_xref_release(struct heap *h)
{
	if (h->xref)
		heap_xsrc_free(h, h->xref, xref_bytes(h->xref_cap));
	if (h->xref_old)
		heap_xsrc_free(h, h->xref_old, xref_bytes(h->xref_old_cap));
	if (h->xref_retired)
		heap_xsrc_free(h, h->xref_retired, xref_bytes(h->xref_retired_cap));
	if (h->xref_next)
		heap_xsrc_free(h, h->xref_next, xref_bytes(h->xref_next_cap));
	h->xref = h->xref_old = h->xref_retired = h->xref_next = NULL;
	h->xref_next_cap = h->xref_next_clear = 0;
	h->xref_cap = h->xref_len = 0;
	if (h->xshade) {
		gc_xshade_clear_locked(h);	/* (the heap is going: no other CPU shades into it) */
		heap_src_free(h, h->xshade, HEAP_GROUP_SIZE);
	}
	h->xshade = NULL;
	h->xshade_len = 0;
	if (h->pub_log)
		heap_src_free(h, h->pub_log, HEAP_GROUP_SIZE);
	h->pub_log = NULL;
}

/* ---- publication ---- */

/* The walk's log: every object this publication made shared, in the order found (a queue:
 * [0, done) have had their fields visited). An entry with its low bit set is a holder whose
 * fields name young objects (the frontier). The log only grows (doubling, from the block
 * source): no object is ever dropped from it, so there is no overflow pass over the heap, and
 * when it cannot grow the publication is undone from it (every shared bit it set is cleared)
 * and fails like an allocation. Cost: one word per object published, while the walk runs. */
struct walk {
	obj *log;
	size_t n, done, cap;
	bool young;
	bool failed;
};

#define FRONTIER	((obj)1)

#define WALK_LOG_FIRST	(HEAP_GROUP_SIZE / sizeof(obj))	/* pub_log: one block */
/* a promotion's copies all fit the first block (minor.c, "publishing") */
_Static_assert(GC_PROMOTE_MAX_OBJECTS < WALK_LOG_FIRST, "the walk's first block holds a promotion");

/* The first block of the log is the heap's (pub_log, kept from one publication to the next: a
 * block taken and given back at every channel-send cost an mmap, a munmap and its TLB
 * shootdown on the hosted build); a bigger one is the walk's own. */
static bool walk_start(struct heap *h, struct walk *w)
{
	if (h->pub_log == NULL && (h->pub_log = heap_src_alloc(h, WALK_LOG_FIRST * sizeof(obj))) == NULL)
		return false;
	w->log = h->pub_log;
	w->cap = WALK_LOG_FIRST;
	return true;
}

static bool walk_grow(struct heap *h, struct walk *w)
{
	size_t cap = 2 * w->cap;
	obj *log = heap_src_alloc(h, cap * sizeof(obj));

	if (log == NULL)
		return false;
	memcpy(log, w->log, w->n * sizeof(obj));
	if (w->log != h->pub_log)
		heap_src_free(h, w->log, w->cap * sizeof(obj));
	w->log = log;
	w->cap = cap;
	return true;
}

/* Share o (an unshared old object of h) and queue it. */
static void walk_share(struct heap *h, struct walk *w, obj o)
{
	if (w->n == w->cap && !walk_grow(h, w)) {
		w->failed = true;
		return;
	}
	heap_shared_set((void *)o);
	w->log[w->n++] = o;
}

/* Visit the fields of log entry k: share and queue the local old ones. */
static void walk_fields(struct heap *h, struct walk *w, size_t k)
{
	obj o = w->log[k] & ~FRONTIER;
	obj *f = obj_fields(o);
	size_t n = obj_hdr_nptrs(obj_header(o), f);

	kassert(obj_type(o) != OBJ_T_STACK);
	w->log[k] = o;
	for (size_t i = 0; i < n && !w->failed; i++) {
		obj v = f[i];

		if (!obj_ptr_p(v))
			continue;
		if (heap_young_p(h, v)) {
			w->log[k] = o | FRONTIER;
			w->young = true;
			continue;
		}
		if (owner_of(v) != h || heap_shared_p((void *)v))
			continue;
		walk_share(h, w, v);
	}
}

static void walk_drain(struct heap *h, struct walk *w)
{
	while (w->done < w->n && !w->failed)
		walk_fields(h, w, w->done++);
}

/* Clear every shared bit the walk set: nobody else has seen these objects yet. */
static void walk_undo(struct heap *h, struct walk *w)
{
	for (size_t k = 0; k < w->n; k++)
		heap_shared_clear((void *)(w->log[k] & ~FRONTIER));
	(void)h;
}

int gc_publish(struct heap *h, obj *x)
{
	struct walk w = { NULL, 0, 0, 0, false, false };
	obj o = *x;
	int rc = 0, r = 0;
	uint64_t minors = h->stats.publish_minors + h->stats.publish_promotions;
	uint64_t t0, in_minor = 0, m0;

	if (!obj_ptr_p(o))
		return 0;
	t0 = arch_cycles();	/* the publication is one pause, its minor collections apart */
	if (heap_young_p(h, o)) {
		/* promoted, its copies are shared and logged as it goes (minor.c, "publishing") */
		if (!walk_start(h, &w))
			return -1;
		h->promote_log = w.log;
		h->promote_cap = w.cap;
		h->promote_n = h->promote_nvisit = 0;
		h->promote_full = false;
		h->publishing = true;
		r = gc_promote_closure(h, &o);
		h->publishing = false;
		h->promote_log = NULL;
		/* the copies visited, then the old objects they name, to visit (the two parts
		 * may overlap once moved: memmove; their order does not matter) */
		w.done = h->promote_n;
		memmove(w.log + w.done, w.log + w.cap - h->promote_nvisit, h->promote_nvisit * sizeof(obj));
		w.n = w.done + h->promote_nvisit;
		if (h->promote_full)	/* an old object left out: visit every entry */
			w.done = 0;
		kassert(r > 0 || w.n == 0);
		if (r > 0)
			*x = o;		/* its young closure is old now, nothing else moved */
	}
	if (w.n == 0) {		/* not promoted (a promotion logs its copies) */
		if (heap_young_p(h, o)) {
			GC_ROOT(h, o);
			m0 = arch_cycles();
			r = gc_minor(h);
			in_minor += arch_cycles() - m0;
			GC_UNROOT(h, o);
			if (r < 0)
				return -1;
			h->stats.publish_minors++;
			*x = o;
		} else if (owner_of(o) != h || heap_shared_p((void *)o)) {
			return 0;
		}
	}
	/* Room for a minor collection now: once shared bits are set, the one below must not fail
	 * (shared holders would keep naming young objects). A promotion's bits are undone. */
	if (heap_reserve(h, heap_nursery_used(h)) < 0 || (w.log == NULL && !walk_start(h, &w))) {
		walk_undo(h, &w);
		return -1;
	}
	if (w.n == 0)
		walk_share(h, &w, o);
	walk_drain(h, &w);
	if (w.young && !w.failed) {
		/* Young objects hang off some shared holders (remembered slots: G3). Promote them,
		 * then share what the holders now reach. The nursery is empty afterwards, and stays
		 * so: the walk allocates nothing on the heap. */
		size_t n = w.n;

		h->publishing = true;	/* the verifier's X1 waits for the end of this */
		m0 = arch_cycles();
		if (gc_minor(h) < 0)	/* its reserve was made above: cannot fail */
			panic("gc_publish: the minor collection failed on cpu %u", h->cpu);
		in_minor += arch_cycles() - m0;
		h->stats.publish_minors++;
		for (size_t k = 0; k < n && !w.failed; k++)
			if (w.log[k] & FRONTIER)
				walk_fields(h, &w, k);
		walk_drain(h, &w);
		h->publishing = false;
	}
	if (w.failed) {
		walk_undo(h, &w);
		rc = -1;
	} else {
		h->stats.published += w.n;
	}
	if (w.log != h->pub_log)
		heap_src_free(h, w.log, w.cap * sizeof(obj));
	if (w.n > 0) {	/* a promotion's copies and the old objects the walk shared */
		struct gc_stats *s = &h->stats;

		gc_hist_note(s->pause_hist, &s->pause_total, &s->pause_last, &s->pause_max,
			     arch_cycles() - t0 - in_minor);
	}
	/* Our minor collections promoted: the major collector's pace and trigger are due, as after
	 * any minor collection of the allocation path (a program that published a fresh object at
	 * every store filled its heap without a single major cycle). Not here: the caller holds
	 * old objects in C variables nobody roots (the holder it is about to store into, *x), and
	 * a major cycle started now would free them. At the next safe point. */
	if (h->stats.publish_minors + h->stats.publish_promotions != minors)
		h->major_poll_due = true;
	return rc;
}

int gc_store(struct heap *h, obj holder, size_t i, obj value)
{
	if (!heap_young_p(h, holder) && gc_shared_p(h, holder) && !gc_shared_p(h, value) &&
	    obj_ptr_p(value)) {
		if (gc_publish(h, &value) < 0)
			return -1;
	}
	gc_write(h, holder, i, value);
	return 0;
}

obj gc_swap_shared(struct heap *h, obj holder, size_t i, obj value)
{
	struct heap *v = owner_of(holder);
	obj *slot = &obj_fields(holder)[i];
	obj old;

	/* X1 in every build: a store that skipped its publication stops here, not in another
	 * CPU reading a nursery object (lisp/internal.h, "Stores"). */
	if (__builtin_expect(obj_ptr_p(value) && !gc_shared_p(h, value), 0))
		panic("gc: cpu %u stores unpublished %p into shared %p (field %lu)", h->cpu,
		      (void *)value, (void *)holder, (unsigned long)i);
	XT_HOLDER(holder);
	/* Count the new reference before it is in the slot: once there, another CPU may
	 * exchange it out and uncount it at once. */
	if (obj_ptr_p(value)) {
		struct heap *w = owner_of(value);

		if (w != v)
			gc_xref_inc(v, value);	/* counted for holder's heap; shades if v is grey */
		if (grey_for(h, w))
			shade_new(h, value);	/* the writer's roots may have held it unseen */
	}
	old = arch_atomic_xchg(slot, value);
	XT(XT_XSTORE, h->cpu, holder, value, old, i);
	if (obj_ptr_p(old)) {
		struct heap *w = owner_of(old);

		if (w != v)
			gc_xref_dec(v, old);
		else
			shade_old(h, v, old);
	}
	return old;
}

void gc_write_shared(struct heap *h, obj holder, size_t i, obj value)
{
	(void)gc_swap_shared(h, holder, i, value);
}

/* ---- handshakes ---- */

static void scan_slot(struct heap *h, obj *slot)
{
	obj v = *slot;

	if (gc_remote_p(h, v)) {
		shade_new(h, v);
	} else if (obj_ptr_p(v) && obj_type(v) == OBJ_T_STACK) {
		obj *f = obj_fields(v);

		for (size_t i = 0, n = obj_hdr_nptrs(obj_header(v), f); i < n; i++)	/* to its top */
			if (gc_remote_p(h, f[i]))
				shade_new(h, f[i]);
	}
}

/* Young objects hold uncounted references: shade every other heap's object the nursery names
 * (we are still grey for those heaps). A walk of the nursery, not a minor collection: a
 * handshake needs no memory, so a heap at its limit still answers (an idle CPU whose heap a
 * dead thread filled held every other CPU's collections). */
static void scan_nursery(struct heap *h)
{
	for (uintptr_t *p = h->nursery_start; p < h->nursery_top; p += obj_hdr_size(p[0]) + 1) {
		obj *f = (obj *)p + 1;
		size_t n = obj_hdr_nptrs(p[0], f);

		for (size_t i = 0; i < n; i++)
			if (gc_remote_p(h, f[i]))
				shade_new(h, f[i]);
	}
}

void gc_safepoint(struct heap *h)
{
	if (!h->attached || h->in_gc)
		return;
	xref_tend(h);
	gc_stw_safepoint(h);
	gc_global_poll(h);
	gc_handshake_poll(h);
	gc_inspect_poll(h);	/* another CPU's (heap-map) */
}

/* The end of v's marking (gc_xmark_try_finish): at a safe point h is inside no barrier, so
 * every shade h owed v for an overwritten reference is in v's buffer. Acked under v's lock,
 * after those pushes, as xseen is. */
static void term_ack(struct heap *h, struct heap *v)
{
	unsigned t = arch_atomic_load(&v->xterm);
	arch_irqflags_t f;

	if (arch_atomic_load_relaxed(&h->xterm_seen[v->cpu]) == t)
		return;
	f = spin_lock_irqsave(&v->xlock);
	arch_atomic_store(&h->xterm_seen[v->cpu], t);
	spin_unlock_irqrestore(&v->xlock, f);
}

void gc_handshake_poll(struct heap *h)
{
	unsigned want[NCPU];
	bool any = false;

	if (!h->attached || h->in_gc)
		return;
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *v = gc_world_heap(c);

		want[c] = 0;
		if (v == NULL || v == h || !arch_atomic_load(&v->xmarking) ||
		    arch_atomic_load(&v->gx_cycle) != 0)
			continue;	/* a global mark's scans are gc_xscan's */
		term_ack(h, v);
		want[c] = arch_atomic_load(&v->xcycle);
		if (arch_atomic_load(&h->xseen[c]) != want[c])
			any = true;
		else
			want[c] = 0;
	}
	if (!any)
		return;
	/* the nursery, then the roots and the stacks they name */
	scan_nursery(h);
	gc_roots_visit(h, scan_slot);
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *v = gc_world_heap(c);
		arch_irqflags_t f;

		if (want[c] == 0 || v == NULL)
			continue;
		f = spin_lock_irqsave(&v->xlock);
		arch_atomic_store(&h->xseen[c], want[c]);	/* a newer cycle waits for the next one */
		spin_unlock_irqrestore(&v->xlock, f);
	}
	h->stats.handshakes++;
}

void gc_mutator_poll(struct heap *h)
{
	gc_safepoint(h);
	if (h->remset_len >= GC_REMSET_ENTRIES && !h->in_gc && gc_mode() != GC_MODE_GLOBAL &&
	    gc_minor(h) == 0)	/* stores without allocation filled the remembered set */
		gc_major_poll(h);
	if (h->major_poll_due && !h->in_gc) {	/* gc_publish's promotions */
		h->major_poll_due = false;
		if (gc_mode() == GC_MODE_GLOBAL)
			gc_stw_poll(h);
		else
			gc_major_poll(h);
	}
}

void gc_xscan(struct heap *h)
{
	gc_roots_visit(h, scan_slot);	/* h is grey for every member: remote ones are shaded */
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *v = gc_world_heap(c);
		arch_irqflags_t f;

		if (v == NULL || v == h)
			continue;
		f = spin_lock_irqsave(&v->xlock);
		arch_atomic_store(&h->xseen[c], arch_atomic_load(&v->xcycle));
		spin_unlock_irqrestore(&v->xlock, f);
	}
	h->gx_grey = false;
	XT(XT_SCAN, h->cpu, 0, 0, 0, h->gx_cycle);
	h->stats.global_scans++;
}

/* A dead entry's count goes (its references come from objects as dead as it is, whose sweeps
 * drop nothing: gx_nodec). */
static void xref_zero(struct heap *h, struct gc_xref_entry *e)
{
	kassert(e->pins == 0);	/* pinned objects are roots */
	XT(XT_PURGE_RM, h->cpu, e->o, e->count, 0, h->gx_cycle);
	arch_atomic_store(&h->xref_total, h->xref_total - e->count);
	e->count = 0;
	h->stats.global_purged++;
}

bool gc_xpurge_counts(struct heap *h, size_t *pos, size_t *work, size_t budget)
{
	bool done = false;

	while (!done && *work < budget) {
		arch_irqflags_t f = spin_lock_irqsave(&h->xlock);

		h->xpurging = true;
		for (size_t end = *pos + XREF_CHUNK; *pos < end && *pos < xref_span(h); (*pos)++) {
			struct gc_xref_entry *e = xref_at(h, *pos);

			if (e != NULL && e->count > 0 && !heap_marked_p((void *)e->o))
				xref_zero(h, e);
		}
		done = *pos >= xref_span(h);
		h->xpurging = !done;
		spin_unlock_irqrestore(&h->xlock, f);
		*work += XREF_CHUNK;
	}
	return done;
}

/* After a global mark, dead object o of h (being freed by h's sweep) may still have an entry:
 * it goes now (its count is zero: the purge's pass saw it, or zeroed it as it moved). */
static void xref_forget(struct heap *h, obj o)
{
	struct gc_xref_entry *e;
	arch_irqflags_t f;

	if (arch_atomic_load_relaxed(&h->xref_len) == 0)
		return;
	f = spin_lock_irqsave(&h->xlock);
	e = xref_find(h, o);
	if (e != NULL) {
		if (e->count > 0)
			xref_zero(h, e);
		xref_remove(h, e);
	}
	spin_unlock_irqrestore(&h->xlock, f);
}

/* ---- major collection hooks ---- */

static void shade_all_shared(struct heap *h)
{
	for (struct heap_group *g = h->small_first; g; g = g->next)
		for (uintptr_t *p = heap_group_objects(g); p < g->top; p += obj_hdr_size(p[0]) + 1)
			if (obj_hdr_type(p[0]) != OBJ_T_FILLER && heap_shared_p(p))
				gc_major_shade(h, (obj)p);
	for (struct heap_group *g = h->large; g; g = g->next)
		if (heap_shared_p(heap_group_objects(g)))
			gc_major_shade(h, (obj)heap_group_objects(g));
}

/* Under the lock: once h marks (a global mark's join, before its own scan reserves again),
 * other CPUs' shades grow the buffer under it too (TSan saw the unlocked look race with their
 * push of a block, xtable.scm at 3 CPUs). */
int gc_xshade_reserve(struct heap *h)
{
	arch_irqflags_t f = spin_lock_irqsave(&h->xlock);
	int r = h->xshade == NULL && !xshade_grow(h) ? -1 : 0;	/* (grow on none: the bottom block) */

	spin_unlock_irqrestore(&h->xlock, f);
	return r;
}

void gc_xmark_start(struct heap *h)
{
	/* In a global mark counts are not roots (their holders are traced), pins are; and the
	 * buffer has been taking shades since the join (xcycle.c). The table is walked a chunk at
	 * a time by gc_xmark_try_finish (see "the count table" above). */
	bool global = h->gx_cycle != 0;
	arch_irqflags_t f;

	if (!h->attached)
		return;
	f = spin_lock_irqsave(&h->xlock);
	if (!global) {
		gc_xshade_clear_locked(h);
		h->xshade_lost = false;
		h->xterm_asked = false;
		arch_atomic_store(&h->xcycle, h->xcycle + 1);
		arch_atomic_store(&h->xmarking, true);
	}
	h->xwalk = 0;
	h->xwalk_pins = global;
	h->xwalking = true;
	XT(XT_WALK, h->cpu, 0, xref_span(h), 0, h->gx_cycle);
	spin_unlock_irqrestore(&h->xlock, f);
	if (h->xref_lost)
		shade_all_shared(h);	/* (the owner's own groups: no lock) */
}

/* Shade each entry of the next XREF_CHUNK slots; the walk is over when xwalking is false. */
static void xwalk_step(struct heap *h, size_t *work)
{
	size_t end, n = 0;

	for (end = h->xwalk + XREF_CHUNK; h->xwalk < end && h->xwalk < xref_span(h); h->xwalk++) {
		struct gc_xref_entry *e = xref_at(h, h->xwalk);

		n++;
		if (e != NULL && (!h->xwalk_pins || e->pins > 0))
			gc_major_shade(h, e->o);
	}
	*work += n;
	if (h->xwalk < xref_span(h))
		return;
	h->xwalking = false;
	XT(XT_WALK, h->cpu, 1, xref_span(h), 0, h->gx_cycle);
}

/* h->xlock held: has every other attached heap scanned its roots for h's cycle, and (term)
 * acked h's termination round too? */
static bool others_answered(const struct heap *h, bool term)
{
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *a = gc_world_heap(c);

		if (a == NULL || a == h)
			continue;
		if (arch_atomic_load(&a->xseen[h->cpu]) != h->xcycle ||
		    (term && arch_atomic_load(&a->xterm_seen[h->cpu]) != h->xterm))
			return false;
	}
	return true;
}

int gc_xmark_try_finish(struct heap *h, size_t *work)
{
	arch_irqflags_t f;
	size_t n;

	(*work)++;
	if (!h->attached)
		return 0;
	f = spin_lock_irqsave(&h->xlock);
	if (h->gx_cycle == 0 && !h->xmarking) {
		/* ended already: finish_marking's minor collection had no memory, and this is its
		 * retry (the other heaps ack no round for a heap that no longer marks) */
		spin_unlock_irqrestore(&h->xlock, f);
		return 0;
	}
	if (h->xwalking) {	/* (its last chunk too may have pushed objects) */
		xwalk_step(h, work);
		spin_unlock_irqrestore(&h->xlock, f);
		return 1;
	}
	n = MIN(h->xshade_len, (size_t)XREF_CHUNK);
	for (size_t i = h->xshade_len - n; i < h->xshade_len; i++)
		gc_major_shade(h, h->xshade[1 + i]);
	h->xshade_len -= n;
	if (n > 0 && h->xshade_len == 0)
		xshade_shrink(h);	/* (the next chunk comes from the block below, if any) */
	if (n > 0) {
		h->stats.remote_shades += n;
		*work += n;
		h->xterm_asked = false;	/* work found: a new round once it is done */
		spin_unlock_irqrestore(&h->xlock, f);
		return 1;
	}
	if (h->gx_cycle != 0) {
		int r;

		if (arch_atomic_load_relaxed(&h->gx_busy))
			gc_global_idle(h);	/* nothing left to mark here, for now */
		spin_unlock_irqrestore(&h->xlock, f);
		r = gc_global_settle(h);
		if (r == 0) {
			f = spin_lock_irqsave(&h->xlock);
			arch_atomic_store(&h->xmarking, false);
			spin_unlock_irqrestore(&h->xlock, f);
		}
		return r;
	}
	if (!others_answered(h, false)) {
		spin_unlock_irqrestore(&h->xlock, f);
		return -1;
	}
	/* Nothing to mark, but another CPU may be between a barrier's exchange and its shade:
	 * the object it took out may meanwhile be stored into a black holder by a third CPU that
	 * read it first, and would be lost. So a round: every other heap passes a safe point
	 * (no barrier in flight: its shades are in the buffer) with no work found meanwhile. */
	if (!h->xterm_asked) {
		h->xterm_asked = true;
		arch_atomic_store(&h->xterm, h->xterm + 1);
	}
	if (!others_answered(h, true)) {
		spin_unlock_irqrestore(&h->xlock, f);
		return -1;
	}
	h->xterm_asked = false;
	arch_atomic_store(&h->xmarking, false);
	spin_unlock_irqrestore(&h->xlock, f);
	return 0;
}

bool gc_xmark_quiet(struct heap *h)
{
	arch_irqflags_t f;
	bool quiet;

	if (!h->attached)
		return true;
	if (h->gx_cycle != 0)
		return false;	/* a global mark ends by gc_global_settle */
	f = spin_lock_irqsave(&h->xlock);
	quiet = !h->xwalking && h->xshade_len == 0 && h->xterm_asked && others_answered(h, true);
	spin_unlock_irqrestore(&h->xlock, f);
	return quiet;
}

size_t gc_xfree_part(struct heap *h, uintptr_t *p, size_t from, size_t max)
{
	obj *f = (obj *)p + 1;
	size_t n = obj_hdr_nptrs(p[0], f), end;

	if (from == 0) {
		XT_HOLDER((uintptr_t)p);
		XT(XT_FREE, h->cpu, p, heap_shared_p(p), h->gx_nodec, h->gx_cycle);
		if (heap_shared_p(p)) {
			heap_shared_clear(p);
			h->stats.freed_shared += (obj_hdr_size(p[0]) + 1) * WORD;
			if (h->gx_nodec && h->attached)
				xref_forget(h, (obj)p);
		}
	}
	if (!h->attached || obj_hdr_type(p[0]) == OBJ_T_STACK || h->gx_nodec)
		return n;	/* (a global mark's purge has dropped them already) */
	end = n - from > max ? from + max : n;
	for (size_t i = from; i < end; i++)
		if (gc_remote_p(h, f[i]))
			gc_xref_dec(h, f[i]);
	return end;
}

void gc_xfree(struct heap *h, uintptr_t *p)
{
	gc_xfree_part(h, p, 0, (size_t)-1);
}

/* Why false is safe for h's dead unshared objects: only h's CPU ever stored into one (X2), so
 * each count its fields hold was added by h (count_up, with h as the holder) or by a global
 * mark's symbol-table purge that came before this sweep; h reads every such addition. Other
 * CPUs' concurrent adds and subtracts are for shared holders' fields, and each subtract comes
 * after its add in the counter's order: what h reads is never below the unshared objects'
 * share. xref_out only counts too high if anything (never a missed add): then the sweep just
 * makes the calls. */
bool gc_xheld_any(const struct heap *h)
{
	for (unsigned c = 0; c < NCPU; c++)
		if (arch_atomic_load_relaxed(&h->xref_out[c]) != 0)
			return true;
	return false;
}

/* ---- verification ---- */

#ifdef CONFIG_DEBUG

#define BAD(...)	do { kprintf("gc_verify_world: " __VA_ARGS__); kprintf("\n"); return -1; } while (0)

static int recount_area(struct heap *h, uintptr_t *p, uintptr_t *end)
{
	for (; p < end; p += obj_hdr_size(p[0]) + 1) {
		obj *f = (obj *)p + 1;
		size_t n;

		if (obj_hdr_type(p[0]) == OBJ_T_FILLER || obj_hdr_type(p[0]) == OBJ_T_STACK)
			continue;
		if (h->gx_nodec && !heap_marked_p(p) && gc_marks_final(h, p))
			continue;	/* dead after a global mark: its counts were purged */
		n = obj_hdr_nptrs(p[0], f);
		/* a dead large object the sweep is letting go of: its first fields are uncounted */
		for (size_t i = h->sweep_large && h->sweep_g && p == heap_group_objects(h->sweep_g) ?
				h->sweep_field : 0; i < n; i++) {
			struct gc_xref_entry *e;

			if (!gc_remote_p(h, f[i]))
				continue;
			e = xref_find(owner_of(f[i]), f[i]);
			if (e == NULL) {
				if (owner_of(f[i])->xref_lost)
					continue;
				BAD("%p (cpu %u) field %lu refers to %p of cpu %u, which has no count",
				    (void *)p, h->cpu, (unsigned long)i, (void *)f[i],
				    owner_of(f[i])->cpu);
			}
			e->recount++;
		}
	}
	return 0;
}

int gc_verify_world(void)
{
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *v = world[c];

		if (v == NULL)
			continue;
		for (size_t i = 0; i < xref_span(v); i++)
			if (xref_at(v, i) != NULL)
				xref_at(v, i)->recount = 0;
	}
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *h = world[c];

		if (h == NULL)
			continue;
		if (gc_verify(h) != 0)
			return -1;
		for (struct heap_group *g = h->small_first; g; g = g->next)
			if (recount_area(h, heap_group_objects(g), g->top) != 0)
				return -1;
		for (struct heap_group *g = h->large; g; g = g->next)
			if (recount_area(h, heap_group_objects(g), g->top) != 0)
				return -1;
	}
	for (unsigned c = 0; c < NCPU; c++) {
		struct heap *v = world[c];
		uintptr_t total = 0;

		if (v == NULL)
			continue;
		for (size_t i = 0; i < xref_span(v); i++) {
			struct gc_xref_entry *e = xref_at(v, i);

			if (e == NULL)
				continue;
			if (v->gx_nodec && !heap_marked_p((void *)e->o) && gc_marks_final(v, (void *)e->o)) {
				total += e->count;	/* dead after a global mark: goes when swept */
				continue;
			}
			total += e->count;
			if (e->count != e->recount + e->pins && !v->xref_lost)
				BAD("cpu %u object %p: count %lu (%lu pins), but %lu references found",
				    v->cpu, (void *)e->o, (unsigned long)e->count,
				    (unsigned long)e->pins, (unsigned long)e->recount);
			if (!heap_shared_p((void *)e->o))
				BAD("cpu %u object %p is counted but not shared", v->cpu, (void *)e->o);
		}
		if (total != v->xref_total && !v->xref_lost)
			BAD("cpu %u: total count %lu, entries sum to %lu", v->cpu,
			    (unsigned long)v->xref_total, (unsigned long)total);
	}
	return 0;
}

#else

int gc_verify_world(void)
{
	return 0;
}

#endif

/* ---- the event ring (xtrace.h) ---- */

#ifdef GC_XTRACE
#include <stdio.h>

struct xt_ev xt_ring[XT_N];
unsigned xt_seq;
__thread uintptr_t xt_holder;

void xt_dump(uintptr_t o, uintptr_t holder)
{
	static const char *const names[] = { "?", "up", "down", "purge-dec", "purge-rm", "free",
		"shade", "join", "scan", "phase", "sweep-start", "sweep-end", "mark", "new-entry",
		"rm-entry", "xstore", "walk" };
	unsigned end = __atomic_load_n(&xt_seq, __ATOMIC_ACQUIRE);
	unsigned start = end > XT_N ? end - XT_N : 0;

	fprintf(stderr, "xtrace: object %p, holder %p (events %u..%u)\n", (void *)o,
		(void *)holder, start, end);
	for (unsigned s = start; s < end; s++) {
		struct xt_ev *e = &xt_ring[s & (XT_N - 1)];
		bool phases = e->ev == XT_JOIN || e->ev == XT_SCAN || e->ev == XT_PHASE ||
			      e->ev == XT_SWEEP_START || e->ev == XT_SWEEP_END || e->ev == XT_WALK;
		bool names_it = e->a == o || e->b == o || e->c == o ||
				(holder != 0 && (e->a == holder || e->b == holder || e->c == holder));

		if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != s + 1 || !(phases || names_it))
			continue;
		fprintf(stderr, "  %u cpu%u %-11s a=%p b=%p c=%p phase=%u gx_cycle=%u\n", s, e->cpu,
			names[e->ev], (void *)e->a, (void *)e->b, (void *)e->c, e->phase, e->gcyc);
	}
}
#endif
