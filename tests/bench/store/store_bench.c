/* store_bench.c -- make bench's store table (scripts/bench_store.sh): the SD store's core on a
 * file (storage/blk_file.c, sync = fsync) on this host's disk. Prints "name,value,unit" lines:
 * commits per second (one small value each), MB/s of 1 MB values committed, the time to collect
 * a group, the cost of a cross-group link, the cache's hit rate on a walk of a large stored list,
 * the same list used in place (persistent cells: a field read, a field write, the commit after
 * them) through a cache smaller than it and one that holds it, against store_ref of the whole,
 * writes per physical group after a long run, and the RAM of the mapping for 64 MiB and 4 GiB.
 *	store_bench DIR		(image files are made and removed in DIR) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <storage/blk_file.h>
#include <storage/store.h>

static void *m_alloc(void *c, size_t n) { (void)c; return malloc(n); }
static void m_free(void *c, void *p, size_t n) { (void)c; (void)n; free(p); }
static const struct store_mem mem = { m_alloc, m_free, NULL };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, int e)
{
	fprintf(stderr, "store_bench: %s: %s\n", what, store_strerror(e));
	exit(1);
}

#define OK(what, x) do { int e_ = (x); if (e_) die(what, e_); } while (0)

#define LIST_PAIRS	200000	/* the walked list: (LIST_PAIRS-1 ... 1 0) */
#define EVERY		1000	/* the in-place writes change every EVERY-th car */

/* the cache's hits over its lookups */
static double hit_rate(uint64_t hits, uint64_t misses)
{
	return (double)hits / ((double)(hits + misses) + 1e-9);
}

static void wrong(const char *what, uint32_t k)
{
	fprintf(stderr, "store_bench: %s: pair %u holds a wrong value\n", what, k);
	exit(1);
}

/* A fresh store on DIR/name of mib MiB (64 KiB groups), cache bytes of cache. */
static struct store *make(struct blk_file *f, const char *dir, const char *name, uint64_t mib,
			  size_t cache)
{
	char path[512];
	struct store_params p = { .cache_bytes = cache, .skip_verify = true };
	struct store *s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (blk_file_open(f, path, 128, (uint32_t)(mib * 16), 0xff, 1) != BLK_OK) {
		perror(path);
		exit(1);
	}
	OK("format", store_format(&f->dev, &mem));
	OK("open", store_open(&f->dev, &mem, &p, &s));
	return s;
}

static void done(struct store *s, struct blk_file *f, const char *dir, const char *name)
{
	char path[512];

	store_close(s);
	blk_file_close(f);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Close s and open the store on f again, cache bytes of cache (empty), a new session. */
static struct store *reopen(struct store *s, struct blk_file *f, size_t cache)
{
	struct store_params p = { .cache_bytes = cache, .skip_verify = true };

	store_close(s);
	OK("reopen", store_open(&f->dev, &mem, &p, &s));
	return s;
}

/* The list's k-th car (from the head) after write pass pass (0: none; pass p puts -k - p in
 * every EVERY-th car). */
static int64_t car_of(uint32_t k, int pass)
{
	return pass && k % EVERY == 0 ? -(int64_t)k - pass : LIST_PAIRS - 1 - (int64_t)k;
}

/* Walk the list bound to "list" in place, as pcar and pcdr do: each pair's car read and checked,
 * its cdr followed; every EVERY-th pair's reference kept in keep. Returns the fields read. */
static uint64_t pwalk(struct store *s, int pass, struct store_ref *keep)
{
	struct store_arena *a = store_arena_new(&mem);
	struct store_val *v, *car;
	struct store_ref r, next, none;
	uint64_t reads = 0;
	uint32_t k;

	OK("root", store_root(s, "list", 4, a, &v, &r));
	for (k = 0; !v; k++) {
		if (k % 4096 == 0) {	/* the cars read so far are garbage */
			store_arena_free(a);
			a = store_arena_new(&mem);
		}
		if (k % EVERY == 0)
			keep[k / EVERY] = r;
		OK("pcar", store_field(s, &r, 0, a, &car, &none));
		if (!car || car->kind != STORE_FIXNUM || car->u.fixnum != car_of(k, pass))
			wrong("pcar", k);
		OK("pcdr", store_field(s, &r, 1, a, &v, &next));
		r = next;
		reads += 2;
	}
	if (k != LIST_PAIRS || v->kind != STORE_NIL)
		wrong("pcdr", k);
	store_arena_free(a);
	return reads;
}

/* The list copied out whole by store_ref, every car checked; its time in seconds. */
static double ref_whole(struct store *s, int pass)
{
	struct store_arena *a = store_arena_new(&mem);
	struct store_val *v;
	uint32_t k = 0;
	double t0 = now(), t;

	OK("ref list", store_ref(s, "list", 4, a, &v));
	t = now() - t0;
	for (; v->kind == STORE_PAIR; v = v->u.pair.cdr, k++)
		if (v->u.pair.car->kind != STORE_FIXNUM ||
		    v->u.pair.car->u.fixnum != car_of(k, pass))
			wrong("store_ref", k);
	if (k != LIST_PAIRS || v->kind != STORE_NIL)
		wrong("store_ref", k);
	store_arena_free(a);
	return t;
}

/* (i 1 2 ... 9): the share benchmark's message */
static struct store_val *small(struct store_arena *a, int i)
{
	struct store_val *l = store_v_nil(a);

	for (int k = 9; k >= 1; k--)
		l = store_v_pair(a, store_v_fixnum(a, k), l);
	return store_v_pair(a, store_v_fixnum(a, i), l);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct blk_file f;
	struct store *s;
	struct store_stats st;
	struct store_arena *a;
	double t0, t;
	int n;

	/* commits per second: one small value each */
	s = make(&f, dir, "bench1.img", 64, 0);
	a = store_arena_new(&mem);
	n = 300;
	t0 = now();
	for (int i = 0; i < n; i++) {
		OK("set", store_set(s, "msg", 3, small(a, i)));
		OK("commit", store_commit(s));
	}
	t = now() - t0;
	printf("commits_per_s,%.0f,commits/s\n", n / t);
	/* MB/s of 1 MB values, each committed */
	{
		size_t len = 1 << 20;
		uint8_t *buf = malloc(len);

		memset(buf, 0x5a, len);
		n = 24;
		t0 = now();
		for (int i = 0; i < n; i++) {
			char name[16];

			snprintf(name, sizeof(name), "b%d", i % 8);
			OK("set big", store_set(s, name, strlen(name), store_v_bytevector(a, buf, (uint32_t)len)));
			OK("commit big", store_commit(s));
		}
		t = now() - t0;
		printf("mb_per_s,%.1f,MB/s\n", n * (len / 1e6) / t);
		free(buf);
	}
	/* collecting: garbage in many groups, then every group that may hold some */
	for (int i = 0; i < 2000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%d", i);
		OK("set g", store_set(s, name, strlen(name), small(a, i)));
	}
	OK("commit g", store_commit(s));
	for (int i = 0; i < 2000; i += 2) {
		char name[16];

		snprintf(name, sizeof(name), "g%d", i);
		OK("remove", store_remove(s, name, strlen(name)));
	}
	OK("commit r", store_commit(s));
	OK("stats", store_stats(s, &st));
	{
		uint64_t c0 = st.collections;

		t0 = now();
		OK("collect", store_collect(s, 0));
		t = now() - t0;
		OK("stats", store_stats(s, &st));
		printf("collect_group_us,%.0f,us\n",
		       t * 1e6 / (double)(st.collections > c0 ? st.collections - c0 : 1));
	}
	/* a cross-group link: a value naming a stored object (STORE_STORED) against a copy */
	{
		struct store_val *v;
		store_oid target;
		double tl, tc;

		OK("ref", store_ref(s, "g1", 2, a, &v));
		target = v->oid;
		n = 2000;
		t0 = now();
		for (int i = 0; i < n; i++)
			OK("set link", store_set(s, "link", 4, store_v_pair(a, store_v_stored(a, target),
									 store_v_nil(a))));
		tl = (now() - t0) / n;
		t0 = now();
		for (int i = 0; i < n; i++)
			OK("set copy", store_set(s, "link", 4, store_v_pair(a, small(a, 1), store_v_nil(a))));
		tc = (now() - t0) / n;
		printf("link_set_us,%.2f,us\ncopy_set_us,%.2f,us\n", tl * 1e6, tc * 1e6);
		OK("commit l", store_commit(s));
	}
	store_arena_free(a);
	done(s, &f, dir, "bench1.img");

	/* the cache on a walk of a list larger than it: 200000 pairs, 256 KiB of cache */
	s = make(&f, dir, "bench2.img", 64, 256 << 10);
	a = store_arena_new(&mem);
	{
		struct store_val *l = store_v_nil(a), *v;
		uint64_t h0, m0;

		for (int i = 0; i < LIST_PAIRS; i++)
			l = store_v_pair(a, store_v_fixnum(a, i), l);
		OK("set list", store_set(s, "list", 4, l));
		OK("commit list", store_commit(s));
		store_arena_free(a);
		a = store_arena_new(&mem);
		OK("stats", store_stats(s, &st));
		h0 = st.cache_hits;
		m0 = st.cache_misses;
		t0 = now();
		OK("ref list", store_ref(s, "list", 4, a, &v));
		t = now() - t0;
		OK("stats", store_stats(s, &st));
		printf("walk_hit_rate,%.5f,fraction\nwalk_misses,%llu,loads\nwalk_ms,%.1f,ms\n",
		       hit_rate(st.cache_hits - h0, st.cache_misses - m0),
		       (unsigned long long)(st.cache_misses - m0),
		       t * 1e3);
	}
	store_arena_free(a);
	/* persistent cells: the same list used in place through 256 KiB and through 8 MiB, which
	 * holds it, each from a new open: a field read (store_field, as pcar and pcdr) on the second
	 * walk, the whole copied out by store_ref per element, a fixnum into every EVERY-th car
	 * (store_set_field, as pset-car!), then the commit */
	{
		static const size_t caches[] = { 256 << 10, 8 << 20 };
		static const char *const sfx[] = { "256kib", "8mib" };
		struct store_ref keep[LIST_PAIRS / EVERY];

		for (int c = 0; c < 2; c++) {
			uint64_t reads, h0, m0;

			s = reopen(s, &f, caches[c]);
			pwalk(s, c, keep);	/* the measured walk finds what a walk leaves */
			OK("stats", store_stats(s, &st));
			h0 = st.cache_hits;
			m0 = st.cache_misses;
			t0 = now();
			reads = pwalk(s, c, keep);
			t = now() - t0;
			OK("stats", store_stats(s, &st));
			printf("pcell_read_ns_%s,%.0f,ns\npcell_read_hit_rate_%s,%.5f,fraction\n"
			       "pcell_read_misses_%s,%llu,loads\n",
			       sfx[c], t * 1e9 / (double)reads, sfx[c],
			       hit_rate(st.cache_hits - h0, st.cache_misses - m0), sfx[c], (unsigned long long)(st.cache_misses - m0));
			t = ref_whole(s, c);
			printf("ref_elt_ns_%s,%.0f,ns\n", sfx[c], t * 1e9 / LIST_PAIRS);
			a = store_arena_new(&mem);
			t0 = now();
			for (uint32_t i = 0; i < LIST_PAIRS / EVERY; i++)
				OK("pset-car", store_set_field(s, &keep[i], 0,
						store_v_fixnum(a, car_of(i * EVERY, c + 1))));
			t = now() - t0;
			store_arena_free(a);
			printf("pcell_write_us_%s,%.2f,us\n", sfx[c], t * 1e6 / (LIST_PAIRS / EVERY));
			t0 = now();
			OK("commit cells", store_commit(s));
			printf("pcell_commit_ms_%s,%.1f,ms\n", sfx[c], (now() - t0) * 1e3);
		}
		s = reopen(s, &f, 0);
		ref_whole(s, 2);	/* both passes' writes were committed */
	}
	/* wear: 2000 commits of small changes on a 16 MiB card */
	done(s, &f, dir, "bench2.img");
	s = make(&f, dir, "bench3.img", 16, 0);
	a = store_arena_new(&mem);
	for (int i = 0; i < 2000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "w%d", i % 50);
		OK("set w", store_set(s, name, strlen(name), small(a, i)));
		OK("commit w", store_commit(s));
		if (i % 100 == 99)
			OK("collect w", store_collect(s, 0));
	}
	OK("stats", store_stats(s, &st));
	printf("writes_per_group_max,%u,writes\nwrites_per_group_min,%u,writes\n", st.erase_max, st.erase_min);
	printf("writes_per_group_mean,%.2f,writes\n", (double)st.erase_total / st.groups);
	store_arena_free(a);
	done(s, &f, dir, "bench3.img");
	/* RAM of the mapping and per-group state: 64 MiB and 4 GiB (sparse) images; then the
	 * whole-store mark over a 100000-pair list and a 50000-pair garbage cycle beside it: its
	 * RAM (fixed), the card area its bits use, its time */
	for (uint64_t mib = 64; mib <= 4096; mib *= 64) {
		char name[32];
		struct store_val *l = NULL, *last = NULL;
		double t;

		snprintf(name, sizeof(name), "bench-%llu.img", (unsigned long long)mib);
		s = make(&f, dir, name, mib, 0);
		OK("stats", store_stats(s, &st));
		printf("table_ram_bytes_%llumib,%llu,bytes\n", (unsigned long long)mib,
		       (unsigned long long)st.table_ram_bytes);
		printf("ram_bytes_%llumib,%llu,bytes\n", (unsigned long long)mib,
		       (unsigned long long)st.ram_bytes);
		a = store_arena_new(&mem);
		for (int pass = 0; pass < 2; pass++) {
			l = store_v_nil(a);
			last = NULL;
			for (int i = 0; i < (pass ? 50000 : 100000); i++) {
				l = store_v_pair(a, store_v_fixnum(a, i), l);
				last = last ? last : l;
			}
			if (pass)
				last->u.pair.cdr = l;
			OK("set mark", store_set(s, pass ? "cycle" : "list", pass ? 5 : 4, l));
		}
		OK("commit mark", store_commit(s));
		OK("remove mark", store_remove(s, "cycle", 5));
		OK("collect mark", store_collect(s, 0));
		t = now();
		OK("full collect", store_collect(s, STORE_COLLECT_FULL));
		t = now() - t;
		OK("stats", store_stats(s, &st));
		printf("full_collect_ms_%llumib,%.1f,ms\n", (unsigned long long)mib, t * 1e3);
		printf("mark_ram_bytes_%llumib,%llu,bytes\n", (unsigned long long)mib,
		       (unsigned long long)st.mark_ram_bytes);
		printf("mark_area_bytes_%llumib,%llu,bytes\n", (unsigned long long)mib,
		       (unsigned long long)st.mark_area_bytes);
		printf("mark_sectors_written_%llumib,%llu,sectors\n", (unsigned long long)mib,
		       (unsigned long long)st.mark_sectors_written);
		store_arena_free(a);
		done(s, &f, dir, name);
	}
	return 0;
}
