/* sched_param.h -- tunables of the scheduler, threads and channels. */
#ifndef SCHED_SCHED_PARAM_H
#define SCHED_SCHED_PARAM_H

#define SCHED_STACK_SIZE	(32 * 1024)	/* a kernel thread's stack, thread struct included */
#define SCHED_STACK_ALIGN	4096		/* alignment asked of the stack allocator */
#define SCHED_GUARD_BYTES	1024		/* guard region at a stack's low end (a pattern) */
#define SCHED_GUARD_SLACK	ARCH_SWITCH_STACK	/* a thread whose stack pointer is this close
						 * to its guard at a switch point is stopped
						 * (room to stop it: arch.h) */
#define SCHED_THREAD_NAME	16		/* bytes of a thread's name, NUL included */
#define SCHED_QUANTUM_MS	10		/* a thread runs this long before the timer preempts it */
#define SCHED_SERVICES_MAX	16		/* named services */

#endif
