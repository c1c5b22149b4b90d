/* test_bignum.c -- lisp/bignum.c against unsigned __int128 up to 128 bits, and by algebraic
 * identities beyond (q*b + r = a, (a+b)-b = a, string round trips in every radix, gcd divides),
 * known constants (2^200, 100!, 3^300), Algorithm D's add-back vectors, carry chains, aliasing;
 * Karatsuba, recursive division and divide-and-conquer conversion against the quadratic
 * algorithms at sizes around every threshold; polls that stop every long operation part way.
 * Every output buffer is malloc'd at exactly its documented size, so ASan catches an overrun.
 * Randomized tests print their seed; TEST_SEED=n replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lisp/bignum.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

#define ITER	4000	/* random cases per randomized test */
#define MAXL	40	/* limbs of the larger random operands */

/* --- random numbers: xorshift64*, biased towards limbs that make carries and borrows --- */

static uint64_t seed, rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

static bn_limb rnd_limb(void)
{
	static const bn_limb edge[] = { 0, 1, 2, 3, 0x7fffffff, 0x80000000, 0x80000001,
					0xfffffffe, 0xffffffff, 0x8000, 0x20000000 };

	if (rnd_below(3) == 0)
		return edge[rnd_below(sizeof(edge) / sizeof(edge[0]))];
	return (bn_limb)rnd();
}

static u128 rnd128(unsigned maxbits)
{
	unsigned bits = (unsigned)rnd_below(maxbits + 1);
	u128 v = (u128)rnd_limb() | (u128)rnd_limb() << 32 | (u128)rnd_limb() << 64 |
		 (u128)rnd_limb() << 96;

	return bits == 128 ? v : v & (((u128)1 << bits) - 1);
}

static int setup_seed(void **state)
{
	const char *env = getenv("TEST_SEED");

	(void)state;
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)clock();
	rng = seed ? seed : 1;
	printf("[ bignum   ] seed %llu (replay with TEST_SEED=%llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	return 0;
}

/* --- exactly sized buffers, freed together at the end of each case --- */

static void *allocs[1024];
static unsigned nallocs;

static void *grab(size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);

	assert_non_null(p);
	assert_true(nallocs < sizeof(allocs) / sizeof(allocs[0]));
	allocs[nallocs++] = p;
	return p;
}

static bn_limb *limbs(size_t n) { return n ? grab(n * sizeof(bn_limb)) : grab(0); }

static void release(void)
{
	while (nallocs)
		free(allocs[--nallocs]);
}

struct num {
	bn_limb *d;
	size_t n;	/* may include high zero limbs: inputs need not be normalised */
};

static struct num num128(u128 v)
{
	struct num x = { limbs(4), 0 };

	while (v) {
		x.d[x.n++] = (bn_limb)v;
		v >>= 32;
	}
	return x;
}

static u128 to128(const bn_limb *a, size_t n)
{
	u128 v = 0;

	n = bn_norm(a, n);
	assert_true(n <= 4);
	while (n--)
		v = v << 32 | a[n];
	return v;
}

/* a random magnitude of up to maxl limbs, sometimes with high zero limbs appended */
static struct num rnd_num(size_t maxl)
{
	size_t n = rnd_below(maxl + 1), pad = rnd_below(4) == 0 ? rnd_below(3) : 0;
	struct num x = { limbs(n + pad), n + pad };

	for (size_t i = 0; i < n; i++)
		x.d[i] = rnd_limb();
	memset(x.d + n, 0, pad * sizeof(bn_limb));
	return x;
}

static struct num rnd_nonzero(size_t maxl)
{
	struct num x = rnd_num(maxl);

	if (bn_norm(x.d, x.n) == 0) {
		x.d = limbs(1);
		x.n = 1;
		x.d[0] = rnd_limb() | 1;
	}
	return x;
}

static struct num dup(struct num a)
{
	struct num x = { limbs(a.n), a.n };

	memcpy(x.d, a.d, a.n * sizeof(bn_limb));
	return x;
}

static struct num add(struct num a, struct num b)
{
	struct num r = { limbs(bn_add_size(a.n, b.n)), 0 };

	r.n = bn_add(r.d, a.d, a.n, b.d, b.n);
	return r;
}

static struct num sub(struct num a, struct num b)
{
	struct num r = { limbs(bn_sub_size(a.n, b.n)), 0 };

	r.n = bn_sub(r.d, a.d, a.n, b.d, b.n);
	return r;
}

static struct num mul(struct num a, struct num b)
{
	struct num r = { limbs(bn_mul_size(a.n, b.n)), 0 };

	r.n = bn_mul(r.d, a.d, a.n, b.d, b.n, limbs(bn_mul_scratch_size(a.n, b.n)), NULL);
	return r;
}

/* the divisor's length is normalised first, as bn_div_qsize requires */
static void divmod(struct num a, struct num b, struct num *q, struct num *r)
{
	size_t bn = bn_norm(b.d, b.n);
	bn_limb *scratch = limbs(bn_div_scratch_size(a.n, bn));

	q->d = limbs(bn_div_qsize(a.n, bn));
	r->d = limbs(bn_div_rsize(a.n, bn));
	q->n = bn_divmod(q->d, r->d, &r->n, a.d, a.n, b.d, bn, scratch, NULL);
}

static bool eq(struct num a, struct num b) { return bn_cmp(a.d, a.n, b.d, b.n) == 0; }

static bool normalised(struct num a) { return a.n == 0 || a.d[a.n - 1] != 0; }

static char *to_string(struct num a, unsigned radix)
{
	char *s = grab(bn_to_string_size(a.n, radix));
	bn_limb *scratch = limbs(bn_to_string_scratch_size(a.n, radix));
	size_t n = bn_to_string(s, a.d, a.n, radix, scratch, NULL);

	assert_int_equal(n, strlen(s));
	return s;
}

static struct num parse(const char *s, unsigned radix)
{
	size_t len = strlen(s);
	struct num r = { limbs(bn_from_string_size(len, radix)), 0 };
	ptrdiff_t n = bn_from_string(r.d, s, len, radix, limbs(bn_from_string_scratch_size(len, radix)),
				     NULL);

	assert_true(n >= 0);
	r.n = (size_t)n;
	return r;
}

static char *u128_string(u128 v, unsigned radix)
{
	static char buf[140];
	char *p = buf + sizeof(buf) - 1;

	*p = 0;
	do {
		*--p = "0123456789abcdefghijklmnopqrstuvwxyz"[v % radix];
		v /= radix;
	} while (v);
	return p;
}

/* --- against __int128 --- */

static void test_small_oracle(void **state)
{
	(void)state;
	for (int it = 0; it < ITER * 4; it++) {
		u128 x = rnd128(127), y = rnd128(127), hx = rnd128(64), hy = rnd128(64);
		struct num a = num128(x), b = num128(y), s, p, q, r;
		int c = x < y ? -1 : x > y;

		assert_int_equal(bn_cmp(a.d, a.n, b.d, b.n), c);
		s = add(a, b);
		assert_true(to128(s.d, s.n) == x + y && normalised(s));
		s = x >= y ? sub(a, b) : sub(b, a);
		assert_true(to128(s.d, s.n) == (x >= y ? x - y : y - x) && normalised(s));
		p = mul(num128(hx), num128(hy));
		assert_true(to128(p.d, p.n) == hx * hy && normalised(p));

		u128 dy = y ? y : 1;
		u128 dx = rnd128(128);

		divmod(num128(dx), num128(dy), &q, &r);
		assert_true(to128(q.d, q.n) == dx / dy && normalised(q));
		assert_true(to128(r.d, r.n) == dx % dy && normalised(r));

		bn_limb m = rnd_limb(), c0 = rnd_limb(), d = rnd_limb() | 1;
		u128 v = rnd128(96);
		struct num w = num128(v), o = { limbs(bn_mul_limb_size(w.n)), 0 };

		o.n = bn_mul_limb_add(o.d, w.d, w.n, m, c0);
		assert_true(to128(o.d, o.n) == v * m + c0 && normalised(o));
		size_t qn;
		bn_limb rem = bn_div_limb(w.d, &qn, w.d, w.n, d);	/* q exactly a */
		assert_true(to128(w.d, qn) == v / d && rem == v % d);
		size_t bits = 0;

		while (bits < 128 && x >> bits)
			bits++;
		assert_int_equal(bn_bit_length(a.d, a.n), bits);
		release();
	}
}

static void test_shifts(void **state)
{
	(void)state;
	for (int it = 0; it < ITER * 2; it++) {
		u128 x = rnd128(64);
		size_t k = rnd_below(65);
		struct num a = num128(x), l = { limbs(bn_shl_size(a.n, k)), 0 };

		l.n = bn_shl(l.d, a.d, a.n, k);
		assert_true(to128(l.d, l.n) == x << k && normalised(l));

		u128 y = rnd128(128);
		size_t j = rnd_below(140);
		struct num b = num128(y), h = { limbs(bn_shr_size(b.n, j)), 0 };

		h.n = bn_shr(h.d, b.d, b.n, j);
		assert_true(to128(h.d, h.n) == (j >= 128 ? 0 : y >> j) && normalised(h));
		u128 low = j >= 128 ? y : y & (((u128)1 << j) - 1);

		assert_int_equal(bn_low_bits_p(b.d, b.n, j), low != 0);
		release();
	}
	/* big: (a << k) >> k = a, in place */
	for (int it = 0; it < ITER; it++) {
		struct num a = rnd_num(MAXL);
		size_t k = rnd_below(200);
		struct num t = { limbs(bn_shl_size(a.n, k)), 0 };

		memcpy(t.d, a.d, a.n * sizeof(bn_limb));
		t.n = bn_shl(t.d, t.d, a.n, k);
		size_t abits = bn_bit_length(a.d, a.n);

		assert_int_equal(bn_bit_length(t.d, t.n), abits ? abits + k : 0);
		assert_false(bn_low_bits_p(t.d, t.n, k));
		t.n = bn_shr(t.d, t.d, t.n, k);
		assert_true(eq(t, a) && normalised(t));
		release();
	}
}

static void test_int64(void **state)
{
	static const int64_t vals[] = { 0, 1, -1, 42, -42, INT64_MAX, INT64_MIN, INT64_MIN + 1,
					(int64_t)1 << 32, -((int64_t)1 << 32), 0xffffffffLL };
	bn_limb r[BN_U64_LIMBS], big[3] = { 0, 0, 1 };
	uint64_t u;
	int64_t v;
	bool neg;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		size_t n = bn_from_i64(r, &neg, vals[i]);

		assert_int_equal(neg, vals[i] < 0);
		assert_true(bn_to_i64(r, n, neg, &v));
		assert_true(v == vals[i]);
	}
	assert_int_equal(bn_from_u64(r, UINT64_MAX), 2);
	assert_true(bn_to_u64(r, 2, &u) && u == UINT64_MAX);
	assert_false(bn_to_i64(r, 2, false, &v));
	assert_false(bn_to_i64(r, 2, true, &v));
	bn_from_u64(r, (uint64_t)1 << 63);		/* 2^63: fits only as a negative */
	assert_false(bn_to_i64(r, 2, false, &v));
	assert_true(bn_to_i64(r, 2, true, &v) && v == INT64_MIN);
	assert_false(bn_to_u64(big, 3, &u));
	big[2] = 0;
	assert_true(bn_to_u64(big, 3, &u) && u == 0);	/* unnormalised input */
	assert_int_equal(bn_from_u64(r, 0), 0);
}

static void test_top64(void **state)
{
	(void)state;
	for (int it = 0; it < ITER; it++) {
		u128 x = rnd128(128);
		struct num a = num128(x);
		size_t shift;
		uint64_t m = bn_top64(a.d, a.n, &shift);
		double d = (double)m;

		for (size_t i = 0; i < shift; i++)
			d *= 2;
		assert_true(d == (double)x);	/* gcc's u128 -> double rounds to nearest even */
		release();
	}
}

/* --- big numbers: identities --- */

static void test_add_sub_mul_identities(void **state)
{
	(void)state;
	for (int it = 0; it < ITER; it++) {
		struct num a = rnd_num(MAXL), b = rnd_num(MAXL), c = rnd_num(MAXL / 2);
		struct num s = add(a, b), ab = mul(a, b), ba = mul(b, a);

		assert_true(normalised(s) && normalised(ab));
		assert_true(eq(sub(s, b), a) && eq(sub(s, a), b));
		assert_true(eq(ab, ba));
		assert_true(eq(mul(a, add(b, c)), add(ab, mul(a, c))));	/* distributive */
		assert_true(bn_cmp(s.d, s.n, a.d, a.n) >= 0);
		assert_int_equal(bn_cmp(a.d, a.n, b.d, b.n), -bn_cmp(b.d, b.n, a.d, a.n));
		assert_true(eq(sub(a, a), num128(0)));

		/* exact aliasing: r == a, r == b */
		struct num t = { limbs(bn_add_size(a.n, b.n)), 0 };

		memcpy(t.d, a.d, a.n * sizeof(bn_limb));
		t.n = bn_add(t.d, t.d, a.n, b.d, b.n);
		assert_true(eq(t, s));
		t.n = bn_sub(t.d, t.d, t.n, b.d, b.n);
		assert_true(eq(t, a));
		struct num u = { limbs(bn_add_size(a.n, b.n)), 0 };

		memcpy(u.d, b.d, b.n * sizeof(bn_limb));
		u.n = bn_add(u.d, a.d, a.n, u.d, b.n);
		assert_true(eq(u, s));
		memcpy(u.d, a.d, a.n * sizeof(bn_limb));
		u.n = bn_sub(u.d, s.d, s.n, u.d, a.n);
		assert_true(eq(u, b));
		release();
	}
}

/* carries and borrows running through every limb */
static void test_carry_chains(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 20; n++) {
		struct num ones = { limbs(n), n }, one = num128(1), s, d, p, sq;

		memset(ones.d, 0xff, n * sizeof(bn_limb));
		s = add(ones, one);			/* 2^(32n) */
		assert_int_equal(s.n, n + 1);
		assert_int_equal(s.d[n], 1);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(s.d[i], 0);
		d = sub(s, one);			/* and back */
		assert_true(eq(d, ones));
		p = add(ones, ones);			/* 2^(32n+1) - 2 */
		assert_true(p.n == n + 1 && p.d[0] == 0xfffffffe && p.d[n] == 1);
		sq = mul(ones, ones);			/* (B^n - 1)^2 = B^2n - 2 B^n + 1 */
		assert_int_equal(sq.n, 2 * n);
		assert_int_equal(sq.d[0], 1);
		assert_int_equal(sq.d[n], 0xfffffffe);
		assert_int_equal(sq.d[2 * n - 1], n == 1 ? 0xfffffffe : 0xffffffff);
		struct num w = { limbs(bn_mul_limb_size(n)), 0 };

		w.n = bn_mul_limb_add(w.d, ones.d, n, 0xffffffff, 0xffffffff);	/* = (B^n - 1) B */
		assert_true(w.n == n + 1 && w.d[0] == 0 && w.d[n] == 0xffffffff);
		struct num q, r;

		divmod(sq, ones, &q, &r);
		assert_true(eq(q, ones) && r.n == 0);
		release();
	}
}

/* the quotient and remainder are the only q, r with q b + r = a and r < b */
static void check_divmod(struct num a, struct num b)
{
	struct num q, r;

	divmod(a, b, &q, &r);
	assert_true(normalised(q) && normalised(r));
	assert_true(bn_cmp(r.d, r.n, b.d, b.n) < 0);
	assert_true(eq(add(mul(q, b), r), a));
}

static void test_divmod_identities(void **state)
{
	(void)state;
	for (int it = 0; it < ITER; it++) {
		struct num a = rnd_num(MAXL), b = rnd_nonzero(rnd_below(3) ? MAXL / 2 : 3);

		check_divmod(a, b);
		check_divmod(mul(a, b), b);			/* exact: a * b / b = a */
		struct num q, r, ab = mul(a, b);

		divmod(ab, b, &q, &r);
		assert_true(eq(q, a) && r.n == 0);
		/* the divisor's top bit set, and clear */
		struct num hi = dup(b);
		size_t hn = bn_norm(hi.d, hi.n);

		hi.d[hn - 1] |= 0x80000000;
		check_divmod(a, hi);
		hi.d[hn - 1] = 1;
		check_divmod(a, hi);
		release();
	}
}

/* quotient digit 0, 1, B - 1; a < b; a = b; zero dividend; q and r landing on a and b */
static void test_divmod_edges(void **state)
{
	bn_limb a[4] = { 5, 6, 7, 8 }, b[3] = { 9, 10, 0 }, q[4], r[3], s[16];
	size_t rn;

	(void)state;
	assert_int_equal(bn_divmod(q, r, &rn, a, 0, b, 2, s, NULL), 0);	/* 0 / b */
	assert_int_equal(rn, 0);
	assert_int_equal(bn_divmod(q, r, &rn, b, 2, a, 4, s, NULL), 0);	/* a < b: r = a */
	assert_true(rn == 2 && r[0] == 9 && r[1] == 10);
	assert_int_equal(bn_divmod(q, r, &rn, b, 3, b, 3, s, NULL), 1);	/* a = b */
	assert_true(q[0] == 1 && rn == 0);
	assert_int_equal(bn_divmod(NULL, r, &rn, a, 4, b, 2, s, NULL), 0);	/* remainder only */
	assert_true(to128(r, rn) == to128(a, 4) % to128(b, 2));
	assert_int_equal(bn_divmod(q, NULL, NULL, a, 4, b, 2, s, NULL), 2);	/* quotient only */
	assert_true(to128(q, 2) == to128(a, 4) / to128(b, 2));

	for (int it = 0; it < ITER; it++) {
		u128 x = rnd128(128), y = rnd128(96) | 1;
		bn_limb ab[4] = { 0 }, bb[4] = { 0 }, sc[16];
		struct num ax = num128(x), by = num128(y);
		size_t an = ax.n, bn = by.n, qn;
		bool q_on_a = rnd_below(2);

		memcpy(ab, ax.d, sizeof(ab));
		memcpy(bb, by.d, sizeof(bb));
		/* q == a and r == b, or q == b and r == a (sizes: the arrays are 4 limbs) */
		if (q_on_a)
			qn = bn_divmod(ab, bb, &rn, ab, an, bb, bn, sc, NULL);
		else
			qn = bn_divmod(bb, ab, &rn, ab, an, bb, bn, sc, NULL);
		assert_true(to128(q_on_a ? ab : bb, qn) == x / y);
		assert_true(to128(q_on_a ? bb : ab, rn) == x % y);
		release();
	}
}

/* Step D3 as bignum.c does it, computed in 128 bits: the estimate for a one-digit quotient */
static u128 d3_estimate(u128 a, u128 b, unsigned bn)
{
	unsigned s = (unsigned)__builtin_clz((bn_limb)(b >> (32 * (bn - 1))));
	u128 u = a << s, v = b << s;	/* a < 2^(32 bn) <= 2^96: no overflow */
	unsigned top = 32 * (bn - 1), next = 32 * (bn - 2);
	u128 num = u >> top, vtop = v >> top, vnext = (v >> next) & 0xffffffff;
	u128 qhat = num / vtop, rhat = num % vtop, unext = (u >> next) & 0xffffffff;

	while (qhat > 0xffffffff || qhat * vnext > (rhat << 32 | unext)) {
		qhat--;
		rhat += vtop;
		if (rhat > 0xffffffff)
			break;
	}
	return qhat;
}

/* D6, the add back after a quotient digit one too large: Hacker's Delight's divmnu64 vectors
 * ("add back required") and others found by search; all fit the 128-bit oracle */
static void test_divmod_add_back(void **state)
{
	static const struct { bn_limb a[4], b[3]; size_t an, bn; } v[] = {
		{ { 3, 0, 0x80000000 }, { 1, 0, 0x20000000 }, 3, 3 },
		{ { 3, 0, 0x8000 }, { 1, 0, 0x2000 }, 3, 3 },
		{ { 0, 0, 0x80000000, 0x7fffffff }, { 1, 0, 0x80000000 }, 4, 3 },
		{ { 3, 2, 0xffffffff, 0x7fffffff }, { 0xffffffff, 0xfffffffe, 0xffffffff }, 4, 3 },
		{ { 0xffffffff, 1, 1, 0xfffffffe }, { 0x80000001, 1, 0xfffffffe }, 4, 3 },
		{ { 0x40000000, 0, 0x80000000, 0x7fffffff }, { 0x40000000, 0x80000001, 0x80000000 }, 4, 3 },
		{ { 0xfffffffe, 0, 0x8000, 0x8000 }, { 0x80000000, 0x80000000, 0x80000000 }, 4, 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct num a = { (bn_limb *)v[i].a, v[i].an }, b = { (bn_limb *)v[i].b, v[i].bn }, q, r;
		u128 x = to128(a.d, a.n), y = to128(b.d, b.n);

		if (a.n == b.n)	/* one quotient digit: show the estimate really is one too large */
			assert_true(d3_estimate(x, y, (unsigned)b.n) == x / y + 1);
		divmod(a, b, &q, &r);
		assert_true(to128(q.d, q.n) == x / y);
		assert_true(to128(r.d, r.n) == x % y);
		release();
	}
}

/* --- strings --- */

static struct num power(bn_limb base, unsigned e)
{
	struct num x = { limbs(e + 1), 0 };

	x.d[0] = 1;
	x.n = 1;
	while (e--)
		x.n = bn_mul_limb_add(x.d, x.d, x.n, base, 0);
	return x;
}

static void test_string_constants(void **state)
{
	struct num one = num128(1), p2 = { limbs(bn_shl_size(1, 200)), 0 }, f = { limbs(30), 1 };

	(void)state;
	p2.n = bn_shl(p2.d, one.d, one.n, 200);
	assert_string_equal(to_string(p2, 10),
			    "1606938044258990275541962092341162602522202993782792835301376");
	f.d[0] = 1;
	for (bn_limb i = 2; i <= 100; i++)
		f.n = bn_mul_limb_add(f.d, f.d, f.n, i, 0);
	static const char fact100[] =
		"93326215443944152681699238856266700490715968264381621468592963895217599993229915608"
		"941463976156518286253697920827223758251185210916864000000000000000000000000";
	assert_string_equal(to_string(f, 10), fact100);
	assert_string_equal(to_string(f, 16),
			    "1b30964ec395dc24069528d54bbda40d16e966ef9a70eb21b5b2943a321cdf10391745570cca"
			    "9420c6ecb3b72ed2ee8b02ea2735c61a000000000000000000000000");
	assert_true(eq(parse(fact100, 10), f));
	assert_string_equal(to_string(power(3, 300), 16),
			    "b39cfff485a5dbf4d6aae030b91bfb0ec6bba389cd8d7f85bba3985c19c5e24e40c543a123c6e0"
			    "28a873e9e3874e1b4623a44be39b34e67dc5c2671");
	assert_string_equal(to_string(sub(p2, one), 36), "bnklg118comha6gqury14067gur54n8won6guf3");
	assert_string_equal(to_string(num128(0), 10), "0");
	assert_string_equal(to_string(num128(0), 16), "0");
	assert_string_equal(to_string(num128(255), 2), "11111111");
	assert_string_equal(to_string(num128(35), 36), "z");
	assert_true(eq(parse("DeadBeef", 16), num128(0xdeadbeef)));
	assert_true(eq(parse("000000000000000000000000000000000000000000000000000007", 10), num128(7)));
	release();
}

static void test_string_errors(void **state)
{
	bn_limb r[8];

	(void)state;
	assert_int_equal(bn_from_string(r, "", 0, 10, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "12a", 3, 10, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "102", 3, 2, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "-1", 2, 10, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "1 2", 3, 10, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "z", 1, 35, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "Zz", 2, 36, NULL, NULL), 1);
	assert_int_equal(r[0], 35 * 36 + 35);
	assert_int_equal(bn_from_string(r, "1", 1, 1, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "1", 1, 37, NULL, NULL), -1);
	assert_int_equal(bn_from_string(r, "0", 1, 10, NULL, NULL), 0);
	assert_int_equal(bn_from_string(r, "12", 1, 10, NULL, NULL), 1);	/* only len chars are read */
	assert_int_equal(r[0], 1);
}

static void test_string_round_trip(void **state)
{
	(void)state;
	for (int it = 0; it < ITER / 4; it++) {
		u128 x = rnd128(128);
		struct num a = num128(x), b = rnd_num(MAXL / 2);

		for (unsigned radix = 2; radix <= 36; radix++) {
			assert_string_equal(to_string(a, radix), u128_string(x, radix));
			char *s = to_string(b, radix);

			assert_true(eq(parse(s, radix), b));
			if (bn_norm(b.d, b.n))
				assert_true(s[0] != '0');
			/* scratch may be the input itself */
			struct num c = dup(b);
			char *t = grab(bn_to_string_size(c.n, radix));

			bn_to_string(t, c.d, c.n, radix, c.d, NULL);
			assert_string_equal(s, t);
		}
		release();
	}
}

/* --- gcd --- */

static u128 gcd128(u128 a, u128 b)
{
	while (b) {
		u128 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static struct num gcd(struct num a, struct num b)
{
	struct num r = { limbs(bn_gcd_size(a.n, b.n)), 0 };

	r.n = bn_gcd(r.d, a.d, a.n, b.d, b.n, limbs(bn_gcd_scratch_size(a.n, b.n)), NULL);
	assert_true(normalised(r));
	return r;
}

static void test_gcd(void **state)
{
	(void)state;
	for (int it = 0; it < ITER; it++) {
		u128 x = rnd128(128), y = rnd128(128), k = rnd128(40);
		struct num g = gcd(num128(x), num128(y));

		assert_true(to128(g.d, g.n) == gcd128(x, y));
		x = rnd128(80) * k, y = rnd128(80) * k;		/* shared factors, powers of 2 too */
		g = gcd(num128(x), num128(y));
		assert_true(to128(g.d, g.n) == gcd128(x, y));
		release();
	}
	for (int it = 0; it < ITER / 4; it++) {
		/* every other one far apart in length: bn_gcd's division step */
		struct num a = rnd_num(MAXL / 2), b = it & 1 ? rnd_nonzero(2) : rnd_num(MAXL / 2), c = rnd_nonzero(4);
		struct num ac = mul(a, c), bc = mul(b, c), g = gcd(ac, bc), q, r;

		if (!bn_norm(a.d, a.n) && !bn_norm(b.d, b.n)) {
			assert_int_equal(g.n, 0);
			release();
			continue;
		}
		divmod(g, c, &q, &r);			/* c divides gcd(ac, bc) */
		assert_int_equal(r.n, 0);
		struct num qa, ra, qb, rb;

		divmod(ac, g, &qa, &ra);		/* g divides both; the cofactors are coprime */
		divmod(bc, g, &qb, &rb);
		assert_true(ra.n == 0 && rb.n == 0);
		struct num h = gcd(qa, qb);

		assert_true(eq(h, num128(1)) || (bn_norm(qa.d, qa.n) == 0 || bn_norm(qb.d, qb.n) == 0));
		/* r == a */
		struct num t = { limbs(bn_gcd_size(ac.n, bc.n)), 0 };

		memcpy(t.d, ac.d, ac.n * sizeof(bn_limb));
		t.n = bn_gcd(t.d, t.d, ac.n, bc.d, bc.n, limbs(bn_gcd_scratch_size(ac.n, bc.n)), NULL);
		assert_true(eq(t, g));
		release();
	}
}

/* --- bitwise, against signed __int128 --- */

static struct num num_i128(i128 v, bool *neg)
{
	*neg = v < 0;
	return num128(*neg ? (u128)0 - (u128)v : (u128)v);
}

static void test_bitwise(void **state)
{
	(void)state;
	for (int it = 0; it < ITER * 2; it++) {
		i128 x = (i128)rnd128(120) * (rnd_below(2) ? -1 : 1);
		i128 y = (i128)rnd128(rnd_below(2) ? 120 : 40) * (rnd_below(2) ? -1 : 1);
		bool xn, yn, rn;
		struct num a = num_i128(x, &xn), b = num_i128(y, &yn);
		static const enum bn_logop ops[] = { BN_AND, BN_IOR, BN_XOR };

		for (int o = 0; o < 3; o++) {
			i128 want = ops[o] == BN_AND ? (x & y) : ops[o] == BN_IOR ? (x | y) : (x ^ y);
			struct num r = { limbs(bn_logop_size(a.n, b.n)), 0 };

			r.n = bn_logop(r.d, &rn, ops[o], a.d, a.n, xn, b.d, b.n, yn);
			assert_true(normalised(r));
			assert_true(rn == (want < 0));
			assert_true(to128(r.d, r.n) == (rn ? (u128)0 - (u128)want : (u128)want));
		}
		struct num r = { limbs(bn_lognot_size(a.n)), 0 };

		r.n = bn_lognot(r.d, &rn, a.d, a.n, xn);
		assert_true(rn == (~x < 0) && to128(r.d, r.n) == (rn ? (u128)0 - (u128)~x : (u128)~x));
		release();
	}
	/* the sign limb: -2^32 & -1, and a negative zero counts as zero */
	bn_limb m[2] = { 0, 1 }, one[1] = { 1 }, r[3];
	bool neg;
	size_t n = bn_logop(r, &neg, BN_AND, m, 2, true, one, 1, true);

	assert_true(neg && n == 2 && r[0] == 0 && r[1] == 1);
	n = bn_logop(r, &neg, BN_IOR, m, 0, true, one, 1, false);
	assert_true(!neg && n == 1 && r[0] == 1);
	n = bn_lognot(r, &neg, m, 0, true);
	assert_true(neg && n == 1 && r[0] == 1);
	/* r == a */
	m[0] = 5, m[1] = 0;
	n = bn_logop(m, &neg, BN_XOR, m, 1, false, one, 1, true);	/* 5 ^ -1 = -6 */
	assert_true(neg && n == 1 && m[0] == 6);
}

/* --- subquadratic algorithms against the quadratic ones, around every threshold --- */

/* limbs of one of several shapes: random with edge limbs, all ones, sparse, all ones but the top */
static struct num rnd_shaped(size_t n)
{
	struct num x = { limbs(n), n };
	unsigned shape = (unsigned)rnd_below(5);

	for (size_t i = 0; i < n; i++) {
		x.d[i] = shape == 1 ? 0xffffffff : shape == 2 ? (rnd_below(8) ? 0 : rnd_limb()) :
			 rnd_limb();
	}
	if (shape == 3 && n)
		x.d[n - 1] = 1;		/* 2^(32(n-1)) + junk: a tiny top limb */
	if (shape == 4 && n)
		x.d[n - 1] |= 0x80000000;
	return x;
}

/* a length near one of the thresholds (or a multiple of one), or anywhere up to max */
static size_t rnd_len(size_t max)
{
	static const size_t base[] = { BN_MUL_KARATSUBA, BN_SQR_KARATSUBA, BN_DIV_DC,
				       BN_TO_STRING_DC, BN_FROM_STRING_BASE };
	size_t n;

	if (rnd_below(3) == 0)
		return 1 + rnd_below(max);
	n = base[rnd_below(5)] * (1 + rnd_below(4)) + rnd_below(5);
	n = n > 2 ? n - 2 : 1;
	return n < max ? n : max;
}

static struct num mul_ref(struct num a, struct num b)
{
	struct num r = { limbs(bn_mul_size(a.n, b.n)), 0 };

	r.n = bn_mul_basecase(r.d, a.d, a.n, b.d, b.n);
	return r;
}

static void test_karatsuba(void **state)
{
	(void)state;
	for (int it = 0; it < ITER / 8; it++) {
		size_t an = rnd_len(8 * BN_MUL_KARATSUBA), bn;
		unsigned shape = (unsigned)rnd_below(4);

		/* balanced, a bit unbalanced, very unbalanced, or a square */
		bn = shape == 0 ? an : shape == 1 ? an - rnd_below(an / 2 + 1) :
		     1 + rnd_below(an / 3 + 1);
		struct num a = rnd_shaped(an), b = shape == 3 ? a : rnd_shaped(bn);
		struct num r = mul(a, b), ref = mul_ref(a, b);

		assert_true(normalised(r));
		assert_true(eq(r, ref));
		assert_true(eq(mul(b, a), ref));
		release();
	}
	/* a few large ones, squares included */
	for (int it = 0; it < 4; it++) {
		struct num a = rnd_shaped(1000 + rnd_below(1500));
		struct num b = it & 1 ? a : rnd_shaped(1 + rnd_below(2500));

		assert_true(eq(mul(a, b), mul_ref(a, b)));
		release();
	}
}

static void test_division_dc(void **state)
{
	(void)state;
	for (int it = 0; it < ITER / 8; it++) {
		size_t bn = 2 + rnd_len(6 * BN_DIV_DC), an = bn + rnd_len(5 * bn);
		struct num a = rnd_shaped(an), b = rnd_shaped(bn);

		if (bn_norm(b.d, b.n) == 0)
			b.d[0] = 1;
		check_divmod(a, b);
		/* a remainder of b - 1 and a quotient of all ones: the corrections' worst cases */
		struct num ones = rnd_shaped(an - bn + 1), bm1 = sub(b, num128(1));

		memset(ones.d, 0xff, ones.n * sizeof(bn_limb));
		check_divmod(add(mul(ones, b), bm1), b);
		release();
	}
	for (int it = 0; it < 3; it++) {
		struct num b = rnd_shaped(500 + rnd_below(1500)), a = rnd_shaped(b.n + rnd_below(3000));

		if (bn_norm(b.d, b.n) == 0)
			b.d[0] = 7;
		check_divmod(a, b);
		release();
	}
}

/* digits by one division by the radix per digit; parsing by one multiplication per digit */
static char *to_string_ref(struct num a, unsigned radix)
{
	size_t n = bn_norm(a.d, a.n), len = 0, cap = bn_to_string_size(a.n, radix);
	char *s = grab(cap);
	bn_limb *t = limbs(n);

	memcpy(t, a.d, n * sizeof(bn_limb));
	do {
		s[len++] = "0123456789abcdefghijklmnopqrstuvwxyz"[bn_div_limb(t, &n, t, n, radix)];
	} while (n);
	for (size_t i = 0; i < len / 2; i++) {
		char c = s[i];

		s[i] = s[len - 1 - i];
		s[len - 1 - i] = c;
	}
	s[len] = 0;
	return s;
}

static struct num parse_ref(const char *s, unsigned radix)
{
	size_t len = strlen(s);
	struct num r = { limbs(bn_from_string_size(len, radix)), 0 };

	for (size_t i = 0; i < len; i++) {
		unsigned d = s[i] <= '9' ? (unsigned)(s[i] - '0') : (unsigned)((s[i] | 0x20) - 'a' + 10);

		r.n = bn_mul_limb_add(r.d, r.d, r.n, radix, d);
	}
	return r;
}

/* radix^e + delta (delta -1, 0 or 1): chunks of all zeros or all (radix - 1) digits */
static struct num radix_power(unsigned radix, size_t e, int delta)
{
	struct num one = num128(1), x = { limbs(e + 2), 1 };

	x.d[0] = 1;
	for (size_t i = 0; i < e; i++)
		x.n = bn_mul_limb_add(x.d, x.d, x.n, radix, 0);
	return delta < 0 ? sub(x, one) : delta > 0 ? add(x, one) : x;
}

static void check_radix(struct num a, unsigned radix)
{
	char *s = to_string(a, radix);

	assert_string_equal(s, to_string_ref(a, radix));
	assert_true(eq(parse(s, radix), a));
	/* scratch starting exactly at the input */
	struct num c = { limbs(bn_max_len(a.n, bn_to_string_scratch_size(a.n, radix))), a.n };
	char *t = grab(bn_to_string_size(a.n, radix));

	memcpy(c.d, a.d, a.n * sizeof(bn_limb));
	bn_to_string(t, c.d, c.n, radix, c.d, NULL);
	assert_string_equal(s, t);
}

static void test_radix_dc(void **state)
{
	static const unsigned radixes[] = { 10, 10, 3, 7, 31, 36, 2, 16 };

	(void)state;
	for (int it = 0; it < ITER / 16; it++) {
		unsigned radix = rnd_below(2) ? radixes[rnd_below(8)] : 2 + (unsigned)rnd_below(35);
		struct num a = rnd_shaped(rnd_len(12 * BN_TO_STRING_DC));

		check_radix(a, radix);
		/* digit strings with leading zeros parse too */
		char *s = to_string(a, radix), *z = grab(strlen(s) + 40);

		memset(z, '0', 37);
		strcpy(z + 37, s);
		assert_true(eq(parse(z, radix), a));
		/* powers of the radix, one off either way */
		size_t e = rnd_below(30 * 12 * BN_TO_STRING_DC);

		for (int d = -1; d <= 1; d++)
			check_radix(radix_power(radix, e, d), radix);
		release();
	}
	/* strings in every radix, against the digit-at-a-time parse */
	for (int it = 0; it < ITER / 32; it++) {
		unsigned radix = 2 + (unsigned)rnd_below(35);
		size_t len = 1 + rnd_below(40 * 9 * BN_FROM_STRING_BASE);
		char *s = grab(len + 1);

		for (size_t i = 0; i < len; i++) {
			size_t d = rnd_below(3) == 0 ? radix - 1 : rnd_below(radix);

			s[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[d];
			if (d >= 10 && rnd_below(2))
				s[i] = (char)(s[i] - 'a' + 'A');	/* either case */
		}
		s[len] = 0;
		assert_true(eq(parse(s, radix), parse_ref(s, radix)));
		s[rnd_below(len)] = '!';
		assert_int_equal(bn_from_string(limbs(bn_from_string_size(len, radix)), s, len, radix,
						limbs(bn_from_string_scratch_size(len, radix)), NULL), -1);
		release();
	}
	for (int it = 0; it < 2; it++) {
		check_radix(rnd_shaped(1500 + rnd_below(1500)), it ? 10 : 7);
		release();
	}
}

/* --- interruption: a poll that says "stop" after N calls --- */

struct stopper {
	size_t calls, stop_at;
};

static bool stop_after(void *ctx)
{
	struct stopper *st = ctx;

	return ++st->calls >= st->stop_at;
}

enum op { OP_MUL, OP_SQR, OP_UNBALANCED, OP_DIV, OP_DIV_SHORT, OP_TOSTR10, OP_TOSTR7, OP_FROMSTR,
	  OP_GCD, NOPS };

/* one operation on fixed inputs; returns a digest of its result (a string or limbs, hashed) */
static uint64_t run_op(enum op op, struct num a, struct num b, const char *str, struct bn_poll *p)
{
	struct num r = { limbs(bn_mul_size(a.n, b.n) + bn_from_string_size(strlen(str), 10)), 0 };
	char *out = NULL;
	uint64_t h = 1469598103934665603ull;

	switch (op) {
	case OP_MUL:
	case OP_UNBALANCED:
		r.n = bn_mul(r.d, a.d, a.n, b.d, b.n, limbs(bn_mul_scratch_size(a.n, b.n)), p);
		break;
	case OP_SQR:
		r.n = bn_mul(r.d, a.d, a.n, a.d, a.n, limbs(bn_mul_scratch_size(a.n, a.n)), p);
		break;
	case OP_DIV:
	case OP_DIV_SHORT: {
		struct num rem = { limbs(b.n), 0 };

		r.n = bn_divmod(r.d, rem.d, &rem.n, a.d, a.n, b.d, b.n,
				limbs(bn_div_scratch_size(a.n, b.n)), p);
		for (size_t i = 0; i < rem.n; i++)
			h = (h ^ rem.d[i]) * 1099511628211ull;
		break;
	}
	case OP_TOSTR10:
	case OP_TOSTR7:
		out = grab(bn_to_string_size(a.n, op == OP_TOSTR7 ? 7 : 10));
		bn_to_string(out, a.d, a.n, op == OP_TOSTR7 ? 7 : 10,
			     limbs(bn_to_string_scratch_size(a.n, op == OP_TOSTR7 ? 7 : 10)), p);
		break;
	case OP_FROMSTR: {
		size_t len = strlen(str);

		r.n = (size_t)bn_from_string(r.d, str, len, 10,
					     limbs(bn_from_string_scratch_size(len, 10)), p);
		break;
	}
	case OP_GCD:
		r.n = bn_gcd(r.d, a.d, a.n, b.d, b.n, limbs(bn_gcd_scratch_size(a.n, b.n)), p);
		break;
	default:
		fail();
	}
	if (p && p->stopped)
		return 0;
	for (size_t i = 0; i < r.n; i++)
		h = (h ^ r.d[i]) * 1099511628211ull;
	for (size_t i = 0; out && out[i]; i++)
		h = (h ^ (uint8_t)out[i]) * 1099511628211ull;
	return h;
}

static struct num rnd_full(size_t n)
{
	struct num x = { limbs(n), n };

	for (size_t i = 0; i < n; i++)
		x.d[i] = rnd_limb();
	return x;
}

static void test_poll_stop(void **state)
{
	(void)state;
	for (enum op op = 0; op < NOPS; op++) {
		size_t an = op == OP_GCD ? 400 : op == OP_UNBALANCED ? 20000 : op == OP_DIV ? 6000 :
			    op == OP_DIV_SHORT ? 20000 : 3000;
		size_t bn = op == OP_GCD ? 390 : op == OP_UNBALANCED ? 100 : op == OP_DIV_SHORT ? 40 : 3000;
		/* random limbs, not rnd_shaped's: of two all-ones operands 2^32m - 1 and 2^32n - 1
		 * the gcd takes a few Euclid steps, 2^32gcd(m,n) - 1 (seed 1796507309 drew them) */
		struct num a = rnd_full(an), b = rnd_full(bn), a0 = dup(a), b0 = dup(b);
		char *str = to_string(rnd_full(op == OP_FROMSTR ? 3000 : 1), 10);
		struct stopper count = { 0, (size_t)-1 };
		struct bn_poll full = BN_POLL_INIT(stop_after, &count);
		uint64_t want;

		a.d[a.n - 1] |= 1;	/* nonzero operands, b normalised */
		b.d[b.n - 1] |= 1;
		a0 = dup(a), b0 = dup(b);
		want = run_op(op, a, b, str, NULL);
		assert_true(run_op(op, a, b, str, &full) == want);
		assert_false(full.stopped);
		assert_true(count.calls >= 4);	/* these sizes take several polls */
		for (size_t stop_at = 1; stop_at <= 4; stop_at++) {
			struct stopper st = { 0, stop_at };
			struct bn_poll p = BN_POLL_INIT(stop_after, &st);

			run_op(op, a, b, str, &p);
			assert_true(p.stopped);
			assert_int_equal(st.calls, stop_at);	/* never asked again after "stop" */
			assert_true(p.work < BN_POLL_WORK);	/* and little work done after it */
			assert_true(eq(a, a0) && eq(b, b0));	/* inputs intact */
			run_op(op, a, b, str, &p);		/* a stopped poll stops at once */
			assert_int_equal(st.calls, stop_at);
			assert_true(run_op(op, a, b, str, NULL) == want);
		}
		release();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_oracle),
		cmocka_unit_test(test_shifts),
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_top64),
		cmocka_unit_test(test_add_sub_mul_identities),
		cmocka_unit_test(test_carry_chains),
		cmocka_unit_test(test_divmod_identities),
		cmocka_unit_test(test_divmod_edges),
		cmocka_unit_test(test_divmod_add_back),
		cmocka_unit_test(test_string_constants),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_string_round_trip),
		cmocka_unit_test(test_gcd),
		cmocka_unit_test(test_bitwise),
		cmocka_unit_test(test_karatsuba),
		cmocka_unit_test(test_division_dc),
		cmocka_unit_test(test_radix_dc),
		cmocka_unit_test(test_poll_stop),
	};

	return cmocka_run_group_tests(tests, setup_seed, NULL);
}
