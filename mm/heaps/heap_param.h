/* heap_param.h -- tunables of the per-CPU heaps and their collector, in one place. */
#ifndef MM_HEAPS_HEAP_PARAM_H
#define MM_HEAPS_HEAP_PARAM_H

#define HEAP_GROUP_SIZE		(64 * 1024)	/* old-generation block; blocks are aligned to it */
#define HEAP_NURSERY_DEFAULT	(256 * 1024)	/* bytes; a multiple of HEAP_GROUP_SIZE */
#define HEAP_LARGE_BYTES	(8 * 1024)	/* objects above this (header included) skip the nursery */
#define HEAP_ROOTS_MAX		1024		/* C roots on one heap's shadow stack */
#define GC_REMSET_BYTES		HEAP_GROUP_SIZE	/* remembered set: one block of slot addresses */
#define GC_REMSET_CACHE		64		/* direct-mapped filter of recently remembered slots */
#define GC_PAUSE_BUCKETS	40		/* pause histogram: bucket b counts pauses in [2^b, 2^(b+1)) cycles */

#endif
