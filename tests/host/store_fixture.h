/* store_fixture.h -- shared by the store's host tests: a RAM card (storage/blk_cut.h, which can
 * also cut the power), malloc as the store's allocator, and a generator of random value graphs
 * (sharing, cycles, every kind, objects larger than a group's quarter) made again from a seed, so
 * a test's model of the store is just names and seeds. */
#ifndef TESTS_HOST_STORE_FIXTURE_H
#define TESTS_HOST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <storage/blk_cut.h>
#include <storage/store.h>

static void *fx_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void fx_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; free(p); }
static const struct store_mem fx_mem = { fx_alloc, fx_free, NULL };

struct fx_card {
	uint8_t *image;
	struct blk_cut cut;
	uint32_t gsec, ngroups;
};

static inline void fx_card_init(struct fx_card *c, uint32_t gsec, uint32_t ngroups, uint8_t erased,
				uint64_t seed)
{
	size_t bytes = (size_t)gsec * ngroups * BLK_SECTOR;

	c->image = malloc(bytes);
	memset(c->image, erased, bytes);
	c->gsec = gsec;
	c->ngroups = ngroups;
	blk_cut_init(&c->cut, c->image, gsec, ngroups, erased, seed);
}

static inline void fx_card_fini(struct fx_card *c)
{
	blk_cut_fini(&c->cut);
	free(c->image);
}

/* ---- random numbers: xorshift64* ---- */
static inline uint64_t fx_next(uint64_t *r)
{
	*r ^= *r >> 12;
	*r ^= *r << 25;
	*r ^= *r >> 27;
	return *r * 0x2545F4914F6CDD1DULL;
}
static inline uint32_t fx_below(uint64_t *r, uint32_t n) { return (uint32_t)(fx_next(r) % n); }

static inline uint64_t fx_seed(const char *who)
{
	const char *env = getenv("SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();

	printf("[ %-8s ] seed %llu (replay with SEED=%llu)\n", who, (unsigned long long)seed,
	       (unsigned long long)seed);
	return seed;
}

/* ---- the generator ---- */
struct fx_gen {
	uint32_t max_nodes;	/* heap nodes per graph */
	uint32_t big_pct;	/* percent of byte and vector nodes made large (chunked) */
	uint32_t big_len;	/* their length */
};

static inline struct store_val *fx_leaf(struct store_arena *a, uint64_t *r, const struct fx_gen *g)
{
	static const int64_t edge[] = { 0, 1, -1, ((int64_t)1 << 60) - 1, -((int64_t)1 << 60),
					(int64_t)1 << 60, -((int64_t)1 << 60) - 1, INT64_MAX, INT64_MIN };
	uint8_t buf[64];
	uint32_t n;

	switch (fx_below(r, 9)) {
	case 0: return store_v_nil(a);
	case 1: return store_v_bool(a, fx_below(r, 2));
	case 2: return store_v_fixnum(a, edge[fx_below(r, 9)]);
	case 3: return store_v_fixnum(a, (int64_t)fx_next(r) >> fx_below(r, 64));
	case 4: return store_v_char(a, fx_below(r, 3) ? fx_below(r, 128) : fx_below(r, 0x110000));
	case 5: {	/* a bignum beyond int64: normalised, top limb non-zero */
		uint32_t l[8];

		n = 3 + fx_below(r, 6);
		for (uint32_t i = 0; i < n; i++)
			l[i] = (uint32_t)fx_next(r);
		l[n - 1] |= 1;
		return store_v_bignum(a, fx_below(r, 2), l, n);
	}
	default:
		n = fx_below(r, 40);
		if (fx_below(r, 100) < g->big_pct)
			n = g->big_len / 2 + fx_below(r, g->big_len);
		{
			uint8_t *b = n > sizeof(buf) ? malloc(n) : buf;
			struct store_val *v;

			for (uint32_t i = 0; i < n; i++)
				b[i] = (uint8_t)fx_next(r);
			v = fx_below(r, 3) == 0 ? store_v_symbol(a, b, n) :
			    fx_below(r, 2) ? store_v_string(a, b, n) : store_v_bytevector(a, b, n);
			if (b != buf)
				free(b);
			return v;
		}
	}
}

/* A graph from seed: heap nodes whose children point anywhere among them (sharing, cycles),
 * leaves mixed in; the root is node 0. */
static inline struct store_val *fx_graph(struct store_arena *a, uint64_t seed, const struct fx_gen *g)
{
	uint64_t r = seed ? seed : 1;
	uint32_t n = 1 + fx_below(&r, g->max_nodes), i;
	struct store_val **nodes = malloc(n * sizeof(*nodes)), *root;

	if (fx_below(&r, 8) == 0) {	/* now and then a lone leaf */
		free(nodes);
		return fx_leaf(a, &r, g);
	}
	for (i = 0; i < n; i++) {
		uint32_t k = fx_below(&r, 10);

		if (k < 6) {
			nodes[i] = store_v_pair(a, NULL, NULL);
		} else if (k < 8) {
			uint32_t len = fx_below(&r, 8);

			if (fx_below(&r, 100) < g->big_pct)
				len = g->big_len / 16 + fx_below(&r, g->big_len / 8);
			nodes[i] = store_v_vector(a, len, NULL);
		} else {
			nodes[i] = fx_leaf(a, &r, g);
		}
	}
	for (i = 0; i < n; i++) {
		struct store_val *v = nodes[i];
		uint32_t nc = v->kind == STORE_PAIR ? 2 : v->kind == STORE_VECTOR ? v->len : 0;

		for (uint32_t k = 0; k < nc; k++) {
			struct store_val *c = fx_below(&r, 3) ? nodes[fx_below(&r, n)] : fx_leaf(a, &r, g);

			if (v->kind == STORE_PAIR)
				*(k ? &v->u.pair.cdr : &v->u.pair.car) = c;
			else
				v->u.elts[k] = c;
		}
	}
	root = nodes[0];
	free(nodes);
	return root;
}

#endif
