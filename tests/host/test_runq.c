/* test_runq.c -- the run-queue policy (sched/runq.c): literal pick orders, the share the skip
 * markers give lower priorities, idle only when nothing runs, remove/block/priority changes, a
 * randomized comparison with a naive list walk written here, the O(1) cost, remote wake-ups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <arch.h>
#include <host.h>
#include <kernel/kernel.h>
#include <sched/runq.h>

#define NENT	48		/* entities the tests use, named 'A', 'B', ... in pick strings */

static struct sched_rq rq;
static struct sched_entity idle, ent[NENT];
static arch_irqflags_t irqf;

/* every test but the remote one holds the lock throughout, as the owning CPU would */
static int setup(void **state)
{
	(void)state;
	sched_rq_init(&rq, &idle, "test");
	for (unsigned i = 0; i < NENT; i++)
		sched_entity_init(&ent[i], 0);
	irqf = spin_lock_irqsave(&rq.lock);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sched_rq_verify(&rq);
	spin_unlock_irqrestore(&rq.lock, irqf);
	return 0;
}

static char name(const struct sched_entity *e)
{
	return e == &idle ? '.' : (char)('A' + (e - ent));
}

/* the next n picks as a string, e.g. "ABA." (a dot is idle) */
static const char *picks(unsigned n)
{
	static char buf[256];

	assert_true(n < sizeof(buf));
	for (unsigned i = 0; i < n; i++)
		buf[i] = name(sched_rq_pick(&rq));
	buf[n] = 0;
	sched_rq_verify(&rq);
	return buf;
}

#define E(c)	(&ent[(c) - 'A'])

static void add(char c, unsigned prio)
{
	sched_rq_add(&rq, E(c), prio);
}

/* ---- the naive walk: explicit lists with a real marker node, rotated one step at a time ---- */

#define MARK	(-1)
#define IDLE	(-2)

static struct ref {
	int list[SCHED_PRIO_MAX + 1][NENT + 1];	/* entity indices and one MARK, head first */
	int len[SCHED_PRIO_MAX + 1];
	int prio[NENT];
	enum sched_state state[NENT];
	unsigned nr_runnable;
	unsigned steps;		/* list heads rotated: the naive walk's cost */
} ref;

static void ref_init(void)
{
	memset(&ref, 0, sizeof(ref));
	for (unsigned p = 0; p <= SCHED_PRIO_MAX; p++) {
		ref.list[p][0] = MARK;
		ref.len[p] = 1;
	}
}

/* at the tail; into a list holding only its marker, before it (runq.c, case 2) */
static void ref_enlist(int id)
{
	int p = ref.prio[id], *l = ref.list[p];

	if (ref.len[p] == 1) {
		l[1] = MARK;
		l[0] = id;
	} else {
		l[ref.len[p]] = id;
	}
	ref.len[p]++;
	ref.state[id] = SCHED_RUNNABLE;
	ref.nr_runnable++;
}

static void ref_delist(int id)
{
	int p = ref.prio[id], *l = ref.list[p], i = 0;

	while (l[i] != id)
		i++;
	memmove(&l[i], &l[i + 1], (size_t)(ref.len[p] - i - 1) * sizeof(int));
	ref.len[p]--;
	ref.nr_runnable--;
}

static int ref_pick(void)
{
	/* a second pass only happens when the first passed every marker (runq.c, case 1) */
	for (int pass = 0; pass < 2; pass++) {
		for (int p = 0; p <= SCHED_PRIO_MAX; p++) {
			int *l = ref.list[p];

			for (;;) {
				int head = l[0];

				memmove(&l[0], &l[1], (size_t)(ref.len[p] - 1) * sizeof(int));
				l[ref.len[p] - 1] = head;
				ref.steps++;
				if (head == MARK)
					break;
				return head;
			}
		}
	}
	return IDLE;
}

/* list p of rq written out as the naive walk holds it: head first, the marker where it sits */
static int rq_order(unsigned p, int *out)
{
	const struct sched_list *l = &rq.list[p];
	int marker_at_head = (rq.marker_map >> p) & 1, n = 0;
	const struct sched_entity *e = l->head;

	if (!e) {
		out[n++] = MARK;
		return n;
	}
	if (marker_at_head)
		out[n++] = MARK;
	do {
		out[n++] = (int)(e - ent);
		if (e == l->marker_after && !marker_at_head)
			out[n++] = MARK;
		e = e->next;
	} while (e != l->head && n <= NENT);
	return n;
}

static void compare_with_ref(void)
{
	int order[NENT + 2];

	for (unsigned p = 0; p <= SCHED_PRIO_MAX; p++) {
		int n = rq_order(p, order);

		assert_int_equal(n, ref.len[p]);
		assert_memory_equal(order, ref.list[p], (size_t)n * sizeof(int));
	}
	for (unsigned i = 0; i < NENT; i++)
		assert_int_equal(ent[i].state, ref.state[i]);
	assert_int_equal(sched_rq_nr_runnable(&rq), ref.nr_runnable);
}

/* ---- tests ---- */

/* Two entities at 0, two at 3: lists 0 [A S B] and 3 [C S D] (the first add to an empty list
 * goes before its marker, the second after it, at the tail). Bare walk: list 0 keeps 2/3 (A, B),
 * hands 1/3 to list 3, which keeps 2/3 of that (C, D) and passes 1/9 to idle; dropping those
 * idle picks gives a period of 8 with A and B 3/8 each, C and D 1/8 each. Pick 5 is the
 * start-over case: both markers at their heads, both passed, then list 0 again. */
static void test_pick_order(void **state)
{
	(void)state;
	add('A', 0);
	add('B', 0);
	add('C', 3);
	add('D', 3);
	assert_int_equal(sched_rq_nr_runnable(&rq), 4);
	assert_string_equal(picks(24), "ACBABADB" "ACBABADB" "ACBABADB");
}

/* A thread waking into an empty list runs at the next decision that reaches that list; it does
 * not first hand a turn down (runq.c, case 2). */
static void test_wake_into_empty_list(void **state)
{
	(void)state;
	add('A', 0);
	add('C', 5);
	assert_string_equal(picks(3), "ACA");		/* lists: 0 [S A], 5 [S C] */
	add('B', 2);					/* 2 [B S] */
	assert_string_equal(picks(1), "B");		/* 0's marker passed, then B at once */
	/* 0 [A S], 2 [S B], 5 [S C]. One entity per list: the bare walk counts in binary
	 * (A B A C A B A idle); the second A is the start over after all three markers. */
	assert_string_equal(picks(8), "AABACABA");
	assert_int_equal(rq.marker_map, (1u << 0) | (1u << 2) | (1u << 5));
	assert_string_equal(picks(1), "A");
	assert_int_equal(rq.marker_map, 1u << 0);
}

/* The share implied by the design: A at 0 and B at 5. The bare walk repeats A, B, A, idle;
 * without the idle pick B gets a third and A two thirds: A, then (B, A, A) over and over. */
static void test_share_through_skip_markers(void **state)
{
	unsigned count[3] = { 0, 0, 0 };	/* A, B, idle */

	(void)state;
	add('A', 0);
	add('B', 5);
	for (int i = 0; i < 10000; i++) {
		struct sched_entity *e = sched_rq_pick(&rq);

		count[e == &idle ? 2 : e - ent]++;
	}
	assert_int_equal(count[0], 6667);
	assert_int_equal(count[1], 3333);
	assert_int_equal(count[2], 0);

	/* A third level: the bare walk gives 1/2, 1/4, 1/8 and 1/8 idle, so 4/7, 2/7, 1/7. */
	add('C', 10);
	memset(count, 0, sizeof(count));
	for (int i = 0; i < 7000; i++) {
		struct sched_entity *e = sched_rq_pick(&rq);

		assert_ptr_not_equal(e, &idle);
		count[e - ent]++;
	}
	assert_int_equal(count[0], 4000);
	assert_int_equal(count[1], 2000);
	assert_int_equal(count[2], 1000);
}

static void test_idle_only_when_nothing_runnable(void **state)
{
	(void)state;
	assert_string_equal(picks(3), "...");
	add('A', 30);
	assert_string_equal(picks(4), "AAAA");		/* a lone entity: its marker never idles it */
	sched_rq_block(&rq, E('A'));
	assert_int_equal(sched_rq_nr_runnable(&rq), 0);
	assert_string_equal(picks(2), "..");
	sched_rq_wake(&rq, E('A'));
	add('B', 0);
	for (int i = 0; i < 1000; i++)
		assert_ptr_not_equal(sched_rq_pick(&rq), &idle);
	sched_rq_block(&rq, E('B'));
	sched_rq_remove(&rq, E('A'));
	assert_int_equal(rq.runnable_map, 0);
	assert_string_equal(picks(2), "..");
	sched_rq_remove(&rq, E('B'));			/* a blocked entity can be removed too */
	assert_int_equal(E('B')->state, SCHED_DETACHED);
}

static void test_remove_block_prio(void **state)
{
	(void)state;
	add('A', 0);
	add('B', 0);
	add('C', 0);
	add('D', 4);
	/* 0 [A S B C], 4 [D S] */
	assert_string_equal(picks(5), "ADBCA");		/* 0 [S B C A], 4 [S D] */

	sched_rq_block(&rq, E('B'));			/* 0 [S C A] */
	assert_int_equal(sched_rq_nr_runnable(&rq), 3);
	assert_string_equal(picks(4), "CADC");		/* the first C: both markers passed, start over */

	sched_rq_wake(&rq, E('B'));			/* 0 [A S C B]: at the tail */
	assert_int_equal(sched_rq_nr_runnable(&rq), 4);
	assert_string_equal(picks(4), "ACBA");		/* 0 [S C B A], 4 [D S] */

	sched_rq_set_prio(&rq, E('D'), 0);		/* 0 [S C B A D], 4 empty */
	assert_int_equal(rq.runnable_map, 0x1);
	assert_string_equal(picks(5), "CBADC");		/* nothing below 0: its marker is passed over */

	sched_rq_remove(&rq, E('A'));			/* 0 [B D S C] */
	sched_rq_set_prio(&rq, E('C'), 7);		/* 0 [B D S], 7 [C S] */
	assert_int_equal(sched_rq_nr_runnable(&rq), 3);
	assert_string_equal(picks(6), "BDCBDB");	/* 0 [D S B], 7 [C S] */

	/* the same priority changes nothing, not even the position */
	sched_rq_set_prio(&rq, E('B'), 0);
	assert_string_equal(picks(3), "DCB");

	/* a blocked entity takes its new priority when it wakes */
	sched_rq_block(&rq, E('D'));
	sched_rq_set_prio(&rq, E('D'), 3);
	assert_int_equal(E('D')->prio, 3);
	assert_int_equal(rq.runnable_map, (1u << 0) | (1u << 7));
	sched_rq_wake(&rq, E('D'));
	assert_int_equal(rq.runnable_map, (1u << 0) | (1u << 3) | (1u << 7));

	/* unlinking next to the marker keeps it in place: [E S F] - E is [S F], not [F S] */
	sched_rq_remove(&rq, E('B'));
	sched_rq_remove(&rq, E('C'));
	sched_rq_remove(&rq, E('D'));
	add('E', 9);
	add('F', 9);					/* 9 [E S F] */
	sched_rq_remove(&rq, E('E'));			/* 9 [S F] */
	assert_int_equal(rq.marker_map, 1u << 9);
	add('E', 9);					/* 9 [S F E] */
	sched_rq_block(&rq, E('E'));			/* the tail before a head marker: 9 [S F] */
	assert_int_equal(rq.marker_map, 1u << 9);
	add('G', 9);					/* 9 [S F G] */
	assert_string_equal(picks(4), "FGFG");
	assert_int_equal(sched_rq_nr_runnable(&rq), 2);
}

static uint32_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static unsigned random_prio(unsigned phase)
{
	static const unsigned few[] = { 0, 1, 5, SCHED_PRIO_MAX };

	switch (phase) {
	case 0:
		return rnd() % (SCHED_PRIO_MAX + 1);
	case 1:
		return few[rnd() % ARRAY_SIZE(few)];
	default:
		return rnd() % 2;		/* crowded lists that still empty now and then */
	}
}

/* Every operation on both the queue and the naive walk; after each, the lists (marker position
 * included), states and count must agree, and every pick must name the same entity. */
static void test_random_against_reference(void **state)
{
	const char *env = getenv("SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL) ^ (unsigned)getpid();
	unsigned picked = 0, idles = 0;

	(void)state;
	printf("test_random_against_reference: SEED=%u (set SEED to replay)\n", seed);
	rng = seed ? seed : 1;
	ref_init();
	for (int step = 0; step < 200000; step++) {
		unsigned phase = (unsigned)(step / 5000) % 3;
		int drain = (step / 3000) % 4 == 3;	/* few adds, wakes: the queue empties, idle runs */
		uint32_t r = rnd() % 100;
		int id = (int)(rnd() % NENT);
		struct sched_entity *e = &ent[id];

		if (r < 45) {
			int want = ref_pick();
			struct sched_entity *got = sched_rq_pick(&rq);

			assert_int_equal(got == &idle ? IDLE : (int)(got - ent), want);
			picked++;
			idles += got == &idle;
		} else if (ref.state[id] == SCHED_DETACHED) {
			unsigned prio = random_prio(phase);

			if (drain && rnd() % 50)
				continue;
			sched_rq_add(&rq, e, prio);
			ref.prio[id] = (int)prio;
			ref_enlist(id);
		} else if (r < (drain ? 80 : 60)) {
			if (ref.state[id] == SCHED_RUNNABLE)
				ref_delist(id);
			sched_rq_remove(&rq, e);
			ref.state[id] = SCHED_DETACHED;
		} else if (r < (drain ? 85 : 75)) {
			unsigned prio = random_prio(phase);

			sched_rq_set_prio(&rq, e, prio);
			if (ref.state[id] == SCHED_RUNNABLE && (int)prio != ref.prio[id]) {
				ref_delist(id);
				ref.prio[id] = (int)prio;
				ref_enlist(id);
			}
			ref.prio[id] = (int)prio;
		} else if (ref.state[id] == SCHED_RUNNABLE) {
			sched_rq_block(&rq, e);
			ref_delist(id);
			ref.state[id] = SCHED_BLOCKED;
		} else if (!drain || rnd() % 50 == 0) {
			sched_rq_wake(&rq, e);
			ref_enlist(id);
		}
		compare_with_ref();
		sched_rq_verify(&rq);
	}
	/* the run must have exercised both kinds of decision */
	printf("test_random_against_reference: %u picks, %u of them idle\n", picked, idles);
	assert_true(picked > 50000);
	assert_true(idles > 0 && idles < picked / 2);
}

/* The naive walk's worst case: every list 0..30 holds an entity with its marker at the head, so
 * one decision rotates 31 markers and starts over. pick must touch one list's ring, not 32. */
static void test_pick_cost(void **state)
{
	(void)state;
	ref_init();
	/* adding X_p then picking it leaves list p as [S, X_p]: X_p is the only one above the rest */
	for (int p = SCHED_PRIO_MAX; p >= 0; p--) {
		sched_rq_add(&rq, &ent[p], (unsigned)p);
		ref.prio[p] = p;
		ref_enlist(p);
		assert_ptr_equal(sched_rq_pick(&rq), &ent[p]);
		assert_int_equal(ref_pick(), p);
	}
	compare_with_ref();
	assert_int_equal(rq.runnable_map, 0x7fffffff);
	assert_int_equal(rq.marker_map, 0x7fffffff);

	ref.steps = 0;
#ifdef CONFIG_DEBUG
	rq.lists_touched = 0;
#endif
	assert_ptr_equal(sched_rq_pick(&rq), &ent[0]);
	assert_int_equal(ref_pick(), 0);
	assert_int_equal(ref.steps, 32);		/* 31 markers, then list 0's head */
	assert_int_equal(rq.marker_map, 0x1);		/* all passed; list 0's came back to the head */
#ifdef CONFIG_DEBUG
	assert_int_equal(rq.lists_touched, 1);
#endif
	compare_with_ref();

	/* empty lists in between cost nothing either: only 0 and 30 populated */
	for (int p = 1; p < SCHED_PRIO_MAX; p++)
		sched_rq_remove(&rq, &ent[p]);
	assert_int_equal(rq.runnable_map, 0x40000001);
#ifdef CONFIG_DEBUG
	rq.lists_touched = 0;
	for (int i = 0; i < 1000; i++)
		(void)sched_rq_pick(&rq);
	assert_int_equal(rq.lists_touched, 1000);
#endif
}

/* ---- remote wake-ups: other CPUs add and wake into CPU 0's queue while it picks ---- */

#define REMOTE_CPUS	4
#define REMOTE_ITERS	20000

static void remote(unsigned cpu, void *arg)
{
	(void)arg;
	if (cpu == 0) {
		for (int i = 0; i < REMOTE_ITERS; i++) {
			arch_irqflags_t f = spin_lock_irqsave(&rq.lock);
			struct sched_entity *e = sched_rq_pick(&rq);

			/* the owner blocks what it picked now and then, as a thread waiting would */
			if (e != &idle && i % 3 == 0)
				sched_rq_block(&rq, e);
			spin_unlock_irqrestore(&rq.lock, f);
		}
		return;
	}
	/* CPU c owns entities c*8 .. c*8+7 while they are detached */
	for (int i = 0; i < REMOTE_ITERS; i++) {
		struct sched_entity *e = &ent[cpu * 8 + (unsigned)i % 8];
		arch_irqflags_t f = spin_lock_irqsave(&rq.lock);

		if (e->state == SCHED_DETACHED)
			sched_rq_add(&rq, e, (unsigned)i % 4);
		else if (e->state == SCHED_BLOCKED)
			sched_rq_wake(&rq, e);
		else if (i % 5 == 0)
			sched_rq_remove(&rq, e);
		spin_unlock_irqrestore(&rq.lock, f);
	}
}

static void test_remote_wakeups(void **state)
{
	arch_irqflags_t f;
	unsigned n = 0;

	(void)state;
	sched_rq_init(&rq, &idle, "remote");
	for (unsigned i = 0; i < NENT; i++)
		sched_entity_init(&ent[i], 0);
	host_run_cpus(REMOTE_CPUS, remote, NULL);
	f = spin_lock_irqsave(&rq.lock);
	sched_rq_verify(&rq);
	for (unsigned i = 0; i < NENT; i++)
		n += ent[i].state == SCHED_RUNNABLE;
	assert_int_equal(sched_rq_nr_runnable(&rq), n);
	spin_unlock_irqrestore(&rq.lock, f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pick_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_into_empty_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_share_through_skip_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_only_when_nothing_runnable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_block_prio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pick_cost, setup, teardown),
		cmocka_unit_test(test_remote_wakeups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
