/* gc.h -- the collector of one CPU's heap: minor (nursery) collection, statistics, verification.
 *
 * Invariants (outside a collection; gc_verify() checks each, numbered as in docs/gc.md):
 *  G1 Parseable: the nursery [nursery_start, nursery_top) and every group's [objects, top) are
 *     tiled exactly by objects with valid headers (obj_hdr_valid_p: tag 11, known type, no stray
 *     bits); no header is forwarded. Exception: during gc_minor nursery headers are forwarded.
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
 */
#ifndef MM_GC_GC_H
#define MM_GC_GC_H

#include <mm/heaps/heap.h>

#define GC_POISON	((uintptr_t)0xdeadbeefdeadbeefull)	/* truncated on 32-bit: 0xdeadbeef */

/* Evacuate the live nursery objects into the old generation and empty the nursery.
 * 0, or -1 (nothing done, heap unchanged) if the old generation could not reserve room for
 * the worst case (every nursery byte surviving). */
int gc_minor(struct heap *h);

/* Check G1-G6; 0 if they hold, else -1 after printing the first violation. A no-op returning 0
 * unless CONFIG_DEBUG. */
int gc_verify(struct heap *h);

/* Upper bound (cycles) of the histogram bucket holding the pct-th percentile pause; 0 if none. */
uint64_t gc_pause_percentile(const struct gc_stats *s, unsigned pct);

#endif
