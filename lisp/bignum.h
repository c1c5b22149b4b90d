/* bignum.h -- arbitrary-precision natural numbers (magnitudes) as little-endian arrays of 32-bit
 * limbs. The sign lives with the caller; nothing here allocates: every result goes to a buffer
 * the caller sized with the bn_*_size helpers. Inputs need not be normalised (high zero limbs are
 * ignored); every result is normalised (no high zero limb; length 0 is zero) and its length is
 * returned. Long operations (multiplication, division, radix conversion, gcd) are subquadratic
 * where it pays and call a poll back every bounded amount of work, so their caller can abandon
 * them. Builds hosted and freestanding (no libc beyond the kernel's string.h, no floats). */
#ifndef LISP_BIGNUM_H
#define LISP_BIGNUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t bn_limb;

#define BN_LIMB_BITS	32
#define BN_U64_LIMBS	2	/* limbs of any uint64_t or int64_t magnitude */

/*
 * Interruption. A function that takes a struct bn_poll * calls p->stop(p->ctx) after about every
 * BN_POLL_WORK limb products (or digits, or limb steps of a gcd); if that returns true it sets
 * p->stopped and returns at once: its outputs and scratch then hold garbage (every write stays
 * inside the documented buffers), the inputs are intact unless an output is exactly an input,
 * and the caller must look at p->stopped before using the result. Once stopped, every later call
 * taking the same p returns at once. p may be NULL: never stops. Set work = 0 and stopped = false
 * before the first use (BN_POLL_INIT).
 */
struct bn_poll {
	bool (*stop)(void *ctx);
	void *ctx;
	size_t work;	/* done since the last call of stop */
	bool stopped;
};
#define BN_POLL_INIT(fn, ctx)	{ (fn), (ctx), 0, false }
/* 2^16 limb products take ~50 us on the hosted build; the longest gap between two polls measured
 * (tests/bench/bignum_thresh.sh poll, thread CPU time, 1000 to 30000 limbs, every operation) was
 * 0.16-0.25 ms on a loaded 2-core machine, with the cost of polling lost in the noise (< 5%).
 * Linear passes (adds, shifts, copies) run between polls unbroken: about 1 ns per limb. */
#define BN_POLL_WORK	((size_t)1 << 16)

/*
 * Thresholds in limbs, measured on the hosted build (-O2, x86-64) by tests/bench/bignum_thresh.sh,
 * which times each operation at sizes around its threshold once per candidate value; the
 * machine was loaded (two cores, parallel builds), so differences under ~20% were noise. A test
 * or benchmark may override them with -D.
 *	mul	schoolbook 1024x1024 0.75 ms; Karatsuba from 16..64 limbs 0.22-0.38 ms, 32 never
 *		far from the best from 24 to 1024 limbs in two sweeps
 *	sqr	the schoolbook square does half the products, so Karatsuba pays later: 64 best or
 *		tied from 32 to 1024 limbs (0.13 ms at 1024, schoolbook 0.53 ms)
 *	div	2n/n at 1024 limbs: Knuth 1.6 ms, recursive from 48: 0.43 ms; 16..64 within noise
 *	to_string, from_string: 8..64 within noise of each other (1024 limbs: 0.52-0.63 ms and
 *		0.33-0.48 ms, against 2.9 ms for repeated division)
 */
#ifndef BN_MUL_KARATSUBA
#define BN_MUL_KARATSUBA	32	/* Karatsuba once the shorter operand has this many limbs */
#endif
#ifndef BN_SQR_KARATSUBA
#define BN_SQR_KARATSUBA	64	/* the same for a square */
#endif
#ifndef BN_DIV_DC
#define BN_DIV_DC		48	/* recursive division once divisor and quotient have this many */
#endif
#ifndef BN_TO_STRING_DC
#define BN_TO_STRING_DC		32	/* divide-and-conquer printing from this many limbs */
#endif
#ifndef BN_FROM_STRING_BASE
#define BN_FROM_STRING_BASE	16	/* parsing: chunks per leaf of the tree (a power of two) */
#endif

/*
 * Aliasing: unless a function says otherwise, an output may be *exactly* one of the inputs (same
 * start address; its length may be anything) or be disjoint from all of them. Partial overlap is
 * never allowed. Scratch buffers must be disjoint from everything else.
 * Lengths are limb counts; sizes below are upper bounds in limbs (chars for strings).
 */

/* --- buffer sizes --- */
static inline size_t bn_max_len(size_t an, size_t bn) { return an > bn ? an : bn; }
static inline size_t bn_add_size(size_t an, size_t bn) { return bn_max_len(an, bn) + 1; }
static inline size_t bn_sub_size(size_t an, size_t bn) { (void)bn; return an; }
static inline size_t bn_mul_size(size_t an, size_t bn) { return an + bn; }
static inline size_t bn_mul_limb_size(size_t an) { return an + 1; }
/* Quotient of an a-limb by a b-limb number (b != 0): 0 limbs when an < bn. */
static inline size_t bn_div_qsize(size_t an, size_t bn) { return an >= bn ? an - bn + 1 : 0; }
static inline size_t bn_div_rsize(size_t an, size_t bn) { (void)an; return bn; }
/* Scratch for bn_mul (Karatsuba's temporaries; 0 below its threshold). */
size_t bn_mul_scratch_size(size_t an, size_t bn);
/* Scratch for bn_divmod: a and b normalised, plus the recursive division's temporaries. */
size_t bn_div_scratch_size(size_t an, size_t bn);
static inline size_t bn_shl_size(size_t an, size_t bits) { return an + bits / BN_LIMB_BITS + 1; }
static inline size_t bn_shr_size(size_t an, size_t bits)
{
	return an > bits / BN_LIMB_BITS ? an - bits / BN_LIMB_BITS : 0;
}
static inline size_t bn_gcd_size(size_t an, size_t bn) { return bn_max_len(an, bn); }
size_t bn_gcd_scratch_size(size_t an, size_t bn);
static inline size_t bn_logop_size(size_t an, size_t bn) { return bn_max_len(an, bn) + 1; }
static inline size_t bn_lognot_size(size_t an) { return an + 1; }

/* floor(log2(radix)) and ceil(log2(radix)) for radix 2..36, without floating point */
static inline unsigned bn_log2_floor_(unsigned radix)
{
	unsigned l = 0;

	while ((2u << l) <= radix)
		l++;
	return l;
}
static inline unsigned bn_log2_ceil_(unsigned radix)
{
	unsigned l = bn_log2_floor_(radix);

	return (1u << l) == radix ? l : l + 1;
}
/* Chars for bn_to_string of an an-limb number, digits plus the NUL (no sign: the caller's). */
static inline size_t bn_to_string_size(size_t an, unsigned radix)
{
	unsigned l = bn_log2_floor_(radix);

	return (an * BN_LIMB_BITS + l - 1) / l + 2;
}
/* Limbs for bn_from_string of len digits. */
static inline size_t bn_from_string_size(size_t len, unsigned radix)
{
	return (len * bn_log2_ceil_(radix) + BN_LIMB_BITS - 1) / BN_LIMB_BITS + 1;
}
/* Scratch limbs for bn_to_string of an an-limb number, and for bn_from_string of len digits. */
size_t bn_to_string_scratch_size(size_t an, unsigned radix);
size_t bn_from_string_scratch_size(size_t len, unsigned radix);

/* --- basics --- */

/* Length of a[0..an) without its high zero limbs. */
size_t bn_norm(const bn_limb *a, size_t an);
/* -1, 0 or 1 as a <, =, > b. */
int bn_cmp(const bn_limb *a, size_t an, const bn_limb *b, size_t bn);
/* Bits in a's binary representation (0 for zero). */
size_t bn_bit_length(const bn_limb *a, size_t an);
/* Whether any of a's lowest bits bits is set: the caller's rounding for a negative right shift
 * (floor(-m / 2^k) = -(bn_shr(m, k) + bn_low_bits_p(m, k))). */
bool bn_low_bits_p(const bn_limb *a, size_t an, size_t bits);

/* --- arithmetic --- */

/* r = a + b. r: bn_add_size(an, bn) limbs (the top one written only when it is the carry). */
size_t bn_add(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn);
/* r = a - b. Precondition: a >= b. r: bn_sub_size(an, bn) = an limbs. */
size_t bn_sub(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn);
/*
 * r = a * b: schoolbook below BN_MUL_KARATSUBA limbs (BN_SQR_KARATSUBA for a square: a == b and
 * an == bn), Karatsuba above. r: bn_mul_size(an, bn) limbs and must NOT overlap a or b (a may be
 * b). scratch: bn_mul_scratch_size(an, bn) limbs (may be NULL when that is 0).
 */
size_t bn_mul(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn,
	      bn_limb *scratch, struct bn_poll *p);
/* r = a * b by schoolbook alone, whatever the sizes (the reference for tests; never polls). */
size_t bn_mul_basecase(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn);
/* r = a * m + c (for parsing: a * radix^k + digits). r: bn_mul_limb_size(an) = an + 1 limbs. */
size_t bn_mul_limb_add(bn_limb *r, const bn_limb *a, size_t an, bn_limb m, bn_limb c);
/* q = a / d, returns a % d. Precondition: d != 0. q: an limbs (may be NULL: remainder only);
 * *qn (if qn is not NULL) gets q's normalised length. */
bn_limb bn_div_limb(bn_limb *q, size_t *qn, const bn_limb *a, size_t an, bn_limb d);
/*
 * q = a / b, r = a % b: Knuth's Algorithm D while the divisor or the quotient is shorter than
 * BN_DIV_DC limbs, else Burnikel and Ziegler's recursive division (on Karatsuba); a one-limb b
 * takes bn_div_limb's path. Precondition: b != 0; size the buffers with b's normalised length (a
 * high zero limb counted in bn would make bn_div_qsize too small).
 *	q	bn_div_qsize(an, bn) limbs, or NULL if unwanted
 *	r	bn_div_rsize(an, bn) = bn limbs, or NULL if unwanted
 *	scratch	bn_div_scratch_size(an, bn) limbs (may be NULL when b has one limb)
 * q and r may each be exactly a or b (the inputs are copied to scratch before any output is
 * written) but not overlap each other. Returns q's length (0 if q is NULL); *rn, if rn is not
 * NULL, gets r's.
 */
size_t bn_divmod(bn_limb *q, bn_limb *r, size_t *rn, const bn_limb *a, size_t an,
		 const bn_limb *b, size_t bn, bn_limb *scratch, struct bn_poll *p);
/* r = a << bits. r: bn_shl_size(an, bits) limbs; writes only the returned length. */
size_t bn_shl(bn_limb *r, const bn_limb *a, size_t an, size_t bits);
/* r = a >> bits (floor). r: bn_shr_size(an, bits) limbs. */
size_t bn_shr(bn_limb *r, const bn_limb *a, size_t an, size_t bits);
/* r = gcd(a, b) (binary, with a division step whenever one operand is two limbs longer than the
 * other; gcd(0, 0) = 0). r: bn_gcd_size(an, bn) limbs (min(an, bn) suffices when both are
 * nonzero); scratch: bn_gcd_scratch_size(an, bn) limbs. */
size_t bn_gcd(bn_limb *r, const bn_limb *a, size_t an, const bn_limb *b, size_t bn, bn_limb *scratch,
	      struct bn_poll *p);

/* --- bitwise, on the two's-complement integers (-1)^neg * magnitude (Scheme bitwise-and etc.) --- */

enum bn_logop { BN_AND, BN_IOR, BN_XOR };
/* r, *rneg = a op b. r: bn_logop_size(an, bn) limbs. A negative zero counts as zero. */
size_t bn_logop(bn_limb *r, bool *rneg, enum bn_logop op, const bn_limb *a, size_t an, bool aneg,
		const bn_limb *b, size_t bn, bool bneg);
/* r, *rneg = ~a = -a - 1. r: bn_lognot_size(an) limbs. */
size_t bn_lognot(bn_limb *r, bool *rneg, const bn_limb *a, size_t an, bool aneg);

/* --- conversions --- */

/* r = v. r: BN_U64_LIMBS limbs. */
size_t bn_from_u64(bn_limb *r, uint64_t v);
/* r = |v|, *neg = v < 0 (INT64_MIN included). r: BN_U64_LIMBS limbs. */
size_t bn_from_i64(bn_limb *r, bool *neg, int64_t v);
/* *v = a; false (and *v untouched) if a >= 2^64. */
bool bn_to_u64(const bn_limb *a, size_t an, uint64_t *v);
/* *v = (-1)^neg * a; false (and *v untouched) outside int64_t. */
bool bn_to_i64(const bn_limb *a, size_t an, bool neg, int64_t *v);
/* For conversion to floating point: the top bits m of a and a shift with a = m * 2^shift + rest,
 * where m < 2^64 keeps a's top 64 bits (all of a when shorter) and bit 0 of m is ORed with
 * (rest != 0). (double)m * 2^shift is then a correctly rounded-to-nearest-even double. */
uint64_t bn_top64(const bn_limb *a, size_t an, size_t *shift);
/*
 * Digits of a in radix 2..36, lowercase, most significant first, NUL-terminated ("0" for zero; no
 * sign): bit fields for a power-of-two radix; else repeated division by the largest power of the
 * radix that fits a limb below BN_TO_STRING_DC limbs, divide and conquer by the powers
 * radix^(k 2^i) above. out: bn_to_string_size(an, radix) chars. scratch:
 * bn_to_string_scratch_size(an, radix) limbs, destroyed; it may start exactly at a if the caller
 * lets a be destroyed (0 limbs, may be NULL, for radix 2, 4, 8, 16 and 32).
 * Returns the number of digits (unspecified if p stopped it).
 */
size_t bn_to_string(char *out, const bn_limb *a, size_t an, unsigned radix, bn_limb *scratch,
		    struct bn_poll *p);
/*
 * r = the number written by the digits s[0..len) in radix 2..36 (either case), no sign, no
 * prefix: bit fields for a power-of-two radix, else chunks of digits combined pairwise up a tree
 * (lo + hi * radix^(k 2^i)). r: bn_from_string_size(len, radix) limbs, disjoint from s. scratch:
 * bn_from_string_scratch_size(len, radix) limbs (may be NULL when that is 0). Returns r's length,
 * or -1 if len is 0, radix is out of range or a character is not a digit of the radix (0 if p
 * stopped it).
 */
ptrdiff_t bn_from_string(bn_limb *r, const char *s, size_t len, unsigned radix, bn_limb *scratch,
			 struct bn_poll *p);

#endif
