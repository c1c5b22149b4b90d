/* numconv.c -- flonums without floating point: the boxed flonum, correctly rounded conversions
 * between exact numbers and IEEE doubles (integers, ratios, sqrt, rounding to an integer) on bit
 * patterns with integer arithmetic, the reader's numbers (every R7RS real syntax) and the
 * shortest round-trip printing of flonums (Burger and Dybvig's free-format algorithm on fixed
 * bignum buffers). Integer code only: it builds with -mgeneral-regs-only; flonum.c does the
 * floating-point operations themselves. */
#include "bignum.h"
#include "internal.h"

#define EXP_MASK	0x7FF0000000000000ull
#define MANT_MASK	0x000FFFFFFFFFFFFFull
#define SIGN_BIT	0x8000000000000000ull

obj lisp_make_flonum(struct lisp *L, uint64_t bits)
{
	obj f = lisp_alloc(L, OBJ_T_FLONUM, sizeof(uint64_t) / sizeof(obj));

	if (f != OBJ_NULL)
		memcpy(obj_words(f) + 1, &bits, sizeof(bits));
	return f;
}

static unsigned bitlen64(uint64_t m) { return m ? 64 - (unsigned)__builtin_clzll(m) : 0; }

uint64_t lisp_flo_make(bool neg, uint64_t m, intptr_t e)
{
	intptr_t top, lsb, shift;
	uint64_t mant, bits;

	if (m == 0)
		return neg ? SIGN_BIT : 0;
	top = e + (intptr_t)bitlen64(m) - 1;	/* m 2^e lies in [2^top, 2^(top+1)) */
	if (top > 1023)
		return (neg ? SIGN_BIT : 0) | EXP_MASK;
	lsb = top - 52 > -1074 ? top - 52 : -1074;	/* the result's unit in the last place */
	shift = lsb - e;
	if (shift <= 0) {
		mant = m << -shift;
	} else {
		uint64_t q = shift >= 64 ? 0 : m >> shift;
		uint64_t rest = shift >= 64 ? m : m & (((uint64_t)1 << shift) - 1);
		uint64_t half = shift > 64 ? 0 : (uint64_t)1 << (shift - 1);
		bool up = shift > 64 ? false : rest > half || (rest == half && (q & 1));

		mant = q + up;
	}
	/* the hidden bit of mant, when set, carries into the exponent field */
	bits = ((uint64_t)(lsb + 1074) << 52) + mant;
	if (bits >= EXP_MASK)
		bits = EXP_MASK;
	return (neg ? SIGN_BIT : 0) | bits;
}

/* x = (-1)^neg m 2^e with m an integer (0 for zero); false for inf and nan */
static bool flo_split(uint64_t b, bool *neg, uint64_t *m, intptr_t *e)
{
	unsigned be = (unsigned)(b >> 52) & 0x7FF;

	*neg = b >> 63;
	if (be == 0x7FF)
		return false;
	*m = (b & MANT_MASK) | (be ? (uint64_t)1 << 52 : 0);
	*e = (be ? (intptr_t)be : 1) - 1075;
	return true;
}

bool lisp_flo_finite_p(uint64_t b) { return (b & EXP_MASK) != EXP_MASK; }
bool lisp_flo_nan_p(uint64_t b) { return (b & EXP_MASK) == EXP_MASK && (b & MANT_MASK); }

/* Correctly rounded square root, digit by digit on integers. */
uint64_t lisp_flo_sqrt(uint64_t b)
{
	uint64_t m, res = 0, rem = 0;
	intptr_t e;
	bool neg;
	int k;

	if (!flo_split(b, &neg, &m, &e))
		return neg && (b & MANT_MASK) == 0 ? 0x7FF8000000000000ull : b;	/* sqrt(-inf) */
	if (m == 0)
		return b;	/* sqrt(-0.0) = -0.0 */
	if (neg)
		return 0x7FF8000000000000ull;
	while (!(m >> 52)) {	/* subnormal: normalise */
		m <<= 1;
		e--;
	}
	if (e & 1) {	/* an even exponent: m < 2^54 */
		m <<= 1;
		e--;
	}
	/* sqrt(m 2^e) = sqrt(m 2^58) 2^((e - 58) / 2): 56 result bits from the 112-bit
	 * radicand m 2^58 (m has 53..54 bits), two bits a step */
	for (k = 0; k < 56; k++) {
		int pos = 110 - 2 * k;	/* bit pair [pos, pos + 1] of m << 58 */
		uint64_t pair = pos >= 58 && pos - 58 < 64 ? (m >> (pos - 58)) & 3 : 0;
		uint64_t trial;

		rem = rem << 2 | pair;
		trial = res << 2 | 1;
		if (rem >= trial) {
			rem -= trial;
			res = res << 1 | 1;
		} else {
			res <<= 1;
		}
	}
	return lisp_flo_make(false, res | (rem != 0), (e - 58) / 2);
}

uint64_t lisp_flo_round(uint64_t b, int mode)
{
	uint64_t sign = b & SIGN_BIT, mag = b & ~SIGN_BIT, unit, frac, t;
	int e = (int)(mag >> 52) - 1023;
	bool up;

	if (e >= 52 || mag == 0)
		return b;	/* integral, inf, nan or zero */
	if (e < 0) {	/* 0 < |x| < 1 */
		switch (mode) {
		case FLO_FLOOR: up = sign; break;
		case FLO_CEIL: up = !sign; break;
		case FLO_ROUND: up = e == -1 && mag > 0x3FE0000000000000ull; break;
		default: up = false;
		}
		return sign | (up ? 0x3FF0000000000000ull : 0);
	}
	unit = (uint64_t)1 << (52 - e);	/* 1.0 in this exponent's units */
	frac = mag & (unit - 1);
	if (frac == 0)
		return b;
	t = mag & ~(unit - 1);
	switch (mode) {
	case FLO_FLOOR: up = sign; break;
	case FLO_CEIL: up = !sign; break;
	/* the units bit of t: a mantissa bit, or for e = 0 the exponent's low bit (1023 is odd,
	 * as 1 is) */
	case FLO_ROUND: up = frac > unit / 2 || (frac == unit / 2 && (t & unit)); break;
	default: up = false;
	}
	return sign | (t + (up ? unit : 0));
}

/* --- exact numbers to and from doubles --- */

uint64_t lisp_int_to_flo(obj n)
{
	size_t shift = 0;
	bool neg;
	uint64_t m;

	if (obj_fixnum_p(n)) {
		intptr_t v = fxv(n);

		return lisp_flo_make(v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v, 0);
	}
	m = lisp_int_top64(n, &shift, &neg);
	return lisp_flo_make(neg, m, (intptr_t)shift);
}

/* n / d correctly rounded, d > 0 (both exact integers); false if the heap is full or the
 * user interrupted */
bool lisp_ratio_to_flo(struct lisp *L, obj n, obj d, uint64_t *out)
{
	obj q = OBJ_FALSE, r = OBJ_FALSE;
	intptr_t k;
	bool neg = obj_fixnum_p(n) ? fxv(n) < 0 : lisp_big_negative_p(n);
	size_t shift;
	bool qneg;
	uint64_t m;

	if (n == fx(0)) {
		*out = 0;
		return true;
	}
	if (d == fx(1)) {
		*out = lisp_int_to_flo(n);
		return true;
	}
	/* a quotient of 55 or 56 bits: 53 kept, a rounding bit and the rest's stickiness */
	k = 55 + (intptr_t)lisp_int_mag_bits(d) - (intptr_t)lisp_int_mag_bits(n);
	if (k > 1200) {	/* below half the least subnormal */
		*out = neg ? SIGN_BIT : 0;
		return true;
	}
	if (k < -1200) {
		*out = (neg ? SIGN_BIT : 0) | EXP_MASK;
		return true;
	}
	ROOT(n);
	ROOT(d);
	if (k >= 0)
		n = lisp_int_shift(L, n, k);
	else
		d = lisp_int_shift(L, d, -k);
	if (n == OBJ_NULL || d == OBJ_NULL || !lisp_big_divmod(L, n, d, &q, &r)) {
		UNROOT(d);
		UNROOT(n);
		return false;
	}
	UNROOT(d);
	UNROOT(n);
	m = lisp_int_top64(q, &shift, &qneg);
	*out = lisp_flo_make(neg, m | (r != fx(0)), (intptr_t)shift - k);
	return true;
}

/* The exact value of a finite flonum: an integer, or numerator 2^-e (a ratnum) */
obj lisp_flo_to_exact(struct lisp *L, uint64_t b)
{
	uint64_t m;
	intptr_t e;
	bool neg;
	obj n, d;

	if (!flo_split(b, &neg, &m, &e))
		return OBJ_FALSE;
	if (m == 0)
		return fx(0);
	while (e < 0 && !(m & 1)) {
		m >>= 1;
		e++;
	}
	n = lisp_int64(L, neg ? -(int64_t)m : (int64_t)m);
	if (n == OBJ_NULL || e == 0)
		return n;
	if (e > 0)
		return lisp_int_shift(L, n, e);
	ROOT(n);
	d = lisp_int_shift(L, fx(1), -e);
	UNROOT(n);
	return d == OBJ_NULL ? d : lisp_make_ratio(L, n, d);
}

/* --- printing: Burger and Dybvig, "Printing Floating-Point Numbers Quickly and Accurately"
 * (1996), the free-format algorithm with the IEEE round-to-even input mode --- */

#define FB_LIMBS	48	/* > 1140 bits: r, s, m+ and m- of any double in any radix */
struct fb {
	bn_limb d[FB_LIMBS];
	size_t n;
};

static void fb_set(struct fb *x, uint64_t v) { x->n = bn_from_u64(x->d, v); }
static void fb_shl(struct fb *x, size_t bits) { x->n = bn_shl(x->d, x->d, x->n, bits); }
static void fb_mul(struct fb *x, unsigned m) { x->n = bn_mul_limb_add(x->d, x->d, x->n, m, 0); }
static int fb_cmp(const struct fb *a, const struct fb *b) { return bn_cmp(a->d, a->n, b->d, b->n); }
/* compare a + b with c */
static int fb_cmp_sum(const struct fb *a, const struct fb *b, const struct fb *c)
{
	struct fb t;

	t.n = bn_add(t.d, a->d, a->n, b->d, b->n);
	return fb_cmp(&t, c);
}

/* floor(log_radix(2)) * 2^32, radix 2..36 (scripts: Python's math.log) */
static const uint32_t log_radix_2[37] = {
	0, 0, 4294967295u, 2709822383u, 2147483647u, 1849741011u, 1661516664u, 1529883937u,
	1431655765u, 1354911191u, 1292913986u, 1241556170u, 1198079247u, 1160595897u,
	1127970580u, 1099293700u, 1073741823u, 1050651815u, 1029998373u, 1011221659u,
	994063066u, 978474232u, 964115416u, 950882264u, 938560926u, 927078427u, 916341606u,
	906362578u, 897110107u, 888442018u, 880327917u, 872647013u, 865370503u, 858503398u,
	852003516u, 845839127u, 840006591u,
};

/* Shortest digits (values 0..radix-1) of the positive finite double b in radix: dig[0..n),
 * value 0.d1d2... radix^*k. Returns n (at most 1100). */
static size_t shortest(uint64_t b, unsigned radix, uint8_t *dig, intptr_t *kout)
{
	struct fb r, s, mp, mm;
	uint64_t f = 0;
	intptr_t e = 0, k;
	bool neg, even, lo_ok, hi_ok;
	size_t n = 0;

	flo_split(b, &neg, &f, &e);
	even = !(f & 1);
	lo_ok = hi_ok = even;
	if (e >= 0) {
		if (f != (uint64_t)1 << 52) {
			fb_set(&r, f);
			fb_shl(&r, (size_t)e + 1);
			fb_set(&s, 2);
			fb_set(&mp, 1);
			fb_shl(&mp, (size_t)e);
			mm = mp;
		} else {
			fb_set(&r, f);
			fb_shl(&r, (size_t)e + 2);
			fb_set(&s, 4);
			fb_set(&mp, 1);
			fb_shl(&mp, (size_t)e + 1);
			fb_set(&mm, 1);
			fb_shl(&mm, (size_t)e);
		}
	} else if (e == -1074 || f != (uint64_t)1 << 52) {
		fb_set(&r, f << 1);
		fb_set(&s, 1);
		fb_shl(&s, (size_t)(1 - e));
		fb_set(&mp, 1);
		fb_set(&mm, 1);
	} else {
		fb_set(&r, f << 2);
		fb_set(&s, 1);
		fb_shl(&s, (size_t)(2 - e));
		fb_set(&mp, 2);
		fb_set(&mm, 1);
	}
	/* k: an estimate of ceil(log_radix(v)) from below, then fixed up */
	k = (intptr_t)(((int64_t)(e + (intptr_t)bitlen64(f) - 1) * log_radix_2[radix]) >> 32);
	if (k >= 0) {
		for (intptr_t i = 0; i < k; i++)
			fb_mul(&s, radix);
	} else {
		for (intptr_t i = 0; i < -k; i++) {
			fb_mul(&r, radix);
			fb_mul(&mp, radix);
			fb_mul(&mm, radix);
		}
	}
	for (;;) {	/* too low while r + m+ reaches s */
		int c = fb_cmp_sum(&r, &mp, &s);

		if (hi_ok ? c < 0 : c <= 0)
			break;
		fb_mul(&s, radix);
		k++;
	}
	*kout = k;
	for (;;) {
		unsigned d = 0;
		bool tc1, tc2;
		int c;

		fb_mul(&r, radix);
		fb_mul(&mp, radix);
		fb_mul(&mm, radix);
		while (fb_cmp(&r, &s) >= 0) {
			r.n = bn_sub(r.d, r.d, r.n, s.d, s.n);
			d++;
		}
		c = fb_cmp(&r, &mm);
		tc1 = lo_ok ? c <= 0 : c < 0;
		c = fb_cmp_sum(&r, &mp, &s);
		tc2 = hi_ok ? c >= 0 : c > 0;
		if (tc1 && tc2) {	/* either way: the nearer, 2r < s */
			struct fb r2 = r;

			fb_shl(&r2, 1);
			dig[n++] = (uint8_t)(fb_cmp(&r2, &s) < 0 ? d : d + 1);
			return n;
		}
		if (tc1 || tc2) {
			dig[n++] = (uint8_t)(tc1 ? d : d + 1);
			return n;
		}
		dig[n++] = (uint8_t)d;
	}
}

obj lisp_flo_to_string(struct lisp *L, uint64_t b, unsigned radix)
{
	uint8_t dig[1100];
	char buf[1200 + 1100];
	size_t n, i = 0, j;
	intptr_t k;
	const char *xd = "0123456789abcdefghijklmnopqrstuvwxyz";

	if (lisp_flo_nan_p(b))
		return lisp_cstring(L, "+nan.0");
	if (!lisp_flo_finite_p(b))
		return lisp_cstring(L, b >> 63 ? "-inf.0" : "+inf.0");
	if (b >> 63)
		buf[i++] = '-';
	if ((b & ~SIGN_BIT) == 0) {
		memcpy(buf + i, "0.0", 3);
		return lisp_make_string(L, buf, i + 3);
	}
	n = shortest(b & ~SIGN_BIT, radix, dig, &k);
	if (radix != 10 || (k >= -5 && k <= 21)) {	/* positional: 1e-7 < |x| < 1e21 */
		if (k <= 0) {
			buf[i++] = '0';
			buf[i++] = '.';
			for (intptr_t z = 0; z < -k; z++)
				buf[i++] = '0';
			for (j = 0; j < n; j++)
				buf[i++] = xd[dig[j]];
		} else {
			for (j = 0; j < n || j < (size_t)k; j++) {
				if (j == (size_t)k)
					buf[i++] = '.';
				buf[i++] = j < n ? xd[dig[j]] : '0';
			}
			if ((size_t)k >= n) {
				buf[i++] = '.';
				buf[i++] = '0';
			}
		}
	} else {	/* 1e21, 1.5e-7 */
		char e[24];
		size_t en = 0;
		intptr_t x = k - 1;
		uintptr_t ux = (uintptr_t)(x < 0 ? -x : x);

		buf[i++] = xd[dig[0]];
		if (n > 1) {
			buf[i++] = '.';
			for (j = 1; j < n; j++)
				buf[i++] = xd[dig[j]];
		}
		buf[i++] = 'e';
		if (x < 0)
			buf[i++] = '-';
		do {
			e[en++] = (char)('0' + ux % 10);
			ux /= 10;
		} while (ux);
		while (en)
			buf[i++] = e[--en];
	}
	return lisp_make_string(L, buf, i);
}

/* --- parsing --- */

static int digit(int c, unsigned radix)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 :
		c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;

	return d < (int)radix ? d : -1;
}

/* radix^e, exact (e >= 0) */
static obj int_pow(struct lisp *L, unsigned radix, intptr_t e)
{
	obj acc = fx(1), base = fx(radix);

	ROOT(acc);
	ROOT(base);
	while (e > 0) {
		if (e & 1)
			acc = lisp_num_mul(L, acc, base);
		e >>= 1;
		if (acc != OBJ_NULL && e)
			base = lisp_num_mul(L, base, base);
		if (acc == OBJ_NULL || base == OBJ_NULL) {
			acc = OBJ_NULL;
			break;
		}
	}
	UNROOT(base);
	UNROOT(acc);
	return acc;
}

/* the integer of the digits s[off, off + len) */
static obj digits_value(struct lisp *L, obj str, size_t off, size_t len, unsigned radix)
{
	const uint8_t *s = obj_bytes_data(str) + off;
	int64_t v = 0;

	if (len == 0)
		return fx(0);
	if (len <= 12) {
		for (size_t i = 0; i < len; i++)
			v = v * radix + digit(s[i], radix);
		return lisp_int64(L, v);
	}
	return lisp_big_parse(L, str, off, len, radix, false);
}

/* s[0, n) equals lit (lower case) but for the case of its letters: R7RS numbers ignore case */
static bool ci_equal(const uint8_t *s, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

/* R7RS has only e; s f d l (short, single, double, long in R5RS and R6RS) are read as e, the one
 * precision there is, as Guile and Chez do (radix 10 only; the reader asks it too) */
bool lisp_exponent_marker_p(int c)
{
	c |= 0x20;
	return c == 'e' || c == 's' || c == 'f' || c == 'd' || c == 'l';
}

#define EXACT_EXP_MAX	100000	/* #e1e100000: more is refused, not a computation for ever */

/* A real number's syntax, without prefixes, in s[off, off+len): the number, OBJ_FALSE if it
 * is none, OBJ_NULL with an error raised */
static obj parse_real(struct lisp *L, obj str, size_t off, size_t len, unsigned radix,
		      int exactness)
{
	const uint8_t *s = obj_bytes_data(str) + off;
	size_t i = 0, ip, il, fp = 0, fl = 0, dp = 0, dl = 0;
	bool neg = false, has_point = false, has_exp = false, has_slash = false;
	intptr_t ex = 0;
	obj n = OBJ_FALSE, d = OBJ_FALSE, v;
	uint64_t bits;

	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
		if (len - i == 5 && (ci_equal(s + i, "inf.0", 5) || ci_equal(s + i, "nan.0", 5))) {
			if (exactness == 'e')
				return OBJ_FALSE;
			bits = (s[i] | 0x20) == 'n' ? 0x7FF8000000000000ull
					   : (neg ? SIGN_BIT : 0) | EXP_MASK;
			return lisp_make_flonum(L, bits);
		}
	}
	if (i == len)
		return OBJ_FALSE;
	/* integer digits, then a fraction (.digits) or a denominator (/digits), then an
	 * exponent (radix 10 only: e is a digit in hex) */
	ip = i;
	while (i < len && digit(s[i], radix) >= 0)
		i++;
	il = i - ip;
	if (i < len && s[i] == '/') {
		has_slash = true;
		dp = ++i;
		while (i < len && digit(s[i], radix) >= 0)
			i++;
		dl = i - dp;
		if (il == 0 || dl == 0 || i != len)
			return OBJ_FALSE;
	} else {
		if (i < len && s[i] == '.') {
			has_point = true;
			fp = ++i;
			while (i < len && digit(s[i], radix) >= 0)
				i++;
			fl = i - fp;
		}
		if (il + fl == 0)
			return OBJ_FALSE;
		if (i < len && radix == 10 && lisp_exponent_marker_p(s[i])) {
			bool eneg = false;
			size_t e0;

			has_exp = true;
			i++;
			if (i < len && (s[i] == '+' || s[i] == '-'))
				eneg = s[i++] == '-';
			e0 = i;
			while (i < len && s[i] >= '0' && s[i] <= '9') {
				if (ex < 100000000)
					ex = ex * 10 + (s[i] - '0');
				i++;
			}
			if (i == e0)
				return OBJ_FALSE;
			ex = eneg ? -ex : ex;
		}
		if (i != len)
			return OBJ_FALSE;
	}
	if (!exactness)
		exactness = has_point || has_exp ? 'i' : 'e';
	/* integers: the fast path of the reader */
	if (!has_point && !has_exp && !has_slash && exactness == 'e') {
		v = digits_value(L, str, off + ip, il, radix);
		if (v == OBJ_NULL || v == OBJ_FALSE || !neg)
			return v;
		return lisp_num_sub(L, fx(0), v);
	}
	ROOT(str);
	ROOT(n);
	ROOT(d);
	v = OBJ_NULL;
	if (has_slash) {
		n = digits_value(L, str, off + ip, il, radix);
		d = n != OBJ_NULL ? digits_value(L, str, off + dp, dl, radix) : OBJ_NULL;
		if (d == fx(0) && n != OBJ_NULL) {	/* 1/0 is no number; #i1/0 is +inf.0 */
			if (exactness == 'e')
				v = OBJ_FALSE;
			else
				v = lisp_make_flonum(L, n == fx(0) ? 0x7FF8000000000000ull
								   : (neg ? SIGN_BIT : 0) | EXP_MASK);
			goto out;
		}
	} else {
		/* the digits without the point, and the exponent that puts it back */
		n = digits_value(L, str, off + ip, il, radix);
		if (n != OBJ_NULL && fl) {
			obj scale = int_pow(L, radix, (intptr_t)fl), f;

			n = scale != OBJ_NULL ? lisp_num_mul(L, n, scale) : OBJ_NULL;
			f = n != OBJ_NULL ? digits_value(L, str, off + fp, fl, radix) : OBJ_NULL;
			n = f != OBJ_NULL ? lisp_num_add(L, n, f) : OBJ_NULL;
		}
		ex -= (intptr_t)fl;
		if (n == OBJ_NULL)
			goto out;
		if (n == fx(0)) {
			v = exactness == 'e' ? fx(0) : lisp_make_flonum(L, neg ? SIGN_BIT : 0);
			goto out;
		}
		if (exactness == 'i' && radix == 10) {	/* far beyond the doubles: no big powers */
			intptr_t mag = (intptr_t)lisp_int_mag_bits(n) + ex * 3;

			if (ex > 400 || (ex >= 0 && mag > 1100)) {
				v = lisp_make_flonum(L, (neg ? SIGN_BIT : 0) | EXP_MASK);
				goto out;
			}
			if (ex < -400 && (intptr_t)lisp_int_mag_bits(n) + ex * 3 < -1200) {
				v = lisp_make_flonum(L, neg ? SIGN_BIT : 0);
				goto out;
			}
		} else if (ex > EXACT_EXP_MAX || ex < -EXACT_EXP_MAX) {
			v = lisp_errorf(L, OBJ_NULL, "read: exponent of an exact number too large");
			goto out;
		}
		d = fx(1);
		if (ex > 0) {
			obj p = int_pow(L, radix, ex);

			n = p != OBJ_NULL ? lisp_num_mul(L, n, p) : OBJ_NULL;
		} else if (ex < 0) {
			d = int_pow(L, radix, -ex);
		}
	}
	if (n == OBJ_NULL || d == OBJ_NULL)
		goto out;
	if (neg && (n = lisp_num_sub(L, fx(0), n)) == OBJ_NULL)
		goto out;
	if (exactness == 'e')
		v = lisp_make_ratio(L, n, d);
	else if (lisp_ratio_to_flo(L, n, d, &bits))
		v = lisp_make_flonum(L, neg && n == fx(0) ? SIGN_BIT : bits);
out:
	UNROOT(d);
	UNROOT(n);
	UNROOT(str);
	return v;
}

/* R7RS's complex syntax in s[off, off+len), no prefixes: a@b (polar), a+bi, a-bi, +bi, -bi, a+i,
 * +i ... (a, b reals); OBJ_FALSE if it is none */
static obj parse_complex(struct lisp *L, obj str, size_t off, size_t len, unsigned radix,
			 int exactness)
{
	const uint8_t *s = obj_bytes_data(str) + off;	/* read before anything allocates */
	size_t k, at = 0;
	bool minus = false;
	obj a = OBJ_FALSE, b = OBJ_FALSE;

	if (len < 2)
		return OBJ_FALSE;
	for (k = 1; k + 1 < len; k++)
		if (s[k] == '@')
			at = k;
	if (at) {
		k = at;
	} else {
		if ((s[len - 1] | 0x20) != 'i')
			return OBJ_FALSE;
		len--;	/* the imaginary part's sign: the last one that is not an exponent's */
		for (k = len - 1; k > 0; k--)
			if ((s[k] == '+' || s[k] == '-') &&
			    !(radix == 10 && lisp_exponent_marker_p(s[k - 1])))
				break;
		if (s[k] != '+' && s[k] != '-')
			return OBJ_FALSE;
		minus = s[k] == '-';
	}
	ROOT(str);
	ROOT(a);
	a = k == 0 ? fx(0) : parse_real(L, str, off, k, radix, exactness);
	if (a != OBJ_NULL && a != OBJ_FALSE) {
		if (at)
			b = parse_real(L, str, off + k + 1, len - k - 1, radix, exactness);
		else if (len - k == 1)	/* +i, a-i */
			b = fx(minus ? -1 : 1);
		else
			b = parse_real(L, str, off + k, len - k, radix, exactness);
		if (b != OBJ_NULL && b != OBJ_FALSE)
			b = at ? lisp_make_polar(L, a, b) : lisp_make_rect(L, a, b);
		a = b;
	}
	UNROOT(a);
	UNROOT(str);
	return a;
}

obj lisp_parse_number_ex(struct lisp *L, obj str, size_t off, size_t len, unsigned radix,
			 int exactness)
{
	const uint8_t *s = obj_bytes_data(str) + off;
	size_t i = 0;
	bool had_radix = false;
	obj v;

	/* #x #b #o #d #e #i prefixes, at most one radix and one exactness (R7RS) */
	while (len - i >= 2 && s[i] == '#') {
		switch (s[i + 1] | 0x20) {
		case 'x': radix = 16; break;
		case 'b': radix = 2; break;
		case 'o': radix = 8; break;
		case 'd': radix = 10; break;
		case 'e': case 'i':
			if (exactness)
				return OBJ_FALSE;
			exactness = s[i + 1] | 0x20;
			i += 2;
			continue;
		default: return OBJ_FALSE;
		}
		if (had_radix)
			return OBJ_FALSE;	/* "#x#x1" is no number */
		had_radix = true;
		i += 2;
	}
	v = parse_real(L, str, off + i, len - i, radix, exactness);
	if (v == OBJ_FALSE)
		v = parse_complex(L, str, off + i, len - i, radix, exactness);
	/* #i+i: an exact default made inexact; #e1@2: a polar one's inexact value made exact */
	if (v == OBJ_NULL || v == OBJ_FALSE || !compnum_p(v))
		return v;
	return exactness == 'i' ? lisp_num_inexact(L, v) : exactness == 'e' ? lisp_num_exact(L, v) : v;
}

obj lisp_parse_number(struct lisp *L, obj str, size_t off, size_t len, unsigned radix)
{
	return lisp_parse_number_ex(L, str, off, len, radix, 0);
}
