/* test_heap.c -- the object model, the nursery and old generation, minor collection, C roots,
 * the write barrier and remembered set, large objects, exhaustion, torture and a randomized
 * mutation stress against a shadow model with major steps interleaved (SEED=n replays).
 * Prints allocation and pause numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arch.h>
#include <mm/gc/barrier.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/heaps/heap.h>

#define KIB	1024
#define MIB	(1024 * 1024)

/* --- a block source over aligned_alloc with a byte budget (failure injection) --- */

#include "heap_fixture.h"

static obj fx(intptr_t v) { return obj_fixnum(v); }

/* --- object model --- */

static void test_tags(void **state)
{
	(void)state;
	intptr_t vals[] = { 0, 1, -1, 42, -42, 12345678, OBJ_FIXNUM_MAX, OBJ_FIXNUM_MIN,
			    OBJ_FIXNUM_MAX - 1, OBJ_FIXNUM_MIN + 1 };
	obj o = OBJ_NULL;

	assert_int_equal(OBJ_FIXNUM_MAX, 1073741823);
	assert_int_equal(OBJ_FIXNUM_MIN, -1073741824);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		assert_true(obj_fixnum_fits(vals[i]));
		assert_true(obj_fixnum_checked(vals[i], &o));
		assert_true(obj_fixnum_p(o));
		assert_false(obj_ptr_p(o) || obj_imm_p(o));
		assert_int_equal(obj_fixnum_value(o), vals[i]);
	}
	o = OBJ_TRUE;
	assert_false(obj_fixnum_checked((int64_t)OBJ_FIXNUM_MAX + 1, &o));
	assert_false(obj_fixnum_checked((int64_t)OBJ_FIXNUM_MIN - 1, &o));
	assert_false(obj_fixnum_checked(INT64_MAX, &o));
	assert_false(obj_fixnum_checked(INT64_MIN, &o));
	assert_int_equal(o, OBJ_TRUE);	/* untouched on failure */
	assert_false(obj_fixnum_fits(OBJ_FIXNUM_MAX + 1));

	uint32_t cs[] = { 0, 'a', 0x7f, 0xe9, 0xD7FF, 0xE000, 0x1F600, OBJ_CHAR_MAX };
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		assert_true(obj_char_checked(cs[i], &o));
		assert_true(obj_char_p(o) && obj_imm_p(o));
		assert_false(obj_fixnum_p(o) || obj_ptr_p(o) || obj_const_p(o));
		assert_int_equal(obj_char_value(o), cs[i]);
	}
	assert_false(obj_char_checked(OBJ_CHAR_MAX + 1, &o));
	assert_false(obj_char_checked(0xD800, &o));
	assert_false(obj_char_checked(0xDFFF, &o));

	obj consts[] = { OBJ_FALSE, OBJ_TRUE, OBJ_NIL, OBJ_UNSPECIFIED, OBJ_EOF, OBJ_UNDEFINED };
	for (size_t i = 0; i < OBJ_CONST_COUNT; i++) {
		assert_true(obj_const_p(consts[i]) && obj_imm_p(consts[i]));
		assert_false(obj_ptr_p(consts[i]) || obj_fixnum_p(consts[i]) || obj_char_p(consts[i]));
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(consts[i], consts[j]);
	}
	assert_int_equal(obj_bool(true), OBJ_TRUE);
	assert_int_equal(obj_bool(false), OBJ_FALSE);
	assert_false(obj_ptr_p(OBJ_NULL));

	/* headers */
	uintptr_t hd = obj_hdr(OBJ_T_VECTOR, OBJ_MAX_FIELDS);
	assert_true(obj_hdr_valid_p(hd));
	assert_false(obj_hdr_forwarded_p(hd));
	assert_int_equal(obj_hdr_type(hd), OBJ_T_VECTOR);
	assert_int_equal(obj_hdr_size(hd), OBJ_MAX_FIELDS);
	assert_int_equal(obj_hdr_nptrs(hd, NULL), OBJ_MAX_FIELDS);
	hd = obj_hdr(OBJ_T_STRING, 7);
	assert_int_equal(obj_hdr_nptrs(hd, NULL), 0);
	obj mixed[4] = { fx(2), OBJ_NIL, OBJ_NIL, 12345 };
	assert_int_equal(obj_hdr_nptrs(obj_hdr(OBJ_T_MIXED, 4), mixed), 3);
	mixed[0] = fx(100);	/* clamped to the object */
	assert_int_equal(obj_hdr_nptrs(obj_hdr(OBJ_T_MIXED, 4), mixed), 4);
	assert_false(obj_hdr_valid_p(obj_hdr(OBJ_T_INVALID, 1)));
	assert_false(obj_hdr_valid_p(obj_hdr(OBJ_T_PTR_END, 1)));
	assert_false(obj_hdr_valid_p(obj_hdr(OBJ_T_LIMIT, 1)));
	assert_false(obj_hdr_valid_p((uintptr_t)GC_POISON));
	assert_true(obj_hdr_forwarded_p((uintptr_t)&mixed[0]));
}

/* --- allocation --- */

static void test_alloc_basic(void **state)
{
	(void)state;
	struct heap *h = setup(256 * KIB, 64 * MIB);
	obj p = heap_cons(h, fx(1), OBJ_NIL);
	obj v, s, m;

	assert_true(obj_pair_p(p) && heap_young_p(h, p));
	assert_int_equal(obj_car(p), fx(1));
	assert_int_equal(obj_cdr(p), OBJ_NIL);
	GC_ROOT(h, p);
	v = heap_make_vector(h, 10, fx(7));
	GC_ROOT(h, v);
	assert_true(obj_vector_p(v));
	assert_int_equal(obj_vector_length(v), 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(obj_vector_ref(v, i), fx(7));
	s = heap_make_bytes(h, OBJ_T_STRING, "hello, world", 12);
	GC_ROOT(h, s);
	assert_true(obj_string_p(s));
	assert_int_equal(obj_bytes_length(s), 12);
	assert_memory_equal(obj_bytes_data(s), "hello, world", 12);
	m = heap_alloc_mixed(h, 2, 3);
	GC_ROOT(h, m);
	assert_int_equal(obj_hdr_nptrs(obj_header(m), obj_fields(m)), 3);
	gc_write(h, m, 1, p);
	obj_fields(m)[3] = 0xdeadbeef;	/* raw: never looked at by the collector */
	obj_fields(m)[5] = 3;		/* a raw word that looks like a pointer */
	assert_int_equal(gc_verify(h), 0);

	assert_int_equal(gc_minor(h), 0);
	assert_false(heap_young_p(h, p) || heap_young_p(h, v) || heap_young_p(h, s) ||
		     heap_young_p(h, m));
	assert_int_equal(obj_car(p), fx(1));
	assert_int_equal(obj_vector_ref(v, 9), fx(7));
	assert_memory_equal(obj_bytes_data(s), "hello, world", 12);
	assert_int_equal(obj_fields(m)[1], p);
	assert_int_equal(obj_fields(m)[2], OBJ_UNSPECIFIED);
	assert_int_equal(obj_fields(m)[3], 0xdeadbeef);
	assert_int_equal(obj_fields(m)[5], 3);
	GC_UNROOT(h, m);
	GC_UNROOT(h, s);
	GC_UNROOT(h, v);
	GC_UNROOT(h, p);
	teardown(h);
}

/* --- minor collection keeps exactly the reachable objects --- */

static obj make_list(struct heap *h, intptr_t n)
{
	obj l = OBJ_NIL;

	for (intptr_t i = n - 1; i >= 0; i--) {
		l = heap_cons(h, fx(i), l);
		assert_true(l != OBJ_NULL);
	}
	return l;
}

static void check_list(obj l, intptr_t n)
{
	for (intptr_t i = 0; i < n; i++, l = obj_cdr(l)) {
		assert_true(obj_pair_p(l));
		assert_int_equal(obj_car(l), fx(i));
	}
	assert_int_equal(l, OBJ_NIL);
}

/* A binary tree of depth d: leaves are fixnums, nodes are vectors #(d left right). */
static obj make_tree(struct heap *h, int d, intptr_t *leaf)
{
	obj l, r, n;

	if (d == 0)
		return fx((*leaf)++);
	l = make_tree(h, d - 1, leaf);
	GC_ROOT(h, l);
	heap_cons(h, fx(-1), OBJ_NIL);	/* garbage between the subtrees */
	r = make_tree(h, d - 1, leaf);
	GC_ROOT(h, r);
	n = heap_alloc(h, OBJ_T_VECTOR, 3);
	assert_true(n != OBJ_NULL);
	gc_write(h, n, 0, fx(d));
	gc_write(h, n, 1, l);
	gc_write(h, n, 2, r);
	GC_UNROOT(h, r);
	GC_UNROOT(h, l);
	return n;
}

static void check_tree(obj t, int d, intptr_t *leaf)
{
	if (d == 0) {
		assert_int_equal(t, fx((*leaf)++));
		return;
	}
	assert_true(obj_vector_p(t));
	assert_int_equal(obj_vector_ref(t, 0), fx(d));
	check_tree(obj_vector_ref(t, 1), d - 1, leaf);
	check_tree(obj_vector_ref(t, 2), d - 1, leaf);
}

static void test_minor_exact(void **state)
{
	(void)state;
	struct heap *h = setup(1 * MIB, 64 * MIB);
	obj list, tree, a, b;
	intptr_t leaf = 0;
	uint64_t before;
	size_t W = sizeof(uintptr_t);

	list = make_list(h, 1000);
	GC_ROOT(h, list);
	make_list(h, 500);	/* garbage */
	tree = make_tree(h, 8, &leaf);
	GC_ROOT(h, tree);
	a = heap_cons(h, fx(1), OBJ_NIL);
	GC_ROOT(h, a);
	b = heap_cons(h, fx(2), a);
	gc_set_cdr(h, a, b);	/* a 2-cycle */
	b = heap_cons(h, fx(3), OBJ_NIL);	/* garbage, and b is not rooted */
	heap_make_vector(h, 100, OBJ_NIL);	/* garbage */
	assert_int_equal(h->stats.minor_collections, 0);

	before = h->stats.bytes_promoted;
	assert_int_equal(gc_minor(h), 0);
	/* 1000 pairs + 255 tree nodes + 2 cycle pairs, nothing else */
	assert_int_equal(h->stats.bytes_promoted - before, (1000 * 3 + 255 * 4 + 2 * 3) * W);
	check_list(list, 1000);
	leaf = 0;
	check_tree(tree, 8, &leaf);
	assert_int_equal(leaf, 256);
	assert_int_equal(obj_car(a), fx(1));
	assert_int_equal(obj_car(obj_cdr(a)), fx(2));
	assert_int_equal(obj_cdr(obj_cdr(a)), a);
	assert_int_equal(heap_nursery_used(h), 0);

	/* a second collection promotes nothing more: all of it is old now */
	before = h->stats.bytes_promoted;
	assert_int_equal(gc_minor(h), 0);
	assert_int_equal(h->stats.bytes_promoted - before, 0);
	check_list(list, 1000);

	/* dropping the roots: the old objects stay (no major GC yet), new garbage is not promoted */
	GC_UNROOT(h, a);
	GC_UNROOT(h, tree);
	GC_UNROOT(h, list);
	make_list(h, 3000);
	before = h->stats.bytes_promoted;
	assert_int_equal(gc_minor(h), 0);
	assert_int_equal(h->stats.bytes_promoted - before, 0);
	teardown(h);
}

/* many collections triggered by allocation, with live data carried across them */
static void test_minor_by_allocation(void **state)
{
	(void)state;
	struct heap *h = setup(64 * KIB, 64 * MIB);
	obj keep = OBJ_NIL, l;
	intptr_t leaf = 0;

	GC_ROOT(h, keep);
	for (int round = 0; round < 50; round++) {
		l = make_list(h, 300);
		keep = heap_cons(h, l, keep);
		make_list(h, 700);	/* garbage */
	}
	assert_true(h->stats.minor_collections > 10);
	l = keep;
	for (int round = 0; round < 50; round++, l = obj_cdr(l))
		check_list(obj_car(l), 300);
	assert_int_equal(l, OBJ_NIL);
	obj t = make_tree(h, 12, &leaf);
	GC_ROOT(h, t);
	leaf = 0;
	check_tree(t, 12, &leaf);
	GC_UNROOT(h, t);
	GC_UNROOT(h, keep);
	teardown(h);
}

/* --- the write barrier and remembered set --- */

static void test_remset(void **state)
{
	(void)state;
	struct heap *h = setup(256 * KIB, 64 * MIB);
	obj old = heap_make_vector(h, 4, OBJ_FALSE), y;

	GC_ROOT(h, old);
	assert_int_equal(gc_minor(h), 0);
	assert_false(heap_young_p(h, old));

	y = heap_cons(h, fx(42), make_list(h, 3));
	assert_true(heap_young_p(h, y));
	gc_vector_set(h, old, 2, y);
	assert_int_equal(h->remset_len, 1);
	gc_vector_set(h, old, 2, y);	/* filtered by the cache */
	assert_int_equal(h->remset_len, 1);
	y = OBJ_NULL;			/* only the old object holds it now */
	make_list(h, 100);		/* garbage */
	assert_int_equal(gc_minor(h), 0);
	y = obj_vector_ref(old, 2);
	assert_false(heap_young_p(h, y));
	assert_int_equal(obj_car(y), fx(42));
	check_list(obj_cdr(y), 3);
	assert_int_equal(h->remset_len, 0);

	/* a store that bypasses the barrier is caught by gc_verify (G3) */
	y = heap_cons(h, fx(7), OBJ_NIL);
	obj_fields(old)[0] = y;
	assert_int_equal(gc_verify(h), -1);
	gc_vector_set(h, old, 0, y);
	assert_int_equal(gc_verify(h), 0);
	/* a stale entry (the slot was overwritten with an old value) is harmless */
	gc_vector_set(h, old, 0, fx(5));
	assert_int_equal(gc_minor(h), 0);
	assert_int_equal(obj_vector_ref(old, 0), fx(5));

	/* young-to-young and old-to-old stores are not remembered */
	y = heap_cons(h, OBJ_NIL, OBJ_NIL);
	gc_set_car(h, y, heap_cons(h, fx(1), OBJ_NIL));
	gc_vector_set(h, old, 1, obj_vector_ref(old, 2));
	assert_int_equal(h->remset_len, 0);
	GC_UNROOT(h, old);
	teardown(h);
}

/* more distinct old-to-young slots than the buffer holds: overflow, then a full old-gen scan */
/* n young pairs (cars 0..n-1) in a list, rooted by the caller through *l. */
static void young_pairs(struct heap *h, obj *l, size_t n)
{
	*l = OBJ_NIL;
	for (size_t i = n; i-- > 0;) {
		*l = heap_cons(h, fx((intptr_t)i), *l);
		assert_true(heap_young_p(h, *l));
	}
}

/* v[i] holds the pair whose car is i, promoted, for every i < n. */
static void check_promoted(struct heap *h, obj v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		obj p = obj_vector_ref(v, i);

		assert_false(heap_young_p(h, p));
		assert_int_equal(obj_car(p), fx((intptr_t)i));
	}
}

/* The remembered set bounds the minor pause (issue 13): stores with allocations between them
 * bring a minor collection every GC_REMSET_ENTRIES entries; stores with none make it grow
 * while the old generation is big enough, and only past that does it overflow (and the next
 * minor collection scan the whole old generation). */
static void test_remset_overflow(void **state)
{
	(void)state;
	struct heap *h = setup(1 * MIB, 64 * MIB);
	size_t n = 3 * GC_REMSET_ENTRIES, big = 200000, small = GC_REMSET_ENTRIES + 1000;
	obj v = heap_make_vector(h, n, OBJ_FALSE), l = OBJ_NIL, p;
	uint64_t minors;

	GC_ROOT(h, v);
	GC_ROOT(h, l);
	assert_false(heap_young_p(h, v));	/* large: born old */
	/* allocations between the stores: a minor collection at every GC_REMSET_ENTRIES */
	for (size_t i = 0; i < n; i++) {
		p = heap_cons(h, fx((intptr_t)i), OBJ_NIL);
		gc_vector_set(h, v, i, p);
		assert_true(h->remset_len <= GC_REMSET_ENTRIES);
	}
	assert_int_equal(h->stats.minor_collections, 2);
	assert_false(h->remset_overflow);
	p = heap_cons(h, OBJ_NIL, OBJ_NIL);	/* due: the third */
	assert_int_equal(h->stats.minor_collections, 3);
	check_promoted(h, v, n);

	/* no allocation between the stores, a big old generation: the set grows */
	v = heap_make_vector(h, big, OBJ_FALSE);
	young_pairs(h, &l, 2 * GC_REMSET_ENTRIES + 10);
	minors = h->stats.minor_collections;
	p = l;
	for (size_t i = 0; p != OBJ_NIL; i++, p = obj_cdr(p))
		gc_vector_set(h, v, i, p);
	assert_false(h->remset_overflow);
	assert_true(h->stats.remset_grown >= 1);
	assert_int_equal(h->stats.minor_collections, minors);
	p = heap_cons(h, OBJ_NIL, OBJ_NIL);	/* due */
	assert_int_equal(h->stats.minor_collections, minors + 1);
	assert_int_equal(h->stats.remset_overflows, 0);
	check_promoted(h, v, 2 * GC_REMSET_ENTRIES + 10);

	/* ... and a small one: it overflows, and the collection scans the old generation */
	GC_UNROOT(h, l);
	GC_UNROOT(h, v);
	teardown(h);
	h = setup(1 * MIB, 64 * MIB);
	GC_ROOT(h, v);
	GC_ROOT(h, l);
	v = heap_make_vector(h, small, OBJ_FALSE);
	young_pairs(h, &l, small);
	p = l;
	for (size_t i = 0; p != OBJ_NIL; i++, p = obj_cdr(p))
		gc_vector_set(h, v, i, p);
	assert_true(h->remset_overflow);
	assert_int_equal(h->stats.minor_collections, 0);
	p = heap_cons(h, OBJ_NIL, OBJ_NIL);	/* the overflow forces a collection here */
	assert_int_equal(h->stats.minor_collections, 1);
	assert_int_equal(h->stats.remset_overflows, 1);
	assert_false(h->remset_overflow);
	check_promoted(h, v, small);
	GC_UNROOT(h, l);
	GC_UNROOT(h, v);
	teardown(h);
}

/* --- large objects --- */

static void test_large(void **state)
{
	(void)state;
	struct heap *h = setup(256 * KIB, 64 * MIB);
	obj v = heap_make_vector(h, 100000, fx(3)), s, y;
	static char text[200000];

	GC_ROOT(h, v);
	assert_true(v != OBJ_NULL);
	assert_false(heap_young_p(h, v));
	assert_int_equal(obj_vector_length(v), 100000);
	assert_int_equal(obj_vector_ref(v, 99999), fx(3));
	assert_ptr_equal(heap_group_of((void *)v)->owner, h);
	assert_int_equal(heap_group_of((void *)v)->kind, HEAP_GROUP_LARGE);
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	s = heap_make_bytes(h, OBJ_T_STRING, text, sizeof(text));
	GC_ROOT(h, s);
	assert_false(heap_young_p(h, s));
	/* young pointers into a large object, through the barrier */
	for (size_t i = 0; i < 100000; i += 1000) {
		y = heap_cons(h, fx((intptr_t)i), OBJ_NIL);
		gc_vector_set(h, v, i, y);
	}
	/* a large vector filled with a young object */
	y = heap_cons(h, fx(-9), OBJ_NIL);
	obj w = heap_make_vector(h, 2000, y);
	GC_ROOT(h, w);
	assert_false(heap_young_p(h, w));
	make_list(h, 20000);	/* garbage: forces collections */
	assert_true(h->stats.minor_collections > 0);
	for (size_t i = 0; i < 100000; i++) {
		obj e = obj_vector_ref(v, i);

		if (i % 1000)
			assert_int_equal(e, fx(3));
		else
			assert_int_equal(obj_car(e), fx((intptr_t)i));
	}
	assert_int_equal(obj_car(obj_vector_ref(w, 1999)), fx(-9));
	assert_int_equal(obj_vector_ref(w, 0), obj_vector_ref(w, 1999));
	assert_memory_equal(obj_bytes_data(s), text, sizeof(text));
	assert_int_equal(h->stats.large_objects, 3);
	/* the threshold: the biggest nursery object and the smallest large one */
	size_t big = HEAP_LARGE_BYTES / sizeof(uintptr_t) - 1;
	assert_true(heap_young_p(h, heap_alloc(h, OBJ_T_VECTOR, big)));
	assert_false(heap_young_p(h, heap_alloc(h, OBJ_T_VECTOR, big + 1)));
	GC_UNROOT(h, w);
	GC_UNROOT(h, s);
	GC_UNROOT(h, v);
	teardown(h);
}

/* --- exhaustion: OBJ_NULL, never a crash, and the heap stays usable --- */

static void test_exhaustion(void **state)
{
	(void)state;
	struct heap *h = setup(256 * KIB, 256 * KIB + GC_REMSET_BYTES + 16 * HEAP_GROUP_SIZE);
	obj list = OBJ_NIL, p;
	intptr_t n = 0;

	GC_ROOT(h, list);
	/* a large object bigger than what is left */
	assert_int_equal(heap_make_vector(h, 1000000, OBJ_NIL), OBJ_NULL);
	assert_int_equal(heap_alloc(h, OBJ_T_VECTOR, OBJ_MAX_FIELDS + 1), OBJ_NULL);
	assert_int_equal(heap_make_bytes(h, OBJ_T_BYTEVECTOR, NULL, 100 * MIB), OBJ_NULL);
	assert_int_equal(h->stats.alloc_failures, 3);
	assert_int_equal(gc_verify(h), 0);

	/* grow a live list until the old generation cannot take the next collection */
	for (;;) {
		p = heap_cons(h, fx(n), list);
		if (p == OBJ_NULL)
			break;
		list = p;
		n++;
		assert_true(n < 10000000);
	}
	assert_int_equal(gc_verify(h), 0);
	assert_true(n > 10000);
	p = list;
	for (intptr_t i = n - 1; i >= 0; i--, p = obj_cdr(p))
		assert_int_equal(obj_car(p), fx(i));
	assert_int_equal(p, OBJ_NIL);
	assert_int_equal(heap_cons(h, OBJ_NIL, OBJ_NIL), OBJ_NULL);	/* still full */

	/* more memory: the same heap carries on with its data intact */
	source.budget += 64 * HEAP_GROUP_SIZE;
	for (intptr_t i = 0; i < 100000; i++) {
		p = heap_cons(h, fx(n), list);
		assert_true(p != OBJ_NULL);
		list = p;
		n++;
	}
	p = list;
	for (intptr_t i = n - 1; i >= 0; i--, p = obj_cdr(p))
		assert_int_equal(obj_car(p), fx(i));
	GC_UNROOT(h, list);
	teardown(h);
}

/* --- torture: a collection at every allocation --- */

static void test_torture(void **state)
{
	(void)state;
	struct heap *h = setup(64 * KIB, 64 * MIB);
	obj keep = OBJ_NIL, t;
	intptr_t leaf = 0;
	uint64_t c0;

	heap_set_torture(h, true);
	GC_ROOT(h, keep);
	c0 = h->stats.minor_collections;
	keep = make_list(h, 500);
	assert_int_equal(h->stats.minor_collections - c0, 500);
	t = make_tree(h, 6, &leaf);
	GC_ROOT(h, t);
	t = heap_cons(h, t, keep);
	keep = heap_make_bytes(h, OBJ_T_STRING, "torture", 7);
	assert_memory_equal(obj_bytes_data(keep), "torture", 7);
	keep = heap_cons(h, keep, t);
	GC_UNROOT(h, t);
	leaf = 0;
	check_tree(obj_car(obj_cdr(keep)), 6, &leaf);
	check_list(obj_cdr(obj_cdr(keep)), 500);
	assert_memory_equal(obj_bytes_data(obj_car(keep)), "torture", 7);
	heap_set_torture(h, false);
	c0 = h->stats.minor_collections;
	make_list(h, 100);
	assert_int_equal(h->stats.minor_collections, c0);
	GC_UNROOT(h, keep);
	teardown(h);
}

/* --- randomized mutation stress against a shadow model --- */

#define NSLOTS		128	/* root table entries */
#define MAXIDS		40000	/* nodes ever made */
#define MAXF		9	/* fields of a node, the first being its id */

struct mnode {
	unsigned nf;		/* fields, id included */
	int32_t ref[MAXF];	/* field i: node id, or -1 - value of a fixnum */
};

static struct mnode model[MAXIDS];
static obj seen[MAXIDS];
static int32_t table_id[NSLOTS];	/* -1: slot holds a fixnum */
static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static obj st_obj[MAXIDS];
static int32_t st_id[MAXIDS];

static void visit(obj o, int32_t id, unsigned *sp)
{
	if (seen[id]) {
		assert_int_equal(seen[id], o);	/* one copy per node: sharing preserved */
		return;
	}
	seen[id] = o;
	st_obj[*sp] = o;
	st_id[*sp] = id;
	(*sp)++;
}

/* Everything reachable from the table matches the model, node for node. */
static void check_model(obj table, int32_t nids)
{
	unsigned sp = 0;

	memset(seen, 0, sizeof(obj) * (size_t)nids);
	assert_int_equal(obj_vector_length(table), NSLOTS);
	for (unsigned s = 0; s < NSLOTS; s++) {
		obj o = obj_vector_ref(table, s);

		if (table_id[s] < 0)
			assert_int_equal(o, fx(0));
		else
			visit(o, table_id[s], &sp);
	}
	while (sp) {
		sp--;
		obj o = st_obj[sp];
		struct mnode *m = &model[st_id[sp]];

		assert_true(obj_vector_p(o));
		assert_int_equal(obj_vector_length(o), m->nf);
		assert_int_equal(obj_vector_ref(o, 0), fx(st_id[sp]));
		for (unsigned i = 1; i < m->nf; i++) {
			obj f = obj_vector_ref(o, i);

			if (m->ref[i] < 0)
				assert_int_equal(f, fx(-1 - m->ref[i]));
			else
				visit(f, m->ref[i], &sp);
		}
	}
}

static void stress_run(uint64_t seed, unsigned steps, bool torture)
{
	struct heap *h = setup(64 * KIB, 512 * MIB);
	obj table, node = OBJ_NULL, tmp = OBJ_NULL;
	int32_t nids = 0;
	uint64_t colls = 0;
	unsigned checks = 0;

	rng = seed ? seed : 1;
	heap_set_torture(h, torture);
	table = heap_make_vector(h, NSLOTS, fx(0));
	GC_ROOT(h, table);
	GC_ROOT(h, node);
	GC_ROOT(h, tmp);
	for (unsigned s = 0; s < NSLOTS; s++)
		table_id[s] = -1;
	for (unsigned step = 0; step < steps && nids < MAXIDS; step++) {
		unsigned op = rnd() % 100;
		unsigned s = rnd() % NSLOTS;

		if (op < 40) {
			/* new node into slot s, fields referring to random table nodes */
			int32_t id = nids++;
			struct mnode *m = &model[id];

			m->nf = 2 + rnd() % (MAXF - 1);
			node = heap_alloc(h, OBJ_T_VECTOR, m->nf);
			assert_true(node != OBJ_NULL);
			gc_vector_set(h, node, 0, fx(id));
			m->ref[0] = -1 - id;
			for (unsigned i = 1; i < m->nf; i++) {
				unsigned t = rnd() % NSLOTS;

				if (table_id[t] >= 0 && rnd() % 4) {
					m->ref[i] = table_id[t];
					gc_vector_set(h, node, i, obj_vector_ref(table, t));
				} else {
					int32_t v = (int32_t)(rnd() % 1000);

					m->ref[i] = -1 - v;
					gc_vector_set(h, node, i, fx(v));
				}
			}
			gc_vector_set(h, table, s, node);
			table_id[s] = id;
			node = OBJ_NULL;
		} else if (op < 80) {
			/* random write: slot s's node, field i := another table node or a fixnum */
			if (table_id[s] < 0)
				continue;
			struct mnode *m = &model[table_id[s]];
			unsigned i = 1 + rnd() % (m->nf - 1);
			unsigned t = rnd() % NSLOTS;
			obj holder = obj_vector_ref(table, s);

			if (table_id[t] >= 0 && rnd() % 3) {
				m->ref[i] = table_id[t];
				gc_vector_set(h, holder, i, obj_vector_ref(table, t));
			} else {
				int32_t v = (int32_t)(rnd() % 1000);

				m->ref[i] = -1 - v;
				gc_vector_set(h, holder, i, fx(v));
			}
		} else if (op < 85) {
			/* move: slot s := a node reachable from slot t's node (keeps deep data alive) */
			unsigned t = rnd() % NSLOTS;

			if (table_id[t] < 0)
				continue;
			struct mnode *m = &model[table_id[t]];
			unsigned i = 1 + rnd() % (m->nf - 1);

			if (m->ref[i] < 0)
				continue;
			table_id[s] = m->ref[i];
			gc_vector_set(h, table, s, obj_vector_ref(obj_vector_ref(table, t), i));
		} else if (op < 90) {
			gc_vector_set(h, table, s, fx(0));
			table_id[s] = -1;
		} else if (op < 99) {
			/* garbage */
			tmp = make_list(h, 1 + rnd() % 50);
			tmp = OBJ_NULL;
		} else {
			assert_int_equal(gc_minor(h), 0);
		}
		/* major steps interleaved with the mutation, small random budgets */
		if (rnd() % 16 == 0) {
			if (h->major_phase == HEAP_MAJOR_IDLE) {
				if (rnd() % 16 == 0)
					assert_int_equal(gc_major_start(h), 0);
			} else {
				uint64_t done = h->stats.major_cycles;

				gc_major_step(h, 1 + rnd() % 2000);
				if (h->stats.major_cycles != done)
					check_model(table, nids);
			}
		}
		if (h->stats.minor_collections != colls) {
			colls = h->stats.minor_collections;
			check_model(table, nids);
			checks++;
		}
	}
	check_model(table, nids);
	assert_true(checks > 10);
	printf("[ stress   ] %s%u nodes, %u checked collections, %llu remset overflows, "
	       "%.1f MiB promoted, %llu major cycles (%.1f MiB freed)\n", torture ? "torture: " : "",
	       (unsigned)nids, checks, (unsigned long long)h->stats.remset_overflows,
	       h->stats.bytes_promoted / (double)MIB, (unsigned long long)h->stats.major_cycles,
	       h->stats.major_bytes_freed / (double)MIB);
	if (!torture)
		assert_true(h->stats.major_cycles > 0);
	assert_int_equal(gc_major_full(h), 0);
	check_model(table, nids);
	GC_UNROOT(h, tmp);
	GC_UNROOT(h, node);
	GC_UNROOT(h, table);
	teardown(h);
}

static void test_stress(void **state)
{
	(void)state;
	const char *env = getenv("SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();

	printf("[ stress   ] seed %llu (replay with SEED=%llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	stress_run(seed, 60000, false);
	stress_run(seed, 3000, true);
}

/* --- numbers for the notes (not pass/fail) --- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void bench(size_t nursery)
{
	static uint64_t pauses[100000];
	struct heap *h = setup(nursery, 1024 * MIB);
	obj ring, l;
	size_t np = 0;
	uint64_t colls, t0, t1;
	const long N = 4000000;

	h->verify = false;
	/* pure allocation rate: garbage pairs */
	t0 = arch_cycles();
	for (long i = 0; i < N; i++)
		heap_cons(h, fx(i & 1023), OBJ_NIL);
	t1 = arch_cycles();
	printf("[ numbers  ] nursery %4zu KiB: %.1f M pairs/s (garbage only, %llu minor GCs)\n",
	       nursery / KIB, N / ((t1 - t0) / 1e9) / 1e6,
	       (unsigned long long)h->stats.minor_collections);

	/* live data: a ring of 1000 lists of 10 pairs, one list replaced every 16 lists made */
	ring = heap_make_vector(h, 1000, OBJ_NIL);
	GC_ROOT(h, ring);
	colls = h->stats.minor_collections;
	t0 = arch_cycles();
	for (long i = 0; i < N / 10; i++) {
		l = OBJ_NIL;
		for (int k = 0; k < 10; k++)
			l = heap_cons(h, fx(k), l);
		if (i % 16 == 0)
			gc_vector_set(h, ring, (size_t)(i / 16) % 1000, l);
		if (h->stats.minor_collections != colls) {
			colls = h->stats.minor_collections;
			if (np < 100000)
				pauses[np++] = h->stats.pause_last;
		}
	}
	t1 = arch_cycles();
	qsort(pauses, np, sizeof(pauses[0]), cmp_u64);
	printf("[ numbers  ] nursery %4zu KiB: %.1f M pairs/s with live data; %zu minor GCs, "
	       "pause p50 %.1f us p99 %.1f us max %.1f us; promoted %.1f MiB\n",
	       nursery / KIB, N / ((t1 - t0) / 1e9) / 1e6, np,
	       np ? arch_cycles_to_ns(pauses[np / 2]) / 1e3 : 0.0,
	       np ? arch_cycles_to_ns(pauses[np * 99 / 100]) / 1e3 : 0.0,
	       arch_cycles_to_ns(h->stats.pause_max) / 1e3,
	       h->stats.bytes_promoted / (double)MIB);
	GC_UNROOT(h, ring);
	teardown(h);
}

static void test_numbers(void **state)
{
	(void)state;
	bench(256 * KIB);
	bench(1 * MIB);
}

/* The pause histogram's buckets tile [0, 2^64) in order, each at most 1/32 of its values wide,
 * and its percentiles are within that of the exact ones (issue 13: log2 buckets were 2x). */
static void test_pause_histogram(void **state)
{
	static uint64_t hist[GC_PAUSE_BUCKETS], sample[20000];
	uint64_t total = 0, last = 0, max = 0, seed = 12345;

	(void)state;
	assert_int_equal(gc_hist_lo(0), 0);
	for (unsigned i = 0; i + 1 < GC_PAUSE_BUCKETS; i++) {
		uint64_t lo = gc_hist_lo(i), w = gc_hist_width(i);

		assert_true(w >= 1);
		assert_int_equal(gc_hist_lo(i + 1), lo + w);	/* no gap, no overlap */
		assert_int_equal(gc_hist_index(lo), i);
		assert_int_equal(gc_hist_index(lo + w - 1), i);
		assert_true(w * 32 <= lo || w == 1);		/* at most 3.1% of its values */
	}
	assert_int_equal(gc_hist_index(UINT64_MAX), GC_PAUSE_BUCKETS - 1);
	assert_int_equal(gc_hist_index((uint64_t)1 << GC_HIST_LOG2_MAX), GC_PAUSE_BUCKETS - 1);
	assert_int_equal(gc_hist_percentile(hist, NULL, 0, 99), 0);	/* empty */

	/* log-uniform pauses from 1 cycle to 2^30 */
	for (size_t k = 0; k < ARRAY_SIZE(sample); k++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		sample[k] = ((seed >> 33) & 0xffff) << ((seed >> 20) % 15);
		gc_hist_note(hist, &total, &last, &max, sample[k]);
	}
	qsort(sample, ARRAY_SIZE(sample), sizeof(sample[0]), cmp_u64);
	for (unsigned pct = 1; pct <= 100; pct++) {
		size_t rank = (ARRAY_SIZE(sample) * pct + 99) / 100;	/* the pct-th percentile */
		uint64_t exact = sample[rank - 1], p = gc_hist_percentile(hist, NULL, max, pct);

		assert_true(p >= exact);
		assert_true(p - exact <= exact / 32);
	}
	assert_int_equal(gc_hist_percentile(hist, NULL, max, 100), max);
	/* two histograms as one */
	assert_int_equal(gc_hist_percentile(hist, hist, max, 50), gc_hist_percentile(hist, NULL, max, 50));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_alloc_basic),
		cmocka_unit_test(test_minor_exact),
		cmocka_unit_test(test_minor_by_allocation),
		cmocka_unit_test(test_remset),
		cmocka_unit_test(test_remset_overflow),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_torture),
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_pause_histogram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
