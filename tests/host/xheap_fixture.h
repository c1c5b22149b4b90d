/* xheap_fixture.h -- what the multi-heap tests (test_xheap, test_stw) share: checks that CPU
 * threads can fail, a block source per heap that other CPUs may allocate from too (count
 * tables; hence atomics), and lists whose every element any reader can check. Include after
 * <cmocka.h> and the mm/ headers. */
#ifndef TESTS_HOST_XHEAP_FIXTURE_H
#define TESTS_HOST_XHEAP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static unsigned fails;	/* failed checks inside CPU threads (CMocka asserts only on the main thread) */

#define CHECK(c) \
	do { if (!(c)) { __atomic_add_fetch(&fails, 1, __ATOMIC_SEQ_CST); \
		fprintf(stderr, "check failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); } } while (0)

/* A block source per heap; other CPUs allocate from it too (count tables), hence atomics. */
struct source {
	size_t out;
	unsigned blocks;
};

static void *src_alloc(void *ctx, size_t size)
{
	struct source *s = ctx;
	void *p = aligned_alloc(HEAP_GROUP_SIZE, size);

	if (p) {
		__atomic_add_fetch(&s->out, size, __ATOMIC_RELAXED);
		__atomic_add_fetch(&s->blocks, 1, __ATOMIC_RELAXED);
	}
	return p;
}

static void src_free(void *ctx, void *p, size_t size)
{
	struct source *s = ctx;

	__atomic_sub_fetch(&s->out, size, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&s->blocks, 1, __ATOMIC_RELAXED);
	free(p);
}

/* A list (seed len v2 ... ) whose elements follow from its seed, so any reader can check it. */
static intptr_t elem(intptr_t seed, intptr_t i) { return (seed * 31 + i * 7) & 0xfffff; }

static obj make_list(struct heap *h, intptr_t seed, intptr_t len)
{
	obj l = OBJ_NIL;

	for (intptr_t i = len - 1; i >= 0; i--) {
		l = heap_cons(h, obj_fixnum(elem(seed, i)), l);
		if (l == OBJ_NULL)
			abort();
	}
	l = heap_cons(h, obj_fixnum(len), l);
	return heap_cons(h, obj_fixnum(seed), l);
}

static obj load(obj holder, size_t i)
{
	return __atomic_load_n(&obj_fields(holder)[i], __ATOMIC_ACQUIRE);
}

/* true if l is an intact list made by make_list */
static bool list_ok(obj l)
{
	intptr_t seed, len;

	if (!obj_pair_p(l) || !obj_fixnum_p(obj_car(l)))
		return false;
	seed = obj_fixnum_value(obj_car(l));
	l = obj_cdr(l);
	if (!obj_pair_p(l) || !obj_fixnum_p(obj_car(l)))
		return false;
	len = obj_fixnum_value(obj_car(l));
	l = obj_cdr(l);
	for (intptr_t i = 0; i < len; i++, l = obj_cdr(l))
		if (!obj_pair_p(l) || obj_car(l) != obj_fixnum(elem(seed, i)))
			return false;
	return l == OBJ_NIL;
}

#endif
