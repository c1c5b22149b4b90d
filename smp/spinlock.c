/* spinlock.c -- ticket spinlocks with holder tracking in debug builds (see spinlock.h).
 *
 * Halting waiters. Under a hypervisor with more virtual CPUs than host cores, the CPU whose
 * ticket is next may not be running, and FIFO order makes everyone wait for the host to schedule
 * it. So a waiter with interrupts on that has spun SPIN_BEFORE_HALT times registers in waiting[]
 * and halts; unlock kicks the waiter whose ticket is now served. No lost wake-up: the waiter
 * raises sleepers and publishes waiting[] (seq_cst) before it re-reads serving; the unlocker
 * publishes serving (seq_cst) before it reads sleepers. One of them sees the other. Waiters with
 * interrupts off only spin (they cannot be woken). */
#include <kernel/kernel.h>

#include "spinlock.h"

#define SPIN_BEFORE_HALT	64

static struct lock_wait {
	struct spinlock *lock;	/* lock this CPU is halted on, NULL if none */
	uint32_t ticket;
} waiting[NCPU];

static void wait_halted(struct spinlock *l, uint32_t ticket)
{
	struct lock_wait *w = &waiting[arch_cpu_id()];

	arch_irq_disable();
	arch_atomic_add(&l->sleepers, 1);
	arch_atomic_store(&w->ticket, ticket);
	(void)arch_atomic_xchg(&w->lock, l);
	if (arch_atomic_load(&l->serving) != ticket)
		arch_idle();	/* returns on the kick, or any other interrupt */
	arch_atomic_store(&w->lock, NULL);
	arch_atomic_sub(&l->sleepers, 1);
	arch_irq_enable();
}

static void kick(struct spinlock *l, uint32_t ticket)
{
	unsigned n = arch_ncpus();

	for (unsigned cpu = 0; cpu < n; cpu++)
		if (arch_atomic_load(&waiting[cpu].lock) == l &&
		    arch_atomic_load(&waiting[cpu].ticket) == ticket) {
			arch_ipi_send(cpu, ARCH_IPI_RESCHED);
			return;
		}
}

void spin_init(struct spinlock *l, const char *name)
{
	struct spinlock init = SPINLOCK_INIT(name);

	*l = init;
}

#ifdef CONFIG_DEBUG
unsigned spin_limit_sec = SPIN_LIMIT_SEC;

static void check_recursion(struct spinlock *l)
{
	if (arch_atomic_load_relaxed(&l->holder) == (int)arch_cpu_id() + 1)
		panic("spinlock %s: recursive acquire on cpu %u (held since %p)",
		      l->name, arch_cpu_id(), (void *)arch_atomic_load_relaxed(&l->holder_pc));
}

static void note_holder(struct spinlock *l, uintptr_t pc)
{
	arch_atomic_store_relaxed(&l->holder, (int)arch_cpu_id() + 1);
	arch_atomic_store_relaxed(&l->holder_pc, pc);
}
#endif

__attribute__((noinline)) void spin_lock(struct spinlock *l)
{
#ifdef CONFIG_DEBUG
	check_recursion(l);
	uint64_t start = 0;
	unsigned spins = 0;
#endif
	uint32_t ticket = arch_atomic_fetch_add(&l->next, 1);
	unsigned relaxed = 0;

	while (arch_atomic_load(&l->serving) != ticket) {
		arch_cpu_relax();
		if (++relaxed >= SPIN_BEFORE_HALT && arch_irqs_enabled()) {
			wait_halted(l, ticket);
			relaxed = 0;
		}
#ifdef CONFIG_DEBUG
		/* the clock is read rarely: under some hypervisors reading it costs a VM exit */
		if ((++spins & 0xffff) == 0) {
			uint64_t now = arch_cycles(), limit = arch_cycles_per_sec() * spin_limit_sec;

			if (!start)
				start = now;
			else if (limit && now - start > limit)
				panic("spinlock %s: cpu %u spun over %u s; held by cpu %d since %p",
				      l->name, arch_cpu_id(), spin_limit_sec,
				      arch_atomic_load_relaxed(&l->holder) - 1,
				      (void *)arch_atomic_load_relaxed(&l->holder_pc));
		}
#endif
	}
#ifdef CONFIG_DEBUG
	note_holder(l, (uintptr_t)__builtin_return_address(0));
#endif
}

__attribute__((noinline)) int spin_trylock(struct spinlock *l)
{
	uint32_t serving = arch_atomic_load(&l->serving);
	uint32_t expect = serving;

	if (!arch_atomic_cas(&l->next, &expect, serving + 1))
		return 0;
#ifdef CONFIG_DEBUG
	note_holder(l, (uintptr_t)__builtin_return_address(0));
#endif
	return 1;
}

void spin_unlock(struct spinlock *l)
{
#ifdef CONFIG_DEBUG
	if (arch_atomic_load_relaxed(&l->holder) != (int)arch_cpu_id() + 1)
		panic("spinlock %s: released by cpu %u but held by cpu %d", l->name,
		      arch_cpu_id(), arch_atomic_load_relaxed(&l->holder) - 1);
	arch_atomic_store_relaxed(&l->holder, 0);
#endif
	uint32_t next = arch_atomic_load_relaxed(&l->serving) + 1;

	/* only the holder writes serving; seq_cst orders it before the read of sleepers */
	__atomic_store_n(&l->serving, next, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&l->sleepers, __ATOMIC_SEQ_CST))
		kick(l, next);
}

int spin_is_locked(struct spinlock *l)
{
	return arch_atomic_load(&l->serving) != arch_atomic_load(&l->next);
}

arch_irqflags_t spin_lock_irqsave(struct spinlock *l)
{
	arch_irqflags_t flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *l, arch_irqflags_t flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}
