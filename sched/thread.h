/* thread.h -- kernel threads, wait queues and the per-CPU scheduler (sched.c, thread.c).
 * A thread belongs to the CPU it was created on for its whole life; only that CPU runs it, so a
 * context switch is always between two threads of one CPU, with interrupts off and no lock held.
 * Lock order: a waitq's lock, then a run queue's lock (sched/runq.h); never two of either. */
#ifndef SCHED_THREAD_H
#define SCHED_THREAD_H

#include <stdint.h>

#include <arch.h>
#include <smp/spinlock.h>

#include "runq.h"
#include "sched_param.h"

#define THREAD_MAGIC		0x54485244u	/* "THRD" */
#define WAITQ_MAGIC		0x57414954u	/* "WAIT" */
#define SCHED_CPU_ANY		(~0u)		/* thread_create: the least loaded CPU */

enum thread_state {
	THREAD_RUNNABLE,	/* running or in its run queue's lists */
	THREAD_BLOCKED,		/* on a wait queue, out of the run queue's lists */
	THREAD_EXITING,		/* thread_exit called; still on its stack until switched away */
	THREAD_DEAD,		/* off its stack for good: join may reap it */
};

struct thread;

/* Threads waiting for something. lock guards the list and each waiter's wait_next. */
struct waitq {
	uint32_t magic;			/* WAITQ_MAGIC */
	struct spinlock lock;
	struct thread *head, *tail;	/* FIFO of BLOCKED threads */
};

struct thread {
	uint32_t magic;			/* THREAD_MAGIC; checked on entry in debug builds */
	char name[SCHED_THREAD_NAME];
	unsigned cpu;			/* owning CPU; fixed */
	unsigned state;			/* enum thread_state; atomic. Changed to BLOCKED and back to
					 * RUNNABLE under the lock of the waitq it sleeps on, to DEAD
					 * under join.lock */
	struct sched_entity se;		/* run-queue entity; under the owning CPU's rq lock */
	struct arch_context *ctx;	/* saved context while not running; owning CPU only */
	void *stack;			/* low end of the allocation (canary first); NULL: idle */
	struct thread *wait_next;	/* link on the waitq it sleeps on; under that waitq's lock */
	struct waitq join;		/* the joiner sleeps here until state is DEAD */
	int joined;			/* a join has started (only one joiner); under join.lock */
	int reapable;			/* DEAD and join.lock let go: memory may go; atomic */
	uintptr_t retval;		/* value given to thread_exit; read after DEAD */
	uint64_t cycles;		/* CPU time in arch_cycles(); written by the owning CPU only,
					 * read by others only once DEAD */
	uint64_t ran_since;		/* arch_cycles() when it last started running; owning CPU */
	uintptr_t (*fn)(void *);
	void *arg;
};

/* Memory for stacks: size bytes aligned to align, NULL if none (thread_create then fails).
 * Both called with interrupts on or off from any thread; must be thread-safe. The default is
 * physmem_alloc/physmem_free. */
void sched_set_stack_allocator(void *(*alloc)(size_t size, size_t align),
			       void (*release)(void *p, size_t size));

/* --- per CPU (sched.c) --- */

/* On CPU cpu itself, before any thread is created there: its run queue, and the calling context
 * becomes the CPU's idle thread. Called again it starts afresh (hosted tests). */
void sched_init_cpu(unsigned cpu);
/* The idle loop: run threads, idle when none is runnable. Returns (hosted tests) once
 * sched_stop() was called and the CPU has no threads left; the kernel never calls sched_stop. */
void sched_run(void);
void sched_stop(void);
/* The running thread. */
struct thread *thread_self(void);
/* Give the CPU to the next runnable thread of this CPU (round robin within a priority). */
void thread_yield(void);
/* Preemption point: yields if a timer tick or a wake-up asked for it since the last switch. */
void sched_preempt_point(void);
/* For kernel_timer_tick() (interrupt context, interrupts off): ask for a switch at the next
 * preemption point. */
void sched_timer_tick(void);
/* Threads on cpu's run queue, idle not counted (a snapshot). */
unsigned sched_cpu_load(unsigned cpu);

/* --- wait queues (sched.c) --- */
void waitq_init(struct waitq *wq, const char *name);
/* Caller holds wq->lock with interrupts off (spin_lock_irqsave) and has just found that it must
 * wait. Sleeps until woken; returns with wq->lock held again. Callers loop on their condition. */
void waitq_sleep_locked(struct waitq *wq);
/* Wake the oldest sleeper / every sleeper; caller holds wq->lock. Return how many woke. */
unsigned waitq_wake_one_locked(struct waitq *wq);
unsigned waitq_wake_all_locked(struct waitq *wq);

/* --- threads (thread.c) --- */

/* A new RUNNABLE thread running fn(arg) at prio (0..SCHED_PRIO_MAX) on cpu, or on the least
 * loaded online CPU for SCHED_CPU_ANY. NULL if no stack could be had. */
struct thread *thread_create(const char *name, uintptr_t (*fn)(void *), void *arg,
			     unsigned prio, unsigned cpu);
/* End the calling thread with value v (returning v from fn does the same). */
__attribute__((noreturn)) void thread_exit(uintptr_t v);
/* Wait until t has exited, free it, return its value. One joiner per thread. */
uintptr_t thread_join(struct thread *t, uint64_t *cycles);
void thread_check(const struct thread *t);

/* Internal between sched.c and thread.c. */
void sched_thread_start(struct thread *t);	/* t is new: put it on its CPU's run queue */
__attribute__((noreturn)) void sched_exit_current(void);
void sched_finish_switch(void);		/* first thing a thread does after being switched to */
void thread_stack_check(struct thread *t);	/* panics naming t if its canary is gone */
unsigned sched_least_loaded(void);	/* online CPU with the fewest runnable threads */
void thread_dead(struct thread *t);	/* on the owning CPU once t is off its stack */

#endif
