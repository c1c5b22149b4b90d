/* cpu.c -- the per-CPU array and its accessor. */
#include <mm/gc/roots.h>
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

int cpu_heap_init(unsigned cpu)
{
	struct heap_config cfg = {
		.nursery_bytes = 0,
		.src = kernel_heap_blocks,
		.cpu = cpu,
	};

	if (heap_init(&cpus[cpu].heap, &cfg) < 0)
		return -1;
	gc_world_attach(&cpus[cpu].heap);
	return 0;
}

void cpu_idle_safepoint(void)
{
	gc_safepoint(&this_cpu()->heap);
}

void cpu_switch_roots(struct thread *next)
{
	gc_rootstack_switch(&this_cpu()->heap, next->gc_roots);
}
