/* balance.c -- an idle CPU takes runnable work from a busy one (work stealing).
 * Which threads may move (docs/sched.md): THREAD_MOVABLE ones, and THREAD_MOVABLE_UNSTARTED
 * ones that have never run; never a pinned thread, the idle thread, or a thread whose context is
 * live (on_cpu: running, or just switched away from and not yet saved). A stolen thread is
 * RUNNABLE and in no wait queue, so no wake-up can race with the move: it leaves the victim's
 * queue and list under the victim's lock, is DETACHED while no lock is held, and joins ours
 * under our lock before it can run here. t->cpu changes only in that window. */
#include "sched_cpu.h"

#define STEAL_LOOK	64	/* runnable threads looked at per attempt: bounds the lock hold */

static bool movable(struct sched_entity *e, void *ctx)
{
	struct thread *t = thread_of(e);

	(void)ctx;
	if (arch_atomic_load(&t->on_cpu) || arch_atomic_load(&t->state) != THREAD_RUNNABLE)
		return false;
	return t->placement == THREAD_MOVABLE ||
	       (t->placement == THREAD_MOVABLE_UNSTARTED && !t->started);
}

/* A movable runnable thread of victim, out of its queue and list; NULL if none. */
static struct thread *take(struct sched_cpu *victim)
{
	struct sched_entity *e;
	struct thread *t = NULL;

	spin_lock(&victim->rq.lock);
	e = sched_rq_find(&victim->rq, STEAL_LOOK, movable, NULL);
	if (e) {
		t = thread_of(e);
		sched_rq_remove(&victim->rq, e);
		sched_list_remove(victim, t);
	}
	spin_unlock(&victim->rq.lock);
	return t;
}

bool sched_steal(struct sched_cpu *sc)
{
	unsigned self = (unsigned)(sc - sched_cpus), n = arch_ncpus() < NCPU ? arch_ncpus() : NCPU;
	unsigned best = self, best_load = 1;	/* a CPU with one runnable thread keeps it */
	struct thread *t;

	for (unsigned cpu = 0; cpu < n; cpu++) {
		unsigned load;

		if (cpu == self || !arch_atomic_load(&sched_cpus[cpu].online))
			continue;
		load = sched_rq_nr_runnable(&sched_cpus[cpu].rq);
		if (load > best_load) {
			best = cpu;
			best_load = load;
		}
	}
	if (best == self || !(t = take(&sched_cpus[best])))
		return false;
	spin_lock(&sc->rq.lock);
	arch_atomic_store_relaxed(&t->cpu, self);	/* read unlocked by observers */
	t->migrations++;
	sched_list_add(sc, t);
	sched_rq_add(&sc->rq, &t->se, t->se.prio);
	spin_unlock(&sc->rq.lock);
	return true;
}
