/* gcbench.c -- `make bench`'s collector numbers: Boehm's GCBench (Ellis, Kovac, Boehm), the
 * benchmarks game's binary-trees and a per-CPU allocation-rate churn, written once against a
 * small allocator interface and built twice: on our per-CPU heaps (default; one struct heap per
 * thread, C roots, gc_write) and on the Boehm collector (-DGCBENCH_BOEHM, -lgc).
 *   gcbench_X gcbench [NURSERY_KIB] | binarytrees DEPTH [NURSERY_KIB] | alloc THREADS SECS [NURSERY_KIB]
 * Prints one CSV row per run (per thread for alloc) under the header below. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CSV_HEADER "bench,impl,nursery_kib,threads,cpu,time_ms,objects,bytes,mb_s,mobj_s," \
	"collections,major_cycles,gc_ms,pause_p50_us,pause_p99_us,pause_max_us,pause_cpu_p99_us,pause_cpu_max_us," \
	"minor_p50_us,minor_p99_us,minor_max_us,major_p50_us,major_p99_us,major_max_us," \
	"heap_peak_mb,check,cpu_ms,promoted_mb,pause_goal_us"

#define SAMPLES_MAX	(1u << 20)	/* pause samples kept per context; more are counted, not kept */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread: a pause measured on it excludes time the host took the core
 * away (the bench machine may be shared). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "gcbench: %s\n", what);
	exit(1);
}

/* Pauses in ns, preallocated: the Boehm side records from its collection callback, where the
 * world is stopped and malloc could deadlock. */
struct samples {
	uint64_t *v;
	size_t n;
	uint64_t total;
	uint64_t max;
};

static void samples_init(struct samples *s)
{
	s->v = malloc(SAMPLES_MAX * sizeof(*s->v));
	if (s->v == NULL)
		die("out of memory for samples");
	s->n = 0;
	s->total = s->max = 0;
}

static void samples_add(struct samples *s, uint64_t ns)
{
	if (s->n < SAMPLES_MAX)
		s->v[s->n++] = ns;
	s->total += ns;
	if (ns > s->max)
		s->max = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Exact percentile (nearest rank) of the kept samples; sorts them. */
static uint64_t samples_pct(struct samples *s, unsigned pct)
{
	size_t k;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	k = (s->n * pct + 99) / 100;
	return s->v[k ? k - 1 : 0];
}

/* What one run (or one thread of an alloc run) reports. */
struct result {
	const char *bench;
	unsigned threads, cpu;
	uint64_t time_ns;
	uint64_t objects;
	uint64_t bytes;
	uint64_t check;		/* checksum: must match between the two builds */
	uint64_t cpu_ns;	/* the thread's CPU time over the run */
	char promoted[32];	/* MB copied from the nursery to the old generation (ours) */
	char gc[512];		/* the collector's columns, collections .. heap_peak_mb */
};

static unsigned nursery_kib;

#ifndef GCBENCH_BOEHM
/* ---------- backend: our heap ---------- */
#include <arch.h>
#include <host.h>
#include <mm/gc/barrier.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/heaps/heap.h>

#define IMPL		"ours"

/* The pause goal: GCBENCH_PAUSE_US (default the embedders', GC_PAUSE_GOAL_DEFAULT_US; 0: none). */
static unsigned pause_goal_us(void)
{
	const char *g = getenv("GCBENCH_PAUSE_US");

	return g ? (unsigned)strtoul(g, NULL, 10) : GC_PAUSE_GOAL_DEFAULT_US;
}
#define NODE_NIL	OBJ_NIL
typedef obj node;
typedef obj raw;

/* One CPU's heap, its block source's accounting and the pauses its allocations saw. */
struct bk {
	struct heap heap;
	size_t src_out, src_peak;
	struct samples pauses;	/* each allocation call that collected: minor + major steps */
	struct samples cpu_pauses;	/* the same calls' thread CPU time */
	uint64_t nodes;
	void *cached;		/* free 64 KiB blocks, linked through their first word */
	bool nocache;
};

/* The block source: aligned_alloc, with returned 64 KiB blocks kept for reuse (as physmem
 * keeps its pages) unless GCBENCH_NOCACHE is set, so a pause does not include the host
 * unmapping and faulting pages back in. */
static void *src_alloc(void *ctx, size_t size)
{
	struct bk *b = ctx;
	void *p;

	if (size == HEAP_GROUP_SIZE && b->cached != NULL) {
		p = b->cached;
		b->cached = *(void **)p;
	} else {
		p = aligned_alloc(HEAP_GROUP_SIZE, size);
	}
	if (p != NULL) {
		b->src_out += size;
		if (b->src_out > b->src_peak)
			b->src_peak = b->src_out;
	}
	return p;
}

static void src_free(void *ctx, void *p, size_t size)
{
	struct bk *b = ctx;

	b->src_out -= size;
	if (size == HEAP_GROUP_SIZE && !b->nocache) {
		*(void **)p = b->cached;
		b->cached = p;
	} else {
		free(p);
	}
}

static void src_drain(struct bk *b)
{
	while (b->cached != NULL) {
		void *p = b->cached;

		b->cached = *(void **)p;
		free(p);
	}
}

static void bk_init(struct bk *b, unsigned cpu)
{
	struct heap_config cfg = {
		.nursery_bytes = (size_t)nursery_kib * 1024,
		.pause_goal_us = pause_goal_us(),
		.src = { src_alloc, src_free, b },
		.cpu = cpu,
	};

	memset(b, 0, sizeof(*b));
	b->nocache = getenv("GCBENCH_NOCACHE") != NULL;
	samples_init(&b->pauses);
	samples_init(&b->cpu_pauses);
	if (heap_init(&b->heap, &cfg) != 0)
		die("heap_init failed");
	b->heap.verify = getenv("GCBENCH_VERIFY") != NULL;	/* gc_verify: CONFIG_DEBUG builds */
}

/* The slow path (it collects), timed as the allocating code sees it. */
static __attribute__((noinline)) obj timed_alloc(struct bk *b, bool pair, obj l, obj r, size_t bytes)
{
	struct heap *h = &b->heap;
	uint64_t minors = h->stats.minor_collections, steps = h->stats.major_steps;
	uint64_t c0 = thread_cpu_ns(), t0 = arch_cycles();
	obj o = pair ? heap_cons(h, l, r) : heap_make_bytes(h, OBJ_T_BYTEVECTOR, NULL, bytes);
	uint64_t t1 = arch_cycles(), c1 = thread_cpu_ns();

	if (o == OBJ_NULL)
		die("heap exhausted");
	if (h->stats.minor_collections != minors || h->stats.major_steps != steps) {
		samples_add(&b->pauses, arch_cycles_to_ns(t1 - t0));
		samples_add(&b->cpu_pauses, c1 - c0);
	}
	return o;
}

static inline node bk_node(struct bk *b, node l, node r)
{
	struct heap *h = &b->heap;

	b->nodes++;
	if (__builtin_expect(h->nursery_limit - h->nursery_top >= 3, 1))
		return heap_cons(h, l, r);
	return timed_alloc(b, true, l, r, 0);
}

static inline node bk_left(node n) { return obj_car(n); }
static inline node bk_right(node n) { return obj_cdr(n); }
static inline void bk_set_left(struct bk *b, node n, node v) { gc_set_car(&b->heap, n, v); }
static inline void bk_set_right(struct bk *b, node n, node v) { gc_set_cdr(&b->heap, n, v); }
#define BK_ROOT(b, x)	GC_ROOT(&(b)->heap, x)
#define BK_UNROOT(b, x)	GC_UNROOT(&(b)->heap, x)

/* A raw array of bytes: a bytevector, large (old from birth, never moves) when big. */
static raw bk_raw(struct bk *b, size_t bytes) { return timed_alloc(b, false, 0, 0, bytes); }
static void *bk_raw_data(raw a) { return obj_bytes_data(a); }

static uint64_t us(uint64_t cycles) { return arch_cycles_to_ns(cycles) / 1000; }

/* Minor pauses of 1 ms or more (the host's cycles are nanoseconds). */
static uint64_t long_pauses(const struct gc_stats *s)
{
	uint64_t n = 0;

	for (unsigned k = gc_hist_index(1000000); k < GC_PAUSE_BUCKETS; k++)
		n += s->pause_hist[k];
	return n;
}

static void bk_finish(struct bk *b, struct result *r)
{
	struct heap *h = &b->heap;
	const struct gc_stats *s = &h->stats;

	r->objects = b->nodes;
	r->bytes = s->bytes_allocated + heap_nursery_used(h);
	snprintf(r->promoted, sizeof(r->promoted), "%.1f", s->bytes_promoted / 1048576.0);
	snprintf(r->gc, sizeof(r->gc),
		 "%llu,%llu,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%llu,%llu,%llu,%llu,%llu,%.1f",
		 (unsigned long long)s->minor_collections, (unsigned long long)s->major_cycles,
		 b->pauses.total / 1e6, samples_pct(&b->pauses, 50) / 1e3,
		 samples_pct(&b->pauses, 99) / 1e3, b->pauses.max / 1e3,
		 samples_pct(&b->cpu_pauses, 99) / 1e3, b->cpu_pauses.max / 1e3,
		 (unsigned long long)us(gc_pause_percentile(s, 50)),
		 (unsigned long long)us(gc_pause_percentile(s, 99)),
		 (unsigned long long)us(s->pause_max),
		 (unsigned long long)us(gc_major_pause_percentile(s, 50)),
		 (unsigned long long)us(gc_major_pause_percentile(s, 99)),
		 (unsigned long long)us(s->major_pause_max),
		 b->src_peak / 1048576.0);
	if (getenv("GCBENCH_VERBOSE"))
		fprintf(stderr, "cpu %u: promoted %llu bytes, %llu remset overflows, %llu major steps "
			"(work max %llu words), %llu mark overflows, %llu bytes freed by sweeping, "
			"%llu groups freed, %llu minor pauses > 1 ms\n", h->cpu,
			(unsigned long long)s->bytes_promoted, (unsigned long long)s->remset_overflows,
			(unsigned long long)s->major_steps, (unsigned long long)s->major_work_max,
			(unsigned long long)s->major_mark_overflows,
			(unsigned long long)s->major_bytes_freed,
			(unsigned long long)s->major_groups_freed, (unsigned long long)long_pauses(s));
	if (gc_roots_depth(h) != 0)
		die("roots left on the shadow stack");
	heap_destroy(h);
	src_drain(b);
	free(b->pauses.v);
	free(b->cpu_pauses.v);
}

/* Every CPU is a thread registered with the host arch layer (as host_run_cpus does). */
static void run_cpus(unsigned n, void (*fn)(unsigned cpu, void *arg), void *arg)
{
	host_run_cpus(n, fn, arg);
}

static void backend_init(void) {}

#else
/* ---------- backend: the Boehm collector ---------- */
#define GC_THREADS
#include <gc.h>

#define IMPL		"boehm"

static unsigned pause_goal_us(void) { return 0; }
#define NODE_NIL	NULL
struct node {
	struct node *left, *right;
};
typedef struct node *node;
typedef void *raw;

struct bk {
	uint64_t nodes;
};

/* Every collection, START to END as Boehm reports them: stopping the world, marking, restarting
 * it and preparing the (lazy) sweep. The sweep itself runs later inside allocations. */
static struct samples gc_pauses, gc_cpu_pauses;	/* wall; CPU of the collecting thread */
static uint64_t gc_t0, gc_c0;

static void on_event(GC_EventType e)
{
	if (e == GC_EVENT_START) {
		gc_c0 = thread_cpu_ns();
		gc_t0 = now_ns();
	} else if (e == GC_EVENT_END) {
		samples_add(&gc_pauses, now_ns() - gc_t0);
		samples_add(&gc_cpu_pauses, thread_cpu_ns() - gc_c0);
	}
}

static void backend_init(void)
{
	GC_INIT();
	samples_init(&gc_pauses);
	samples_init(&gc_cpu_pauses);
	GC_set_on_collection_event(on_event);
}

static void bk_init(struct bk *b, unsigned cpu)
{
	(void)cpu;
	b->nodes = 0;
}

static inline node bk_node(struct bk *b, node l, node r)
{
	node n = GC_MALLOC(sizeof(*n));

	if (n == NULL)
		die("GC_MALLOC failed");
	b->nodes++;
	n->left = l;
	n->right = r;
	return n;
}

static inline node bk_left(node n) { return n->left; }
static inline node bk_right(node n) { return n->right; }
static inline void bk_set_left(struct bk *b, node n, node v) { (void)b; n->left = v; }
static inline void bk_set_right(struct bk *b, node n, node v) { (void)b; n->right = v; }
#define BK_ROOT(b, x)	((void)(b), (void)(x))	/* conservative: stacks and registers are roots */
#define BK_UNROOT(b, x)	((void)(b), (void)(x))

static raw bk_raw(struct bk *b, size_t bytes)
{
	raw a = GC_MALLOC_ATOMIC(bytes);

	(void)b;
	if (a == NULL)
		die("GC_MALLOC_ATOMIC failed");
	return a;
}
static void *bk_raw_data(raw a) { return a; }

static size_t node_bytes(void)
{
	return GC_size(GC_MALLOC(sizeof(struct node)));	/* what one node really takes */
}

/* Boehm's collections are global (every thread stopped): each thread reports the same ones. */
static void bk_finish(struct bk *b, struct result *r)
{
	if (getenv("GCBENCH_VERBOSE"))
		fprintf(stderr, "boehm: libgc %u.%u.%u, %d parallel marker threads besides the collector, "
			"incremental %s\n", GC_get_version() >> 16, (GC_get_version() >> 8) & 255,
			GC_get_version() & 255, GC_get_parallel(), GC_is_incremental_mode() ? "on" : "off");
	r->objects = b->nodes;
	r->bytes = b->nodes * node_bytes();
	snprintf(r->promoted, sizeof(r->promoted), "-");
	snprintf(r->gc, sizeof(r->gc), "%llu,-,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,-,-,-,-,-,-,%.1f",
		 (unsigned long long)GC_get_gc_no(), gc_pauses.total / 1e6,
		 samples_pct(&gc_pauses, 50) / 1e3, samples_pct(&gc_pauses, 99) / 1e3,
		 gc_pauses.max / 1e3, samples_pct(&gc_cpu_pauses, 99) / 1e3,
		 gc_cpu_pauses.max / 1e3, GC_get_heap_size() / 1048576.0);
}

struct start {
	unsigned cpu;
	void (*fn)(unsigned, void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct start *s = p;

	s->fn(s->cpu, s->arg);
	return NULL;
}

static void run_cpus(unsigned n, void (*fn)(unsigned cpu, void *arg), void *arg)
{
	pthread_t t[64];
	struct start st[64];

	for (unsigned i = 0; i < n; i++) {
		st[i] = (struct start){ i, fn, arg };
		if (pthread_create(&t[i], NULL, thread_main, &st[i]) != 0)	/* GC_pthread_create */
			die("pthread_create failed");
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}
#endif

/* ---------- the programs, once for both backends ---------- */

/* Top-down: fill in the children of an existing node; the stores hit old nodes once a
 * collection has promoted them (the write barrier's work). */
static void populate(struct bk *b, int depth, node n)
{
	node t;

	if (depth <= 0)
		return;
	depth--;
	BK_ROOT(b, n);
	t = bk_node(b, NODE_NIL, NODE_NIL);	/* may move n: store only after */
	bk_set_left(b, n, t);
	t = bk_node(b, NODE_NIL, NODE_NIL);
	bk_set_right(b, n, t);
	populate(b, depth, bk_left(n));
	populate(b, depth, bk_right(n));
	BK_UNROOT(b, n);
}

/* Bottom-up: children first, no stores after initialisation. */
static node make_tree(struct bk *b, int depth)
{
	node l, r;

	if (depth <= 0)
		return bk_node(b, NODE_NIL, NODE_NIL);
	l = make_tree(b, depth - 1);
	BK_ROOT(b, l);
	r = make_tree(b, depth - 1);
	BK_UNROOT(b, l);
	return bk_node(b, l, r);
}

static uint64_t tree_count(node n)
{
	return n == NODE_NIL ? 0 : 1 + tree_count(bk_left(n)) + tree_count(bk_right(n));
}

/* GCBench's constants, as in Boehm's GCBench.c */
#define STRETCH_DEPTH	18
#define LONG_LIVED_DEPTH 16
#define ARRAY_LEN	500000
#define MIN_DEPTH	4
#define MAX_DEPTH	16

static int tree_size(int i) { return (1 << (i + 1)) - 1; }
static int num_iters(int i) { return 2 * tree_size(STRETCH_DEPTH) / tree_size(i); }

static void gcbench(struct bk *b, struct result *r)
{
	node tmp, long_lived;
	raw array;
	double *a;
	uint64_t sum = 0;

	tmp = make_tree(b, STRETCH_DEPTH);
	sum += tree_count(tmp);
	long_lived = bk_node(b, NODE_NIL, NODE_NIL);
	BK_ROOT(b, long_lived);
	populate(b, LONG_LIVED_DEPTH, long_lived);
	array = bk_raw(b, ARRAY_LEN * sizeof(double));
	BK_ROOT(b, array);
	a = bk_raw_data(array);		/* large: never moves */
	for (int i = 0; i < ARRAY_LEN / 2; i++)
		a[i] = 1.0 / i;
	for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2) {
		int iters = num_iters(d);

		for (int i = 0; i < iters; i++) {
			tmp = bk_node(b, NODE_NIL, NODE_NIL);
			populate(b, d, tmp);
		}
		for (int i = 0; i < iters; i++)
			tmp = make_tree(b, d);
		sum += tree_count(tmp);
	}
	a = bk_raw_data(array);
	if (a[1000] != 1.0 / 1000)
		die("gcbench: the array was damaged");
	sum += tree_count(long_lived);
	BK_UNROOT(b, array);
	BK_UNROOT(b, long_lived);
	r->check = sum;
}

/* The benchmarks game's binary-trees (single-threaded shape); check = sum of all item checks. */
static void binarytrees(struct bk *b, int max_depth, struct result *r)
{
	node long_lived;
	uint64_t sum;

	if (max_depth < MIN_DEPTH + 2)
		max_depth = MIN_DEPTH + 2;
	sum = tree_count(make_tree(b, max_depth + 1));
	long_lived = make_tree(b, max_depth);
	BK_ROOT(b, long_lived);
	for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
		int iters = 1 << (max_depth - d + MIN_DEPTH);

		for (int i = 0; i < iters; i++)
			sum += tree_count(make_tree(b, d));
	}
	sum += tree_count(long_lived);
	BK_UNROOT(b, long_lived);
	r->check = sum;
}

/* Allocation rate: lists of 100 pairs built and dropped as fast as possible. */
#define CHURN_LIST	100
#define CHURN_BATCH	1000

struct churn {
	double secs;
	unsigned n;
	pthread_barrier_t go;
	pthread_mutex_t report;
	struct result res[64];
};

static void churn_cpu(unsigned cpu, void *arg)
{
	struct churn *c = arg;
	struct result *r = &c->res[cpu];
	struct bk *b = malloc(sizeof(*b));
	uint64_t t0, c0, deadline, intact = 0, batches = 0;

	if (b == NULL)
		die("out of memory");
	bk_init(b, cpu);
	pthread_barrier_wait(&c->go);
	c0 = thread_cpu_ns();
	t0 = now_ns();
	deadline = t0 + (uint64_t)(c->secs * 1e9);
	do {
		node l = NODE_NIL;

		for (int k = 0; k < CHURN_BATCH; k++) {
			l = NODE_NIL;
			for (int i = 0; i < CHURN_LIST; i++)
				l = bk_node(b, NODE_NIL, l);
		}
		intact += tree_count(l) == CHURN_LIST;	/* the last list of each batch is whole */
		batches++;
	} while (now_ns() < deadline);
	r->time_ns = now_ns() - t0;
	r->cpu_ns = thread_cpu_ns() - c0;
	r->check = intact == batches;	/* 1: every list checked was whole */
	r->bench = "alloc";
	r->threads = c->n;
	r->cpu = cpu;
	pthread_barrier_wait(&c->go);
	pthread_mutex_lock(&c->report);	/* Boehm's pause samples are shared: one at a time */
	bk_finish(b, r);
	pthread_mutex_unlock(&c->report);
	free(b);
}

static void print_row(const struct result *r)
{
	double secs = r->time_ns / 1e9;

	if (strcmp(IMPL, "ours") == 0)
		printf("%s,%s,%u,", r->bench, IMPL, nursery_kib);
	else
		printf("%s,%s,-,", r->bench, IMPL);
	printf("%u,%u,%.1f,%llu,%llu,%.1f,%.2f,%s,%llu,%.1f,%s,", r->threads, r->cpu,
	       r->time_ns / 1e6, (unsigned long long)r->objects, (unsigned long long)r->bytes,
	       r->bytes / 1048576.0 / secs, r->objects / 1e6 / secs, r->gc,
	       (unsigned long long)r->check, r->cpu_ns / 1e6, r->promoted);
	if (strcmp(IMPL, "ours") == 0)
		printf("%u\n", pause_goal_us());
	else
		printf("-\n");
}

static unsigned arg_uint(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 1u << 20)
		die("bad number");
	return (unsigned)v;
}

static void usage(void)
{
	die("usage: gcbench gcbench [NURSERY_KIB] | binarytrees DEPTH [NURSERY_KIB] | "
	    "alloc THREADS SECS [NURSERY_KIB]");
}

int main(int argc, char **argv)
{
	struct result r = { .threads = 1 };
	unsigned nurs_arg = 0;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "gcbench") == 0 && argc <= 3)
		nurs_arg = 2;
	else if (strcmp(argv[1], "binarytrees") == 0 && (argc == 3 || argc == 4))
		nurs_arg = 3;
	else if (strcmp(argv[1], "alloc") == 0 && (argc == 4 || argc == 5))
		nurs_arg = 4;
	else
		usage();
	nursery_kib = argc > (int)nurs_arg ? arg_uint(argv[nurs_arg]) : 256;
	backend_init();
	if (getenv("GCBENCH_HEADER"))
		printf("%s\n", CSV_HEADER);

	if (strcmp(argv[1], "alloc") == 0) {
		static struct churn c;

		c.n = arg_uint(argv[2]);
		c.secs = atof(argv[3]);
		if (c.n > 16 || c.secs <= 0)
			die("alloc: 1..16 threads, SECS > 0");
		pthread_barrier_init(&c.go, NULL, c.n);
		pthread_mutex_init(&c.report, NULL);
		run_cpus(c.n, churn_cpu, &c);
		for (unsigned i = 0; i < c.n; i++)
			print_row(&c.res[i]);
		return 0;
	}

	struct bk *b = malloc(sizeof(*b));
	uint64_t t0, c0;

	if (b == NULL)
		die("out of memory");
	bk_init(b, 0);
	c0 = thread_cpu_ns();
	t0 = now_ns();
	if (nurs_arg == 2) {
		r.bench = "gcbench";
		gcbench(b, &r);
	} else {
		r.bench = "binarytrees";
		binarytrees(b, (int)arg_uint(argv[2]), &r);
	}
	r.time_ns = now_ns() - t0;
	r.cpu_ns = thread_cpu_ns() - c0;
	bk_finish(b, &r);
	free(b);
	print_row(&r);
	return 0;
}
