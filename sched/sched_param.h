/* sched_param.h -- tunables of the scheduler, threads and channels. */
#ifndef SCHED_SCHED_PARAM_H
#define SCHED_SCHED_PARAM_H

#define SCHED_STACK_SIZE	(32 * 1024)	/* a kernel thread's stack, thread struct included */
#define SCHED_STACK_ALIGN	4096		/* alignment asked of the stack allocator */
#define SCHED_CANARY_WORDS	4		/* words of canary at a stack's low end */
#define SCHED_THREAD_NAME	16		/* bytes of a thread's name, NUL included */

#endif
