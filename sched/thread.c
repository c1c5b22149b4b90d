/* thread.c -- kernel threads: creation on a stack from the stack allocator, exit, join and
 * reaping, the stack canary. Layout of a stack allocation: canary words at the low end, the
 * stack proper above them growing down, struct thread at the top. A thread's memory is freed by
 * its joiner, only after the owning CPU has switched off its stack (state DEAD) and let go of
 * its join lock (reapable). */
#include <kernel/kernel.h>
#include <kernel/physmem.h>

#include "thread.h"

#define CANARY		((uintptr_t)0x57ac4ca9u)

static void *(*stack_alloc)(size_t size, size_t align) = physmem_alloc;
static void (*stack_release)(void *p, size_t size) = physmem_free;

void sched_set_stack_allocator(void *(*alloc)(size_t size, size_t align),
			       void (*release)(void *p, size_t size))
{
	stack_alloc = alloc;
	stack_release = release;
}

void thread_check(const struct thread *t)
{
#ifdef CONFIG_DEBUG
	kassert(t && t->magic == THREAD_MAGIC);
	kassert(arch_atomic_load(&t->state) <= THREAD_DEAD);
#else
	(void)t;
#endif
}

void thread_stack_check(struct thread *t)
{
	const uintptr_t *c = t->stack;

	if (!c)
		return;
	for (unsigned i = 0; i < SCHED_CANARY_WORDS; i++)
		if (c[i] != (CANARY ^ i))
			panic("thread %s: stack overflow (canary at %p overwritten)", t->name,
			      (void *)&c[i]);
}

static void thread_start(void *arg)
{
	struct thread *t = arg;

	sched_finish_switch();
	arch_irq_enable();
	thread_exit(t->fn(t->arg));
}

struct thread *thread_create(const char *name, uintptr_t (*fn)(void *), void *arg,
			     unsigned prio, unsigned cpu)
{
	void *stack;
	struct thread *t;
	uintptr_t top;

	kassert(prio <= SCHED_PRIO_MAX);
	kassert(cpu == SCHED_CPU_ANY || cpu < NCPU);
	stack = stack_alloc(SCHED_STACK_SIZE, SCHED_STACK_ALIGN);
	if (!stack)
		return NULL;
	top = ALIGN_DOWN((uintptr_t)stack + SCHED_STACK_SIZE - sizeof(*t), 16);
	t = (struct thread *)top;
	memset(t, 0, sizeof(*t));
	t->magic = THREAD_MAGIC;
	ksnprintf(t->name, sizeof(t->name), "%s", name);
	t->cpu = cpu == SCHED_CPU_ANY ? sched_least_loaded() : cpu;
	t->state = THREAD_RUNNABLE;
	sched_entity_init(&t->se, prio);
	t->stack = stack;
	waitq_init(&t->join, "join");
	t->fn = fn;
	t->arg = arg;
	for (unsigned i = 0; i < SCHED_CANARY_WORDS; i++)
		((uintptr_t *)stack)[i] = CANARY ^ i;
	t->ctx = arch_context_init(stack, top - (uintptr_t)stack, thread_start, t);
	sched_thread_start(t);
	return t;
}

void thread_exit(uintptr_t v)
{
	struct thread *t = thread_self();

	t->retval = v;
	sched_exit_current();
}

/* On t's CPU, interrupts off, right after the switch off t's stack. */
void thread_dead(struct thread *t)
{
	arch_context_free(t->ctx);
	spin_lock(&t->join.lock);
	arch_atomic_store(&t->state, THREAD_DEAD);
	waitq_wake_all_locked(&t->join);
	spin_unlock(&t->join.lock);
	arch_atomic_store(&t->reapable, 1);	/* last touch: the joiner may free t now */
}

uintptr_t thread_join(struct thread *t, uint64_t *cycles)
{
	arch_irqflags_t f;
	uintptr_t v;

	thread_check(t);
	f = spin_lock_irqsave(&t->join.lock);
	kassert(!t->joined);
	t->joined = 1;
	while (arch_atomic_load(&t->state) != THREAD_DEAD)
		waitq_sleep_locked(&t->join);
	spin_unlock_irqrestore(&t->join.lock, f);
	while (!arch_atomic_load(&t->reapable))	/* the unlock above may still be finishing */
		arch_cpu_relax();
	v = t->retval;
	if (cycles)
		*cycles = t->cycles;
	t->magic = 0;
	stack_release(t->stack, SCHED_STACK_SIZE);
	return v;
}
