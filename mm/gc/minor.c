/* minor.c -- minor collection: copy the live nursery into the old generation.
 * Promotion on first survival (no survivor space): young objects reachable from the C roots or
 * from remembered old slots are copied into free chunks (bumping through one at a time, the
 * PLAB: heap.c) or the end of the last small group
 * (black during a major cycle), scanned from a gray list, and every moved reference rewritten. Restores G1-G6 (gc.h) before returning. */
#include <arch.h>
#include <kernel/kernel.h>

#include "barrier.h"
#include "gc.h"
#include "roots.h"

#define WORD	sizeof(uintptr_t)

/*
 * Publishing (gc_publish's promotion of a fresh closure, h->promote_log set): what the
 * publication's walk would do next is done here, as the objects go by. Each copy is shared
 * and logged from the front of the log: its young fields are forwarded by scan_copy, which
 * also shares the old objects of h they name that are not shared yet and logs them from the
 * back, for the walk to visit (it visits only those). A copy is shared before its fields are
 * forwarded; nobody else can reach it until the publication ends (the verifier's X1 waits:
 * h->publishing). When the log has no room, promote_full asks the walk to go over it all.
 */
static inline void publishing_log(struct heap *h, obj o, bool visit)
{
	if (h->promote_n + h->promote_nvisit == h->promote_cap) {
		h->promote_full = true;
		return;
	}
	heap_shared_set((void *)o);
	if (visit)
		h->promote_log[h->promote_cap - ++h->promote_nvisit] = o;
	else
		h->promote_log[h->promote_n++] = o;
}

static obj forward(struct heap *h, obj o)
{
	uintptr_t *from = obj_words(o);
	uintptr_t hdr = from[0];
	size_t words;
	uintptr_t *to;

	if (obj_hdr_forwarded_p(hdr))
		return (obj)hdr;
	words = obj_hdr_size(hdr) + 1;
	to = heap_old_alloc(h, words);
	kassert(!heap_shared_p(to));	/* free chunks and fresh group ends carry no shared bit */
	kassert(to != NULL);	/* heap_reserve() covered the whole nursery */
	if (words <= 4) {	/* pairs, boxes, small closures: no call to memcpy */
		to[0] = hdr;
		for (size_t i = 1; i < words; i++)
			to[i] = from[i];
	} else {
		memcpy(to, from, words * WORD);
	}
	from[0] = (uintptr_t)to;
	if (obj_hdr_nptrs(hdr, (obj *)to + 1) > 0) {	/* then from[1] exists: link it gray */
		from[1] = (uintptr_t)h->minor_gray;
		h->minor_gray = from;
	}
	h->stats.bytes_promoted += words * WORD;
	if (h->major_phase != HEAP_MAJOR_IDLE)
		h->major_debt += words * GC_MAJOR_PACE;
	if (__builtin_expect(h->promote_log != NULL, 0))
		publishing_log(h, (obj)to, false);
	return (obj)to;
}

static void update(struct heap *h, obj *slot)
{
	obj v = __atomic_load_n(slot, __ATOMIC_RELAXED);	/* a shared slot may change meanwhile;
								 * it never holds a young object */

	if (heap_young_p(h, v))
		*slot = forward(h, v);
}

static void scan_object(struct heap *h, uintptr_t *p)
{
	obj *f = (obj *)p + 1;
	size_t n = obj_hdr_nptrs(p[0], f);

	for (size_t i = 0; i < n; i++)
		update(h, &f[i]);
}

/* A fresh copy: forward its young fields and count its references to other heaps, which were
 * uncounted while it was young (X3). Stacks are root areas and never counted. */
static void scan_copy(struct heap *h, uintptr_t *p)
{
	obj *f = (obj *)p + 1;
	size_t n = obj_hdr_nptrs(p[0], f);
	bool count = h->attached && obj_hdr_type(p[0]) != OBJ_T_STACK;

	for (size_t i = 0; i < n; i++) {
		obj v = f[i];

		if (heap_young_p(h, v))
			f[i] = forward(h, v);
		else if (count && gc_remote_p(h, v))
			gc_xref_inc_later(h, v, (uintptr_t)p);
		else if (__builtin_expect(h->promote_log != NULL, 0) && obj_ptr_p(v) &&
			 !gc_remote_p(h, v) && !heap_shared_p((void *)v))
			publishing_log(h, v, true);	/* old, ours, not shared: the walk visits it */
	}
}

/* Scan the copies: free chunks scatter them, so the gray list (threaded through the evacuated
 * nursery originals' first field) replaces a Cheney scan pointer. */
static void scan_gray(struct heap *h)
{
	while (h->minor_gray) {
		uintptr_t *from = h->minor_gray;

		h->minor_gray = (uintptr_t *)from[1];
		scan_copy(h, (uintptr_t *)from[0]);
	}
	gc_xref_flush(h);	/* the copies' remote references, counted before the pause ends */
}

/* Remembered set overflowed: every old object is a potential root. Copies may land anywhere
 * (free chunks, the group end) while we walk; scanning one twice is harmless. The open PLAB's
 * unfilled end has no header: jump over it. */
static void scan_all_old(struct heap *h)
{
	for (struct heap_group *g = h->small_first; g; g = g->next)
		for (uintptr_t *p = heap_group_objects(g); p < g->top; p += obj_hdr_size(*p) + 1) {
			if (p == h->plab_top && (p = h->plab_limit) >= g->top)
				break;
			scan_object(h, p);
		}
	for (struct heap_group *g = h->large; g; g = g->next)
		scan_object(h, heap_group_objects(g));
}

#define SUB_COUNT	(1u << GC_HIST_SUB_BITS)

unsigned gc_hist_index(uint64_t cycles)
{
	unsigned b;

	if (cycles < SUB_COUNT)
		return (unsigned)cycles;
	b = 63 - (unsigned)__builtin_clzll(cycles);	/* cycles in [2^b, 2^(b+1)), b >= SUB_BITS */
	if (b >= GC_HIST_LOG2_MAX)
		return GC_PAUSE_BUCKETS - 1;
	return ((b - GC_HIST_SUB_BITS + 1) << GC_HIST_SUB_BITS) +
	       (unsigned)((cycles >> (b - GC_HIST_SUB_BITS)) & (SUB_COUNT - 1));
}

uint64_t gc_hist_lo(unsigned i)
{
	unsigned b;

	if (i < SUB_COUNT)
		return i;
	b = (i >> GC_HIST_SUB_BITS) + GC_HIST_SUB_BITS - 1;
	return (uint64_t)(SUB_COUNT + (i & (SUB_COUNT - 1))) << (b - GC_HIST_SUB_BITS);
}

uint64_t gc_hist_width(unsigned i)
{
	if (i < SUB_COUNT)
		return 1;
	if (i == GC_PAUSE_BUCKETS - 1)
		return UINT64_MAX - gc_hist_lo(i);	/* everything from there on */
	return (uint64_t)1 << ((i >> GC_HIST_SUB_BITS) - 1);
}

void gc_hist_note(uint64_t *hist, uint64_t *total, uint64_t *last, uint64_t *max, uint64_t cycles)
{
	hist[gc_hist_index(cycles)]++;
	*total += cycles;
	*last = cycles;
	if (cycles > *max)
		*max = cycles;
}

static void record_pause(struct gc_stats *s, uint64_t cycles)
{
	gc_hist_note(s->pause_hist, &s->pause_total, &s->pause_last, &s->pause_max, cycles);
}

int gc_minor(struct heap *h)
{
	size_t used = heap_nursery_used(h);
	uint64_t t0, t1;
	bool verify = false;

	heap_check(h);
	kassert(!h->in_gc);
	kassert(!h->no_collect);
#ifdef CONFIG_DEBUG
	verify = gc_verify_due(h, used, false);
	if (verify && gc_verify(h) != 0)
		panic("gc_verify failed before minor collection on cpu %u", h->cpu);
#endif
	t0 = arch_cycles();	/* the pause includes the reserve (block allocation) */
	if (heap_reserve(h, used) < 0)
		return -1;
	h->in_gc = true;
	h->minor_gray = NULL;

	gc_roots_visit(h, update);
	if (h->remset_overflow) {
		gc_remset_drain(h, update);	/* empty; entries were dropped at overflow */
		scan_all_old(h);
		h->stats.remset_overflows++;
		h->remset_overflow = false;
	} else {
		gc_remset_drain(h, update);
	}

	scan_gray(h);

	heap_plab_close(h);
	/* Empty the nursery. */
#ifdef CONFIG_DEBUG
	for (uintptr_t *p = h->nursery_start; p < h->nursery_top; p++)
		*p = (uintptr_t)GC_POISON;
#endif
	h->stats.bytes_allocated += used;
	h->nursery_top = h->nursery_start;
	h->young_written = h->nursery_end;
	h->in_gc = false;
	t1 = arch_cycles();
	h->stats.minor_collections++;
	record_pause(&h->stats, t1 - t0);
	gc_pace_minor(h, used, t1 - t0);
	heap_limit_reset(h);
	if (verify && gc_verify(h) != 0)
		panic("gc_verify failed after minor collection on cpu %u", h->cpu);
	return 0;
}

/* ---- one object's young closure (gc_promote_closure) ---- */

/* The young objects o reaches through young objects: their words and the lowest of them.
 * A depth-first walk with no marks (a shared substructure is counted once per path, a young
 * cycle until the bound): false when over a bound or a stack object is met. */
static bool closure_measure(struct heap *h, obj o, size_t *words, uintptr_t **low)
{
	obj todo[128];	/* 512 bytes on the 32-bit kernels: under a thread stack's 1 KiB guard */
	size_t sp = 0, n = 0;

	todo[sp++] = o;
	*words = 0;
	*low = obj_words(o);
	while (sp > 0) {
		uintptr_t *p = obj_words(todo[--sp]);
		uintptr_t hdr = p[0];
		obj *f = (obj *)p + 1;
		size_t k = obj_hdr_nptrs(hdr, f);

		if (obj_hdr_type(hdr) == OBJ_T_STACK || ++n > GC_PROMOTE_MAX_OBJECTS)
			return false;
		*words += obj_hdr_size(hdr) + 1;
		if (p < *low)
			*low = p;
		for (size_t i = 0; i < k; i++)
			if (heap_young_p(h, f[i])) {
				if (sp == sizeof(todo) / sizeof(todo[0]))
					return false;
				todo[sp++] = f[i];
			}
	}
	return true;
}

/* A slot that may name a moved object: name its copy. */
static void refer_to_copy(struct heap *h, obj *slot)
{
	obj v = __atomic_load_n(slot, __ATOMIC_RELAXED);	/* as update() */

	if (heap_young_p(h, v) && obj_hdr_forwarded_p(obj_header(v)))
		*slot = (obj)obj_header(v);
}

/* The size in words of the nursery object at p, moved or not. */
static size_t nursery_words(const uintptr_t *p)
{
	uintptr_t hdr = p[0];

	if (obj_hdr_forwarded_p(hdr))
		hdr = ((const uintptr_t *)hdr)[0];	/* the copy's header, as it was */
	return obj_hdr_size(hdr) + 1;
}

int gc_promote_closure(struct heap *h, obj *x)
{
	uintptr_t *low, *from, *p;
	size_t words;

	heap_check(h);
	if (h->in_gc || h->remset_overflow || h->remset_len > GC_PROMOTE_MAX_REMSET ||
	    !heap_young_p(h, *x) || !closure_measure(h, *x, &words, &low))
		return 0;
	from = MIN(low, h->young_written);
	if ((size_t)(h->nursery_top - from) * WORD > GC_PROMOTE_MAX_SCAN)
		return 0;
	if (heap_reserve(h, words * WORD) < 0)
		return 0;
	h->in_gc = true;
	h->minor_gray = NULL;

	/* copy the closure out, as a minor collection does */
	*x = forward(h, *x);
	scan_gray(h);
	heap_plab_close(h);

	/* every reference to a moved object: roots, remembered slots, young holders */
	gc_roots_visit(h, refer_to_copy);
	for (size_t i = 0; i < h->remset_len; i++)
		refer_to_copy(h, h->remset[i]);
	for (p = from; p < h->nursery_top; p += nursery_words(p)) {
		if (obj_hdr_forwarded_p(p[0]))
			continue;
		obj *f = (obj *)p + 1;
		size_t n = obj_hdr_nptrs(p[0], f);

		for (size_t i = 0; i < n; i++)
			refer_to_copy(h, &f[i]);
	}
	/* the originals: fillers (their copies keep the header they had) */
	for (p = from; p < h->nursery_top; p += obj_hdr_size(p[0]) + 1)
		if (obj_hdr_forwarded_p(p[0]))
			p[0] = obj_hdr(OBJ_T_FILLER, obj_hdr_size(((uintptr_t *)p[0])[0]));

	h->in_gc = false;
	h->stats.publish_promotions++;	/* its pause is gc_publish's, with the walk after it */
#ifdef CONFIG_DEBUG
	if (gc_verify_due(h, words * WORD, false) && gc_verify(h) != 0)
		panic("gc_verify failed after promoting a closure on cpu %u", h->cpu);
#endif
	return 1;
}

/* The pacer ("The pause goal" in docs/gc.md). An estimate of cycles per unit of work that
 * rises at once to a costlier sample and decays by a 64th of the gap at a cheaper one, so the
 * next pause is sized for the worst of the last hundred or so, not the average (an eighth let
 * the 1 % of costlier collections, a tree in flight at the nursery's full size, run at 1.5-2x
 * the goal). */
static void estimate(uint64_t *est, uint64_t sample)
{
	if (sample > *est)
		*est = sample;
	else
		*est -= (*est - sample) / 64;
}

/* The size (bytes of nursery, words of a step) whose estimated cost (est cycles per 1024) is
 * target cycles: at most twice cur (est was measured on a smaller one), within [lo, hi]. */
static uint64_t paced(uint64_t est, uint64_t target, uint64_t cur, uint64_t lo, uint64_t hi)
{
	uint64_t n = est ? target * 1024 / est : hi;

	return MIN(MAX(MIN(n, 2 * cur), lo), hi);
}

/* Memory before pauses: once the heap's footprint passes GC_PACE_LIMIT_PCT of its limit, the
 * whole nursery, so what would die young is not promoted into an old generation that has no
 * room for it (a small nursery promotes more; near the limit that is an exhaustion the pause
 * goal caused). Below it again, the pacer resumes from the estimate. */
static bool near_limit(const struct heap *h)
{
	size_t fp = arch_atomic_load_relaxed(&h->src_bytes);

	return h->limit_bytes != 0 && fp / GC_PACE_LIMIT_PCT >= h->limit_bytes / 100;
}

void gc_pace_minor(struct heap *h, size_t used, uint64_t cycles)
{
	size_t soft = (size_t)(h->nursery_soft - h->nursery_start) * WORD, n;
	uint64_t target = h->pause_goal / 100 * GC_PACE_TARGET_PCT;

	if (h->pause_goal == 0)
		return;
	if (near_limit(h)) {
		if (soft != h->nursery_bytes)
			h->stats.pace_limit_yields++;
		h->nursery_soft = h->nursery_end;
		return;
	}
	if (used < soft / 2 || used < 1024)
		return;	/* collected early (a publication, a full remembered set): fixed costs */
	estimate(&h->pace_minor, cycles * 1024 / used);
	n = (size_t)paced(h->pace_minor, target, soft, HEAP_NURSERY_MIN, h->nursery_bytes);
	h->nursery_soft = h->nursery_start + n / WORD;
}

void gc_pace_major(struct heap *h, uint64_t cycles, size_t work, bool cut)
{
	uint64_t target = h->pause_goal / 100 * GC_PACE_TARGET_PCT;

	if (h->pause_goal == 0 || (work < h->major_step_words / 2 && !cut) || work == 0)
		return;	/* a step cut short by the end of a phase says little; by the clock, much */
	estimate(&h->pace_major, cycles * 1024 / work);
	h->major_step_words = (size_t)paced(h->pace_major, target, h->major_step_words,
					    GC_MAJOR_STEP_MIN, GC_MAJOR_STEP_WORDS);
}

uint64_t gc_hist_percentile_of(uint64_t (*count)(const void *ctx, unsigned i), const void *ctx,
				uint64_t max, unsigned pct)
{
	uint64_t total = 0, seen = 0;

	for (unsigned i = 0; i < GC_PAUSE_BUCKETS; i++)
		total += count(ctx, i);
	if (total == 0)
		return 0;
	for (unsigned i = 0; i < GC_PAUSE_BUCKETS; i++) {
		seen += count(ctx, i);
		if (seen * 100 >= total * pct)	/* the bucket's highest value, never above the max */
			return MIN(gc_hist_lo(i) + gc_hist_width(i) - 1, max);
	}
	return max;
}

struct two_hists { const uint64_t *a, *b; };

static uint64_t two_count(const void *ctx, unsigned i)
{
	const struct two_hists *t = ctx;

	return t->a[i] + (t->b ? t->b[i] : 0);
}

uint64_t gc_hist_percentile(const uint64_t *hist, const uint64_t *hist2, uint64_t max, unsigned pct)
{
	struct two_hists t = { hist, hist2 };

	return gc_hist_percentile_of(two_count, &t, max, pct);
}

uint64_t gc_pause_percentile(const struct gc_stats *s, unsigned pct)
{
	return gc_hist_percentile(s->pause_hist, NULL, s->pause_max, pct);
}
