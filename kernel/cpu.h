/* cpu.h -- per-CPU state. Each CPU's heap and run queue will be fields of its struct cpu.
 * this_cpu() is the one accessor; it asserts interrupts are off, so the caller cannot move. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <arch.h>

#include <mm/heaps/heap.h>

#include "param.h"

struct cpu {
	unsigned id;
	int online;		/* set once by the CPU itself, read by anyone (atomic) */
	unsigned long ticks;	/* timer interrupts taken; only this CPU writes it */
	struct heap heap;	/* this CPU's heap: used by this CPU alone, by threads running
				 * with preemption disabled (docs/gc.md, docs/sched.md) */
	size_t heap_bytes;	/* blocks the heap holds now; changed by this CPU (its heap's
				 * block source), read by anyone (approximate) */
	size_t heap_limit;	/* at most this many (cpu_heap_init: cpu_heap_limit); 0: none */
	size_t heap_lent;	/* nonzero: a collection the interpreter runs may make the heap
				 * hold up to this many, limit or not (lisp.h, gc_lend); this CPU */
};

/* Bytes of blocks each CPU heap made after this is set may take (boot option heap_mb=N); 0: no
 * limit but free memory. An exhausted heap is the Scheme error "heap exhausted", and the rest
 * of the kernel (stacks, the other heaps) keeps what the limit leaves. */
extern size_t cpu_heap_limit;
/* The collector's pause goal for the heaps made after this is set (boot option gc_pause_us=N,
 * default GC_PAUSE_GOAL_DEFAULT_US; 0: none; docs/gc.md, "The pause goal"). Global mode has none. */
extern unsigned cpu_pause_goal_us;

extern struct cpu cpus[NCPU];

struct cpu *this_cpu(void);
/* Heap blocks from the physical allocator (HEAP_GROUP_SIZE-aligned). */
extern const struct heap_block_source kernel_heap_blocks;
/* Give cpu its heap (on that CPU, once, at boot), its blocks from physmem within
 * cpu_heap_limit: 0, or -1 if memory ran out. */
int cpu_heap_init(unsigned cpu);
/* The idle loop's hook: this CPU's heap answers other heaps' handshakes (gc_safepoint). */
void cpu_idle_safepoint(void);
/* The interpreter's safe-point hook (struct lisp_config's safepoint): let other threads run,
 * then answer handshakes, global-mark steps and global-mode stops (gc_safepoint). */
void cpu_lisp_safepoint(void *ctx);
struct thread;
/* The scheduler's switch hook: the incoming thread's root stack becomes the heap's current. */
void cpu_switch_roots(struct thread *next);
/* For a thread that uses its CPU's heap (preemption disabled, so it stays on that CPU):
 * the heap; then enter gives the thread the root stack rs (empty) for its C roots, leave takes
 * it back (empty again). */
struct heap *cpu_heap_here(void);
void cpu_heap_enter(struct heap *h, struct gc_rootstack *rs);
void cpu_heap_leave(struct heap *h, struct gc_rootstack *rs);

#endif
