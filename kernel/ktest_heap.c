/* ktest_heap.c -- test=heaps: every CPU churns its own heap at the same time (one pinned thread
 * per CPU, preemption disabled, as the interpreter will run): lists are built, kept in a rooted
 * vector, overwritten and checked; each CPU collects alone. Prints per-CPU collection counts
 * and pause percentiles; fails on a wrong list, an allocation failure or a broken invariant. */
#include <arch.h>
#include <mm/gc/barrier.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <sched/thread.h>

#include "cpu.h"
#include "kernel.h"
#include "ktest.h"

#define SLOTS	64	/* ~1/8 of a nursery's lists survive a collection */
#define LEN	50
#define ROUNDS	20000

static int bad[NCPU];

static int list_ok(obj l)
{
	intptr_t first;

	if (!obj_pair_p(l))
		return 0;
	first = obj_fixnum_value(obj_car(l));
	for (intptr_t k = 0; k < LEN; k++, l = obj_cdr(l))
		if (!obj_pair_p(l) || obj_car(l) != obj_fixnum(first + k))
			return 0;
	return l == OBJ_NIL;
}

static uintptr_t churn(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	struct heap *h = &cpus[cpu].heap;
	obj live, l = OBJ_NIL;

	sched_preempt_disable();
	kassert(thread_self()->cpu == cpu);
	live = heap_make_vector(h, SLOTS, OBJ_FALSE);
	if (live == OBJ_NULL)
		return bad[cpu] = 1;
	GC_ROOT(h, live);
	GC_ROOT(h, l);
	for (intptr_t i = 0; i < ROUNDS && !bad[cpu]; i++) {
		l = OBJ_NIL;
		for (intptr_t k = LEN - 1; k >= 0; k--)
			if ((l = heap_cons(h, obj_fixnum((i * 7 + k) & 0xffffff), l)) == OBJ_NULL)
				bad[cpu] = 2;
		if (bad[cpu])
			break;
		gc_vector_set(h, live, (size_t)i % SLOTS, l);
		if (i % 2000 == 1999)
			for (size_t s = 0; s < SLOTS; s++)
				if (!list_ok(obj_vector_ref(live, s)) && obj_vector_ref(live, s) != OBJ_FALSE)
					bad[cpu] = 3;
		if (i % 500 == 0)
			sched_preempt_point();	/* a safe point: every object held is rooted */
	}
	if (!bad[cpu] && gc_verify(h) != 0)
		bad[cpu] = 4;
	GC_UNROOT(h, l);
	GC_UNROOT(h, live);
	sched_preempt_enable();
	return bad[cpu];
}

uintptr_t ktest_heaps_main(void *arg)
{
	struct thread *t[NCPU];
	unsigned n = arch_ncpus();
	uint64_t cpus_us = arch_cycles_per_sec() / 1000000;

	(void)arg;
	for (unsigned c = 0; c < n; c++)
		if (!(t[c] = thread_create("churn", churn, (void *)(uintptr_t)c, 15, c)))
			ktest_finish(0, "no memory for a thread");
	for (unsigned c = 0; c < n; c++) {
		const struct gc_stats *s = &cpus[c].heap.stats;
		uintptr_t r = thread_join(t[c], NULL);

		kprintf("KTEST heap cpu %u: %llu minor, %llu major cycles; minor pause p50 %llu "
			"p99 %llu max %llu us; %llu MB allocated; result %u\n", c,
			(unsigned long long)s->minor_collections,
			(unsigned long long)s->major_cycles,
			(unsigned long long)(gc_pause_percentile(s, 50) / cpus_us),
			(unsigned long long)(gc_pause_percentile(s, 99) / cpus_us),
			(unsigned long long)(s->pause_max / cpus_us),
			(unsigned long long)(s->bytes_allocated >> 20), (unsigned)r);
		if (r == 2)
			ktest_finish(0, "a heap ran out of memory");
		if (r == 3)
			ktest_finish(0, "a list kept in a heap came back wrong");
		if (r)
			ktest_finish(0, "a heap's invariants are broken");
		if (s->minor_collections == 0)
			ktest_finish(0, "a heap never collected");
	}
	kprintf("KTEST heaps: %u CPUs collected their own heaps at once, every list intact\n", n);
	ktest_finish(1, NULL);
}
