/* bigint.c -- exact integers beyond the fixnum range: the bignum heap object and the signed
 * operations on it, over lisp/bignum.{h,c} (magnitudes as 32-bit limb arrays). Layout:
 * OBJ_T_BIGNUM, raw field 0 = limb count << 1 | negative, then the limbs, little-endian. Results
 * are normalised: a value in the fixnum range is always a fixnum, never a bignum. The long
 * operations poll lisp_poll_interrupt through a struct bn_poll and return OBJ_NULL (false for
 * lisp_big_divmod) when it stops them; their half-done objects are garbage nobody saw. */
#include "bignum.h"
#include "internal.h"

/* A view of an integer's magnitude: a fixnum's limbs live in the view itself. */
struct mag {
	bn_limb small[BN_U64_LIMBS];
	const bn_limb *d;
	size_t n;
	bool neg;
};

static inline size_t big_n(obj b) { return (size_t)(obj_words(b)[1] >> 1); }
static inline bool big_neg(obj b) { return obj_words(b)[1] & 1; }
static inline bn_limb *big_d(obj b) { return (bn_limb *)(obj_words(b) + 2); }

/* (Re)read the magnitude of x; call again after any allocation. */
static void view(struct mag *m, obj x)
{
	if (obj_fixnum_p(x)) {
		m->n = bn_from_i64(m->small, &m->neg, fxv(x));
		m->d = m->small;
	} else {
		m->n = big_n(x);
		m->d = big_d(x);
		m->neg = big_neg(x);
	}
}

/* Between steps of a long operation: answer other heaps' handshakes (nothing moves), then
 * see whether the user asked to stop. */
static bool poll_interrupt(void *ctx)
{
	struct lisp *L = ctx;

	gc_handshake_poll(L->h);
	return lisp_poll_interrupt(L);
}
#define POLL(L)	BN_POLL_INIT(poll_interrupt, (L))

static obj big_alloc(struct lisp *L, size_t nlimbs)
{
	size_t words = 1 + (nlimbs * sizeof(bn_limb) + sizeof(obj) - 1) / sizeof(obj);
	obj b = lisp_alloc(L, OBJ_T_BIGNUM, words);

	if (b != OBJ_NULL) {
		obj_words(b)[1] = nlimbs << 1;
		memset(big_d(b), 0, nlimbs * sizeof(bn_limb));
	}
	return b;
}

/* Set the length and sign; a value that fits becomes a fixnum. */
static obj big_finish(obj b, size_t n, bool neg)
{
	int64_t v;

	n = bn_norm(big_d(b), n);
	if (bn_to_i64(big_d(b), n, neg, &v) && obj_fixnum_fits((intptr_t)v) &&
	    v >= OBJ_FIXNUM_MIN && v <= OBJ_FIXNUM_MAX)
		return fx((intptr_t)v);
	obj_words(b)[1] = n << 1 | (neg && n > 0);
	return b;
}

bool lisp_big_negative_p(obj a) { return big_neg(a); }
bool lisp_big_odd_p(obj a) { return big_n(a) > 0 && (big_d(a)[0] & 1); }

obj lisp_big_from_i64(struct lisp *L, int64_t v)
{
	obj b = big_alloc(L, BN_U64_LIMBS);
	bool neg;
	size_t n;

	if (b == OBJ_NULL)
		return OBJ_NULL;
	n = bn_from_i64(big_d(b), &neg, v);
	return big_finish(b, n, neg);
}

const uint32_t *lisp_big_limbs(obj b, size_t *n, bool *neg)
{
	*n = big_n(b);
	*neg = big_neg(b);
	return big_d(b);
}

obj lisp_big_from_limbs(struct lisp *L, bool neg, const uint32_t *limbs, size_t n)
{
	obj b = big_alloc(L, n);

	if (b == OBJ_NULL)
		return OBJ_NULL;
	memcpy(big_d(b), limbs, n * sizeof(bn_limb));
	return big_finish(b, n, neg);
}

obj lisp_int64(struct lisp *L, int64_t v)
{
	if (v >= OBJ_FIXNUM_MIN && v <= OBJ_FIXNUM_MAX)
		return fx((intptr_t)v);
	return lisp_big_from_i64(L, v);
}

bool lisp_int_to_i64(obj n, int64_t *v)
{
	if (obj_fixnum_p(n)) {
		*v = fxv(n);
		return true;
	}
	return bignum_p(n) && bn_to_i64(big_d(n), big_n(n), big_neg(n), v);
}

int lisp_big_cmp(obj a, obj b)
{
	struct mag x, y;
	int c;

	view(&x, a);
	view(&y, b);
	if (x.n == 0)
		x.neg = false;
	if (y.n == 0)
		y.neg = false;
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	c = bn_cmp(x.d, x.n, y.d, y.n);
	return x.neg ? -c : c;
}

obj lisp_big_add(struct lisp *L, obj a, obj b, bool negate_b)
{
	struct mag x, y;
	obj r;
	size_t n;

	view(&x, a);
	view(&y, b);
	ROOT(a);
	ROOT(b);
	r = big_alloc(L, bn_add_size(x.n, y.n));
	UNROOT(b);
	UNROOT(a);
	if (r == OBJ_NULL)
		return OBJ_NULL;
	view(&x, a);
	view(&y, b);
	if (negate_b)
		y.neg = !y.neg;
	if (x.neg == y.neg)
		return big_finish(r, bn_add(big_d(r), x.d, x.n, y.d, y.n), x.neg);
	if (bn_cmp(x.d, x.n, y.d, y.n) >= 0) {
		n = bn_sub(big_d(r), x.d, x.n, y.d, y.n);
		return big_finish(r, n, x.neg);
	}
	n = bn_sub(big_d(r), y.d, y.n, x.d, x.n);
	return big_finish(r, n, y.neg);
}

obj lisp_big_mul(struct lisp *L, obj a, obj b)
{
	struct mag x, y;
	struct bn_poll poll = POLL(L);
	obj r = OBJ_FALSE, scratch;
	size_t n, ss;

	view(&x, a);
	view(&y, b);
	ss = bn_mul_scratch_size(x.n, y.n);
	ROOT(a);
	ROOT(b);
	ROOT(r);
	r = big_alloc(L, bn_mul_size(x.n, y.n) + 1);
	scratch = r && ss ? big_alloc(L, ss) : r;
	UNROOT(r);
	UNROOT(b);
	UNROOT(a);
	if (scratch == OBJ_NULL)
		return OBJ_NULL;
	view(&x, a);
	view(&y, b);
	if (x.n == 0 || y.n == 0)
		return fx(0);
	n = bn_mul(big_d(r), x.d, x.n, y.d, y.n, ss ? big_d(scratch) : NULL, &poll);
	return poll.stopped ? OBJ_NULL : big_finish(r, n, x.neg != y.neg);
}

obj lisp_big_negate(struct lisp *L, obj a)
{
	return lisp_big_add(L, fx(0), a, true);
}

/* Truncating division: *q = trunc(a / b), *r = a - b * q. b != 0. */
bool lisp_big_divmod(struct lisp *L, obj a, obj b, obj *q, obj *r)
{
	struct mag x, y;
	struct bn_poll poll = POLL(L);
	obj qo = OBJ_FALSE, ro = OBJ_FALSE, scratch = OBJ_FALSE;
	size_t qn, rn = 0;
	bool ok = false;

	view(&x, a);
	view(&y, b);
	y.n = bn_norm(y.d, y.n);
	x.n = bn_norm(x.d, x.n);
	ROOT(a);
	ROOT(b);
	ROOT(qo);
	ROOT(ro);
	ROOT(scratch);
	if ((qo = big_alloc(L, bn_div_qsize(x.n, y.n) + 1)) == OBJ_NULL ||
	    (ro = big_alloc(L, bn_div_rsize(x.n, y.n) + 1)) == OBJ_NULL ||
	    (scratch = big_alloc(L, bn_div_scratch_size(x.n, y.n) + 1)) == OBJ_NULL)
		goto out;
	view(&x, a);
	view(&y, b);
	y.n = bn_norm(y.d, y.n);
	x.n = bn_norm(x.d, x.n);
	qn = bn_divmod(big_d(qo), big_d(ro), &rn, x.d, x.n, y.d, y.n, big_d(scratch), &poll);
	if (poll.stopped)
		goto out;
	if (q)
		*q = big_finish(qo, qn, x.neg != y.neg);
	if (r)
		*r = big_finish(ro, rn, x.neg);
	ok = true;
out:
	UNROOT(scratch);
	UNROOT(ro);
	UNROOT(qo);
	UNROOT(b);
	UNROOT(a);
	return ok;
}

obj lisp_big_gcd(struct lisp *L, obj a, obj b)
{
	struct mag x, y;
	struct bn_poll poll = POLL(L);
	obj r = OBJ_FALSE, scratch;
	size_t n;

	view(&x, a);
	view(&y, b);
	ROOT(a);
	ROOT(b);
	ROOT(r);
	r = big_alloc(L, bn_gcd_size(x.n, y.n) + 1);
	scratch = r ? big_alloc(L, bn_gcd_scratch_size(x.n, y.n) + 1) : OBJ_NULL;
	UNROOT(r);
	UNROOT(b);
	UNROOT(a);
	if (scratch == OBJ_NULL)
		return OBJ_NULL;
	view(&x, a);
	view(&y, b);
	n = bn_gcd(big_d(r), x.d, x.n, y.d, y.n, big_d(scratch), &poll);
	return poll.stopped ? OBJ_NULL : big_finish(r, n, false);
}

/* Integer square root: *rem = a - s*s. a >= 0. Newton's iteration from above. */
obj lisp_big_sqrt(struct lisp *L, obj a, obj *rem)
{
	struct mag x;
	obj s = OBJ_FALSE, t = OBJ_FALSE, r = OBJ_NULL;
	size_t bits;

	view(&x, a);
	bits = bn_bit_length(x.d, x.n);
	ROOT(a);
	ROOT(s);
	ROOT(t);
	/* s = 2^ceil(bits/2) >= sqrt(a) */
	s = big_alloc(L, (bits / 2) / BN_LIMB_BITS + 2);
	if (s == OBJ_NULL)
		goto out;
	big_d(s)[((bits + 1) / 2) / BN_LIMB_BITS] = (bn_limb)1 << (((bits + 1) / 2) % BN_LIMB_BITS);
	s = big_finish(s, (bits / 2) / BN_LIMB_BITS + 2, false);
	for (;;) {
		obj q;

		/* t = (s + a / s) / 2 */
		if (!lisp_big_divmod(L, a, s, &q, NULL))
			goto out;
		if ((t = lisp_num_add(L, s, q)) == OBJ_NULL || !lisp_big_divmod(L, t, fx(2), &t, NULL))
			goto out;
		if (lisp_big_cmp(t, s) >= 0)
			break;
		s = t;
	}
	if ((t = lisp_num_mul(L, s, s)) == OBJ_NULL || (t = lisp_num_sub(L, a, t)) == OBJ_NULL)
		goto out;
	*rem = t;
	r = s;
out:
	UNROOT(t);
	UNROOT(s);
	UNROOT(a);
	return r;
}

obj lisp_big_to_string(struct lisp *L, obj a, unsigned radix)
{
	struct mag x;
	struct bn_poll poll = POLL(L);
	obj out, scratch = OBJ_FALSE, s;
	size_t len, size;

	view(&x, a);
	size = bn_to_string_size(x.n, radix) + 1;
	ROOT(a);
	ROOT(scratch);
	/* a is copied to the scratch's start, which bn_to_string may then destroy */
	scratch = big_alloc(L, bn_max_len(x.n, bn_to_string_scratch_size(x.n, radix)) + 1);
	out = scratch ? lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, size) : OBJ_NULL;
	UNROOT(scratch);
	UNROOT(a);
	if (out == OBJ_NULL)
		return OBJ_NULL;
	view(&x, a);
	memcpy(big_d(scratch), x.d, x.n * sizeof(bn_limb));
	obj_bytes_data(out)[0] = '-';
	len = bn_to_string((char *)obj_bytes_data(out) + 1, big_d(scratch), x.n, radix, big_d(scratch),
			   &poll);
	if (poll.stopped)
		return OBJ_NULL;
	s = x.neg ? lisp_copy_bytes(L, OBJ_T_STRING, out, 0, len + 1)
		  : lisp_copy_bytes(L, OBJ_T_STRING, out, 1, len);
	return s;
}

/* the digits at str[off .. off+len) */
obj lisp_big_parse(struct lisp *L, obj str, size_t off, size_t len, unsigned radix, bool neg)
{
	struct bn_poll poll = POLL(L);
	obj r = OBJ_FALSE, scratch;
	size_t ss = bn_from_string_scratch_size(len, radix);
	ptrdiff_t n;

	ROOT(str);
	ROOT(r);
	r = big_alloc(L, bn_from_string_size(len, radix));
	scratch = r && ss ? big_alloc(L, ss) : r;
	UNROOT(r);
	UNROOT(str);
	if (scratch == OBJ_NULL)
		return OBJ_NULL;
	n = bn_from_string(big_d(r), (const char *)obj_bytes_data(str) + off, len, radix,
			   ss ? big_d(scratch) : NULL, &poll);
	if (poll.stopped)
		return OBJ_NULL;
	if (n < 0)
		return OBJ_FALSE;
	return big_finish(r, (size_t)n, neg);
}

/* integer-length: the bits of the magnitude, and for a negative number those of magnitude - 1
 * (two's complement: -2^k needs k bits, -2^k - 1 needs k + 1) */
size_t lisp_big_bit_length(obj a)
{
	struct mag x;
	size_t bits;
	bool pow2;

	view(&x, a);
	bits = bn_bit_length(x.d, x.n);
	if (!x.neg || bits == 0)
		return bits;
	x.n = bn_norm(x.d, x.n);
	pow2 = (x.d[x.n - 1] & (x.d[x.n - 1] - 1)) == 0;
	for (size_t i = 0; pow2 && i + 1 < x.n; i++)
		pow2 = x.d[i] == 0;
	return pow2 ? bits - 1 : bits;
}

/* a * 2^bits for bits >= 0, floor(a / 2^-bits) below: arithmetic shift (Scheme's
 * arithmetic-shift); the rational conversions shift exact integers by up to a few thousand bits */
obj lisp_int_shift(struct lisp *L, obj a, intptr_t bits)
{
	struct mag x;
	obj r;
	size_t n, ubits = (size_t)(bits < 0 ? -bits : bits);
	bool low;

	view(&x, a);
	x.n = bn_norm(x.d, x.n);
	if (x.n == 0)
		return fx(0);
	if (bits < 0 && bn_shr_size(x.n, ubits) == 0)
		return fx(x.neg ? -1 : 0);
	ROOT(a);
	r = big_alloc(L, bits >= 0 ? bn_shl_size(x.n, ubits) : bn_shr_size(x.n, ubits) + 1);
	UNROOT(a);
	if (r == OBJ_NULL)
		return OBJ_NULL;
	view(&x, a);
	x.n = bn_norm(x.d, x.n);
	if (bits >= 0)
		return big_finish(r, bn_shl(big_d(r), x.d, x.n, ubits), x.neg);
	low = x.neg && bn_low_bits_p(x.d, x.n, ubits);
	n = bn_shr(big_d(r), x.d, x.n, ubits);
	r = big_finish(r, n, x.neg);
	return low ? lisp_num_sub(L, r, fx(1)) : r;	/* floor for a negative a */
}

/* The bits of |a| (0 for zero). */
size_t lisp_int_mag_bits(obj a)
{
	struct mag x;

	view(&x, a);
	return bn_bit_length(x.d, x.n);
}

/* |a| = m * 2^shift + rest with m its top 64 bits and bit 0 of m ORed with rest != 0 (bn_top64):
 * enough for a correctly rounded conversion to a double. */
uint64_t lisp_int_top64(obj a, size_t *shift, bool *neg)
{
	struct mag x;

	view(&x, a);
	*neg = x.neg;
	return bn_top64(x.d, bn_norm(x.d, x.n), shift);
}
