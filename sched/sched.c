/* sched.c -- the per-CPU scheduler: idle loop, context switches, preemption, wait queues,
 * remote wake-ups. No lock is held across a context switch: a thread blocks itself in the run
 * queue (under the waitq lock), drops the locks, then picks; a wake-up in between only makes it
 * runnable again, and since only its own CPU runs it, the pick may simply return it. The state
 * of each CPU is in sched_cpu.h; see docs/sched.md for the protocols. */
#include "sched_cpu.h"

struct sched_cpu sched_cpus[NCPU];

void sched_init_cpu(unsigned cpu)
{
	struct sched_cpu *sc = &sched_cpus[cpu];
	struct thread *idle = &sc->idle;
	arch_irqflags_t f = arch_irq_save();

	kassert(cpu == arch_cpu_id() && cpu < NCPU);
	memset(idle, 0, sizeof(*idle));
	idle->magic = THREAD_MAGIC;
	ksnprintf(idle->name, sizeof(idle->name), "idle/%u", cpu);
	idle->cpu = cpu;
	idle->state = THREAD_RUNNABLE;
	idle->started = 1;
	idle->on_cpu = 1;
	waitq_init(&idle->join, "idle-join");
	sched_rq_init(&sc->rq, &idle->se, "rq");
	sc->current = idle;
	sc->prev = NULL;
	sc->threads = NULL;
	sc->sleepers = NULL;
	sc->need_resched = 0;
	sc->quantum_end = 0;
	sc->last_tick = arch_cycles();
	sc->steal_tried = 0;
	sc->tick_cycles = arch_cycles_per_sec() / TIMER_HZ;
	sc->quantum_cycles = arch_cycles_per_sec() / 1000 * SCHED_QUANTUM_MS;
	idle->ran_since = arch_cycles();
	sc->magic = SCHED_CPU_MAGIC;
	arch_atomic_store(&sc->nr_threads, 0);
	arch_atomic_store(&sc->stopping, 0);
	arch_atomic_store(&sc->online, 1);
	arch_irq_restore(f);
}

bool sched_cpu_online(unsigned cpu)
{
	return cpu < NCPU && arch_atomic_load(&sched_cpus[cpu].online);
}

unsigned sched_cpu_load(unsigned cpu)
{
	return sched_rq_nr_runnable(&sched_cpus[cpu].rq);
}

/* Ties go round robin (from a rotating start), so a burst of short threads spreads out. */
unsigned sched_least_loaded(void)
{
	static unsigned cursor;	/* atomic */
	unsigned n = arch_ncpus() < NCPU ? arch_ncpus() : NCPU;
	unsigned start = arch_atomic_fetch_add(&cursor, 1) % n;
	unsigned best = arch_cpu_id(), best_load = ~0u;

	for (unsigned i = 0; i < n; i++) {
		unsigned cpu = (start + i) % n, load;

		if (!arch_atomic_load(&sched_cpus[cpu].online))
			continue;
		load = sched_cpu_load(cpu);
		if (load < best_load) {
			best = cpu;
			best_load = load;
		}
	}
	return best;
}

void sched_list_add(struct sched_cpu *sc, struct thread *t)
{
	t->all_prev = NULL;
	t->all_next = sc->threads;
	if (sc->threads)
		sc->threads->all_prev = t;
	sc->threads = t;
	arch_atomic_add(&sc->nr_threads, 1);
}

void sched_list_remove(struct sched_cpu *sc, struct thread *t)
{
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		sc->threads = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	t->all_next = t->all_prev = NULL;
	arch_atomic_sub(&sc->nr_threads, 1);
}

/* Switch to whatever the run queue picks. Interrupts off, no lock held. A current thread that
 * must not run again has already been blocked or removed from the queue. */
void sched_reschedule(struct sched_cpu *sc)
{
	struct thread *cur = sc->current, *next;
	uint64_t now;

	sc->need_resched = 0;
	spin_lock(&sc->rq.lock);
	next = thread_of(sched_rq_pick(&sc->rq));
	/* every decision is a turn: a full quantum, also when the pick is the running thread */
	sc->quantum_end = arch_cycles() + sc->quantum_cycles;
	if (next == cur) {
		spin_unlock(&sc->rq.lock);
		return;
	}
	thread_check(next);
	kassert(next->cpu == (unsigned)(sc - sched_cpus));
	arch_atomic_store(&next->on_cpu, 1);
	next->started = 1;
	now = arch_cycles();
	cur->cycles += now - cur->ran_since;
	next->ran_since = now;
	sc->current = next;
	spin_unlock(&sc->rq.lock);
	sc->prev = cur;
	arch_context_switch(&cur->ctx, next->ctx);
	sched_finish_switch();
}

static void (*switch_hook)(struct thread *next);

void sched_set_switch_hook(void (*fn)(struct thread *next))
{
	switch_hook = fn;
}

/* Runs on the incoming thread's stack: check the outgoing thread's stack, retire it if it
 * exited (only now is it off its stack), and let it be moved again. */
void sched_finish_switch(void)
{
	struct sched_cpu *sc = this_sched();
	struct thread *prev = sc->prev;
	int guard = thread_stack_guard(prev, 0, false);

	sc->prev = NULL;
	if (switch_hook)
		switch_hook(sc->current);
	if (guard == 2)
		thread_stack_report(prev, guard);	/* memory below it may be damaged: panics */
	/* guard 1 and not exiting: it is stopped at its next switch point, where it checks */
	if (arch_atomic_load(&prev->state) == THREAD_EXITING) {
		if (thread_stack_guard(prev, 0, true) || prev->error == THREAD_ERR_STACK) {
			prev->error = THREAD_ERR_STACK;
			prev->retval = 0;
			thread_stack_report(prev, 1);
		}
		spin_lock(&sc->rq.lock);
		sched_list_remove(sc, prev);
		spin_unlock(&sc->rq.lock);
		thread_dead(prev);
		return;
	}
	arch_atomic_store(&prev->on_cpu, 0);	/* release: its context is saved */
}

void sched_attach(struct thread *t, unsigned cpu)
{
	struct sched_cpu *sc = &sched_cpus[cpu];
	arch_irqflags_t f;

	kassert(arch_atomic_load(&sc->online));
	f = spin_lock_irqsave(&sc->rq.lock);
	t->cpu = cpu;
	sched_list_add(sc, t);
	sched_rq_add(&sc->rq, &t->se, t->se.prio);
	spin_unlock_irqrestore(&sc->rq.lock, f);
	if (cpu != arch_cpu_id())
		arch_ipi_send(cpu, ARCH_IPI_RESCHED);
}

void sched_thread_start(struct thread *t)
{
	sched_attach(t, t->cpu);
}

void sched_exit_current(void)
{
	struct sched_cpu *sc;
	struct thread *t;

	arch_irq_disable();
	sc = this_sched();
	t = sc->current;
	kassert(t != &sc->idle);
	arch_atomic_store(&t->state, THREAD_EXITING);
	spin_lock(&sc->rq.lock);
	sched_rq_remove(&sc->rq, &t->se);
	spin_unlock(&sc->rq.lock);
	sched_reschedule(sc);
	panic("thread %s: resumed after exit", t->name);
}

void sched_stop_overflowed(struct sched_cpu *sc)
{
	sc->current->error = THREAD_ERR_STACK;
	sched_exit_current();	/* the next thread reports it: this stack has no room left */
}

/* Every voluntary switch starts here: a thread found in its guard region is stopped instead. */
static void switch_point(struct sched_cpu *sc)
{
	struct thread *t = sc->current;

	if (t != &sc->idle && thread_stack_guard(t, SP(), false))
		sched_stop_overflowed(sc);
}

static void (*idle_hook)(void);

void sched_set_idle_hook(void (*fn)(void))
{
	idle_hook = fn;
}

void sched_run(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct sched_cpu *sc = this_sched();

	kassert(sc->current == &sc->idle);
	for (;;) {
		sched_reschedule(sc);
		if (arch_atomic_load(&sc->stopping) && arch_atomic_load(&sc->nr_threads) == 0)
			break;
		if (sched_rq_nr_runnable(&sc->rq) != 0)
			continue;
		sched_timers_expire(sc, arch_cycles());	/* hosted builds have no tick */
		if (sched_rq_nr_runnable(&sc->rq) != 0)
			continue;
		/* try to steal when idle, but after a failed try not again for a tick's time:
		 * every try takes another CPU's run-queue lock. A successful steal leaves the
		 * time alone on purpose: where one thread was found there may be more, and the
		 * next idle moment may try again at once */
		if (arch_cycles() - sc->steal_tried >= sc->tick_cycles) {
			if (sched_steal(sc))
				continue;
			sc->steal_tried = arch_cycles();
		}
		if (idle_hook) {
			idle_hook();
			if (sched_rq_nr_runnable(&sc->rq) != 0)
				continue;
		}
		/* a remote wake-up enqueues before its IPI, and arch_idle returns at once on a
		 * pending one: nothing is lost between this check and the halt */
		arch_idle();
	}
	arch_irq_restore(f);
}

void sched_stop(void)
{
	for (unsigned cpu = 0; cpu < arch_ncpus() && cpu < NCPU; cpu++) {
		if (!arch_atomic_load(&sched_cpus[cpu].online))
			continue;
		arch_atomic_store(&sched_cpus[cpu].stopping, 1);
		if (cpu != arch_cpu_id())
			arch_ipi_send(cpu, ARCH_IPI_RESCHED);
	}
}

struct thread *thread_self(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct thread *t = this_sched()->current;

	arch_irq_restore(f);
	return t;
}

void thread_yield(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct sched_cpu *sc = this_sched();

	switch_point(sc);
	sched_reschedule(sc);
	arch_irq_restore(f);
}

void sched_preempt_point(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct sched_cpu *sc = this_sched();

	if (sc->need_resched) {
		switch_point(sc);
		sched_reschedule(sc);
	}
	arch_irq_restore(f);
}

void sched_preempt_disable(void)
{
	arch_irqflags_t f = arch_irq_save();

	this_sched()->current->preempt_off++;
	arch_irq_restore(f);
}

void sched_preempt_enable(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct thread *t = this_sched()->current;

	kassert(t->preempt_off > 0);
	t->preempt_off--;
	arch_irq_restore(f);
	if (t->preempt_off == 0)
		sched_preempt_point();
}

void sched_timer_tick(void)
{
	struct sched_cpu *sc = &sched_cpus[arch_cpu_id()];
	uint64_t now = arch_cycles();

	if (sc->magic != SCHED_CPU_MAGIC)	/* ticks start before the scheduler does */
		return;
	if (sched_timers_expire(sc, now))
		sc->need_resched = 1;
	sc->last_tick = now;
	/* the turn ends at the tick nearest its quantum's end: a thread switched in just before a
	 * tick runs until the next one (its turn is tick/2 .. quantum + tick/2, a quantum on
	 * average), not for the sliver a count of ticks would give it */
	if (now + sc->tick_cycles / 2 >= sc->quantum_end)
		sc->need_resched = 1;
}

void sched_irq_exit(bool interrupted_irqs_on)
{
	struct sched_cpu *sc = &sched_cpus[arch_cpu_id()];
	struct thread *t;

	if (sc->magic != SCHED_CPU_MAGIC || !interrupted_irqs_on)
		return;
	t = sc->current;
	/* the idle loop reschedules by itself when arch_idle returns */
	if (t == &sc->idle || t->preempt_off)
		return;
	if (thread_stack_guard(t, SP(), false))
		sched_stop_overflowed(sc);
	if (sc->need_resched)
		sched_reschedule(sc);
}

/* ARCH_IPI_RESCHED (smp/xcall.c): a remote CPU made a thread of ours runnable. */
void sched_resched_ipi(void)
{
	struct sched_cpu *sc = &sched_cpus[arch_cpu_id()];

	if (sc->magic == SCHED_CPU_MAGIC)
		sc->need_resched = 1;
}

/* --- wait queues --- */

void waitq_init(struct waitq *wq, const char *name)
{
	wq->magic = WAITQ_MAGIC;
	spin_init(&wq->lock, name);
	wq->head = wq->tail = NULL;
}

static void waitq_check(struct waitq *wq)
{
#ifdef CONFIG_DEBUG
	kassert(wq->magic == WAITQ_MAGIC);
	kassert(spin_is_locked(&wq->lock));
	kassert(!arch_irqs_enabled());
#else
	(void)wq;
#endif
}

/*
 * No lost wake-up: the sleeper joins wq's list and becomes BLOCKED in its run queue while it
 * holds wq->lock, and only then drops the lock and switches. A waker takes wq->lock, so it either
 * ran before (and the caller saw the condition true and did not sleep) or finds the sleeper
 * already BLOCKED on the list and makes it RUNNABLE, maybe before the sleeper has switched away;
 * then the sleeper's own pick may just return it.
 */
void waitq_sleep_locked(struct waitq *wq)
{
	struct sched_cpu *sc = this_sched();
	struct thread *t = sc->current;

	waitq_check(wq);
	kassert(t != &sc->idle);
	if (thread_stack_guard(t, SP(), false)) {
		spin_unlock(&wq->lock);
		sched_stop_overflowed(sc);
	}
	t->wait_next = NULL;
	if (wq->tail)
		wq->tail->wait_next = t;
	else
		wq->head = t;
	wq->tail = t;
	arch_atomic_store(&t->state, THREAD_BLOCKED);
	spin_lock(&sc->rq.lock);
	sched_rq_block(&sc->rq, &t->se);
	spin_unlock(&sc->rq.lock);
	spin_unlock(&wq->lock);
	sched_reschedule(sc);
	spin_lock(&wq->lock);
}

/* t is BLOCKED and the caller holds what it sleeps on (a waitq's lock, or its own CPU's timer
 * queue with interrupts off): make it runnable on its own CPU. */
void sched_wake(struct thread *t)
{
	struct sched_cpu *sc = &sched_cpus[t->cpu];
	unsigned self = arch_cpu_id();

	kassert(arch_atomic_load(&t->state) == THREAD_BLOCKED);
	arch_atomic_store(&t->state, THREAD_RUNNABLE);
	spin_lock(&sc->rq.lock);
	t->sleeping = 0;
	sched_rq_wake(&sc->rq, &t->se);
	spin_unlock(&sc->rq.lock);
	if (t->cpu != self)
		arch_ipi_send(t->cpu, ARCH_IPI_RESCHED);
	else if (t->se.prio < sc->current->se.prio)
		sc->need_resched = 1;
}

unsigned waitq_wake_one_locked(struct waitq *wq)
{
	struct thread *t = wq->head;

	waitq_check(wq);
	if (!t)
		return 0;
	wq->head = t->wait_next;
	if (!wq->head)
		wq->tail = NULL;
	t->wait_next = NULL;
	sched_wake(t);
	return 1;
}

void thread_wait_intr_begin(struct waitq *wq)
{
	struct thread *t = thread_self();
	arch_irqflags_t f = spin_lock_irqsave(&t->intr_lock);

	t->intr_wq = wq;
	spin_unlock_irqrestore(&t->intr_lock, f);
}

void thread_wait_intr_end(void)
{
	struct thread *t = thread_self();
	arch_irqflags_t f = spin_lock_irqsave(&t->intr_lock);

	t->intr_wq = NULL;
	spin_unlock_irqrestore(&t->intr_lock, f);
}

void thread_interrupt_wake(struct thread *t)
{
	arch_irqflags_t f = spin_lock_irqsave(&t->intr_lock);
	struct waitq *wq = t->intr_wq;

	if (wq) {
		struct thread *p, *prev = NULL;

		spin_lock(&wq->lock);
		for (p = wq->head; p && p != t; p = p->wait_next)
			prev = p;
		if (p) {	/* asleep on wq: take it off, as a wake-up would */
			if (prev)
				prev->wait_next = t->wait_next;
			else
				wq->head = t->wait_next;
			if (wq->tail == t)
				wq->tail = prev;
			t->wait_next = NULL;
			sched_wake(t);
		}
		spin_unlock(&wq->lock);
	}
	spin_unlock_irqrestore(&t->intr_lock, f);
}

unsigned waitq_wake_all_locked(struct waitq *wq)
{
	unsigned n = 0;

	while (waitq_wake_one_locked(wq))
		n++;
	return n;
}
