/* test_spinlock.c -- ticket spinlocks and cross-calls with CPUs as threads: mutual exclusion
 * under contention, FIFO hand-over, trylock, the debug build's recursion check, and every CPU
 * calling every other at once. Runs under ASan/UBSan and TSan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch.h>
#include <host.h>
#include <kernel/kernel.h>
#include <smp/spinlock.h>
#include <smp/xcall.h>

#define ITERS 20000

static struct spinlock lock = SPINLOCK_INIT("test");
static unsigned long counter;	/* guarded by lock, deliberately not atomic */

static void contend(unsigned cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		spin_lock(&lock);
		counter = counter + 1;
		spin_unlock(&lock);
	}
}

static void test_contention(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 8; n *= 2) {
		counter = 0;
		host_run_cpus(n, contend, NULL);
		assert_int_equal(counter, (unsigned long)n * ITERS);
		assert_false(spin_is_locked(&lock));
	}
}

/* interrupts off: the halting slow path must not be taken, spinning alone must still work */
static void contend_irqsave(unsigned cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	for (int i = 0; i < ITERS / 4; i++) {
		arch_irqflags_t f = spin_lock_irqsave(&lock);
		counter = counter + 1;
		spin_unlock_irqrestore(&lock, f);
	}
}

static void test_contention_irqsave(void **state)
{
	(void)state;
	counter = 0;
	host_run_cpus(4, contend_irqsave, NULL);
	assert_int_equal(counter, 4ul * (ITERS / 4));
}

/* FIFO: with the lock held, arrivals are served in ticket order */
static unsigned order[8], norder;

static void take_in_turn(unsigned cpu, void *arg)
{
	(void)arg;
	if (cpu == 0) {
		spin_lock(&lock);
		/* let the others queue up in cpu order: cpu k takes ticket serving + k */
		while (__atomic_load_n(&lock.next, __ATOMIC_ACQUIRE) !=
		       __atomic_load_n(&lock.serving, __ATOMIC_ACQUIRE) + 5)
			arch_cpu_relax();
		spin_unlock(&lock);
		return;
	}
	while (__atomic_load_n(&lock.next, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&lock.serving, __ATOMIC_ACQUIRE) + cpu)
		arch_cpu_relax();
	spin_lock(&lock);
	order[norder++] = cpu;
	spin_unlock(&lock);
}

static void test_fifo(void **state)
{
	(void)state;
	norder = 0;
	host_run_cpus(5, take_in_turn, NULL);
	assert_int_equal(norder, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(order[i], i + 1);
}

static void test_trylock(void **state)
{
	(void)state;
	assert_true(spin_trylock(&lock));
	assert_true(spin_is_locked(&lock));
	spin_unlock(&lock);
	assert_false(spin_is_locked(&lock));
	spin_lock(&lock);
	spin_unlock(&lock);
	assert_true(spin_trylock(&lock));
	spin_unlock(&lock);
}

static void test_recursion_panics(void **state)
{
	static struct spinlock l = SPINLOCK_INIT("recursive");
	jmp_buf jb;
	int code;

	(void)state;
	host_console_clear();
	host_exit_jmp = &jb;
	if ((code = setjmp(jb)) == 0) {
		spin_lock(&l);
		spin_lock(&l);
		fail_msg("recursive acquire was not caught");
	}
	host_exit_jmp = NULL;
	host_panic_reset();
	arch_irq_enable();
	assert_int_equal(code, 1000 - 1);	/* arch_exit(-1): the panic status */
	assert_non_null(strstr(host_console_text(), "spinlock recursive: recursive acquire on cpu 0"));
	assert_non_null(strstr(host_console_text(), "backtrace:"));
}

/* a CPU that spins past the limit panics, naming the holder */
static void test_overlong_spin_panics(void **state)
{
	static struct spinlock l = SPINLOCK_INIT("stuck");
	jmp_buf jb;
	int code;

	(void)state;
	host_console_clear();
	spin_limit_sec = 1;
	host_cpu_enter(1, 2);		/* this thread takes the lock as cpu 1 ... */
	spin_lock(&l);
	host_cpu_enter(0, 2);		/* ... then waits for it as cpu 0, interrupts off */
	host_exit_jmp = &jb;
	if ((code = setjmp(jb)) == 0) {
		arch_irqflags_t f = spin_lock_irqsave(&l);
		(void)f;
		fail_msg("a spin past the limit was not caught");
	}
	host_exit_jmp = NULL;
	host_panic_reset();
	host_cpu_enter(0, 1);
	spin_limit_sec = SPIN_LIMIT_SEC;
	assert_int_equal(code, 1000 - 1);
	assert_non_null(strstr(host_console_text(),
			       "spinlock stuck: cpu 0 spun over 1 s; held by cpu 1"));
}

/* every CPU calls every other, many rounds, all at once */
#define ROUNDS 300
static unsigned answered[8][8];
static unsigned wrong_cpu;
static unsigned finished;

static struct req {
	unsigned caller, target;
} reqs[8][8];

static void answer(void *arg)
{
	struct req *r = arg;

	if (arch_cpu_id() != r->target)
		__atomic_add_fetch(&wrong_cpu, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&answered[r->caller][arch_cpu_id()], 1, __ATOMIC_RELAXED);
}

static void call_everyone(unsigned cpu, void *arg)
{
	unsigned n = arch_ncpus();

	(void)arg;
	for (int round = 0; round < ROUNDS; round++)
		for (unsigned k = 1; k < n; k++) {
			/* odd rounds: one call that waits; even rounds: one that does not, then one
			 * that waits (the request lives in a static table, outliving both) */
			struct req *r = &reqs[cpu][(cpu + k) % n];

			if (!(round & 1))
				smp_call(r->target, answer, r, 0);
			smp_call(r->target, answer, r, 1);
		}
	/* stay answering until everyone is done */
	__atomic_add_fetch(&finished, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) < n)
		arch_cpu_relax();
	smp_xcall_poll();
}

static void test_xcall_all_to_all(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= 8; n *= 2) {
		memset(answered, 0, sizeof(answered));
		finished = 0;
		for (unsigned c = 0; c < n; c++)
			for (unsigned t = 0; t < n; t++)
				reqs[c][t] = (struct req){ c, t };
		host_run_cpus(n, call_everyone, NULL);
		for (unsigned c = 0; c < n; c++)
			for (unsigned t = 0; t < n; t++) {
				unsigned want = c == t ? 0 : ROUNDS / 2 + 2 * (ROUNDS / 2);
				assert_int_equal(answered[c][t], want);
			}
		assert_int_equal(wrong_cpu, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contention),
		cmocka_unit_test(test_contention_irqsave),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_recursion_panics),
		cmocka_unit_test(test_overlong_spin_panics),
		cmocka_unit_test(test_xcall_all_to_all),
	};

	host_cpu_enter(0, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
