/* test_threads.c -- Scheme threads and channels across hosted CPUs (lisp/threads.c on
 * mm/gc/xheap.h): every CPU runs the scheduler and owns a heap in the world; a main thread on
 * CPU 0 runs Scheme that spawns on every CPU, joins values, passes freshly made lists over
 * channels both ways, defines globals from other CPUs and re-raises a thread's error; the
 * output is compared, the world verified (counts recounted) after the run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch.h>
#include <host.h>
#include <kernel/cpu.h>
#include <kernel/kernel.h>
#include <lisp/lisp.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/gc/xheap.h>
#include <sched/thread.h>

#include "capture.h"

static void *stack_alloc(size_t size, size_t align) { return aligned_alloc(align, size); }
static void stack_free(void *p, size_t size) { (void)size; free(p); }
static void *blk_alloc(void *ctx, size_t size) { (void)ctx; return aligned_alloc(HEAP_GROUP_SIZE, size); }
static void blk_free(void *ctx, void *p, size_t size) { (void)ctx; (void)size; free(p); }

struct run {
	unsigned ncpus;
	const char *program;
	unsigned ready;		/* atomic */
	int status;
	struct thread *main_thread;
};

static uintptr_t main_fn(void *p)
{
	struct run *r = p;
	struct heap *h = &cpus[0].heap;
	static struct gc_rootstack rs;
	static struct lisp L;
	/* C stack for the reader and compiler: most of the thread's 32 KiB (ASan frames are big) */
	struct lisp_config cfg = { .heap = h, .write = capture, .safepoint = cpu_lisp_safepoint,
				   .cstack_bytes = 24 * 1024 };

	sched_preempt_disable();
	cpu_heap_enter(h, &rs);
	if (lisp_init(&L, &cfg) < 0)
		r->status = -1;
	else
		r->status = lisp_eval_string(&L, r->program, strlen(r->program));
	lisp_destroy(&L);
	cpu_heap_leave(h, &rs);
	sched_preempt_enable();
	sched_stop();
	return 0;
}

static void cpu_fn(unsigned cpu, void *p)
{
	struct run *r = p;
	struct heap_config hc = { .src = { blk_alloc, blk_free, NULL }, .cpu = cpu };

	if (heap_init(&cpus[cpu].heap, &hc) != 0)
		abort();
	gc_world_attach(&cpus[cpu].heap);
	sched_init_cpu(cpu);
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->ready, __ATOMIC_SEQ_CST) < r->ncpus)
		arch_cpu_relax();
	if (cpu == 0)
		r->main_thread = thread_create("main", main_fn, r, 10, 0);
	sched_run();
	if (cpu == 0)
		thread_join(r->main_thread, NULL);
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_SEQ_CST);	/* everyone stopped running Scheme */
	while (__atomic_load_n(&r->ready, __ATOMIC_SEQ_CST) < 2 * r->ncpus)
		arch_cpu_relax();
}

static void run(unsigned ncpus, const char *program, const char *expect)
{
	struct run r = { .ncpus = ncpus, .program = program };

	outlen = 0;
	out[0] = '\0';
	sched_set_stack_allocator(stack_alloc, stack_free);
	sched_set_switch_hook(cpu_switch_roots);
	sched_set_idle_hook(cpu_idle_safepoint);
	host_run_cpus(ncpus, cpu_fn, &r);
	printf("%s", out);
	gc_global_finish_all();	/* (gc 'full) returns before the other CPUs have swept */
	int verified = gc_verify_world();

	for (unsigned c = 0; c < ncpus; c++)
		gc_world_detach(&cpus[c].heap);
	for (unsigned c = 0; c < ncpus; c++)
		heap_destroy(&cpus[c].heap);
	assert_int_equal(verified, 0);
	assert_string_equal(out, expect);
	assert_int_equal(r.status, 0);
}

static const char program[] =
	"(define (iota-list n) (let loop ((i n) (acc '())) (if (= i 0) acc (loop (- i 1) (cons i acc)))))\n"
	"(define (sum l) (if (null? l) 0 (+ (car l) (sum (cdr l)))))\n"
	"(define cpus (iota-list (ncpus)))\n"
	/* spawn on every CPU; each sends a fresh list from its own heap and returns a value */
	"(define ch (make-channel))\n"
	"(define ts (map (lambda (c) (spawn (lambda () (channel-send ch (cons (cpu-id) (iota-list 100)))"
	"                                     (* c 10)) (- c 1))) cpus))\n"
	"(display (map thread-join ts)) (newline)\n"
	"(define got (map (lambda (c) (channel-receive ch)) cpus))\n"
	"(display (apply + (map (lambda (m) (sum (cdr m))) got))) (newline)\n"
	"(display (length got)) (newline)\n"
	/* a worker on another CPU receives lists made here and answers with their sums */
	"(define req (make-channel)) (define rep (make-channel))\n"
	"(define w (spawn (lambda () (let loop ((n 0)) (let ((m (channel-receive req)))"
	"   (if (eq? m 'stop) n (begin (channel-send rep (sum m)) (loop (+ n 1))))))) (- (ncpus) 1)))\n"
	"(define (ask k) (channel-send req (iota-list k)) (channel-receive rep))\n"
	"(display (let loop ((k 1) (acc 0)) (if (> k 300) acc (loop (+ k 1) (+ acc (ask k)))))) (newline)\n"
	"(channel-send req 'stop)\n"
	"(display (thread-join w)) (newline)\n"
	/* globals defined and mutated from other CPUs */
	"(define counter (vector 0))\n"
	"(define last-cpu #f)\n"
	"(for-each (lambda (c) (thread-join (spawn (lambda () (set! last-cpu (cpu-id))"
	"   (vector-set! counter 0 (list c (vector-ref counter 0)))) (- c 1)))) cpus)\n"
	"(display (length (let flat ((x (vector-ref counter 0))) (if (pair? x) (cons (car x) (flat (cadr x))) '()))))"
	" (newline)\n"
	/* an error in a thread comes back at the join */
	"(display (guard (e ((error-object? e) (error-object-message e)))"
	"  (thread-join (spawn (lambda () (error \"boom in a thread\" 1 2)) 0)))) (newline)\n"
	"(gc 'full)\n"
	"(display 'done) (newline)\n";

static char expected[256];

static void expect_for(unsigned n)
{
	/* (10 20 ...), n * 5050, n, sum of k(k+1)/2 for k = 1..300, 300, n, message, done */
	size_t len = 0;

	len += (size_t)snprintf(expected + len, sizeof(expected) - len, "(");
	for (unsigned c = 1; c <= n; c++)
		len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%u", c > 1 ? " " : "", c * 10);
	unsigned long tri = 0;

	for (unsigned long k = 1; k <= 300; k++)
		tri += k * (k + 1) / 2;
	snprintf(expected + len, sizeof(expected) - len, ")\n%u\n%u\n%lu\n300\n%u\nboom in a thread\ndone\n",
		 n * 5050, n, tri, n);
}

static void test_threads_1(void **state) { (void)state; expect_for(1); run(1, program, expected); }
static void test_threads_2(void **state) { (void)state; expect_for(2); run(2, program, expected); }
static void test_threads_4(void **state) { (void)state; expect_for(4); run(4, program, expected); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_1),
		cmocka_unit_test(test_threads_2),
		cmocka_unit_test(test_threads_4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
