/* sleep.c -- each CPU's timer queue: sleeping threads sorted by deadline, earliest first.
 * Only the owning CPU touches its queue, with interrupts off (sleepers never migrate: they are
 * BLOCKED, out of every run queue list). The timer tick wakes every sleeper whose deadline has
 * passed, so a sleep ends at the first tick at or after its deadline. Insertion walks the
 * queue: O(sleepers on the CPU); expiry is O(1) per thread woken. */
#include "sched_cpu.h"

/* A timed waiter's deadline passed: wake it unless a waker did (it is then RUNNABLE, off wq's
 * list, and takes itself out of the timer queue when it runs). Lock order: wq's lock, then a
 * run queue's, as for any waker. */
static unsigned timed_wait_expire(struct thread *t)
{
	struct waitq *wq = t->timed_wq;
	struct thread *p, *prev = NULL;
	unsigned n = 0;

	t->timed_wq = NULL;
	spin_lock(&wq->lock);
	for (p = wq->head; p && p != t; p = p->wait_next)
		prev = p;
	if (p) {
		if (prev)
			prev->wait_next = t->wait_next;
		else
			wq->head = t->wait_next;
		if (wq->tail == t)
			wq->tail = prev;
		t->wait_next = NULL;
		sched_wake(t);
		n = 1;
	}
	spin_unlock(&wq->lock);
	return n;
}

unsigned sched_timers_expire(struct sched_cpu *sc, uint64_t now)
{
	unsigned n = 0;

	while (sc->sleepers && sc->sleepers->wake_at <= now) {
		struct thread *t = sc->sleepers;

		sc->sleepers = t->timer_next;
		t->timer_next = NULL;
		if (sc->last_tick >= t->wake_at)	/* a tick came after the deadline: missed */
			t->late_wakeups++;
		if (t->timed_wq) {
			n += timed_wait_expire(t);
			continue;
		}
		sched_wake(t);
		n++;
	}
	return n;
}

/* The timer entry lives in the owning CPU's queue, touched only by that CPU with interrupts off:
 * the sleeper inserts it under wq->lock (so no waker and no tick sees it half done) and removes
 * it itself once woken, before anything else; the tick removes it when it fires. Both run on
 * this CPU with interrupts off, so they never overlap, and the thread cannot move meanwhile
 * (kassert below), so "this CPU" stays its CPU. */
void waitq_sleep_until_locked(struct waitq *wq, uint64_t deadline)
{
	struct sched_cpu *sc = this_sched();
	struct thread *t = sc->current, **pp;

	kassert(t->placement != THREAD_MOVABLE);
	if (arch_cycles() >= deadline)
		return;
	t->wake_at = deadline;
	t->timed_wq = wq;
	for (pp = &sc->sleepers; *pp && (*pp)->wake_at <= t->wake_at; pp = &(*pp)->timer_next)
		;
	t->timer_next = *pp;
	*pp = t;
	waitq_sleep_locked(wq);
	kassert(this_sched() == sc);
	if (t->timed_wq) {	/* woken before the deadline: the timer entry is still queued */
		for (pp = &sc->sleepers; *pp && *pp != t; pp = &(*pp)->timer_next)
			;
		kassert(*pp == t);
		*pp = t->timer_next;
		t->timer_next = NULL;
		t->timed_wq = NULL;
	}
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
