/* numfuncs.c -- the numeric procedures beyond arithmetic and comparison (numbers.c): sqrt and
 * exact-integer-sqrt, floor ceiling round truncate on every kind, numerator and denominator,
 * the elementary functions (exp log sin cos tan asin acos atan, the inexact cases of expt: the
 * floating point is flonum.c's) on reals and complex numbers, and the complex-number
 * procedures. A real argument outside a function's real domain gives a complex result (sqrt
 * and log of a negative, asin and acos beyond 1, a negative base to a fractional power). */
#include "compile.h"

static obj int_sqrt(struct lisp *L, obj x, obj *rem)
{
	if (obj_fixnum_p(x)) {
		intptr_t n = fxv(x), r = n;

		while (r > 0 && r > n / r)
			r = (r + n / r) / 2;
		*rem = fx(n - r * r);
		return fx(r);
	}
	return lisp_big_sqrt(L, x, rem);
}

static obj p_exact_integer_sqrt(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0], s, rem = OBJ_FALSE, v;

	(void)argc;
	if (!integer_p(x) || lisp_num_sign(x) < 0)
		return lisp_type_error(L, "exact-integer-sqrt", "non-negative integer", x);
	s = int_sqrt(L, x, &rem);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	v = lisp_list2(L, s, rem);
	if (v == OBJ_NULL)
		return OBJ_NULL;
	return lisp_make_values(L, v);
}

/* sqrt of an exact integer n > 0 that is no square, correctly rounded: the integer square root
 * of n 4^j with at least 56 bits, and whether a remainder is left */
static obj inexact_int_sqrt(struct lisp *L, obj n)
{
	intptr_t bits = (intptr_t)lisp_int_mag_bits(n), j = bits < 114 ? (114 - bits) / 2 : 0;
	obj s, rem = OBJ_FALSE;
	size_t shift;
	bool neg;
	uint64_t m;

	if (j && (n = lisp_int_shift(L, n, 2 * j)) == OBJ_NULL)
		return OBJ_NULL;
	if ((s = int_sqrt(L, n, &rem)) == OBJ_NULL)
		return OBJ_NULL;
	m = lisp_int_top64(s, &shift, &neg);
	return lisp_make_flonum(L, lisp_flo_make(false, m | (rem != fx(0)), (intptr_t)shift - j));
}

#define NEG_ZERO	0x8000000000000000ull

/* fn of x on doubles, complex: im the imaginary part's bits for a real x (its sign picks the
 * side of a branch cut that a real lies on) */
static obj cx_math(struct lisp *L, obj x, int fn, uint64_t im)
{
	uint64_t a[2], v[2];
	bool real = !compnum_p(x), re0 = !real && cx_re(x) == fx(0);	/* x moves below */

	if (!lisp_cx_to_bits(L, x, a))
		return OBJ_NULL;
	if (real)
		a[1] = im;
	else if (fn == CX_ATAN && re0)	/* on the cut, R7RS's formula: odd */
		a[0] = a[1] & NEG_ZERO;
	lisp_flo_cx(fn, a, NULL, v);
	return lisp_cx_from_bits(L, v);
}

/* sqrt of a real x >= 0: exact when x is an exact square */
static obj real_sqrt(struct lisp *L, obj x)
{
	obj s, rem = OBJ_FALSE, s2 = OBJ_FALSE, rem2 = OBJ_FALSE;
	uint64_t b;

	if (flonum_p(x))
		return lisp_make_flonum(L, lisp_flo_sqrt(flo_bits(x)));
	ROOT(x);
	if (integer_p(x)) {
		s = int_sqrt(L, x, &rem);
		if (s != OBJ_NULL && rem != fx(0))
			s = inexact_int_sqrt(L, x);
		UNROOT(x);
		return s;
	}
	/* a ratnum: exact when both its terms are squares */
	s = int_sqrt(L, rat_num(x), &rem);
	ROOT(s);
	if (s != OBJ_NULL && rem == fx(0))
		s2 = int_sqrt(L, rat_den(x), &rem2);
	if (s2 != OBJ_NULL && rem == fx(0) && rem2 == fx(0))
		s = lisp_make_ratio(L, s, s2);
	else if (s != OBJ_NULL && s2 != OBJ_NULL)
		s = lisp_num_to_flo(L, x, &b) ? lisp_make_flonum(L, lisp_flo_sqrt(b)) : OBJ_NULL;
	else
		s = OBJ_NULL;
	UNROOT(s);
	UNROOT(x);
	return s;
}

/* |z| = sqrt(a^2 + b^2) of an exact complex number: exact when a^2 + b^2 is a square */
static obj exact_magnitude(struct lisp *L, obj z)
{
	obj t, u;

	ROOT(z);
	t = lisp_num_mul(L, cx_re(z), cx_re(z));
	ROOT(t);
	u = t != OBJ_NULL ? lisp_num_mul(L, cx_im(z), cx_im(z)) : OBJ_NULL;
	u = u != OBJ_NULL ? lisp_num_add(L, t, u) : OBJ_NULL;
	UNROOT(t);
	UNROOT(z);
	return u != OBJ_NULL ? real_sqrt(L, u) : OBJ_NULL;
}

/* sqrt of an exact complex a+bi: exact when r = |z| and (r + a)/2, (r - a)/2 are exact squares
 * (x + yi with x = sqrt((r + a)/2), y = sqrt((r - a)/2) signed as b: (sqrt -3+4i) is 1+2i);
 * OBJ_FALSE when it is not */
static obj exact_cx_sqrt(struct lisp *L, obj z)
{
	obj t[3] = { OBJ_FALSE, OBJ_FALSE, OBJ_FALSE }, r = OBJ_NULL;
	int i;

	ROOT(z);
	for (i = 0; i < 3; i++)
		ROOT(t[i]);
#define STEP(x, e)	if (((x) = (e)) == OBJ_NULL) goto out
#define EXACT(x)	if (!exact_p(x)) { r = OBJ_FALSE; goto out; }
	STEP(t[0], exact_magnitude(L, z));	/* r */
	EXACT(t[0]);
	STEP(t[1], lisp_num_add(L, t[0], cx_re(z)));
	STEP(t[1], lisp_num_div(L, t[1], fx(2)));
	STEP(t[1], real_sqrt(L, t[1]));	/* x */
	EXACT(t[1]);
	STEP(t[2], lisp_num_sub(L, t[0], cx_re(z)));
	STEP(t[2], lisp_num_div(L, t[2], fx(2)));
	STEP(t[2], real_sqrt(L, t[2]));	/* y */
	EXACT(t[2]);
	if (lisp_num_sign(cx_im(z)) < 0)
		STEP(t[2], lisp_num_negate(L, t[2]));
	r = lisp_make_rect(L, t[1], t[2]);
#undef EXACT
#undef STEP
out:
	for (i = 2; i >= 0; i--)
		UNROOT(t[i]);
	UNROOT(z);
	return r;
}

/* sqrt: of a negative real, i sqrt(-x) (exact for an exact square, as (sqrt -4) is +2i); of a
 * complex number, exact when it can be (exact_cx_sqrt), else the principal root on doubles */
static obj p_sqrt(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0], s;

	(void)argc;
	if (!number_p(x))
		return lisp_not_number(L, "sqrt", x);
	if (compnum_p(x) && exact_p(cx_re(x))) {
		if ((s = exact_cx_sqrt(L, x)) != OBJ_FALSE)
			return s;
		x = lisp_args(L)[0];
	}
	if (compnum_p(x))
		return cx_math(L, x, CX_SQRT, 0);
	if (lisp_num_sign(x) >= 0 || lisp_num_sign(x) == 2)
		return real_sqrt(L, x);
	if ((x = lisp_num_negate(L, x)) == OBJ_NULL || (s = real_sqrt(L, x)) == OBJ_NULL)
		return OBJ_NULL;
	return lisp_make_rect(L, fx(0), s);	/* 0.0 for an inexact root */
}

/* floor, ceiling, truncate, round (to even) */
static obj round_num(struct lisp *L, obj x, const char *who, int mode)
{
	obj n, d, q, t = OBJ_FALSE;

	if (integer_p(x))
		return x;
	if (flonum_p(x))
		return lisp_make_flonum(L, lisp_flo_round(flo_bits(x), mode));
	if (!ratnum_p(x))
		return lisp_type_error(L, who, "real number", x);
	n = rat_num(x);
	d = rat_den(x);
	switch (mode) {
	case FLO_FLOOR: return lisp_num_divide(L, who, n, d, 1, 0);
	case FLO_TRUNC: return lisp_num_divide(L, who, n, d, 0, 0);
	case FLO_CEIL:	/* -floor(-n / d) */
		ROOT(d);
		n = lisp_num_sub(L, fx(0), n);
		UNROOT(d);
		q = n != OBJ_NULL ? lisp_num_divide(L, who, n, d, 1, 0) : OBJ_NULL;
		return q != OBJ_NULL ? lisp_num_sub(L, fx(0), q) : OBJ_NULL;
	default:
		if (d == fx(2)) {	/* a tie, n/2 = k + 1/2: the even one of k and k + 1 */
			q = lisp_num_divide(L, who, n, d, 1, 0);
			if (q == OBJ_NULL)
				return q;
			return (obj_fixnum_p(q) ? (fxv(q) & 1) : lisp_big_odd_p(q)) ?
				lisp_num_add(L, q, fx(1)) : q;
		}
		/* no tie: floor(n/d + 1/2) = floor((2n + d) / 2d) */
		ROOT(d);
		ROOT(t);
		t = lisp_num_add(L, n, n);
		t = t != OBJ_NULL ? lisp_num_add(L, t, d) : OBJ_NULL;
		q = t != OBJ_NULL ? lisp_num_add(L, d, d) : OBJ_NULL;
		q = q != OBJ_NULL ? lisp_num_divide(L, who, t, q, 1, 0) : OBJ_NULL;
		UNROOT(t);
		UNROOT(d);
		return q;
	}
}

static obj p_floor(struct lisp *L, int argc, obj *argv) { (void)argc; return round_num(L, argv[0], "floor", FLO_FLOOR); }
static obj p_ceiling(struct lisp *L, int argc, obj *argv) { (void)argc; return round_num(L, argv[0], "ceiling", FLO_CEIL); }
static obj p_truncate(struct lisp *L, int argc, obj *argv) { (void)argc; return round_num(L, argv[0], "truncate", FLO_TRUNC); }
static obj p_round(struct lisp *L, int argc, obj *argv) { (void)argc; return round_num(L, argv[0], "round", FLO_ROUND); }

/* numerator, denominator; of a flonum, those of its exact value, inexact */
static obj num_den(struct lisp *L, obj x, const char *who, bool den)
{
	obj e;

	if (exact_p(x))
		return den ? rat_den(x) : rat_num(x);
	if (!flonum_p(x) || !lisp_flo_finite_p(flo_bits(x)))
		return lisp_type_error(L, who, "rational number", x);
	if ((e = lisp_flo_to_exact(L, flo_bits(x))) == OBJ_NULL)
		return OBJ_NULL;
	return lisp_num_inexact(L, den ? rat_den(e) : rat_num(e));
}

static obj p_numerator(struct lisp *L, int argc, obj *argv) { (void)argc; return num_den(L, argv[0], "numerator", false); }
static obj p_denominator(struct lisp *L, int argc, obj *argv) { (void)argc; return num_den(L, argv[0], "denominator", true); }

/* |n| of an exact integer n != 0 as m 2^shift: m its top 64 bits rounded to a double's bits */
static uint64_t top_bits(obj n, intptr_t *shift)
{
	size_t sh = 0;
	bool neg;
	uint64_t m = obj_fixnum_p(n) ? (uint64_t)(fxv(n) < 0 ? -fxv(n) : fxv(n)) : lisp_int_top64(n, &sh, &neg);

	*shift = (intptr_t)sh;
	return lisp_flo_make(false, m, 0);
}

/* log |x| of an exact x != 0 too big or too small for a double ((log (expt 10 400)) is
 * 921.03...), as bits: log mn - log md + (sn - sd) ln 2 for x = (mn 2^sn) / (md 2^sd), the
 * two sizes subtracted before they are scaled (no cancellation of two huge logs) */
static uint64_t exact_log_bits(obj x)
{
	intptr_t sn, sd = 0;
	uint64_t l = lisp_flo_math(FLO_LOG, top_bits(rat_num(x), &sn), 0);

	if (ratnum_p(x))
		l = lisp_flo_arith(FLO_SUB, l, lisp_flo_math(FLO_LOG, top_bits(rat_den(x), &sd), 0));
	return lisp_flo_arith(FLO_ADD, l, lisp_flo_arith(FLO_MUL, lisp_int_to_flo(fx(sn - sd)),
							 0x3FE62E42FEFA39EFull));	/* ln 2 */
}

/* the elementary functions but log: exact arguments are converted; a complex argument, or a
 * real one outside the real domain (asin and acos beyond 1), gives a complex result (cx: the
 * complex function) */
static obj math1(struct lisp *L, obj x, const char *who, int fn, int cx)
{
	uint64_t b;

	if (!number_p(x))
		return lisp_not_number(L, who, x);
	bool ok;

	if (compnum_p(x))
		return cx_math(L, x, cx, 0);
	ROOT(x);	/* a ratnum's conversion allocates */
	ok = lisp_num_to_flo(L, x, &b);
	UNROOT(x);
	if (!ok)
		return OBJ_NULL;
	switch (fn) {
	case FLO_ASIN: case FLO_ACOS:	/* beyond 1: the cut above -1, below 1 (Common Lisp's) */
		if (lisp_flo_cmp(b, 0x3FF0000000000000ull) == 1 || lisp_flo_cmp(b, 0xBFF0000000000000ull) == -1)
			return cx_math(L, x, cx, b >> 63 ? 0 : NEG_ZERO);
		break;
	}
	return lisp_make_flonum(L, lisp_flo_math(fn, b, 0));
}

static obj math2(struct lisp *L, const char *who, int fn)
{
	uint64_t a, b;

	for (int i = 0; i < 2; i++)
		if (!real_p(lisp_args(L)[i]))
			return lisp_not_real(L, who, lisp_args(L)[i]);
	if (!lisp_num_to_flo(L, lisp_args(L)[0], &a) || !lisp_num_to_flo(L, lisp_args(L)[1], &b))
		return OBJ_NULL;
	return lisp_make_flonum(L, lisp_flo_math(fn, a, b));
}

static obj p_exp(struct lisp *L, int argc, obj *argv) { (void)argc; return math1(L, argv[0], "exp", FLO_EXP, CX_EXP); }
static obj p_sin(struct lisp *L, int argc, obj *argv) { (void)argc; return math1(L, argv[0], "sin", FLO_SIN, CX_SIN); }
static obj p_cos(struct lisp *L, int argc, obj *argv) { (void)argc; return math1(L, argv[0], "cos", FLO_COS, CX_COS); }
static obj p_tan(struct lisp *L, int argc, obj *argv) { (void)argc; return math1(L, argv[0], "tan", FLO_TAN, CX_TAN); }
static obj p_asin(struct lisp *L, int argc, obj *argv) { (void)argc; return math1(L, argv[0], "asin", FLO_ASIN, CX_ASIN); }
static obj p_acos(struct lisp *L, int argc, obj *argv) { (void)argc; return math1(L, argv[0], "acos", FLO_ACOS, CX_ACOS); }

/* log of argument i as {real, imaginary} bits, *real if it is a real: of a real >= 0 (-0.0 and
 * NaN too), log x; of a negative real, log |x| + pi i; of an exact number beyond the doubles'
 * range, from its top bits; of a complex number, on doubles */
static bool log_of(struct lisp *L, int i, uint64_t v[2], bool *real)
{
	obj x = lisp_args(L)[i];
	uint64_t b;

	*real = false;
	if (compnum_p(x)) {
		if (!lisp_cx_to_bits(L, x, v))
			return false;
		lisp_flo_cx(CX_LOG, v, NULL, v);
		return true;
	}
	if (!lisp_num_to_flo(L, x, &b))
		return false;
	x = lisp_args(L)[i];	/* the conversion may have moved it */
	v[1] = lisp_num_sign(x) < 0 && (b << 1) != 0 ? 0x400921FB54442D18ull : 0;	/* pi */
	*real = v[1] == 0;
	if (!flonum_p(x) && x != fx(0) && (!lisp_flo_finite_p(b) || (b & 0x7FF0000000000000ull) == 0))
		v[0] = exact_log_bits(x);
	else if (v[1])
		lisp_flo_cx(CX_LOG, (uint64_t[2]){ b, 0 }, NULL, v);
	else
		v[0] = lisp_flo_math(FLO_LOG, b, 0);
	return true;
}

/* (log z), (log z b) = log z / log b: complex when either is complex or negative */
static obj p_log(struct lisp *L, int argc, obj *argv)
{
	uint64_t a[2], b[2], v[2];
	bool ra, rb;

	(void)argv;
	for (int i = 0; i < argc; i++)
		if (!number_p(lisp_args(L)[i]))
			return lisp_not_number(L, "log", lisp_args(L)[i]);
	if (!log_of(L, 0, a, &ra))
		return OBJ_NULL;
	if (argc == 1)
		return ra ? lisp_make_flonum(L, a[0]) : lisp_cx_from_bits(L, a);
	if (!log_of(L, 1, b, &rb))
		return OBJ_NULL;
	if (ra && rb)
		return lisp_make_flonum(L, lisp_flo_arith(FLO_DIV, a[0], b[0]));
	lisp_flo_cx(CX_DIV, a, b, v);
	return lisp_cx_from_bits(L, v);
}

static obj p_atan(struct lisp *L, int argc, obj *argv)
{
	if (argc == 1)
		return math1(L, argv[0], "atan", FLO_ATAN, CX_ATAN);
	if (lisp_num_sign(argv[0]) == 0 && lisp_num_sign(argv[1]) == 0 && exact_p(argv[0]) &&
	    exact_p(argv[1]))
		return lisp_errorf(L, OBJ_NULL, "atan: both arguments are exact zero");
	return math2(L, "atan", FLO_ATAN2);
}

/* (%expt-inexact x y): x^y for the cases expt does not compute exactly; complex, exp(y log x),
 * for a complex x or y or a negative x to a fractional power */
static obj p_expt_inexact(struct lisp *L, int argc, obj *argv)
{
	uint64_t x, y, r, yi, cx[2], cy[2];
	bool odd = false;

	(void)argc;
	(void)argv;
	for (int i = 0; i < 2; i++)
		if (!number_p(lisp_args(L)[i]))
			return lisp_not_number(L, "expt", lisp_args(L)[i]);
	if (compnum_p(lisp_args(L)[0]) || compnum_p(lisp_args(L)[1]))
		goto complex;
	if (!lisp_num_to_flo(L, lisp_args(L)[0], &x) || !lisp_num_to_flo(L, lisp_args(L)[1], &y))
		return OBJ_NULL;
	yi = lisp_flo_round(y, FLO_TRUNC);
	if (yi == y && lisp_flo_finite_p(y)) {	/* an integral y: odd? (|y| < 2^53 matters) */
		uint64_t half = lisp_flo_arith(FLO_MUL, y, 0x3FE0000000000000ull);

		odd = lisp_flo_round(half, FLO_TRUNC) != half;
	}
	if ((y << 1) == 0 || x == 0x3FF0000000000000ull)
		r = 0x3FF0000000000000ull;	/* x^0 = 1^y = 1, even for a NaN */
	else if (lisp_flo_nan_p(x) || lisp_flo_nan_p(y))
		r = 0x7FF8000000000000ull;
	else if ((x << 1) == 0 || !lisp_flo_finite_p(x)) {	/* 0 and inf: by y's sign */
		bool big = !lisp_flo_finite_p(x) == !(y >> 63);

		r = big ? 0x7FF0000000000000ull : 0;
		if (odd && (x >> 63))
			r |= 1ull << 63;
	} else if (x >> 63) {	/* negative x: real only for an integral y */
		if (yi != y)
			goto complex;
		r = lisp_flo_math(FLO_POW, x & ~(1ull << 63), y) | (odd ? 1ull << 63 : 0);
	} else {
		r = lisp_flo_math(FLO_POW, x, y);
	}
	return lisp_make_flonum(L, r);
complex:
	if (!lisp_cx_to_bits(L, lisp_args(L)[0], cx) || !lisp_cx_to_bits(L, lisp_args(L)[1], cy))
		return OBJ_NULL;
	lisp_flo_cx(CX_POW, cx, cy, cx);
	return lisp_cx_from_bits(L, cx);
}

static obj two_reals(struct lisp *L, const char *who, obj *argv)
{
	for (int i = 0; i < 2; i++)
		if (!real_p(argv[i]))
			return lisp_not_real(L, who, argv[i]);
	return OBJ_TRUE;
}

/* (make-rectangular x 0), an exact 0, is the real x (as in Guile and Chez) */
static obj p_make_rectangular(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (two_reals(L, "make-rectangular", argv) == OBJ_NULL)
		return OBJ_NULL;
	return lisp_make_rect(L, argv[0], argv[1]);
}

obj lisp_make_polar(struct lisp *L, obj m, obj a)
{
	uint64_t mb, ab, v[2];
	bool ok;

	if (a == fx(0) || m == fx(0))	/* the real m; an exact 0 for an exact 0 magnitude */
		return a == fx(0) ? m : fx(0);
	ROOT(a);
	ok = lisp_num_to_flo(L, m, &mb);
	UNROOT(a);
	if (!ok || !lisp_num_to_flo(L, a, &ab))
		return OBJ_NULL;
	v[0] = lisp_flo_arith(FLO_MUL, mb, lisp_flo_math(FLO_COS, ab, 0));
	v[1] = lisp_flo_arith(FLO_MUL, mb, lisp_flo_math(FLO_SIN, ab, 0));
	return lisp_cx_from_bits(L, v);
}

static obj p_make_polar(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (two_reals(L, "make-polar", argv) == OBJ_NULL)
		return OBJ_NULL;
	return lisp_make_polar(L, argv[0], argv[1]);
}

/* (angle x): of a real, pi when x is negative (or -0.0, -inf.0), else 0.0 (inexact, as Guile); of
 * a complex number atan2(imaginary, real) */
static obj p_angle(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];
	uint64_t v[2];
	bool neg;

	(void)argc;
	if (!number_p(x))
		return lisp_not_number(L, "angle", x);
	if (compnum_p(x)) {
		if (!lisp_cx_to_bits(L, x, v))
			return OBJ_NULL;
		lisp_flo_cx(CX_ARG, v, NULL, v);
		return lisp_make_flonum(L, v[0]);
	}
	neg = flonum_p(x) ? flo_bits(x) >> 63 : lisp_num_sign(x) < 0;
	return lisp_make_flonum(L, neg ? 0x400921FB54442D18ull : 0);	/* pi or 0.0 */
}

/* (magnitude z): |x| of a real; of an exact complex number, sqrt(a^2 + b^2) (exact when that is
 * a square: 3+4i gives 5); of an inexact one, on doubles without overflow */
static obj p_magnitude(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];
	uint64_t v[2];

	(void)argc;
	if (!number_p(x))
		return lisp_not_number(L, "magnitude", x);
	if (!compnum_p(x))
		return lisp_num_abs(L, x);
	if (flonum_p(cx_re(x))) {
		if (!lisp_cx_to_bits(L, x, v))
			return OBJ_NULL;
		lisp_flo_cx(CX_ABS, v, NULL, v);
		return lisp_make_flonum(L, v[0]);
	}
	return exact_magnitude(L, x);
}

/* (real-part z), (imag-part z): of a real, itself and exact 0 */
static obj p_real_part(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return number_p(argv[0]) ? cx_re(argv[0]) : lisp_not_number(L, "real-part", argv[0]);
}

static obj p_imag_part(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return number_p(argv[0]) ? cx_im(argv[0]) : lisp_not_number(L, "imag-part", argv[0]);
}

static const struct lisp_prim_def prims[] = {
	{ "exact-integer-sqrt", p_exact_integer_sqrt, 1, 1, 0 },
	{ "sqrt", p_sqrt, 1, 1, 0 },
	{ "floor", p_floor, 1, 1, 0 },
	{ "ceiling", p_ceiling, 1, 1, 0 },
	{ "round", p_round, 1, 1, 0 },
	{ "truncate", p_truncate, 1, 1, 0 },
	{ "numerator", p_numerator, 1, 1, 0 },
	{ "denominator", p_denominator, 1, 1, 0 },
	{ "exp", p_exp, 1, 1, 0 },
	{ "log", p_log, 1, 2, 0 },
	{ "sin", p_sin, 1, 1, 0 },
	{ "cos", p_cos, 1, 1, 0 },
	{ "tan", p_tan, 1, 1, 0 },
	{ "asin", p_asin, 1, 1, 0 },
	{ "acos", p_acos, 1, 1, 0 },
	{ "atan", p_atan, 1, 2, 0 },
	{ "%expt-inexact", p_expt_inexact, 2, 2, 0 },
	{ "make-rectangular", p_make_rectangular, 2, 2, 0 },
	{ "make-polar", p_make_polar, 2, 2, 0 },
	{ "real-part", p_real_part, 1, 1, 0 },
	{ "imag-part", p_imag_part, 1, 1, 0 },
	{ "angle", p_angle, 1, 1, 0 },
	{ "magnitude", p_magnitude, 1, 1, 0 },
};

void lisp_init_numfuncs(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
