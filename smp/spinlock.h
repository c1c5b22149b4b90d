/* spinlock.h -- ticket spinlocks: FIFO, one atomic add to take, one store to release.
 * A waiter that has spun long with interrupts on halts its CPU until the holder kicks it (an IPI),
 * so a virtual CPU waiting for a preempted one gives its host core back (see spinlock.c).
 * Debug builds (CONFIG_DEBUG) record the holder (CPU and caller), panic on a recursive acquire
 * by the same CPU and on a spin longer than SPIN_LIMIT_SEC, naming the holder. */
#ifndef SMP_SPINLOCK_H
#define SMP_SPINLOCK_H

#include <arch.h>

struct spinlock {
	uint32_t next;		/* ticket the next arrival takes */
	uint32_t serving;	/* ticket that holds the lock */
	uint32_t sleepers;	/* waiters halted on this lock; unlock kicks them when non-zero */
	const char *name;
#ifdef CONFIG_DEBUG
	int holder;		/* 1 + index of the CPU holding it, 0 when free (so zeroed = free) */
	uintptr_t holder_pc;	/* where it was taken */
#endif
};

#ifdef CONFIG_DEBUG
extern unsigned spin_limit_sec;	/* SPIN_LIMIT_SEC; tests shorten it */
#define SPINLOCK_INIT(n)	{ 0, 0, 0, (n), 0, 0 }
#else
#define SPINLOCK_INIT(n)	{ 0, 0, 0, (n) }
#endif

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
int spin_trylock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
int spin_is_locked(struct spinlock *l);
/* The usual pair: interrupts off on this CPU while held (needed when an interrupt handler may
 * take the same lock). */
arch_irqflags_t spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, arch_irqflags_t flags);

#endif
