/* bignum.c -- magnitude arithmetic on little-endian 32-bit limbs (contracts in bignum.h).
 * No allocation, no floating point; results are normalised and their length returned. Inputs are
 * read at index i before output index i is written, which is what makes exact aliasing safe. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lisp/bignum.h"

#define LIMB_MAX	((bn_limb)0xFFFFFFFFu)

static const char digit_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";

static unsigned clz(bn_limb x) { return (unsigned)__builtin_clz(x); }	/* x != 0 */
static unsigned ctz(bn_limb x) { return (unsigned)__builtin_ctz(x); }	/* x != 0 */

/* the largest power of radix that fits a limb, and its exponent */
static bn_limb radix_chunk(unsigned radix, unsigned *digits)
{
	bn_limb big = radix;
	unsigned k = 1;

	while (big <= LIMB_MAX / radix) {
		big *= radix;
		k++;
	}
	*digits = k;
	return big;
}

size_t bn_norm(const bn_limb *a, size_t an)
{
	while (an > 0 && a[an - 1] == 0)
		an--;
	return an;
}

int bn_cmp(const bn_limb *a, size_t an, const bn_limb *b, size_t bn)
{
	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (an != bn)
		return an < bn ? -1 : 1;
	while (an-- > 0) {
		if (a[an] != b[an])
			return a[an] < b[an] ? -1 : 1;
	}
	return 0;
}

size_t bn_bit_length(const bn_limb *a, size_t an)
{
	an = bn_norm(a, an);
	if (an == 0)
		return 0;
	return (an - 1) * BN_LIMB_BITS + (BN_LIMB_BITS - clz(a[an - 1]));
}

bool bn_low_bits_p(const bn_limb *a, size_t an, size_t bits)
{
	size_t w = bits / BN_LIMB_BITS;
	unsigned s = bits % BN_LIMB_BITS;

	an = bn_norm(a, an);
	for (size_t i = 0; i < w && i < an; i++) {
		if (a[i])
			return true;
	}
	return w < an && s && (a[w] & ((1u << s) - 1));
}

/* --- arithmetic --- */

size_t bn_add(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn)
{
	uint64_t c = 0;
	size_t i;

	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (an < bn) {
		const bn_limb *t = a;
		size_t tn = an;

		a = b, an = bn;
		b = t, bn = tn;
	}
	for (i = 0; i < bn; i++) {
		c += (uint64_t)a[i] + b[i];
		r[i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
	for (; i < an; i++) {
		c += a[i];
		r[i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
	if (c)
		r[an] = (bn_limb)c;	/* only then: lets bn_lognot(0) fit one limb */
	return an + (size_t)c;
}

size_t bn_sub(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn)
{
	bn_limb borrow = 0;

	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	for (size_t i = 0; i < an; i++) {
		uint64_t t = (uint64_t)a[i] - (i < bn ? b[i] : 0) - borrow;

		r[i] = (bn_limb)t;
		borrow = (bn_limb)(t >> 63);
	}
	return bn_norm(r, an);
}

/* r[0..n) += a[0..n) * m; returns the carry limb */
static bn_limb addmul(bn_limb *r, const bn_limb *a, size_t n, bn_limb m)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c += (uint64_t)a[i] * m + r[i];	/* at most (2^32-1)^2 + 2 (2^32-1) = 2^64 - 1 */
		r[i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
	return (bn_limb)c;
}

/* u[0..n) += v[0..n); returns the carry */
static bn_limb addn(bn_limb *u, const bn_limb *v, size_t n)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c += (uint64_t)u[i] + v[i];
		u[i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
	return (bn_limb)c;
}

/* u[0..n] -= v[0..n) * m; returns nonzero if the result went negative (a borrow out of u[n]) */
static bn_limb submul(bn_limb *u, const bn_limb *v, size_t n, bn_limb m)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t p = (uint64_t)v[i] * m + c;
		bn_limb t = u[i] - (bn_limb)p;

		c = (p >> BN_LIMB_BITS) + (t > u[i]);
		u[i] = t;
	}
	bn_limb top = u[n];

	u[n] = top - (bn_limb)c;
	return c > top;
}

size_t bn_mul(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn)
{
	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (an == 0 || bn == 0)
		return 0;
	memset(r, 0, an * sizeof(*r));
	for (size_t j = 0; j < bn; j++)
		r[j + an] = addmul(r + j, a, an, b[j]);
	return bn_norm(r, an + bn);
}

size_t bn_mul_limb_add(bn_limb *r, const bn_limb *a, size_t an, bn_limb m, bn_limb c)
{
	uint64_t t = c;

	an = bn_norm(a, an);
	for (size_t i = 0; i < an; i++) {
		t += (uint64_t)a[i] * m;
		r[i] = (bn_limb)t;
		t >>= BN_LIMB_BITS;
	}
	if (t == 0)
		return bn_norm(r, an);
	r[an] = (bn_limb)t;
	return an + 1;
}

bn_limb bn_div_limb(bn_limb *q, size_t *qn, const bn_limb *a, size_t an, bn_limb d)
{
	uint64_t rem = 0;

	an = bn_norm(a, an);
	for (size_t i = an; i-- > 0;) {
		uint64_t x = rem << BN_LIMB_BITS | a[i];
		bn_limb qd = (bn_limb)(x / d);

		rem = x - (uint64_t)qd * d;
		if (q)
			q[i] = qd;
	}
	if (qn)
		*qn = q ? bn_norm(q, an) : 0;
	return (bn_limb)rem;
}

/* r[0..n) = a[0..n) << s for s < 32; returns the bits shifted out of the top */
static bn_limb lshift(bn_limb *r, const bn_limb *a, size_t n, unsigned s)
{
	bn_limb c = 0;

	for (size_t i = 0; i < n; i++) {
		bn_limb x = a[i];

		r[i] = x << s | c;
		c = s ? x >> (BN_LIMB_BITS - s) : 0;
	}
	return c;
}

/*
 * Knuth, TAOCP vol. 2, 4.3.1, Algorithm D. b is shifted so its top bit is set (D1); then each
 * quotient limb is estimated from the top two limbs of the remainder and the top limb of b,
 * corrected with b's second limb (D3, at most two decrements, after which qhat < 2^32), and the
 * rare over-estimate by one left after that is repaired by adding b back (D6).
 */
size_t bn_divmod(bn_limb *q, bn_limb *r, size_t *rn, const bn_limb *a, size_t an,
		 const bn_limb *b, size_t bn, bn_limb *scratch)
{
	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (an < bn) {
		if (r && r != a)
			memmove(r, a, an * sizeof(*r));
		if (rn)
			*rn = an;
		return 0;
	}
	if (bn == 1) {
		size_t qn;
		bn_limb rem = bn_div_limb(q, &qn, a, an, b[0]);

		if (r)
			r[0] = rem;
		if (rn)
			*rn = rem != 0;
		return qn;
	}

	unsigned s = clz(b[bn - 1]);
	bn_limb *u = scratch, *v = scratch + an + 1;
	bn_limb vtop, vnext;

	lshift(v, b, bn, s);
	u[an] = lshift(u, a, an, s);
	vtop = v[bn - 1];
	vnext = v[bn - 2];
	for (size_t j = an - bn + 1; j-- > 0;) {
		uint64_t num = (uint64_t)u[j + bn] << BN_LIMB_BITS | u[j + bn - 1];
		uint64_t qhat = num / vtop;
		uint64_t rhat = num - qhat * vtop;

		while (qhat > LIMB_MAX ||
		       qhat * vnext > (rhat << BN_LIMB_BITS | u[j + bn - 2])) {
			qhat--;
			rhat += vtop;
			if (rhat > LIMB_MAX)
				break;
		}
		if (submul(u + j, v, bn, (bn_limb)qhat)) {
			qhat--;
			u[j + bn] += addn(u + j, v, bn);	/* the carry cancels the borrow */
		}
		if (q)
			q[j] = (bn_limb)qhat;
	}
	if (r) {
		size_t n = bn_shr(r, u, bn, s);

		if (rn)
			*rn = n;
	} else if (rn) {
		*rn = 0;
	}
	return q ? bn_norm(q, an - bn + 1) : 0;
}

size_t bn_shl(bn_limb *r, const bn_limb *a, size_t an, size_t bits)
{
	size_t w = bits / BN_LIMB_BITS;
	unsigned s = bits % BN_LIMB_BITS;

	an = bn_norm(a, an);
	if (an == 0)
		return 0;
	bn_limb top = s ? a[an - 1] >> (BN_LIMB_BITS - s) : 0;

	if (top)
		r[an + w] = top;
	/* top down, so r == a works for any w */
	for (size_t i = an - 1; i > 0; i--)
		r[i + w] = a[i] << s | (s ? a[i - 1] >> (BN_LIMB_BITS - s) : 0);
	r[w] = a[0] << s;
	memset(r, 0, w * sizeof(*r));
	return an + w + (top != 0);
}

size_t bn_shr(bn_limb *r, const bn_limb *a, size_t an, size_t bits)
{
	size_t w = bits / BN_LIMB_BITS, n;
	unsigned s = bits % BN_LIMB_BITS;

	an = bn_norm(a, an);
	if (an <= w)
		return 0;
	n = an - w;
	for (size_t i = 0; i + 1 < n; i++)
		r[i] = a[i + w] >> s | (s ? a[i + w + 1] << (BN_LIMB_BITS - s) : 0);
	r[n - 1] = a[an - 1] >> s;
	return bn_norm(r, n);
}

/* trailing zero bits of a nonzero a */
static size_t tzbits(const bn_limb *a)
{
	size_t i = 0;

	while (a[i] == 0)
		i++;
	return i * BN_LIMB_BITS + ctz(a[i]);
}

static bn_limb gcd_limb(bn_limb x, bn_limb y)	/* binary gcd; y odd, nonzero */
{
	while (x) {
		x >>= ctz(x);
		if (x < y) {
			bn_limb t = x;

			x = y, y = t;
		}
		x -= y;
	}
	return y;
}

size_t bn_gcd(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn, bn_limb *scratch)
{
	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (an == 0 || bn == 0) {
		const bn_limb *x = an ? a : b;
		size_t xn = an ? an : bn;

		if (r != x)
			memmove(r, x, xn * sizeof(*r));
		return xn;
	}

	bn_limb *u = scratch, *v = scratch + an;
	size_t za = tzbits(a), zb = tzbits(b), k = za < zb ? za : zb, un, vn;

	memcpy(u, a, an * sizeof(*u));
	memcpy(v, b, bn * sizeof(*v));
	un = bn_shr(u, u, an, za);
	vn = bn_shr(v, v, bn, zb);
	/* both odd from here: subtract the smaller from the larger, drop the new trailing zeros */
	for (;;) {
		int c = bn_cmp(u, un, v, vn);

		if (c == 0)
			break;
		if (c < 0) {
			bn_limb *t = u;
			size_t tn = un;

			u = v, un = vn;
			v = t, vn = tn;
		}
		if (vn == 1) {
			/* finish in one limb: gcd(u, v) = gcd(u mod v, v) */
			v[0] = gcd_limb(bn_div_limb(NULL, NULL, u, un, v[0]), v[0]);
			u = v, un = 1;
			break;
		}
		un = bn_sub(u, u, un, v, vn);
		un = bn_shr(u, u, un, tzbits(u));
	}
	return bn_shl(r, u, un, k);
}

/* --- bitwise --- */

/*
 * Each operand is streamed limb by limb as two's complement: a negative magnitude m becomes
 * ~m + 1, the +1 carried up while the limbs are zero. One limb past the longer operand holds
 * the result's sign; a negative result is turned back into a magnitude the same way.
 */
size_t bn_logop(bn_limb *r, bool *rneg, enum bn_logop op, const bn_limb *a, size_t an, bool aneg,
		const bn_limb *b, size_t bn, bool bneg)
{
	bn_limb ca = 1, cb = 1;
	size_t n;

	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	aneg = aneg && an;
	bneg = bneg && bn;
	n = an > bn ? an : bn;
	for (size_t i = 0; i <= n; i++) {
		bn_limb x = i < an ? a[i] : 0, y = i < bn ? b[i] : 0, z;

		if (aneg) {
			x = ~x + ca;
			ca = ca && x == 0;
		}
		if (bneg) {
			y = ~y + cb;
			cb = cb && y == 0;
		}
		z = op == BN_AND ? (x & y) : op == BN_IOR ? (x | y) : (x ^ y);
		r[i] = z;
	}
	*rneg = r[n] >> (BN_LIMB_BITS - 1);
	if (*rneg) {
		bn_limb c = 1;

		for (size_t i = 0; i <= n; i++) {
			r[i] = ~r[i] + c;
			c = c && r[i] == 0;
		}
	}
	return bn_norm(r, n + 1);
}

size_t bn_lognot(bn_limb *r, bool *rneg, const bn_limb *a, size_t an, bool aneg)
{
	static const bn_limb one[1] = { 1 };

	an = bn_norm(a, an);
	*rneg = !(aneg && an);
	if (*rneg)
		return bn_add(r, a, an, one, 1);	/* ~a = -(a + 1) */
	return bn_sub(r, a, an, one, 1);		/* ~(-a) = a - 1 */
}

/* --- conversions --- */

size_t bn_from_u64(bn_limb *r, uint64_t v)
{
	r[0] = (bn_limb)v;
	r[1] = (bn_limb)(v >> BN_LIMB_BITS);
	return bn_norm(r, 2);
}

size_t bn_from_i64(bn_limb *r, bool *neg, int64_t v)
{
	*neg = v < 0;
	return bn_from_u64(r, *neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

bool bn_to_u64(const bn_limb *a, size_t an, uint64_t *v)
{
	an = bn_norm(a, an);
	if (an > 2)
		return false;
	*v = (an > 0 ? a[0] : 0) | (an > 1 ? (uint64_t)a[1] << BN_LIMB_BITS : 0);
	return true;
}

bool bn_to_i64(const bn_limb *a, size_t an, bool neg, int64_t *v)
{
	uint64_t u;

	if (!bn_to_u64(a, an, &u) || u > (uint64_t)INT64_MAX + neg)
		return false;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;	/* 0 - 2^63 wraps to INT64_MIN (gcc: modulo) */
	return true;
}

uint64_t bn_top64(const bn_limb *a, size_t an, size_t *shift)
{
	size_t bits = bn_bit_length(a, an), sh, w;
	uint64_t m;
	unsigned s;

	an = bn_norm(a, an);
	if (bits <= 64) {
		*shift = 0;
		bn_to_u64(a, an, &m);
		return m;
	}
	sh = bits - 64;
	w = sh / BN_LIMB_BITS;
	s = sh % BN_LIMB_BITS;
	/* bits [sh, sh + 64) lie in limbs w .. w + 2; limb w + 2 exists when s != 0, since then
	 * bits is not a multiple of 32, so bits < 32 an and w + 2 < an */
	m = (uint64_t)a[w + 1] << BN_LIMB_BITS | a[w];
	if (s)
		m = (uint64_t)a[w + 2] << (64 - s) | m >> s;
	*shift = sh;
	return m | bn_low_bits_p(a, an, sh);
}

size_t bn_to_string(char *out, const bn_limb *a, size_t an, unsigned radix, bn_limb *scratch)
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
			out[n++] = digit_chars[d & (radix - 1)];
		}
		out[n] = 0;
		return n;
	}

	unsigned k;
	bn_limb big = radix_chunk(radix, &k);
	size_t len = an;

	if (scratch != a)
		memcpy(scratch, a, an * sizeof(*scratch));
	/* least significant digits first, k per chunk except the top one, then reverse */
	while (len) {
		bn_limb rem = bn_div_limb(scratch, &len, scratch, len, big);

		for (unsigned i = 0; i < k && (len || rem); i++) {
			out[n++] = digit_chars[rem % radix];
			rem /= radix;
		}
	}
	for (size_t i = 0; i < n / 2; i++) {
		char t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	out[n] = 0;
	return n;
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

ptrdiff_t bn_from_string(bn_limb *r, const char *s, size_t len, unsigned radix)
{
	unsigned k;
	size_t rn = 0, i = 0;

	if (radix < 2 || radix > 36 || len == 0)
		return -1;
	radix_chunk(radix, &k);
	/* k digits at a time: r = r * radix^k + chunk */
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
	}
	return (ptrdiff_t)rn;
}
