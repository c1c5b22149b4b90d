/* cpu.c -- the per-CPU array and its accessor. */
#include "cpu.h"
#include "kernel.h"

struct cpu cpus[NCPU];

struct cpu *this_cpu(void)
{
	struct cpu *c = &cpus[arch_cpu_id()];

	kassert(!arch_irqs_enabled() || c->preempt_off > 0);
	return c;
}

void cpu_preempt_disable(void)
{
	arch_irqflags_t f = arch_irq_save();

	cpus[arch_cpu_id()].preempt_off++;
	arch_irq_restore(f);
}

void cpu_preempt_enable(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct cpu *c = &cpus[arch_cpu_id()];

	kassert(c->preempt_off > 0);
	c->preempt_off--;
	arch_irq_restore(f);
}
