/* bignum.c -- magnitude arithmetic on little-endian 32-bit limbs (contracts in bignum.h); the
 * conversions to and from digits are in bignum_radix.c.
 * No allocation, no floating point; results are normalised and their length returned. Inputs are
 * read at index i before output index i is written, which is what makes exact aliasing safe. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lisp/bignum_impl.h"

const char bnx_digit_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";

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

/* Normalise both lengths and put the longer operand first. */
static void longer_first(const bn_limb **a, size_t *an, const bn_limb **b, size_t *bn)
{
	*an = bn_norm(*a, *an);
	*bn = bn_norm(*b, *bn);
	if (*an < *bn) {
		const bn_limb *t = *a;
		size_t tn = *an;

		*a = *b, *an = *bn;
		*b = t, *bn = tn;
	}
}

size_t bn_add(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn)
{
	uint64_t c = 0;
	size_t i;

	longer_first(&a, &an, &b, &bn);
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

/* --- limb vectors of equal length --- */

/* r[0..n) = x + y; returns the carry. r may be x or y. */
static bn_limb add_n(bn_limb *r, const bn_limb *x, const bn_limb *y, size_t n)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c += (uint64_t)x[i] + y[i];
		r[i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
	return (bn_limb)c;
}

/* r[0..n) = x - y; returns the borrow. r may be x or y. */
static bn_limb sub_n(bn_limb *r, const bn_limb *x, const bn_limb *y, size_t n)
{
	bn_limb borrow = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = (uint64_t)x[i] - y[i] - borrow;

		r[i] = (bn_limb)t;
		borrow = (bn_limb)(t >> 63);
	}
	return borrow;
}

/* r[0..n) += c; returns the carry out */
static bn_limb add_1(bn_limb *r, size_t n, bn_limb c)
{
	for (size_t i = 0; c && i < n; i++) {
		r[i] += c;
		c = r[i] < c;
	}
	return c;
}

/* r[0..n) -= c; returns the borrow out */
static bn_limb sub_1(bn_limb *r, size_t n, bn_limb c)
{
	for (size_t i = 0; c && i < n; i++) {
		bn_limb t = r[i];

		r[i] = t - c;
		c = t < c;
	}
	return c;
}

/* r[0..xn) = x + y[0..yn), xn >= yn; returns the carry. r may be x. */
bn_limb bnx_add(bn_limb *r, const bn_limb *x, size_t xn, const bn_limb *y, size_t yn)
{
	bn_limb c = add_n(r, x, y, yn);

	if (r != x)
		memcpy(r + yn, x + yn, (xn - yn) * sizeof(*r));
	return add_1(r + yn, xn - yn, c);
}

static int cmp_n(const bn_limb *x, const bn_limb *y, size_t n)
{
	while (n-- > 0) {
		if (x[n] != y[n])
			return x[n] < y[n] ? -1 : 1;
	}
	return 0;
}

/* d[0..xn) = |x - y[0..yn)|, xn >= yn; returns whether x < y */
static bool abs_diff(bn_limb *d, const bn_limb *x, size_t xn, const bn_limb *y, size_t yn)
{
	int c = 0;

	for (size_t i = xn; i > yn && !c; i--)
		c = x[i - 1] != 0;
	if (!c)
		c = cmp_n(x, y, yn);
	if (c >= 0) {
		bn_limb borrow = sub_n(d, x, y, yn);

		memcpy(d + yn, x + yn, (xn - yn) * sizeof(*d));
		sub_1(d + yn, xn - yn, borrow);
		return false;
	}
	sub_n(d, y, x, yn);	/* x's limbs above yn are zero */
	memset(d + yn, 0, (xn - yn) * sizeof(*d));
	return true;
}

/* r[0..n) = a[0..n) * m; returns the carry limb */
static bn_limb mul_1(bn_limb *r, const bn_limb *a, size_t n, bn_limb m)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c += (uint64_t)a[i] * m;
		r[i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
	return (bn_limb)c;
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

/* r[0..n) = a[0..n) << s for s < 32; returns the bits shifted out of the top. r may be a. */
bn_limb bnx_lshift(bn_limb *r, const bn_limb *a, size_t n, unsigned s)
{
	bn_limb c = 0;

	for (size_t i = 0; i < n; i++) {
		bn_limb x = a[i];

		r[i] = x << s | c;
		c = s ? x >> (BN_LIMB_BITS - s) : 0;
	}
	return c;
}

/* --- multiplication --- */

/* r[0..an+bn) = a * b, every limb written; bn >= 1, inputs need not be normalised */
static void mul_basecase(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn,
			 struct bn_poll *p)
{
	r[an] = mul_1(r, a, an, b[0]);
	for (size_t j = 1; j < bn; j++) {
		r[j + an] = addmul(r + j, a, an, b[j]);
		if (tick(p, an))
			return;
	}
}

/* r[0..2n) = a^2: each cross product a_i a_j (i < j) once, doubled, plus the squares a_i^2 */
static void sqr_basecase(bn_limb *r, const bn_limb *a, size_t n, struct bn_poll *p)
{
	uint64_t c = 0;

	r[0] = 0;
	r[2 * n - 1] = 0;
	if (n > 1)
		r[n] = mul_1(r + 1, a + 1, n - 1, a[0]);
	for (size_t i = 1; i + 1 < n; i++) {
		r[n + i] = addmul(r + 2 * i + 1, a + i + 1, n - 1 - i, a[i]);
		if (tick(p, n - i))
			return;
	}
	r[2 * n - 1] = bnx_lshift(r, r, 2 * n - 1, 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t sq = (uint64_t)a[i] * a[i];

		c += (uint64_t)r[2 * i] + (bn_limb)sq;
		r[2 * i] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
		c += (uint64_t)r[2 * i + 1] + (sq >> BN_LIMB_BITS);
		r[2 * i + 1] = (bn_limb)c;
		c >>= BN_LIMB_BITS;
	}
}

#define KARATSUBA_MIN	(BN_MUL_KARATSUBA < BN_SQR_KARATSUBA ? BN_MUL_KARATSUBA : BN_SQR_KARATSUBA)

/* Scratch for any product whose longer operand has at most n limbs: Karatsuba on n takes 4h + 1
 * limbs (h = ceil(n / 2)) and recurses on at most h; splitting an unbalanced product takes less. */
size_t bnx_kara_scratch(size_t n)
{
	size_t s = 0;

	while (n >= KARATSUBA_MIN) {
		n = (n + 1) / 2;
		s += 4 * n + 1;
	}
	return s;
}

/* 2b + bnx_kara_scratch(min(a, 2b)) covers both shapes and grows with a and with b, so a caller may
 * size it with unnormalised lengths */
size_t bn_mul_scratch_size(size_t an, size_t bn)
{
	size_t a = bn_max_len(an, bn), b = an + bn - a;

	if (b < KARATSUBA_MIN)
		return 0;
	return 2 * b + bnx_kara_scratch(a < 2 * b ? a : 2 * b);
}

/* a much longer than b (bn <= ceil(an / 2)): b times bn-limb slices of a, added up */
static void mul_unbalanced(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn,
			   bn_limb *tp, struct bn_poll *p)
{
	bn_limb *t = tp, *rest = tp + 2 * bn;

	bnx_mul_rec(r, a, bn, b, bn, rest, p);
	for (size_t i = bn; i < an && !stopped(p); i += bn) {
		size_t c = an - i < bn ? an - i : bn;

		if (c == bn)
			bnx_mul_rec(t, a + i, bn, b, bn, rest, p);
		else
			bnx_mul_rec(t, b, bn, a + i, c, rest, p);
		/* r[i .. i+bn) holds the last slice's high half; r[i+bn ..) is new */
		memcpy(r + i + bn, t + bn, c * sizeof(*r));
		add_1(r + i + bn, c, add_n(r + i, r + i, t, bn));
	}
}

/*
 * r[0..an+bn) = a * b for an >= bn >= 1, every limb written; inputs need not be normalised.
 * Karatsuba: with a = a0 + a1 B^h and b = b0 + b1 B^h, a0 b1 + a1 b0 = z0 + z2 - (a0 - a1)(b0 - b1)
 * where z0 = a0 b0 and z2 = a1 b1 go straight into r. tp: bnx_kara_scratch(an) limbs, laid out as
 * |a0 - a1| (h), |b0 - b1| (h), a spare limb, their product z1 (2h), the recursion's scratch;
 * the first 2h + 1 limbs then take z0 + z2 -+ z1.
 */
void bnx_mul_rec(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn,
		    bn_limb *tp, struct bn_poll *p)
{
	bool square = a == b && an == bn;
	size_t h = (an + 1) / 2, n2 = an + bn - 2 * h, tn = an + bn - h;
	bn_limb *da = tp, *db = tp + h, *z1 = tp + 2 * h + 1, *rest = tp + 4 * h + 1, *t = tp;
	bool neg = false;

	if (bn < (square ? BN_SQR_KARATSUBA : BN_MUL_KARATSUBA)) {
		if (square)
			sqr_basecase(r, a, an, p);
		else
			mul_basecase(r, a, an, b, bn, p);
		return;
	}
	if (bn <= h) {
		mul_unbalanced(r, a, an, b, bn, tp, p);
		return;
	}
	neg = abs_diff(da, a, h, a + h, an - h);
	if (square) {
		db = da;	/* (a0 - a1)^2: never negative */
		neg = false;
	} else {
		neg ^= abs_diff(db, b, h, b + h, bn - h);
	}
	bnx_mul_rec(z1, da, h, db, h, rest, p);
	if (stopped(p))
		return;
	bnx_mul_rec(r, a, h, b, h, rest, p);
	if (stopped(p))
		return;
	bnx_mul_rec(r + 2 * h, a + h, an - h, b + h, bn - h, rest, p);
	if (stopped(p))
		return;
	t[2 * h] = bnx_add(t, r, 2 * h, r + 2 * h, n2);
	if (neg)
		t[2 * h] += add_n(t, t, z1, 2 * h);
	else
		t[2 * h] -= sub_n(t, t, z1, 2 * h);
	/* a0 b1 + a1 b0 < B^an + B^bn fits the an + bn - h >= an + 1 limbs above B^h: limbs of t
	 * past those are zero */
	bnx_add(r + h, r + h, tn, t, tn < 2 * h + 1 ? tn : 2 * h + 1);
	tick(p, 4 * h);
}

size_t bn_mul(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn,
	      bn_limb *scratch, struct bn_poll *p)
{
	longer_first(&a, &an, &b, &bn);
	if (bn == 0)
		return 0;
	bnx_mul_rec(r, a, an, b, bn, scratch, p);
	return bn_norm(r, an + bn);
}

size_t bn_mul_basecase(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn)
{
	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (an == 0 || bn == 0)
		return 0;
	mul_basecase(r, a, an, b, bn, NULL);
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

/* --- division --- */

/*
 * Knuth, TAOCP vol. 2, 4.3.1, Algorithm D, on u[0..un) and the normalised (top bit set) v[0..n),
 * n >= 2: q[0..un-n) gets the quotient's low limbs and the return value its top limb (1 if u's
 * top n limbs were >= v, which are then reduced first); u[0..n) is left holding the remainder.
 * Each quotient limb is estimated from the top two limbs of the remainder and the top limb of v,
 * corrected with v's second limb (D3, at most two decrements, after which qhat < 2^32), and the
 * rare over-estimate by one left after that is repaired by adding v back (D6).
 */
static bn_limb div_basecase(bn_limb *q, bn_limb *u, size_t un, const bn_limb *v, size_t n,
			    struct bn_poll *p)
{
	bn_limb vtop = v[n - 1], vnext = v[n - 2], qh = 0;

	if (cmp_n(u + un - n, v, n) >= 0) {
		sub_n(u + un - n, u + un - n, v, n);
		qh = 1;
	}
	for (size_t j = un - n; j-- > 0;) {
		uint64_t num = (uint64_t)u[j + n] << BN_LIMB_BITS | u[j + n - 1];
		uint64_t qhat = num / vtop;
		uint64_t rhat = num - qhat * vtop;

		while (qhat > LIMB_MAX ||
		       qhat * vnext > (rhat << BN_LIMB_BITS | u[j + n - 2])) {
			qhat--;
			rhat += vtop;
			if (rhat > LIMB_MAX)
				break;
		}
		if (submul(u + j, v, n, (bn_limb)qhat)) {
			qhat--;
			u[j + n] += add_n(u + j, u + j, v, n);	/* the carry cancels the borrow */
		}
		if (q)
			q[j] = (bn_limb)qhat;
		if (tick(p, n))
			return 0;
	}
	return qh;
}

static bn_limb div_part(bn_limb *q, bn_limb *u, size_t m, const bn_limb *v, size_t n,
			bn_limb *tp, struct bn_poll *p);

/* 2n limbs by n >= BN_DIV_DC (Burnikel and Ziegler; GMP's mpn_dcpi1_div_qr_n): the quotient's
 * top ceil(n/2) limbs, then its bottom floor(n/2), each by div_part. Returns the top bit. */
static bn_limb div_balanced(bn_limb *q, bn_limb *u, const bn_limb *v, size_t n, bn_limb *tp,
			    struct bn_poll *p)
{
	size_t lo = n / 2, hi = n - lo;
	bn_limb qh = div_part(q + lo, u + lo, hi, v, n, tp, p);

	if (!stopped(p))
		div_part(q, u, lo, v, n, tp, p);	/* 0: u's top n limbs are now a remainder */
	return qh;
}

/*
 * q[0..m) + (returned) B^m = u / v for u of n + m limbs, m <= n, v normalised; u[0..n) gets the
 * remainder. The quotient of u's top 2m limbs by v's top m limbs is at most 2 too large (v is
 * normalised); multiplying it by v's low n - m limbs and subtracting finds and corrects that.
 * tp: n + bnx_kara_scratch(n) limbs.
 */
static bn_limb div_part(bn_limb *q, bn_limb *u, size_t m, const bn_limb *v, size_t n,
			bn_limb *tp, struct bn_poll *p)
{
	bn_limb qh, cy;

	if (m < BN_DIV_DC)
		return div_basecase(q, u, n + m, v, n, p);
	if (m == n)
		return div_balanced(q, u, v, n, tp, p);
	qh = div_balanced(q, u + n - m, v + n - m, m, tp, p);
	if (stopped(p))
		return 0;
	if (m >= n - m)
		bnx_mul_rec(tp, q, m, v, n - m, tp + n, p);
	else
		bnx_mul_rec(tp, v, n - m, q, m, tp + n, p);
	if (stopped(p))
		return 0;
	cy = sub_n(u, u, tp, n);
	if (qh)
		cy += sub_n(u + m, u + m, v, n - m);
	while (cy) {
		qh -= sub_1(q, m, 1);
		cy -= add_n(u, u, v, n);
	}
	return qh;
}

/*
 * q[0..un-n) = u / v, u[0..n) = u % v, for u of un >= n limbs whose top n limbs are < v, and v
 * normalised, n >= 2. Recursive in n-limb blocks of the quotient, the short block first (then
 * every block's top n limbs are a remainder). tp: n + bnx_kara_scratch(n) limbs (unused by the
 * basecase).
 */
void bnx_div_qr(bn_limb *q, bn_limb *u, size_t un, const bn_limb *v, size_t n, bn_limb *tp,
		   struct bn_poll *p)
{
	size_t qn = un - n, m = qn % n ? qn % n : n;

	if (n < BN_DIV_DC || qn < BN_DIV_DC) {
		div_basecase(q, u, un, v, n, p);
		return;
	}
	for (size_t j = qn; j > 0 && !stopped(p); m = n) {
		j -= m;
		div_part(q + j, u + j, m, v, n, tp, p);
	}
}

static size_t div_qr_scratch(size_t n) { return n < BN_DIV_DC ? 0 : n + bnx_kara_scratch(n); }

/* u (an + 1), v (bn), the quotient when the caller does not want it (an - bn + 1), div_qr's */
size_t bn_div_scratch_size(size_t an, size_t bn)
{
	return an + 1 + bn + bn_div_qsize(an, bn) + div_qr_scratch(bn);
}

size_t bn_divmod(bn_limb *q, bn_limb *r, size_t *rn, const bn_limb *a, size_t an,
		 const bn_limb *b, size_t bn, bn_limb *scratch, struct bn_poll *p)
{
	an = bn_norm(a, an);
	bn = bn_norm(b, bn);
	if (rn)
		*rn = 0;
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
	size_t qn = an - bn + 1;
	bn_limb *u = scratch, *v = u + an + 1, *qs = v + bn, *tp = qs + qn;

	bnx_lshift(v, b, bn, s);
	u[an] = bnx_lshift(u, a, an, s);
	/* u < 2^s B^an, so u's top bn limbs are < 2^s B^(bn-1) <= v */
	bnx_div_qr(q ? q : qs, u, an + 1, v, bn, tp, p);
	if (stopped(p))
		return 0;
	if (r) {
		size_t n = bn_shr(r, u, bn, s);

		if (rn)
			*rn = n;
	}
	return q ? bn_norm(q, qn) : 0;
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

/* u, v, and bn_divmod's scratch for any division of a remainder by a smaller one (at most
 * 2M + 2 + div_qr_scratch(M) for operands of at most M limbs) */
size_t bn_gcd_scratch_size(size_t an, size_t bn)
{
	size_t m = an > bn ? an : bn;

	return an + bn + 2 * m + 2 + div_qr_scratch(m);
}

size_t bn_gcd(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn, bn_limb *scratch,
	      struct bn_poll *p)
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

	bn_limb *u = scratch, *v = scratch + an, *ds = scratch + an + bn;
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
		if (un > vn + 1) {
			/* far apart: a subtraction would take off a few bits of u at a time; a
			 * division takes off all but v's length. v is odd, so 2 is no factor of
			 * the gcd: u mod v's trailing zeros go too. */
			size_t rn;

			bn_divmod(NULL, u, &rn, u, un, v, vn, ds, p);
			if (stopped(p))
				return 0;
			if (rn == 0) {	/* v divides u */
				u = v, un = vn;
				break;
			}
			un = bn_shr(u, u, rn, tzbits(u));
			continue;
		}
		un = bn_sub(u, u, un, v, vn);
		un = bn_shr(u, u, un, tzbits(u));
		if (tick(p, un))
			return 0;
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
