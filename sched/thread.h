/* thread.h -- kernel threads, wait queues and the per-CPU scheduler (sched.c, thread.c, sleep.c,
 * balance.c). Only a thread's owning CPU runs it and switches to it; a switch is always between
 * two threads of one CPU, with interrupts off and no lock held. A movable thread changes owner
 * only while it waits to run (not on a CPU): see balance.c and docs/sched.md.
 * Lock order: a waitq's lock, then a run queue's lock (sched/runq.h); never two of either. */
#ifndef SCHED_THREAD_H
#define SCHED_THREAD_H

#include <stdbool.h>
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

/* Where a thread may run (fixed at creation). */
enum thread_placement {
	THREAD_PINNED,			/* only on the CPU it was created on */
	THREAD_MOVABLE,			/* an idle CPU may take it whenever it waits to run */
	THREAD_MOVABLE_UNSTARTED,	/* movable until it first runs (threads that will own young
					 * objects in their CPU's heap: docs/sched.md) */
};

/* Why a thread ended (thread_join_status). */
enum thread_error {
	THREAD_OK,
	THREAD_ERR_STACK,	/* stopped: it ran into the guard region at the low end of its stack */
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
	unsigned cpu;			/* owning CPU; changes only by migration (balance.c), before
					 * the thread runs there, so it is stable while it runs */
	unsigned state;			/* enum thread_state; atomic. Changed to BLOCKED and back to
					 * RUNNABLE under the lock of the waitq it sleeps on, to DEAD
					 * under join.lock */
	unsigned placement;		/* enum thread_placement; fixed */
	int started;			/* has run at least once; set under the owning rq lock */
	int on_cpu;			/* its context is live: from the pick that chose it until the
					 * next thread has switched off its stack. Set under the rq
					 * lock, cleared (release) by that next thread; a thread with
					 * on_cpu set is never moved */
	unsigned preempt_off;		/* nesting of sched_preempt_disable(); the thread itself */
	unsigned error;			/* enum thread_error; set before DEAD */
	unsigned migrations;		/* times an idle CPU took it; under the rq lock */
	uint64_t wake_at;		/* asleep: arch_cycles() deadline; owning CPU, irqs off */
	int sleeping;			/* in the timer queue; under the owning rq lock */
	unsigned late_wakeups;		/* sleeps that outlasted a tick after their deadline; the
					 * owning CPU (a test of the timer queue) */
	struct thread *timer_next;	/* in the owning CPU's timer queue; owning CPU, irqs off */
	struct waitq *timed_wq;		/* the waitq of a waitq_sleep_until_locked, while in the
					 * timer queue for it; owning CPU, irqs off */
	struct thread *all_next, *all_prev;	/* the owning CPU's list of its threads; under its
						 * rq lock, from creation until DEAD */
	struct sched_entity se;		/* run-queue entity; under the owning CPU's rq lock */
	struct arch_context *ctx;	/* saved context while not running; owning CPU only */
	void *stack;			/* low end of the allocation (canary first); NULL: idle */
	struct thread *wait_next;	/* link on the waitq it sleeps on; under that waitq's lock */
	struct waitq join;		/* the joiner sleeps here until state is DEAD */
	int joined;			/* a join has started (only one joiner); under join.lock */
	int detached;			/* thread_detach was called; under join.lock */
	int refs;			/* who may still touch it: its CPU until thread_dead has let
					 * go of join.lock, and its handle until thread_join or
					 * thread_detach has; the last one frees it (atomic) */
	uintptr_t retval;		/* value given to thread_exit; read after DEAD */
	uint64_t cycles;		/* CPU time in arch_cycles(); under the owning rq lock */
	uint64_t ran_since;		/* arch_cycles() when it last started running; same */
	uintptr_t (*fn)(void *);
	void *arg;
	void *gc_roots;			/* its root stack on its CPU's heap (struct gc_rootstack), or
					 * NULL; set by the thread itself (the switch hook uses it) */
	unsigned id;			/* unique since boot, from 1; fixed */
	struct spinlock intr_lock;	/* guards intr_wq */
	struct waitq *intr_wq;		/* the waitq it waits on interruptibly, or NULL; set and
					 * cleared by the thread itself, under intr_lock */
};

/* Memory for stacks: size bytes aligned to align, NULL if none (thread_create then fails).
 * Both called with interrupts on or off from any thread; must be thread-safe. The default is
 * physmem_alloc/physmem_free. */
void sched_set_stack_allocator(void *(*alloc)(size_t size, size_t align),
			       void (*release)(void *p, size_t size));
/* Every thread's stack size from now on (default SCHED_STACK_SIZE; the hosted interpreter asks
 * for more, as a Linux program's main thread would have). Set before any thread is made. */
void sched_set_stack_size(size_t size);

/* --- per CPU (sched.c) --- */

/* On CPU cpu itself, before any thread is created there: its run queue, and the calling context
 * becomes the CPU's idle thread. Called again it starts afresh (hosted tests). */
void sched_init_cpu(unsigned cpu);
/* The idle loop: run threads, idle when none is runnable. Returns (hosted tests) once
 * sched_stop() was called and the CPU has no threads left; the kernel never calls sched_stop. */
void sched_run(void);
/* Called by every CPU's idle loop (interrupts off) before it halts: the kernel hooks its heap's
 * safe point here (gc_safepoint), so an idle CPU answers other heaps' handshakes. Every thread
 * of the CPU is blocked at a safe point then. Set once before the schedulers start. */
void sched_set_idle_hook(void (*fn)(void));
/* Called on every CPU each time a thread (next) starts running, interrupts off, before it
 * resumes: the kernel makes next->gc_roots its heap's current root stack. Set once at boot. */
void sched_set_switch_hook(void (*fn)(struct thread *next));
void sched_stop(void);
/* The running thread. */
struct thread *thread_self(void);
/* Give the CPU to the next runnable thread of this CPU (round robin within a priority). */
void thread_yield(void);
/* Preemption point: yields if a timer tick or a wake-up asked for it since the last switch. */
void sched_preempt_point(void);
/* A thread with preemption disabled is switched away from only at its own calls (yield, sleep,
 * blocking, preemption points): the timer interrupt leaves it running. Nests; enabling the
 * last level runs a preemption point. */
void sched_preempt_disable(void);
void sched_preempt_enable(void);
/* For kernel_timer_tick() (interrupt context, interrupts off): wake expired sleepers, and ask
 * for a switch when the turn's quantum (SCHED_QUANTUM_MS) is used up or a sleeper woke. */
void sched_timer_tick(void);
/* For kernel_irq_exit(): switch now if a switch is due and the interrupted thread may be
 * preempted (it had interrupts on, preemption enabled, and is not the idle loop). */
void sched_irq_exit(bool interrupted_irqs_on);
/* Sleep at least ms milliseconds (woken by the first timer tick after the deadline). */
void thread_sleep_ms(unsigned ms);
void thread_sleep_cycles(uint64_t cycles);
/* cpu has called sched_init_cpu: threads may be created there. */
bool sched_cpu_online(unsigned cpu);
/* Threads on cpu's run queue, idle not counted (a snapshot). */
unsigned sched_cpu_load(unsigned cpu);

/* --- wait queues (sched.c) --- */
void waitq_init(struct waitq *wq, const char *name);
/* Caller holds wq->lock with interrupts off (spin_lock_irqsave) and has just found that it must
 * wait. Sleeps until woken; returns with wq->lock held again. Callers loop on their condition. */
void waitq_sleep_locked(struct waitq *wq);
/* Wake the oldest sleeper / every sleeper; caller holds wq->lock. Return how many woke. */
unsigned waitq_wake_one_locked(struct waitq *wq);
/* waitq_sleep_locked that also ends at the first timer tick at or after arch_cycles() reaches
 * deadline (at once if it has); callers loop on their condition and on the clock. The caller
 * must not be a movable thread (placement THREAD_MOVABLE): its timer entry is its CPU's. */
void waitq_sleep_until_locked(struct waitq *wq, uint64_t deadline);
unsigned waitq_wake_all_locked(struct waitq *wq);

/*
 * Interruptible waits. A thread that may be asked to stop (a Scheme thread: lisp_interrupt)
 * brackets a wait with thread_wait_intr_begin(wq) .. thread_wait_intr_end(), taken with no lock
 * held, around its usual loop under wq->lock, which also ends when its request flag is set
 * (checked under wq->lock before every sleep). thread_interrupt_wake(t), called after setting
 * that flag (any CPU, interrupt context included), wakes t if it sleeps on the wq it named.
 * No lost interrupt: either t sees the flag before it sleeps, or it is on wq's list when the
 * interrupter takes wq->lock. The wq outlives every interrupter that finds it in intr_wq: t
 * clears intr_wq under intr_lock before it leaves the wait. Lock order: intr_lock, then a
 * waitq's lock (then a run queue's).
 */
void thread_wait_intr_begin(struct waitq *wq);
void thread_wait_intr_end(void);
void thread_interrupt_wake(struct thread *t);

/* --- threads (thread.c) --- */

/* A new RUNNABLE thread running fn(arg) at prio (0..SCHED_PRIO_MAX) on cpu, pinned there; or
 * for SCHED_CPU_ANY on the least loaded online CPU, movable. NULL if no stack could be had. */
struct thread *thread_create(const char *name, uintptr_t (*fn)(void *), void *arg,
			     unsigned prio, unsigned cpu);
/* The same with the placement given (enum thread_placement). */
struct thread *thread_create_placed(const char *name, uintptr_t (*fn)(void *), void *arg,
				    unsigned prio, unsigned cpu, unsigned placement);
/* A named service: a pinned thread on cpu that thread_list marks and sched_service_find finds
 * by name (the REPL, the network stack, the SD store). NULL if no stack or the name is taken. */
struct thread *sched_service_start(const char *name, uintptr_t (*fn)(void *), void *arg,
				   unsigned prio, unsigned cpu);
struct thread *sched_service_find(const char *name);
/* End the calling thread with value v (returning v from fn does the same). */
__attribute__((noreturn)) void thread_exit(uintptr_t v);
/* Wait until t has exited, free it, return its value. One joiner per thread. */
uintptr_t thread_join(struct thread *t, uint64_t *cycles);
/* The same, also saying why it ended: THREAD_OK, or an enum thread_error (value then 0). */
unsigned thread_join_status(struct thread *t, uintptr_t *value, uint64_t *cycles);
/* Nobody will join t: its CPU frees it once it has ended (at once if it has already). After
 * this call t may be gone at any moment: the caller must not touch it again. */
void thread_detach(struct thread *t);

/* One line of the thread listing. */
struct thread_info {
	char name[SCHED_THREAD_NAME];
	unsigned id;
	unsigned cpu, prio, placement, migrations;
	int service;
	const char *state;	/* "running", "runnable", "blocked", "sleeping", "exiting" */
	uint64_t cycles;	/* CPU time so far */
};
/* Fill up to max entries, one per live thread on every CPU (idle threads not listed); returns
 * how many threads there are (may exceed max). Each CPU's part is a consistent snapshot. */
unsigned thread_list(struct thread_info *out, unsigned max);
/* Print the listing on the console. */
void thread_list_print(void);
void thread_check(const struct thread *t);

/* Internal between sched.c and thread.c. */
void sched_thread_start(struct thread *t);	/* t is new: put it on its CPU's run queue */
__attribute__((noreturn)) void sched_exit_current(void);
void sched_finish_switch(void);		/* first thing a thread does after being switched to */
/* The guard region at t's low end: 0 intact; 1 entered (sp, t's own stack pointer or 0, is
 * in it or near; with full, any word of it changed) but its bottom word intact, so nothing
 * below was touched; 2 run through (memory below may be damaged). */
int thread_stack_guard(const struct thread *t, uintptr_t sp, bool full);
void thread_stack_report(const struct thread *t, int guard);	/* prints or panics (guard 2) */
unsigned sched_least_loaded(void);	/* online CPU with the fewest runnable threads */
/* Attach t (DETACHED, on no CPU's list) to cpu: its thread list and run queue. */
void sched_attach(struct thread *t, unsigned cpu);
void thread_dead(struct thread *t);	/* on the owning CPU once t is off its stack */

#endif
