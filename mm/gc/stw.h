/* stw.h -- the `global` collection mode: the same per-CPU heaps, collected by one
 * stop-the-world collector over all CPUs. It is the baseline the measurements compare the
 * per-core design against (docs/gc.md), chosen at boot (`gc=global` on the kernel command line,
 * `--gc global` for build/host/lisp); the default is `percore`.
 *
 * Hooks (the only places the rest of the collector calls in):
 *  - heap_alloc_slow: when the nursery is full in global mode, gc_stw_collect(h) replaces the
 *    CPU's own minor collection and major step;
 *  - gc_safepoint: gc_stw_safepoint(h) first, so a CPU that reaches a safe point while a
 *    stop-the-world collection is requested stops there until it is over;
 *  - heap_alloc_slow's large-object path: gc_stw_poll(h) instead of gc_major_poll;
 *  - the kernel's idle loop parks its CPU's heap (gc_stw_park) before it halts, and every
 *    thread switched in, and the idle loop before it uses the heap, unparks it (gc_stw_unpark):
 *    a parked CPU counts as stopped, so a stop never waits for an idle CPU's next interrupt.
 * The protocol is at the top of stw.c and in docs/gc.md ("Global mode"). */
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
/* Global mode, before a large allocation: a stop if h is due a major cycle (gc_major_poll's
 * trigger), else nothing. */
void gc_stw_poll(struct heap *h);

/* h's CPU has no thread using its heap now (every one blocked or preempted at a safe point, its
 * objects rooted): stops count it as stopped and do not collect its heap. No-op in percore
 * mode. Interrupts off; the heap's owner CPU only. */
void gc_stw_park(struct heap *h);
/* Before h's CPU uses its heap again: waits while a stop is in progress. No-op when not parked
 * or in percore mode. Interrupts off; the heap's owner CPU only. */
void gc_stw_unpark(struct heap *h);

/* Stops CPU cpu led (its nursery was full), and stops it took part in (led or stopped at a safe
 * point; not parked). Approximate while it runs. */
uint64_t gc_stw_requests(unsigned cpu);
uint64_t gc_stw_stops(unsigned cpu);

#endif
