/* xcycle.c -- the backup collector of garbage cycles that span heaps: a rare global mark.
 * Remote counts keep a cycle of objects spread over several heaps alive for ever (each keeps
 * the other's count up). A global mark traces across heaps instead of trusting counts: every
 * heap takes part in it with one of its own major cycles, in which counted objects are not
 * roots (only pins are), and a field naming another heap's object shades it into that heap's
 * remote shade buffer. Nobody stops: the phases advance as each heap passes its safe points.
 * The protocol, its invariants and why it frees nothing reachable: docs/gc.md, "Garbage cycles
 * across heaps". gx.lock guards gx's plain fields; an xlock may be taken inside it, never the
 * reverse. */
#include <arch.h>
#include <kernel/kernel.h>

#include "gc.h"
#include "xheap.h"
#include "xtrace.h"

enum gx_phase {
	GX_IDLE,	/* no global mark */
	GX_JOIN,	/* each member joins once its own major cycle is over (ack: the join) */
	GX_SYNC,	/* every member has joined; each acknowledges at a safe point */
	GX_MARK,	/* members scan their roots and trace, across heaps */
	GX_CONFIRM,	/* nobody had marking work: each acknowledges at a safe point */
	GX_PURGE,	/* marks are final: dead holders' counts of live objects are dropped */
};

/* gx.state: the phase and the step, one word so that one load reads a phase together with the
 * step it belongs to. A safe point acknowledges the step it read (ack): reading the phase, then
 * later the step, let a heap that had already acknowledged one step acknowledge the next one
 * too, a PURGE it had not done (its sweep then dropped counts the purge had removed). */
#define GX_PHASE_BITS	3
#define GX_PHASE(state)	((state) & ((1u << GX_PHASE_BITS) - 1))

static struct {
	struct spinlock lock;
	unsigned state;		/* step << GX_PHASE_BITS | enum gx_phase; a new step at every
				 * phase change; atomic reads */
	unsigned cycle;		/* the running or last cycle; atomic reads */
	unsigned done;		/* the last cycle whose purge is complete; atomic */
	unsigned members;	/* bit c: the heap of cpu c takes part; atomic reads */
	unsigned nmembers;
	unsigned pending;	/* members still to acknowledge this step */
	unsigned busy;		/* members with marking work or unscanned roots; atomic */
	unsigned pushes;	/* white objects shaded in this cycle; atomic */
	unsigned confirm_pushes;	/* pushes when the confirmation round began */
	bool lost;		/* a shade was lost: the cycle frees nothing; atomic */
	bool lost_final;	/* lost as it was when PURGE began: every member's verdict,
				 * so no member purges while another skips (atomic) */
	bool symweak;		/* the symbol table's links are weak in this cycle (it was
				 * shared when requested; symtab.c); atomic reads */
} gx = { .lock = SPINLOCK_INIT("gc-global") };

static bool after(unsigned a, unsigned b)	/* cycle a is b or later */
{
	return (int)(a - b) >= 0;
}

bool gc_global_symweak(void)
{
	return arch_atomic_load(&gx.symweak);
}

bool gc_global_running(void)
{
	return GX_PHASE(arch_atomic_load(&gx.state)) != GX_IDLE;
}

unsigned gc_global_done(void)
{
	return arch_atomic_load(&gx.done);
}

/* Only until PURGE begins: the verdict is taken then, once for every member (a member that
 * purged and one that did not would double-drop counts later). After that, marks are final and
 * complete, so no white object can be shaded: a shade of one would be a broken invariant. */
void gc_global_lost(void)
{
	unsigned phase = GX_PHASE(arch_atomic_load(&gx.state));

	kassert(phase != GX_PURGE);
	if (phase != GX_PURGE)
		arch_atomic_store(&gx.lost, true);
}

/* v->xlock held: v has been given n > 0 objects to mark. Counted busy only for the cycle running:
 * a late shade into a member of the last cycle (not yet settled when a new one was requested)
 * must not count it busy in the new one, where its join counts it again and busy never
 * returned to 0. */
void gc_global_note_work(struct heap *v, unsigned n)
{
	arch_atomic_add(&gx.pushes, n);
	if (!arch_atomic_load_relaxed(&v->gx_busy) &&
	    arch_atomic_load_relaxed(&v->gx_cycle) == arch_atomic_load(&gx.cycle)) {
		arch_atomic_store(&v->gx_busy, true);
		arch_atomic_add(&gx.busy, 1);
	}
}

/* h->xlock held: h's mark stack and buffer are empty and its roots scanned. */
void gc_global_idle(struct heap *h)
{
	arch_atomic_store(&h->gx_busy, false);
	arch_atomic_sub(&gx.busy, 1);
}

/* h's own mutator marked an object (a deletion barrier) after h had run out of work. */
void gc_global_wake(struct heap *h)
{
	arch_irqflags_t f = spin_lock_irqsave(&h->xlock);

	gc_global_note_work(h, 1);
	spin_unlock_irqrestore(&h->xlock, f);
}

static void set_phase(unsigned phase)	/* gx.lock held */
{
	gx.pending = gx.nmembers;
	arch_atomic_store(&gx.state, ((gx.state >> GX_PHASE_BITS) + 1) << GX_PHASE_BITS | phase);
	XT(XT_PHASE, 0xff, phase, gx.cycle, gx.state, 0);
}

/* The last acknowledgement of a step came in (gx.lock held). */
static void advance(void)
{
	switch (GX_PHASE(gx.state)) {
	case GX_JOIN:
		set_phase(GX_SYNC);
		break;
	case GX_SYNC:
		set_phase(GX_MARK);
		break;
	case GX_CONFIRM: {
		/* Every member passed a safe point since nobody had work: no barrier that began
		 * before then is still under way. If none has shaded a white object meanwhile,
		 * marking was complete when the round began. A lookup in the symbol table shades
		 * what it finds under the table's lock: held from the verdict to the table's purge,
		 * a lookup comes before both (its shade is seen here) or after both (what it finds
		 * is marked). */
		bool weak = gx.symweak;
		arch_irqflags_t f = weak ? gc_symtab_lock() : 0;

		if (arch_atomic_load(&gx.busy) == 0 &&
		    arch_atomic_load(&gx.pushes) == gx.confirm_pushes) {
			arch_atomic_store(&gx.lost_final, arch_atomic_load(&gx.lost));
			if (weak && !gx.lost_final)
				gc_symtab_purge_locked();	/* before any member purges or sweeps */
			set_phase(GX_PURGE);
		} else
			set_phase(GX_MARK);
		if (weak)
			gc_symtab_unlock(f);
		break;
	}
	case GX_PURGE:
		arch_atomic_store(&gx.done, gx.cycle);
		set_phase(GX_IDLE);
		break;
	default:
		panic("gc: global mark acknowledged in phase %u", GX_PHASE(gx.state));
	}
}

/* h has done what the step `state` asks of it (gc_global_poll read it): acknowledge that step,
 * unless it is over or already acknowledged. */
static void ack(struct heap *h, unsigned state)
{
	arch_irqflags_t f;

	if (h->gx_ack == state)
		return;
	f = spin_lock_irqsave(&gx.lock);
	if (gx.state == state) {
		h->gx_ack = state;
		if (--gx.pending == 0)
			advance();
	}
	spin_unlock_irqrestore(&gx.lock, f);
}

unsigned gc_global_request(void)
{
	arch_irqflags_t f = spin_lock_irqsave(&gx.lock);
	unsigned target;

	if (GX_PHASE(gx.state) == GX_IDLE) {
		unsigned members = 0, n = 0;

		for (unsigned c = 0; c < NCPU; c++)
			if (gc_world_heap(c) != NULL) {
				members |= 1u << c;
				n++;
			}
		arch_atomic_store(&gx.cycle, gx.cycle + 1);
		arch_atomic_store(&gx.members, members);
		gx.nmembers = n;
		arch_atomic_store(&gx.busy, 0);
		arch_atomic_store(&gx.pushes, 0);
		arch_atomic_store(&gx.lost, false);
		arch_atomic_store(&gx.symweak, gc_symtab_weak_global());
		if (n == 0)
			arch_atomic_store(&gx.done, gx.cycle);
		else
			set_phase(GX_JOIN);
	}
	/* A cycle still joining has not taken its snapshot yet: it will do. */
	target = GX_PHASE(gx.state) == GX_IDLE || GX_PHASE(gx.state) == GX_JOIN ?
		gx.cycle : gx.cycle + 1;
	spin_unlock_irqrestore(&gx.lock, f);
	return target;
}

/* h cannot take its part: no memory for its shade buffer or for its scan (a heap at its limit).
 * Waiting for memory could stall the others for ever (their own cycles do not start while a
 * global mark runs), so the cycle goes on without h, lost: nobody frees or purges anything.
 * h takes no shades and is nobody's grey; it acknowledges the remaining steps and leaves when
 * the cycle is done (gc_global_poll). */
static void bail(struct heap *h)
{
	arch_irqflags_t f;

	gc_global_lost();
	f = spin_lock_irqsave(&h->xlock);
	arch_atomic_store(&h->xmarking, false);
	gc_xshade_clear_locked(h);
	if (arch_atomic_load_relaxed(&h->gx_busy))
		gc_global_idle(h);
	spin_unlock_irqrestore(&h->xlock, f);
	h->gx_grey = false;
	h->stats.global_bailouts++;
}

/* h's own major cycle is over (no local marking runs): join the global mark. From now on the
 * buffer takes shades of h's objects overwritten anywhere (xmarking), h is grey for every
 * heap (its xcycle moves: others' scans for it are due) and for itself (gx_grey). Without
 * memory for its buffer, h joins and bails at once. */
static void join(struct heap *h, unsigned cycle)
{
	arch_irqflags_t f, g;
	bool room = gc_xshade_reserve(h) == 0;

	h->gx_grey = true;
	h->gx_purged = false;
	h->gx_nodec = false;
	h->gx_purge_g = NULL;
	h->gx_purge_p = NULL;
	h->gx_purge_last = NULL;
	h->gx_purge_top = NULL;
	h->gx_purge_large = false;
	h->gx_purge_slot = 0;
	g = spin_lock_irqsave(&gx.lock);
	if (GX_PHASE(gx.state) != GX_JOIN || gx.cycle != cycle) {
		spin_unlock_irqrestore(&gx.lock, g);	/* that cycle is gone (cannot be: we count) */
		return;
	}
	f = spin_lock_irqsave(&h->xlock);
	kassert(!h->gx_busy);	/* counted once, here */
	h->xpurging = false;	/* (a pass always ends: lost_final is fixed before it starts) */
	gc_xshade_clear_locked(h);
	h->xshade_lost = false;
	arch_atomic_store(&h->xcycle, h->xcycle + 1);
	arch_atomic_store(&h->gx_busy, true);
	arch_atomic_store(&h->gx_cycle, cycle);
	arch_atomic_store(&h->xmarking, true);
	spin_unlock_irqrestore(&h->xlock, f);
	XT(XT_JOIN, h->cpu, cycle, 0, 0, cycle);
	arch_atomic_add(&gx.busy, 1);
	if (!room)
		bail(h);	/* gx.lock, then h's xlock: the lock order */
	h->gx_ack = gx.state;
	if (--gx.pending == 0)
		advance();
	spin_unlock_irqrestore(&gx.lock, g);
}

/* Marking ran out of work on h (try_finish, with h idle): 0 once the cycle's marks are final
 * and every member's purge is done (h may sweep), -1 while it must wait. */
int gc_global_settle(struct heap *h)
{
	arch_irqflags_t f;

	if (after(arch_atomic_load(&gx.done), h->gx_cycle)) {
		if (arch_atomic_load(&gx.lost_final))
			h->xshade_lost = true;	/* the marks may miss live objects: free nothing */
		return 0;
	}
	if (GX_PHASE(arch_atomic_load(&gx.state)) == GX_MARK && arch_atomic_load(&gx.busy) == 0) {
		f = spin_lock_irqsave(&gx.lock);
		if (GX_PHASE(gx.state) == GX_MARK && arch_atomic_load(&gx.busy) == 0) {
			gx.confirm_pushes = arch_atomic_load(&gx.pushes);
			set_phase(GX_CONFIRM);
		}
		spin_unlock_irqrestore(&gx.lock, f);
	}
	return -1;
}

/* ---- the purge: between the final marks and any sweep ---- */

/* Dead object p drops its counted references to live objects of other heaps; those to dead
 * ones vanish with their whole entries when their owner's sweep frees them (gc_xfree_part), so
 * no count is lowered twice and no sweep has to look at another heap's object. */
static void purge_object(struct heap *h, uintptr_t *p)
{
	obj *f = (obj *)p + 1;
	size_t n;

	if (obj_hdr_type(p[0]) == OBJ_T_FILLER || obj_hdr_type(p[0]) == OBJ_T_STACK ||
	    heap_marked_p(p))
		return;
	n = obj_hdr_nptrs(p[0], f);
	for (size_t i = 0; i < n; i++)
		if (gc_remote_p(h, f[i]) && heap_marked_p((void *)f[i])) {
			XT_HOLDER((uintptr_t)p);
			XT(XT_PURGE_DEC, h->cpu, f[i], p, 0, h->gx_cycle);
			gc_xref_dec(h, f[i]);
		} else if (gc_remote_p(h, f[i])) {
			/* its target's purge zeroes this one (gc_xpurge_counts): the matrix of
			 * (xrefs) lets go of it now, as the count does */
			arch_atomic_sub(&h->xref_out[heap_group_of((void *)f[i])->owner->cpu], 1);
		}
}

/* The walk covers the old generation as it was when the purge began: what is promoted or
 * allocated large since is black (the marks are final, allocation is black until the sweep),
 * so it holds no dead counted reference. The small list grows at its end (and its last group's
 * top with it), the large list at its head: the walk stops at the small list's end and top of
 * that moment, and takes the large list from its head of the moment it gets there. Without the
 * bound the walk chased the allocation: a CPU promoting faster than its steps (a 16 KiB nursery
 * under the pacer in the kernel under TCG, steps of 1024 words) never finished its purge, and
 * every other CPU's (gc 'full) waited for ever. */
static void purge_step(struct heap *h, size_t budget)
{
	size_t work = 0;

	if (arch_atomic_load(&gx.lost_final)) {
		h->gx_purged = true;	/* nothing will be freed: nothing to purge */
		return;
	}
	if (h->gx_purge_g == NULL && !h->gx_purge_large) {
		h->gx_purge_g = h->small_first;
		h->gx_purge_last = h->small_last;
		h->gx_purge_top = h->small_last ? h->small_last->top : NULL;
		if (h->gx_purge_g == NULL) {
			h->gx_purge_large = true;
			h->gx_purge_g = h->large;
		}
		h->gx_purge_p = h->gx_purge_g ? heap_group_objects(h->gx_purge_g) : NULL;
	}
	while (h->gx_purge_g != NULL && work < budget) {
		struct heap_group *g = h->gx_purge_g;
		bool last = !h->gx_purge_large && g == h->gx_purge_last;

		if (h->gx_purge_p < (last ? h->gx_purge_top : g->top)) {
			uintptr_t *p = h->gx_purge_p;

			h->gx_purge_p = p + obj_hdr_size(p[0]) + 1;
			purge_object(h, p);
			work += obj_hdr_size(p[0]) + 1;
			continue;
		}
		h->gx_purge_g = last ? NULL : g->next;
		if (h->gx_purge_g == NULL && !h->gx_purge_large) {
			h->gx_purge_large = true;
			h->gx_purge_g = h->large;
		}
		if (h->gx_purge_g)
			h->gx_purge_p = heap_group_objects(h->gx_purge_g);
		work++;
	}
	if (h->gx_purge_g != NULL || !gc_xpurge_counts(h, &h->gx_purge_slot, &work, budget))
		return;
	h->gx_nodec = true;
	h->gx_purged = true;
}

/* ---- driving it: every safe point of every member ---- */

void gc_global_poll(struct heap *h)
{
	unsigned state = arch_atomic_load(&gx.state), phase = GX_PHASE(state);
	unsigned cycle = h->gx_cycle;

	if (h->in_gc || (phase == GX_IDLE && cycle == 0))
		return;
	if (cycle == 0) {
		unsigned want = arch_atomic_load(&gx.cycle);

		if (phase != GX_JOIN || !(arch_atomic_load(&gx.members) & (1u << h->cpu)))
			return;
		if (h->major_phase != HEAP_MAJOR_IDLE)
			gc_major_step(h, h->major_step_words);	/* its own cycle ends first */
		else
			join(h, want);
		return;
	}
	if (after(arch_atomic_load(&gx.done), cycle)) {
		if (h->major_phase != HEAP_MAJOR_IDLE) {
			gc_major_step(h, h->major_step_words);	/* our sweep (an idle CPU's too) */
		} else {
			/* no cycle of ours in it: we bailed out; leave (a member's sweep does this
			 * at its end, major.c) */
			h->gx_last_len = arch_atomic_load_relaxed(&h->xref_len);
			arch_atomic_store(&h->gx_cycle, 0);
		}
		return;
	}
	switch (phase) {
	case GX_SYNC:
		ack(h, state);
		break;
	case GX_MARK:
	case GX_CONFIRM:
		if (h->gx_grey) {
			/* The scan: a minor collection promotes white (we are not marking yet), our
			 * roots are shaded, pins too, and every other heap's objects our roots and
			 * stacks hold go to their buffers. */
			if (gc_major_start_global(h) == 0)
				gc_xscan(h);
			else
				bail(h);	/* no memory for the scan's minor collection */
		} else if (h->major_phase == HEAP_MAJOR_MARK) {
			gc_major_step(h, h->major_step_words);
		}
		if (phase == GX_CONFIRM)
			ack(h, state);
		break;
	case GX_PURGE:
		if (!h->gx_purged)
			purge_step(h, h->major_step_words);
		if (h->gx_purged)
			ack(h, state);
		break;
	default:
		break;
	}
}

int gc_global_full_paced(struct heap *h, bool (*between)(void *ctx), void *ctx)
{
	unsigned target = gc_global_request();

	while (!after(arch_atomic_load(&gx.done), target) || h->gx_cycle != 0) {
		if (!gc_global_running() && !after(arch_atomic_load(&gx.done), target))
			target = gc_global_request();
		gc_safepoint(h);
		if (between != NULL && between(ctx))
			return 1;
		arch_cpu_relax();
	}
	return 0;
}

int gc_global_full(struct heap *h)
{
	return gc_global_full_paced(h, NULL, NULL);
}

void gc_global_finish_all(void)
{
	for (bool more = true; more;) {
		more = gc_global_running();
		for (unsigned c = 0; c < NCPU; c++) {
			struct heap *h = gc_world_heap(c);

			if (h == NULL || (!gc_global_running() && h->gx_cycle == 0))
				continue;
			gc_safepoint(h);
			more = true;
		}
	}
}

#ifdef GC_XTRACE
unsigned xt_phase(void)
{
	return GX_PHASE(arch_atomic_load_relaxed(&gx.state));
}
#endif
