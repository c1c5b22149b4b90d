/* stw.c -- the `global` collection mode (stw.h): one stop-the-world collection over every CPU's
 * heap, the baseline the per-core design is measured against. Owns the stop protocol below;
 * the heaps and their collectors are the per-core ones (minor.c, major.c, xheap.c).
 *
 * Protocol. A stop is named by `stop`, odd while it is in progress (even: none).
 *  - Request: a CPU whose nursery is full (gc_stw_collect) CASes stop from even s to s + 1 and
 *    leads that stop; losing the CAS, or finding stop odd, it joins as a stopped CPU instead.
 *  - Arrival: every other attached CPU either stops at its next safe point (gc_stw_safepoint:
 *    arrived[c] = stop) or is parked (no thread of it is using its heap, see below) and then
 *    taken by the leader. The leader waits until each attached CPU has arrived or been taken,
 *    then sets go = stop.
 *  - Collection: each stopped CPU and the leader collect their own heap (collect(): a minor
 *    collection, and a whole major cycle if one is due or running), then set finished[c].
 *    Marking needs every attached heap's root scan (xheap.h X4): while they collect or wait,
 *    stopped CPUs answer with gc_safepoint(own heap), and the leader answers for the parked
 *    heaps as well. gc_safepoint calls gc_stw_safepoint first: inside[c] makes that a no-op.
 *  - Release: once every stopped CPU has finished, the leader sets stop = s + 2 (even); each
 *    stopped CPU leaves, and records its whole stop (arrival to release, arch_cycles) as one
 *    pause in its heap's minor pause histogram. What the collections inside recorded there
 *    and in the major step histogram is undone first (save/restore), so (gc-stats) shows the
 *    global mode's pauses the way it shows the per-core mode's.
 * Parking. An idle CPU halts and would only answer at its next interrupt, putting a timer tick
 * into every pause. Instead the idle loop parks its heap before it halts (cpu_idle_safepoint:
 * every thread of the CPU is then blocked or preempted at a safe point, its objects rooted in
 * its root stack, nothing allocates) and the CPU counts as stopped; its heap is not collected.
 * A thread switched in unparks first (cpu_switch_roots), and so does the idle loop before it
 * uses the heap itself. park[c] is RUN, PARK or TAKEN: the owner stores PARK, and unparks by
 * CAS PARK -> RUN; a leader takes a parked CPU by CAS PARK -> TAKEN and gives it back (TAKEN ->
 * PARK) right after its release. So a taken CPU stays off its heap until the stop is over (its
 * unpark spins), while the leader scans (and may minor-collect) that heap for it; a CPU that
 * unparks before the leader looked at it is running, and stops at its next safe point like any
 * other (a thread switched in reaches one soon). Unparking wins as soon as a stop releases it,
 * so back-to-back stops cannot keep a CPU parked for ever.
 * Guards: stop, go: atomics, written by the leader. arrived[c], finished[c]: atomics written by
 * CPU c (its heap's owner). park[c]: atomic, CAS as above. inside[c], saved[c]: CPU c while
 * stopped, the leader for a taken c. requests[c], stops[c]: CPU c. */
#include <arch.h>
#include <kernel/kernel.h>

#include "gc.h"
#include "stw.h"
#include "xheap.h"

_Static_assert(NCPU <= 32, "a leader's taken CPUs are a 32-bit mask");

static enum gc_mode mode = GC_MODE_PERCORE;

static unsigned stop;			/* odd: a stop is in progress */
static unsigned go;			/* == stop: everyone has arrived; collect */
static unsigned arrived[NCPU];		/* the stop CPU c stopped for */
static unsigned finished[NCPU];		/* the stop CPU c has collected its heap for */
enum { RUN, PARK, TAKEN };
static unsigned park[NCPU];		/* RUN, PARK or TAKEN (see above) */
static bool inside[NCPU];		/* heap c is driven by a stop: its safe points do not stop */
static unsigned long requests[NCPU];	/* stops CPU c led (word-sized: atomic on 32-bit) */
static unsigned long stops[NCPU];	/* stops CPU c took part in (led or stopped; not parked) */

/* The pause statistics as they were when the stop began (undone at the release). */
static struct saved {
	uint64_t hist[GC_PAUSE_BUCKETS], total, last, max;
	uint64_t major_hist[GC_PAUSE_BUCKETS], major_total, major_last, major_max;
} saved[NCPU];

void gc_set_mode(enum gc_mode m)
{
	mode = m;
}

enum gc_mode gc_mode(void)
{
	return mode;
}

const char *gc_mode_name(enum gc_mode m)
{
	return m == GC_MODE_GLOBAL ? "global" : "percore";
}

uint64_t gc_stw_requests(unsigned cpu)
{
	return cpu < NCPU ? arch_atomic_load_relaxed(&requests[cpu]) : 0;
}

uint64_t gc_stw_stops(unsigned cpu)
{
	return cpu < NCPU ? arch_atomic_load_relaxed(&stops[cpu]) : 0;
}

static void save(struct heap *h)
{
	struct saved *v = &saved[h->cpu];
	struct gc_stats *s = &h->stats;

	memcpy(v->hist, s->pause_hist, sizeof(v->hist));
	v->total = s->pause_total;
	v->last = s->pause_last;
	v->max = s->pause_max;
	memcpy(v->major_hist, s->major_pause_hist, sizeof(v->major_hist));
	v->major_total = s->major_pause_total;
	v->major_last = s->major_pause_last;
	v->major_max = s->major_pause_max;
}

static void restore(struct heap *h)
{
	struct saved *v = &saved[h->cpu];
	struct gc_stats *s = &h->stats;

	memcpy(s->pause_hist, v->hist, sizeof(v->hist));
	s->pause_total = v->total;
	s->pause_last = v->last;
	s->pause_max = v->max;
	memcpy(s->major_pause_hist, v->major_hist, sizeof(v->major_hist));
	s->major_pause_total = v->major_total;
	s->major_pause_last = v->major_last;
	s->major_pause_max = v->major_max;
}

/* The stop is over for h's owner: its statistics hold one pause, the whole stop. */
static void note_pause(struct heap *h, uint64_t t0)
{
	struct gc_stats *s = &h->stats;

	restore(h);
	gc_hist_note(s->pause_hist, &s->pause_total, &s->pause_last, &s->pause_max,
		     arch_cycles() - t0);
	arch_atomic_store_relaxed(&stops[h->cpu], stops[h->cpu] + 1);
}

/* gc_major_poll's trigger: the old generation grew past GC_MAJOR_GROWTH_PCT of its size after
 * the last cycle. */
static bool major_due(const struct heap *h)
{
	size_t trigger = h->major_last_old / 100 * GC_MAJOR_GROWTH_PCT;

	return h->old_bytes >= MAX(trigger, (size_t)GC_MAJOR_MIN_BYTES);
}

/* Answer other heaps' marking (X4): h's own root scan, and the leader's for the heaps it took
 * (a mask of CPUs; 0 for the others). */
static void answer(struct heap *h, uint32_t taken)
{
	gc_safepoint(h);
	for (unsigned c = 0; c < NCPU; c++)
		if (taken & (1u << c))
			gc_safepoint(gc_world_heap(c));
	arch_cpu_relax();
}

/* Collect h inside the stop: the nursery, then a whole major cycle if one is due or running
 * (not incrementally). -1 if the minor collection had no memory (the allocation fails). */
static int collect(struct heap *h, uint32_t taken)
{
	if (heap_nursery_used(h) > 0 && gc_minor(h) < 0)
		return -1;
	if (h->major_phase == HEAP_MAJOR_IDLE && (!major_due(h) || gc_major_start(h) < 0))
		return 0;	/* nothing due, or no memory for a cycle now: a later stop retries */
	while (h->major_phase != HEAP_MAJOR_IDLE) {
		uint64_t minors = h->stats.minor_collections;
		size_t work;

		h->xwaiting = false;
		work = gc_major_step(h, GC_MAJOR_ALL);
		if (h->xwaiting) {
			answer(h, taken);	/* others' root scans for our cycle; ours for theirs */
			continue;
		}
		if (work <= 1 && h->major_phase == HEAP_MAJOR_MARK &&
		    h->stats.minor_collections == minors)
			break;	/* the marking's last minor collection has no memory: a later stop */
	}
	h->major_debt = 0;
	return 0;
}

/* h's owner stops for stop s: waits for everyone, collects its heap, waits for the release. */
static int stopped(struct heap *h, unsigned s, uint64_t t0)
{
	unsigned c = h->cpu;
	int rc = 0;

	save(h);
	arch_atomic_store_relaxed(&inside[c], true);
	arch_atomic_store(&arrived[c], s);
	while (arch_atomic_load(&go) != s && arch_atomic_load(&stop) == s)
		arch_cpu_relax();
	if (arch_atomic_load(&go) == s) {	/* else: attached after the leader looked; nothing */
		rc = collect(h, 0);
		arch_atomic_store(&finished[c], s);
		while (arch_atomic_load(&stop) == s)
			answer(h, 0);
	}
	arch_atomic_store_relaxed(&inside[c], false);
	note_pause(h, t0);
	return rc;
}

void gc_stw_safepoint(struct heap *h)
{
	unsigned s;

	if (mode != GC_MODE_GLOBAL || arch_atomic_load_relaxed(&inside[h->cpu]))
		return;
	s = arch_atomic_load(&stop);
	if (s & 1)
		stopped(h, s, arch_cycles());
}

int gc_stw_collect(struct heap *h)
{
	unsigned c = h->cpu, s;
	uint64_t t0 = arch_cycles();
	uint32_t taken = 0;	/* the parked CPUs we took */
	int rc;

	heap_check(h);
	kassert(mode == GC_MODE_GLOBAL && !arch_atomic_load_relaxed(&inside[c]));
	if (!h->attached) {	/* alone in the world: nobody to stop */
		if (gc_minor(h) < 0)
			return -1;
		gc_major_poll(h);
		return 0;
	}
	for (;;) {
		s = __atomic_load_n(&stop, __ATOMIC_SEQ_CST);
		if (s & 1) {	/* someone else leads: our nursery is collected in their stop */
			rc = stopped(h, s, t0);
			if (rc < 0 || heap_nursery_used(h) == 0)
				return rc;
			t0 = arch_cycles();	/* we came too late for it: request our own */
			continue;
		}
		if (arch_atomic_cas(&stop, &s, s + 1))
			break;
	}
	s++;
	arch_atomic_store_relaxed(&requests[c], requests[c] + 1);
	save(h);
	arch_atomic_store_relaxed(&inside[c], true);
	arch_atomic_store(&arrived[c], s);
	/* Everyone stops, or is parked and taken (then it cannot unpark until we give it back). */
	for (unsigned o = 0; o < NCPU; o++) {
		struct heap *w = gc_world_heap(o);

		if (o == c || w == NULL)
			continue;
		while (arch_atomic_load(&arrived[o]) != s) {
			unsigned p = PARK;

			if (arch_atomic_cas(&park[o], &p, TAKEN)) {
				taken |= 1u << o;
				arch_atomic_store_relaxed(&inside[o], true);
				save(w);
				break;
			}
			arch_cpu_relax();
		}
	}
	arch_atomic_store(&go, s);
	rc = collect(h, taken);
	arch_atomic_store(&finished[c], s);
	for (unsigned o = 0; o < NCPU; o++) {
		if (o == c || gc_world_heap(o) == NULL || (taken & (1u << o)))
			continue;
		while (arch_atomic_load(&arrived[o]) == s && arch_atomic_load(&finished[o]) != s)
			answer(h, taken);
	}
	for (unsigned o = 0; o < NCPU; o++)
		if (taken & (1u << o)) {
			restore(gc_world_heap(o));	/* it stopped nothing: no pause */
			arch_atomic_store_relaxed(&inside[o], false);
		}
	arch_atomic_store_relaxed(&inside[c], false);
	arch_atomic_store(&stop, s + 1);	/* release: the stopped resume */
	for (unsigned o = 0; o < NCPU; o++)
		if (taken & (1u << o))
			arch_atomic_store(&park[o], PARK);	/* release: what we did to its heap */
	note_pause(h, t0);
	return rc;
}

void gc_stw_poll(struct heap *h)
{
	if (h->major_phase != HEAP_MAJOR_IDLE || major_due(h))
		gc_stw_collect(h);
}

void gc_stw_park(struct heap *h)
{
	if (mode != GC_MODE_GLOBAL || !h->attached)
		return;
	kassert(!arch_atomic_load_relaxed(&inside[h->cpu]) &&
		arch_atomic_load_relaxed(&park[h->cpu]) == RUN);
	arch_atomic_store(&park[h->cpu], PARK);	/* release: our last use of the heap */
}

void gc_stw_unpark(struct heap *h)
{
	unsigned c = h->cpu;

	if (mode != GC_MODE_GLOBAL || arch_atomic_load_relaxed(&park[c]) == RUN)
		return;
	for (;;) {
		unsigned p = PARK;

		if (arch_atomic_cas(&park[c], &p, RUN))
			return;	/* a stop that has not taken us waits for our next safe point */
		arch_cpu_relax();	/* taken: a stop is collecting; ours again at its release */
	}
}
