/* sleep.c -- each CPU's timer queue: sleeping threads sorted by deadline, earliest first.
 * Only the owning CPU touches its queue, with interrupts off (sleepers never migrate: they are
 * BLOCKED, out of every run queue list). The timer tick wakes every sleeper whose deadline has
 * passed, so a sleep ends at the first tick at or after its deadline. Insertion walks the
 * queue: O(sleepers on the CPU); expiry is O(1) per thread woken. */
#include "sched_cpu.h"

unsigned sched_timers_expire(struct sched_cpu *sc, uint64_t now)
{
	unsigned n = 0;

	while (sc->sleepers && sc->sleepers->wake_at <= now) {
		struct thread *t = sc->sleepers;

		sc->sleepers = t->timer_next;
		t->timer_next = NULL;
		if (sc->last_tick >= t->wake_at)	/* a tick came after the deadline: missed */
			t->late_wakeups++;
		sched_wake(t);
		n++;
	}
	return n;
}

void thread_sleep_cycles(uint64_t cycles)
{
	arch_irqflags_t f = arch_irq_save();
	struct sched_cpu *sc = this_sched();
	struct thread *t = sc->current, **pp;

	kassert(t != &sc->idle);
	if (thread_stack_guard(t, SP(), false))
		sched_stop_overflowed(sc);
	t->wake_at = arch_cycles() + cycles;
	for (pp = &sc->sleepers; *pp && (*pp)->wake_at <= t->wake_at; pp = &(*pp)->timer_next)
		;
	t->timer_next = *pp;
	*pp = t;
	arch_atomic_store(&t->state, THREAD_BLOCKED);
	spin_lock(&sc->rq.lock);
	t->sleeping = 1;
	sched_rq_block(&sc->rq, &t->se);
	spin_unlock(&sc->rq.lock);
	sched_reschedule(sc);
	arch_irq_restore(f);
}

void thread_sleep_ms(unsigned ms)
{
	thread_sleep_cycles((uint64_t)ms * (arch_cycles_per_sec() / 1000));
}
