/* sched_cpu.h -- one CPU's scheduler state, shared by sched.c, sleep.c and balance.c only.
 * rq.lock guards rq, the CPU's thread list (threads, nr_threads) and current; the timer queue,
 * prev, need_resched and quantum_end belong to the CPU alone and are touched with its
 * interrupts off; online and stopping are atomic. */
#ifndef SCHED_SCHED_CPU_H
#define SCHED_SCHED_CPU_H

#include <kernel/kernel.h>

#include "thread.h"

#define SCHED_CPU_MAGIC		0x53435055u	/* "SCPU" */

struct sched_cpu {
	uint32_t magic;
	int online;		/* sched_init_cpu done; atomic */
	int stopping;		/* sched_stop called; atomic */
	unsigned nr_threads;	/* threads owned here that are not DEAD yet; atomic (rq.lock to change) */
	unsigned need_resched;	/* switch at the next preemption point; this CPU only */
	struct thread *current;	/* running thread; written under rq.lock */
	struct thread *prev;	/* thread just switched away from, for sched_finish_switch */
	struct thread *threads;	/* every live thread owned here (all_next links), idle not included */
	struct thread *sleepers;	/* timer queue: sleeping threads by wake_at, earliest first */
	uint64_t last_tick;	/* arch_cycles() of the last tick */
	uint64_t quantum_end;	/* arch_cycles() when the current thread's turn ends (sched.c) */
	uint64_t quantum_cycles;	/* SCHED_QUANTUM_MS in cycles */
	uint64_t steal_tried;	/* arch_cycles() when a steal last failed (sched_run) */
	uint64_t tick_cycles;	/* a tick's length in cycles */
	struct thread idle;	/* the context that called sched_init_cpu; never sleeps */
	struct sched_rq rq;
};

extern struct sched_cpu sched_cpus[NCPU];

/* The caller's stack pointer, near enough: its frame. */
#define SP()	((uintptr_t)__builtin_frame_address(0))

/* The calling CPU's scheduler; interrupts must be off so the caller cannot move or be preempted. */
static inline struct sched_cpu *this_sched(void)
{
	struct sched_cpu *sc;

	kassert(!arch_irqs_enabled());
	sc = &sched_cpus[arch_cpu_id()];
	kassert(sc->magic == SCHED_CPU_MAGIC);
	return sc;
}

static inline struct thread *thread_of(struct sched_entity *e)
{
	return (struct thread *)((char *)e - __builtin_offsetof(struct thread, se));
}

/* Switch to whatever the run queue picks (sched.c). Interrupts off, no lock held. */
void sched_reschedule(struct sched_cpu *sc);
/* The running thread ran into its guard region: stop it (sched.c). Interrupts off. */
__attribute__((noreturn)) void sched_stop_overflowed(struct sched_cpu *sc);
/* t is BLOCKED; the caller holds what it sleeps on: make it runnable on its CPU (sched.c). */
void sched_wake(struct thread *t);
/* Timer queue (sleep.c): wake the sleepers whose deadline has passed; irqs off, this CPU. */
unsigned sched_timers_expire(struct sched_cpu *sc, uint64_t now);
/* Balance (balance.c): an idle CPU takes one movable runnable thread from the busiest other
 * CPU. Irqs off. True if it took one. */
bool sched_steal(struct sched_cpu *sc);
/* t's list links on its CPU's thread list; caller holds that rq lock. */
void sched_list_add(struct sched_cpu *sc, struct thread *t);
void sched_list_remove(struct sched_cpu *sc, struct thread *t);

#endif
