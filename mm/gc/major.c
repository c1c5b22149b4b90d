/* major.c -- major collection of the old generation: incremental, non-moving mark-sweep.
 * Snapshot-at-the-beginning marking (gc_write shades the overwritten value; objects allocated
 * during a cycle are black) over per-group mark bitmaps, then an incremental sweep that turns
 * dead runs into free chunks and returns empty groups. Owns G7-G10 (gc.h). Every step does at
 * most its budget of work (words looked at); see docs/gc.md for the cost model. */
#include <arch.h>
#include <kernel/kernel.h>

#include "barrier.h"
#include "gc.h"
#include "roots.h"
#include "stw.h"
#include "xheap.h"
#include "xtrace.h"

#define WORD		sizeof(uintptr_t)
#define GROUP_WORDS	(HEAP_GROUP_SIZE / WORD)

static size_t stack_bytes(size_t cap) { return cap * 2 * WORD; }

static void stack_free(struct heap *h)
{
	if (h->mark_stack_x)
		heap_xsrc_free(h, h->mark_stack, stack_bytes(h->mark_cap));
	else
		heap_src_free(h, h->mark_stack, stack_bytes(h->mark_cap));
	h->mark_stack = NULL;
	h->mark_stack_x = false;
}

/* Double the mark stack, up to an eighth of the old generation's bytes: a long list marked
 * depth first overflowed one block again and again, and each overflow costs a rescan pass
 * over the whole heap (marking a 32 MB list took seconds). Within the heap's budget if it
 * can, else outside it (xsrc, as the count tables): a heap at its limit (the full collection
 * before "heap exhausted") could not grow it, and a structure nested deep with a sibling
 * left at each level (`(define (f x) (f (list x 2)))`, a macro expanding into `(m (x x))`)
 * then overflowed the first block at every pass, each pass advancing its depth by a block's
 * entries: hours of rescans over a 256 MB heap, the CPU lost to the kernel. With the eighth,
 * such a structure needs at most three passes (each level costs two objects, 48 bytes, for
 * one 16-byte entry). Not inside a minor collection (the block source is not called there). */
static bool grow(struct heap *h)
{
	size_t cap = 2 * h->mark_cap;
	uintptr_t *st;
	bool x = false;

	if (h->in_gc || stack_bytes(cap) > MAX(h->old_bytes / 8, (size_t)HEAP_GROUP_SIZE))
		return false;
	st = heap_src_alloc(h, stack_bytes(cap));
	if (st == NULL) {
		st = heap_xsrc_alloc(h, stack_bytes(cap));
		x = true;
	}
	if (st == NULL)
		return false;
	memcpy(st, h->mark_stack, stack_bytes(h->mark_sp));
	stack_free(h);
	h->mark_stack = st;
	h->mark_stack_x = x;
	h->mark_cap = cap;
	return true;
}

static bool push(struct heap *h, obj o, size_t i)
{
	if (h->mark_sp == h->mark_cap && !grow(h)) {
		h->mark_overflow = true;
		return false;
	}
	h->mark_stack[2 * h->mark_sp] = o;
	h->mark_stack[2 * h->mark_sp + 1] = i;
	h->mark_sp++;
	return true;
}

/* later: another heap's object goes into h's batch of remote shades (gc_xshade_later), for
 * the tracing of mark_slice, which flushes it before it returns. */
static inline void shade(struct heap *h, obj o, bool later)
{
	struct heap *v;

	if (!obj_ptr_p(o) || heap_young_p(h, o))
		return;	/* young objects are black */
	v = heap_group_of((void *)o)->owner;
	if (v != h) {
		if (__builtin_expect(h->gx_cycle != 0, 0)) {	/* a global mark traces across heaps */
			if (later)
				gc_xshade_later(h, o);
			else
				gc_xshade(v, o);
		}
		return;	/* else another heap's objects are its own business (counted: roots) */
	}
	if (heap_marked_p((void *)o))
		return;
	heap_mark_set((void *)o);
	XT(XT_MARK, h->cpu, o, 0, 0, h->gx_cycle);
	if (obj_hdr_nptrs(obj_header(o), obj_fields(o)) > 0 && !push(h, o, 0))
		h->stats.major_mark_overflows++;
	if (__builtin_expect(h->gx_cycle != 0, 0) && !arch_atomic_load_relaxed(&h->gx_busy))
		gc_global_wake(h);	/* our mutator's barrier, after we had run out of work */
}

void gc_major_shade(struct heap *h, obj o)
{
	shade(h, o, false);
}

static void shade_slot(struct heap *h, obj *slot)
{
	gc_major_shade(h, *slot);
}

int gc_major_start(struct heap *h)
{
	/* Joined to a global mark: its scan starts our cycle, once every barrier is on (SYNC).
	 * A local cycle started before would take counts for roots no more. */
	if (arch_atomic_load_relaxed(&h->gx_cycle) != 0)
		return 0;
	return gc_major_start_global(h);
}

int gc_major_start_global(struct heap *h)
{
	heap_check(h);
	kassert(!h->in_gc);
	if (h->major_phase != HEAP_MAJOR_IDLE)
		return 0;
	if (gc_minor(h) < 0)	/* empty nursery and remembered set: the old generation is the snapshot */
		return -1;
	if (h->mark_stack == NULL) {
		h->mark_stack = heap_src_alloc(h, HEAP_GROUP_SIZE);
		if (h->mark_stack == NULL)
			return -1;
		h->mark_cap = HEAP_GROUP_SIZE / (2 * WORD);
	}
	if (h->attached && gc_xshade_reserve(h) < 0) {
		stack_free(h);	/* no stack outside a cycle (the verifier's check; found by review) */
		return -1;
	}
	h->mark_sp = 0;
	h->mark_overflow = false;
	h->rescan_g = NULL;
	h->major_phase = HEAP_MAJOR_MARK;
	h->major_marking = true;
	/* the symbol table's links are weak in the marking that purges it (symtab.c) */
	h->sym_weak = h->gx_cycle != 0 ? gc_global_symweak() : gc_symtab_weak_local(h);
	gc_roots_visit(h, shade_slot);	/* bounded by the root stacks */
	gc_xmark_start(h);	/* counted objects are roots too; others' shades come in from now */
	return 0;
}

/* One slice of marking: scan up to max fields of the top entry. Returns the work done. */
static size_t mark_slice(struct heap *h, size_t max)
{
	size_t sp = --h->mark_sp;
	obj o = h->mark_stack[2 * sp];
	size_t i = h->mark_stack[2 * sp + 1];
	size_t n = obj_hdr_nptrs(obj_header(o), obj_fields(o));
	size_t end, extra = 0;
	obj *f = obj_fields(o);
	int weak = gc_symtab_weak_kind(h, o);	/* 1: a symbol, 2: the symbol table's vector */

	if (i >= n)
		return 1;	/* a value stack whose top came down since it was pushed */
	if (weak == 2 && max > 1)	/* each of its slots may walk a chain */
		max = MAX(max / (GC_SYMTAB_FOLLOW_MAX + 1), (size_t)1);
	end = n - i > max ? i + max : n;

	if (end < n) {	/* put the rest back first: the slot we just freed can't overflow */
		h->mark_stack[2 * sp + 1] = end;
		h->mark_sp++;
	}
	/* Last field first, so the first is popped first: a list's car is marked before its cdr
	 * and the stack holds one entry per level of car nesting, not per element (a long list of
	 * vectors overflowed it). Other CPUs may be writing a shared object: atomic loads, in the
	 * readers' order (obj_load, docs/gc.md "Stores, memory order"): a slot another CPU filled
	 * names its object, whose group header gc_major_shade reads next (TSan saw the plain load
	 * race with the other CPU's making of that group, seed 6042). Only the owner writes an
	 * unshared object's slots. */
	if (weak != 0) {	/* weak links: followed to the symbols that must stay */
		for (size_t k = end; k-- > i;) {
			if (weak == 2 || k == GC_SYM_NEXT)
				extra += gc_symtab_follow(h, obj_load(&f[k]));
			else
				gc_major_shade(h, obj_load(&f[k]));
		}
	} else if (heap_shared_p((void *)o)) {
		for (size_t k = end; k-- > i;)
			shade(h, obj_load(&f[k]), true);
	} else {
		for (size_t k = end; k-- > i;)
			shade(h, __atomic_load_n(&f[k], __ATOMIC_RELAXED), true);
	}
	if (h->nxsh > 0)
		gc_xshade_flush(h);	/* within the slice: h has work, so the mark cannot end */
	return 1 + (end - i) + extra;
}

/* Advance the rescan cursor to the next group; false when the pass is over. */
static bool rescan_next_group(struct heap *h)
{
	struct heap_group *g = h->rescan_g->next;

	if (g == NULL && !h->rescan_large) {
		h->rescan_large = true;
		g = h->large;
	}
	h->rescan_g = g;
	if (g)
		h->rescan_p = heap_group_objects(g);
	return g != NULL;
}

/* Mark until the budget is spent or marking is complete (returns true then). */
static bool mark_some(struct heap *h, size_t budget, size_t *work)
{
	while (*work + 2 <= budget) {
		if (h->mark_sp) {
			h->xterm_asked = false;	/* work: a termination round must start after it */
			*work += mark_slice(h, budget - *work - 1);
			continue;
		}
		if (h->rescan_g == NULL) {
			if (!h->mark_overflow) {
				int r;

				if (h->sym_weak && h->gx_cycle == 0 && gc_symtab_shared()) {
					/* published meanwhile: no local purge, strong links */
					*work += gc_symtab_unweaken(h);
					continue;
				}
				r = gc_xmark_try_finish(h, work);

				if (r > 0)
					continue;	/* table entries or remote shades were taken */
				h->xwaiting = r < 0;	/* some heap has not scanned its roots yet */
				return r == 0;
			}
			/* overflow fallback: a pass over all groups pushes every marked object again */
			h->mark_overflow = false;
			h->stats.major_rescans++;
			h->rescan_large = h->small_first == NULL;
			h->rescan_g = h->rescan_large ? h->large : h->small_first;
			if (h->rescan_g == NULL)
				continue;
			h->rescan_p = heap_group_objects(h->rescan_g);
		}
		if (h->rescan_p >= h->rescan_g->top) {
			rescan_next_group(h);
			(*work)++;
			continue;
		}
		uintptr_t *p = h->rescan_p;

		h->rescan_p = p + obj_hdr_size(p[0]) + 1;
		(*work)++;
		if (heap_marked_p(p) && obj_hdr_nptrs(p[0], (obj *)p + 1) > 0)
			push(h, (obj)p, 0);	/* the stack is empty here */
	}
	return false;
}

/* A dead group goes back to the block source only when the sweep is over: until then dead
 * objects elsewhere may still name it, and their references to other heaps are told apart
 * from ours by the group header (another CPU could otherwise own that block by then). */
static void free_group(struct heap *h, struct heap_group *g)
{
	h->old_bytes -= g->size;
	h->old_groups--;
	h->stats.major_groups_freed++;
	g->kind = HEAP_GROUP_SPARE;
	g->next = h->doomed;
	h->doomed = g;
}

static void release_doomed(struct heap *h)
{
	while (h->doomed) {
		struct heap_group *g = h->doomed;

		h->doomed = g->next;
		g->magic = 0;
		heap_src_free(h, g, g->size);
	}
}

/* The clock of a major step: the step ends once it has run GC_MAJOR_CUT_PCT of the pause goal,
 * read every GC_MAJOR_MARK_SLICE words of work (at the goal itself, the slice after the reading
 * made the step overrun it). No clock (limit 0) without a goal or in a full collection's step. */
struct step_clock {
	uint64_t t0, limit;
	bool cut;	/* the clock ended the step */
};

static bool clock_out(struct step_clock *c)
{
	if (c->limit == 0 || arch_cycles() - c->t0 < c->limit)
		return false;
	c->cut = true;
	return true;
}

enum { SWEPT_PART, SWEPT_LIVE, SWEPT_DEAD };

/* Sweep the small group g from where the last step left it (h->sweep_pos, NULL: its first
 * object) until its top, or until the budget or the clock ends the step: dead runs become
 * free chunks, marks are cleared. A group took 120-740 us when its dead objects held
 * references to another heap (a lock of that heap each: xtable.scm), so the sweep may stop
 * between any two objects. Where it stopped, gc_unswept_p tells the swept part from the rest
 * (objects promoted behind the cursor stay white, past it black), and the dead run it was in
 * is one filler until the run ends: its objects have let go of their counts, and nothing may
 * read their fields as an object's. Returns SWEPT_PART (stopped), SWEPT_LIVE (done, the group
 * kept) or SWEPT_DEAD (done, the whole group was dead). */
static int sweep_small(struct heap *h, struct heap_group *g, size_t budget, size_t *work,
		       struct step_clock *c)
{
	uintptr_t *p = h->sweep_pos ? h->sweep_pos : heap_group_objects(g), *end = g->top;
	uintptr_t *run = h->sweep_run;
	size_t live = h->sweep_glive, next = MIN(budget, *work + GC_MAJOR_MARK_SLICE);
	bool held = gc_xheld_any(h);	/* else the unshared dead hold nothing counted */

	while (p < end) {
		size_t words = obj_hdr_size(p[0]) + 1;
		/* the work of a free chunk or a filler is its header: its words are not read (as
		 * one unit of a whole group's cost, a step went over its budget by a chunk) */
		size_t cost = obj_hdr_type(p[0]) == OBJ_T_FILLER ? 1 : words;

		if (*work >= next) {	/* the budget, or a slice's end: the clock */
			if (*work >= budget || clock_out(c)) {
				if (run)
					run[0] = obj_hdr(OBJ_T_FILLER, (size_t)(p - run) - 1);
				h->sweep_pos = p;
				h->sweep_run = run;
				h->sweep_glive = live;
				return SWEPT_PART;
			}
			next = MIN(budget, *work + GC_MAJOR_MARK_SLICE);
		}
		if (heap_marked_p(p)) {
			heap_mark_clear(p);
			live += words * WORD;
			if (run)
				heap_free_chunk(h, run, (size_t)(p - run));
			run = NULL;
		} else {
			if (obj_hdr_type(p[0]) != OBJ_T_FILLER) {
				h->stats.major_bytes_freed += words * WORD;
				if (held || heap_shared_p(p))
					gc_xfree(h, p);
#ifdef CONFIG_DEBUG
				else if (h->attached && !h->gx_nodec && obj_hdr_type(p[0]) != OBJ_T_STACK)
					for (size_t i = 0; i < obj_hdr_nptrs(p[0], (obj *)p + 1); i++)
						kassert(!gc_remote_p(h, ((obj *)p)[1 + i]));
#endif
			}
			if (run == NULL)
				run = p;
		}
		p += words;
		*work += cost;
	}
	h->sweep_pos = h->sweep_run = NULL;
	h->sweep_glive = 0;
	g->swept = h->sweep_epoch;
	h->sweep_live += live;
	g->live_bytes = live;	/* per group for the inspector: two stores per group swept */
	g->live_cycle = h->stats.major_cycles + 1;
	if (run == heap_group_objects(g))
		return SWEPT_DEAD;
	if (run)
		heap_free_chunk(h, run, (size_t)(end - run));
	return SWEPT_LIVE;
}

static void unlink_large(struct heap *h, struct heap_group *prev, struct heap_group *g)
{
	if (prev == NULL) {
		if (h->large == g) {
			h->large = g->next;
			return;
		}
		for (prev = h->large; prev->next != g; prev = prev->next)
			;	/* only groups born during this sweep lie before g */
	}
	prev->next = g->next;
}

/* Sweep until the budget is spent, the clock ends the step, or the sweep is complete (returns
 * true then). */
static bool sweep_some(struct heap *h, size_t budget, size_t *work, struct step_clock *c)
{
	while (h->sweep_g) {
		struct heap_group *g = h->sweep_g, *next = g->next;

		if (g->swept == h->sweep_epoch) {	/* born during this sweep */
			h->sweep_prev = g;
			h->sweep_g = next;
			(*work)++;
		} else if (!h->sweep_large) {
			int r = sweep_small(h, g, budget, work, c);

			(*work)++;
			if (r == SWEPT_PART)
				return false;
			if (r == SWEPT_DEAD) {
				if (h->sweep_prev)
					h->sweep_prev->next = next;
				else
					h->small_first = next;
				if (h->small_last == g)
					h->small_last = h->sweep_prev;	/* next bump takes a fresh group */
				free_group(h, g);
			} else {
				h->sweep_prev = g;
			}
			h->sweep_g = next;
		} else {
			uintptr_t *o = heap_group_objects(g);

			if (*work + 1 > budget || (*work > 0 && clock_out(c)))
				return false;
			(*work)++;
			if (heap_marked_p(o)) {
				heap_mark_clear(o);
				h->sweep_live += (obj_hdr_size(o[0]) + 1) * WORD;
				g->live_bytes = (obj_hdr_size(o[0]) + 1) * WORD;
				g->live_cycle = h->stats.major_cycles + 1;
				g->swept = h->sweep_epoch;
				h->sweep_prev = g;
			} else {
				/* Dead: its references to other heaps are let go of a step's budget at a
				 * time (each takes the other heap's lock: a vector of a million of them
				 * was one unit of work and one long pause). */
				size_t from = h->sweep_field, to;

				to = gc_xfree_part(h, o, from, budget - *work);
				*work += to - from;
				if (to < obj_hdr_nptrs(o[0], (obj *)o + 1)) {
					h->sweep_field = to;
					return false;	/* the rest at the next step */
				}
				h->sweep_field = 0;
				h->stats.major_bytes_freed += (obj_hdr_size(o[0]) + 1) * WORD;
				g->swept = h->sweep_epoch;
				unlink_large(h, h->sweep_prev, g);
				free_group(h, g);
			}
			h->sweep_g = next;
		}
		if (h->sweep_g == NULL && !h->sweep_large) {
			h->sweep_large = true;
			h->sweep_prev = NULL;
			h->sweep_g = h->large;
		}
		if (*work >= budget)
			return h->sweep_g == NULL;
	}
	return true;
}

/* Marking is complete: purge the remembered set (a minor collection empties it, so no entry can
 * name a slot inside an object about to be freed) and start sweeping. */
static void abort_cycle(struct heap *h);

static int finish_marking(struct heap *h)
{
	if (gc_minor(h) < 0)	/* promotes black: we are still marking */
		return -1;
	if (h->xshade_lost) {
		abort_cycle(h);
		return 0;
	}
	/* A local weak cycle purges the symbol table now: marks final, all old (the minor above),
	 * and the table unshared (checked in this step, before; only we could publish it). A
	 * global mark's purge is xcycle.c's. */
	if (h->sym_weak && h->gx_cycle == 0)
		gc_symtab_purge_local(h);
	h->major_marking = false;
	h->major_phase = HEAP_MAJOR_SWEEP;
	h->sweep_epoch++;	/* every group is unswept now */
	XT(XT_SWEEP_START, h->cpu, h->gx_nodec, 0, 0, h->gx_cycle);
	for (unsigned k = 0; k < HEAP_FREE_CLASSES; k++)
		h->free_list[k] = NULL;	/* the sweep rebuilds them; old chunks stay fillers */
	h->free_mask = 0;
	h->sweep_large = false;
	h->sweep_live = 0;
	h->sweep_field = 0;
	h->sweep_prev = NULL;
	h->sweep_pos = h->sweep_run = NULL;
	h->sweep_glive = 0;
	h->sweep_g = h->small_first;
	if (h->sweep_g == NULL) {
		h->sweep_large = true;
		h->sweep_g = h->large;
	}
	return 0;
}

static void finish_cycle(struct heap *h)
{
	XT(XT_SWEEP_END, h->cpu, h->gx_nodec, 0, 0, h->gx_cycle);
	if (h->gx_cycle != 0) {
		h->gx_nodec = false;
		h->gx_last_len = arch_atomic_load_relaxed(&h->xref_len);
		h->stats.global_cycles++;
		arch_atomic_store(&h->gx_cycle, 0);
	}
	release_doomed(h);
	h->major_phase = HEAP_MAJOR_IDLE;
	stack_free(h);
	h->mark_cap = 0;
	h->major_last_old = h->old_bytes;
	h->stats.major_live_bytes = h->sweep_live;	/* read_u64 by (gc-stats) */
	h->stats.major_cycles++;
}

static void clear_marks(struct heap_group *g)
{
	for (; g; g = g->next)
		memset(g->mark, 0, sizeof(g->mark));
}

/* A remote shade was lost (its buffer was full): the marks may miss live objects, so this
 * cycle frees nothing. The next one starts afresh. */
static void abort_cycle(struct heap *h)
{
	h->major_marking = false;
	clear_marks(h->small_first);
	clear_marks(h->large);
	h->stats.major_aborted++;
	finish_cycle(h);
}

static void record(struct gc_stats *s, uint64_t cycles, size_t work)
{
	gc_hist_note(s->major_pause_hist, &s->major_pause_total, &s->major_pause_last,
		     &s->major_pause_max, cycles);
	s->major_steps++;
	s->major_work_last = work;
	if (work > s->major_work_max)
		s->major_work_max = work;
}

/* mark_some within the budget and within the step's clock (c), read every GC_MAJOR_MARK_SLICE
 * words. A budget is sized from the estimated cost per word, but a word's cost varies 20-fold
 * within one marking (remset.scm: a big vector whose slots name scattered cells, each a cache
 * miss, cost 110 ns a word where the steps before cost 5, and its step ran 1.4 ms against a
 * 100 us goal). A step of GC_MAJOR_ALL is not timed: a full collection's one pause, cut into
 * 100 us steps, did thousands of steps and, with --verify, a heap check after each (an ASan run
 * at the heap's limit went from 4 s to 80 s). */
static bool mark_timed(struct heap *h, size_t budget, size_t *work, struct step_clock *c)
{
	if (c->limit == 0)
		return mark_some(h, budget, work);
	for (;;) {
		size_t b = MIN(budget, *work + GC_MAJOR_MARK_SLICE);

		if (mark_some(h, b, work))
			return true;
		if (*work + 2 <= b || b == budget)
			return false;	/* waiting for other CPUs, or the budget spent */
		if (clock_out(c))
			return false;
	}
}

size_t gc_major_step(struct heap *h, size_t budget)
{
	size_t work = 0;
	unsigned phase = h->major_phase;
	struct step_clock c = { 0, 0, false };

	heap_check(h);
	kassert(!h->in_gc);
	if (h->major_phase == HEAP_MAJOR_IDLE)
		return 0;
	if (budget < 2)
		budget = 2;
	c.t0 = arch_cycles();
	if (h->pause_goal != 0 && budget < GC_MAJOR_ALL)
		c.limit = MAX(h->pause_goal / 100 * GC_MAJOR_CUT_PCT, 1);
	if (h->major_phase == HEAP_MAJOR_MARK && mark_timed(h, budget, &work, &c))
		finish_marking(h);	/* on failure (no memory for the minor) retried next step */
	if (h->major_phase == HEAP_MAJOR_SWEEP && work < budget && !clock_out(&c) &&
	    sweep_some(h, budget, &work, &c))
		finish_cycle(h);
	/* A step that did nothing (no work, the phase unchanged: a wait for other CPUs' safe
	 * points, docs/gc.md) is not a pause: recorded, a CPU waiting in a global (gc 'full) wrote
	 * millions of them and its pause percentiles read 0. */
	if (work > 1 || h->major_phase != phase) {
		record(&h->stats, arch_cycles() - c.t0, work);
		gc_pace_major(h, h->stats.major_pause_last, work, c.cut);
	}
#ifdef CONFIG_DEBUG
	if (gc_verify_due(h, work * sizeof(uintptr_t), h->major_phase != phase) && gc_verify(h) != 0)
		panic("gc_verify failed after a major step on cpu %u", h->cpu);
#endif
	return work;
}

struct pace {
	bool (*between)(void *ctx);	/* NULL: unbounded steps, no safe points between */
	void *ctx;
};

/* true: the caller wants to stop waiting (gc_major_full_paced returns 1) */
static bool pace_point(const struct pace *p)
{
	return p->between != NULL && p->between(p->ctx);
}

/* Finish the running cycle, if any: until it is over, not until the heap is idle (between
 * paced steps another thread's poll may end it and start the next one). */
static int finish(struct heap *h, const struct pace *p)
{
	uint64_t cycles = h->stats.major_cycles;

	while (h->major_phase != HEAP_MAJOR_IDLE && h->stats.major_cycles == cycles) {
		uint64_t before = h->stats.minor_collections;
		size_t work;

		h->xwaiting = false;
		work = gc_major_step(h, p->between != NULL ? h->major_step_words : GC_MAJOR_ALL);
		if (h->xwaiting) {
			/* Other CPUs have to pass a safe point of theirs (docs/gc.md); we do not wait
			 * for their collections, and we keep doing our own handshakes meanwhile. */
			gc_safepoint(h);
			if (pace_point(p))
				return 1;
			arch_cpu_relax();
			continue;
		}
		if (work <= 1 && h->major_phase == HEAP_MAJOR_MARK &&
		    h->stats.minor_collections == before)
			return -1;	/* marking done but the purging minor collection has no memory */
		if (h->major_phase != HEAP_MAJOR_IDLE && h->stats.major_cycles == cycles &&
		    pace_point(p))	/* (not after the end: another thread may start a cycle) */
			return 1;
	}
	return 0;
}

/* A running cycle's snapshot is stale (it keeps what died since it began): finish it, then
 * run a fresh one, so everything unreachable now is freed. Between paced steps other threads
 * of this CPU may run and start nothing new: a cycle runs, and gc_major_start is a no-op
 * while one does (so a cycle someone else's poll started is one we finish). */
static int full(struct heap *h, const struct pace *p)
{
	int rc = finish(h, p);

	if (rc != 0)
		return rc;
	while (arch_atomic_load(&h->gx_cycle) != 0) {	/* our part of a global mark first */
		gc_safepoint(h);
		if (pace_point(p))
			return 1;
		arch_cpu_relax();
		if ((rc = finish(h, p)) != 0)
			return rc;
	}
	if (gc_major_start(h) < 0)
		return -1;
	return finish(h, p);
}

int gc_major_full(struct heap *h)
{
	return full(h, &(struct pace){ NULL, NULL });
}

int gc_major_full_paced(struct heap *h, bool (*between)(void *ctx), void *ctx)
{
	return full(h, &(struct pace){ between, ctx });
}

/* The interpreter's safe point: one step of a running cycle's debt (gc.h). */
void gc_major_pay(struct heap *h)
{
	if (h->major_debt > 0 && h->major_phase != HEAP_MAJOR_IDLE && !h->in_gc &&
	    gc_mode() != GC_MODE_GLOBAL)
		gc_major_poll(h);
}

/* Start a cycle when the old generation has grown enough; then pay the debt (GC_MAJOR_PACE words
 * of major work per word promoted or allocated large, so a cycle finishes before the heap runs
 * away) in steps of major_step_words (GC_MAJOR_STEP_WORDS, or the pacer's): one step a poll,
 * more only while the debt exceeds GC_MAJOR_DEBT_STEPS steps' worth. */
void gc_major_poll(struct heap *h)
{
	size_t trigger;

	if (h->major_phase == HEAP_MAJOR_IDLE) {
		if (h->gx_cycle != 0)
			return;	/* joined a global mark: its scan starts our cycle (xcycle.c) */
		size_t refs = arch_atomic_load_relaxed(&h->xref_len);

		if (h->attached && refs >= GC_GLOBAL_MIN_REFS &&
		    refs >= h->gx_last_len * GC_GLOBAL_GROWTH && !gc_global_running())
			gc_global_request();	/* remote references grew: maybe garbage cycles */
		trigger = h->major_last_old / 100 * GC_MAJOR_GROWTH_PCT;
		if (trigger < GC_MAJOR_MIN_BYTES)
			trigger = GC_MAJOR_MIN_BYTES;
		if (h->old_bytes < trigger || gc_major_start(h) < 0)
			return;
		h->major_debt = h->major_step_words;
	}
	while (h->major_phase != HEAP_MAJOR_IDLE && h->major_debt > 0) {
		size_t w;

		h->xwaiting = false;
		w = gc_major_step(h, h->major_step_words);
		if (w <= 1 || h->xwaiting)
			break;	/* waiting for memory (the purging minor) or for others' root scans;
				 * a step of 1 unit did nothing gc_major_step counts as a pause */
		h->major_debt -= w < h->major_debt ? w : h->major_debt;
		if (h->major_debt <= GC_MAJOR_DEBT_STEPS * h->major_step_words)
			break;	/* the rest at the next polls: one step each */
	}
	if (h->major_phase == HEAP_MAJOR_IDLE)
		h->major_debt = 0;
}

uint64_t gc_major_pause_percentile(const struct gc_stats *s, unsigned pct)
{
	return gc_hist_percentile(s->major_pause_hist, NULL, s->major_pause_max, pct);
}
