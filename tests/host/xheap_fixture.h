/* xheap_fixture.h -- what the multi-heap tests (test_xheap, test_stw) share: checks that CPU
 * threads can fail, a block source per heap that other CPUs may allocate from too (count
 * tables; hence atomics), and lists whose every element any reader can check. Include after
 * <cmocka.h> and the mm/ headers. */
#ifndef TESTS_HOST_XHEAP_FIXTURE_H
#define TESTS_HOST_XHEAP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <mm/gc/xtrace.h>

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

static bool list_intact(obj l);

/* true if l is an intact list made by make_list (in a GC_XTRACE build the first broken one
 * dumps the events naming its first cells, and the test stops) */
static bool list_ok(obj l)
{
	bool ok = list_intact(l);
#ifdef GC_XTRACE
	static int dumped;

	if (!ok && __atomic_fetch_add(&dumped, 1, __ATOMIC_SEQ_CST) == 0) {
		for (int i = 0; i < 3 && obj_pair_p(l); i++, l = obj_cdr(l))
			xt_dump(l, 0);
		abort();
	}
#endif
	return ok;
}

static bool list_intact(obj l)
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

/* ---- what the randomized stresses share: CPU threads meeting at a barrier (passing safe
 * points while they wait), a replayable generator, and the mailbox operations: lists put into
 * any heap's shared mailbox, read back into a root only or into a kept vector, every read
 * checked and counted ---- */
#define BOX_SLOTS	16

static unsigned stress_n;	/* CPUs taking part */
static unsigned arrived;	/* barrier */
static uint64_t checked;	/* lists read across heaps and found intact */

static void barrier(struct heap *h, unsigned *gen)
{
	unsigned target = ++*gen * stress_n;

	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < target) {
		gc_safepoint(h);
		arch_cpu_relax();
	}
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* Make a list (in *l, a root) and put it in a slot of box. */
static void mail_put(struct heap *h, obj box, obj *l, uint64_t *s)
{
	*l = make_list(h, (intptr_t)(rnd(s) & 0xffff), 1 + rnd(s) % 20);
	CHECK(gc_store(h, box, rnd(s) % BOX_SLOTS, *l) == 0);
}

/* Take a slot of box into one of the nheld roots only: a reference no heap counts. */
static void mail_hold(obj box, obj *held, unsigned nheld, uint64_t *s)
{
	unsigned k = rnd(s) % nheld;

	held[k] = load(box, rnd(s) % BOX_SLOTS);
	CHECK(held[k] == OBJ_FALSE || list_ok(held[k]));
}

/* Take a slot of box (into *l, a root), check it, keep it in keep, allocate, check again. */
static void mail_keep(struct heap *h, obj box, obj keep, obj *l, uint64_t *s)
{
	*l = load(box, rnd(s) % BOX_SLOTS);
	if (*l == OBJ_FALSE)
		return;
	CHECK(list_ok(*l));
	__atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
	gc_write(h, keep, rnd(s) % obj_vector_length(keep), *l);
	for (int k = 0; k < 20; k++)	/* hold it in a root while allocating */
		CHECK(make_list(h, k, 8) != OBJ_NULL);
	CHECK(list_ok(*l));
}

/* Check everything keep holds, drop one. */
static void keep_check_drop(struct heap *h, obj keep, uint64_t *s)
{
	for (size_t k = 0; k < obj_vector_length(keep); k++) {
		obj o = obj_vector_ref(keep, k);

		CHECK(o == OBJ_FALSE || list_ok(o));
	}
	gc_write(h, keep, rnd(s) % obj_vector_length(keep), OBJ_FALSE);
}

/* A stress CPU's own mailbox state: its shared mailbox (published in boxes[cpu]), a vector of
 * lists it keeps, a rooted scratch variable, and HELD rooted variables: references no heap
 * counts. mail_up roots them all, mail_drop empties them, mail_down unroots them (roots pushed
 * after mail_up must be popped first). */
#define HELD	4

struct mail {
	obj box, keep, l, held[HELD];
};

static void mail_up(struct heap *h, unsigned cpu, obj *boxes, struct mail *m, size_t keep_slots)
{
	m->box = heap_make_vector(h, BOX_SLOTS, OBJ_FALSE);
	GC_ROOT(h, m->box);
	CHECK(gc_publish(h, &m->box) == 0);
	__atomic_store_n(&boxes[cpu], m->box, __ATOMIC_RELEASE);
	m->keep = heap_make_vector(h, keep_slots, OBJ_FALSE);
	GC_ROOT(h, m->keep);
	m->l = OBJ_FALSE;
	GC_ROOT(h, m->l);
	for (unsigned k = 0; k < HELD; k++) {
		m->held[k] = OBJ_FALSE;
		GC_ROOT(h, m->held[k]);
	}
}

static void mail_drop(struct heap *h, struct mail *m)
{
	for (unsigned k = 0; k < HELD; k++)
		m->held[k] = OBJ_FALSE;
	for (size_t k = 0; k < obj_vector_length(m->keep); k++)
		gc_write(h, m->keep, k, OBJ_FALSE);
	for (unsigned k = 0; k < BOX_SLOTS; k++)
		gc_store(h, m->box, k, OBJ_FALSE);
}

static void mail_down(struct heap *h, struct mail *m)
{
	for (unsigned k = HELD; k-- > 0;)
		GC_UNROOT(h, m->held[k]);
	GC_UNROOT(h, m->l);
	GC_UNROOT(h, m->keep);
	GC_UNROOT(h, m->box);
}

/* The stress's seed: from the environment variable var (a replay), else the cycle counter. */
static unsigned long stress_seed_from(const char *var)
{
	const char *env = getenv(var);

	return env ? strtoul(env, NULL, 0) : (unsigned long)arch_cycles() % 1000000;
}

/* A list held in a root only across rounds: still intact? */
static void held_check(obj held)
{
	if (held != OBJ_FALSE) {
		CHECK(list_ok(held));
		__atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
	}
}

#endif
