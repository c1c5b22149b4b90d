/* test_store.c -- the SD store (storage/store.h) on a RAM card: every operation, every kind of
 * value with sharing and cycles, objects chunked across groups, a store larger than its cache,
 * collection of one group with and without links from others, cross-group cycles left by the
 * counts and reclaimed by the whole-store mark, persistent cells (a list larger than the cache
 * walked and changed a field at a time, stale references refused), full stores (every change
 * works or says STORE_ENOSPC, never STORE_EBROKEN), wear spread, the file
 * device, and damaged cards (roots, mapping, groups, random bytes anywhere) giving a clear error
 * at open, never a crash.
 * store_check recounts every link after every step. Randomized tests print their seed; SEED=n
 * replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include <storage/blk_file.h>
#include <storage/crc32c.h>

#include "store_fixture.h"

static uint64_t seed;
static char msg[256];

#define CHECK(s) do { \
		int e_ = store_check((s), msg, sizeof(msg)); \
		if (e_) \
			fail_msg("store_check: %s (%s) at %s:%d", store_strerror(e_), msg, __FILE__, __LINE__); \
	} while (0)

#define OK(x) do { \
		int e_ = (x); \
		if (e_) \
			fail_msg("%s: %s at %s:%d", #x, store_strerror(e_), __FILE__, __LINE__); \
	} while (0)

static size_t mark_ram;	/* store_params.mark_ram_bytes for open_store: 0, the default */

static struct store *open_store(struct fx_card *c, size_t cache)
{
	struct store_params p = { .cache_bytes = cache, .mark_ram_bytes = mark_ram, .detail = msg,
				  .detail_len = sizeof(msg) };
	struct store *s = NULL;
	int e = store_open(&c->cut.dev, &fx_mem, &p, &s);

	if (e)
		fail_msg("store_open: %s (%s)", store_strerror(e), msg);
	return s;
}

static struct store *fresh(struct fx_card *c, uint32_t gsec, uint32_t ngroups, size_t cache)
{
	fx_card_init(c, gsec, ngroups, 0xff, seed);
	OK(store_format(&c->cut.dev, &fx_mem));
	return open_store(c, cache);
}

static void expect(struct store *s, const char *name, struct store_val *want)
{
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *got = NULL;

	OK(store_ref(s, name, strlen(name), a, &got));
	assert_true(store_v_equal(&fx_mem, want, got));
	store_arena_free(a);
}

static void set(struct store *s, const char *name, struct store_val *v)
{
	OK(store_set(s, name, strlen(name), v));
}

static void test_crc(void **state)
{
	(void)state;
	assert_int_equal(store_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(store_crc32c(store_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
}

static void test_empty(void **state)
{
	struct fx_card c;
	struct store *s = NULL;
	struct store_stats st;
	struct store_arena *a;
	struct store_val *v;

	(void)state;
	fx_card_init(&c, 8, 64, 0xff, 1);
	assert_int_equal(store_open(&c.cut.dev, &fx_mem, NULL, &s), STORE_ENOSTORE);
	assert_null(s);
	OK(store_format(&c.cut.dev, &fx_mem));
	s = open_store(&c, 0);
	CHECK(s);
	OK(store_stats(s, &st));
	assert_int_equal(st.groups_mapped, 0);
	assert_int_equal(st.names, 0);
	assert_int_equal(st.group_bytes, 4096);
	a = store_arena_new(&fx_mem);
	assert_int_equal(store_ref(s, "x", 1, a, &v), STORE_ENOTFOUND);
	assert_int_equal(store_remove(s, "x", 1), STORE_ENOTFOUND);
	OK(store_commit(s));
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* Every kind, alone and in a graph with sharing and a cycle, across a commit and a reopen. */
static void test_kinds(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 64, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	uint32_t limbs[3] = { 1, 2, 3 };
	uint8_t big[5000];
	struct store_val *vals[16], *shared, *cyc, *vec;
	char name[16];
	int n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	vals[n++] = store_v_nil(a);
	vals[n++] = store_v_bool(a, true);
	vals[n++] = store_v_bool(a, false);
	vals[n++] = store_v_fixnum(a, -42);
	vals[n++] = store_v_fixnum(a, INT64_MIN);		/* beyond a cell: a bignum object */
	vals[n++] = store_v_bignum(a, true, limbs, 3);
	vals[n++] = store_v_char(a, 0x1f600);
	vals[n++] = store_v_string(a, "hello", 5);
	vals[n++] = store_v_symbol(a, "sym", 3);
	vals[n++] = store_v_bytevector(a, big, sizeof(big));	/* chunked */
	vals[n++] = store_v_string(a, "", 0);
	shared = store_v_string(a, "shared", 6);
	cyc = store_v_pair(a, shared, NULL);
	cyc->u.pair.cdr = store_v_pair(a, shared, cyc);		/* a two-pair cycle, car shared */
	vals[n++] = cyc;
	vec = store_v_vector(a, 1000, shared);			/* chunked, every element shared */
	vec->u.elts[999] = vec;
	vals[n++] = vec;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		set(s, name, vals[i]);
		CHECK(s);
	}
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		expect(s, name, vals[i]);
	}
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		expect(s, name, vals[i]);
	}
	/* a decoded node keeps its oid; the same name decoded twice shares nothing between calls */
	{
		struct store_arena *b = store_arena_new(&fx_mem);
		struct store_val *got;

		OK(store_ref(s, "v11", 3, b, &got));
		assert_int_equal(got->kind, STORE_PAIR);
		assert_ptr_equal(got->u.pair.car, got->u.pair.cdr->u.pair.car);
		assert_ptr_equal(got->u.pair.cdr->u.pair.cdr, got);
		store_arena_free(b);
	}
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* Many long names: the names table is chunked across groups; a bignum of 1000 limbs too. */
static void test_many_names(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 128, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	uint32_t limbs[1000];
	struct store_val *big;
	struct store_stats st;
	char name[200];
	const uint8_t *nm;
	size_t len;

	(void)state;
	for (int i = 0; i < 1000; i++)
		limbs[i] = (uint32_t)(i * 2654435761u) | 1;
	big = store_v_bignum(a, true, limbs, 1000);
	for (int i = 0; i < 300; i++) {
		memset(name, 'a' + i % 26, sizeof(name));
		snprintf(name, sizeof(name), "%d-", i);
		name[strlen(name)] = 'z';
		name[150] = 0;
		set(s, name, i % 50 ? store_v_fixnum(a, i) : big);
	}
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	OK(store_stats(s, &st));
	assert_int_equal(st.names, 300);
	OK(store_name_at(s, 299, &nm, &len));
	assert_int_equal(len, 150);
	assert_int_equal(store_name_at(s, 300, &nm, &len), STORE_EINVAL);
	for (int i = 0; i < 300; i++) {
		memset(name, 'a' + i % 26, sizeof(name));
		snprintf(name, sizeof(name), "%d-", i);
		name[strlen(name)] = 'z';
		name[150] = 0;
		expect(s, name, i % 50 ? store_v_fixnum(a, i) : big);
		if (i % 3 == 0)
			OK(store_remove(s, name, strlen(name)));
	}
	OK(store_commit(s));
	OK(store_collect(s, STORE_COLLECT_FULL));
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	OK(store_stats(s, &st));
	assert_int_equal(st.names, 200);
	CHECK(s);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

static void test_errors(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 64, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	char longname[2000];

	(void)state;
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(store_set(s, longname, sizeof(longname), store_v_nil(a)), STORE_EINVAL);
	assert_int_equal(store_set(s, "x", 1, NULL), STORE_EINVAL);
	assert_int_equal(store_set(s, "x", 1, store_v_stored(a, (uint64_t)5 << 32 | 3)), STORE_EINVAL);
	assert_int_equal(store_set(s, "x", 1, store_v_pair(a, NULL, NULL)), STORE_EINVAL);
	assert_int_equal(store_set(s, "x", 1, store_v_char(a, 0x110000)), STORE_EINVAL);
	/* larger than 126 chunks of 1016 bytes */
	assert_int_equal(store_set(s, "x", 1, store_v_vector(a, 20000, store_v_nil(a))), STORE_ETOOBIG);
	OK(store_collect(s, 0));
	CHECK(s);
	assert_string_equal(store_strerror(STORE_EROOT), "damaged root");
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* Random graphs, overwritten and removed, commits and reopens, against a model of seeds. */
static void test_random(void **state)
{
	const struct fx_gen g = { .max_nodes = 60, .big_pct = 5, .big_len = 3000 };
	struct fx_card c;
	struct store *s;
	uint64_t model[24] = { 0 }, r = seed ^ 0x1234;
	char name[16];

	(void)state;
	mark_ram = seed % 2 ? 1024 : 0;	/* the mark through the card's area, or in RAM */
	s = fresh(&c, 8, 128, 6 * 4096);
	for (int step = 0; step < 400; step++) {
		uint32_t k = fx_below(&r, 24), op = fx_below(&r, 10);

		snprintf(name, sizeof(name), "n%u", k);
		if (op < 6) {
			struct store_arena *a = store_arena_new(&fx_mem);
			uint64_t sd = fx_next(&r) | 1;

			set(s, name, fx_graph(a, sd, &g));
			model[k] = sd;
			store_arena_free(a);
		} else if (op < 8) {
			int e = store_remove(s, name, strlen(name));

			assert_int_equal(e, model[k] ? STORE_OK : STORE_ENOTFOUND);
			model[k] = 0;
		} else if (op == 8) {
			unsigned flags = fx_below(&r, 4) == 0 ? STORE_COLLECT_FULL : 0;
			int e = store_collect(s, flags);

			/* store.h: short of free groups while a set or remove waits for a commit, a
			 * collection stops with STORE_ENOSPC and the store stays usable: commit,
			 * then collect again */
			if (e == STORE_ENOSPC) {
				OK(store_commit(s));
				e = store_collect(s, flags);
			}
			OK(e);
		} else {
			OK(store_commit(s));
			if (fx_below(&r, 3) == 0) {
				store_close(s);
				s = open_store(&c, 6 * 4096);
			}
		}
		CHECK(s);	/* every count recounted after every step */
		if (step % 50 == 49)
			for (uint32_t j = 0; j < 24; j++) {
				struct store_arena *a = store_arena_new(&fx_mem);
				struct store_val *got;

				snprintf(name, sizeof(name), "n%u", j);
				if (!model[j]) {
					assert_int_equal(store_ref(s, name, strlen(name), a, &got), STORE_ENOTFOUND);
				} else {
					OK(store_ref(s, name, strlen(name), a, &got));
					assert_true(store_v_equal(&fx_mem, fx_graph(a, model[j], &g), got));
				}
				store_arena_free(a);
			}
	}
	mark_ram = 0;
	store_close(s);
	fx_card_fini(&c);
}

/* One group alone, no links from others: a value with an inner cycle and sharing, removed, is
 * freed by its group's collection (the count of its root falls to zero), the rest kept. */
static void test_one_group(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 64, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *str = store_v_string(a, "in", 2);
	struct store_val *p = store_v_pair(a, str, store_v_pair(a, str, NULL)), *keep;
	struct store_stats st, st2;

	(void)state;
	p->u.pair.cdr->u.pair.cdr = p;
	keep = store_v_pair(a, store_v_fixnum(a, 1), store_v_nil(a));
	set(s, "dead", p);
	set(s, "keep", keep);
	OK(store_commit(s));
	OK(store_stats(s, &st));
	assert_int_equal(st.groups_mapped, 1);	/* both, and the names table, in one group */
	OK(store_collect(s, 0));
	OK(store_stats(s, &st2));
	assert_int_equal(st2.objects_freed, st.objects_freed);	/* nothing is garbage */
	CHECK(s);
	OK(store_remove(s, "dead", 4));
	OK(store_collect(s, 0));
	CHECK(s);
	OK(store_stats(s, &st));
	assert_int_equal(st.objects_freed, st2.objects_freed + 3);	/* two pairs and the string */
	expect(s, "keep", keep);
	OK(store_commit(s));
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	expect(s, "keep", keep);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* A long list across many groups: counts on every link between groups; removed, the groups'
 * collections cascade and free everything; a cycle across groups stays until the full mark. */
static void test_cross_group(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 128, 4 * 4096);
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *list = store_v_nil(a), *last = NULL, *keep;
	struct store_stats st;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		list = store_v_pair(a, store_v_fixnum(a, i), list);
		if (!last)
			last = list;
	}
	set(s, "list", list);
	CHECK(s);
	OK(store_stats(s, &st));
	assert_true(st.groups_mapped >= 10);
	OK(store_commit(s));
	expect(s, "list", list);
	/* a group alone: nothing is garbage */
	OK(store_collect(s, 0));
	CHECK(s);
	expect(s, "list", list);
	/* removed: every group's collection frees its part and the next group's count falls */
	OK(store_remove(s, "list", 4));
	CHECK(s);
	OK(store_collect(s, 0));
	CHECK(s);
	OK(store_stats(s, &st));
	assert_int_equal(st.groups_mapped, 1);	/* the names table's */
	OK(store_commit(s));
	CHECK(s);

	/* the same list made a cycle: the counts keep it after it is removed */
	last->u.pair.cdr = list;
	set(s, "cycle", list);
	keep = store_v_string(a, "kept", 4);
	set(s, "keep", keep);
	OK(store_commit(s));
	CHECK(s);
	expect(s, "cycle", list);
	OK(store_remove(s, "cycle", 5));
	OK(store_collect(s, 0));
	CHECK(s);
	OK(store_stats(s, &st));
	assert_true(st.groups_mapped >= 10);
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	OK(store_stats(s, &st));
	assert_true(st.groups_mapped <= 2);
	assert_true(st.full_collections == 1);
	expect(s, "keep", keep);
	OK(store_commit(s));
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	expect(s, "keep", keep);

	/* the mark in 1 KiB of RAM (two sectors of bits, 64 gray entries): a wide garbage cycle
	 * (a vector of 2000 pairs naming it back) beside a live vector of 2000 pairs: the bits go
	 * through the card's mark area, and the live vector's elements fill the stack, so groups
	 * are rescanned */
	store_close(s);
	mark_ram = 1024;
	s = open_store(&c, 4 * 4096);
	{
		struct store_val *wide = store_v_vector(a, 2000, NULL);
		struct store_val *kept = store_v_vector(a, 2000, NULL);
		uint32_t before;

		for (uint32_t i = 0; i < 2000; i++) {
			wide->u.elts[i] = store_v_pair(a, store_v_fixnum(a, i), wide);
			kept->u.elts[i] = store_v_pair(a, store_v_fixnum(a, i), store_v_nil(a));
		}
		set(s, "kept", kept);
		OK(store_stats(s, &st));
		before = st.groups_mapped;
		set(s, "wide", wide);
		OK(store_commit(s));
		OK(store_remove(s, "wide", 4));
		OK(store_collect(s, 0));
		OK(store_stats(s, &st));
		assert_true(st.groups_mapped >= 20);
		OK(store_collect(s, STORE_COLLECT_FULL));
		CHECK(s);
		OK(store_stats(s, &st));
		print_message("[ store    ] the mark in 1 KiB: %llu sectors of bits written, %llu read, "
			      "%llu groups rescanned, %llu bytes of RAM; %u groups left\n",
			      (unsigned long long)st.mark_sectors_written,
			      (unsigned long long)st.mark_sectors_read,
			      (unsigned long long)st.mark_rescans,
			      (unsigned long long)st.mark_ram_bytes, st.groups_mapped);
		assert_true(st.mark_sectors_written > 0 && st.mark_sectors_read > 0);
		assert_true(st.mark_rescans > 0);
		assert_true(st.mark_ram_bytes < 2048);
		assert_true(st.groups_mapped <= before + 1);
		expect(s, "kept", kept);
		expect(s, "keep", keep);
		OK(store_commit(s));
		store_close(s);
		s = open_store(&c, 0);
		CHECK(s);
		expect(s, "kept", kept);
	}
	mark_ram = 0;
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* Linking to stored objects: sharing between names survives the removal of the first name. */
static void test_stored_links(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 64, 0);
	struct store_arena *a = store_arena_new(&fx_mem), *b = store_arena_new(&fx_mem);
	struct store_val *x = store_v_pair(a, store_v_string(a, "x", 1), store_v_nil(a)), *gx, *gy;

	(void)state;
	set(s, "a", x);
	OK(store_ref(s, "a", 1, b, &gx));
	set(s, "b", store_v_pair(a, store_v_stored(a, gx->oid), store_v_stored(a, gx->oid)));
	CHECK(s);
	OK(store_ref(s, "b", 1, b, &gy));
	assert_int_equal(gy->u.pair.car->oid, gx->oid);
	assert_ptr_equal(gy->u.pair.car, gy->u.pair.cdr);
	OK(store_remove(s, "a", 1));
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	expect(s, "b", store_v_pair(a, x, x));
	OK(store_commit(s));
	store_close(s);
	s = open_store(&c, 0);
	expect(s, "b", store_v_pair(a, x, x));
	CHECK(s);
	store_arena_free(a);
	store_arena_free(b);
	store_close(s);
	fx_card_fini(&c);
}

/* 8 MiB of card, about 3 MiB stored, a cache of 32 KiB or the default 1 MiB: groups come and go
 * from the cache. */
static void larger_than_cache(size_t cache)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 2048, cache);
	struct store_stats st;
	uint8_t buf[900];
	char name[16];

	for (int i = 0; i < 3000; i++) {
		struct store_arena *a = store_arena_new(&fx_mem);

		memset(buf, (uint8_t)i, sizeof(buf));
		snprintf(name, sizeof(name), "b%d", i);
		set(s, name, store_v_pair(a, store_v_bytevector(a, buf, sizeof(buf)), store_v_fixnum(a, i)));
		store_arena_free(a);
		if (i % 1000 == 999)
			OK(store_commit(s));
	}
	OK(store_stats(s, &st));
	assert_true(st.groups_mapped > 3 * st.cache_groups);
	CHECK(s);
	/* a small commit rewrites only the mapping sectors it changed (after each area's first) */
	uint64_t delta = 0;

	for (int i = 0; i < 4; i++) {
		struct store_arena *a = store_arena_new(&fx_mem);
		uint64_t before = st.map_sectors_written;

		set(s, "small", store_v_fixnum(a, i));
		OK(store_commit(s));
		OK(store_stats(s, &st));
		delta = st.map_sectors_written - before;
		if (i >= 2)
			assert_true(delta <= 4);
		store_arena_free(a);
	}
	printf("[ store    ] a small commit on a card of %u groups: %llu mapping sectors of %u written\n",
	       st.groups, (unsigned long long)delta, (st.groups + 61) / 62);
	store_close(s);
	s = open_store(&c, cache);
	for (int i = 0; i < 3000; i += 7) {
		struct store_arena *a = store_arena_new(&fx_mem);

		memset(buf, (uint8_t)i, sizeof(buf));
		snprintf(name, sizeof(name), "b%d", i);
		expect(s, name, store_v_pair(a, store_v_bytevector(a, buf, sizeof(buf)), store_v_fixnum(a, i)));
		store_arena_free(a);
	}
	OK(store_stats(s, &st));
	printf("[ store    ] %u groups in use of %u, cache %u groups: reading every 7th value after a "
	       "reopen, %llu hits, %llu misses\n", st.groups_mapped, st.groups, st.cache_groups,
	       (unsigned long long)st.cache_hits, (unsigned long long)st.cache_misses);
	CHECK(s);
	store_close(s);
	fx_card_fini(&c);
}

/* ---- persistent cells: a stored list walked and changed a field at a time ---- */

/* field i of r: a value (returned) or, NULL returned, *out */
static struct store_val *field(struct store *s, const struct store_ref *r, uint64_t i,
			       struct store_arena *a, struct store_ref *out)
{
	struct store_val *v = NULL;

	OK(store_field(s, r, i, a, &v, out));
	return v;
}

/* The list bound to name walked by store_field: its length; the cars are fixnums 0, 1, ...
 * unless replaced (then a pair or vector: a reference). */
static long walk(struct store *s, const char *name, long want_from)
{
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *v = NULL;
	struct store_ref r, next;
	long n = 0;

	OK(store_root(s, name, strlen(name), a, &v, &r));
	while (v == NULL) {
		struct store_val *car = field(s, &r, 0, a, &next);

		if (car != NULL && car->kind == STORE_FIXNUM)
			assert_int_equal(car->u.fixnum, want_from + n);
		v = field(s, &r, 1, a, &next);
		r = next;
		n++;
	}
	assert_int_equal(v->kind, STORE_NIL);
	store_arena_free(a);
	return n;
}

static void test_cells(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 512, 8 * 4096);	/* 4 KiB groups, a cache of 8 */
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *l = store_v_nil(a), *v;
	struct store_ref head, r, x, far, vec;
	struct store_stats st;
	enum { N = 6000, BIG = 2000 };
	uint64_t len;

	(void)state;
	for (long i = N - 1; i >= 0; i--)
		l = store_v_pair(a, store_v_fixnum(a, i), l);
	set(s, "l", l);
	store_arena_free(a);
	OK(store_commit(s));
	store_close(s);
	s = open_store(&c, 8 * 4096);	/* a cold cache: the walk loads group after group */
	assert_int_equal(walk(s, "l", 0), N);
	OK(store_stats(s, &st));
	assert_true(st.groups_mapped > 4 * st.cache_groups);
	printf("[ store    ] a stored list of %d pairs in %u groups walked with a cache of %u: %llu "
	       "misses\n", N, st.groups_mapped, st.cache_groups, (unsigned long long)st.cache_misses);
	a = store_arena_new(&fx_mem);
	OK(store_root(s, "l", 1, a, &v, &head));
	assert_null(v);
	assert_int_equal(head.kind, STORE_PAIR);
	OK(store_length(s, &head, &len));
	assert_int_equal(len, 2);
	assert_int_equal(store_field(s, &head, 2, a, &v, &r), STORE_ERANGE);
	/* every 10th car replaced by a fresh vector (placed beside its pair), counts exact */
	r = head;
	for (long i = 0; i < N; i++) {
		if (i % 10 == 0)
			OK(store_set_field(s, &r, 0, store_v_vector(a, 2, store_v_fixnum(a, i))));
		if (i == N / 2)
			far = r;
		if (i == N - 1)
			break;
		assert_null(field(s, &r, 1, a, &x));
		r = x;
	}
	CHECK(s);
	/* the last cdr linked to a pair half the list back: a cycle across many groups, counted */
	OK(store_set_field(s, &r, 1, store_v_ref(a, &far)));
	CHECK(s);
	assert_null(field(s, &r, 1, a, &x));
	assert_int_equal(x.oid, far.oid);
	/* a vector larger than a group's object limit (chunked), read and written by index */
	v = store_v_vector(a, BIG, store_v_nil(a));
	for (uint32_t i = 0; i < BIG; i++)
		v->u.elts[i] = store_v_fixnum(a, i);
	set(s, "v", v);
	OK(store_root(s, "v", 1, a, &v, &vec));
	OK(store_length(s, &vec, &len));
	assert_int_equal(len, BIG);
	for (uint32_t i = 0; i < BIG; i += 97) {
		OK(store_set_field(s, &vec, i, store_v_pair(a, store_v_fixnum(a, -(int64_t)i),
								store_v_ref(a, &head))));
		assert_null(field(s, &vec, i, a, &x));
		v = field(s, &x, 0, a, &r);
		assert_int_equal(v->u.fixnum, -(int64_t)i);
		v = field(s, &vec, i + 1 < BIG ? i + 1 : i - 1, a, &r);
		assert_int_equal(v->kind, STORE_FIXNUM);
	}
	assert_int_equal(store_field(s, &vec, BIG, a, &v, &r), STORE_ERANGE);
	CHECK(s);
	/* a collection that frees something in a group makes its references stale, never wrong */
	assert_null(field(s, &head, 0, a, &x));	/* the first vector */
	OK(store_set_field(s, &head, 0, store_v_fixnum(a, 0)));	/* now garbage */
	OK(store_collect(s, 0));
	CHECK(s);
	assert_int_equal(store_field(s, &x, 0, a, &v, &r), STORE_ESTALE);
	assert_int_equal(store_length(s, &x, &len), STORE_ESTALE);
	assert_int_equal(store_set_field(s, &x, 0, store_v_nil(a)), STORE_ESTALE);
	assert_int_equal(store_set(s, "w", 1, store_v_ref(a, &x)), STORE_ESTALE);
	assert_int_equal(store_deref(s, &x, a, &v), STORE_ESTALE);
	CHECK(s);
	/* the list dropped: its tail cycle spans groups, so only the whole-store mark frees it */
	OK(store_remove(s, "l", 1));
	OK(store_remove(s, "v", 1));
	OK(store_collect(s, 0));
	OK(store_stats(s, &st));
	uint32_t before = st.groups_mapped;

	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	OK(store_stats(s, &st));
	printf("[ store    ] the list's cross-group cycle: %u groups mapped after group collections, "
	       "%u after the whole-store mark\n", before, st.groups_mapped);
	assert_true(st.groups_mapped < before);
	OK(store_commit(s));
	store_close(s);
	/* a reference of another session is stale */
	s = open_store(&c, 0);
	assert_int_equal(store_field(s, &far, 0, a, &v, &r), STORE_ESTALE);
	CHECK(s);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

static void test_larger_than_cache(void **state)
{
	(void)state;
	larger_than_cache(8 * 4096);
	larger_than_cache(0);
}

/* Writes spread over the physical groups: a name overwritten and committed many times. */
static void test_wear(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 64, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_stats st;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		set(s, "counter", store_v_pair(a, store_v_fixnum(a, i), store_v_nil(a)));
		OK(store_commit(s));
		if (i % 50 == 0)
			OK(store_collect(s, 0));
	}
	CHECK(s);
	OK(store_stats(s, &st));
	printf("[ store    ] writes per physical group after 2000 commits: min %u max %u\n",
	       st.erase_min, st.erase_max);
	assert_true(st.erase_max - st.erase_min <= 2);
	/* a format keeps them */
	store_close(s);
	OK(store_format(&c.cut.dev, &fx_mem));
	s = open_store(&c, 0);
	OK(store_stats(s, &st));
	assert_true(st.erase_min >= 30 && st.names == 0 && st.groups_mapped == 0);
	CHECK(s);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* A collection in a nearly full store commits by itself part way (room()); a power cut after such
 * a commit must find a consistent store: no garbage object naming a freed slot (S4), every count
 * exact (S5). Dead lists and cycles across groups, swept by the whole-store mark and by each group
 * alone; after the collection the store is closed without a commit (a cut) and reopened. With a
 * field changed in place and not committed, the collection must not commit it (it stops with
 * STORE_ENOSPC instead) and the reopened store has the old field. */
static void test_sweep_commits(void **state)
{
	struct fx_card c;
	struct store *s;
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_stats st;
	uint64_t commits = 0;
	struct store_val *cell = store_v_pair(a, store_v_fixnum(a, 1), store_v_fixnum(a, 2));

	(void)state;
	for (int round = 0; round < 3; round++) {	/* 2: a field changed in place waits */
		int e;

		s = fresh(&c, 8, 28, 4 * 4096);
		for (int k = 0; k < 4; k++) {
			struct store_val *l = store_v_nil(a), *last = NULL;
			char name[16];

			for (int i = 0; i < 650; i++) {
				l = store_v_pair(a, store_v_fixnum(a, i), l);
				last = last ? last : l;
			}
			if (round == 0 || k % 2)
				last->u.pair.cdr = l;	/* a cycle: only the full mark frees it */
			snprintf(name, sizeof(name), "c%d", k);
			set(s, name, l);
		}
		set(s, "keep", store_v_string(a, "kept", 4));
		set(s, "cell", cell);
		OK(store_commit(s));
		for (int k = 0; k < 4; k++) {
			char name[16];

			snprintf(name, sizeof(name), "c%d", k);
			OK(store_remove(s, name, strlen(name)));
			OK(store_commit(s));	/* a full store takes a few removes per commit */
		}
		OK(store_commit(s));
		if (round == 2) {	/* uncommitted: no collection may make it durable */
			struct store_ref r;
			struct store_val *v;

			OK(store_root(s, "cell", 4, a, &v, &r));
			OK(store_set_field(s, &r, 0, store_v_fixnum(a, 99)));
		}
		e = store_collect(s, round == 1 ? 0 : STORE_COLLECT_FULL);
		assert_true(e == STORE_OK || (round == 2 && e == STORE_ENOSPC));
		OK(store_stats(s, &st));
		if (round == 2)
			assert_int_equal(st.collect_commits, 0);
		commits += st.collect_commits;
		store_close(s);	/* the cut: what the collection did after its last commit is lost */
		s = open_store(&c, 0);
		CHECK(s);
		expect(s, "keep", store_v_string(a, "kept", 4));
		expect(s, "cell", cell);
		OK(store_collect(s, STORE_COLLECT_FULL));
		CHECK(s);
		OK(store_stats(s, &st));
		assert_true(st.groups_mapped <= 3);
		store_close(s);
		fx_card_fini(&c);
	}
	print_message("[ store    ] collections that committed part way: %llu commits\n",
		      (unsigned long long)commits);
	assert_true(commits > 0);
	store_arena_free(a);
}

/* A whole-store collection stopped by STORE_ENOSPC part way through its first pass (a remove
 * waits for a commit, so it cannot commit for room) must leave no good reference to a dead object
 * it has not reached yet: such an object may name one whose cells it already cleared (found by
 * review: a walk from a reference that was still good ended in '() after 825 pairs of a 3000-pair
 * cycle, and a name bound to it kept a list the store never held). The store is filled more on
 * each try until the collection stops part way. */
static void test_sweep_stops(void **state)
{
	enum { N = 3000 };
	static struct store_ref refs[N];
	uint8_t buf[3000];
	int stopped = 0;

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	for (int fill = 0; fill < 40 && !stopped; fill++) {
		struct fx_card c;
		struct store *s = fresh(&c, 8, 40, 4 * 4096);
		struct store_arena *a = store_arena_new(&fx_mem);
		struct store_val *l = store_v_nil(a), *last = NULL, *v;
		int e = STORE_OK;

		for (int i = N - 1; i >= 0; i--) {
			l = store_v_pair(a, store_v_fixnum(a, i), l);
			last = last ? last : l;
		}
		last->u.pair.cdr = l;
		set(s, "l", l);
		OK(store_commit(s));
		for (int i = 0; i < fill && !e; i++) {
			char name[16];

			snprintf(name, sizeof(name), "f%d", i);
			e = store_set(s, name, strlen(name), store_v_bytevector(a, buf, sizeof(buf)));
			if (!e)
				e = store_commit(s);
		}
		if (!e) {
			OK(store_root(s, "l", 1, a, &v, &refs[0]));
			for (int i = 1; i < N; i++)
				OK(store_field(s, &refs[i - 1], 1, a, &v, &refs[i]));
			OK(store_remove(s, "l", 1));
			e = store_collect(s, STORE_COLLECT_FULL);
			assert_true(e == STORE_OK || e == STORE_ENOSPC);
			stopped = e == STORE_ENOSPC;
			for (int i = 0; stopped && i < N; i++) {	/* a good reference still cycles */
				struct store_ref r = refs[i], next;
				uint64_t len;

				if (store_length(s, &r, &len))
					continue;	/* stale */
				for (int n = 0; n <= N; n++) {
					OK(store_field(s, &r, 1, a, &v, &next));
					assert_null(v);	/* a pair, never '() */
					r = next;
				}
			}
			CHECK(s);
		}
		store_arena_free(a);
		store_close(s);
		fx_card_fini(&c);
		if (e && !stopped)
			break;	/* full before the collection could stop part way */
	}
	assert_true(stopped);
}

/* Removing every name of a full store without committing: a remove that would leave too few free
 * groups to commit says STORE_ENOSPC, the commit then works, and the remove again; the last
 * commit works (found by review: the removals piled up until no commit could take them). */
static void test_remove_full(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 40, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	uint8_t buf[3000];
	char name[16];
	int n, refused = 0, e = STORE_OK;

	(void)state;
	memset(buf, 0x33, sizeof(buf));
	for (n = 0; !e; n++) {
		snprintf(name, sizeof(name), "f%d", n);
		if (!(e = store_set(s, name, strlen(name), store_v_bytevector(a, buf, sizeof(buf)))))
			e = store_commit(s);
	}
	assert_int_equal(e, STORE_ENOSPC);
	OK(store_commit(s));
	for (int i = 0; i < n - 1; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		e = store_remove(s, name, strlen(name));
		if (e == STORE_ENOSPC) {
			refused++;
			OK(store_commit(s));
			e = store_remove(s, name, strlen(name));
		}
		assert_true(e == STORE_OK || e == STORE_ENOTFOUND);
	}
	OK(store_commit(s));
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	print_message("[ store    ] %d names removed from a full store, %d removes refused until a "
		      "commit\n", n - 1, refused);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* An allocator that fails every request of fail_size bytes while armed. */
static size_t fail_size;
static int fail_armed;

static void *failing_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return fail_armed && n == fail_size ? NULL : malloc(n);
}

/* A set whose log of the objects it made cannot grow (found by review: the objects made after
 * that were unlogged, and a chunked vector's chunks, made last, named logged elements in other
 * groups, so freeing the logged ones left those links dangling). Now the object that cannot be
 * logged is freed at once and the set fails with STORE_ENOMEM, every object it made freed: the
 * store checks, commits, collects and reopens. */
static void test_failed_set_unlogged(void **state)
{
	const struct store_mem mem = { failing_alloc, fx_free, NULL };
	struct store_params p = { .detail = msg, .detail_len = sizeof(msg) };
	struct fx_card c;
	struct store *s = NULL;
	struct store_arena *a = store_arena_new(&fx_mem);
	static uint8_t big[30 * 1016], big2[100000];
	struct store_val *strs[40], *v = store_v_vector(a, 300, NULL), *root = store_v_vector(a, 3, NULL);

	(void)state;
	fx_card_init(&c, 8, 40, 0xff, seed);
	OK(store_format(&c.cut.dev, &fx_mem));
	OK(store_open(&c.cut.dev, &mem, &p, &s));
	set(s, "keep", store_v_string(a, "keep", 4));
	OK(store_commit(s));
	for (int i = 0; i < 40; i++) {
		char b[200];

		memset(b, 'a' + i % 26, sizeof(b));
		strs[i] = store_v_string(a, b, sizeof(b));
	}
	for (int i = 0; i < 300; i++)
		v->u.elts[i] = strs[i % 40];
	root->u.elts[0] = store_v_bytevector(a, big, sizeof(big));	/* 30 chunks: the log grows */
	root->u.elts[1] = v;
	root->u.elts[2] = store_v_bytevector(a, big2, sizeof(big2));	/* does not fit */
	fail_size = 128 * sizeof(store_oid);	/* the log's growth from 64 to 128 */
	fail_armed = 1;
	assert_int_equal(store_set(s, "x", 1, root), STORE_ENOMEM);
	fail_armed = 0;
	CHECK(s);
	OK(store_commit(s));
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	OK(store_commit(s));
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	expect(s, "keep", store_v_string(a, "keep", 4));
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* The names save's last allocation (the array of live buckets, 8 bytes a bucket) fails: the
 * commit says out of memory and changes nothing, the collection after it keeps the table's
 * buckets, and the next commit works (found reading the change once more: the array was made
 * after the root's index had changed, and the new buckets, uncounted, were then no one's roots). */
static void test_names_nomem(void **state)
{
	const struct store_mem mem = { failing_alloc, fx_free, NULL };
	struct store_params p = { .detail = msg, .detail_len = sizeof(msg) };
	struct fx_card c;
	struct store *s = NULL;
	struct store_arena *a = store_arena_new(&fx_mem);

	(void)state;
	fx_card_init(&c, 8, 40, 0xff, seed);
	OK(store_format(&c.cut.dev, &fx_mem));
	OK(store_open(&c.cut.dev, &mem, &p, &s));
	set(s, "a", store_v_string(a, "first", 5));
	OK(store_commit(s));	/* the table exists: one bucket */
	set(s, "b", store_v_string(a, "second", 6));
	fail_size = 8;	/* an array of one bucket */
	fail_armed = 1;
	assert_int_equal(store_commit(s), STORE_ENOMEM);
	fail_armed = 0;
	OK(store_collect(s, 0));	/* each group alone: the live buckets are its roots */
	CHECK(s);
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	expect(s, "a", store_v_string(a, "first", 5));
	expect(s, "b", store_v_string(a, "second", 6));
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	expect(s, "a", store_v_string(a, "first", 5));
	expect(s, "b", store_v_string(a, "second", 6));
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* A set too large for the card fails with STORE_ENOSPC and frees at once what it made: the store
 * is as it was (groups, free bytes, counts), a persistent reference taken before is still good
 * (no epoch moved), and the next value fits. The value is a cycle across groups (a vector whose
 * elements name it), which no group's collection alone would free. */
static void test_failed_set(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 40, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *p = store_v_pair(a, store_v_fixnum(a, 1), store_v_string(a, "x", 1));
	struct store_val *huge = store_v_vector(a, 12000, NULL), *got;
	struct store_stats st0, st;
	struct store_ref r;

	(void)state;
	set(s, "p", p);
	OK(store_commit(s));
	OK(store_root(s, "p", 1, a, &got, &r));
	for (uint32_t i = 0; i < huge->len; i++)
		huge->u.elts[i] = store_v_pair(a, store_v_string(a, "abcdefgh", 8), huge);
	OK(store_stats(s, &st0));
	assert_int_equal(store_set(s, "huge", 4, huge), STORE_ENOSPC);
	OK(store_stats(s, &st));
	CHECK(s);
	assert_int_equal(st.groups_mapped, st0.groups_mapped);
	assert_true(st.bytes_free >= st0.bytes_free);
	assert_int_equal(st.encodes_undone, 1);
	OK(store_field(s, &r, 0, a, &got, NULL));	/* not stale */
	assert_int_equal(got->u.fixnum, 1);
	set(s, "small", store_v_string(a, "fits", 4));
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	expect(s, "p", p);
	expect(s, "small", store_v_string(a, "fits", 4));
	CHECK(s);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* A full store says so, stays usable, and takes new values after removals and a collection. */
static void test_full(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 8, 40, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_stats st;
	uint8_t buf[3000];
	char name[16];
	int i, e = STORE_OK, committed = 0;

	(void)state;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < 1000 && !e; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		e = store_set(s, name, strlen(name), store_v_bytevector(a, buf, sizeof(buf)));
		if (!e && i % 3 == 2) {
			e = store_commit(s);
			if (!e)
				committed = i + 1;
		}
	}
	assert_int_equal(e, STORE_ENOSPC);
	printf("[ store    ] full after %d values of 3000 bytes (%d committed)\n", i - 1, committed);
	CHECK(s);
	OK(store_stats(s, &st));
	for (i = 0; i < committed; i += 2) {
		snprintf(name, sizeof(name), "f%d", i);
		OK(store_remove(s, name, strlen(name)));
	}
	e = store_collect(s, 0);
	assert_true(e == STORE_OK || e == STORE_ENOSPC);
	CHECK(s);
	OK(store_commit(s));
	OK(store_collect(s, 0));	/* nothing waits for a commit: it commits when it must */
	CHECK(s);
	OK(store_commit(s));
	set(s, "after", store_v_bytevector(a, buf, sizeof(buf)));
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	expect(s, "after", store_v_bytevector(a, buf, sizeof(buf)));
	for (i = 1; i < committed; i += 2) {
		snprintf(name, sizeof(name), "f%d", i);
		expect(s, name, store_v_bytevector(a, buf, sizeof(buf)));
	}
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* A full store of values over 16 groups: their chunk indexes name more groups than the reserve
 * covers, and must still be freed (found by review: the store stayed full until a format). */
static void test_full_big(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 128, 256, 0);	/* 16 MiB of 64 KiB groups, 1 MiB cache */
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_stats st, st0;
	size_t len = 2000000;
	uint8_t *buf = malloc(len);
	char name[16];
	int i, e = STORE_OK;

	(void)state;
	assert_non_null(buf);
	memset(buf, 1, len);
	/* distinct names until full: the set that fails frees what it made (and the collections
	 * it tries first find nothing) */
	for (i = 0; i < 20 && !e; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		OK(store_stats(s, &st0));
		if (!(e = store_set(s, name, strlen(name), store_v_bytevector(a, buf, (uint32_t)len))))
			e = store_commit(s);
	}
	assert_int_equal(e, STORE_ENOSPC);
	CHECK(s);
	OK(store_stats(s, &st));
	assert_int_equal(st.groups_mapped, st0.groups_mapped);
	assert_true(st.encodes_undone >= 1 && st.auto_collections >= 1);
	for (int k = 0; k < i - 1; k++) {
		snprintf(name, sizeof(name), "big%d", k);
		OK(store_remove(s, name, strlen(name)));
	}
	OK(store_commit(s));
	OK(store_collect(s, 0));
	OK(store_collect(s, STORE_COLLECT_FULL));
	CHECK(s);
	OK(store_commit(s));
	OK(store_stats(s, &st));
	printf("[ store    ] full with %d values of 2 MB: %llu objects freed, %u groups mapped after\n",
	       i - 1, (unsigned long long)st.objects_freed, st.groups_mapped);
	assert_true(st.groups_mapped < 10);
	/* one name rebound 20 times, each committed: the old value is garbage when the card fills,
	 * and the set collects by itself instead of failing */
	for (int k = 0; k < 20; k++) {
		set(s, "big", store_v_bytevector(a, buf, (uint32_t)len));
		OK(store_commit(s));
	}
	OK(store_stats(s, &st));
	print_message("[ store    ] one name rebound to 2 MB 20 times: %llu collections by store_set\n",
		      (unsigned long long)st.auto_collections);
	assert_true(st.auto_collections > 0);
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	expect(s, "big", store_v_bytevector(a, buf, (uint32_t)len));
	free(buf);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* A set too big for the card after a remove and a commit (found by a user, README's promise:
 * "store full" and the store as it was). A 1 MiB card of 64 KiB groups, as the hosted --sd
 * sees one: a value of 400000 bytes set, removed, committed; then 800000 bytes made the store
 * STORE_EBROKEN instead of STORE_ENOSPC. */
static void test_full_after_remove(void **state)
{
	struct fx_card c;
	struct store *s = fresh(&c, 128, 16, 0);
	struct store_arena *a = store_arena_new(&fx_mem);
	size_t len = 800000;
	uint8_t *buf = malloc(len);
	struct store_stats st0, st;

	(void)state;
	assert_non_null(buf);
	memset(buf, 7, len);
	set(s, "a", store_v_bytevector(a, buf, 400000));
	OK(store_remove(s, "a", 1));
	OK(store_commit(s));
	CHECK(s);
	OK(store_stats(s, &st0));
	assert_int_equal(store_set(s, "b", 1, store_v_bytevector(a, buf, (uint32_t)len)), STORE_ENOSPC);
	CHECK(s);
	OK(store_stats(s, &st));
	assert_true(st.groups_mapped <= st0.groups_mapped);
	assert_int_equal(store_set(s, "b", 1, store_v_bytevector(a, buf, (uint32_t)len)), STORE_ENOSPC);
	set(s, "c", store_v_fixnum(a, 1));
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	CHECK(s);
	expect(s, "c", store_v_fixnum(a, 1));
	assert_int_equal(store_set(s, "b", 1, store_v_bytevector(a, buf, (uint32_t)len)), STORE_ENOSPC);
	set(s, "d", store_v_bytevector(a, buf, 400000));
	OK(store_commit(s));
	CHECK(s);
	store_close(s);
	s = open_store(&c, 0);
	expect(s, "d", store_v_bytevector(a, buf, 400000));
	free(buf);
	store_arena_free(a);
	store_close(s);
	fx_card_fini(&c);
}

/* Random sets, removes, fields changed in place, collections and rare commits on small cards
 * kept nearly full: each step works or says STORE_ENOSPC, never STORE_EBROKEN (a writeback
 * that found no free physical group; found by review on 16 to 136 groups, and by a user in
 * test_full_after_remove), every count recounted, and a reopen finds the last commit. */
static void test_full_random(void **state)
{
	const struct fx_gen g = { .max_nodes = 40, .big_pct = 20, .big_len = 6000 };
	static const uint32_t ngroups[] = { 16, 24, 40, 72, 136 };
	uint64_t r = seed ^ 0x5eed;
	unsigned full = 0, steps = 0;

	(void)state;
	for (int round = 0; round < 10; round++) {
		struct fx_card c;
		struct store *s = fresh(&c, 8, ngroups[round % 5], fx_below(&r, 2) ? 4 * 4096 : 0);
		uint64_t model[16] = { 0 }, committed[16] = { 0 };	/* seeds; 1: changed in place */
		char name[16];

		for (int step = 0; step < 300; step++, steps++) {
			uint32_t k = fx_below(&r, 16), op = fx_below(&r, 20);
			struct store_arena *a = store_arena_new(&fx_mem);
			int e = STORE_OK;

			snprintf(name, sizeof(name), "n%u", k);
			if (op < 10) {
				uint64_t sd = fx_next(&r) | 3;

				e = store_set(s, name, strlen(name), fx_graph(a, sd, &g));
				if (!e)
					model[k] = sd;
			} else if (op < 13) {
				e = store_remove(s, name, strlen(name));
				if (e == STORE_ENOTFOUND && !model[k])
					e = STORE_OK;
				if (!e)
					model[k] = 0;
			} else if (op < 17 && model[k]) {
				struct store_val *v;
				struct store_ref ref;

				OK(store_root(s, name, strlen(name), a, &v, &ref));
				if (!v) {
					e = store_set_field(s, &ref, 0, fx_graph(a, fx_next(&r) | 3, &g));
					if (e == STORE_ERANGE)
						e = STORE_OK;
					else if (!e)
						model[k] = 1;
				}
			} else if (op < 18) {
				e = store_collect(s, fx_below(&r, 3) == 0 ? STORE_COLLECT_FULL : 0);
			} else if (op < 19 || fx_below(&r, 2)) {
				e = store_commit(s);
				if (!e)
					memcpy(committed, model, sizeof(model));
			}
			store_arena_free(a);
			if (e && e != STORE_ENOSPC)
				fail_msg("round %d step %d op %u: %s", round, step, op, store_strerror(e));
			full += e == STORE_ENOSPC;
			CHECK(s);
		}
		store_close(s);
		s = open_store(&c, 0);
		CHECK(s);
		for (uint32_t j = 0; j < 16; j++) {
			struct store_arena *a = store_arena_new(&fx_mem);
			struct store_val *got;

			snprintf(name, sizeof(name), "n%u", j);
			if (!committed[j]) {
				assert_int_equal(store_ref(s, name, strlen(name), a, &got), STORE_ENOTFOUND);
			} else {
				OK(store_ref(s, name, strlen(name), a, &got));
				if (committed[j] != 1)
					assert_true(store_v_equal(&fx_mem, fx_graph(a, committed[j], &g), got));
			}
			store_arena_free(a);
		}
		store_close(s);
		fx_card_fini(&c);
	}
	print_message("[ store    ] %u random steps on nearly full cards: %u said full\n", steps, full);
}

static void test_file_device(void **state)
{
	char path[] = "/tmp/test_store_XXXXXX";
	int fd = mkstemp(path);
	struct blk_file f;
	struct store *s;
	struct store_arena *a = store_arena_new(&fx_mem);
	struct store_val *v = store_v_pair(a, store_v_symbol(a, "file", 4), store_v_fixnum(a, 7));

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (int erased = 0; erased < 2; erased++) {
		assert_int_equal(blk_file_open(&f, path, 8, 32, erased ? 0xff : 0x00, 1), BLK_OK);
		OK(store_format(&f.dev, &fx_mem));
		OK(store_open(&f.dev, &fx_mem, NULL, &s));
		set(s, "f", v);
		OK(store_commit(s));
		store_close(s);
		blk_file_close(&f);
		assert_int_equal(blk_file_open(&f, path, 8, 32, erased ? 0xff : 0x00, 0), BLK_OK);
		OK(store_open(&f.dev, &fx_mem, NULL, &s));
		expect(s, "f", v);
		CHECK(s);
		store_close(s);
		blk_file_close(&f);
	}
	unlink(path);
	store_arena_free(a);
}

/* ---- damaged cards ---- */

static void scribble(struct fx_card *c, uint32_t sector, uint32_t count, uint64_t *r)
{
	uint8_t *p = c->image + (size_t)sector * BLK_SECTOR;

	for (size_t i = 0; i < (size_t)count * BLK_SECTOR; i++)
		p[i] = (uint8_t)fx_next(r);
}

/* A card with two commits of random graphs; returns its image (the caller frees it). */
static uint8_t *populated(struct fx_card *c, uint64_t *models, const struct fx_gen *g, uint64_t *r)
{
	struct store *s = fresh(c, 8, 96, 0);
	size_t bytes = (size_t)c->gsec * c->ngroups * BLK_SECTOR;
	uint8_t *copy;
	char name[16];

	for (int commit = 0; commit < 2; commit++) {
		for (int k = 0; k < 6; k++) {
			struct store_arena *a = store_arena_new(&fx_mem);

			snprintf(name, sizeof(name), "n%d", k);
			models[commit * 6 + k] = fx_next(r) | 1;
			set(s, name, fx_graph(a, models[commit * 6 + k], g));
			store_arena_free(a);
		}
		OK(store_commit(s));
	}
	store_close(s);
	copy = malloc(bytes);
	memcpy(copy, c->image, bytes);
	return copy;
}

/* Whatever the card holds: open gives OK or an error; if OK, reading every name and checking
 * must not crash (ASan watches). */
static int open_any(struct fx_card *c, int *checked)
{
	struct store *s = NULL;
	int e = store_open(&c->cut.dev, &fx_mem, NULL, &s);

	*checked = 0;
	if (e)
		return e;
	for (int k = 0; k < 6; k++) {
		struct store_arena *a = store_arena_new(&fx_mem);
		struct store_val *v;
		char name[16];

		snprintf(name, sizeof(name), "n%d", k);
		(void)store_ref(s, name, strlen(name), a, &v);
		store_arena_free(a);
	}
	*checked = store_check(s, msg, sizeof(msg)) == STORE_OK;
	store_close(s);
	return STORE_OK;
}

static void test_damaged(void **state)
{
	const struct fx_gen g = { .max_nodes = 40, .big_pct = 15, .big_len = 2000 };
	struct fx_card c;
	uint64_t models[12], r = seed ^ 0xdead;
	uint8_t *good = populated(&c, models, &g, &r);
	size_t bytes = (size_t)c.gsec * c.ngroups * BLK_SECTOR;
	struct store_params p = { .detail = msg, .detail_len = sizeof(msg) };
	struct store *s;
	int checked, e;

	(void)state;
	/* both roots */
	scribble(&c, 0, 2, &r);
	assert_int_equal(store_open(&c.cut.dev, &fx_mem, &p, &s), STORE_EROOT);
	printf("[ store    ] both roots damaged: %s (%s)\n", store_strerror(STORE_EROOT), msg);
	/* blank roots: no store */
	memset(c.image, 0xff, 2 * BLK_SECTOR);
	assert_int_equal(store_open(&c.cut.dev, &fx_mem, &p, &s), STORE_ENOSTORE);
	/* the newest root (seq 3, slot 1): the older one is used, or its groups were reused */
	memcpy(c.image, good, bytes);
	scribble(&c, 1, 1, &r);
	e = store_open(&c.cut.dev, &fx_mem, &p, &s);
	assert_true(e == STORE_OK || e == STORE_EGROUP);
	if (e == STORE_OK) {
		struct store_stats st;

		OK(store_stats(s, &st));
		assert_int_equal(st.seq, 2);
		assert_true(st.fell_back);
		CHECK(s);
		for (int k = 0; k < 6; k++) {
			struct store_arena *a = store_arena_new(&fx_mem);
			char name[16];

			snprintf(name, sizeof(name), "n%d", k);
			expect(s, name, fx_graph(a, models[k], &g));
			store_arena_free(a);
		}
		store_close(s);
	}
	/* another version, CRC right */
	memcpy(c.image, good, bytes);
	for (int slot = 0; slot < 2; slot++) {
		uint8_t *root = c.image + slot * BLK_SECTOR;
		uint32_t crc;

		root[4] = 99;
		crc = store_crc32c(0, root, BLK_SECTOR - 4);
		memcpy(root + BLK_SECTOR - 4, &crc, 4);
	}
	assert_int_equal(store_open(&c.cut.dev, &fx_mem, &p, &s), STORE_EVERSION);
	/* the current mapping area (seq 3: area 1, right after area 0) */
	memcpy(c.image, good, bytes);
	scribble(&c, 2 + 1 * 2, 1, &r);	/* 95 groups: 2 sectors per area */
	assert_int_equal(store_open(&c.cut.dev, &fx_mem, &p, &s), STORE_EMAP);
	printf("[ store    ] mapping damaged: %s (%s)\n", store_strerror(STORE_EMAP), msg);
	/* each mapped group in turn: one sector of it */
	char last[sizeof(msg)] = "";
	int refused = 0;

	for (uint32_t grp = 1; grp < c.ngroups; grp++) {
		memcpy(c.image, good, bytes);
		scribble(&c, grp * c.gsec + fx_below(&r, c.gsec), 1, &r);
		e = store_open(&c.cut.dev, &fx_mem, &p, &s);
		if (e == STORE_OK) {	/* the group was free */
			CHECK(s);
			store_close(s);
		} else {
			assert_int_equal(e, STORE_EGROUP);
			memcpy(last, msg, sizeof(last));
			refused++;
		}
	}
	assert_true(refused > 0);
	printf("[ store    ] one sector of each group damaged: %d refused: %s (%s)\n", refused,
	       store_strerror(STORE_EGROUP), last);
	/* random bytes anywhere, a few sectors at a time, with and without verification at open */
	int opened = 0;
	for (int t = 0; t < 300; t++) {
		memcpy(c.image, good, bytes);
		for (int k = 1 + fx_below(&r, 3); k > 0; k--) {
			uint32_t sec = fx_below(&r, c.gsec * c.ngroups);

			/* mostly where the store is: the metadata, or a group that has a header */
			for (int try = 0; try < 20 && sec >= 8 &&
			     memcmp(c.image + (size_t)(sec / c.gsec) * c.gsec * BLK_SECTOR, "SGRP", 4); try++)
				sec = fx_below(&r, c.gsec * c.ngroups);

			if (fx_below(&r, 2))
				scribble(&c, sec, 1, &r);
			else
				c.image[(size_t)sec * BLK_SECTOR + fx_below(&r, BLK_SECTOR)] ^= (uint8_t)(1u << fx_below(&r, 8));
		}
		if (open_any(&c, &checked) == STORE_OK) {
			opened++;
			assert_true(checked);
		}
	}
	printf("[ store    ] 300 cards with random damage: %d opened and checked (the damage hit a "
	       "free or stale part), the rest refused\n", opened);
	/* without verification at open: damage found when a group is loaded, never a crash */
	p.skip_verify = true;
	for (int t = 0; t < 100; t++) {
		memcpy(c.image, good, bytes);
		scribble(&c, c.gsec + fx_below(&r, c.gsec * (c.ngroups - 1)), 1, &r);
		if (store_open(&c.cut.dev, &fx_mem, &p, &s) == STORE_OK) {
			for (int k = 0; k < 6; k++) {
				struct store_arena *a = store_arena_new(&fx_mem);
				struct store_val *v;
				char name[16];

				snprintf(name, sizeof(name), "n%d", k);
				e = store_ref(s, name, strlen(name), a, &v);
				assert_true(e == STORE_OK || e == STORE_EGROUP || e == STORE_EBROKEN);
				store_arena_free(a);
			}
			(void)store_check(s, msg, sizeof(msg));
			store_close(s);
		}
	}
	/* damage that keeps the CRC right (a bug, not the medium): bytes of a group's header, slot
	 * table or objects changed and the CRC made again; open refuses, or everything after it
	 * (refs, check, collections, a commit) returns errors without crashing */
	int crc_refused = 0, survived = 0;

	for (int t = 0; t < 400; t++) {
		uint32_t grp, gbytes = c.gsec * BLK_SECTOR;
		uint8_t *gp;

		memcpy(c.image, good, bytes);
		do
			grp = 1 + fx_below(&r, c.ngroups - 1);
		while (memcmp(c.image + (size_t)grp * gbytes, "SGRP", 4));
		gp = c.image + (size_t)grp * gbytes;
		for (int k = 1 + fx_below(&r, 4); k > 0; k--) {
			uint32_t lo, at;

			memcpy(&lo, gp + 16, 4);
			switch (fx_below(&r, 3)) {
			case 0: at = 12 + fx_below(&r, 16); break;			/* header */
			case 1: at = 32 + fx_below(&r, 64); break;			/* slot table */
			default: at = lo < gbytes ? lo + fx_below(&r, gbytes - lo) : 40;	/* objects */
			}
			gp[at] = fx_below(&r, 4) ? (uint8_t)fx_next(&r) : gp[at] ^ (uint8_t)(1u << fx_below(&r, 8));
		}
		memset(gp + 28, 0, 4);
		uint32_t crc = store_crc32c(0, gp, gbytes);
		memcpy(gp + 28, &crc, 4);
		p.skip_verify = fx_below(&r, 2);
		if (store_open(&c.cut.dev, &fx_mem, &p, &s)) {
			crc_refused++;
			continue;
		}
		survived++;
		for (int k = 0; k < 6; k++) {
			struct store_arena *a = store_arena_new(&fx_mem);
			struct store_val *v;
			char name[16];

			snprintf(name, sizeof(name), "n%d", k);
			(void)store_ref(s, name, strlen(name), a, &v);
			store_arena_free(a);
		}
		(void)store_check(s, msg, sizeof(msg));
		(void)store_remove(s, "n0", 2);
		(void)store_collect(s, 0);
		(void)store_collect(s, STORE_COLLECT_FULL);
		(void)store_commit(s);
		store_close(s);
	}
	p.skip_verify = false;
	printf("[ store    ] 400 groups changed with their CRC made again: %d refused at open, %d opened "
	       "(errors later, no crash)\n", crc_refused, survived);

	free(good);
	fx_card_fini(&c);
}

static int setup(void **state)
{
	(void)state;
	seed = fx_seed("store");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_one_group),
		cmocka_unit_test(test_cross_group),
		cmocka_unit_test(test_stored_links),
		cmocka_unit_test(test_larger_than_cache),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_wear),
		cmocka_unit_test(test_sweep_commits),
		cmocka_unit_test(test_failed_set),
		cmocka_unit_test(test_failed_set_unlogged),
		cmocka_unit_test(test_names_nomem),
		cmocka_unit_test(test_remove_full),
		cmocka_unit_test(test_sweep_stops),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_full_big),
		cmocka_unit_test(test_full_after_remove),
		cmocka_unit_test(test_full_random),
		cmocka_unit_test(test_file_device),
		cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
