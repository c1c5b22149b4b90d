/* test_stw.c -- the global (stop-the-world) collection mode (mm/gc/stw.h): several heaps, each
 * driven by its own CPU thread and attached to the world. One CPU fills its nursery again and
 * again while the others only pass safe points or sit parked: every stop collects every running
 * heap, records one pause per stopped CPU, runs whole major cycles inside the pause (a parked
 * CPU's roots are scanned for it), and keeps every list intact. Then a randomized stress on 2
 * and 4 heaps (lists shared across heaps, references held only in roots, CPUs parking and
 * unparking, everyone requesting a stop at once), with a printed seed (STW_SEED=n replays it)
 * and gc_verify_world at the end. */
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
#include <kernel/kernel.h>
#include <mm/gc/barrier.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/gc/stw.h>
#include <mm/gc/xheap.h>
#include <mm/heaps/heap.h>

#define NHEAPS	4

#include "xheap_fixture.h"

static struct heap heaps[NHEAPS];
static struct source sources[NHEAPS];
static unsigned long base_requests[NHEAPS], base_stops[NHEAPS];	/* the counters are global */

static void heaps_up(unsigned n, size_t nursery)
{
	gc_set_mode(GC_MODE_GLOBAL);
	for (unsigned c = 0; c < n; c++) {
		struct heap_config cfg = {
			.nursery_bytes = nursery,
			.src = { src_alloc, src_free, &sources[c] },
			.cpu = c,
		};

		sources[c] = (struct source){ 0 };
		if (heap_init(&heaps[c], &cfg) != 0)
			abort();
		gc_world_attach(&heaps[c]);
		base_requests[c] = gc_stw_requests(c);
		base_stops[c] = gc_stw_stops(c);
	}
}

static void heaps_down(unsigned n)
{
	gc_global_finish_all();	/* a global mark some CPU started may still run */
	for (unsigned c = 0; c < n; c++)
		gc_world_detach(&heaps[c]);
	for (unsigned c = 0; c < n; c++) {
		heap_destroy(&heaps[c]);
		CHECK(sources[c].out == 0);
	}
	gc_set_mode(GC_MODE_PERCORE);
}

/* After a failed test: leave the world to the next one. */
static int teardown(void **state)
{
	(void)state;
	for (unsigned c = 0; c < NHEAPS; c++)
		if (heaps[c].attached && heaps[c].major_phase == HEAP_MAJOR_IDLE)
			gc_world_detach(&heaps[c]);
	gc_set_mode(GC_MODE_PERCORE);
	return 0;
}

static unsigned long requests(unsigned c) { return gc_stw_requests(c) - base_requests[c]; }
static unsigned long stops(unsigned c) { return gc_stw_stops(c) - base_stops[c]; }

static uint64_t hist_count(const uint64_t *hist)
{
	uint64_t n = 0;

	for (unsigned b = 0; b < GC_PAUSE_BUCKETS; b++)
		n += hist[b];
	return n;
}

/* An idle CPU: parked for a while, touching nothing of its heap, then back (as the kernel's
 * idle loop does around its halt; no-ops in percore mode). */
static void idle_for(struct heap *h, unsigned spins)
{
	gc_stw_park(h);
	for (unsigned i = 0; i < spins; i++)
		arch_cpu_relax();
	gc_stw_unpark(h);
}

/* ---- one requester: CPU 0 allocates; 1 passes safe points; 2 parks on and off; 3 parks ---- */

#define KEEP	64
#define ROUNDS	12000

static obj handoff;		/* CPU 0's published list, for CPU 3 to hold in a root only (OBJ_NULL: none) */
static unsigned taken;		/* CPU 3 holds it: CPU 0 drops its own reference */
static unsigned done;		/* CPU 0 is through */
static uint64_t majors_after_drop;

static void one_cpu(unsigned cpu, void *arg)
{
	struct heap *h = &heaps[cpu];
	obj keep = OBJ_FALSE, l = OBJ_FALSE, mine = OBJ_FALSE;
	unsigned gen = 0;

	(void)arg;
	GC_ROOT(h, keep);
	GC_ROOT(h, l);
	GC_ROOT(h, mine);
	keep = heap_make_vector(h, KEEP, OBJ_FALSE);
	barrier(h, &gen);
	if (cpu == 0) {
		uint64_t majors;

		l = make_list(h, 777, 300);
		CHECK(gc_publish(h, &l) == 0);
		__atomic_store_n(&handoff, l, __ATOMIC_RELEASE);
		l = OBJ_FALSE;	/* from here on only CPU 3's root holds it */
		while (!__atomic_load_n(&taken, __ATOMIC_ACQUIRE))
			gc_safepoint(h);
		__atomic_store_n(&handoff, OBJ_NULL, __ATOMIC_RELEASE);
		majors = h->stats.major_cycles;
		for (unsigned r = 0; r < ROUNDS; r++) {
			obj old = obj_vector_ref(keep, r % KEEP);

			CHECK(old == OBJ_FALSE || (list_ok(old) &&
						   obj_fixnum_value(obj_car(old)) == (intptr_t)r - KEEP));
			l = make_list(h, (intptr_t)r, 100);
			gc_write(h, keep, r % KEEP, l);
			l = OBJ_FALSE;
		}
		for (unsigned k = 0; k < KEEP; k++)
			CHECK(list_ok(obj_vector_ref(keep, k)));
		majors_after_drop = h->stats.major_cycles - majors;
		__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	} else if (cpu == 3) {
		while ((l = __atomic_load_n(&handoff, __ATOMIC_ACQUIRE)) == OBJ_NULL)
			gc_safepoint(h);
		CHECK(list_ok(l));	/* l: a root, the only reference once CPU 0 drops its own */
		mine = make_list(h, 3, 10);	/* young, for as long as we are parked */
		gc_stw_park(h);
		__atomic_store_n(&taken, 1, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
			arch_cpu_relax();	/* parked: stops must not wait for us */
		gc_stw_unpark(h);
		CHECK(list_ok(l) && obj_fixnum_value(obj_car(l)) == 777);
		CHECK(list_ok(mine));
	} else {
		unsigned long seen = ~0ul;

		for (unsigned i = 0; !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++) {
			if (stops(cpu) != seen) {	/* new young objects for every stop to collect */
				seen = stops(cpu);
				CHECK(mine == OBJ_FALSE || list_ok(mine));
				mine = make_list(h, (intptr_t)cpu, 20);
			}
			if (cpu == 2 && i % 8 == 0)	/* idle now and then */
				idle_for(h, 20);
			gc_safepoint(h);
			arch_cpu_relax();
		}
		CHECK(list_ok(mine));
	}
	barrier(h, &gen);
	GC_UNROOT(h, mine);
	GC_UNROOT(h, l);
	GC_UNROOT(h, keep);
	barrier(h, &gen);
}

static void test_one_requester(void **state)
{
	(void)state;
	stress_n = NHEAPS;
	arrived = 0;
	heaps_up(NHEAPS, 64 * 1024);
	host_run_cpus(NHEAPS, one_cpu, NULL);
	assert_int_equal(fails, 0);
	for (unsigned c = 0; c < NHEAPS; c++) {
		struct gc_stats *s = &heaps[c].stats;

		printf("cpu %u: %lu stops requested, %lu taken part in, %lu minor, %lu major "
		       "collections, %lu handshakes; pause p50 %lu p99 %lu max %lu cycles\n", c,
		       requests(c), stops(c), (unsigned long)s->minor_collections,
		       (unsigned long)s->major_cycles, (unsigned long)s->handshakes,
		       (unsigned long)gc_pause_percentile(s, 50),
		       (unsigned long)gc_pause_percentile(s, 99), (unsigned long)s->pause_max);
		/* the stops are the only pauses: the collections inside recorded nothing */
		assert_int_equal(hist_count(s->major_pause_hist), 0);
		if (c != 0)	/* (CPU 0's publication ran one minor collection of its own) */
			assert_int_equal(hist_count(s->pause_hist), stops(c));
	}
	assert_true(requests(0) > 10);	/* CPU 0 alone filled its nursery ... */
	for (unsigned c = 1; c < NHEAPS; c++)
		assert_int_equal(requests(c), 0);
	assert_true(stops(0) == requests(0));
	/* ... and CPU 1's and 2's nurseries were collected in its stops, one minor each time */
	assert_true(stops(1) > 10 && heaps[1].stats.minor_collections + 1 >= stops(1));
	assert_true(stops(2) > 0 && heaps[2].stats.minor_collections > 0);
	/* whole major cycles ran inside stops while CPU 3 was parked holding CPU 0's list in a
	 * root: the leader scanned CPU 3's roots for it */
	assert_true(majors_after_drop > 0);
	assert_int_equal(stops(3), 0);
	assert_true(heaps[3].stats.handshakes > 0);
	assert_int_equal(gc_verify_world(), 0);
	heaps_down(NHEAPS);
	assert_int_equal(fails, 0);
}

/* ---- randomized stress ---- */

#define KEEP_SLOTS	8

static unsigned long stress_seed;
static unsigned stress_rounds;
static obj boxes[NHEAPS];	/* each heap's shared mailbox vector */

static void stress_cpu(unsigned cpu, void *arg)
{
	struct heap *h = &heaps[cpu];
	uint64_t s = stress_seed * 2654435761u + cpu + 1;
	unsigned gen = 0;
	struct mail m;

	(void)arg;
	mail_up(h, cpu, boxes, &m, KEEP_SLOTS);
	barrier(h, &gen);
	for (unsigned r = 0; r < stress_rounds; r++) {
		uint32_t op = rnd(&s) % 100;
		unsigned j = rnd(&s) % stress_n;
		obj other = __atomic_load_n(&boxes[j], __ATOMIC_ACQUIRE);

		if (r % 1000 == 999) {	/* everyone fills its nursery at once: simultaneous requests */
			uint64_t minors = h->stats.minor_collections;

			barrier(h, &gen);
			while (h->stats.minor_collections == minors)
				CHECK(heap_cons(h, OBJ_NIL, OBJ_NIL) != OBJ_NULL);
		} else if (op < 8) {	/* make a list and put it in some heap's mailbox */
			mail_put(h, other, &m.l, &s);
		} else if (op < 35) {	/* garbage: fills the nursery, so stops are requested */
			for (int k = 0; k < 10; k++)
				CHECK(make_list(h, k, 30) != OBJ_NULL);
		} else if (op < 55) {	/* take one into a root only: an uncounted reference */
			mail_hold(other, m.held, HELD, &s);
		} else if (op < 70) {	/* take one from a mailbox, check it, keep it */
			mail_keep(h, other, m.keep, &m.l, &s);
		} else if (op < 80) {	/* check what we keep, drop one */
			keep_check_drop(h, m.keep, &s);
		} else if (op < 90) {	/* clear a mailbox slot */
			gc_store(h, other, rnd(&s) % BOX_SLOTS, OBJ_FALSE);
		} else {		/* go idle for a while */
			idle_for(h, rnd(&s) % 200);
		}
		held_check(m.held[r % HELD]);
		m.l = OBJ_FALSE;
		gc_safepoint(h);
	}
	/* drop everything, then every heap collects until nothing is left */
	barrier(h, &gen);
	mail_drop(h, &m);
	barrier(h, &gen);
	for (int round = 0; round < 2; round++) {
		CHECK(gc_major_full(h) == 0);
		barrier(h, &gen);
	}
	CHECK(gc_remote_refs(h) == 0);
	barrier(h, &gen);
	mail_down(h, &m);
	barrier(h, &gen);
}

static void stress(unsigned n, unsigned rounds)
{
	unsigned long all_requests = 0;

	stress_n = n;
	stress_rounds = rounds;
	stress_seed = stress_seed_from("STW_SEED");
	printf("stress: %u heaps, %u rounds, seed %lu (STW_SEED=%lu replays it)\n", n, rounds,
	       stress_seed, stress_seed);
	arrived = 0;
	checked = 0;
	heaps_up(n, 64 * 1024);
	host_run_cpus(n, stress_cpu, NULL);
	if (fails)
		printf("stress failed: seed %lu\n", stress_seed);
	assert_int_equal(fails, 0);
	assert_int_equal(gc_verify_world(), 0);
	for (unsigned c = 0; c < n; c++) {
		struct gc_stats *s = &heaps[c].stats;

		printf("cpu %u: %lu stops requested, %lu taken part in, %lu minor, %lu major; "
		       "pause p50 %lu max %lu cycles\n", c, requests(c), stops(c),
		       (unsigned long)s->minor_collections, (unsigned long)s->major_cycles,
		       (unsigned long)gc_pause_percentile(s, 50), (unsigned long)s->pause_max);
		all_requests += requests(c);
		assert_true(stops(c) > 0 && s->minor_collections > 0);
		assert_true(stops(c) >= requests(c));
		assert_true(hist_count(s->pause_hist) >= stops(c));
	}
	/* every CPU requested at once rounds / 1000 times: most joined another's stop */
	assert_true(all_requests > 0);
	printf("stress: %lu lists checked intact after reads across heaps\n", (unsigned long)checked);
	assert_true(checked > 0);
	heaps_down(n);
	assert_int_equal(fails, 0);
}

static void test_stress_2(void **state) { (void)state; stress(2, 8000); }
static void test_stress_4(void **state) { (void)state; stress(4, 5000); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_one_requester, teardown),
		cmocka_unit_test_teardown(test_stress_2, teardown),
		cmocka_unit_test_teardown(test_stress_4, teardown),
	};

	if (getenv("STW_FILTER"))	/* e.g. STW_FILTER='test_stress*' */
		cmocka_set_test_filter(getenv("STW_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
