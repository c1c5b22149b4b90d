/* cpu.c -- the per-CPU array and its accessor. */
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

/* A CPU heap's block source: physmem within the CPU's limit. Called by the owner CPU only. */
static void *limited_alloc(void *ctx, size_t size)
{
	struct cpu *c = ctx;
	void *p;

	size_t cap = MAX(c->heap_limit, c->heap_lent);

	if (c->heap_limit && size > cap - MIN(c->heap_bytes, cap))
		return NULL;
	if ((p = physmem_alloc(size, HEAP_GROUP_SIZE)) != NULL)
		arch_atomic_store_relaxed(&c->heap_bytes, c->heap_bytes + size);
	return p;
}

static void limited_free(void *ctx, void *p, size_t size)
{
	struct cpu *c = ctx;

	physmem_free(p, size);
	arch_atomic_store_relaxed(&c->heap_bytes, c->heap_bytes - size);
}

int cpu_heap_init(unsigned cpu)
{
	struct cpu *c = &cpus[cpu];
	struct heap_config cfg = {
		.nursery_bytes = 0,
		.src = { limited_alloc, limited_free, c },
		.cpu = cpu,
	};

	c->heap_limit = cpu_heap_limit;
	c->heap_bytes = 0;
	c->heap_lent = 0;
	return heap_init(&c->heap, &cfg);
}
