/* cpu.c -- the per-CPU array and its accessor. */
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/gc/stw.h>
#include <mm/gc/xheap.h>
#include <sched/thread.h>

#include "cpu.h"
#include "kernel.h"
#include "physmem.h"

struct cpu cpus[NCPU];

struct cpu *this_cpu(void)
{
	struct cpu *c = &cpus[arch_cpu_id()];

	kassert(!arch_irqs_enabled());	/* else the caller could be moved to another CPU */
	return c;
}

static void *block_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return physmem_alloc(size, HEAP_GROUP_SIZE);
}

static void block_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	physmem_free(p, size);
}

const struct heap_block_source kernel_heap_blocks = { block_alloc, block_free, NULL };

size_t cpu_heap_limit;
unsigned cpu_pause_goal_us = GC_PAUSE_GOAL_DEFAULT_US;

/* A CPU heap's block source: physmem within the CPU's limit. Called by the owner CPU, and by
 * others growing its count table (mm/gc/xheap.c): the byte count is atomic, the limit check
 * approximate. */
static void *limited_alloc(void *ctx, size_t size)
{
	struct cpu *c = ctx;
	void *p;

	size_t cap = MAX(c->heap_limit, c->heap_lent);

	size_t used = arch_atomic_load_relaxed(&c->heap_bytes);

	if (c->heap_limit && size > cap - MIN(used, cap))
		return NULL;
	if ((p = physmem_alloc(size, HEAP_GROUP_SIZE)) != NULL)
		arch_atomic_add(&c->heap_bytes, size);
	return p;
}

static void limited_free(void *ctx, void *p, size_t size)
{
	struct cpu *c = ctx;

	physmem_free(p, size);
	arch_atomic_sub(&c->heap_bytes, size);
}

int cpu_heap_init(unsigned cpu)
{
	struct cpu *c = &cpus[cpu];
	struct heap_config cfg = {
		.nursery_bytes = 0,
		.pause_goal_us = gc_mode() == GC_MODE_GLOBAL ? 0 : cpu_pause_goal_us,
		.limit_bytes = cpu_heap_limit,
		.src = { limited_alloc, limited_free, c },
		.xsrc = { block_alloc, block_free, NULL },	/* free memory, not the heap's limit */
		.cpu = cpu,
	};

	c->heap_limit = cpu_heap_limit;
	c->heap_bytes = 0;
	c->heap_lent = 0;
	if (heap_init(&c->heap, &cfg) < 0)
		return -1;
	gc_world_attach(&c->heap);
	return 0;
}

/* Every thread of this CPU is blocked or preempted at a safe point: answer handshakes, then
 * park the heap until a thread runs again, so a global-mode stop need not wait for this CPU's
 * next interrupt (mm/gc/stw.h; no-ops in percore mode). */
void cpu_idle_safepoint(void)
{
	struct heap *h = &this_cpu()->heap;

	gc_stw_unpark(h);	/* waits while a stop is in progress: the heap is ours again */
	gc_safepoint(h);
	gc_stw_park(h);
}

/* The interpreter's safe point (lisp.h: every LISP_SAFEPOINT_CALLS calls, with every object
 * rooted): other threads of this CPU run, then this heap answers whatever waits for it: a
 * global-mode stop, a global mark's step, other heaps' root-scan handshakes (gc_safepoint).
 * Every loop of a Scheme program is a chain of calls, so this bounds how long any CPU running
 * Scheme makes another's collection wait. */
void cpu_lisp_safepoint(void *ctx)
{
	(void)ctx;
	sched_preempt_point();
	gc_mutator_poll(cpu_heap_here());
	gc_major_pay(cpu_heap_here());	/* the major debt, a step per safe point */
}

void cpu_switch_roots(struct thread *next)
{
	struct heap *h = &this_cpu()->heap;

	gc_stw_unpark(h);	/* before anything of the heap is touched */
	gc_rootstack_switch(h, next->gc_roots);
}

struct heap *cpu_heap_here(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct heap *h = &this_cpu()->heap;

	arch_irq_restore(f);
	return h;
}

void cpu_heap_enter(struct heap *h, struct gc_rootstack *rs)
{
	gc_rootstack_attach(h, rs);
	thread_self()->gc_roots = rs;
	gc_rootstack_switch(h, rs);
}

void cpu_heap_leave(struct heap *h, struct gc_rootstack *rs)
{
	thread_self()->gc_roots = NULL;
	gc_rootstack_detach(h, rs);
}
