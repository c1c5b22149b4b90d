/* bignum_radix.c -- bignums to and from digits in a radix 2..36 (contracts in bignum.h):
 * quadratic base cases below the thresholds in bignum.h, divide and conquer on powers of the
 * radix above them (the multiplication and division of bignum.c); every long loop polls. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lisp/bignum_impl.h"

/* k digits of a chunk x < radix^k at o, leading zeros included */
static void put_chunk(char *o, bn_limb x, unsigned k, unsigned radix)
{
	while (k-- > 0) {
		/* radix 10 spelled out: a division by a constant is a multiplication */
		bn_limb d = radix == 10 ? x / 10 : x / radix;

		o[k] = bnx_digit_chars[x - d * radix];
		x = d;
	}
}

/* a's digits by repeated division by radix^k, k per chunk, least significant first, then
 * reversed. scratch: an limbs (may be a). */
static size_t to_string_basecase(char *out, const bn_limb *a, size_t an, unsigned radix,
				 bn_limb *scratch, struct bn_poll *p)
{
	unsigned k;
	bn_limb big = radix_chunk(radix, &k);
	size_t len = an, n = 0;

	if (scratch != a)
		memcpy(scratch, a, an * sizeof(*scratch));
	while (len) {
		bn_limb rem = bn_div_limb(scratch, &len, scratch, len, big);

		for (unsigned i = 0; i < k && (len || rem); i++) {
			out[n++] = bnx_digit_chars[rem % radix];
			rem /= radix;
		}
		if (tick(p, len))
			return 0;
	}
	for (size_t i = 0; i < n / 2; i++) {
		char t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	out[n] = 0;
	return n;
}

#define TO_STRING_LEAF_LOG	4	/* a leaf block of 2^4 chunks is converted by repeated division */
#define TO_STRING_LEAF		(1u << TO_STRING_LEAF_LOG)
#define MAX_LEVELS	(8 * sizeof(size_t))

/* Limbs of the chunk array for an an-limb number: N with big^N > a, big >= 2^lb */
static size_t chunk_count(size_t bits, bn_limb big)
{
	size_t lb = BN_LIMB_BITS - 1 - clz(big);

	return (bits + lb - 1) / lb;
}

static size_t pow2_ceil(size_t n)
{
	size_t t = 1;

	while (t < n)
		t *= 2;
	return t;
}

/* chunks (N), the powers radix^(k 2^i) (< 2 N), dividend, quotient, division scratch */
size_t bn_to_string_scratch_size(size_t an, unsigned radix)
{
	unsigned k;
	bn_limb big = radix_chunk(radix, &k);
	size_t n = chunk_count(an * BN_LIMB_BITS, big);

	if ((radix & (radix - 1)) == 0)
		return 0;
	if (an < BN_TO_STRING_DC)
		return an;
	return n + pow2_ceil(n) + (n + 1) + n + n + bnx_kara_scratch(n);
}

/*
 * Divide and conquer: a is spread over N chunk limbs c[0..N) (little-endian digits in base big =
 * radix^k). From the top level down, each block of 2^(i+1) chunks holding a value
 * < big^(2^(i+1)) is divided by P_i = big^(2^i): the remainder (< P_i) becomes its low 2^i
 * chunks, the quotient its high ones. Leaf blocks are finished by repeated division by big.
 * The powers are kept normalised (shifted left by sh[i]) for the division.
 */
static size_t to_string_dc(char *out, const bn_limb *a, size_t an, unsigned radix,
			   bn_limb *scratch, struct bn_poll *p)
{
	unsigned k, sh[MAX_LEVELS];
	bn_limb big = radix_chunk(radix, &k);
	size_t nc = chunk_count(bn_bit_length(a, an), big), t = 0, off[MAX_LEVELS], len[MAX_LEVELS];
	size_t n = 0, top;
	bn_limb *c = scratch, *pw = c + nc, *u = pw + pow2_ceil(nc), *q = u + nc + 1, *tp = q + nc;

	if (c != a)
		memcpy(c, a, an * sizeof(*c));
	memset(c + an, 0, (nc - an) * sizeof(*c));
	while (((size_t)TO_STRING_LEAF << t) < nc)
		t++;
	/* P_i for the levels i = log2(leaf) .. log2(leaf) + t - 1 that split blocks; P_i has at most
	 * 2^i limbs, and the squaring writes 2 len[i-1] <= 2^i limbs at off[i] < 2^i */
	pw[0] = big;
	off[0] = 0;
	len[0] = 1;
	for (size_t i = 1; i < t + TO_STRING_LEAF_LOG; i++) {
		off[i] = off[i - 1] + len[i - 1];
		bnx_mul_rec(pw + off[i], pw + off[i - 1], len[i - 1], pw + off[i - 1], len[i - 1], tp, p);
		if (stopped(p))
			return 0;
		len[i] = bn_norm(pw + off[i], 2 * len[i - 1]);
	}
	for (size_t i = 0; i < t + TO_STRING_LEAF_LOG; i++) {
		sh[i] = clz(pw[off[i] + len[i] - 1]);
		bnx_lshift(pw + off[i], pw + off[i], len[i], sh[i]);
	}
	for (size_t i = t + TO_STRING_LEAF_LOG; i-- > TO_STRING_LEAF_LOG;) {
		size_t half = (size_t)1 << i, vn = len[i];
		const bn_limb *v = pw + off[i];

		for (size_t b = 0; b + half < nc; b += 2 * half) {
			size_t bl = nc - b < 2 * half ? nc - b : 2 * half, xn = bn_norm(c + b, bl), qn;

			if (xn < vn)
				continue;	/* < P_i: the high half is zero already */
			u[xn] = bnx_lshift(u, c + b, xn, sh[i]);
			bnx_div_qr(q, u, xn + 1, v, vn, tp, p);
			if (stopped(p))
				return 0;
			qn = xn + 1 - vn;
			memset(c + b, 0, bl * sizeof(*c));
			bn_shr(c + b, u, vn, sh[i]);
			memcpy(c + b + half, q, (qn < bl - half ? qn : bl - half) * sizeof(*c));
		}
	}
	for (size_t b = 0; b < nc; b += TO_STRING_LEAF) {
		size_t bl = nc - b < TO_STRING_LEAF ? nc - b : TO_STRING_LEAF;
		size_t xn = bn_norm(c + b, bl);

		memcpy(u, c + b, xn * sizeof(*c));
		for (size_t j = 0; j < bl; j++)
			c[b + j] = xn ? bn_div_limb(u, &xn, u, xn, big) : 0;
		if (tick(p, bl * bl))
			return 0;
	}
	top = bn_norm(c, nc);
	while (top-- > 0) {
		char buf[BN_LIMB_BITS + 1];
		unsigned skip = 0;

		put_chunk(buf, c[top], k, radix);
		while (n == 0 && skip + 1 < k && buf[skip] == '0')
			skip++;		/* the leading chunk's leading zeros */
		memcpy(out + n, buf + skip, k - skip);
		n += k - skip;
		if (tick(p, k))
			return 0;
	}
	out[n] = 0;
	return n;
}

size_t bn_to_string(char *out, const bn_limb *a, size_t an, unsigned radix, bn_limb *scratch,
		    struct bn_poll *p)
{
	size_t n = 0;

	an = bn_norm(a, an);
	if (an == 0) {
		out[0] = '0';
		out[1] = 0;
		return 1;
	}
	if ((radix & (radix - 1)) == 0) {
		/* a power of two: read each digit's bits straight out of the limbs */
		unsigned l = (unsigned)ctz(radix);
		size_t nd = (bn_bit_length(a, an) + l - 1) / l;

		for (size_t i = nd; i-- > 0;) {
			size_t p = i * l, w = p / BN_LIMB_BITS;
			unsigned off = p % BN_LIMB_BITS;
			bn_limb d = a[w] >> off;

			if (off + l > BN_LIMB_BITS && w + 1 < an)
				d |= a[w + 1] << (BN_LIMB_BITS - off);
			out[n++] = bnx_digit_chars[d & (radix - 1)];
		}
		out[n] = 0;
		return n;
	}
	if (an < BN_TO_STRING_DC)
		return to_string_basecase(out, a, an, radix, scratch, p);
	return to_string_dc(out, a, an, radix, scratch, p);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

/* s[0..len) in k-digit chunks: r = r * radix^k + chunk. r: bn_from_string_size limbs. */
static ptrdiff_t from_string_basecase(bn_limb *r, const char *s, size_t len, unsigned radix,
				      struct bn_poll *p)
{
	unsigned k;
	size_t rn = 0, i = 0;

	radix_chunk(radix, &k);
	while (i < len) {
		bn_limb chunk = 0, scale = 1;

		for (unsigned j = 0; j < k && i < len; j++, i++) {
			int d = digit_value(s[i]);

			if (d < 0 || (unsigned)d >= radix)
				return -1;
			chunk = chunk * radix + (bn_limb)d;
			scale *= radix;
		}
		rn = bn_mul_limb_add(r, r, rn, scale, chunk);
		if (tick(p, rn))
			return 0;
	}
	return (ptrdiff_t)rn;
}

/* a power-of-two radix: each digit's bits go straight into the limbs, from the last digit up */
static ptrdiff_t from_string_pow2(bn_limb *r, const char *s, size_t len, unsigned radix)
{
	unsigned l = (unsigned)ctz(radix);
	size_t bit = 0;

	memset(r, 0, bn_from_string_size(len, radix) * sizeof(*r));
	for (size_t i = len; i-- > 0; bit += l) {
		int d = digit_value(s[i]);
		size_t w = bit / BN_LIMB_BITS;
		unsigned off = bit % BN_LIMB_BITS;

		if (d < 0 || (unsigned)d >= radix)
			return -1;
		r[w] |= (bn_limb)d << off;
		if (off + l > BN_LIMB_BITS)
			r[w + 1] |= (bn_limb)d >> (BN_LIMB_BITS - off);
	}
	return (ptrdiff_t)bn_norm(r, bn_from_string_size(len, radix));
}

/* chunks (N), a product (N), two powers (N each), the products' scratch */
size_t bn_from_string_scratch_size(size_t len, unsigned radix)
{
	unsigned k;
	size_t n;

	if (radix < 2 || radix > 36 || (radix & (radix - 1)) == 0)
		return 0;
	radix_chunk(radix, &k);
	n = (len + k - 1) / k;
	if (n <= BN_FROM_STRING_BASE)
		return 0;
	return 4 * n + bnx_kara_scratch(n);
}

/*
 * Divide and conquer, bottom up: the N chunks c[0..N) of k digits (little-endian in base
 * big = radix^k) are parsed BN_FROM_STRING_BASE at a time, then at each level i the blocks of 2^i
 * chunks are joined in pairs, lo + hi * big^(2^i), into the same 2^(i+1) limbs (the value is
 * < big^(2^(i+1)), which fits). Only the current power is kept, with room for its square.
 */
static ptrdiff_t from_string_dc(bn_limb *r, const char *s, size_t len, unsigned radix,
				bn_limb *scratch, struct bn_poll *p)
{
	unsigned k;
	bn_limb big = radix_chunk(radix, &k);
	size_t nc = (len + k - 1) / k, leaf = BN_FROM_STRING_BASE, half, vn = 1, rn;
	bn_limb *c = scratch, *t = c + nc, *v = t + nc, *w = v + nc, *tp = w + nc;

	for (size_t b = 0; b < nc; b += leaf) {
		size_t end = len - b * k, start = end > leaf * k ? end - leaf * k : 0;
		size_t bl = nc - b < leaf ? nc - b : leaf;
		ptrdiff_t n = from_string_basecase(c + b, s + start, end - start, radix, p);

		if (n < 0 || stopped(p))
			return n < 0 ? -1 : 0;
		memset(c + b + n, 0, (bl - (size_t)n) * sizeof(*c));
	}
	v[0] = big;
	for (half = 1; half < leaf; half *= 2) {
		bnx_mul_rec(w, v, vn, v, vn, tp, p);
		vn = bn_norm(w, 2 * vn);
		memcpy(v, w, vn * sizeof(*v));
	}
	for (; half < nc; half *= 2) {
		for (size_t b = 0; b + half < nc; b += 2 * half) {
			size_t hl = nc - b - half < half ? nc - b - half : half, rl = half + hl;
			size_t hn = bn_norm(c + b + half, hl);

			if (hn == 0)
				continue;
			if (hn >= vn)
				bnx_mul_rec(t, c + b + half, hn, v, vn, tp, p);
			else
				bnx_mul_rec(t, v, vn, c + b + half, hn, tp, p);
			if (stopped(p))
				return 0;
			memset(t + hn + vn, 0, (rl - hn - vn) * sizeof(*t));
			bnx_add(t, t, rl, c + b, half);
			memcpy(c + b, t, rl * sizeof(*c));
		}
		if (2 * half < nc) {
			bn_limb *x = v;

			bnx_mul_rec(w, v, vn, v, vn, tp, p);
			if (stopped(p))
				return 0;
			vn = bn_norm(w, 2 * vn);
			v = w;
			w = x;
		}
	}
	rn = bn_norm(c, nc);
	memcpy(r, c, rn * sizeof(*r));
	return (ptrdiff_t)rn;
}

ptrdiff_t bn_from_string(bn_limb *r, const char *s, size_t len, unsigned radix, bn_limb *scratch,
			 struct bn_poll *p)
{
	if (radix < 2 || radix > 36 || len == 0)
		return -1;
	if ((radix & (radix - 1)) == 0)
		return from_string_pow2(r, s, len, radix);
	if (bn_from_string_scratch_size(len, radix) == 0)
		return from_string_basecase(r, s, len, radix, p);
	return from_string_dc(r, s, len, radix, scratch, p);
}
