/* heap_param.h -- tunables of the per-CPU heaps and their collector, in one place. */
#ifndef MM_HEAPS_HEAP_PARAM_H
#define MM_HEAPS_HEAP_PARAM_H

#define HEAP_GROUP_SIZE		(64 * 1024)	/* old-generation block; blocks are aligned to it */
#define HEAP_NURSERY_DEFAULT	(256 * 1024)	/* bytes; a multiple of HEAP_GROUP_SIZE */
/* The pacer (mm/gc/minor.c, "The pause goal" in docs/gc.md): with a pause goal (heap_config,
 * default GC_PAUSE_GOAL_US), the nursery in use is sized so a minor collection's estimated cost
 * is GC_PACE_TARGET_PCT of the goal, between HEAP_NURSERY_MIN and the nursery's size, and each
 * major step's budget so its estimated time is as much, between GC_MAJOR_STEP_MIN and
 * GC_MAJOR_STEP_WORDS words. */
#define GC_PAUSE_GOAL_US	100
/* The embedders' default goal (--gc-pause-us, gc_pause_us=). It was 0 (none) while the pacer
 * ignored the heap's limit (a generated program that fit a 16 MiB heap without it ran out with
 * it, seed 12179: GC_PACE_LIMIT_PCT answers that), and again while a missing root in the
 * compiler (mv_call_node) crashed one loaded ASan run in a hundred: the pacer's nursery sizes
 * put a collection where a fixed nursery never did (docs/gc.md, "The pause goal"). */
#define GC_PAUSE_GOAL_DEFAULT_US	GC_PAUSE_GOAL_US
#define GC_PACE_TARGET_PCT	70
/* ... but with the heap's footprint at this % of its limit (heap_config.limit_bytes), the whole
 * nursery: memory before pauses (mm/gc/minor.c, near_limit) */
#define GC_PACE_LIMIT_PCT	50
#define HEAP_NURSERY_MIN	(16 * 1024)
#define GC_MAJOR_STEP_MIN	1024
/* ... and a major step (marking or sweeping) also looks at the clock every this many words of
 * work, and ends at this % of the goal whatever its budget (mm/gc/major.c, struct step_clock):
 * ended at the goal itself, the slice after the reading overran it (the workers' steps of
 * xtable.scm were 100-131 us; a slice of words that each miss the cache can take 30 us) */
#define GC_MAJOR_MARK_SLICE	256
#define GC_MAJOR_CUT_PCT	85
/* A minor collection counts the references its copies hold into other heaps this many at a
 * time, one hold of each owner's xlock per batch (mm/gc/xheap.c, gc_xref_inc_later) */
#define GC_XBATCH		64
/* A global mark's tracing shades other heaps' objects this many at a time, one hold of each
 * owner's xlock per batch (mm/gc/xheap.c, gc_xshade_later): one hold per object cost a
 * cross-CPU round trip each, 600 ns a word of a vector of remote references (xtable.scm) */
#define GC_XSHADE_BATCH		64
#define HEAP_LARGE_BYTES	(8 * 1024)	/* objects above this (header included) skip the nursery */
#define HEAP_ROOTS_MAX		1024		/* C roots on one heap's shadow stack */
#define GC_REMSET_BYTES		HEAP_GROUP_SIZE	/* remembered set: one block of slot addresses to start */
#define GC_REMSET_ENTRIES	(GC_REMSET_BYTES / sizeof(void *))	/* a minor collection is due at this many */
#define GC_REMSET_CACHE		64		/* direct-mapped filter of recently remembered slots */
/* Pause histograms (mm/gc/gc.h, gc_hist_*), HDR-style: pauses under 2^GC_HIST_SUB_BITS cycles
 * counted exactly; above, each power of two [2^b, 2^(b+1)) split into 2^GC_HIST_SUB_BITS equal
 * sub-buckets, so no bucket is wider than 1/32 (3.1%) of the values it holds. Pauses of
 * 2^GC_HIST_LOG2_MAX cycles or more share the last bucket (the max stays exact). */
#define GC_HIST_SUB_BITS	5
#define GC_HIST_LOG2_MAX	40
#define GC_PAUSE_BUCKETS	((GC_HIST_LOG2_MAX - GC_HIST_SUB_BITS + 1) << GC_HIST_SUB_BITS)

#define HEAP_FREE_CLASSES	16		/* free-chunk lists: chunks of [2^k, 2^(k+1)) words */
#define GC_MAJOR_MIN_BYTES	(4 * 1024 * 1024)	/* no major cycle below this much old generation */
#define GC_MAJOR_GROWTH_PCT	200		/* start a cycle when old bytes reach this % of the last cycle's */
#define GC_MAJOR_PACE		4		/* major work words owed per word promoted or allocated large */
#define GC_MAJOR_STEP_WORDS	(HEAP_GROUP_SIZE / 4)	/* work per incremental step */
/* A poll of the major collector (after a minor collection, at the interpreter's safe point)
 * pays one step of the debt; only a debt above this many steps' worth is paid at once, down to
 * it (a program promoting faster than one step per poll must not outrun its cycle). */
#define GC_MAJOR_DEBT_STEPS	8
/* The overhead limit (mm/gc/overhead.c, "The overhead limit" in docs/gc.md): an allocation the
 * heap refuses fails without another full collection when each of the last GC_OVERHEAD_RUN
 * full collections at the limit let the program allocate less than GC_OVERHEAD_YIELD_PCT of
 * the heap's limit before the next, and the collector's pauses took more than GC_OVERHEAD_PCT
 * of the time since the first of them began. The JVM's GC overhead limit has 5, 2 and 98. */
#define GC_OVERHEAD_RUN		5
#define GC_OVERHEAD_YIELD_PCT	2
#define GC_OVERHEAD_PCT		90
#define GC_GLOBAL_MIN_REFS	4096		/* no automatic global mark below this many counted objects */
#define GC_GLOBAL_GROWTH	2		/* ... nor before a heap's count table grew this many times */

#endif
