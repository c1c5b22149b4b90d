/* xcall.c -- cross-CPU function calls. Each CPU has a ring of requests guarded by its lock;
 * senders enqueue and send ARCH_IPI_CALL, the target drains the ring and runs each request, then
 * sets its done flag (release) for a waiting sender. A sender that finds the ring full, or that
 * waits, keeps draining its own ring meanwhile. */
#include <kernel/cpu.h>
#include <kernel/kernel.h>

#include "spinlock.h"
#include "xcall.h"

struct xcall {
	smp_fn fn;
	void *arg;
	int *done;		/* NULL when nobody waits */
};

static struct xcall_queue {
	struct spinlock lock;
	unsigned head, tail;	/* free-running; guarded by lock */
	struct xcall ring[XCALL_RING];
} queues[NCPU];

static int enqueue(unsigned cpu, smp_fn fn, void *arg, int *done)
{
	struct xcall_queue *q = &queues[cpu];
	int ok = 0;

	arch_irqflags_t f = spin_lock_irqsave(&q->lock);
	if (q->head - q->tail < XCALL_RING) {
		q->ring[q->head++ % XCALL_RING] = (struct xcall){ fn, arg, done };
		ok = 1;
	}
	spin_unlock_irqrestore(&q->lock, f);
	return ok;
}

void smp_xcall_poll(void)
{
	struct xcall_queue *q = &queues[arch_cpu_id()];

	for (;;) {
		arch_irqflags_t f = spin_lock_irqsave(&q->lock);
		if (q->head == q->tail) {
			spin_unlock_irqrestore(&q->lock, f);
			return;
		}
		struct xcall c = q->ring[q->tail++ % XCALL_RING];
		spin_unlock_irqrestore(&q->lock, f);

		f = arch_irq_save();
		c.fn(c.arg);
		arch_irq_restore(f);
		if (c.done)
			arch_atomic_store(c.done, 1);
	}
}

static void post(unsigned cpu, smp_fn fn, void *arg, int *done)
{
	while (!enqueue(cpu, fn, arg, done)) {
		smp_xcall_poll();
		arch_cpu_relax();
	}
	arch_ipi_send(cpu, ARCH_IPI_CALL);
}

static void wait_done(int *done)
{
	while (!arch_atomic_load(done)) {
		smp_xcall_poll();
		arch_cpu_relax();
	}
}

void smp_call(unsigned cpu, smp_fn fn, void *arg, int wait)
{
	int done = 0;

	kassert(cpu < arch_ncpus());
	if (cpu == arch_cpu_id()) {
		arch_irqflags_t f = arch_irq_save();
		/* re-check: we may have migrated before interrupts went off */
		if (cpu == arch_cpu_id()) {
			fn(arg);
			arch_irq_restore(f);
			return;
		}
		arch_irq_restore(f);
	}
	post(cpu, fn, arg, wait ? &done : NULL);
	if (wait)
		wait_done(&done);
}

void smp_call_all(smp_fn fn, void *arg, int wait)
{
	int done[NCPU] = { 0 };
	unsigned n = arch_ncpus(), self;
	arch_irqflags_t f = arch_irq_save();

	self = arch_cpu_id();
	for (unsigned cpu = 0; cpu < n; cpu++)
		if (cpu != self)
			post(cpu, fn, arg, wait ? &done[cpu] : NULL);
	fn(arg);
	arch_irq_restore(f);
	if (wait)
		for (unsigned cpu = 0; cpu < n; cpu++)
			if (cpu != self)
				wait_done(&done[cpu]);
}

__attribute__((weak)) void sched_resched_ipi(void)
{
}

void smp_ipi_handler(enum arch_ipi kind)
{
	switch (kind) {
	case ARCH_IPI_CALL:
		smp_xcall_poll();
		break;
	case ARCH_IPI_RESCHED:
		sched_resched_ipi();
		break;
	case ARCH_IPI_STOP:
		arch_halt_cpu();
	default:
		break;
	}
}
