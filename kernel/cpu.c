/* cpu.c -- the per-CPU array and its accessor. */
#include "cpu.h"
#include "kernel.h"

struct cpu cpus[NCPU];

struct cpu *this_cpu(void)
{
	struct cpu *c = &cpus[arch_cpu_id()];

	kassert(!arch_irqs_enabled());	/* else the caller could be moved to another CPU */
	return c;
}
