/* irq.c -- device interrupt handlers by line (arch.h's arch_irq_register; on virt a line is a
 * GIC SPI number, PCI INTA..D lines 3..6; on raspi2b BCM2835 interrupt 48 + line), up to
 * ARCH_IRQ_SHARED each, called in slot order, and masking a line at the interrupt controller.
 * fn is published with release after ctx; running counts the CPUs inside the line's handlers,
 * so unregister can wait them out. reg_lock serialises registrations. */
#include <kernel/kernel.h>
#include <smp/spinlock.h>

#include "arm.h"

static struct irq_line {
	struct { bool (*fn)(void *); void *ctx; } h[ARCH_IRQ_SHARED];
	unsigned running;		/* atomic */
	unsigned long count, unclaimed;	/* taken, and claimed by no handler (the routed CPU's) */
} lines[ARCH_IRQ_LINES];
static struct spinlock reg_lock = SPINLOCK_INIT("irq-register");

int arch_irq_register(unsigned irq, bool (*fn)(void *ctx), void *ctx)
{
	int rc = -1;

	if (irq >= ARCH_IRQ_LINES || !fn)
		return -1;
	arch_irqflags_t f = spin_lock_irqsave(&reg_lock);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED && rc < 0; i++)
		if (!arch_atomic_load(&lines[irq].h[i].fn)) {
			lines[irq].h[i].ctx = ctx;
			arch_atomic_store(&lines[irq].h[i].fn, fn);
			rc = 0;
		}
	spin_unlock_irqrestore(&reg_lock, f);
	return rc;
}

void arch_irq_unregister(unsigned irq, bool (*fn)(void *ctx), void *ctx)
{
	if (irq >= ARCH_IRQ_LINES)
		return;
	arch_irqflags_t f = spin_lock_irqsave(&reg_lock);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED; i++)
		if (lines[irq].h[i].fn == fn && lines[irq].h[i].ctx == ctx)
			__atomic_store_n(&lines[irq].h[i].fn, NULL, __ATOMIC_SEQ_CST);
	spin_unlock_irqrestore(&reg_lock, f);
	while (__atomic_load_n(&lines[irq].running, __ATOMIC_SEQ_CST))
		arch_cpu_relax();
}

void arch_irq_mask(unsigned irq, bool masked)
{
	if (irq < ARCH_IRQ_LINES)
		arm_intc_line_enable(irq, !masked);
}

void arm_irq_line(unsigned irq)
{
	struct irq_line *l = &lines[irq];
	bool claimed = false;

	__atomic_add_fetch(&l->running, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < ARCH_IRQ_SHARED; i++) {
		bool (*fn)(void *) = __atomic_load_n(&l->h[i].fn, __ATOMIC_SEQ_CST);

		if (fn)
			claimed |= fn(l->h[i].ctx);
	}
	__atomic_sub_fetch(&l->running, 1, __ATOMIC_RELEASE);
	l->count++;
	if (!claimed)
		l->unclaimed++;
}
