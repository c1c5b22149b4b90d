/* store_bench.c -- make bench's store table (scripts/bench_store.sh): the SD store's core on a
 * file (storage/blk_file.c, sync = fsync) on this host's disk. Prints "name,value,unit" lines:
 * commits per second (one small value each), MB/s of 1 MB values committed, the time to collect
 * a group, the cost of a cross-group link, the cache's hit rate on a walk of a large stored list,
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

		for (int i = 0; i < 200000; i++)
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
		       (double)(st.cache_hits - h0) / (double)(st.cache_hits - h0 + st.cache_misses - m0 + 1e-9),
		       (unsigned long long)(st.cache_misses - m0),
		       t * 1e3);
	}
	/* wear: 2000 commits of small changes on a 16 MiB card */
	store_arena_free(a);
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
	store_arena_free(a);
	done(s, &f, dir, "bench3.img");
	/* RAM of the mapping and per-group state: 64 MiB and 4 GiB (sparse) images */
	for (uint64_t mib = 64; mib <= 4096; mib *= 64) {
		char name[32];

		snprintf(name, sizeof(name), "bench-%llu.img", (unsigned long long)mib);
		s = make(&f, dir, name, mib, 0);
		OK("stats", store_stats(s, &st));
		printf("table_ram_bytes_%llumib,%llu,bytes\n", (unsigned long long)mib,
		       (unsigned long long)st.table_ram_bytes);
		done(s, &f, dir, name);
	}
	return 0;
}
