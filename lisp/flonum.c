/* flonum.c -- the only file of lisp/ that does floating-point arithmetic: IEEE double operations
 * and the elementary functions (fdlibm's algorithms and coefficients), on bit patterns, so that
 * no other file passes a double and the kernels can keep -mgeneral-regs-only everywhere else
 * (docs/numbers.md: x86 compiles this file for SSE2, ARM for libgcc's soft float). No libm: the
 * same code runs hosted and in both kernels, so results are bit-identical everywhere. Never
 * called from interrupt context. */
#include "internal.h"

static inline double d_of(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static inline uint64_t b_of(double d)
{
	uint64_t b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

static inline uint32_t hi_word(double d) { return (uint32_t)(b_of(d) >> 32); }
static inline double with_hi(double d, uint32_t hi)
{
	return d_of((b_of(d) & 0xFFFFFFFFu) | (uint64_t)hi << 32);
}

uint64_t lisp_flo_arith(int op, uint64_t a, uint64_t b)
{
	double x = d_of(a), y = d_of(b);

	switch (op) {
	case FLO_ADD: return b_of(x + y);
	case FLO_SUB: return b_of(x - y);
	case FLO_MUL: return b_of(x * y);
	default: return b_of(x / y);
	}
}

int lisp_flo_cmp(uint64_t a, uint64_t b)
{
	double x = d_of(a), y = d_of(b);

	if (x < y)
		return -1;
	if (x > y)
		return 1;
	return x == y ? 0 : 2;
}

/* x * 2^k for the small k of exp's reduction, on the exponent bits (x normal, result normal) */
static double scale(double x, int k)
{
	if (k >= -1021)
		return d_of(b_of(x) + ((uint64_t)(int64_t)k << 52));
	return d_of(b_of(x) + ((uint64_t)(int64_t)(k + 1000) << 52)) * 9.33263618503218878990e-302;	/* 2^-1000 */
}

static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;

/* fdlibm e_exp.c */
static double f_exp(double x)
{
	static const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
			    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
			    P5 = 4.13813679705723846039e-08, invln2 = 1.44269504088896338700e+00;
	double hi = 0, lo = 0, c, t, y;
	int k = 0;
	uint32_t hx = hi_word(x) & 0x7fffffff;
	bool neg = x < 0;

	if (x != x)
		return x + x;
	if (x > 7.09782712893383973096e+02)
		return d_of(0x7FF0000000000000ull);
	if (x < -7.45133219101941108420e+02)
		return 0.0;
	if (hx > 0x3fd62e42) {	/* |x| > 0.5 ln2 */
		if (hx < 0x3FF0A2B2) {	/* and < 1.5 ln2 */
			hi = neg ? x + ln2_hi : x - ln2_hi;
			lo = neg ? -ln2_lo : ln2_lo;
			k = neg ? -1 : 1;
		} else {
			k = (int)(invln2 * x + (neg ? -0.5 : 0.5));
			t = k;
			hi = x - t * ln2_hi;
			lo = t * ln2_lo;
		}
		x = hi - lo;
	} else if (hx < 0x3e300000) {	/* |x| < 2^-28 */
		return 1.0 + x;
	}
	t = x * x;
	c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
	if (k == 0)
		return 1.0 - ((x * c) / (c - 2.0) - x);
	y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
	return scale(y, k);
}

/* fdlibm e_log.c */
static double f_log(double x)
{
	static const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
			    Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
			    Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
			    Lg7 = 1.479819860511658591e-01;
	double hfsq, f, s, z, R, w, t1, t2, dk;
	int32_t k = 0, hx = (int32_t)hi_word(x), i, j;
	uint32_t lx = (uint32_t)b_of(x);

	if (hx < 0x00100000) {	/* x < 2^-1022 */
		if (((hx & 0x7fffffff) | lx) == 0)
			return d_of(0xFFF0000000000000ull);	/* log(+-0) = -inf */
		if (hx < 0)
			return d_of(0x7FF8000000000000ull);	/* log(-#) = nan */
		k -= 54;
		x *= 1.80143985094819840000e+16;	/* 2^54: subnormal up */
		hx = (int32_t)hi_word(x);
	}
	if (hx >= 0x7ff00000)
		return x + x;
	k += (hx >> 20) - 1023;
	hx &= 0x000fffff;
	i = (hx + 0x95f64) & 0x100000;
	x = with_hi(x, (uint32_t)(hx | (i ^ 0x3ff00000)));	/* x or x/2 in [sqrt(2)/2, sqrt(2)) */
	k += (i >> 20);
	f = x - 1.0;
	if ((0x000fffff & (2 + hx)) < 3) {	/* |f| < 2^-20 */
		if (f == 0.0) {
			if (k == 0)
				return 0.0;
			dk = (double)k;
			return dk * ln2_hi + dk * ln2_lo;
		}
		R = f * f * (0.5 - 0.33333333333333333 * f);
		if (k == 0)
			return f - R;
		dk = (double)k;
		return dk * ln2_hi - ((R - dk * ln2_lo) - f);
	}
	s = f / (2.0 + f);
	dk = (double)k;
	z = s * s;
	i = hx - 0x6147a;
	w = z * z;
	j = 0x6b851 - hx;
	t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
	t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
	i |= j;
	R = t2 + t1;
	if (i > 0) {
		hfsq = 0.5 * f * f;
		if (k == 0)
			return f - (hfsq - s * (hfsq + R));
		return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
	}
	if (k == 0)
		return f - s * (f - R);
	return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/* fdlibm k_sin.c and k_cos.c: on [-pi/4, pi/4], x + y the reduced argument */
static double k_sin(double x, double y)
{
	static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
			    S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
			    S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
	double z = x * x, v = z * x, r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));

	return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

static double k_cos(double x, double y)
{
	static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
			    C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
			    C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
	double z = x * x, w = z * z, r, hz;

	r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
	hz = 0.5 * z;
	w = 1.0 - hz;
	return w + (((1.0 - w) - hz) + (z * r - x * y));
}

/* x = n pi/2 + y[0] + y[1] (fdlibm e_rem_pio2.c's medium case, Cody and Waite with pi/2 in three
 * parts). Exact enough for |x| < 2^20 pi/2; beyond that the reduction loses bits (no
 * Payne-Hanek: docs/numbers.md). */
/* Double-double helpers (Dekker; no fused multiply-add): exact sums and products as hi + lo */
static void two_sum(double a, double b, double *hi, double *lo)
{
	double s = a + b, bb = s - a;

	*hi = s;
	*lo = (a - (s - bb)) + (b - bb);
}

static void two_prod(double a, double b, double *hi, double *lo)
{
	double c = 134217729.0 * a, ah = c - (c - a), al = a - ah;	/* Veltkamp's split */
	double d = 134217729.0 * b, bh = d - (d - b), bl = b - bh, p = a * b;

	*hi = p;
	*lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* The bits of 2/pi after the point, 1664 of them (enough for the largest double's exponent and
 * 192 bits more), generated from a Machin-formula pi with Python's integers: fdlibm's ipio2
 * table's digits (A2F983 6E4E44 ...) in 32-bit words */
static const uint32_t two_over_pi[52] = {
	0xA2F9836E, 0x4E441529, 0xFC2757D1, 0xF534DDC0, 0xDB629599, 0x3C439041,
	0xFE5163AB, 0xDEBBC561, 0xB7246E3A, 0x424DD2E0, 0x06492EEA, 0x09D1921C,
	0xFE1DEB1C, 0xB129A73E, 0xE88235F5, 0x2EBB4484, 0xE99C7026, 0xB45F7E41,
	0x3991D639, 0x835339F4, 0x9C845F8B, 0xBDF9283B, 0x1FF897FF, 0xDE05980F,
	0xEF2F118B, 0x5A0A6D1F, 0x6D367ECF, 0x27CB09B7, 0x4F463F66, 0x9E5FEA2D,
	0x7527BAC7, 0xEBE5F17B, 0x3D0739F7, 0x8A5292EA, 0x6BFB5FB1, 0x1F8D5D08,
	0x56033046, 0xFC7B6BAB, 0xF0CFBC20, 0x9AF4361D, 0xA9E39161, 0x5EE61B08,
	0x6599855F, 0x14A06840, 0x8DFFD880, 0x4D732731, 0x06061556, 0xCA73A8C9,
	0x60E27BC0, 0x8C6B47C4, 0x19C367CD, 0xDCE8092A,
};

/* bit k of 2/pi (k >= 1: the first after the point) */
static uint32_t two_over_pi_bit(int32_t k)
{
	return two_over_pi[(k - 1) >> 5] >> (31 - ((k - 1) & 31)) & 1;
}

/* Payne and Hanek's reduction for |x| >= 2^20 pi/2, on integers: x = m 2^e (m < 2^53), and
 * x 2/pi mod 4 is m times the 192 bits of 2/pi from bit e - 1 on (the bits before make
 * multiples of 4), exactly; the fraction's 128 bits times pi/2 in double-double */
static int rem_pio2_large(double x, double *y)
{
	static const double pio2_hi = 1.57079632679489655800e+00, pio2_lo = 6.12323399573676603587e-17;
	uint64_t b = b_of(x), m = (b & 0x000FFFFFFFFFFFFFull) | 1ull << 52;
	int32_t e = (int32_t)((b >> 52) & 0x7FF) - 1075, k0 = e - 1 > 1 ? e - 1 : 1, s, i;
	uint32_t w[6], p[9] = { 0 };
	uint64_t fhi = 0, flo = 0, carry;
	double hi, lo, ph, pl;
	int n;
	bool neg = false;

	for (i = 0; i < 6; i++) {	/* W: bits k0 .. k0 + 191, w[0] the lowest word */
		uint32_t v = 0;

		for (int j = 0; j < 32; j++)
			v = v << 1 | two_over_pi_bit(k0 + 191 - 32 * i - 31 + j);
		w[i] = v;
	}
	for (i = 0; i < 6; i++) {	/* p = m W */
		uint64_t lo32 = (uint64_t)w[i] * (uint32_t)m, hi32 = (uint64_t)w[i] * (uint32_t)(m >> 32);

		carry = (uint64_t)p[i] + (uint32_t)lo32;
		p[i] = (uint32_t)carry;
		carry = (carry >> 32) + p[i + 1] + (lo32 >> 32) + (uint32_t)hi32;
		p[i + 1] = (uint32_t)carry;
		carry = (carry >> 32) + p[i + 2] + (hi32 >> 32);
		p[i + 2] = (uint32_t)carry;
		for (int j = i + 3; j < 9 && (carry >> 32); j++) {
			carry = (carry >> 32) + p[j];
			p[j] = (uint32_t)carry;
		}
	}
	/* x 2/pi = p 2^-s: the integer part's low two bits, then the fraction's top 128 bits */
	s = k0 + 191 - e;
#define PBIT(k)	((k) >= 0 && (k) < 288 ? (uint64_t)(p[(k) >> 5] >> ((k) & 31) & 1) : 0)
	n = (int)(PBIT(s) | PBIT(s + 1) << 1);
	for (i = 1; i <= 64; i++) {
		fhi = fhi << 1 | PBIT(s - i);
		flo = flo << 1 | PBIT(s - 64 - i);
	}
#undef PBIT
	if (fhi >> 63) {	/* a fraction of 1/2 or more: the next quadrant, 1 - f below it */
		n = (n + 1) & 3;
		neg = true;
		flo = ~flo + 1;
		fhi = ~fhi + (flo == 0);
	}
	/* f = fhi 2^-64 + flo 2^-128 as a double-double hi + lo */
	hi = (double)fhi;
	lo = (double)(int64_t)(fhi - (uint64_t)hi) + (double)flo * 5.42101086242752217004e-20;	/* 2^-64 */
	hi *= 5.42101086242752217004e-20;
	lo *= 5.42101086242752217004e-20;
	two_sum(hi, lo, &hi, &lo);
	/* y = f pi/2 */
	two_prod(hi, pio2_hi, &ph, &pl);
	pl += hi * pio2_lo + lo * pio2_hi;
	two_sum(ph, pl, &y[0], &y[1]);
	if (neg) {
		y[0] = -y[0];
		y[1] = -y[1];
	}
	if (x < 0) {
		y[0] = -y[0];
		y[1] = -y[1];
		n = -n;
	}
	return n;
}

static int rem_pio2(double x, double *y)
{
	static const double invpio2 = 6.36619772367581382433e-01,
			    pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11,
			    pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21,
			    pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32;
	double fn = x * invpio2, r, w, t;
	int32_t n, j = (int32_t)(hi_word(x) >> 20) & 0x7ff, i;

	if (x - x == 0 && (j > 0x413 || (j == 0x413 && (hi_word(x) & 0xFFFFF) >= 0x921FB)))
		return rem_pio2_large(x, y);	/* |x| >= 2^20 pi/2: Cody-Waite would lose bits */
	fn = fn < 0 ? fn - 0.5 : fn + 0.5;
	n = fn > 2147483647.0 || fn < -2147483647.0 ? 0 : (int32_t)fn;
	if (n == 0 && (fn > 2147483647.0 || fn < -2147483647.0)) {
		y[0] = x - x;	/* beyond what this reduction can do at all: nan */
		y[1] = 0;
		return 0;
	}
	fn = (double)n;
	r = x - fn * pio2_1;
	w = fn * pio2_1t;
	y[0] = r - w;
	i = j - (int32_t)((hi_word(y[0]) >> 20) & 0x7ff);
	if (i > 16) {	/* cancellation: a second round, good to 118 bits */
		t = r;
		w = fn * pio2_2;
		r = t - w;
		w = fn * pio2_2t - ((t - r) - w);
		y[0] = r - w;
		i = j - (int32_t)((hi_word(y[0]) >> 20) & 0x7ff);
		if (i > 49) {	/* a third, good to 151 bits */
			t = r;
			w = fn * pio2_3;
			r = t - w;
			w = fn * pio2_3t - ((t - r) - w);
			y[0] = r - w;
		}
	}
	y[1] = (r - y[0]) - w;
	return n;
}

/* which 0 sin, 1 cos, 2 tan */
static double f_trig(double x, int which)
{
	double y[2], s, c;
	uint32_t ix = hi_word(x) & 0x7fffffff;
	int n;

	if (ix >= 0x7ff00000)
		return x - x;	/* inf or nan: nan */
	if (ix <= 0x3fe921fb) {	/* |x| <= pi/4 */
		if (ix < 0x3e400000 && which != 1)
			return x;	/* |x| < 2^-27 */
		y[0] = x;
		y[1] = 0;
		n = 0;
	} else {
		n = rem_pio2(x, y);
	}
	s = k_sin(y[0], y[1]);
	c = k_cos(y[0], y[1]);
	switch (which == 2 ? 4 + (n & 1) : (n + which) & 3) {
	case 0: return s;
	case 1: return c;
	case 2: return -s;
	case 3: return -c;
	case 4: return s / c;
	default: return -c / s;
	}
}

/* fdlibm s_atan.c */
static double f_atan(double x)
{
	static const double atanhi[] = { 4.63647609000806093515e-01, 7.85398163397448278999e-01,
					 9.82793723247329054082e-01, 1.57079632679489655800e+00 };
	static const double atanlo[] = { 2.26987774529616870924e-17, 3.06161699786838301793e-17,
					 1.39033110312309984516e-17, 6.12323399573676603587e-17 };
	static const double aT[] = { 3.33333333333329318027e-01, -1.99999999998764832476e-01,
				     1.42857142725034663711e-01, -1.11111104054623557880e-01,
				     9.09088713343650656196e-02, -7.69187620504482999495e-02,
				     6.66107313738753120669e-02, -5.83357013379057348645e-02,
				     4.97687799461593236017e-02, -3.65315727442169155270e-02,
				     1.62858201153657823623e-02 };
	double w, s1, s2, z;
	uint32_t ix = hi_word(x) & 0x7fffffff;
	bool neg = hi_word(x) >> 31;
	int id;

	if (ix >= 0x44100000) {	/* |x| >= 2^66 */
		if (x != x)
			return x + x;
		return neg ? -atanhi[3] - atanlo[3] : atanhi[3] + atanlo[3];
	}
	if (ix < 0x3fdc0000) {	/* |x| < 0.4375 */
		if (ix < 0x3e400000)
			return x;
		id = -1;
	} else {
		x = neg ? -x : x;
		if (ix < 0x3ff30000) {	/* |x| < 1.1875 */
			if (ix < 0x3fe60000) {	/* 7/16 <= |x| < 11/16 */
				id = 0;
				x = (2.0 * x - 1.0) / (2.0 + x);
			} else {
				id = 1;
				x = (x - 1.0) / (x + 1.0);
			}
		} else if (ix < 0x40038000) {	/* |x| < 2.4375 */
			id = 2;
			x = (x - 1.5) / (1.0 + 1.5 * x);
		} else {
			id = 3;
			x = -1.0 / x;
		}
	}
	z = x * x;
	w = z * z;
	s1 = z * (aT[0] + w * (aT[2] + w * (aT[4] + w * (aT[6] + w * (aT[8] + w * aT[10])))));
	s2 = w * (aT[1] + w * (aT[3] + w * (aT[5] + w * (aT[7] + w * aT[9]))));
	if (id < 0)
		return x - x * (s1 + s2);
	z = atanhi[id] - ((x * (s1 + s2) - atanlo[id]) - x);
	return neg ? -z : z;
}

static double f_atan2(double y, double x)
{
	static const double pi = 3.1415926535897931160E+00, pi_lo = 1.2246467991473531772E-16;
	bool xneg = hi_word(x) >> 31, yneg = hi_word(y) >> 31;
	double xa = xneg ? -x : x, ya = yneg ? -y : y, r;

	if (x != x || y != y)
		return x + y;
	if (ya == 0.0)	/* +-0 or +-pi by x's sign (IEEE: x = -0 counts as negative) */
		return xneg ? (yneg ? -pi : pi) : y;
	if (xa == 0.0)
		return yneg ? -pi / 2 : pi / 2;
	if (xa > 1.79769313486231570815e+308 && ya > 1.79769313486231570815e+308)
		r = xneg ? 3 * pi / 4 : pi / 4;
	else if (!xneg)
		return f_atan(y / x);
	else
		r = pi - (f_atan(ya / xa) - pi_lo);	/* x < 0: atan2 = pi - atan(|y|/|x|) */
	return yneg ? -r : r;
}

/* log(x) as hi + lo to about 2^-60 relative, x positive and finite: x = m 2^k with m in
 * [sqrt(2)/2, sqrt(2)), log m = 2 atanh(s) with s = (m - 1) / (m + 1) in double-double and the
 * series' tail (|s| < 0.172, twelve terms) in double */
static void log_dd(double x, double *hi, double *lo)
{
	int32_t hx, k = 0;
	double m, num, den_hi, den_lo, s_hi, s_lo, p_hi, p_lo, z, t, h, l, h2, l2;

	if (!(hi_word(x) >> 20)) {	/* subnormal: scale up by 2^54 */
		x *= 1.80143985094819840000e+16;
		k = -54;
	}
	hx = (int32_t)hi_word(x);
	k += (hx >> 20) - 1023;
	m = with_hi(x, (uint32_t)((hx & 0x000fffff) | 0x3ff00000));
	if (m > 1.41421356237309504880) {
		m *= 0.5;
		k++;
	}
	num = m - 1.0;	/* exact (Sterbenz) */
	two_sum(m, 1.0, &den_hi, &den_lo);
	s_hi = num / den_hi;
	two_prod(s_hi, den_hi, &p_hi, &p_lo);
	s_lo = ((num - p_hi) - p_lo - s_hi * den_lo) / den_hi;
	z = s_hi * s_hi;
	t = z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z * (1.0 / 9 + z * (1.0 / 11 +
	    z * (1.0 / 13 + z * (1.0 / 15 + z * (1.0 / 17 + z * (1.0 / 19 + z * (1.0 / 21 +
	    z * (1.0 / 23 + z * (1.0 / 25)))))))))))) * s_hi;
	/* 2 (s + t) + k ln2, ln2_hi k exact */
	two_sum(2 * s_hi, 2 * t, &h, &l);
	l += 2 * s_lo;
	two_sum(k * ln2_hi, h, &h2, &l2);
	l2 += l + k * ln2_lo;
	two_sum(h2, l2, hi, lo);
}

/* x^y for finite x > 0 (y infinite too): exp(y log x) with log x and the product in double-double,
 * so the error is exp's (1 ulp) and not |y log x| ulps */
static double f_pow(double x, double y)
{
	double lh, ll, ph, pl;

	if (y == 0.5)
		return d_of(lisp_flo_sqrt(b_of(x)));	/* correctly rounded */
	log_dd(x, &lh, &ll);
	ph = y * lh;
	if (ph > 800 || ph < -800)
		return f_exp(ph);
	two_prod(y, lh, &ph, &pl);
	pl += y * ll;
	two_sum(ph, pl, &ph, &pl);
	return f_exp(ph) * (1.0 + pl);
}

uint64_t lisp_flo_math(int fn, uint64_t a, uint64_t b)
{
	double x = d_of(a), s;

	switch (fn) {
	case FLO_EXP: return b_of(f_exp(x));
	case FLO_LOG: return b_of(f_log(x));
	case FLO_SIN: return b_of(f_trig(x, 0));
	case FLO_COS: return b_of(f_trig(x, 1));
	case FLO_TAN: return b_of(f_trig(x, 2));
	case FLO_ATAN: return b_of(f_atan(x));
	case FLO_ATAN2: return b_of(f_atan2(x, d_of(b)));
	case FLO_ASIN:	/* atan2(x, sqrt((1 - x)(1 + x))) */
		if (!(x >= -1.0 && x <= 1.0))
			return 0x7FF8000000000000ull;
		s = d_of(lisp_flo_sqrt(b_of((1.0 - x) * (1.0 + x))));
		return b_of(f_atan2(x, s));
	case FLO_ACOS:	/* 2 atan2(sqrt(1 - x), sqrt(1 + x)) */
		if (!(x >= -1.0 && x <= 1.0))
			return 0x7FF8000000000000ull;
		return b_of(2.0 * f_atan2(d_of(lisp_flo_sqrt(b_of(1.0 - x))),
					  d_of(lisp_flo_sqrt(b_of(1.0 + x)))));
	case FLO_POW:	/* x > 0 finite; the exact and special cases are the caller's */
		return b_of(f_pow(x, d_of(b)));
	default: return 0x7FF8000000000000ull;
	}
}

/* --- complex numbers on pairs of doubles --- */

struct cx { double re, im; };

static double f_abs(double x) { return x < 0 || (x == 0 && hi_word(x) >> 31) ? -x : x; }
static double f_sqrt(double x) { return d_of(lisp_flo_sqrt(b_of(x))); }
static double copy_sign(double x, double s) { return hi_word(s) >> 31 ? -f_abs(x) : f_abs(x); }

static bool f_inf_p(double x) { return x == x && x - x != 0; }

/* |z| without overflow or underflow in the squares; an infinite part wins over a NaN */
static double cx_abs(struct cx z)
{
	double a = f_abs(z.re), b = f_abs(z.im), t;

	if (f_inf_p(a) || f_inf_p(b))
		return f_inf_p(a) ? a : b;
	if (a != a || b != b)
		return a + b;
	if (a < b) {
		t = a;
		a = b;
		b = t;
	}
	if (a == 0)
		return a;
	t = b / a;
	return a * f_sqrt(1.0 + t * t);
}

/* x 2^k for any k, by steps the doubles hold exactly (to and from subnormals: rounded once
 * or twice, as any scaling there) */
static double scale_any(double x, int k)
{
	for (; k > 1000; k -= 1000)
		x *= 0x1p1000;
	for (; k < -1000; k += 1000)
		x *= 0x1p-1000;
	return x * d_of((uint64_t)(k + 1023) << 52);
}

/* the exponent e of x's leading bit (x = f 2^e, 1 <= |f| < 2), for x finite and not 0 */
static int exp_of(double x)
{
	int e = (int)((b_of(x) >> 52) & 0x7FF) - 1023;

	return e == -1023 ? exp_of(x * 0x1p60) - 60 : e;
}

static struct cx cx_mul(struct cx a, struct cx b)
{
	struct cx r = { a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re };
	double ma = f_abs(a.re) > f_abs(a.im) ? f_abs(a.re) : f_abs(a.im),
	       mb = f_abs(b.re) > f_abs(b.im) ? f_abs(b.re) : f_abs(b.im);
	int ea, eb;

	/* an infinity or NaN from finite operands is a partial product that overflowed (and inf -
	 * inf): again with both scaled near 1, then the result scaled back ((1e200+1e200i)^2 is
	 * 0.0+inf.0i, (1.35e154+0.4e154i)^2 1.6625e308+1.08e308i) */
	if ((r.re - r.re == 0 && r.im - r.im == 0) || ma == 0 || mb == 0 || f_inf_p(ma) ||
	    f_inf_p(mb) || ma != ma || mb != mb)
		return r;
	ea = exp_of(ma);
	eb = exp_of(mb);
	a = (struct cx){ scale_any(a.re, -ea), scale_any(a.im, -ea) };
	b = (struct cx){ scale_any(b.re, -eb), scale_any(b.im, -eb) };
	r = (struct cx){ a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re };
	return (struct cx){ scale_any(r.re, ea + eb), scale_any(r.im, ea + eb) };
}

/* Smith's division: no overflow in c^2 + d^2 */
static struct cx cx_div(struct cx a, struct cx b)
{
	double r, t;

	if (f_abs(b.re) >= f_abs(b.im)) {
		if (b.re == 0 && b.im == 0)
			return (struct cx){ a.re / f_abs(b.re), a.im / f_abs(b.re) };
		r = b.im / b.re;
		t = b.re + b.im * r;
		return (struct cx){ (a.re + a.im * r) / t, (a.im - a.re * r) / t };
	}
	r = b.re / b.im;
	t = b.im + b.re * r;
	return (struct cx){ (a.re * r + a.im) / t, (a.im * r - a.re) / t };
}

static struct cx cx_exp(struct cx z)
{
	double e = f_exp(z.re);

	if (z.im == 0)
		return (struct cx){ e, z.im };
	return (struct cx){ e * f_trig(z.im, 1), e * f_trig(z.im, 0) };
}

/* log |z| is log(a^2 + b^2) / 2 with the squares' sum in double-double where it cannot
 * overflow or underflow: right also near |z| = 1, where log |z| of the rounded |z| would lose
 * the digits ((log 1.0+1e-8i) is 5e-17, not 0.0) */
static struct cx cx_log(struct cx z)
{
	double a = f_abs(z.re), b = f_abs(z.im), h1, l1, h2, l2, h, l, lh, ll, r;

	if (a < b) {
		r = a;
		a = b;
		b = r;
	}
	if (a > 0x1p-500 && a < 0x1p500) {
		two_prod(a, a, &h1, &l1);
		two_prod(b, b, &h2, &l2);
		two_sum(h1, h2, &h, &l);
		l += l1 + l2;
		log_dd(h, &lh, &ll);
		r = (lh + (ll + l / h)) * 0.5;
	} else if (a >= 0x1p500 && a - a == 0) {	/* |z| 2^-600, then + 600 ln 2: no overflow */
		r = f_log(cx_abs((struct cx){ z.re * 0x1p-600, z.im * 0x1p-600 })) +
		    600 * 6.93147180559945286227e-01;
	} else if (a > 0 && a <= 0x1p-500) {	/* |z| 2^600: no subnormal |z| */
		r = f_log(cx_abs((struct cx){ z.re * 0x1p600, z.im * 0x1p600 })) -
		    600 * 6.93147180559945286227e-01;
	} else {
		r = f_log(cx_abs(z));
	}
	return (struct cx){ r, f_atan2(z.im, z.re) };
}

/* the principal root: real part >= 0, the imaginary part's sign that of z's */
static struct cx cx_sqrt(struct cx z)
{
	double t;

	if (z.re == 0 && z.im == 0)
		return (struct cx){ 0.0, z.im };
	if (f_inf_p(z.im))
		return (struct cx){ f_abs(z.im), z.im };
	/* (|x| + |z|) / 2 halved first: no overflow near the largest doubles */
	t = f_sqrt(f_abs(z.re) * 0.5 + cx_abs(z) * 0.5);
	if (z.re >= 0)
		return (struct cx){ t, z.im / (2 * t) };
	return (struct cx){ f_abs(z.im) / (2 * t), copy_sign(t, z.im) };
}

/* cosh and sinh of y */
static void cosh_sinh(double y, double *c, double *s)
{
	double e, ei;

	if (f_abs(y) < 3.7252902984e-09) {	/* 2^-28: sinh y = y, cosh y = 1 to a double */
		*c = 1.0;
		*s = y;
		return;
	}
	e = f_exp(y);
	ei = 1.0 / e;
	*c = (e + ei) * 0.5;
	if (f_abs(y) < 0.5) {	/* e - 1/e cancels: sinh y = y + y^3/6 + y^5/120 + ... */
		double y2 = y * y, term = y, sum = y;

		for (int k = 1; k < 12; k++) {
			term *= y2 / ((2.0 * k) * (2.0 * k + 1));
			sum += term;
		}
		*s = sum;
	} else {
		*s = (e - ei) * 0.5;
	}
}

static struct cx cx_sin(struct cx z)
{
	double c, s;

	cosh_sinh(z.im, &c, &s);
	return (struct cx){ f_trig(z.re, 0) * c, f_trig(z.re, 1) * s };
}

static struct cx cx_cos(struct cx z)
{
	double c, s;

	cosh_sinh(z.im, &c, &s);
	return (struct cx){ f_trig(z.re, 1) * c, -(f_trig(z.re, 0) * s) };
}

static struct cx cx_tan(struct cx z)
{
	if (f_abs(z.im) > 20) {	/* cosh overflows before the quotient does: tan -> +-i */
		double e = f_exp(-2 * f_abs(z.im));

		return (struct cx){ 4 * f_trig(z.re, 0) * f_trig(z.re, 1) * e, copy_sign(1.0, z.im) };
	}
	return cx_div(cx_sin(z), cx_cos(z));
}

/* asinh y: the series where log(|y| + sqrt(y^2 + 1)) cancels */
static double f_asinh(double y)
{
	double a = f_abs(y), r;

	if (a < 0.5) {	/* y - y^3/6 + 3y^5/40 - ...: each term -(2n+1)^2 y^2 / ((2n+2)(2n+3)) of the last */
		double term = y, sum = y, y2 = y * y;

		for (int n = 0; n < 40 && term != 0; n++) {
			term *= -(2.0 * n + 1) * (2.0 * n + 1) * y2 / ((2.0 * n + 2) * (2.0 * n + 3));
			sum += term;
		}
		return sum;
	}
	r = a > 1e150 ? f_log(a) + 6.93147180559945286227e-01 : f_log(a + f_sqrt(a * a + 1.0));
	return copy_sign(r, y);
}

/* Kahan's asin and acos ("Branch cuts for complex elementary functions", 1987), with
 * s1 = sqrt(1 - z), s2 = sqrt(1 + z): asin z = atan(x / Re(s1 s2)) + i asinh(Im(conj(s1) s2)),
 * acos z = 2 atan(Re s1 / Re s2) + i asinh(Im(conj(s2) s1)); the signed zeros of the
 * imaginary part choose the side of a cut */
static struct cx cx_asin(struct cx z, bool acos)
{
	struct cx s1 = cx_sqrt((struct cx){ 1.0 - z.re, -z.im }),
		  s2 = cx_sqrt((struct cx){ 1.0 + z.re, z.im });

	if (acos)
		return (struct cx){ 2 * f_atan2(s1.re, s2.re), f_asinh(s2.re * s1.im - s2.im * s1.re) };
	return (struct cx){ f_atan2(z.re, s1.re * s2.re - s1.im * s2.im),
			    f_asinh(s1.re * s2.im - s1.im * s2.re) };
}

/* atan z = (i/2) (log(1 - iz) - log(1 + iz)) */
static struct cx cx_atan(struct cx z)
{
	struct cx a = cx_log((struct cx){ 1.0 + z.im, -z.re }),
		  b = cx_log((struct cx){ 1.0 - z.im, z.re });

	return (struct cx){ -(a.im - b.im) * 0.5, (a.re - b.re) * 0.5 };
}

/* a^b = exp(b log a); 0^b: 1 for b = 0, 0 for Re b > 0, else undefined (NaN) */
static struct cx cx_pow(struct cx a, struct cx b)
{
	if (a.re == 0 && a.im == 0) {
		if (b.re == 0 && b.im == 0)
			return (struct cx){ 1.0, 0.0 };
		if (b.re > 0)
			return (struct cx){ 0.0, 0.0 };
		return (struct cx){ d_of(0x7FF8000000000000ull), d_of(0x7FF8000000000000ull) };
	}
	return cx_exp(cx_mul(b, cx_log(a)));
}

void lisp_flo_cx(int fn, const uint64_t a[2], const uint64_t b[2], uint64_t out[2])
{
	struct cx x = { d_of(a[0]), d_of(a[1]) }, y = { 0, 0 }, r;

	if (b)
		y = (struct cx){ d_of(b[0]), d_of(b[1]) };
	switch (fn) {
	case CX_ADD: r = (struct cx){ x.re + y.re, x.im + y.im }; break;
	case CX_SUB: r = (struct cx){ x.re - y.re, x.im - y.im }; break;
	case CX_MUL: r = cx_mul(x, y); break;
	case CX_DIV: r = cx_div(x, y); break;
	case CX_EXP: r = cx_exp(x); break;
	case CX_LOG: r = cx_log(x); break;
	case CX_SQRT: r = cx_sqrt(x); break;
	case CX_SIN: r = cx_sin(x); break;
	case CX_COS: r = cx_cos(x); break;
	case CX_TAN: r = cx_tan(x); break;
	case CX_ASIN: r = cx_asin(x, false); break;
	case CX_ACOS: r = cx_asin(x, true); break;
	case CX_ATAN: r = cx_atan(x); break;
	case CX_POW: r = cx_pow(x, y); break;
	case CX_ABS: r = (struct cx){ cx_abs(x), 0 }; break;
	default: r = (struct cx){ f_atan2(x.im, x.re), 0 }; break;
	}
	out[0] = b_of(r.re);
	out[1] = b_of(r.im);
}
