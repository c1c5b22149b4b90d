/* kbench.h -- the micro-benchmarks (kbench.c), run in the kernel (test=bench) and on the
 * hosted build (--bench-micro): what each embedder supplies. */
#ifndef KERNEL_KBENCH_H
#define KERNEL_KBENCH_H

#include <mm/heaps/heap.h>

struct kbench_env {
	void *(*node_alloc)(size_t size);	/* channel nodes */
	void (*node_free)(void *p, size_t size);
	struct heap_block_source blocks;	/* alloc_pair's own heap */
	__attribute__((noreturn)) void (*finish)(int ok, const char *why);	/* ends the run */
};

/* A thread's body, on CPU 0 with CPU 1 online for the cross-CPU ping-pong: prints the
 * "BENCH op cycles" lines, then env->finish(1, NULL). arg: a struct kbench_env. */
uintptr_t kbench_main(void *arg);

#endif
