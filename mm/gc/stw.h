/* stw.h -- the `global` collection mode: the same per-CPU heaps, collected by one
 * stop-the-world collector over all CPUs. It is the baseline the measurements compare the
 * per-core design against (docs/gc.md), chosen at boot (`gc=global` on the kernel command line,
 * `--gc global` for build/host/lisp); the default is `percore`.
 *
 * Hooks (the only places the rest of the collector calls in):
 *  - heap_alloc_slow: when the nursery is full in global mode, gc_stw_collect(h) replaces the
 *    CPU's own minor collection and major step;
 *  - gc_safepoint: gc_stw_safepoint(h) first, so a CPU that reaches a safe point while a
 *    stop-the-world collection is requested stops there until it is over. */
#ifndef MM_GC_STW_H
#define MM_GC_STW_H

#include <mm/heaps/heap.h>

enum gc_mode { GC_MODE_PERCORE, GC_MODE_GLOBAL };

/* Set once at boot, before any heap allocates. */
void gc_set_mode(enum gc_mode mode);
enum gc_mode gc_mode(void);
const char *gc_mode_name(enum gc_mode mode);

/* Global mode: stop every CPU and collect (see above). 0, or -1 if memory ran out. */
int gc_stw_collect(struct heap *h);
/* Global mode: stop here while another CPU's stop-the-world collection is requested. */
void gc_stw_safepoint(struct heap *h);

#endif
