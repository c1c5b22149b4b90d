/* kbench.c -- micro-benchmarks in cycles, run by `make bench` (scripts/bench.sh) in the kernel
 * with boot option test=bench (ktest.c) and on the hosted build with --bench-micro (lisp_main.c,
 * the host_ rows): yield, spawn+join, channel ping-pong on one CPU and across CPUs, pair
 * allocation, a Scheme call of a system call. Each prints "BENCH op cycles" (the hosted
 * build's cycles are nanoseconds); the script turns them into build/bench/micro.csv. */
#include <arch.h>
#include <lisp/lisp.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/heaps/heap.h>
#include <sched/channel.h>
#include <sched/thread.h>

#include "cpu.h"
#include "kbench.h"
#include "kernel.h"

#define YIELDS		20000
#define SPAWNS		2000
#define PINGS		20000
#define PAIRS		2000000
#define CALLS		200000

/* cycles per operation, with three decimals (the hosted build's nanoseconds are coarse) */
static void report(const char *op, uint64_t cycles, unsigned long n)
{
	uint64_t milli = cycles * 1000 / n;

	kprintf("BENCH %s %llu.%03u\n", op, (unsigned long long)(milli / 1000),
		(unsigned)(milli % 1000));
}

static uintptr_t yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < YIELDS; i++)
		thread_yield();
	return 0;
}

static uintptr_t nothing(void *arg)
{
	return (uintptr_t)arg;
}

static const struct kbench_env *env;

static struct chan ping, pong;

static uintptr_t echo(void *arg)
{
	for (unsigned long i = 0; i < (uintptr_t)arg; i++)
		chan_send(&pong, chan_recv(&ping));
	return 0;
}

static uint64_t pingpong(unsigned cpu, unsigned long n)
{
	struct thread *t = thread_create("echo", echo, (void *)n, 15, cpu);
	uint64_t t0;

	if (!t)
		env->finish(0, "no memory for a thread");
	chan_send(&ping, 0);	/* one round to start the echo thread */
	chan_recv(&pong);
	t0 = arch_cycles();
	for (unsigned long i = 1; i < n; i++) {
		chan_send(&ping, i);
		chan_recv(&pong);
	}
	t0 = arch_cycles() - t0;
	thread_join(t, NULL);
	return t0 / (n - 1);
}

static uint64_t alloc_pairs(void)
{
	static struct heap h;
	struct heap_config cfg = { .src = env->blocks, .cpu = arch_cpu_id() };
	obj list = OBJ_NIL;
	uint64_t t0;

	if (heap_init(&h, &cfg) < 0)
		env->finish(0, "no memory for a heap");
	GC_ROOT(&h, list);
	t0 = arch_cycles();
	for (unsigned long i = 0; i < PAIRS; i++) {
		/* keep a short list alive, so collections copy something */
		list = heap_cons(&h, obj_fixnum((intptr_t)(i & 0xffff)), i % 64 ? list : OBJ_NIL);
		if (list == OBJ_NULL)
			env->finish(0, "heap exhausted");
	}
	t0 = arch_cycles() - t0;
	GC_UNROOT(&h, list);
	heap_destroy(&h);
	return t0;
}

static void discard(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static uint64_t eval_cycles(struct lisp *L, const char *src)
{
	uint64_t t0 = arch_cycles();

	if (lisp_eval_string(L, src, strlen(src)) != 0)
		env->finish(0, "the Scheme benchmark failed");
	return arch_cycles() - t0;
}

/* (cpu-id) from Scheme: a loop calling it, less the same loop without the call. */
static uint64_t scheme_call(void)
{
	static struct lisp L;
	static struct gc_rootstack rs;
	static const char defs[] =
		"(define (with n) (if (= n 0) 0 (begin (cpu-id) (with (- n 1)))))"
		"(define (without n) (if (= n 0) 0 (without (- n 1))))";
	struct heap *h;
	uint64_t with, without;

	sched_preempt_disable();	/* the interpreter's rule: threads of a CPU share its heap */
	h = cpu_heap_here();
	cpu_heap_enter(h, &rs);
	struct lisp_config cfg = { .heap = h, .write = discard };
	if (lisp_init(&L, &cfg) < 0)
		env->finish(0, "no memory for an interpreter");
	eval_cycles(&L, defs);
	eval_cycles(&L, "(with 1000) (without 1000)");	/* warm */
	with = eval_cycles(&L, "(with 200000)");
	without = eval_cycles(&L, "(without 200000)");
	lisp_destroy(&L);
	cpu_heap_leave(h, &rs);
	sched_preempt_enable();
	return with > without ? (with - without) / CALLS : 0;
}

uintptr_t kbench_main(void *arg)
{
	struct thread *a, *b;
	uint64_t t0;

	env = arg;
	/* yield: two threads on this CPU take turns; each yield is one switch */
	a = thread_create("y1", yielder, NULL, 15, 0);
	b = thread_create("y2", yielder, NULL, 15, 0);
	t0 = arch_cycles();
	thread_join(a, NULL);
	thread_join(b, NULL);
	report("yield", arch_cycles() - t0, 2 * YIELDS);	/* this thread's few turns included */

	t0 = arch_cycles();
	for (int i = 0; i < SPAWNS; i++)
		thread_join(thread_create("s", nothing, NULL, 15, 0), NULL);
	report("spawn_join", arch_cycles() - t0, SPAWNS);

	chan_init(&ping, "ping", env->node_alloc, env->node_free);
	chan_init(&pong, "pong", env->node_alloc, env->node_free);
	report("channel_pingpong_same_cpu", pingpong(0, PINGS), 1);
	if (arch_ncpus() > 1)
		report("channel_pingpong_cross_cpu", pingpong(1, PINGS / 4), 1);
	report("alloc_pair", alloc_pairs(), PAIRS);
	report("call", scheme_call(), 1);
	kprintf("BENCH cycles_per_us %llu\n", (unsigned long long)(arch_cycles_per_sec() / 1000000));
	env->finish(1, NULL);
}
