/* mutex.h -- a sleeping mutex for the kernel's own use, on a waitq. Not recursive; only the
 * owner unlocks. Threads only (the idle loop and interrupt handlers must not take it). */
#ifndef SCHED_MUTEX_H
#define SCHED_MUTEX_H

#include "thread.h"

struct mutex {
	struct waitq wq;	/* waiters; wq.lock guards owner */
	struct thread *owner;	/* NULL when free */
};

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
