/* test_sched.c -- kernel threads, wait queues, channels and the mutex (sched/) on hosted CPUs:
 * each test starts n CPU threads that run the scheduler loop, a "main" kernel thread on CPU 0
 * runs the test body and stops the scheduler. Failures inside kernel threads are counted and
 * asserted on afterwards (CMocka's longjmp must not cross stacks). Needs 1..8 CPUs as stated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arch.h>
#include <host.h>
#include <kernel/kernel.h>
#include <sched/channel.h>
#include <sched/mutex.h>
#include <sched/sched_cpu.h>
#include <sched/thread.h>

#define MAIN_PRIO	10

static unsigned fails;		/* failed checks inside kernel threads; atomic */
static unsigned stacks_live;	/* stacks allocated and not freed; atomic */
static void *last_stack;	/* most recent stack (the canary test frees it by hand) */

#define CHECK(c) \
	do { if (!(c)) { __atomic_add_fetch(&fails, 1, __ATOMIC_SEQ_CST); \
		fprintf(stderr, "check failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); } } while (0)

static void *stack_alloc(size_t size, size_t align)
{
	void *p = aligned_alloc(align, size);

	if (p)
		__atomic_add_fetch(&stacks_live, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&last_stack, p, __ATOMIC_SEQ_CST);
	return p;
}

static void stack_free(void *p, size_t size)
{
	(void)size;
	__atomic_sub_fetch(&stacks_live, 1, __ATOMIC_SEQ_CST);
	free(p);
}

static void *node_alloc(size_t size)
{
	return malloc(size);
}

static void node_free(void *p, size_t size)
{
	(void)size;
	free(p);
}

/* --- the harness --- */

struct run {
	unsigned ncpus;
	uintptr_t (*body)(void *);
	void *arg;
	unsigned ready;			/* CPUs through sched_init_cpu; atomic */
	struct thread *main_thread;
	uintptr_t result;
	int catch_panic, panicked;
};

static uintptr_t main_wrap(void *p)
{
	struct run *r = p;
	uintptr_t v = r->body(r->arg);

	sched_stop();
	return v;
}

static void cpu_fn(unsigned cpu, void *p)
{
	struct run *r = p;
	jmp_buf jb;

	sched_init_cpu(cpu);
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->ready, __ATOMIC_SEQ_CST) < r->ncpus)
		arch_cpu_relax();
	if (cpu == 0)
		r->main_thread = thread_create("main", main_wrap, r, MAIN_PRIO, 0);
	if (r->catch_panic) {
		host_exit_jmp = &jb;
		if (setjmp(jb) != 0) {
			host_exit_jmp = NULL;
			r->panicked = 1;
			return;
		}
	}
	sched_run();
	if (r->catch_panic)	/* a global: only the one-CPU canary test touches it */
		host_exit_jmp = NULL;
	if (cpu == 0)
		r->result = thread_join(r->main_thread, NULL);
}

static uintptr_t run_sched(unsigned ncpus, uintptr_t (*body)(void *), void *arg)
{
	struct run r = { .ncpus = ncpus, .body = body, .arg = arg };

	__atomic_store_n(&fails, 0, __ATOMIC_SEQ_CST);
	host_run_cpus(ncpus, cpu_fn, &r);
	assert_int_equal(__atomic_load_n(&fails, __ATOMIC_SEQ_CST), 0);
	assert_int_equal(__atomic_load_n(&stacks_live, __ATOMIC_SEQ_CST), 0);
	return r.result;
}

/* --- many threads, join values --- */

#define MANY	2000

static uintptr_t many_fn(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	for (uintptr_t k = 0; k < i % 4; k++)
		thread_yield();
	return i * 7 + 1;
}

static uintptr_t many_body(void *arg)
{
	static struct thread *t[MANY];
	unsigned ncpus = (unsigned)(uintptr_t)arg, used[NCPU] = { 0 }, busy = 0;

	for (uintptr_t i = 0; i < MANY; i++) {
		t[i] = thread_create("many", many_fn, (void *)i, MAIN_PRIO, SCHED_CPU_ANY);
		CHECK(t[i] != NULL);
		used[__atomic_load_n(&t[i]->cpu, __ATOMIC_RELAXED)]++;	/* it may move */
		if (i % 64 == 0)
			thread_yield();
	}
	for (unsigned c = 0; c < ncpus; c++)
		busy += used[c] > 0;
	CHECK(busy >= (ncpus > 1 ? 2u : 1u));	/* ties spread; CPU 0 always has main */
	for (uintptr_t i = 0; i < MANY; i++) {
		uint64_t cycles = 0;

		CHECK(thread_join(t[i], &cycles) == i * 7 + 1);
	}
	return 42;
}

static void test_many_threads(void **state)
{
	static const unsigned smp[] = { 1, 2, 4, 8 };

	(void)state;
	for (unsigned k = 0; k < ARRAY_SIZE(smp); k++)
		assert_int_equal(run_sched(smp[k], many_body, (void *)(uintptr_t)smp[k]), 42);
}

/* --- order on one CPU: round robin, priorities, preemption point --- */

static char order[64];
static unsigned order_len;	/* only threads of CPU 0 append */

static void note(char c)
{
	if (order_len + 1 < sizeof(order))
		order[order_len++] = c;
	order[order_len] = '\0';
}

static uintptr_t rr_fn(void *arg)
{
	for (int i = 0; i < 3; i++) {
		note((char)(uintptr_t)arg);
		thread_yield();
	}
	return 0;
}

static uintptr_t rr_body(void *arg)
{
	struct thread *t[3];

	(void)arg;
	order_len = 0;
	for (int i = 0; i < 3; i++)
		t[i] = thread_create("rr", rr_fn, (void *)(uintptr_t)('A' + i), MAIN_PRIO, 0);
	for (int i = 0; i < 3; i++)
		thread_join(t[i], NULL);
	CHECK(strcmp(order, "ABCABCABC") == 0);
	return 0;
}

static void test_yield_round_robin(void **state)
{
	(void)state;
	run_sched(1, rr_body, NULL);
	assert_string_equal(order, "ABCABCABC");
}

static uintptr_t prio_fn(void *arg)
{
	note((char)(uintptr_t)arg);
	return 0;
}

static uintptr_t prio_body(void *arg)
{
	struct thread *lo, *hi;

	(void)arg;
	order_len = 0;
	lo = thread_create("prio5", prio_fn, (void *)'5', 5, 0);
	hi = thread_create("prio0", prio_fn, (void *)'0', 0, 0);
	note('m');	/* creating them preempts nobody: the creator goes on until it blocks */
	thread_join(lo, NULL);
	thread_join(hi, NULL);
	return 0;
}

static void test_priority(void **state)
{
	(void)state;
	run_sched(1, prio_body, NULL);
	assert_string_equal(order, "m05");
}

static unsigned spin_done;	/* atomic */

static uintptr_t spinner(void *arg)
{
	unsigned long loops = 0;

	(void)arg;
	while (!__atomic_load_n(&spin_done, __ATOMIC_SEQ_CST)) {
		arch_irqflags_t f = arch_irq_save();

		sched_timer_tick();	/* what kernel_timer_tick does on a tick */
		arch_irq_restore(f);
		sched_preempt_point();
		loops++;
	}
	return loops;
}

static uintptr_t setter(void *arg)
{
	(void)arg;
	__atomic_store_n(&spin_done, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static uintptr_t preempt_body(void *arg)
{
	struct thread *a, *b;

	(void)arg;
	__atomic_store_n(&spin_done, 0, __ATOMIC_SEQ_CST);
	a = thread_create("spinner", spinner, NULL, MAIN_PRIO, 0);
	b = thread_create("setter", setter, NULL, MAIN_PRIO, 0);
	CHECK(thread_join(a, NULL) >= 1);
	thread_join(b, NULL);
	return 0;
}

static void test_preempt_point(void **state)
{
	(void)state;
	run_sched(1, preempt_body, NULL);
}

/* --- wait queues under stress --- */

#define PAIRS		4
#define ROUNDS		5000

struct pingpong {
	struct waitq wq;
	int turn;	/* under wq.lock */
};

static struct pingpong pp[PAIRS];

static uintptr_t pp_fn(void *arg)
{
	uintptr_t a = (uintptr_t)arg;
	struct pingpong *p = &pp[a / 2];
	int side = (int)(a % 2);

	for (int i = 0; i < ROUNDS; i++) {
		arch_irqflags_t f = spin_lock_irqsave(&p->wq.lock);

		while (p->turn != side)
			waitq_sleep_locked(&p->wq);
		p->turn = 1 - side;
		waitq_wake_all_locked(&p->wq);
		spin_unlock_irqrestore(&p->wq.lock, f);
	}
	return 0;
}

#define CONSUMERS	16
#define PRODUCERS	4
#define TOKENS		20000	/* per producer */

static struct waitq sem_wq;
static unsigned long tokens;	/* under sem_wq.lock */

static uintptr_t producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < TOKENS; i++) {
		arch_irqflags_t f = spin_lock_irqsave(&sem_wq.lock);

		tokens++;
		waitq_wake_one_locked(&sem_wq);
		spin_unlock_irqrestore(&sem_wq.lock, f);
		if (i % 16 == 0)
			thread_yield();
	}
	return 0;
}

static uintptr_t consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < PRODUCERS * TOKENS / CONSUMERS; i++) {
		arch_irqflags_t f = spin_lock_irqsave(&sem_wq.lock);

		while (tokens == 0)
			waitq_sleep_locked(&sem_wq);
		tokens--;
		if (tokens)	/* each wake-up is for one token: pass extra ones on */
			waitq_wake_one_locked(&sem_wq);
		spin_unlock_irqrestore(&sem_wq.lock, f);
	}
	return 0;
}

static uintptr_t waitq_body(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	struct thread *t[2 * PAIRS + CONSUMERS + PRODUCERS];
	unsigned nt = 0;

	for (unsigned k = 0; k < PAIRS; k++) {
		waitq_init(&pp[k].wq, "pingpong");
		pp[k].turn = 0;
	}
	waitq_init(&sem_wq, "sem");
	tokens = 0;
	for (uintptr_t a = 0; a < 2 * PAIRS; a++)	/* the two sides of a pair on different CPUs */
		t[nt++] = thread_create("pp", pp_fn, (void *)a, MAIN_PRIO, (unsigned)((a / 2 + a % 2) % n));
	for (unsigned i = 0; i < CONSUMERS; i++)
		t[nt++] = thread_create("cons", consumer, NULL, MAIN_PRIO, i % n);
	for (unsigned i = 0; i < PRODUCERS; i++)
		t[nt++] = thread_create("prod", producer, NULL, MAIN_PRIO, (i + 1) % n);
	for (unsigned i = 0; i < nt; i++)
		thread_join(t[i], NULL);
	CHECK(tokens == 0);
	return 0;
}

static void test_waitq_stress(void **state)
{
	(void)state;
	run_sched(2, waitq_body, (void *)2);
	run_sched(4, waitq_body, (void *)4);
}

/* --- channels --- */

#define SENDERS		8
#define RECEIVERS	4
#define PER_SENDER	12500	/* 100,000 messages */

static struct chan ch;
static uint8_t seen[SENDERS][PER_SENDER];

static uintptr_t sender(void *arg)
{
	uintptr_t s = (uintptr_t)arg;

	for (uintptr_t i = 0; i < PER_SENDER; i++) {
		CHECK(chan_send(&ch, s << 24 | i) == 0);
		if (i % 128 == 0)
			thread_yield();
	}
	return 0;
}

static uintptr_t receiver(void *arg)
{
	long last[SENDERS];

	(void)arg;
	for (int s = 0; s < SENDERS; s++)
		last[s] = -1;
	for (int i = 0; i < SENDERS * PER_SENDER / RECEIVERS; i++) {
		uintptr_t v = chan_recv(&ch), s = v >> 24, seq = v & 0xffffff;

		CHECK(s < SENDERS && seq < PER_SENDER);
		if (s >= SENDERS || seq >= PER_SENDER)
			continue;
		CHECK((long)seq > last[s]);	/* FIFO per sender, as one receiver sees it */
		last[s] = (long)seq;
		CHECK(__atomic_exchange_n(&seen[s][seq], 1, __ATOMIC_SEQ_CST) == 0);
	}
	return 0;
}

static uintptr_t chan_body(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	struct thread *t[SENDERS + RECEIVERS];
	uintptr_t v;

	memset(seen, 0, sizeof(seen));
	chan_init(&ch, "chan", node_alloc, node_free);
	for (unsigned i = 0; i < RECEIVERS; i++)
		t[i] = thread_create("recv", receiver, NULL, MAIN_PRIO, i % n);
	for (uintptr_t s = 0; s < SENDERS; s++)
		t[RECEIVERS + s] = thread_create("send", sender, (void *)s, MAIN_PRIO, (unsigned)(s % n));
	for (unsigned i = 0; i < SENDERS + RECEIVERS; i++)
		thread_join(t[i], NULL);
	CHECK(!chan_try_recv(&ch, &v));
	for (int s = 0; s < SENDERS; s++)
		for (int i = 0; i < PER_SENDER; i++)
			CHECK(seen[s][i] == 1);
	chan_destroy(&ch);
	return 0;
}

static void test_channel(void **state)
{
	(void)state;
	run_sched(4, chan_body, (void *)4);
}

/* --- mutex --- */

#define LOCKERS		8
#define LOCKS		2000

static struct mutex mtx;
static unsigned long counter;	/* under mtx, deliberately not atomic */
static int inside;		/* under mtx: holders now */

static uintptr_t locker(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOCKS; i++) {
		mutex_lock(&mtx);
		CHECK(inside++ == 0);
		unsigned long c = counter;

		if (i % 8 == 0)
			thread_yield();	/* sleepers pile up while the owner is off the CPU */
		counter = c + 1;
		inside--;
		mutex_unlock(&mtx);
	}
	return 0;
}

static uintptr_t mutex_body(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	struct thread *t[LOCKERS];

	mutex_init(&mtx, "mtx");
	counter = 0;
	for (unsigned i = 0; i < LOCKERS; i++)
		t[i] = thread_create("lock", locker, NULL, MAIN_PRIO, i % n);
	for (unsigned i = 0; i < LOCKERS; i++)
		thread_join(t[i], NULL);
	CHECK(counter == LOCKERS * LOCKS);
	return 0;
}

static void test_mutex(void **state)
{
	(void)state;
	run_sched(4, mutex_body, (void *)4);
}

/* --- the quantum --- */

/* ticks by hand (interrupts off, as from the timer): is a switch due? */
static bool tick_asks_switch(void)
{
	arch_irqflags_t f = arch_irq_save();
	bool due;

	sched_timer_tick();
	due = sched_cpus[arch_cpu_id()].need_resched != 0;
	arch_irq_restore(f);
	return due;
}

/* Every decision starts a full turn: one that picks the running thread again (a yield with
 * nothing else runnable), and one followed at once by a tick (a thread switched in just before
 * it). A tick ends the turn only when its quantum is (within half a tick) used up. */
static uintptr_t quantum_body(void *arg)
{
	uint64_t start, quantum = arch_cycles_per_sec() / 1000 * SCHED_QUANTUM_MS;

	(void)arg;
	for (int round = 0; round < 3; round++) {
		thread_yield();			/* picks this thread again */
		start = arch_cycles();
		CHECK(!tick_asks_switch());	/* the turn has just begun */
		while (arch_cycles() - start < quantum)
			;
		CHECK(tick_asks_switch());	/* a quantum later it is over */
	}
	return 0;
}

static void test_quantum_per_decision(void **state)
{
	(void)state;
	run_sched(1, quantum_body, NULL);
}

/* --- the stack guard --- */

static unsigned sibling_done;	/* atomic */

/* Recurse, yielding at every level, until the scheduler stops the thread at a switch point. */
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

static uintptr_t sibling_fn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++)
		thread_yield();
	__atomic_store_n(&sibling_done, 1, __ATOMIC_SEQ_CST);
	return 42;
}

static uintptr_t guard_body(void *arg)
{
	struct thread *o = thread_create("overflow", overflow_fn, NULL, MAIN_PRIO, 0);
	struct thread *s = thread_create("sibling", sibling_fn, NULL, MAIN_PRIO, 0);
	uintptr_t v = 1;

	(void)arg;
	CHECK(thread_join_status(o, &v, NULL) == THREAD_ERR_STACK);
	CHECK(v == 0);
	CHECK(thread_join(s, NULL) == 42);
	CHECK(__atomic_load_n(&sibling_done, __ATOMIC_SEQ_CST));
	return 0;
}

/* An overflow is stopped as an error of its thread; the others and the kernel go on. */
static void test_stack_overflow_stops_thread(void **state)
{
	(void)state;
	host_console_clear();
	run_sched(1, guard_body, NULL);
	assert_non_null(strstr(host_console_text(),
			       "thread overflow on cpu 0: stack overflow (guard region entered)"));
}

static uintptr_t smash(void *arg)
{
	(void)arg;
	((uintptr_t *)thread_self()->stack)[0] = 0;	/* one frame jumped the whole guard */
	return 0;
}

/* Past the guard, memory below may be damaged: that is a panic naming the thread. */
static void test_stack_guard_run_through(void **state)
{
	struct run r = { .ncpus = 1, .body = smash, .catch_panic = 1 };

	(void)state;
	host_console_clear();
	host_run_cpus(1, cpu_fn, &r);
	host_panic_reset();
	assert_true(r.panicked);
	assert_non_null(strstr(host_console_text(), "thread main: stack overflow ran through"));
	stack_free(__atomic_load_n(&last_stack, __ATOMIC_SEQ_CST), SCHED_STACK_SIZE);
	assert_int_equal(stacks_live, 0);
}

/* --- sleep --- */

#define SLEEPERS	16

static uintptr_t sleeper_fn(void *arg)
{
	unsigned ms = (unsigned)(uintptr_t)arg;
	uint64_t t0 = arch_cycles(), want = (uint64_t)ms * (arch_cycles_per_sec() / 1000);

	thread_sleep_ms(ms);
	CHECK(arch_cycles() - t0 >= want);
	return arch_cycles() - t0;
}

/* Sleepers on every CPU, deadlines 1..16 ms apart, all wake after their deadline; a busy thread
 * keeps running meanwhile (sleeping costs its CPU nothing). */
static uintptr_t sleep_body(void *arg)
{
	unsigned ncpus = (unsigned)(uintptr_t)arg;
	struct thread *t[SLEEPERS];

	for (unsigned i = 0; i < SLEEPERS; i++) {
		t[i] = thread_create("sleeper", sleeper_fn, (void *)(uintptr_t)(SLEEPERS - i),
				     MAIN_PRIO, i % ncpus);
		CHECK(t[i] != NULL);
	}
	for (unsigned i = 0; i < SLEEPERS; i++)
		thread_join(t[i], NULL);
	return 0;
}

static void test_sleep(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 4; n *= 2)
		run_sched(n, sleep_body, (void *)(uintptr_t)n);
}

/* --- waits with a deadline (waitq_sleep_until_locked): wake-ups race with the deadlines --- */

#define TIMED_WAITERS	3	/* per CPU */
#define TIMED_ITERS	1500

static struct waitq twq;
static unsigned tw_gen;		/* under twq.lock: bumped by each wake-up */
static int tw_stop;		/* atomic */

static uintptr_t timed_waiter(void *arg)
{
	uint32_t rnd = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
	unsigned woken = 0, timed_out = 0;

	for (unsigned i = 0; i < TIMED_ITERS; i++) {
		uint64_t deadline;
		arch_irqflags_t f;
		unsigned seen;

		rnd = rnd * 1103515245u + 12345u;
		/* 0..400 us, or already past */
		deadline = arch_cycles() + (rnd >> 8) % 400 * (arch_cycles_per_sec() / 1000000);
		f = spin_lock_irqsave(&twq.lock);
		seen = tw_gen;
		while (tw_gen == seen && arch_cycles() < deadline)
			waitq_sleep_until_locked(&twq, deadline);
		if (tw_gen != seen) {
			woken++;
		} else {
			CHECK(arch_cycles() >= deadline);
			timed_out++;
		}
		spin_unlock_irqrestore(&twq.lock, f);
	}
	thread_sleep_ms(1);	/* the timer queue still works: nothing stale left in it */
	return woken > 0 && timed_out > 0;
}

static uintptr_t timed_waker(void *arg)
{
	uint32_t rnd = 77;

	(void)arg;
	while (!__atomic_load_n(&tw_stop, __ATOMIC_SEQ_CST)) {
		arch_irqflags_t f = spin_lock_irqsave(&twq.lock);

		tw_gen++;
		rnd = rnd * 1103515245u + 12345u;
		if (rnd & 0x100)
			waitq_wake_all_locked(&twq);
		else
			waitq_wake_one_locked(&twq);
		spin_unlock_irqrestore(&twq.lock, f);
		/* a sleep, not a spin: the harness has no tick, so deadlines expire when a CPU
		 * idles (sched_run), as the waker's own sleep does */
		thread_sleep_cycles((rnd >> 12) % 300 * (arch_cycles_per_sec() / 1000000));
	}
	return 0;
}

static uintptr_t timed_body(void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg, nt = 0;
	struct thread *t[TIMED_WAITERS * NCPU], *w;

	waitq_init(&twq, "timed");
	__atomic_store_n(&tw_stop, 0, __ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < n; c++)
		for (unsigned k = 0; k < TIMED_WAITERS; k++, nt++)
			t[nt] = thread_create("timed", timed_waiter, (void *)(uintptr_t)(nt + 1),
					      MAIN_PRIO, c);
	w = thread_create("waker", timed_waker, NULL, MAIN_PRIO, n - 1);
	for (unsigned i = 0; i < nt; i++)
		CHECK(thread_join(t[i], NULL) == 1);
	__atomic_store_n(&tw_stop, 1, __ATOMIC_SEQ_CST);
	thread_join(w, NULL);
	return 0;
}

static void test_timed_wait(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 4; n *= 2)
		run_sched(n, timed_body, (void *)(uintptr_t)n);
}

/* --- an idle CPU takes work from a busy one --- */

#define SPREAD	16

static unsigned spread_cpus[SPREAD];	/* bit per CPU each thread ran on; atomic */
static bool spread_moved;		/* some thread ran away from its first CPU; atomic */

/* 3000 yields, and then more until some thread has moved or half a second has passed: with a
 * cheap context switch 16 threads' 3000 yields could end before an idle CPU looked for work
 * (its idle wait is 1 ms on the host), and the test failed one run in three. */
static uintptr_t spread_fn(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg, home = thread_self()->cpu;
	uint64_t end = arch_cycles() + 500000000u;	/* host: 1 cycle = 1 ns */

	for (int k = 0; k < 3000 || (!__atomic_load_n(&spread_moved, __ATOMIC_SEQ_CST) &&
				     arch_cycles() < end); k++) {
		arch_irqflags_t f = arch_irq_save();

		__atomic_or_fetch(&spread_cpus[i], 1u << arch_cpu_id(), __ATOMIC_SEQ_CST);
		if (arch_cpu_id() != home)
			__atomic_store_n(&spread_moved, true, __ATOMIC_SEQ_CST);
		arch_irq_restore(f);
		thread_yield();
	}
	return thread_self()->cpu != home || thread_self()->migrations;
}

struct spread_arg {
	unsigned placement, moved;
};

static uintptr_t spread_body(void *arg)
{
	struct spread_arg *a = arg;
	struct thread *t[SPREAD];

	__atomic_store_n(&spread_moved, false, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < SPREAD; i++) {
		__atomic_store_n(&spread_cpus[i], 0, __ATOMIC_SEQ_CST);
		t[i] = thread_create_placed("spread", spread_fn, (void *)(uintptr_t)i, MAIN_PRIO,
					    0, a->placement);
	}
	a->moved = 0;
	for (unsigned i = 0; i < SPREAD; i++) {
		unsigned cpus = __atomic_load_n(&spread_cpus[i], __ATOMIC_SEQ_CST);

		thread_join(t[i], NULL);
		cpus = __atomic_load_n(&spread_cpus[i], __ATOMIC_SEQ_CST);
		if (cpus != 1u)
			a->moved++;
		if (a->placement != THREAD_MOVABLE)	/* ran on one CPU only, its first */
			CHECK(__builtin_popcount(cpus) == 1);
	}
	return 0;
}

static void test_load_spreads(void **state)
{
	struct spread_arg a;

	(void)state;
	a.placement = THREAD_MOVABLE;
	run_sched(4, spread_body, &a);
	print_message("spread: %u of %d movable threads started on cpu 0 ran elsewhere\n",
		      a.moved, SPREAD);
	assert_true(a.moved > 0);
	a.placement = THREAD_PINNED;
	run_sched(4, spread_body, &a);
	assert_int_equal(a.moved, 0);
	a.placement = THREAD_MOVABLE_UNSTARTED;
	run_sched(4, spread_body, &a);
}

/* --- services and the listing --- */

static struct waitq hold;
static int released;	/* under hold.lock */

static uintptr_t held_fn(void *arg)
{
	arch_irqflags_t f = spin_lock_irqsave(&hold.lock);

	while (!released)
		waitq_sleep_locked(&hold);
	spin_unlock_irqrestore(&hold.lock, f);
	return (uintptr_t)arg;
}

static uintptr_t list_body(void *arg)
{
	struct thread_info info[16];
	struct thread *svc, *other;
	unsigned n, seen = 0;
	arch_irqflags_t f;

	(void)arg;
	waitq_init(&hold, "hold");
	released = 0;
	svc = sched_service_start("repl", held_fn, (void *)7, 5, 1);
	CHECK(svc != NULL);
	CHECK(sched_service_start("repl", held_fn, NULL, 5, 0) == NULL);	/* name taken */
	CHECK(sched_service_find("repl") == svc);
	CHECK(sched_service_find("nosuch") == NULL);
	other = thread_create("worker", held_fn, (void *)8, 20, 0);
	while (arch_atomic_load(&svc->state) != THREAD_BLOCKED ||
	       arch_atomic_load(&other->state) != THREAD_BLOCKED)
		thread_yield();
	n = thread_list(info, 16);
	CHECK(n == 3);		/* main, repl, worker */
	for (unsigned i = 0; i < n && i < 16; i++) {
		if (!strcmp(info[i].name, "repl")) {
			seen |= 1;
			CHECK(info[i].cpu == 1 && info[i].prio == 5 && info[i].service);
			CHECK(info[i].placement == THREAD_PINNED);
			CHECK(!strcmp(info[i].state, "blocked"));
		} else if (!strcmp(info[i].name, "worker")) {
			seen |= 2;
			CHECK(info[i].cpu == 0 && info[i].prio == 20 && !info[i].service);
		} else if (!strcmp(info[i].name, "main")) {
			seen |= 4;
			CHECK(!strcmp(info[i].state, "running") && info[i].cycles > 0);
		}
	}
	CHECK(seen == 7);
	thread_list_print();
	f = spin_lock_irqsave(&hold.lock);
	released = 1;
	waitq_wake_all_locked(&hold);
	spin_unlock_irqrestore(&hold.lock, f);
	CHECK(thread_join(svc, NULL) == 7);
	CHECK(thread_join(other, NULL) == 8);
	CHECK(sched_service_find("repl") == NULL);	/* gone with its thread */
	return 0;
}

static void test_services_and_listing(void **state)
{
	(void)state;
	host_console_clear();
	run_sched(2, list_body, NULL);
	assert_non_null(strstr(host_console_text(), "repl"));
	assert_non_null(strstr(host_console_text(), "service"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yield_round_robin),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_quantum_per_decision),
		cmocka_unit_test(test_preempt_point),
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_waitq_stress),
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_mutex),
		cmocka_unit_test(test_stack_overflow_stops_thread),
		cmocka_unit_test(test_stack_guard_run_through),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_timed_wait),
		cmocka_unit_test(test_load_spreads),
		cmocka_unit_test(test_services_and_listing),
	};

	alarm(600);	/* a lost wake-up hangs: fail instead */
	sched_set_stack_allocator(stack_alloc, stack_free);
	if (getenv("TEST_FILTER"))	/* one test by name, while chasing a failure */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
