/* mutex.c -- sleeping mutex on a waitq (mutex.h). Unlock hands nothing over: it frees the mutex
 * and wakes the oldest waiter, which retries (a running thread may take it first). */
#include <kernel/kernel.h>

#include "mutex.h"

void mutex_init(struct mutex *m, const char *name)
{
	waitq_init(&m->wq, name);
	m->owner = NULL;
}

void mutex_lock(struct mutex *m)
{
	struct thread *self = thread_self();
	arch_irqflags_t f = spin_lock_irqsave(&m->wq.lock);

	kassert(m->owner != self);
	while (m->owner)
		waitq_sleep_locked(&m->wq);
	m->owner = self;
	spin_unlock_irqrestore(&m->wq.lock, f);
}

void mutex_unlock(struct mutex *m)
{
	arch_irqflags_t f = spin_lock_irqsave(&m->wq.lock);

	kassert(m->owner == thread_self());
	m->owner = NULL;
	waitq_wake_one_locked(&m->wq);
	spin_unlock_irqrestore(&m->wq.lock, f);
}
