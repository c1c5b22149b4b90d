/* thread.c -- kernel threads: creation on a stack from the stack allocator, exit, join and
 * reaping, the stack guard, named services, the thread listing. Layout of a stack allocation:
 * the guard region (SCHED_GUARD_BYTES of a pattern) at the low end, the stack proper above it
 * growing down, struct thread at the top. A thread's memory is freed by the last of its two
 * users to let go of it (refs): its CPU, once it has switched off the thread's stack (state DEAD)
 * and released the join lock, and the thread's handle, once thread_join or thread_detach has
 * released it. Not "whoever sees it dead": a detacher's unlock still reads the lock after its
 * release, and a detached thread freed at that moment by its CPU made that read a use after
 * free (a segfault of the hosted build, 1 run in about 40 at 8 CPUs). */
#include <kernel/kernel.h>
#include <kernel/physmem.h>

#include "sched_cpu.h"

#define GUARD		((uintptr_t)0x57ac4ca9u)
#define GUARD_WORDS	(SCHED_GUARD_BYTES / sizeof(uintptr_t))

static void *(*stack_alloc)(size_t size, size_t align) = physmem_alloc;
static void (*stack_release)(void *p, size_t size) = physmem_free;
static size_t stack_size = SCHED_STACK_SIZE;	/* set before threads are made */

/* Named services; services_lock guards the table (a leaf lock, interrupts off). */
static struct spinlock services_lock = SPINLOCK_INIT("services");
static struct thread *services[SCHED_SERVICES_MAX];
static unsigned next_id;	/* the last id given (thread_create); atomic */
#define RESERVED	((struct thread *)1)	/* a slot taken while its thread is being made */

void sched_set_stack_allocator(void *(*alloc)(size_t size, size_t align),
			       void (*release)(void *p, size_t size))
{
	stack_alloc = alloc;
	stack_release = release;
}

void sched_set_stack_size(size_t size)
{
	stack_size = size;
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

/* Cheap enough for every switch: the bottom word (an overflow that got past the guard has
 * overwritten it, or jumped it), and the stack pointer sp when the caller is t itself (0
 * otherwise): it must stay above the guard plus SCHED_GUARD_SLACK, the room the stop path
 * needs. With full, every word of the guard (a deep excursion that came back up): done once,
 * when the thread has exited. */
int thread_stack_guard(const struct thread *t, uintptr_t sp, bool full)
{
	const uintptr_t *g = t->stack;

	if (!g)
		return 0;
	if (g[0] != GUARD)
		return 2;
	if (sp && sp < (uintptr_t)g + SCHED_GUARD_BYTES + SCHED_GUARD_SLACK)
		return 1;
	for (unsigned i = full ? 1 : GUARD_WORDS; i < GUARD_WORDS; i++)
		if (g[i] != (GUARD ^ i))
			return 1;
	return 0;
}

void thread_stack_report(const struct thread *t, int guard)
{
	if (guard == 2)
		panic("thread %s: stack overflow ran through its guard region at %p", t->name,
		      t->stack);
	kprintf("thread %s on cpu %u: stack overflow (guard region entered); thread stopped\n",
		t->name, t->cpu);
}

static void thread_start(void *arg)
{
	struct thread *t = arg;

	sched_finish_switch();
	arch_irq_enable();
	thread_exit(t->fn(t->arg));
}

struct thread *thread_create_placed(const char *name, uintptr_t (*fn)(void *), void *arg,
				    unsigned prio, unsigned cpu, unsigned placement)
{
	void *stack;
	struct thread *t;
	uintptr_t top;

	kassert(prio <= SCHED_PRIO_MAX);
	kassert(cpu == SCHED_CPU_ANY || cpu < NCPU);
	kassert(placement <= THREAD_MOVABLE_UNSTARTED);
	stack = stack_alloc(stack_size, SCHED_STACK_ALIGN);
	if (!stack)
		return NULL;
	top = ALIGN_DOWN((uintptr_t)stack + stack_size - sizeof(*t), 16);
	t = (struct thread *)top;
	memset(t, 0, sizeof(*t));
	t->magic = THREAD_MAGIC;
	ksnprintf(t->name, sizeof(t->name), "%s", name);
	t->cpu = cpu == SCHED_CPU_ANY ? sched_least_loaded() : cpu;
	t->placement = placement;
	t->state = THREAD_RUNNABLE;
	sched_entity_init(&t->se, prio);
	t->stack = stack;
	waitq_init(&t->join, "join");
	t->refs = 2;
	spin_init(&t->intr_lock, "thread-intr");
	t->id = arch_atomic_add(&next_id, 1);
	t->fn = fn;
	t->arg = arg;
	((uintptr_t *)stack)[0] = GUARD;
	for (unsigned i = 1; i < GUARD_WORDS; i++)
		((uintptr_t *)stack)[i] = GUARD ^ i;
	t->ctx = arch_context_init(stack, top - (uintptr_t)stack, thread_start, t);
	sched_thread_start(t);
	return t;
}

struct thread *thread_create(const char *name, uintptr_t (*fn)(void *), void *arg,
			     unsigned prio, unsigned cpu)
{
	return thread_create_placed(name, fn, arg, prio, cpu,
				    cpu == SCHED_CPU_ANY ? THREAD_MOVABLE : THREAD_PINNED);
}

void thread_exit(uintptr_t v)
{
	struct thread *t = thread_self();

	t->retval = v;
	sched_exit_current();
}

/* One user of t lets go of it (refs); the last frees its memory. */
static void thread_put(struct thread *t)
{
	if (arch_atomic_sub(&t->refs, 1) == 0) {
		t->magic = 0;
		stack_release(t->stack, stack_size);
	}
}

/* On t's CPU, interrupts off, right after the switch off t's stack. */
void thread_dead(struct thread *t)
{
	arch_irqflags_t f = spin_lock_irqsave(&services_lock);

	for (unsigned i = 0; i < SCHED_SERVICES_MAX; i++)
		if (services[i] == t)
			services[i] = NULL;
	spin_unlock_irqrestore(&services_lock, f);
	arch_context_free(t->ctx);
	spin_lock(&t->join.lock);
	arch_atomic_store(&t->state, THREAD_DEAD);
	waitq_wake_all_locked(&t->join);
	spin_unlock(&t->join.lock);
	thread_put(t);		/* last touch */
}

unsigned thread_join_status(struct thread *t, uintptr_t *value, uint64_t *cycles)
{
	arch_irqflags_t f;
	unsigned error;

	thread_check(t);
	f = spin_lock_irqsave(&t->join.lock);
	kassert(!t->joined && !t->detached);
	t->joined = 1;
	while (arch_atomic_load(&t->state) != THREAD_DEAD)
		waitq_sleep_locked(&t->join);
	spin_unlock_irqrestore(&t->join.lock, f);
	if (value)
		*value = t->retval;
	if (cycles)
		*cycles = t->cycles;
	error = t->error;
	thread_put(t);
	return error;
}

void thread_detach(struct thread *t)
{
	arch_irqflags_t f;

	thread_check(t);
	f = spin_lock_irqsave(&t->join.lock);
	kassert(!t->joined && !t->detached);
	t->detached = 1;
	spin_unlock_irqrestore(&t->join.lock, f);
	thread_put(t);		/* if it is not dead yet, its CPU frees it */
}

uintptr_t thread_join(struct thread *t, uint64_t *cycles)
{
	uintptr_t v;

	thread_join_status(t, &v, cycles);
	return v;
}

/* --- services --- */

struct thread *sched_service_find(const char *name)
{
	arch_irqflags_t f = spin_lock_irqsave(&services_lock);
	struct thread *t = NULL;

	for (unsigned i = 0; i < SCHED_SERVICES_MAX && !t; i++)
		if (services[i] && services[i] != RESERVED && !strcmp(services[i]->name, name))
			t = services[i];
	spin_unlock_irqrestore(&services_lock, f);
	return t;
}

struct thread *sched_service_start(const char *name, uintptr_t (*fn)(void *), void *arg,
				   unsigned prio, unsigned cpu)
{
	arch_irqflags_t f;
	struct thread *t;
	unsigned slot = SCHED_SERVICES_MAX;

	kassert(cpu < NCPU);
	f = spin_lock_irqsave(&services_lock);
	for (unsigned i = 0; i < SCHED_SERVICES_MAX; i++) {
		if (services[i] == RESERVED ||
		    (services[i] && !strncmp(services[i]->name, name, SCHED_THREAD_NAME - 1))) {
			slot = SCHED_SERVICES_MAX;
			break;
		}
		if (!services[i] && slot == SCHED_SERVICES_MAX)
			slot = i;
	}
	if (slot < SCHED_SERVICES_MAX)
		services[slot] = RESERVED;
	spin_unlock_irqrestore(&services_lock, f);
	if (slot == SCHED_SERVICES_MAX)
		return NULL;
	t = thread_create_placed(name, fn, arg, prio, cpu, THREAD_PINNED);
	f = spin_lock_irqsave(&services_lock);
	services[slot] = t;
	spin_unlock_irqrestore(&services_lock, f);
	return t;
}

static int service_p(const struct thread *t)
{
	for (unsigned i = 0; i < SCHED_SERVICES_MAX; i++)
		if (services[i] == t)
			return 1;
	return 0;
}

/* --- the listing --- */

static const char *state_name(const struct sched_cpu *sc, const struct thread *t)
{
	switch (arch_atomic_load(&t->state)) {
	case THREAD_RUNNABLE:
		return t == sc->current ? "running" : "runnable";
	case THREAD_BLOCKED:
		return t->sleeping ? "sleeping" : "blocked";
	default:
		return "exiting";
	}
}

unsigned thread_list(struct thread_info *out, unsigned max)
{
	unsigned n = 0, ncpu = arch_ncpus() < NCPU ? arch_ncpus() : NCPU;

	for (unsigned cpu = 0; cpu < ncpu; cpu++) {
		struct sched_cpu *sc = &sched_cpus[cpu];
		arch_irqflags_t f, g;

		if (!arch_atomic_load(&sc->online))
			continue;
		g = spin_lock_irqsave(&services_lock);	/* lock order: services, then a rq */
		f = spin_lock_irqsave(&sc->rq.lock);
		for (struct thread *t = sc->threads; t; t = t->all_next, n++) {
			struct thread_info *i = &out[n];

			if (n >= max)
				continue;
			memcpy(i->name, t->name, sizeof(i->name));
			i->id = t->id;
			i->cpu = t->cpu;
			i->prio = t->se.prio;
			i->placement = t->placement;
			i->migrations = t->migrations;
			i->service = service_p(t);
			i->state = state_name(sc, t);
			i->cycles = t->cycles;
			if (t == sc->current)
				i->cycles += arch_cycles() - t->ran_since;
		}
		spin_unlock_irqrestore(&sc->rq.lock, f);
		spin_unlock_irqrestore(&services_lock, g);
	}
	return n;
}

void thread_list_print(void)
{
	static struct thread_info info[64];	/* under print_lock */
	static struct spinlock print_lock = SPINLOCK_INIT("thread-list");
	static const char *const placement[] = { "pinned", "movable", "movable-unstarted" };
	arch_irqflags_t f = spin_lock_irqsave(&print_lock);
	unsigned n = thread_list(info, 64), cps_us = (unsigned)(arch_cycles_per_sec() / 1000000);

	kprintf("%-16s %3s %4s %-9s %-17s %12s\n", "thread", "cpu", "prio", "state", "placement",
		"cpu-time-us");
	for (unsigned i = 0; i < n && i < 64; i++)
		kprintf("%-16s %3u %4u %-9s %-17s %12llu%s\n", info[i].name, info[i].cpu,
			info[i].prio, info[i].state, placement[info[i].placement],
			(unsigned long long)(info[i].cycles / (cps_us ? cps_us : 1)),
			info[i].service ? " service" : "");
	if (n > 64)
		kprintf("... and %u more\n", n - 64);
	spin_unlock_irqrestore(&print_lock, f);
}
