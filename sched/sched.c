/* sched.c -- the per-CPU scheduler: idle loop, context switches, wait queues, remote wake-ups.
 * One struct sched_cpu per CPU. rq.lock guards rq (runq.h); current, prev and need_resched belong
 * to the CPU alone and are touched with its interrupts off; online, stopping and nr_threads are
 * atomic. No lock is held across a context switch: a thread blocks itself in the run queue (under
 * the waitq lock), drops the locks, then picks; a wake-up in between only makes it runnable again,
 * and since only its own CPU runs it, the pick may simply return it. See docs/sched.md. */
#include <kernel/kernel.h>

#include "thread.h"

#define SCHED_CPU_MAGIC		0x53435055u	/* "SCPU" */

struct sched_cpu {
	uint32_t magic;
	int online;		/* sched_init_cpu done; atomic */
	int stopping;		/* sched_stop called; atomic */
	unsigned nr_threads;	/* threads owned here that are not DEAD yet; atomic */
	unsigned need_resched;	/* switch at the next preemption point; this CPU only */
	struct thread *current;	/* running thread */
	struct thread *prev;	/* thread just switched away from, for sched_finish_switch */
	struct thread idle;	/* the context that called sched_init_cpu; never sleeps */
	struct sched_rq rq;
};

static struct sched_cpu sched_cpus[NCPU];

/* The calling CPU's scheduler; interrupts must be off so the caller cannot move or be preempted. */
static struct sched_cpu *this_sched(void)
{
	struct sched_cpu *sc;

	kassert(!arch_irqs_enabled());
	sc = &sched_cpus[arch_cpu_id()];
	kassert(sc->magic == SCHED_CPU_MAGIC);
	return sc;
}

static struct thread *thread_of(struct sched_entity *e)
{
	return (struct thread *)((char *)e - __builtin_offsetof(struct thread, se));
}

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
	waitq_init(&idle->join, "idle-join");
	sched_rq_init(&sc->rq, &idle->se, "rq");
	sc->current = idle;
	sc->prev = NULL;
	sc->need_resched = 0;
	idle->ran_since = arch_cycles();
	sc->magic = SCHED_CPU_MAGIC;
	arch_atomic_store(&sc->nr_threads, 0);
	arch_atomic_store(&sc->stopping, 0);
	arch_atomic_store(&sc->online, 1);
	arch_irq_restore(f);
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

/* Switch to whatever the run queue picks. Interrupts off, no lock held. A current thread that
 * must not run again has already been blocked or removed from the queue. */
static void reschedule(struct sched_cpu *sc)
{
	struct thread *cur = sc->current, *next;
	uint64_t now;

	spin_lock(&sc->rq.lock);
	next = thread_of(sched_rq_pick(&sc->rq));
	spin_unlock(&sc->rq.lock);
	sc->need_resched = 0;
	if (next == cur)
		return;
	thread_check(next);
	now = arch_cycles();
	cur->cycles += now - cur->ran_since;
	next->ran_since = now;
	sc->prev = cur;
	sc->current = next;
	arch_context_switch(&cur->ctx, next->ctx);
	sched_finish_switch();
}

/* Runs on the incoming thread's stack: check the outgoing thread's stack, and retire it if it
 * exited (only now is it off its stack). */
void sched_finish_switch(void)
{
	struct sched_cpu *sc = this_sched();
	struct thread *prev = sc->prev;

	sc->prev = NULL;
	thread_stack_check(prev);
	if (arch_atomic_load(&prev->state) == THREAD_EXITING) {
		thread_dead(prev);
		arch_atomic_sub(&sc->nr_threads, 1);
	}
}

void sched_thread_start(struct thread *t)
{
	struct sched_cpu *sc = &sched_cpus[t->cpu];
	arch_irqflags_t f;

	kassert(arch_atomic_load(&sc->online));
	arch_atomic_add(&sc->nr_threads, 1);
	f = spin_lock_irqsave(&sc->rq.lock);
	sched_rq_add(&sc->rq, &t->se, t->se.prio);
	spin_unlock_irqrestore(&sc->rq.lock, f);
	if (t->cpu != arch_cpu_id())
		arch_ipi_send(t->cpu, ARCH_IPI_RESCHED);
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
	reschedule(sc);
	panic("thread %s: resumed after exit", t->name);
}

void sched_run(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct sched_cpu *sc = this_sched();

	kassert(sc->current == &sc->idle);
	for (;;) {
		reschedule(sc);
		if (arch_atomic_load(&sc->stopping) && arch_atomic_load(&sc->nr_threads) == 0)
			break;
		/* a remote wake-up enqueues before its IPI, and arch_idle returns at once on a
		 * pending one: nothing is lost between this check and the halt */
		if (sched_rq_nr_runnable(&sc->rq) == 0)
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

	reschedule(this_sched());
	arch_irq_restore(f);
}

void sched_preempt_point(void)
{
	arch_irqflags_t f = arch_irq_save();
	struct sched_cpu *sc = this_sched();

	if (sc->need_resched)
		reschedule(sc);
	arch_irq_restore(f);
}

void sched_timer_tick(void)
{
	struct sched_cpu *sc = &sched_cpus[arch_cpu_id()];

	if (sc->magic == SCHED_CPU_MAGIC)	/* ticks start before the scheduler does */
		sc->need_resched = 1;
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
	reschedule(sc);
	spin_lock(&wq->lock);
}

/* t was on a waitq whose lock the caller holds: make it runnable on its own CPU. */
static void wake(struct thread *t)
{
	struct sched_cpu *sc = &sched_cpus[t->cpu];
	unsigned self = arch_cpu_id();

	kassert(arch_atomic_load(&t->state) == THREAD_BLOCKED);
	arch_atomic_store(&t->state, THREAD_RUNNABLE);
	spin_lock(&sc->rq.lock);
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
	wake(t);
	return 1;
}

unsigned waitq_wake_all_locked(struct waitq *wq)
{
	unsigned n = 0;

	while (waitq_wake_one_locked(wq))
		n++;
	return n;
}
