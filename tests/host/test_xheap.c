/* test_xheap.c -- references between heaps (mm/gc/xheap.h): publication and its closure, remote
 * counts raised and lowered exactly (checked against gc_verify_world's recount), the stack
 * protocol under an adversarial interleaving (a CPU holds another heap's object only in a root
 * while the owner clears the last slot and collects again and again), and a randomized stress
 * on 2 to 8 heaps, each driven by its own CPU thread, with a printed seed (XHEAP_SEED=n replays
 * it) and a leak check at the end. */
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
#include <mm/gc/xheap.h>
#include <mm/heaps/heap.h>

#define NHEAPS	8

#include "xheap_fixture.h"

static struct heap heaps[NHEAPS];
static struct source sources[NHEAPS];

static void heap_up(unsigned c, size_t nursery)
{
	struct heap_config cfg = {
		.nursery_bytes = nursery,
		.src = { src_alloc, src_free, &sources[c] },
		.cpu = c,
	};

	sources[c] = (struct source){ 0, 0 };
	if (heap_init(&heaps[c], &cfg) != 0)
		abort();
	gc_world_attach(&heaps[c]);
}

/* Several heaps that may refer to each other: detach all, then destroy. */
static void heaps_down(unsigned n)
{
	gc_global_finish_all();	/* a global mark some CPU started may still run */
	for (unsigned c = 0; c < n; c++)
		gc_world_detach(&heaps[c]);
	for (unsigned c = 0; c < n; c++) {
		heap_destroy(&heaps[c]);
		CHECK(sources[c].out == 0);
	}
}

/* Objects of the old generation that are not fillers. */
static size_t old_objects(struct heap *h)
{
	size_t n = 0;

	for (struct heap_group *g = h->small_first; g; g = g->next)
		for (uintptr_t *p = heap_group_objects(g); p < g->top; p += obj_hdr_size(p[0]) + 1)
			n += obj_hdr_type(p[0]) != OBJ_T_FILLER;
	for (struct heap_group *g = h->large; g; g = g->next)
		n++;
	return n;
}

/* ---- single-threaded: publication and counts ---- */

/* A whole major collection of h while this thread also plays the other CPU's safe points. */
static void collect(struct heap *h, struct heap *other)
{
	for (int fresh = 0; fresh < 2; fresh++) {
		while (h->major_phase != HEAP_MAJOR_IDLE) {
			gc_major_step(h, GC_MAJOR_ALL);
			gc_safepoint(other);
		}
		if (fresh == 0)
			assert_int_equal(gc_major_start(h), 0);
	}
}

static void test_publish_closure(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	obj l, v;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	a->verify = b->verify = true;
	l = make_list(a, 5, 100);
	GC_ROOT(a, l);
	v = heap_make_vector(a, 3, OBJ_FALSE);	/* young, holds the young list */
	gc_write(a, v, 0, l);
	GC_ROOT(a, v);
	assert_true(heap_young_p(a, v));
	assert_int_equal(gc_publish(a, &v), 0);
	assert_false(heap_young_p(a, v));
	assert_true(gc_shared_p(a, v));
	l = obj_vector_ref(v, 0);
	for (obj p = l; obj_pair_p(p); p = obj_cdr(p))
		assert_true(gc_shared_p(a, p));	/* X1: the whole closure */
	assert_true(list_ok(l));
	/* a shared holder: storing a young object publishes it first */
	obj m = make_list(a, 6, 10);
	assert_int_equal(gc_store(a, v, 1, m), 0);
	assert_true(gc_shared_p(a, obj_vector_ref(v, 1)));
	assert_true(list_ok(obj_vector_ref(v, 1)));
	assert_int_equal(gc_verify_world(), 0);
	GC_UNROOT(a, v);
	GC_UNROOT(a, l);
	collect(a, b);
	assert_int_equal(old_objects(a), 0);	/* shared but unreferenced: freed */
	heaps_down(2);
	assert_int_equal(fails, 0);
}

/* Issue 13: a dead large object holding many references to another heap is let go of in bounded
 * steps (each reference takes the other heap's lock; one unit of work for all of them was one
 * long pause). Between the steps the counts are exact for what is still counted. */
static void test_free_large_bounded(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	const size_t n = 20000, budget = 1000;
	obj shared = OBJ_NIL, v;
	size_t steps = 0;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	/* b's shared list, every pair of it referenced from a's large vector */
	GC_ROOT(b, shared);
	shared = make_list(b, 1, 48);	/* 50 pairs */
	assert_int_equal(gc_publish(b, &shared), 0);
	v = heap_make_vector(a, n, OBJ_FALSE);	/* large: old from birth */
	GC_ROOT(a, v);
	for (size_t i = 0; i < n; i++) {
		obj p = shared;

		for (size_t k = i % 50; k > 0; k--)
			p = obj_cdr(p);
		gc_write(a, v, i, p);
	}
	assert_int_equal(gc_remote_refs(b), n);
	assert_int_equal(gc_verify_world(), 0);
	GC_UNROOT(a, v);
	/* a's cycle: v is dead; its sweep lets go of n references, at most ~budget per step */
	assert_int_equal(gc_major_start(a), 0);
	while (a->major_phase != HEAP_MAJOR_IDLE) {
		uintptr_t before = gc_remote_refs(b);

		gc_major_step(a, budget);
		gc_safepoint(b);
		assert_true(before - gc_remote_refs(b) <= budget);
		assert_int_equal(gc_verify_world(), 0);
		steps++;
	}
	assert_int_equal(gc_remote_refs(b), 0);
	assert_true(steps >= n / budget);
	assert_true(a->stats.major_work_max <= budget + 1);
	GC_UNROOT(b, shared);
	heaps_down(2);
	assert_int_equal(fails, 0);
}

/* A small group swept over several steps (xtable.scm: a group of dead holders of references
 * into another heap was one sweep step of 120-740 us): a's old pairs each name one of b's
 * shared cells; the first half and then every other one die, and a's sweep runs in steps of
 * 100 words. Between steps a promotes fresh holders (into chunks behind the sweep's cursor,
 * and black into the group it bumps through). After each step the world's counts and both
 * heaps check out; at the end b's counts are the survivors', the groups that were all dead went
 * back to their source, and a second cycle keeps every fresh holder. */
static void test_sweep_resumes(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	const size_t n = 6000;
	obj shared = OBJ_NIL, v = OBJ_NIL, fresh = OBJ_NIL;
	size_t steps = 0, mid = 0, runs = 0, nfresh = 0, kept = 0;
	uint64_t freed0;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	a->verify = b->verify = true;
	GC_ROOT(b, shared);
	shared = make_list(b, 1, 48);	/* 50 pairs */
	assert_int_equal(gc_publish(b, &shared), 0);
	GC_ROOT(a, v);
	GC_ROOT(a, fresh);
	v = heap_make_vector(a, n, OBJ_FALSE);	/* large: old from birth */
	for (size_t i = 0; i < n; i++) {
		obj p = shared, c;

		for (size_t k = i % 50; k > 0; k--)
			p = obj_cdr(p);
		c = heap_cons(a, p, obj_fixnum((intptr_t)i));
		assert_true(c != OBJ_NULL);
		gc_write(a, v, i, c);
	}
	assert_int_equal(gc_minor(a), 0);
	assert_int_equal(gc_remote_refs(b), n);
	for (size_t i = 0; i < n; i++)
		if (i < n / 2 || i % 2)
			gc_write(a, v, i, OBJ_FALSE);
		else
			kept++;
	freed0 = a->stats.major_groups_freed;
	assert_int_equal(gc_major_start(a), 0);
	while (a->major_phase != HEAP_MAJOR_IDLE) {
		gc_major_step(a, 100);
		gc_safepoint(b);
		mid += a->sweep_pos != NULL;
		runs += a->sweep_run != NULL;
		if (a->major_phase == HEAP_MAJOR_SWEEP) {
			for (int k = 0; k < 8; k++, nfresh++) {
				obj c = heap_cons(a, obj_cdr(shared), obj_fixnum((intptr_t)nfresh));

				assert_true(c != OBJ_NULL);
				fresh = heap_cons(a, c, fresh);
				assert_true(fresh != OBJ_NULL);
			}
			assert_int_equal(gc_minor(a), 0);
		}
		assert_int_equal(gc_verify_world(), 0);
		steps++;
	}
	printf("[ xheap    ] sweep in %zu steps of 100 words: %zu stopped inside a group, %zu in a "
	       "dead run; %llu groups freed\n", steps, mid, runs,
	       (unsigned long long)(a->stats.major_groups_freed - freed0));
	assert_true(mid > 0 && runs > 0);
	assert_true(a->stats.major_groups_freed > freed0);
	assert_int_equal(gc_remote_refs(b), kept + nfresh);
	collect(a, b);
	assert_int_equal(gc_remote_refs(b), kept + nfresh);
	assert_int_equal(gc_verify_world(), 0);
	for (obj l = fresh; obj_pair_p(l); l = obj_cdr(l)) {
		assert_true(obj_car(obj_car(l)) == obj_cdr(shared));
		assert_int_equal(obj_fixnum_value(obj_cdr(obj_car(l))), (intptr_t)--nfresh);
	}
	assert_int_equal(nfresh, 0);
	GC_UNROOT(a, fresh);
	GC_UNROOT(a, v);
	GC_UNROOT(b, shared);
	heaps_down(2);
	assert_int_equal(fails, 0);
}

/* Objects of h with a shared bit (fillers included: none may have one). */
static size_t shared_objects(struct heap *h)
{
	size_t n = 0;

	for (struct heap_group *g = h->small_first; g; g = g->next)
		for (uintptr_t *p = heap_group_objects(g); p < g->top; p += obj_hdr_size(p[0]) + 1)
			n += heap_shared_p(p);
	for (struct heap_group *g = h->large; g; g = g->next)
		n += heap_shared_p(heap_group_objects(g));
	return n;
}

/* A block source that refuses anything bigger than one block: the publication's log cannot
 * grow past its first block. */
static void *small_alloc(void *ctx, size_t size)
{
	return size > HEAP_GROUP_SIZE ? NULL : src_alloc(ctx, size);
}

/* A vector (old: large) of n old pairs (i . i), the cars of the last `fresh` of them young lists. */
static obj old_pairs(struct heap *h, size_t n, size_t fresh)
{
	obj v = heap_make_vector(h, n, OBJ_FALSE);

	GC_ROOT(h, v);
	for (size_t i = 0; i < n; i++)
		gc_write(h, v, i, heap_cons(h, obj_fixnum((intptr_t)i), obj_fixnum((intptr_t)i)));
	assert_int_equal(gc_minor(h), 0);
	for (size_t i = n - fresh; i < n; i++)
		gc_set_car(h, obj_vector_ref(v, i), make_list(h, (intptr_t)i, 3));
	GC_UNROOT(h, v);
	return v;
}

/* Issue 12, holes 3 and 4: publications bigger than any fixed walk stack (8192 entries before)
 * share exactly their closure, promote every young object it holds, and, when the walk's log
 * cannot grow, share nothing at all. */
static void test_publish_big(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	static const size_t sizes[] = { 8190, 8191, 8192, 9000, 20000 };

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	a->verify = b->verify = true;
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k], fresh = k % 2 ? 500 : 0, before = shared_objects(a);
		uint64_t published = a->stats.published;
		obj v = old_pairs(a, n, fresh);

		GC_ROOT(a, v);
		assert_int_equal(gc_publish(a, &v), 0);
		/* the vector, its n pairs and, for fresh cars, 5 pairs per list (seed, length, 3) */
		assert_int_equal(shared_objects(a) - before, 1 + n + 5 * fresh);
		assert_int_equal(a->stats.published - published, 1 + n + 5 * fresh);
		for (size_t i = 0; i < n; i++) {
			obj p = obj_vector_ref(v, i);

			assert_true(gc_shared_p(a, p));
			assert_true(obj_cdr(p) == obj_fixnum((intptr_t)i));
			if (i >= n - fresh) {
				assert_true(gc_shared_p(a, obj_car(p)));	/* promoted, not young */
				assert_true(list_ok(obj_car(p)));
			}
		}
		assert_int_equal(gc_verify_world(), 0);
		GC_UNROOT(a, v);
		collect(a, b);	/* shared garbage now: a sweep must not trip on it */
		assert_int_equal(gc_verify_world(), 0);
	}
	/* no memory for the log: nothing shared, the heap as it was */
	{
		size_t before = shared_objects(a);
		obj v = old_pairs(a, 20000, 500);

		GC_ROOT(a, v);
		a->src.alloc = small_alloc;
		assert_int_equal(gc_publish(a, &v), -1);
		a->src.alloc = src_alloc;
		assert_int_equal(shared_objects(a), before);
		assert_false(gc_shared_p(a, v));
		assert_int_equal(gc_verify_world(), 0);
		assert_int_equal(gc_publish(a, &v), 0);	/* with memory it goes through */
		assert_int_equal(shared_objects(a) - before, 1 + 20000 + 5 * 500);
		GC_UNROOT(a, v);
	}
	heaps_down(2);
	assert_int_equal(fails, 0);
}

static void test_counts_exact(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	obj x, hold;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	a->verify = b->verify = true;
	x = make_list(a, 9, 20);
	GC_ROOT(a, x);
	assert_int_equal(gc_publish(a, &x), 0);
	/* b keeps x in an old vector of its own (made old by a minor collection) */
	hold = heap_make_vector(b, 4, OBJ_FALSE);
	GC_ROOT(b, hold);
	assert_int_equal(gc_minor(b), 0);
	gc_write(b, hold, 0, x);
	assert_int_equal(gc_remote_count(x), 1);
	gc_write(b, hold, 1, x);
	assert_int_equal(gc_remote_count(x), 2);
	assert_int_equal(gc_verify_world(), 0);
	gc_write(b, hold, 0, OBJ_FALSE);
	assert_int_equal(gc_remote_count(x), 1);
	assert_int_equal(gc_verify_world(), 0);
	/* a young holder is not counted until it is promoted */
	obj y = heap_make_vector(b, 2, x);
	GC_ROOT(b, y);
	assert_int_equal(gc_remote_count(x), 1);
	assert_int_equal(gc_minor(b), 0);
	assert_int_equal(gc_remote_count(x), 3);
	assert_int_equal(gc_verify_world(), 0);
	/* a pin (a kernel structure holding x) counts like a reference */
	gc_pin(a, x);
	assert_int_equal(gc_remote_count(x), 4);
	assert_int_equal(gc_verify_world(), 0);
	gc_unpin(a, x);
	assert_int_equal(gc_remote_count(x), 3);
	/* a's last root goes: the counts keep x */
	GC_UNROOT(b, y);
	GC_UNROOT(b, hold);
	GC_UNROOT(a, x);
	collect(a, b);
	assert_true(old_objects(a) >= 22);
	/* b drops its holders; its sweep lowers the counts; then a frees x */
	collect(b, a);
	assert_int_equal(gc_remote_count(x), 0);
	assert_int_equal(gc_remote_refs(a), 0);
	assert_int_equal(gc_verify_world(), 0);
	collect(a, b);
	assert_int_equal(old_objects(a), 0);
	assert_int_equal(old_objects(b), 0);
	heaps_down(2);
	assert_int_equal(fails, 0);
}

/* Issue 13: no xlock hold goes through the whole count table. a holds N of b's lists in an old
 * vector: b's table grows at b's safe points (never under a's stores) and is migrated a few
 * slots per operation. b's marking walks the table a chunk per step (nothing counted is marked
 * at mark start). In a first cycle a drops the references of the entries just behind the
 * walk's cursor between the steps, so that deletions shift entries back over it; in a second,
 * a's new references make the table grow and migrate during the walk. Every list a still holds
 * stays intact (each fails without its shade in xref_remove, xref_migrate). */
static void table_cycle(struct heap *b, struct heap *a, obj keep, size_t n, bool drop, obj from,
			obj to, size_t *m)
{
	enum { BUDGET = 512 };
	size_t steps = 0, marked = 0;
	bool grew = false;

	while (b->major_phase != HEAP_MAJOR_IDLE) {	/* one the policy started */
		gc_major_step(b, GC_MAJOR_ALL);
		gc_safepoint(a);
	}
	assert_int_equal(gc_major_start(b), 0);
	for (size_t i = 0; i < n; i++)
		marked += obj_ptr_p(obj_vector_ref(keep, i)) &&
			  heap_marked_p((void *)obj_vector_ref(keep, i));
	assert_int_equal(marked, 0);
	while (b->major_phase != HEAP_MAJOR_IDLE) {
		bool marking = b->major_phase == HEAP_MAJOR_MARK;

		gc_major_step(b, BUDGET);
		steps++;
		if (marking)	/* a walk's chunk at most beyond the budget (a sweep: one group) */
			assert_true(b->stats.major_work_last <= BUDGET + 300);
		for (size_t s = b->xwalk > 4 ? b->xwalk - 4 : 0; drop && b->xwalking && s < b->xwalk; s++) {
			obj o = s < b->xref_cap ? b->xref[s].o : OBJ_NULL;
			size_t i = obj_ptr_p(o) ? (size_t)obj_fixnum_value(obj_car(o)) : n;

			if (i < n && obj_vector_ref(keep, i) == o)
				gc_write(a, keep, i, OBJ_FALSE);
		}
		/* new references once a quarter of the table is walked: it grows meanwhile */
		for (int i = 0; to != OBJ_NULL && b->xwalk > b->xref_cap / 4 && i < 100 &&
				*m < obj_vector_length(to); i++, (*m)++)
			gc_write(a, to, *m, obj_vector_ref(from, *m));
		/* (the owner clears the next table a chunk per safe point: it may be installed
		 * after the last of these) */
		grew |= to != OBJ_NULL && b->xwalking && b->xref_old != NULL;
		gc_safepoint(a);
		gc_safepoint(b);
	}
	assert_true(steps > 50);
	assert_true(to == OBJ_NULL || grew);	/* migrated while the walk ran */
	for (size_t i = 0; i < n; i++) {
		obj l = obj_vector_ref(keep, i);

		assert_true(l == OBJ_FALSE || list_ok(l));
	}
	assert_int_equal(gc_verify_world(), 0);
}

/* A vector of n lists of b's (seeds first, first + 1, ...), published: the caller roots it. */
static obj published_lists(struct heap *b, size_t n, intptr_t first)
{
	obj v = heap_make_vector(b, n, OBJ_FALSE);

	GC_ROOT(b, v);
	for (size_t i = 0; i < n; i++)
		gc_write(b, v, i, make_list(b, first + (intptr_t)i, 3));
	assert_int_equal(gc_publish(b, &v), 0);
	GC_UNROOT(b, v);
	return v;
}

static void collect_all(unsigned n);

/* Heaps 0, 1 and 2 (a, b, c), verifying, this thread on CPU 0 of 3. */
static void three_heaps_up(void)
{
	host_cpu_enter(0, 3);
	for (unsigned c = 0; c < 3; c++) {
		heap_up(c, 64 * 1024);
		heaps[c].verify = true;
	}
}

/* A minor collection counts its copies' references into other heaps a batch at a time
 * (gc_xref_inc_later): more than GC_XBATCH of them, interleaved between two owners, each
 * counted once before the collection returns, also while one owner marks. */
static void test_counts_batched(void **state)
{
	enum { N = 3 * GC_XBATCH + 7 };
	struct heap *a = &heaps[0], *b = &heaps[1], *c = &heaps[2];
	obj xb, xc, young;

	(void)state;
	three_heaps_up();
	xb = published_lists(b, N, 0);
	GC_ROOT(b, xb);
	xc = published_lists(c, N, 1000);
	GC_ROOT(c, xc);
	for (int round = 0; round < 2; round++) {
		young = heap_make_vector(a, 2 * N, OBJ_FALSE);	/* young: nothing counted yet */
		GC_ROOT(a, young);
		for (size_t i = 0; i < N; i++) {
			gc_write(a, young, 2 * i, obj_vector_ref(xb, i));
			gc_write(a, young, 2 * i + 1, obj_vector_ref(xc, i));
		}
		assert_int_equal(gc_remote_refs(b), 0);
		assert_int_equal(gc_remote_refs(c), 0);
		if (round == 1)	/* b marks: a is grey for it, so each count also shades */
			assert_int_equal(gc_major_start(b), 0);
		assert_int_equal(gc_minor(a), 0);
		assert_int_equal(a->nxbatch, 0);
		assert_int_equal(gc_remote_refs(b), N);
		assert_int_equal(gc_remote_refs(c), N);
		for (size_t i = 0; i < N; i++) {
			assert_int_equal(gc_remote_count(obj_vector_ref(xb, i)), 1);
			assert_int_equal(gc_remote_count(obj_vector_ref(xc, i)), 1);
		}
		assert_int_equal(gc_verify_world(), 0);
		GC_UNROOT(a, young);
		collect_all(3);	/* b's cycle ends; a's sweep gives the counts back */
		assert_int_equal(gc_remote_refs(b), 0);
		assert_int_equal(gc_remote_refs(c), 0);
	}
	GC_UNROOT(c, xc);
	GC_UNROOT(b, xb);
	heaps_down(3);
}

/* The window of a batch (from the review of gc_xref_inc_later): counts pending in a's batch
 * while c drops the only counted references to b's lists (their entries go) and b starts
 * marking (its snapshot without them); then a flushes. a is grey for b at the flush, so each
 * count shades its list: without that shade the verifier finds a freed list marked. */
static void test_counts_batch_window(void **state)
{
	enum { K = 40 };
	struct heap *a = &heaps[0], *b = &heaps[1], *c = &heaps[2];
	obj xb, vc, va;
	obj os[K];

	(void)state;
	three_heaps_up();
	xb = published_lists(b, K, 0);
	GC_ROOT(b, xb);
	vc = heap_make_vector(c, K, OBJ_FALSE);
	GC_ROOT(c, vc);
	assert_int_equal(gc_minor(c), 0);
	va = heap_make_vector(a, K, OBJ_FALSE);
	GC_ROOT(a, va);
	assert_int_equal(gc_minor(a), 0);
	for (size_t i = 0; i < K; i++) {
		os[i] = obj_vector_ref(xb, i);
		gc_write(c, vc, i, os[i]);
		assert_int_equal(gc_remote_count(os[i]), 1);
	}
	GC_UNROOT(b, xb);
	/* a's minor collection, acted out: copies written, counts pending */
	a->in_gc = true;
	for (size_t i = 0; i < K; i++) {
		obj_fields(va)[i] = os[i];
		gc_xref_inc_later(a, os[i], (uintptr_t)obj_words(va));
	}
	/* c (another CPU) drops its references meanwhile: entries go */
	for (size_t i = 0; i < K; i++)
		gc_write(c, vc, i, OBJ_FALSE);
	assert_int_equal(gc_remote_refs(b), 0);
	/* b starts marking meanwhile */
	assert_int_equal(gc_major_start(b), 0);
	gc_major_step(b, 100);
	gc_xref_flush(a);
	a->in_gc = false;
	assert_int_equal(gc_remote_refs(b), K);
	collect_all(3);	/* b's snapshot cycle ends, then a fresh one of every heap */
	for (size_t i = 0; i < K; i++) {
		assert_true(list_ok(obj_vector_ref(va, i)));
		assert_int_equal(gc_remote_count(os[i]), 1);
	}
	assert_int_equal(gc_verify_world(), 0);
	GC_UNROOT(a, va);
	GC_UNROOT(c, vc);
	heaps_down(3);
}

static void test_table_bounded(void **state)
{
	enum { N = 20000, M = 20000 };
	struct heap *a = &heaps[0], *b = &heaps[1];
	obj keep, keep2, bv, bv2;
	bool migrated = false;
	size_t m = 0, kept = 0;
	uint64_t grows;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 256 * 1024);
	heap_up(1, 256 * 1024);
	keep = heap_make_vector(a, N, OBJ_FALSE);
	GC_ROOT(a, keep);
	keep2 = heap_make_vector(a, M, OBJ_FALSE);
	GC_ROOT(a, keep2);
	assert_int_equal(gc_minor(a), 0);
	bv2 = published_lists(b, M, N);
	GC_ROOT(b, bv2);
	bv = published_lists(b, N, 0);
	GC_ROOT(b, bv);
	for (size_t i = 0; i < N; i++) {
		gc_write(a, keep, i, obj_vector_ref(bv, i));
		if (i % 64 == 0)
			gc_safepoint(b);	/* the owner tends its table */
		migrated |= b->xref_old != NULL;
	}
	assert_int_equal(gc_remote_refs(b), N);
	assert_true(migrated);
	assert_true(b->stats.xref_grows >= 7);		/* 1024 -> 131072 */
	assert_int_equal(b->stats.xref_sync_grows, 0);	/* none made under a's stores */
	while (b->xref_old != NULL)
		gc_safepoint(b);
	GC_UNROOT(b, bv);
	assert_int_equal(gc_verify_world(), 0);

	table_cycle(b, a, keep, N, true, OBJ_NULL, OBJ_NULL, &m);
	for (size_t i = 0; i < N; i++)
		kept += obj_vector_ref(keep, i) != OBJ_FALSE;
	assert_true(kept > N / 2 && kept < N);
	grows = b->stats.xref_grows;
	table_cycle(b, a, keep, N, false, bv2, keep2, &m);
	assert_true(b->stats.xref_grows > grows);
	collect(b, a);
	for (size_t i = 0; i < N; i++) {
		obj l = obj_vector_ref(keep, i);

		assert_true(l == OBJ_FALSE || list_ok(l));
	}
	GC_UNROOT(b, bv2);
	GC_UNROOT(a, keep2);
	GC_UNROOT(a, keep);
	heaps_down(2);
}

/* The count table's blocks come dirty here: a table must be cleared before it is used. */
static void *dirty_alloc(void *ctx, size_t size)
{
	void *p = src_alloc(ctx, size);

	if (p != NULL)
		memset(p, 0xa5, size);
	return p;
}

/* Issue 13: the table grows without its owner and without a writer clearing a whole block under
 * the lock. b never passes a safe point while a counts 20000 of b's lists into b's table (a
 * 1024-slot table, doubled up to 32768): each growth's block is taken by a writer at 1/2 full
 * and cleared 16 slots per insertion, so it is ready before 3/4. Without the writer's take,
 * 5 of those growths are made by a writer under the lock (in xtable.scm, blocks of 16 MB:
 * milliseconds of another CPU's minor collection). The blocks come dirty: a slot left
 * uncleared would be an entry gc_verify_world does not find. */
static void test_table_owner_away(void **state)
{
	enum { N = 20000 };
	struct heap *a = &heaps[0], *b = &heaps[1];
	struct heap_config cfg = {
		.nursery_bytes = 256 * 1024,
		.src = { src_alloc, src_free, &sources[1] },
		.xsrc = { dirty_alloc, src_free, &sources[1] },
		.cpu = 1,
	};
	obj keep, bv;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 256 * 1024);
	sources[1] = (struct source){ 0, 0 };
	assert_int_equal(heap_init(b, &cfg), 0);
	gc_world_attach(b);
	keep = heap_make_vector(a, N, OBJ_FALSE);
	GC_ROOT(a, keep);
	assert_int_equal(gc_minor(a), 0);
	bv = published_lists(b, N, 0);
	GC_ROOT(b, bv);
	for (size_t i = 0; i < N; i++)
		gc_write(a, keep, i, obj_vector_ref(bv, i));	/* no safe point of b's */
	assert_int_equal(gc_remote_refs(b), N);
	assert_true(b->stats.xref_grows >= 6);		/* 1024, then doubled to 32768 */
	assert_int_equal(b->stats.xref_sync_grows, 0);
	assert_int_equal(gc_verify_world(), 0);
	while (b->xref_old != NULL || b->xref_next != NULL)
		gc_safepoint(b);
	GC_UNROOT(b, bv);
	collect(b, a);
	for (size_t i = 0; i < N; i++)
		assert_true(list_ok(obj_vector_ref(keep, i)));
	assert_int_equal(gc_verify_world(), 0);
	GC_UNROOT(a, keep);
	heaps_down(2);
}

/* ---- garbage cycles across heaps: the global mark (mm/gc/xcycle.c) ---- */

/* A cell: a shared vector [tag, list, next] whose list any reader can check. */
#define CELL_TAG	0x5eed

static obj make_cell(struct heap *h, intptr_t seed)
{
	obj c = heap_make_vector(h, 3, OBJ_FALSE), l;

	GC_ROOT(h, c);
	gc_write(h, c, 0, obj_fixnum(CELL_TAG));
	l = make_list(h, seed, 1 + seed % 7);
	gc_write(h, c, 1, l);
	if (gc_publish(h, &c) != 0)
		abort();
	GC_UNROOT(h, c);
	return c;
}

static bool cell_ok(obj c)
{
	return obj_vector_p(c) && obj_vector_length(c) == 3 &&
	       obj_vector_ref(c, 0) == obj_fixnum(CELL_TAG) && list_ok(obj_vector_ref(c, 1));
}

/* Drive a global mark to its end, this thread playing every CPU's safe points in turn. */
static void global_all(void)
{
	unsigned target = gc_global_request();

	gc_global_finish_all();
	assert_true((int)(gc_global_done() - target) >= 0);
}

/* Collect every heap fully (locally), the others answering its handshakes. */
static void collect_all(unsigned n)
{
	for (unsigned c = 0; c < n; c++)
		for (int fresh = 0; fresh < 2; fresh++) {
			while (heaps[c].major_phase != HEAP_MAJOR_IDLE) {
				gc_major_step(&heaps[c], GC_MAJOR_ALL);
				for (unsigned o = 0; o < n; o++)
					if (o != c)
						gc_safepoint(&heaps[o]);
			}
			if (fresh == 0)
				assert_int_equal(gc_major_start(&heaps[c]), 0);
		}
}

static void test_cycles_exact(void **state)
{
	struct heap *h[3] = { &heaps[0], &heaps[1], &heaps[2] };
	obj ring[3], pair[2], live[3], pinned[2], pin_obj;
	size_t base[3];

	(void)state;
	host_cpu_enter(0, 3);
	for (unsigned c = 0; c < 3; c++) {
		heap_up(c, 64 * 1024);
		h[c]->verify = true;
		base[c] = old_objects(h[c]);
	}
	/* garbage: a ring through three heaps, a pair cycle across two, and a pinned two-cycle */
	for (unsigned c = 0; c < 3; c++) {
		ring[c] = make_cell(h[c], 10 + c);
		GC_ROOT(h[c], ring[c]);
	}
	for (unsigned c = 0; c < 3; c++)
		assert_int_equal(gc_store(h[c], ring[c], 2, ring[(c + 1) % 3]), 0);
	for (unsigned c = 0; c < 2; c++) {
		pair[c] = make_cell(h[c], 20 + c);
		GC_ROOT(h[c], pair[c]);
		pinned[c] = make_cell(h[c], 30 + c);
		GC_ROOT(h[c], pinned[c]);
	}
	assert_int_equal(gc_store(h[0], pair[0], 2, pair[1]), 0);
	assert_int_equal(gc_store(h[1], pair[1], 2, pair[0]), 0);
	assert_int_equal(gc_store(h[0], pinned[0], 2, pinned[1]), 0);
	assert_int_equal(gc_store(h[1], pinned[1], 2, pinned[0]), 0);
	pin_obj = pinned[0];
	gc_pin(h[2], pin_obj);	/* a kernel structure holds one of them (pin_obj is no root) */
	/* alive: a ring through the three heaps held only by heap 2's root (uncounted) */
	for (unsigned c = 0; c < 3; c++)
		live[c] = make_cell(h[c], 40 + c);
	GC_ROOT(h[2], live[0]);
	for (unsigned c = 0; c < 3; c++)
		assert_int_equal(gc_store(h[c], live[c], 2, live[(c + 1) % 3]), 0);
	live[1] = live[2] = OBJ_FALSE;
	/* a garbage cycle that names a live object of another heap: the purge drops that count */
	assert_int_equal(gc_store(h[1], pair[1], 1, live[0]), 0);
	assert_int_equal(gc_verify_world(), 0);
	/* drop the garbage: each heap's own collections keep it (the counts) */
	for (unsigned c = 0; c < 3; c++)
		ring[c] = OBJ_FALSE;
	pair[0] = pair[1] = pinned[0] = pinned[1] = OBJ_FALSE;
	collect_all(3);
	assert_int_equal(gc_remote_count(obj_vector_ref(obj_vector_ref(live[0], 2), 2)), 1);
	for (unsigned c = 0; c < 3; c++)
		assert_true(old_objects(h[c]) > base[c] + 3);
	uintptr_t refs0 = gc_remote_refs(h[0]) + gc_remote_refs(h[1]) + gc_remote_refs(h[2]);
	assert_int_equal(refs0, 3 + 2 + 2 + 1 + 3 + 1);	/* ring, pair, pinned (+ the pin), live
							 * ring, the garbage cell naming it */
	/* the global mark frees the ring and the pair, keeps the pinned cycle and the live ring */
	assert_int_equal(gc_remote_count(live[0]), 2);
	global_all();
	assert_int_equal(gc_verify_world(), 0);
	assert_int_equal(gc_remote_refs(h[0]) + gc_remote_refs(h[1]) + gc_remote_refs(h[2]),
			 2 + 1 + 3);
	assert_true(cell_ok(live[0]));
	assert_int_equal(gc_remote_count(live[0]), 1);	/* the dead pair's count of it is gone */
	obj x = live[0];
	for (unsigned k = 0; k < 3; k++, x = obj_vector_ref(x, 2))
		assert_true(cell_ok(x));
	assert_true(x == live[0]);
	assert_true(h[0]->stats.global_cycles == 1 && h[2]->stats.global_cycles == 1);
	assert_true(h[0]->stats.global_purged + h[1]->stats.global_purged +
		    h[2]->stats.global_purged == 3 + 2);
	/* unpin, drop the live ring: one more global mark and every heap is back to its start */
	gc_unpin(h[2], pin_obj);
	live[0] = OBJ_FALSE;
	global_all();
	collect_all(3);
	assert_int_equal(gc_verify_world(), 0);
	for (unsigned c = 0; c < 3; c++) {
		assert_int_equal(old_objects(h[c]), base[c]);
		assert_int_equal(gc_remote_refs(h[c]), 0);
	}
	GC_UNROOT(h[2], live[0]);
	for (unsigned c = 2; c-- > 0;) {
		GC_UNROOT(h[c], pinned[c]);
		GC_UNROOT(h[c], pair[c]);
	}
	for (unsigned c = 3; c-- > 0;)
		GC_UNROOT(h[c], ring[c]);
	assert_int_equal(fails, 0);
	heaps_down(3);
}

/* A global mark's tracing gives other heaps' objects to their owners a batch at a time
 * (gc_xshade_later): a's vector, the only holder of more than GC_XSHADE_BATCH lists of b and
 * of c, interleaved. Counts are no roots in a global mark, so each list lives only if a's trace
 * shaded it: every one is intact after the mark, its count exact, a's batch empty; the vectors
 * b and c held them in, garbage, are freed. Without the flush at the end of a marking slice
 * the lists left in the batch are freed (the verifier and list_ok see it). */
static void test_shades_batched(void **state)
{
	enum { N = 3 * GC_XSHADE_BATCH + 7 };
	struct heap *a = &heaps[0], *b = &heaps[1], *c = &heaps[2];
	obj xb, xc, hold;
	size_t ob, oc;

	(void)state;
	three_heaps_up();
	xb = published_lists(b, N, 0);
	GC_ROOT(b, xb);
	xc = published_lists(c, N, 1000);
	GC_ROOT(c, xc);
	hold = heap_make_vector(a, 2 * N, OBJ_FALSE);
	GC_ROOT(a, hold);
	for (size_t i = 0; i < N; i++) {
		gc_write(a, hold, 2 * i, obj_vector_ref(xb, i));
		gc_write(a, hold, 2 * i + 1, obj_vector_ref(xc, i));
	}
	assert_int_equal(gc_minor(a), 0);	/* old now: its references counted */
	assert_int_equal(gc_remote_refs(b), N);
	assert_int_equal(gc_remote_refs(c), N);
	xb = xc = OBJ_FALSE;	/* the vectors are garbage; their lists are a's alone */
	ob = old_objects(b);
	oc = old_objects(c);
	global_all();
	assert_int_equal(a->nxsh, 0);
	assert_true(a->stats.global_cycles == 1);
	assert_int_equal(gc_verify_world(), 0);
	for (size_t i = 0; i < 2 * N; i++) {
		obj l = obj_vector_ref(hold, i);

		assert_true(list_ok(l));
		assert_int_equal(gc_remote_count(l), 1);
		assert_int_equal(obj_fixnum_value(obj_car(l)), (intptr_t)(i / 2) + (i % 2 ? 1000 : 0));
	}
	assert_int_equal(old_objects(b), ob - 1);	/* the vector, swept */
	assert_int_equal(old_objects(c), oc - 1);
	assert_true(b->stats.remote_shades >= N && c->stats.remote_shades >= N);
	GC_UNROOT(a, hold);
	GC_UNROOT(c, xc);
	GC_UNROOT(b, xb);
	heaps_down(3);
}

/* ---- the weak symbol table (mm/gc/symtab.c) ---- */

static struct spinlock symtab_test_lock = SPINLOCK_INIT("test-symtab");
static arch_irqflags_t symtab_test_irqsave(void) { return spin_lock_irqsave(&symtab_test_lock); }
static void symtab_test_restore(arch_irqflags_t f) { spin_unlock_irqrestore(&symtab_test_lock, f); }
static const struct gc_symtab_ops symtab_test_ops = { symtab_test_irqsave, symtab_test_restore };

/* A published symbol of h: name, value (OBJ_UNDEFINED: unbound), flags (low byte). */
static obj make_sym(struct heap *h, intptr_t name, obj value, intptr_t flags)
{
	obj s = heap_alloc(h, OBJ_T_SYMBOL, 4);

	gc_write(h, s, GC_SYM_NAME, obj_fixnum(name));
	gc_write(h, s, GC_SYM_VALUE, value);
	gc_write(h, s, GC_SYM_NEXT, OBJ_FALSE);
	gc_write(h, s, GC_SYM_FLAGS, obj_fixnum(name << 8 | flags));
	GC_ROOT(h, s);
	assert_int_equal(gc_publish(h, &s), 0);
	GC_UNROOT(h, s);
	return s;
}

static intptr_t sym_name_of(obj s) { return obj_fixnum_value(obj_fields(s)[GC_SYM_NAME]); }

/* The names along bucket b's chain, from 1 up, into out (a 0 ends it). */
static void chain_names(obj tab, size_t b, intptr_t *out)
{
	size_t n = 0;

	for (obj s = obj_vector_ref(tab, b); s != OBJ_FALSE; s = obj_fields(s)[GC_SYM_NEXT])
		out[n++] = sym_name_of(s);
	out[n] = 0;
}

/* Chains through three heaps: runs of dead symbols across heaps and inside one, a bound one,
 * a flagged one, one held only by another heap's root between dead ones, a bucket all dead.
 * Local collections keep everything (the table is shared: counted links are their roots);
 * one global mark unlinks exactly the dead, the counts stay exact (gc_verify_world's recount)
 * and their memory goes; the survivors keep their values. */
static void test_weak_symtab(void **state)
{
	struct heap *h[3] = { &heaps[0], &heaps[1], &heaps[2] };
	obj holder, tab, held, s[12];
	/* name -> heap, value, flags; names 1.. in chain order: bucket 0, then 1, then 2 */
	static const struct { unsigned heap; intptr_t value, flags; size_t bucket; } def[] = {
		{ 1, 0, 0, 0 }, { 2, 0, 0, 0 }, { 0, 7, 0, 0 }, { 1, 0, 0, 0 }, { 2, 0, 0, 0 },
		{ 0, 0, 1, 0 }, { 1, 0, 0, 0 },		/* bucket 0: 1..7 */
		{ 0, 0, 0, 1 },				/* bucket 1: 8 */
		{ 1, 0, 0, 2 }, { 1, 0, 0, 2 }, { 2, 9, 0, 2 },	/* bucket 2: 9..11 */
	};
	size_t n = sizeof(def) / sizeof(def[0]), before[3];
	intptr_t names[16];

	(void)state;
	host_cpu_enter(0, 3);
	for (unsigned c = 0; c < 3; c++) {
		heap_up(c, 64 * 1024);
		h[c]->verify = true;
	}
	holder = heap_make_vector(h[0], 2, obj_fixnum((intptr_t)n));
	GC_ROOT(h[0], holder);
	tab = heap_make_vector(h[0], 4, OBJ_FALSE);
	gc_write(h[0], holder, 0, tab);
	assert_int_equal(gc_publish(h[0], &holder), 0);	/* shared: the global mark decides */
	tab = obj_vector_ref(holder, 0);
	for (size_t i = 0; i < n; i++)
		s[i] = make_sym(h[def[i].heap], (intptr_t)i + 1,
				def[i].value ? obj_fixnum(def[i].value) : OBJ_UNDEFINED, def[i].flags);
	for (size_t i = n; i-- > 0;) {	/* each chain built back to front, as interning does */
		if (i + 1 < n && def[i + 1].bucket == def[i].bucket)
			assert_int_equal(gc_store(h[def[i].heap], s[i], GC_SYM_NEXT, s[i + 1]), 0);
		if (i == 0 || def[i - 1].bucket != def[i].bucket)
			assert_int_equal(gc_store(h[0], tab, def[i].bucket, s[i]), 0);
	}
	held = s[4];	/* name 5, between dead ones: only heap 0's root holds it (uncounted) */
	GC_ROOT(h[0], held);
	gc_symtab_register(h[0], holder, &symtab_test_ops, 0, 1);
	assert_int_equal(gc_verify_world(), 0);
	collect_all(3);
	chain_names(tab, 0, names);
	assert_true(names[0] == 1 && names[6] == 7 && names[7] == 0);
	for (unsigned c = 0; c < 3; c++)
		before[c] = old_objects(h[c]);
	global_all();
	collect_all(3);	/* (the global sweeps are over; a local cycle changes nothing more) */
	assert_int_equal(gc_verify_world(), 0);
	chain_names(tab, 0, names);
	assert_true(names[0] == 3 && names[1] == 5 && names[2] == 6 && names[3] == 0);
	chain_names(tab, 1, names);
	assert_true(names[0] == 0);
	chain_names(tab, 2, names);
	assert_true(names[0] == 11 && names[1] == 0);
	assert_int_equal(obj_fixnum_value(obj_vector_ref(holder, 1)), 4);
	assert_true(obj_fields(obj_vector_ref(tab, 0))[GC_SYM_VALUE] == obj_fixnum(7));
	assert_true(obj_vector_ref(tab, 2) != OBJ_FALSE &&
		    obj_fields(obj_vector_ref(tab, 2))[GC_SYM_VALUE] == obj_fixnum(9));
	/* dead: 1, 4, 7, 9, 10 (heap 1), 2 (heap 2), 8 (heap 0) */
	assert_int_equal(old_objects(h[1]), before[1] - 5);
	assert_int_equal(old_objects(h[2]), before[2] - 1);
	assert_int_equal(old_objects(h[0]), before[0] - 1);
	assert_int_equal(gc_remote_count(held), 1);	/* from symbol 3 (heap 0) now */
	assert_int_equal(gc_store(h[0], tab, 0, OBJ_FALSE), 0);	/* all garbage now */
	assert_int_equal(gc_store(h[0], tab, 2, OBJ_FALSE), 0);
	GC_UNROOT(h[0], held);
	GC_UNROOT(h[0], holder);
	global_all();
	assert_int_equal(fails, 0);
	heaps_down(3);
}

static uint64_t hist_count(const uint64_t *hist)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < GC_PAUSE_BUCKETS; i++)
		n += hist[i];
	return n;
}

/* A major step that only waits for another heap's root scan did nothing: it is not recorded
 * as a pause (a CPU waiting in a global (gc 'full) recorded millions, its percentiles read 0). */
static void test_wait_not_a_pause(void **state)
{
	struct heap *h = &heaps[0], *other = &heaps[1];
	obj keep;
	uint64_t steps0, count0;
	unsigned waits = 0, worked = 0;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	keep = make_cell(h, 3);
	GC_ROOT(h, keep);
	assert_int_equal(gc_major_start(h), 0);
	steps0 = h->stats.major_steps;
	count0 = hist_count(h->stats.major_pause_hist);
	for (int i = 0; i < 200; i++) {	/* the other heap passes no safe point */
		unsigned phase = h->major_phase;
		size_t w = gc_major_step(h, GC_MAJOR_STEP_WORDS);

		if (w > 1 || h->major_phase != phase)
			worked++;
		else
			waits++;
	}
	assert_true(waits >= 150);
	assert_int_equal(h->stats.major_steps - steps0, worked);
	assert_int_equal(hist_count(h->stats.major_pause_hist) - count0, worked);
	collect(h, other);	/* the other answers: the cycle ends */
	assert_true(cell_ok(keep));
	GC_UNROOT(h, keep);
	assert_int_equal(fails, 0);
	heaps_down(2);
}

/* The objects make_cell makes: the vector and the list (seed, length, elements). */
static size_t cell_objects(intptr_t seed)
{
	return 1 + 2 + (size_t)(1 + seed % 7);
}

/* Rings through 2 to 8 heaps: each heap's own collections keep a garbage ring (its counts), one
 * global mark frees exactly its n cells and keeps a live ring held by one root only. */
static void test_rings(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= NHEAPS; n++) {
		obj dead[NHEAPS], live[NHEAPS];
		size_t base[NHEAPS], purged = 0;

		host_cpu_enter(0, n);
		for (unsigned c = 0; c < n; c++) {
			heap_up(c, 64 * 1024);
			heaps[c].verify = true;
			base[c] = old_objects(&heaps[c]);
			dead[c] = make_cell(&heaps[c], 50 + c);
			GC_ROOT(&heaps[c], dead[c]);
			live[c] = make_cell(&heaps[c], 60 + c);
			GC_ROOT(&heaps[c], live[c]);
		}
		for (unsigned c = 0; c < n; c++) {
			assert_int_equal(gc_store(&heaps[c], dead[c], 2, dead[(c + 1) % n]), 0);
			assert_int_equal(gc_store(&heaps[c], live[c], 2, live[(c + 1) % n]), 0);
		}
		for (unsigned c = 0; c < n; c++) {
			dead[c] = OBJ_FALSE;
			if (c > 0)
				live[c] = OBJ_FALSE;	/* heap 0's root holds the live ring */
		}
		collect_all(n);
		for (unsigned c = 0; c < n; c++)
			assert_int_equal(old_objects(&heaps[c]),
					 base[c] + cell_objects(50 + c) + cell_objects(60 + c));
		global_all();
		assert_int_equal(gc_verify_world(), 0);
		for (unsigned c = 0; c < n; c++) {
			assert_int_equal(old_objects(&heaps[c]), base[c] + cell_objects(60 + c));
			assert_int_equal(gc_remote_refs(&heaps[c]), 1);
			purged += heaps[c].stats.global_purged;
		}
		assert_int_equal(purged, n);
		obj x = live[0];
		for (unsigned k = 0; k < n; k++, x = obj_vector_ref(x, 2))
			assert_true(cell_ok(x));
		assert_true(x == live[0]);
		live[0] = OBJ_FALSE;
		global_all();
		collect_all(n);
		for (unsigned c = 0; c < n; c++) {
			assert_int_equal(old_objects(&heaps[c]), base[c]);
			assert_int_equal(gc_remote_refs(&heaps[c]), 0);
		}
		for (unsigned c = n; c-- > 0;) {
			GC_UNROOT(&heaps[c], live[c]);
			GC_UNROOT(&heaps[c], dead[c]);
		}
		assert_int_equal(fails, 0);
		heaps_down(n);
	}
}

/* ---- two CPUs: a reference held only in a root survives the owner's collections ---- */

static obj slot_holder;		/* heap 1's shared vector, published before phase 1 */
static obj taken;		/* what CPU 0 read (for the report only) */
static unsigned phase;		/* atomic: the script's step */

static void wait_phase(struct heap *h, unsigned p)
{
	while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) < p) {
		gc_safepoint(h);
		arch_cpu_relax();
	}
}

static void stack_cpu(unsigned cpu, void *arg)
{
	struct heap *h = &heaps[cpu];
	uint64_t freed;

	(void)arg;
	if (cpu == 1) {
		obj v = heap_make_vector(h, 1, OBJ_FALSE), x = make_list(h, 77, 50);

		GC_ROOT(h, v);
		gc_write(h, v, 0, x);
		CHECK(gc_publish(h, &v) == 0);
		__atomic_store_n(&slot_holder, v, __ATOMIC_RELEASE);
		__atomic_store_n(&phase, 1, __ATOMIC_RELEASE);
		wait_phase(h, 2);	/* CPU 0 has read the slot into a root */
		gc_write(h, v, 0, OBJ_FALSE);	/* the last reference in any heap is gone */
		for (int i = 0; i < 20; i++) {
			CHECK(gc_major_full(h) == 0);
			for (int k = 0; k < 2000; k++)	/* churn: the freed memory would be reused */
				CHECK(make_list(h, k, 3) != OBJ_NULL);
		}
		freed = h->stats.freed_shared;
		__atomic_store_n(&phase, 3, __ATOMIC_RELEASE);
		wait_phase(h, 4);	/* CPU 0 checked it and dropped it */
		CHECK(gc_major_full(h) == 0);
		CHECK(h->stats.freed_shared > freed);	/* now it is gone */
		CHECK(old_objects(h) == 1);		/* only the vector */
		GC_UNROOT(h, v);
		__atomic_store_n(&phase, 5, __ATOMIC_RELEASE);
	} else {
		obj x;

		wait_phase(h, 1);
		x = load(__atomic_load_n(&slot_holder, __ATOMIC_ACQUIRE), 0);
		GC_ROOT(h, x);
		taken = x;
		__atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
		while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) < 3) {
			CHECK(list_ok(x));	/* the owner collects meanwhile */
			CHECK(make_list(h, 1, 10) != OBJ_NULL);	/* our allocation: safe points */
			gc_safepoint(h);
		}
		CHECK(list_ok(x));
		x = OBJ_FALSE;
		GC_UNROOT(h, x);
		__atomic_store_n(&phase, 4, __ATOMIC_RELEASE);
		wait_phase(h, 5);
	}
}

static void test_stack_reference(void **state)
{
	(void)state;
	phase = 0;
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	host_run_cpus(2, stack_cpu, NULL);
	assert_int_equal(fails, 0);
	assert_int_equal(heaps[1].stats.freed_shared > 0, 1);
	assert_true(heaps[1].stats.major_cycles >= 20);
	assert_true(heaps[0].stats.handshakes >= 20);
	assert_int_equal(gc_verify_world(), 0);
	heaps_down(2);
	assert_int_equal(fails, 0);
}

/* ---- randomized stress on n CPUs ---- */

#define KEEP_SLOTS	32

static unsigned long stress_seed;
static unsigned stress_rounds;
static obj boxes[NHEAPS];	/* each heap's shared mailbox vector */
static obj cellboxes[NHEAPS];	/* each heap's shared vector of cells (cycles across heaps) */
static void stress_cpu(unsigned cpu, void *arg)
{
	struct heap *h = &heaps[cpu];
	uint64_t s = stress_seed * 2654435761u + cpu + 1;
	unsigned gen = 0;
	struct mail m;
	obj cells, hc = OBJ_FALSE;

	(void)arg;
	mail_up(h, cpu, boxes, &m, KEEP_SLOTS);
	cells = heap_make_vector(h, BOX_SLOTS, OBJ_FALSE);
	GC_ROOT(h, cells);
	GC_ROOT(h, hc);
	CHECK(gc_publish(h, &cells) == 0);
	__atomic_store_n(&cellboxes[cpu], cells, __ATOMIC_RELEASE);
	barrier(h, &gen);
	for (unsigned r = 0; r < stress_rounds; r++) {
		uint32_t op = rnd(&s) % 100;
		unsigned j = rnd(&s) % stress_n;
		obj other = __atomic_load_n(&boxes[j], __ATOMIC_ACQUIRE);

		if (op < 10) {		/* a cell linked both ways with another heap's: a cycle */
			obj y, oc = __atomic_load_n(&cellboxes[j], __ATOMIC_ACQUIRE);

			m.l = make_cell(h, (intptr_t)(rnd(&s) & 0xffff));
			y = load(oc, rnd(&s) % BOX_SLOTS);	/* no safe point until stored */
			if (y != OBJ_FALSE) {
				CHECK(cell_ok(y));
				CHECK(gc_store(h, m.l, 2, y) == 0);
				CHECK(gc_store(h, y, 2, m.l) == 0);
			}
			/* the cell it replaces may be the last way to a cycle: garbage */
			CHECK(gc_store(h, cells, rnd(&s) % BOX_SLOTS, m.l) == 0);
		} else if (op < 15) {	/* hold a cell in a root only, walk its links */
			obj oc = __atomic_load_n(&cellboxes[j], __ATOMIC_ACQUIRE);

			hc = load(oc, rnd(&s) % BOX_SLOTS);
			CHECK(hc == OBJ_FALSE || cell_ok(hc));
		} else if (op < 35) {	/* make a list and put it in some heap's mailbox */
			mail_put(h, other, &m.l, &s);
		} else if (op < 60) {	/* take one into a root only: an uncounted reference */
			mail_hold(other, m.held, HELD, &s);
		} else if (op < 75) {	/* take one from a mailbox, check it, keep it */
			mail_keep(h, other, m.keep, &m.l, &s);
		} else if (op < 85) {	/* check what we keep, drop one */
			keep_check_drop(h, m.keep, &s);
		} else if (op < 99) {	/* clear a mailbox slot */
			gc_store(h, other, rnd(&s) % BOX_SLOTS, OBJ_FALSE);
		} else if (rnd(&s) % 4 == 0) {
			/* a global mark, while the other CPUs mutate and run their own cycles */
			CHECK(gc_global_full(h) == 0);
		} else {
			CHECK(gc_major_full(h) == 0);
		}
		if (hc != OBJ_FALSE) {	/* a cell held across rounds: it and its links intact? */
			obj x = hc;

			for (int k = 0; k < 4 && x != OBJ_FALSE; k++, x = load(x, 2))
				CHECK(cell_ok(x));
			__atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
		}
		held_check(m.held[r % HELD]);
		m.l = OBJ_FALSE;
		gc_safepoint(h);
	}
	/* drop everything, then every heap collects until nothing is left */
	barrier(h, &gen);
	mail_drop(h, &m);
	for (unsigned k = 0; k < BOX_SLOTS; k++)
		gc_store(h, cells, k, OBJ_FALSE);
	hc = OBJ_FALSE;
	barrier(h, &gen);
	if (cpu == 0)	/* the cycles across heaps: the others take part from the barrier */
		CHECK(gc_global_full(h) == 0);
	barrier(h, &gen);
	for (int round = 0; round < 2; round++) {
		CHECK(gc_major_full(h) == 0);
		barrier(h, &gen);
	}
	CHECK(gc_remote_refs(h) == 0);
	CHECK(old_objects(h) <= 3);	/* the mailbox, the keep vector, the cell box */
	if (old_objects(h) > 3)
		fprintf(stderr, "cpu %u: %zu old objects left\n", cpu, old_objects(h));
	barrier(h, &gen);
	GC_UNROOT(h, hc);
	GC_UNROOT(h, cells);
	mail_down(h, &m);
	barrier(h, &gen);
}

static void stress(unsigned n, unsigned rounds, size_t nursery)
{
	stress_n = n;
	stress_rounds = rounds;
	stress_seed = stress_seed_from("XHEAP_SEED");
	printf("stress: %u heaps, %u rounds, seed %lu (XHEAP_SEED=%lu replays it)\n", n, rounds,
	       stress_seed, stress_seed);
	arrived = 0;
	checked = 0;
	for (unsigned c = 0; c < n; c++)
		heap_up(c, nursery);
	host_run_cpus(n, stress_cpu, NULL);
	if (fails)
		printf("stress failed: seed %lu\n", stress_seed);
	assert_int_equal(fails, 0);
	assert_int_equal(gc_verify_world(), 0);
	printf("stress: %lu lists and cells checked intact after reads across heaps; cpu0: %lu major "
	       "cycles, %lu handshakes, %lu remote shades, %lu published, %lu global marks, %lu "
	       "counted objects found dead by them\n", (unsigned long)checked,
	       (unsigned long)heaps[0].stats.major_cycles, (unsigned long)heaps[0].stats.handshakes,
	       (unsigned long)heaps[0].stats.remote_shades, (unsigned long)heaps[0].stats.published,
	       (unsigned long)heaps[0].stats.global_cycles, (unsigned long)heaps[0].stats.global_purged);
	assert_true(checked > 0);
	heaps_down(n);
	assert_int_equal(fails, 0);
}

#ifdef __SANITIZE_THREAD__
#define ROUNDS(n)	((n) / 4)	/* ThreadSanitizer runs the same mix, at a tenth of the speed */
#else
#define ROUNDS(n)	(n)
#endif
/* The state join() (xcycle.c) leaves between its xlock section and bail() when the reserve of
 * the shade buffer was refused to a heap that never marked: xmarking on, no buffer. A shade into
 * it then must make the buffer's bottom block (or count as lost), not store through NULL (found
 * by the review of the block stack: it wrote to address 8). */
static void test_shade_join_window(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	obj keep, bv;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 256 * 1024);
	heap_up(1, 256 * 1024);
	keep = heap_make_vector(a, 4, OBJ_FALSE);
	GC_ROOT(a, keep);
	assert_int_equal(gc_minor(a), 0);
	bv = published_lists(b, 4, 0);
	GC_ROOT(b, bv);
	for (size_t i = 0; i < 4; i++)
		gc_write(a, keep, i, obj_vector_ref(bv, i));
	assert_null(b->xshade);			/* b never marked: no buffer */
	arch_atomic_store(&b->xmarking, true);	/* join(): reserve refused, bail() not yet */
	gc_write(a, keep, 0, OBJ_FALSE);	/* count down: the deletion barrier shades into b */
	arch_atomic_store(&b->xmarking, false);
	assert_non_null(b->xshade);
	assert_int_equal(b->xshade_len, 1);
	assert_false(b->xshade_lost);
	GC_UNROOT(b, bv);
	GC_UNROOT(a, keep);
	heaps_down(2);
}

/* The end of a local marking while another CPU is inside a barrier (between its exchange and
 * its shade): b has taken B out of Z (still white) and owes a's buffer its shade; a's own
 * mutator, which read B before, keeps it in a fresh object (black). a's marking then runs out
 * of work with an empty buffer and every root scan done; before the termination round it ended
 * there, swept B, and b's late shade was dropped (marking over): W named freed memory. Now a
 * waits until b has passed a safe point, which a barrier never is. */
static void test_termination_round(void **state)
{
	struct heap *a = &heaps[0], *b = &heaps[1];
	obj v, z, bv, w;

	(void)state;
	host_cpu_enter(0, 2);
	heap_up(0, 64 * 1024);
	heap_up(1, 64 * 1024);
	z = heap_make_vector(a, 1, OBJ_FALSE);
	GC_ROOT(a, z);
	bv = make_list(a, 7, 3);
	gc_write(a, z, 0, bv);
	v = heap_make_vector(a, 1, z);
	GC_UNROOT(a, z);
	GC_ROOT(a, v);
	assert_int_equal(gc_publish(a, &v), 0);	/* v, z and the list: old and shared */
	z = obj_vector_ref(v, 0);
	assert_int_equal(gc_major_start(a), 0);
	gc_safepoint(b);			/* b's roots scanned for a's cycle */
	bv = load(z, 0);			/* read by a's mutator and by b */
	assert_true(obj_ptr_p(bv));
	(void)arch_atomic_xchg(&obj_fields(z)[0], OBJ_FALSE);	/* b's barrier, first half */
	w = heap_make_vector(a, 1, OBJ_FALSE);	/* young: black while a marks */
	GC_ROOT(a, w);
	gc_write(a, w, 0, bv);
	for (int k = 0; k < 1000 && a->major_phase == HEAP_MAJOR_MARK; k++) {
		a->xwaiting = false;
		gc_major_step(a, GC_MAJOR_ALL);
		if (a->xwaiting)
			break;
	}
	assert_int_equal(a->major_phase, HEAP_MAJOR_MARK);	/* waiting for b */
	assert_true(a->xwaiting);
	gc_xshade(a, bv);			/* b's barrier, second half */
	while (a->major_phase != HEAP_MAJOR_IDLE) {
		gc_major_step(a, GC_MAJOR_ALL);
		gc_safepoint(b);
	}
	assert_true(list_ok(obj_vector_ref(w, 0)));
	assert_int_equal(gc_verify_world(), 0);
	GC_UNROOT(a, w);
	GC_UNROOT(a, v);
	heaps_down(2);
	assert_int_equal(fails, 0);
}

static void test_stress_2(void **state) { (void)state; stress(2, ROUNDS(20000), 64 * 1024); }
static void test_stress_4(void **state) { (void)state; stress(4, ROUNDS(10000), 64 * 1024); }
static void test_stress_8(void **state) { (void)state; stress(8, ROUNDS(4000), 64 * 1024); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shade_join_window),
		cmocka_unit_test(test_termination_round),
		cmocka_unit_test(test_publish_closure),
		cmocka_unit_test(test_publish_big),
		cmocka_unit_test(test_free_large_bounded),
		cmocka_unit_test(test_sweep_resumes),
		cmocka_unit_test(test_counts_exact),
		cmocka_unit_test(test_counts_batched),
		cmocka_unit_test(test_counts_batch_window),
		cmocka_unit_test(test_shades_batched),
		cmocka_unit_test(test_table_bounded),
		cmocka_unit_test(test_table_owner_away),
		cmocka_unit_test(test_stack_reference),
		cmocka_unit_test(test_cycles_exact),
		cmocka_unit_test(test_weak_symtab),
		cmocka_unit_test(test_wait_not_a_pause),
		cmocka_unit_test(test_rings),
		cmocka_unit_test(test_stress_2),
		cmocka_unit_test(test_stress_4),
		cmocka_unit_test(test_stress_8),
	};

	if (getenv("XHEAP_FILTER"))	/* e.g. XHEAP_FILTER='test_stress*' */
		cmocka_set_test_filter(getenv("XHEAP_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
