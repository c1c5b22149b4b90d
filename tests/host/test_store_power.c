/* test_store_power.c -- power loss as a test parameter (littlefs's emubd): a workload of random
 * transactions (build, share with stored objects, change in place through a persistent
 * reference, overwrite, drop, collect, commit, reopen) runs
 * on a card (storage/blk_cut.h) that cuts the power during its N-th program or erase, leaving the
 * sectors of that call old, new or garbage (torn multi-sector writes) and undoing at random what
 * was not synced. After each cut the store is reopened: it must hold exactly the last committed
 * state (either side of a commit in flight), pass store_check, and take a new commit. N runs over
 * every write of a first workload, then over random points of thousands more.
 * SEED=n replays; CUTS=n sets the random trials (default 1500). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store_fixture.h"
#include <storage/store_trace.h>

#define NNAMES	12
#define GSEC	8

#ifdef STORE_XTRACE
/* make host-trace: the store's last events before a failure (storage/store_trace.h) */
static void dump_trace(void)
{
	static const char *const names[] = { "?", "writeback", "commit-begin", "map-sector", "root",
					     "commit-done", "open", "rc", "free", "unmap" };
	uint32_t n = store_trace_seq < 200 ? store_trace_seq : 200;

	for (uint32_t i = store_trace_seq - n; i < store_trace_seq; i++) {
		struct store_trace_ev *e = &store_trace_ring[i & (STORE_TRACE_N - 1)];

		printf("  %u %s %llx %llx %llx\n", e->seq, e->ev < 10 ? names[e->ev] : "?",
		       (unsigned long long)e->a, (unsigned long long)e->b, (unsigned long long)e->c);
	}
}
#define FAIL(...) do { dump_trace(); fail_msg(__VA_ARGS__); } while (0)
#else
#define FAIL(...) fail_msg(__VA_ARGS__)
#endif

static const struct fx_gen gen = { .max_nodes = 40, .big_pct = 4, .big_len = 2400 };
static uint64_t seed;
static char msg[256];

struct spec {			/* a name's value: pair(value of seeds[1..], graph(seeds[0])) */
	uint32_t depth;		/* 0: not bound */
	uint32_t linked;	/* another name's value links to this one's top object */
	uint64_t seeds[4];
};

struct model {
	struct spec cur[NNAMES], committed[NNAMES];
};

static struct store_val *build(struct store_arena *a, const struct spec *sp, uint32_t k)
{
	if (k == sp->depth - 1)
		return fx_graph(a, sp->seeds[k], &gen);
	return store_v_pair(a, build(a, sp, k + 1), fx_graph(a, sp->seeds[k], &gen));
}

#define NAME_BUF	512

/* names of 2 to 442 bytes: about 2.7 KB of them, so the names table has one or two buckets as
 * names come and go */
static void name_of(char *buf, uint32_t k)
{
	size_t n = (size_t)snprintf(buf, NAME_BUF, "k%u", k % 100);

	memset(buf + n, 'x', 40 * (k % 12));
	buf[n + 40 * (k % 12)] = 0;
}

/* 0 if the store holds exactly the state m */
static int holds(struct store *s, const struct spec *m)
{
	struct store_stats st;
	size_t bound = 0;

	for (uint32_t k = 0; k < NNAMES; k++) {
		struct store_arena *a = store_arena_new(&fx_mem);
		struct store_val *v;
		char name[NAME_BUF];
		int e, bad;

		name_of(name, k);
		e = store_ref(s, name, strlen(name), a, &v);
		bad = m[k].depth ? e != STORE_OK || !store_v_equal(&fx_mem, build(a, &m[k], 0), v)
				 : e != STORE_ENOTFOUND;
		bound += m[k].depth != 0;
		store_arena_free(a);
		if (bad)
			return 1;
	}
	store_stats(s, &st);
	return st.names != bound;
}

static struct store *reopen(struct fx_card *c)
{
	/* the whole-store mark in 512 bytes (one sector of bits): its bits go through the card's
	 * mark area, so cuts land in its writes too */
	struct store_params p = { .cache_bytes = 4 * GSEC * BLK_SECTOR, .mark_ram_bytes = 512,
				  .detail = msg, .detail_len = sizeof(msg) };
	struct store *s = NULL;
	int e = store_open(&c->cut.dev, &fx_mem, &p, &s);

	if (e)
		FAIL("reopen after a cut: %s (%s)", store_strerror(e), msg);
	return s;
}

static int power_error(struct store *s, int e)
{
	return (e == STORE_EIO && store_blk_error(s) == BLK_EPOWER) || e == STORE_EBROKEN;
}

struct run {
	uint64_t wseed, cut_at;
	int steps;
	int check_each;		/* store_check after every step */
	/* results */
	int cut, in_commit, after_commit;
	uint64_t writes;
};

static uint64_t in_place;	/* changes made through a persistent reference */
static uint64_t mark_writes;	/* sectors of the whole-store mark's area programmed */

/* One step of the workload; returns the store's error. */
static int step(struct store **sp, struct fx_card *c, struct model *m, uint64_t *r, int *is_commit)
{
	struct store *s = *sp;
	uint32_t op = fx_below(r, 100), k = fx_below(r, NNAMES);
	char name[NAME_BUF];
	int e = STORE_OK;

	*is_commit = 0;
	name_of(name, k);
	if (op < 28 || (op < 35 && (m->cur[k].depth < 2 || m->cur[k].linked))) {
		struct store_arena *a = store_arena_new(&fx_mem);
		struct spec sp1 = { 1, 0, { fx_next(r) | 1 } };

		e = store_set(s, name, strlen(name), build(a, &sp1, 0));
		if (!e)
			m->cur[k] = sp1;
		store_arena_free(a);
	} else if (op < 35) {	/* in place (persistent cells): the top pair's cdr, a new graph */
		struct store_arena *a = store_arena_new(&fx_mem);
		struct store_val *v = NULL;
		struct store_ref ref;
		uint64_t nseed = fx_next(r) | 1;

		e = store_root(s, name, strlen(name), a, &v, &ref);
		if (!e && (v != NULL || ref.kind != STORE_PAIR))
			FAIL("store_root of a pair value: not a pair reference");
		if (!e)
			e = store_set_field(s, &ref, 1, fx_graph(a, nseed, &gen));
		if (!e) {
			m->cur[k].seeds[0] = nseed;
			in_place++;
		}
		store_arena_free(a);
	} else if (op < 47) {	/* share: link to the stored value of another name */
		uint32_t x = fx_below(r, NNAMES);
		struct store_arena *a = store_arena_new(&fx_mem);
		struct store_val *v;
		char xname[NAME_BUF];
		uint64_t nseed = fx_next(r) | 1;

		name_of(xname, x);
		if (m->cur[x].depth && m->cur[x].depth < 4) {
			e = store_ref(s, xname, strlen(xname), a, &v);
			if (!e && v->kind >= STORE_PAIR && v->kind <= STORE_BYTEVECTOR) {
				struct spec sp1 = m->cur[x];

				memmove(&sp1.seeds[1], &sp1.seeds[0], 3 * sizeof(sp1.seeds[0]));
				sp1.seeds[0] = nseed;
				sp1.depth++;
				sp1.linked = 0;
				e = store_set(s, name, strlen(name), store_v_pair(a, store_v_stored(a, v->oid),
										    fx_graph(a, nseed, &gen)));
				if (!e) {
					m->cur[k] = sp1;
					m->cur[x].linked = 1;	/* x's top is k's too now */
				}
			}
		}
		store_arena_free(a);
	} else if (op < 60) {
		e = store_remove(s, name, strlen(name));
		if (e == STORE_ENOTFOUND && !m->cur[k].depth)
			e = STORE_OK;
		else if (!e)
			m->cur[k].depth = 0;
	} else if (op < 82) {
		*is_commit = 1;
		e = store_commit(s);
		if (!e)
			memcpy(m->committed, m->cur, sizeof(m->cur));
	} else if (op < 92) {
		e = store_collect(s, 0);
	} else if (op < 96) {
		struct store_stats st0, st1;

		store_stats(s, &st0);
		e = store_collect(s, STORE_COLLECT_FULL);
		store_stats(s, &st1);
		mark_writes += st1.mark_sectors_written - st0.mark_sectors_written;
	} else {	/* reopen without a cut: what was not committed is gone */
		store_close(s);
		*sp = reopen(c);
		memcpy(m->cur, m->committed, sizeof(m->cur));
	}
	if (e == STORE_ENOSPC && !c->cut.cut)
		e = STORE_OK;	/* a full card refuses cleanly: the model did not change */
	return e;
}

static uint64_t torn, garbage, lost, trials, cuts_in_commit;

/* Format a card, run the workload with the power cut at write cut_at (0: never), recover. */
static void run_one(struct run *rn)
{
	struct fx_card c;
	struct model m;
	struct store *s;
	uint64_t r = rn->wseed;
	int e = STORE_OK, is_commit = 0;

	memset(&m, 0, sizeof(m));
	/* 64, 160 or 256 groups: a full card now and then; 2 to 5 mapping sectors per area */
	fx_card_init(&c, GSEC, 64 + (uint32_t)(rn->wseed % 3) * 96, 0xff, rn->wseed ^ rn->cut_at ^ seed);
	assert_int_equal(store_format(&c.cut.dev, &fx_mem), STORE_OK);
	s = reopen(&c);
	blk_cut_arm(&c.cut, rn->cut_at);
	rn->cut = 0;
	for (int i = 0; i < rn->steps; i++) {
		e = step(&s, &c, &m, &r, &is_commit);
		if (e)
			break;
		if (rn->check_each && store_check(s, msg, sizeof(msg)))
			FAIL("wseed %llu step %d: store_check: %s", (unsigned long long)rn->wseed, i, msg);
	}
	rn->writes = c.cut.writes;
	if (!e && !c.cut.cut) {
		if (store_check(s, msg, sizeof(msg)))
			FAIL("no cut, wseed %llu: store_check: %s", (unsigned long long)rn->wseed, msg);
		store_close(s);
		fx_card_fini(&c);
		return;
	}
	if (!c.cut.cut || !power_error(s, e))
		FAIL("wseed %llu cut %llu: %s (the power is %s) (replay: SEED=%llu)",
			 (unsigned long long)rn->wseed, (unsigned long long)rn->cut_at, store_strerror(e),
			 c.cut.cut ? "off" : "on", (unsigned long long)seed);
	rn->cut = 1;
	rn->in_commit = is_commit;
	trials++;
	cuts_in_commit += is_commit;
	torn += c.cut.torn;
	garbage += c.cut.garbage_sectors;
	lost += c.cut.lost_sectors;
	/* power back on: the last commit, or the one in flight if the cut came inside it */
	store_close(s);
	blk_cut_power_on(&c.cut);
	s = reopen(&c);
	if (holds(s, m.committed)) {
		if (!is_commit || holds(s, m.cur))
			FAIL("wseed %llu cut %llu: the reopened store is not the last commit%s "
				 "(replay: SEED=%llu)", (unsigned long long)rn->wseed,
				 (unsigned long long)rn->cut_at, is_commit ? " nor the one in flight" : "",
				 (unsigned long long)seed);
		memcpy(m.committed, m.cur, sizeof(m.cur));
		rn->after_commit = 1;
	}
	if (store_check(s, msg, sizeof(msg)))
		FAIL("wseed %llu cut %llu: store_check after the cut: %s", (unsigned long long)rn->wseed,
			 (unsigned long long)rn->cut_at, msg);
	/* and it takes new work: a few steps, a commit, a reopen */
	memcpy(m.cur, m.committed, sizeof(m.cur));
	for (int i = 0; i < 6; i++)
		if ((e = step(&s, &c, &m, &r, &is_commit)))
			FAIL("after the cut: %s", store_strerror(e));
	if ((e = store_commit(s)))
		FAIL("commit after the cut: %s", store_strerror(e));
	memcpy(m.committed, m.cur, sizeof(m.cur));
	store_close(s);
	s = reopen(&c);
	if (holds(s, m.committed) || store_check(s, msg, sizeof(msg)))
		FAIL("wseed %llu cut %llu: the commit after the cut did not hold (%s)",
			 (unsigned long long)rn->wseed, (unsigned long long)rn->cut_at, msg);
	store_close(s);
	fx_card_fini(&c);
}

/* Every write of one workload in turn. */
static void test_every_write(void **state)
{
	struct run rn = { .wseed = seed | 1, .steps = 250 };
	uint64_t total, n, done = 0, either = 0;

	(void)state;
	rn.check_each = 1;	/* uncut: every count recounted after every step (its loads write) */
	run_one(&rn);
	rn.check_each = 0;
	run_one(&rn);		/* uncut: how many writes */
	total = rn.writes;
	for (n = 1; n <= total && n <= 400; n++) {
		rn.cut_at = n;
		rn.after_commit = 0;
		run_one(&rn);
		assert_true(rn.cut);
		done++;
		either += rn.after_commit;
	}
	printf("[ power    ] one workload of %llu writes: cut at each of the first %llu, all recovered "
	       "(%llu opened at the commit in flight)\n", (unsigned long long)total,
	       (unsigned long long)done, (unsigned long long)either);
}

/* Random workloads, each cut at a random write. */
static void test_random_cuts(void **state)
{
	const char *env = getenv("CUTS");
	uint64_t r = seed ^ 0x5eed, cuts = env ? strtoull(env, NULL, 0) : 1500, done = 0, t0 = trials;
	uint64_t in_commit0 = cuts_in_commit;

	(void)state;
	for (uint64_t t = 0; t < cuts; t++) {
		struct run rn = { .wseed = fx_next(&r) | 1, .steps = 20 + fx_below(&r, 130) };

		run_one(&rn);	/* learn its writes, then cut at one of them */
		if (rn.writes == 0)
			continue;
		rn.cut_at = 1 + fx_below(&r, (uint32_t)rn.writes);
		run_one(&rn);
		assert_true(rn.cut);
		done++;
	}
	printf("[ power    ] %llu random workloads cut at a random write, all recovered (%llu cuts "
	       "inside a commit)\n", (unsigned long long)done,
	       (unsigned long long)(cuts_in_commit - in_commit0));
	printf("[ power    ] all cuts: %llu, %llu inside a commit; %llu torn multi-sector programs, "
	       "%llu garbage sectors, %llu unsynced sectors lost; %llu changes in place; %llu "
	       "sectors of mark bits programmed by full collections\n",
	       (unsigned long long)trials, (unsigned long long)cuts_in_commit,
	       (unsigned long long)torn, (unsigned long long)garbage, (unsigned long long)lost,
	       (unsigned long long)in_place, (unsigned long long)mark_writes);
	(void)t0;
}

/* The device itself: what a cut leaves, and every call after it refused until power comes back. */
static void test_cut_device(void **state)
{
	uint8_t *img = malloc(16 * 8 * BLK_SECTOR), buf[8 * BLK_SECTOR], old[8 * BLK_SECTOR];
	struct blk_cut c;
	int torn = 0, all_old = 0, all_new = 0;

	(void)state;
	memset(img, 0xff, 16 * 8 * BLK_SECTOR);
	assert_int_equal(blk_cut_init(&c, img, 8, 16, 0xff, seed | 1), BLK_OK);
	for (int t = 0; t < 200; t++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(t + i / BLK_SECTOR + 1);
		memcpy(old, img + 8 * 8 * BLK_SECTOR, sizeof(old));
		blk_cut_arm(&c, 1);
		assert_int_equal(blk_program(&c.dev, 64, 8, buf), BLK_EPOWER);
		assert_int_equal(blk_read(&c.dev, 0, 1, buf), BLK_EPOWER);
		assert_int_equal(blk_erase(&c.dev, 0), BLK_EPOWER);
		assert_int_equal(blk_sync(&c.dev), BLK_EPOWER);
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(t + i / BLK_SECTOR + 1);
		int news = 0, olds = 0;

		for (int k = 0; k < 8; k++) {
			news += !memcmp(img + (64 + k) * BLK_SECTOR, buf + k * BLK_SECTOR, BLK_SECTOR);
			olds += !memcmp(img + (64 + k) * BLK_SECTOR, old + k * BLK_SECTOR, BLK_SECTOR);
		}
		torn += news > 0 && news < 8;
		all_old += olds == 8;
		all_new += news == 8;
		blk_cut_power_on(&c);
		assert_int_equal(blk_read(&c.dev, 64, 8, buf), BLK_OK);
		/* other groups untouched */
		for (size_t i = 0; i < 8 * BLK_SECTOR; i++)
			assert_int_equal(img[i], 0xff);
	}
	/* a completed program not synced may be lost at the cut; a synced one never */
	memset(buf, 0x11, BLK_SECTOR);
	assert_int_equal(blk_program(&c.dev, 3, 1, buf), BLK_OK);
	assert_int_equal(blk_sync(&c.dev), BLK_OK);
	memset(buf, 0x22, BLK_SECTOR);
	blk_cut_arm(&c, 2);
	assert_int_equal(blk_program(&c.dev, 5, 1, buf), BLK_OK);
	assert_int_equal(blk_program(&c.dev, 6, 1, buf), BLK_EPOWER);
	blk_cut_power_on(&c);
	assert_int_equal(img[3 * BLK_SECTOR + 100], 0x11);
	printf("[ power    ] 200 cuts in an 8-sector program: %d torn, %d all old, %d all new\n",
	       torn, all_old, all_new);
	assert_true(torn > 0);
	blk_cut_fini(&c);
	free(img);
}

/* A format over a store, cut at each of its writes: the old store or the empty one. */
static void test_format_cut(void **state)
{
	struct model m;
	uint64_t r = seed ^ 0xf0f0;
	int is_commit, olds = 0, news = 0;

	(void)state;
	for (uint64_t n = 1;; n++) {
		struct fx_card c;
		struct store *s;
		struct spec empty[NNAMES];
		int e;

		memset(&m, 0, sizeof(m));
		memset(empty, 0, sizeof(empty));
		fx_card_init(&c, GSEC, 160, 0xff, seed + n);
		assert_int_equal(store_format(&c.cut.dev, &fx_mem), STORE_OK);
		s = reopen(&c);
		r = seed ^ 0xf0f0;
		for (int i = 0; i < 40; i++)
			assert_int_equal(step(&s, &c, &m, &r, &is_commit), STORE_OK);
		assert_int_equal(store_commit(s), STORE_OK);
		memcpy(m.committed, m.cur, sizeof(m.cur));
		store_close(s);
		blk_cut_arm(&c.cut, n);
		e = store_format(&c.cut.dev, &fx_mem);
		blk_cut_power_on(&c.cut);
		s = reopen(&c);
		if (holds(s, m.committed) == 0)
			olds++;
		else if (holds(s, empty) == 0)
			news++;
		else
			FAIL("format cut at %llu: neither the old store nor the empty one (SEED=%llu)",
			     (unsigned long long)n, (unsigned long long)seed);
		if (store_check(s, msg, sizeof(msg)))
			FAIL("format cut at %llu: %s", (unsigned long long)n, msg);
		store_close(s);
		fx_card_fini(&c);
		if (e == STORE_OK)
			break;	/* the format finished before the n-th write */
	}
	printf("[ power    ] a format over a store cut at each of its writes: %d old, %d empty\n",
	       olds, news);
}

static int setup(void **state)
{
	(void)state;
	seed = fx_seed("power");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_device),
		cmocka_unit_test(test_every_write),
		cmocka_unit_test(test_random_cuts),
		cmocka_unit_test(test_format_cut),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
