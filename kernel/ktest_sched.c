/* ktest_sched.c -- the scheduler's built-in tests, each with the scheduler running on every CPU:
 * threads (10,000 created and joined; channel round trips on one CPU and across CPUs), preempt
 * (a thread that never yields is preempted by the timer), sleep (each sleep ends at the first
 * tick after its deadline), spread (work placed on CPU 0 spreads to idle CPUs), overflow (a
 * stack overflow stops its thread, not the kernel). */
#include <arch.h>
#include <sched/channel.h>
#include <sched/thread.h>

#include "kernel.h"
#include "ktest.h"
#include "physmem.h"

#define finish	ktest_finish

static uintptr_t child(void *arg)
{
	return (uintptr_t)arg * 2;
}

static void *node_alloc(size_t size)
{
	return physmem_alloc(size, 16);
}

static void node_free(void *p, size_t size)
{
	physmem_free(p, size);
}

static uint64_t us(uint64_t cycles)
{
	return cycles / (arch_cycles_per_sec() / 1000000);
}

/* --- threads --- */

/* A pair of threads on two CPUs: the pinger sends 0..n-1 and expects each back plus one. */
struct pair {
	struct chan ping, pong;
	unsigned long n;
	uint64_t cycles;
	int bad;
};

static uintptr_t echo_fn(void *arg)
{
	struct pair *p = arg;

	for (unsigned long i = 0; i < p->n; i++)
		chan_send(&p->pong, chan_recv(&p->ping) + 1);
	return 0;
}

static uintptr_t ping_fn(void *arg)
{
	struct pair *p = arg;
	uint64_t t0 = arch_cycles();

	for (unsigned long i = 0; i < p->n; i++) {
		if (chan_send(&p->ping, i) < 0)
			finish(0, "no memory for a channel node");
		if (chan_recv(&p->pong) != i + 1)
			p->bad = 1;
	}
	p->cycles = arch_cycles() - t0;
	return 0;
}

/* total round trips split over npairs pairs, pair k pinging from CPU k to CPU (k + shift) % n;
 * returns cycles per round trip seen by one pinger (they run at once). */
static uint64_t pingpong(unsigned npairs, unsigned shift, unsigned long total)
{
	static struct pair pairs[NCPU];
	struct thread *t[2 * NCPU];
	unsigned n = arch_ncpus();
	uint64_t sum = 0;
	uintptr_t extra;

	for (unsigned k = 0; k < npairs; k++) {
		struct pair *p = &pairs[k];

		chan_init(&p->ping, "ping", node_alloc, node_free);
		chan_init(&p->pong, "pong", node_alloc, node_free);
		p->n = total / npairs + (k < total % npairs);
		p->bad = 0;
		t[2 * k] = thread_create("echo", echo_fn, p, 15, (k + shift) % n);
		t[2 * k + 1] = thread_create("ping", ping_fn, p, 15, k % n);
		if (!t[2 * k] || !t[2 * k + 1])
			finish(0, "no memory for the ping-pong threads");
	}
	for (unsigned k = 0; k < 2 * npairs; k++)
		thread_join(t[k], NULL);
	for (unsigned k = 0; k < npairs; k++) {
		if (pairs[k].bad)
			finish(0, "a channel message was lost, duplicated or reordered");
		if (chan_try_recv(&pairs[k].ping, &extra) || chan_try_recv(&pairs[k].pong, &extra))
			finish(0, "a channel holds an extra message");
		sum += pairs[k].cycles / pairs[k].n;
	}
	return sum / npairs;
}

static uintptr_t threads_main(void *arg)
{
	static struct thread *batch[256];
	unsigned long total = 10000, done = 0, sum = 0, want = 0;
	unsigned n = arch_ncpus();

	(void)arg;
	while (done < total) {
		unsigned k = (unsigned)MIN(total - done, (unsigned long)ARRAY_SIZE(batch));

		for (unsigned i = 0; i < k; i++) {
			batch[i] = thread_create("child", child, (void *)(done + i), 15, SCHED_CPU_ANY);
			if (!batch[i])
				finish(0, "thread_create failed");
			want += 2 * (done + i);
		}
		for (unsigned i = 0; i < k; i++)
			sum += thread_join(batch[i], NULL);
		done += k;
	}
	kprintf("KTEST threads %lu created and joined; sum %lu (want %lu)\n", total, sum, want);
	if (sum != want)
		finish(0, "joined values are wrong");
	kprintf("KTEST channel round trip, same cpu: %llu cycles\n",
		(unsigned long long)pingpong(1, 0, ktest_rounds / 10));
	if (n > 1) {
		uint64_t c = pingpong(n, 1, ktest_rounds);

		kprintf("KTEST %lu channel round trips across cpus (%u pairs, cpu k <-> cpu k+1): "
			"%llu cycles each\n", ktest_rounds, n, (unsigned long long)c);
	} else {
		pingpong(1, 0, ktest_rounds);
		kprintf("KTEST %lu channel round trips on one cpu\n", ktest_rounds);
	}
	kprintf("KTEST round trips: nothing lost, duplicated or reordered\n");
	finish(1, NULL);
}

/* --- preempt --- */

static int stop_spinning;	/* atomic */
static volatile unsigned long worker_sink;

static uintptr_t spinner_fn(void *arg)
{
	(void)arg;
	while (!arch_atomic_load(&stop_spinning))
		;	/* no preemption point: only the timer takes the CPU away */
	return 1;
}

static uintptr_t worker_fn(void *arg)
{
	for (unsigned long i = 0; i < 2000000; i++)
		worker_sink += i;	/* and no preemption point here either */
	return (uintptr_t)arg;
}

static uintptr_t preempt_main(void *arg)
{
	struct thread *spin[NCPU], *work[2 * NCPU];
	unsigned n = arch_ncpus();
	uint64_t t0 = arch_cycles();

	(void)arg;
	for (unsigned c = 0; c < n; c++)
		if (!(spin[c] = thread_create("spinner", spinner_fn, NULL, 15, c)))
			finish(0, "no memory for a spinner");
	for (unsigned c = 0; c < 2 * n; c++)
		if (!(work[c] = thread_create("worker", worker_fn, (void *)(uintptr_t)c, 15, c % n)))
			finish(0, "no memory for a worker");
	for (unsigned c = 0; c < 2 * n; c++)
		if (thread_join(work[c], NULL) != c)
			finish(0, "a worker returned the wrong value");
	kprintf("KTEST preempt: %u workers finished beside a spinning thread on each of %u cpus "
		"in %llu ms\n", 2 * n, n, (unsigned long long)(us(arch_cycles() - t0) / 1000));
	thread_list_print();
	arch_atomic_store(&stop_spinning, 1);
	for (unsigned c = 0; c < n; c++)
		thread_join(spin[c], NULL);
	finish(1, NULL);
}

/* --- sleep --- */

#define SLEEPS	5

struct sleeper {
	unsigned ms;
	uint64_t late_max;	/* cycles from the deadline to running again */
	int early;
};

static uintptr_t sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	for (int i = 0; i < SLEEPS; i++) {
		uint64_t t0 = arch_cycles(), want = (uint64_t)s->ms * (arch_cycles_per_sec() / 1000);
		uint64_t dt;

		thread_sleep_ms(s->ms);
		dt = arch_cycles() - t0;
		if (dt < want)
			s->early = 1;
		else if (dt - want > s->late_max)
			s->late_max = dt - want;
	}
	return thread_self()->late_wakeups;
}

static uintptr_t sleep_main(void *arg)
{
	static struct sleeper s[4 * NCPU];
	struct thread *t[4 * NCPU];
	unsigned n = arch_ncpus(), missed = 0;
	uint64_t late = 0, tick = arch_cycles_per_sec() / TIMER_HZ;

	(void)arg;
	for (unsigned i = 0; i < 4 * n; i++) {
		s[i] = (struct sleeper){ .ms = 1 + 7 * i };
		if (!(t[i] = thread_create("sleeper", sleeper_fn, &s[i], 10, i % n)))
			finish(0, "no memory for a sleeper");
	}
	for (unsigned i = 0; i < 4 * n; i++) {
		missed += (unsigned)thread_join(t[i], NULL);
		if (s[i].early)
			finish(0, "a sleep ended before its deadline");
		late = MAX(late, s[i].late_max);
	}
	kprintf("KTEST sleep: %u sleepers x %d sleeps of 1..%u ms; latest wake-up %llu us after "
		"the deadline (a tick is %llu us); %u woken after a later tick\n", 4 * n, SLEEPS,
		1 + 7 * (4 * n - 1), (unsigned long long)us(late), (unsigned long long)us(tick),
		missed);
	if (missed)
		finish(0, "a sleeper was not woken by the first tick after its deadline");
	finish(1, NULL);
}

/* --- spread --- */

#define SPREAD_PER_CPU	4

static unsigned ran_on[NCPU * SPREAD_PER_CPU];	/* bit per CPU each thread ran on; atomic */

static uintptr_t spread_fn(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	for (int k = 0; k < 200; k++) {
		arch_irqflags_t f = arch_irq_save();

		arch_atomic_or(&ran_on[i], 1u << arch_cpu_id());
		arch_irq_restore(f);
		for (volatile int j = 0; j < 20000; j++)
			;
	}
	return 0;
}

static uintptr_t spread_main(void *arg)
{
	struct thread *t[NCPU * SPREAD_PER_CPU];
	unsigned n = arch_ncpus(), m = n * SPREAD_PER_CPU, cpus = 0, moved = 0;

	(void)arg;
	for (unsigned i = 0; i < m; i++)
		if (!(t[i] = thread_create_placed("spread", spread_fn, (void *)(uintptr_t)i, 15, 0,
						  THREAD_MOVABLE)))
			finish(0, "no memory for a thread");
	for (unsigned i = 0; i < m; i++) {
		thread_join(t[i], NULL);
		cpus |= ran_on[i];
		moved += ran_on[i] != 1;
	}
	kprintf("KTEST spread: %u threads placed on cpu 0; %u ran elsewhere; cpus used %u of %u\n",
		m, moved, (unsigned)__builtin_popcount(cpus), n);
	if ((unsigned)__builtin_popcount(cpus) != n)
		finish(0, "the load did not spread to every idle CPU");
	finish(1, NULL);
}

/* --- overflow --- */

static uintptr_t deep(uintptr_t n)
{
	volatile char pad[64];

	pad[0] = (char)n;
	thread_yield();
	if (n == ~(uintptr_t)0)	/* never: only the guard ends this */
		return 0;
	return deep(n + 1) + pad[0];
}

static uintptr_t overflow_fn(void *arg)
{
	(void)arg;
	return deep(0);
}

static uintptr_t overflow_main(void *arg)
{
	struct thread *t = thread_create("deep", overflow_fn, NULL, 15, arch_ncpus() - 1);
	uintptr_t v;

	(void)arg;
	if (!t)
		finish(0, "no memory for a thread");
	if (thread_join_status(t, &v, NULL) != THREAD_ERR_STACK)
		finish(0, "the overflow was not reported as the thread's error");
	t = thread_create("after", child, (void *)21, 15, arch_ncpus() - 1);
	if (!t || thread_join(t, NULL) != 42)
		finish(0, "the CPU did not go on after the overflow");
	kprintf("KTEST overflow: the thread was stopped, its CPU goes on\n");
	finish(1, NULL);
}

/* --- the runner --- */

static void ap_sched(void *arg)
{
	(void)arg;
	sched_init_cpu(arch_cpu_id());
	sched_run();
}

int ktest_sched(const char *name)
{
	static const struct { const char *name; uintptr_t (*main)(void *); } tests[] = {
		{ "threads", threads_main }, { "preempt", preempt_main }, { "sleep", sleep_main },
		{ "spread", spread_main }, { "overflow", overflow_main },
		{ "bench", ktest_bench_main }, { "heaps", ktest_heaps_main },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(tests); i++) {
		if (strcmp(name, tests[i].name))
			continue;
		for (unsigned cpu = 1; cpu < arch_ncpus(); cpu++)
			kernel_launch(cpu, ap_sched, NULL);
		sched_init_cpu(0);
		for (unsigned cpu = 1; cpu < arch_ncpus(); cpu++)
			while (!sched_cpu_online(cpu))	/* tests place threads on every CPU */
				arch_cpu_relax();
		if (!thread_create("ktest", tests[i].main, NULL, 15, 0))
			finish(0, "no memory for the test thread");
		sched_run();
		finish(0, "the scheduler returned");
	}
	return 0;
}
