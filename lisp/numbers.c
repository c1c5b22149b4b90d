/* numbers.c -- Scheme's numbers: fixnums and bignums (bigint.c), exact rationals (ratnums,
 * OBJ_T_RATNUM: numerator and a denominator > 1 in lowest terms, so eqv? is field equality) and
 * flonums (boxed IEEE doubles; numconv.c converts, flonum.c computes). An operation on a flonum
 * and an exact number converts the exact one (inexact contagion); comparisons between them are
 * exact (the flonum's exact value), so = < > stay transitive. Complex numbers (compnums,
 * OBJ_T_COMPNUM: a real and an imaginary part, both exact or both flonums; an exact one's
 * imaginary part is never 0, so an exact complex with no imaginary part is the real itself)
 * compute exactly on exact parts, on doubles through flonum.c's lisp_flo_cx otherwise.
 * sqrt, rounding and the elementary functions are numfuncs.c's. */
#include "compile.h"

size_t lisp_big_bit_length(obj a);

/* + - * / and comparisons name "number"; the integer division family "integer" */
static obj not_int(struct lisp *L, const char *who, obj x)
{
	bool arith = who[0] == '+' || who[0] == '-' || who[0] == '*' || who[0] == '<' ||
		     who[0] == '>' || who[0] == '=' || who[0] == '/';

	return lisp_type_error(L, who, arith ? "number" : "integer", x);
}

obj lisp_not_number(struct lisp *L, const char *who, obj x)
{
	return lisp_type_error(L, who, "number", x);
}

obj lisp_not_real(struct lisp *L, const char *who, obj x)
{
	return lisp_type_error(L, who, number_p(x) ? "real number" : "number", x);
}

static bool negative_p(obj a)
{
	return obj_fixnum_p(a) ? fxv(a) < 0 : lisp_big_negative_p(a);
}

/* of an integer (exact, or an integral flonum): its sign bit, so -0.0's too */
static bool sign_bit(obj x)
{
	return flonum_p(x) ? flo_bits(x) >> 63 != 0 : negative_p(x);
}

int lisp_num_sign(obj x)
{
	uint64_t b;

	if (obj_fixnum_p(x))
		return fxv(x) < 0 ? -1 : fxv(x) > 0;
	if (bignum_p(x))
		return lisp_big_negative_p(x) ? -1 : 1;
	if (ratnum_p(x))
		return negative_p(rat_num(x)) ? -1 : 1;
	if (compnum_p(x))	/* 0.0+0.0i is zero; any other has no sign */
		return lisp_num_sign(cx_re(x)) == 0 && lisp_num_sign(cx_im(x)) == 0 ? 0 : 3;
	if (!flonum_p(x))
		return -2;
	b = flo_bits(x);
	if (lisp_flo_nan_p(b))
		return 2;
	if ((b << 1) == 0)
		return 0;
	return b >> 63 ? -1 : 1;
}

bool lisp_num_to_flo(struct lisp *L, obj x, uint64_t *b)
{
	if (flonum_p(x))
		*b = flo_bits(x);
	else if (integer_p(x))
		*b = lisp_int_to_flo(x);
	else
		return lisp_ratio_to_flo(L, rat_num(x), rat_den(x), b);
	return true;
}

static obj flo_binop(struct lisp *L, int op, obj a, obj b)
{
	uint64_t x, y;
	bool ok;

	ROOT(b);
	ok = lisp_num_to_flo(L, a, &x);
	UNROOT(b);
	if (!ok || !lisp_num_to_flo(L, b, &y))
		return OBJ_NULL;
	return lisp_make_flonum(L, lisp_flo_arith(op, x, y));
}

obj lisp_make_rect(struct lisp *L, obj re, obj im)
{
	obj z = OBJ_NULL;

	if (im == fx(0))
		return re;
	ROOT(re);
	ROOT(im);
	if (flonum_p(re) != flonum_p(im)) {
		re = lisp_num_inexact(L, re);
		im = re != OBJ_NULL ? lisp_num_inexact(L, im) : OBJ_NULL;
	}
	if (re != OBJ_NULL && im != OBJ_NULL && (z = lisp_alloc(L, OBJ_T_COMPNUM, 2)) != OBJ_NULL) {
		obj_init_field(L, z, 0, re);
		obj_init_field(L, z, 1, im);
	}
	UNROOT(im);
	UNROOT(re);
	return z;
}

bool lisp_cx_to_bits(struct lisp *L, obj x, uint64_t v[2])
{
	bool ok;

	ROOT(x);
	ok = lisp_num_to_flo(L, cx_re(x), &v[0]);
	UNROOT(x);
	return ok && lisp_num_to_flo(L, cx_im(x), &v[1]);
}

obj lisp_cx_from_bits(struct lisp *L, const uint64_t v[2])
{
	obj re = lisp_make_flonum(L, v[0]), im, z;

	if (re == OBJ_NULL)
		return OBJ_NULL;
	ROOT(re);
	im = lisp_make_flonum(L, v[1]);
	z = im != OBJ_NULL ? lisp_make_rect(L, re, im) : OBJ_NULL;
	UNROOT(re);
	return z;
}

/* the complex number f(re) + f(im) i of the complex number x */
static obj cx_map(struct lisp *L, obj x, obj (*f)(struct lisp *, obj))
{
	obj re, z;

	ROOT(x);
	re = f(L, cx_re(x));
	ROOT(re);
	z = re != OBJ_NULL ? f(L, cx_im(x)) : OBJ_NULL;
	z = z != OBJ_NULL ? lisp_make_rect(L, re, z) : OBJ_NULL;
	UNROOT(re);
	UNROOT(x);
	return z;
}

obj lisp_num_negate(struct lisp *L, obj x)
{
	if (flonum_p(x))
		return lisp_make_flonum(L, flo_bits(x) ^ (1ull << 63));
	if (!compnum_p(x))	/* (not 0 - x: arith's 0 - x is this) */
		return integer_p(x) ? lisp_num_sub(L, fx(0), x) : lisp_num_mul(L, fx(-1), x);
	return cx_map(L, x, lisp_num_negate);
}

/* a op b (FLO_ADD .. FLO_DIV) where either is complex: on the exact parts exactly, a / b with
 * the divisor's norm c^2 + d^2; else on doubles (lisp_flo_cx: Smith's division) */
static obj cx_arith(struct lisp *L, int op, obj a, obj b)
{
	obj p[4] = { cx_re(a), cx_im(a), cx_re(b), cx_im(b) }, t[3] = { OBJ_FALSE, OBJ_FALSE, OBJ_FALSE };
	obj r = OBJ_NULL;
	int i;

	if (flonum_p(p[0]) || flonum_p(p[2])) {
		uint64_t x[2], y[2], v[2];
		bool ok, ra = !compnum_p(a), rb = !compnum_p(b);

		ROOT(b);
		ok = lisp_cx_to_bits(L, a, x);
		UNROOT(b);
		if (!ok || !lisp_cx_to_bits(L, b, y))
			return OBJ_NULL;
		/* a real operand acts on the parts alone: no 0 * inf = NaN in a part it has not
		 * (1 times +inf.0+0.0i is +inf.0+0.0i), no sign lost from a -0.0 */
		if (rb && (op == FLO_MUL || op == FLO_DIV)) {
			v[0] = lisp_flo_arith(op, x[0], y[0]);
			v[1] = lisp_flo_arith(op, x[1], y[0]);
		} else if (ra && op == FLO_MUL) {
			v[0] = lisp_flo_arith(op, x[0], y[0]);
			v[1] = lisp_flo_arith(op, x[0], y[1]);
		} else if ((ra || rb) && op != FLO_DIV) {	/* + and - */
			v[0] = lisp_flo_arith(op, x[0], y[0]);
			v[1] = rb ? x[1] : op == FLO_SUB ? y[1] ^ (1ull << 63) : y[1];
		} else {
			lisp_flo_cx(op, x, y, v);	/* CX_ADD .. CX_DIV are FLO_ADD .. FLO_DIV */
		}
		return lisp_cx_from_bits(L, v);
	}
	for (i = 0; i < 4; i++)
		ROOT(p[i]);
	for (i = 0; i < 3; i++)
		ROOT(t[i]);
#define STEP(x, e)	if (((x) = (e)) == OBJ_NULL) goto out
	switch (op) {
	case FLO_ADD: case FLO_SUB:
		STEP(t[0], op == FLO_ADD ? lisp_num_add(L, p[0], p[2]) : lisp_num_sub(L, p[0], p[2]));
		STEP(t[1], op == FLO_ADD ? lisp_num_add(L, p[1], p[3]) : lisp_num_sub(L, p[1], p[3]));
		break;
	case FLO_MUL:	/* (ac - bd) + (ad + bc)i */
		STEP(t[0], lisp_num_mul(L, p[0], p[2]));
		STEP(t[1], lisp_num_mul(L, p[1], p[3]));
		STEP(t[0], lisp_num_sub(L, t[0], t[1]));
		STEP(t[1], lisp_num_mul(L, p[0], p[3]));
		STEP(t[2], lisp_num_mul(L, p[1], p[2]));
		STEP(t[1], lisp_num_add(L, t[1], t[2]));
		break;
	default:	/* ((ac + bd) + (bc - ad)i) / (c^2 + d^2) */
		STEP(t[0], lisp_num_mul(L, p[2], p[2]));
		STEP(t[1], lisp_num_mul(L, p[3], p[3]));
		STEP(t[2], lisp_num_add(L, t[0], t[1]));
		STEP(t[0], lisp_num_mul(L, p[0], p[2]));
		STEP(t[1], lisp_num_mul(L, p[1], p[3]));
		STEP(t[0], lisp_num_add(L, t[0], t[1]));
		STEP(t[0], lisp_num_div(L, t[0], t[2]));
		STEP(t[1], lisp_num_mul(L, p[1], p[2]));
		STEP(p[1], lisp_num_mul(L, p[0], p[3]));
		STEP(t[1], lisp_num_sub(L, t[1], p[1]));
		STEP(t[1], lisp_num_div(L, t[1], t[2]));
		break;
	}
#undef STEP
	r = lisp_make_rect(L, t[0], t[1]);
out:
	for (i = 2; i >= 0; i--)
		UNROOT(t[i]);
	for (i = 3; i >= 0; i--)
		UNROOT(p[i]);
	return r;
}

obj lisp_make_ratio(struct lisp *L, obj n, obj d)
{
	obj g, r;

	if (d == fx(1))
		return n;
	if (negative_p(d)) {
		ROOT(d);
		n = lisp_num_sub(L, fx(0), n);
		UNROOT(d);
		if (n == OBJ_NULL)
			return OBJ_NULL;
		ROOT(n);
		d = lisp_num_sub(L, fx(0), d);
		UNROOT(n);
		if (d == OBJ_NULL)
			return OBJ_NULL;
	}
	ROOT(n);
	ROOT(d);
	g = lisp_big_gcd(L, n, d);
	if (g != OBJ_NULL && g != fx(1)) {
		ROOT(g);
		n = lisp_num_divide(L, "/", n, g, 0, 0);
		d = n != OBJ_NULL ? lisp_num_divide(L, "/", d, g, 0, 0) : OBJ_NULL;
		UNROOT(g);
	}
	r = OBJ_NULL;
	if (g != OBJ_NULL && n != OBJ_NULL && d != OBJ_NULL) {
		if (d == fx(1)) {
			r = n;
		} else if ((r = lisp_alloc(L, OBJ_T_RATNUM, 2)) != OBJ_NULL) {
			obj_init_field(L, r, 0, n);
			obj_init_field(L, r, 1, d);
		}
	}
	UNROOT(d);
	UNROOT(n);
	return r;
}

/* a/b + c/d (op 0), - (1), * (2), / (3) on exact rationals (for / c is not zero) */
static obj rat_op(struct lisp *L, int op, obj a, obj b)
{
	obj t1 = OBJ_FALSE, t2 = OBJ_FALSE, r = OBJ_NULL;

	ROOT(a);
	ROOT(b);
	ROOT(t1);
	ROOT(t2);
	switch (op) {
	case 0: case 1:	/* (an bd +- bn ad) / (ad bd) */
		if ((t1 = lisp_num_mul(L, rat_num(a), rat_den(b))) == OBJ_NULL ||
		    (t2 = lisp_num_mul(L, rat_num(b), rat_den(a))) == OBJ_NULL ||
		    (t1 = op ? lisp_num_sub(L, t1, t2) : lisp_num_add(L, t1, t2)) == OBJ_NULL ||
		    (t2 = lisp_num_mul(L, rat_den(a), rat_den(b))) == OBJ_NULL)
			goto out;
		break;
	case 2:
		if ((t1 = lisp_num_mul(L, rat_num(a), rat_num(b))) == OBJ_NULL ||
		    (t2 = lisp_num_mul(L, rat_den(a), rat_den(b))) == OBJ_NULL)
			goto out;
		break;
	default:
		if ((t1 = lisp_num_mul(L, rat_num(a), rat_den(b))) == OBJ_NULL ||
		    (t2 = lisp_num_mul(L, rat_den(a), rat_num(b))) == OBJ_NULL)
			goto out;
		break;
	}
	r = lisp_make_ratio(L, t1, t2);
out:
	UNROOT(t2);
	UNROOT(t1);
	UNROOT(b);
	UNROOT(a);
	return r;
}

static obj arith(struct lisp *L, const char *who, int op, obj a, obj b)
{
	if (!number_p(a))
		return lisp_not_number(L, who, a);
	if (!number_p(b))
		return lisp_not_number(L, who, b);
	/* an exact 0 is exact: 0 + x is x and 0 - x is -x, -0.0 and all (the compiler's (- x)) */
	if (op == FLO_ADD && (a == fx(0) || b == fx(0)))
		return a == fx(0) ? b : a;
	if (op == FLO_SUB && (a == fx(0) || b == fx(0)))
		return a == fx(0) ? lisp_num_negate(L, b) : a;
	if (compnum_p(a) || compnum_p(b))
		return cx_arith(L, op, a, b);
	if (flonum_p(a) || flonum_p(b))
		return flo_binop(L, op, a, b);
	return rat_op(L, op, a, b);
}

obj lisp_num_add(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return lisp_int64(L, (int64_t)fxv(a) + fxv(b));
	if (integer_p(a) && integer_p(b))
		return lisp_big_add(L, a, b, false);
	return arith(L, "+", FLO_ADD, a, b);
}

obj lisp_num_sub(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return lisp_int64(L, (int64_t)fxv(a) - fxv(b));
	if (integer_p(a) && integer_p(b))
		return lisp_big_add(L, a, b, true);
	return arith(L, "-", FLO_SUB, a, b);
}

obj lisp_num_mul(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return lisp_int64(L, (int64_t)fxv(a) * fxv(b));
	if (integer_p(a) && integer_p(b))
		return lisp_big_mul(L, a, b);
	return arith(L, "*", FLO_MUL, a, b);
}

obj lisp_num_div(struct lisp *L, obj a, obj b)
{
	if (!number_p(a))
		return lisp_not_number(L, "/", a);
	if (!number_p(b))
		return lisp_not_number(L, "/", b);
	if (b == fx(0))
		return lisp_errorf(L, OBJ_NULL, "/: division by zero");
	if (compnum_p(a) || compnum_p(b))
		return cx_arith(L, FLO_DIV, a, b);
	if (flonum_p(a) || flonum_p(b))
		return flo_binop(L, FLO_DIV, a, b);
	if (obj_fixnum_p(a) && obj_fixnum_p(b) && fxv(b) != -1 && fxv(a) % fxv(b) == 0)
		return fx(fxv(a) / fxv(b));
	if (integer_p(a) && integer_p(b))
		return lisp_make_ratio(L, a, b);
	return rat_op(L, 3, a, b);
}

/* exact rationals: -1, 0, 1 (-2 if the heap is full) */
static int exact_cmp(struct lisp *L, obj a, obj b)
{
	obj t1, t2;
	int c;

	if (integer_p(a) && integer_p(b))
		return lisp_big_cmp(a, b);
	ROOT(a);
	ROOT(b);
	t1 = lisp_num_mul(L, rat_num(a), rat_den(b));
	ROOT(t1);
	t2 = t1 != OBJ_NULL ? lisp_num_mul(L, rat_num(b), rat_den(a)) : OBJ_NULL;
	c = t2 == OBJ_NULL ? -2 : lisp_big_cmp(t1, t2);
	UNROOT(t1);
	UNROOT(b);
	UNROOT(a);
	return c;
}

/* exact x against the flonum f, exactly */
static int mixed_cmp(struct lisp *L, obj x, uint64_t f)
{
	obj e;

	if (lisp_flo_nan_p(f))
		return 2;
	if (!lisp_flo_finite_p(f))
		return f >> 63 ? 1 : -1;
	if (obj_fixnum_p(x) && fxv(x) < ((intptr_t)1 << 30) && fxv(x) > -((intptr_t)1 << 30))
		return lisp_flo_cmp(lisp_int_to_flo(x), f);	/* both exact as doubles */
	ROOT(x);
	e = lisp_flo_to_exact(L, f);
	UNROOT(x);
	return e == OBJ_NULL ? -2 : exact_cmp(L, x, e);
}

/* = of a complex number and a number: 0 when both parts are =, else 1 (2 for a NaN) */
static int cx_equal(struct lisp *L, obj a, obj b)
{
	int c;

	ROOT(a);
	ROOT(b);
	c = lisp_num_cmp(L, "=", cx_re(a), cx_re(b));
	UNROOT(b);
	UNROOT(a);
	if (c == 0)
		c = lisp_num_cmp(L, "=", cx_im(a), cx_im(b));
	return c == -2 || c == 2 ? c : c != 0;
}

int lisp_num_cmp(struct lisp *L, const char *who, obj a, obj b)
{
	int c;

	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return fxv(a) < fxv(b) ? -1 : fxv(a) > fxv(b);
	if (integer_p(a) && integer_p(b))
		return lisp_big_cmp(a, b);
	if (!number_p(a) || !number_p(b)) {
		lisp_not_number(L, who, number_p(a) ? b : a);
		return -2;
	}
	if ((compnum_p(a) || compnum_p(b)) && !strcmp(who, "="))
		return cx_equal(L, a, b);
	if (!real_p(a)) {
		lisp_not_real(L, who, a);
		return -2;
	}
	if (!real_p(b)) {
		lisp_not_real(L, who, b);
		return -2;
	}
	if (flonum_p(a) && flonum_p(b))
		return lisp_flo_cmp(flo_bits(a), flo_bits(b));
	if (flonum_p(b))
		return mixed_cmp(L, a, flo_bits(b));
	if (flonum_p(a)) {
		c = mixed_cmp(L, b, flo_bits(a));
		return c == -2 || c == 2 ? c : -c;
	}
	return exact_cmp(L, a, b);
}

bool lisp_num_eqv(obj a, obj b)
{
	if (a == b)
		return true;
	if (bignum_p(a) && bignum_p(b))
		return lisp_big_cmp(a, b) == 0;
	if (flonum_p(a) && flonum_p(b))
		return flo_bits(a) == flo_bits(b);
	if (compnum_p(a) && compnum_p(b))
		return lisp_num_eqv(cx_re(a), cx_re(b)) && lisp_num_eqv(cx_im(a), cx_im(b));
	return ratnum_p(a) && ratnum_p(b) && lisp_num_eqv(rat_num(a), rat_num(b)) &&
	       lisp_num_eqv(rat_den(a), rat_den(b));
}

/* x's exact integer value if x is an integer (an integral flonum too); OBJ_FALSE if not */
static obj exact_integer_of(struct lisp *L, obj x)
{
	uint64_t b;

	if (integer_p(x))
		return x;
	if (!flonum_p(x))
		return OBJ_FALSE;
	b = flo_bits(x);
	if (!lisp_flo_finite_p(b) || lisp_flo_round(b, FLO_TRUNC) != b)
		return OBJ_FALSE;
	return lisp_flo_to_exact(L, b);
}

obj lisp_num_inexact(struct lisp *L, obj x)
{
	uint64_t b;

	if (x == OBJ_NULL || flonum_p(x) || (compnum_p(x) && flonum_p(cx_re(x))))
		return x;
	if (compnum_p(x)) {
		uint64_t v[2];

		return lisp_cx_to_bits(L, x, v) ? lisp_cx_from_bits(L, v) : OBJ_NULL;
	}
	return lisp_num_to_flo(L, x, &b) ? lisp_make_flonum(L, b) : OBJ_NULL;
}

obj lisp_num_divide(struct lisp *L, const char *who, obj a, obj b, int kind, int want)
{
	obj q = OBJ_FALSE, r = OBJ_FALSE;

	if (!integer_p(a) || !integer_p(b)) {
		obj x, y, v;

		ROOT(b);
		x = exact_integer_of(L, a);
		ROOT(x);
		y = x != OBJ_NULL && x != OBJ_FALSE ? exact_integer_of(L, b) : OBJ_NULL;
		UNROOT(x);
		UNROOT(b);
		if (x == OBJ_FALSE)
			return not_int(L, who, a);
		if (y == OBJ_FALSE)
			return not_int(L, who, b);
		if (x == OBJ_NULL || y == OBJ_NULL)
			return OBJ_NULL;
		v = lisp_num_divide(L, who, x, y, kind, want);
		/* a zero quotient has the sign of a / b, as IEEE's: (quotient 0 -2.0) is -0.0 (a
		 * zero remainder is 0.0, as Guile's) */
		if (v == fx(0) && !want && sign_bit(a) != sign_bit(b))
			return lisp_make_flonum(L, (uint64_t)1 << 63);
		return lisp_num_inexact(L, v);
	}
	if (b == fx(0))
		return lisp_errorf(L, OBJ_NULL, "%s: division by zero", who);
	if (obj_fixnum_p(a) && obj_fixnum_p(b)) {
		intptr_t x = fxv(a), y = fxv(b), qq = x / y, rr = x % y;

		if (kind == 1 && rr != 0 && ((rr < 0) != (y < 0))) {
			rr += y;
			qq -= 1;
		}
		return want ? fx(rr) : lisp_int64(L, qq);
	}
	ROOT(b);
	if (!lisp_big_divmod(L, a, b, &q, &r)) {
		UNROOT(b);
		return OBJ_NULL;
	}
	/* floor: the one of r + b and q - 1 that is wanted (each may collect: the other, unrooted,
	 * would be stale) */
	if (kind == 1 && r != fx(0) && negative_p(r) != negative_p(b)) {
		if (want)
			r = lisp_num_add(L, r, b);
		else
			q = lisp_num_sub(L, q, fx(1));
		if ((want ? r : q) == OBJ_NULL) {
			UNROOT(b);
			return OBJ_NULL;
		}
	}
	UNROOT(b);
	return want ? r : q;
}

/* re+imi: re left out when it is an exact 0, an imaginary part of exact 1 or -1 written + or -
 * (R7RS's +i, 1-i) */
static obj cx_to_string(struct lisp *L, obj n, unsigned radix)
{
	obj a = OBJ_FALSE, b = OBJ_FALSE, s = OBJ_NULL;
	size_t la = 0, lb = 0;
	bool sign;

	ROOT(n);
	ROOT(a);
	ROOT(b);
	if (cx_re(n) != fx(0) && (a = lisp_number_to_string(L, cx_re(n), radix)) == OBJ_NULL)
		goto out;
	if (cx_im(n) == fx(1) || cx_im(n) == fx(-1))
		b = lisp_make_string(L, cx_im(n) == fx(1) ? "+" : "-", 1);
	else
		b = lisp_number_to_string(L, cx_im(n), radix);
	if (b == OBJ_NULL)
		goto out;
	la = a == OBJ_FALSE ? 0 : obj_bytes_length(a);
	lb = obj_bytes_length(b);
	sign = obj_bytes_data(b)[0] == '+' || obj_bytes_data(b)[0] == '-';
	s = lisp_make_bytes(L, OBJ_T_STRING, NULL, la + !sign + lb + 1);
	if (s != OBJ_NULL) {
		uint8_t *d = obj_bytes_data(s);

		if (la)
			memcpy(d, obj_bytes_data(a), la);
		if (!sign)
			d[la] = '+';
		memcpy(d + la + !sign, obj_bytes_data(b), lb);
		d[la + !sign + lb] = 'i';
	}
out:
	UNROOT(b);
	UNROOT(a);
	UNROOT(n);
	return s;
}

obj lisp_number_to_string(struct lisp *L, obj n, unsigned radix)
{
	char buf[80];
	size_t i = sizeof(buf);
	intptr_t v;
	bool neg;

	if (flonum_p(n))
		return lisp_flo_to_string(L, flo_bits(n), radix);
	if (compnum_p(n))
		return cx_to_string(L, n, radix);
	if (ratnum_p(n)) {
		obj a, b, s;
		size_t la, lb;

		ROOT(n);
		a = lisp_number_to_string(L, rat_num(n), radix);
		ROOT(a);
		b = a != OBJ_NULL ? lisp_number_to_string(L, rat_den(n), radix) : OBJ_NULL;
		ROOT(b);
		s = OBJ_NULL;
		if (b != OBJ_NULL) {
			la = obj_bytes_length(a);
			lb = obj_bytes_length(b);
			s = lisp_make_bytes(L, OBJ_T_STRING, NULL, la + 1 + lb);
			if (s != OBJ_NULL) {
				memcpy(obj_bytes_data(s), obj_bytes_data(a), la);
				obj_bytes_data(s)[la] = '/';
				memcpy(obj_bytes_data(s) + la + 1, obj_bytes_data(b), lb);
			}
		}
		UNROOT(b);
		UNROOT(a);
		UNROOT(n);
		return s;
	}
	if (bignum_p(n))
		return lisp_big_to_string(L, n, radix);
	v = fxv(n);
	neg = v < 0;
	do {
		int d = (int)(neg ? -(v % (intptr_t)radix) : v % (intptr_t)radix);

		buf[--i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= (intptr_t)radix;
	} while (v != 0);
	if (neg)
		buf[--i] = '-';
	return lisp_make_string(L, buf + i, sizeof(buf) - i);
}

/* --- primitives --- */

static obj p_add(struct lisp *L, int argc, obj *argv)
{
	obj acc = fx(0);

	for (int i = 0; i < argc; i++) {
		acc = lisp_num_add(L, acc, lisp_args(L)[i]);
		if (acc == OBJ_NULL)
			return OBJ_NULL;
	}
	(void)argv;
	return acc;
}

static obj p_mul(struct lisp *L, int argc, obj *argv)
{
	obj acc = fx(1);

	for (int i = 0; i < argc; i++) {
		acc = lisp_num_mul(L, acc, lisp_args(L)[i]);
		if (acc == OBJ_NULL)
			return OBJ_NULL;
	}
	(void)argv;
	return acc;
}

static obj p_sub(struct lisp *L, int argc, obj *argv)
{
	obj acc = argv[0];

	if (argc == 1)
		return number_p(acc) ? lisp_num_negate(L, acc) : lisp_not_number(L, "-", acc);
	for (int i = 1; i < argc; i++) {
		acc = lisp_num_sub(L, acc, lisp_args(L)[i]);
		if (acc == OBJ_NULL)
			return OBJ_NULL;
	}
	return acc;
}

static obj p_div(struct lisp *L, int argc, obj *argv)
{
	obj acc = argc == 1 ? fx(1) : argv[0];

	for (int i = argc == 1 ? 0 : 1; i < argc; i++) {
		acc = lisp_num_div(L, acc, lisp_args(L)[i]);
		if (acc == OBJ_NULL)
			return OBJ_NULL;
	}
	return acc;
}

static obj compare(struct lisp *L, int argc, obj *argv, const char *who, int op)
{
	bool result = true;

	if (argc == 1) {
		if (op == 0 ? number_p(argv[0]) : real_p(argv[0]))
			return OBJ_TRUE;
		return lisp_not_real(L, who, argv[0]);
	}
	for (int i = 0; i + 1 < argc; i++) {
		int c = lisp_num_cmp(L, who, lisp_args(L)[i], lisp_args(L)[i + 1]);

		if (c == -2)
			return OBJ_NULL;
		if (c == 2) {	/* a NaN: every comparison is false */
			result = false;
			continue;
		}
		switch (op) {
		case 0: result &= c == 0; break;
		case 1: result &= c < 0; break;
		case 2: result &= c > 0; break;
		case 3: result &= c <= 0; break;
		case 4: result &= c >= 0; break;
		}
	}
	return obj_bool(result);
}

static obj p_numeq(struct lisp *L, int argc, obj *argv) { return compare(L, argc, argv, "=", 0); }
static obj p_lt(struct lisp *L, int argc, obj *argv) { return compare(L, argc, argv, "<", 1); }
static obj p_gt(struct lisp *L, int argc, obj *argv) { return compare(L, argc, argv, ">", 2); }
static obj p_le(struct lisp *L, int argc, obj *argv) { return compare(L, argc, argv, "<=", 3); }
static obj p_ge(struct lisp *L, int argc, obj *argv) { return compare(L, argc, argv, ">=", 4); }

static obj p_quotient(struct lisp *L, int argc, obj *argv) { (void)argc; return lisp_num_divide(L, "quotient", argv[0], argv[1], 0, 0); }
static obj p_remainder(struct lisp *L, int argc, obj *argv) { (void)argc; return lisp_num_divide(L, "remainder", argv[0], argv[1], 0, 1); }
static obj p_modulo(struct lisp *L, int argc, obj *argv) { (void)argc; return lisp_num_divide(L, "modulo", argv[0], argv[1], 1, 1); }
static obj p_floor_quotient(struct lisp *L, int argc, obj *argv) { (void)argc; return lisp_num_divide(L, "floor-quotient", argv[0], argv[1], 1, 0); }

/* (floor/ a b), (truncate/ a b): both values, an error naming the procedure called */
static obj div_values(struct lisp *L, const char *who, obj *argv, int kind)
{
	obj q = lisp_num_divide(L, who, argv[0], argv[1], kind, 0), r, v;

	if (q == OBJ_NULL)
		return OBJ_NULL;
	ROOT(q);
	argv = lisp_args(L);
	r = lisp_num_divide(L, who, argv[0], argv[1], kind, 1);
	v = r != OBJ_NULL ? lisp_list2(L, q, r) : OBJ_NULL;
	UNROOT(q);
	return v != OBJ_NULL ? lisp_make_values(L, v) : OBJ_NULL;
}

static obj p_floor_div(struct lisp *L, int argc, obj *argv) { (void)argc; return div_values(L, "floor/", argv, 1); }
static obj p_truncate_div(struct lisp *L, int argc, obj *argv) { (void)argc; return div_values(L, "truncate/", argv, 0); }

static obj p_number_p(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; return obj_bool(number_p(argv[0])); }
static obj p_exact_integer_p(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; return obj_bool(integer_p(argv[0])); }
static obj p_exact_rational_p(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; return obj_bool(exact_p(argv[0])); }

static obj p_integer_p(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];
	uint64_t b;

	(void)L;
	(void)argc;
	if (!flonum_p(x))
		return obj_bool(integer_p(x));
	b = flo_bits(x);
	return obj_bool(lisp_flo_finite_p(b) && lisp_flo_round(b, FLO_TRUNC) == b);
}

static obj p_real_p(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; return obj_bool(real_p(argv[0])); }

static obj p_rational_p(struct lisp *L, int argc, obj *argv)
{
	(void)L;
	(void)argc;
	return obj_bool(exact_p(argv[0]) || (flonum_p(argv[0]) && lisp_flo_finite_p(flo_bits(argv[0]))));
}

/* which: 0 nan?, 1 finite?, 2 infinite?; of a complex number: either part NaN, both parts
 * finite, either part infinite */
static obj flo_class(struct lisp *L, obj x, const char *who, int which)
{
	uint64_t b;

	if (!number_p(x))
		return lisp_not_number(L, who, x);
	if (compnum_p(x)) {
		obj r = flo_class(L, cx_re(x), who, which), i = flo_class(L, cx_im(x), who, which);

		return obj_bool(which == 1 ? r == OBJ_TRUE && i == OBJ_TRUE : r == OBJ_TRUE || i == OBJ_TRUE);
	}
	if (!flonum_p(x))
		return obj_bool(which == 1);
	b = flo_bits(x);
	switch (which) {
	case 0: return obj_bool(lisp_flo_nan_p(b));
	case 1: return obj_bool(lisp_flo_finite_p(b));
	default: return obj_bool(!lisp_flo_finite_p(b) && !lisp_flo_nan_p(b));
	}
}

static obj p_nan_p(struct lisp *L, int argc, obj *argv) { (void)argc; return flo_class(L, argv[0], "nan?", 0); }
static obj p_finite_p(struct lisp *L, int argc, obj *argv) { (void)argc; return flo_class(L, argv[0], "finite?", 1); }
static obj p_infinite_p(struct lisp *L, int argc, obj *argv) { (void)argc; return flo_class(L, argv[0], "infinite?", 2); }

static obj p_exact_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!number_p(argv[0]))
		return lisp_not_number(L, "exact?", argv[0]);
	return obj_bool(exact_p(cx_re(argv[0])));
}

static obj p_inexact_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!number_p(argv[0]))
		return lisp_not_number(L, "inexact?", argv[0]);
	return obj_bool(flonum_p(cx_re(argv[0])));
}

obj lisp_num_exact(struct lisp *L, obj x)
{
	if (compnum_p(x))
		return cx_map(L, x, lisp_num_exact);
	if (!flonum_p(x))
		return x;
	if (!lisp_flo_finite_p(flo_bits(x)))
		return lisp_errorf(L, x, "exact: no exact number for");
	return lisp_flo_to_exact(L, flo_bits(x));
}

static obj p_exact(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];

	(void)argc;
	if (!number_p(x))
		return lisp_not_number(L, "exact", x);
	return lisp_num_exact(L, x);
}

static obj p_inexact(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!number_p(argv[0]))
		return lisp_not_number(L, "inexact", argv[0]);
	return lisp_num_inexact(L, argv[0]);
}

static obj sign_test(struct lisp *L, obj x, const char *who, int want)
{
	int s = lisp_num_sign(x);

	if (s == -2 || (want != 0 && compnum_p(x)))
		return lisp_not_real(L, who, x);
	return obj_bool(s == want);
}

static obj p_zero_p(struct lisp *L, int argc, obj *argv) { (void)argc; return sign_test(L, argv[0], "zero?", 0); }
static obj p_positive_p(struct lisp *L, int argc, obj *argv) { (void)argc; return sign_test(L, argv[0], "positive?", 1); }
static obj p_negative_p(struct lisp *L, int argc, obj *argv) { (void)argc; return sign_test(L, argv[0], "negative?", -1); }

static obj p_odd_p(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];

	(void)argc;
	if (obj_fixnum_p(x))
		return obj_bool(fxv(x) & 1);
	if (!bignum_p(x)) {
		obj r = lisp_num_divide(L, "odd?", x, fx(2), 0, 1);

		return r == OBJ_NULL ? r : obj_bool(lisp_num_sign(r) != 0);
	}
	return obj_bool(lisp_big_odd_p(x));
}

static obj p_even_p(struct lisp *L, int argc, obj *argv)
{
	obj r = p_odd_p(L, argc, argv);

	return r == OBJ_NULL ? r : obj_bool(r == OBJ_FALSE);
}

obj lisp_num_abs(struct lisp *L, obj x)
{
	if (flonum_p(x))
		return flo_bits(x) >> 63 ? lisp_make_flonum(L, flo_bits(x) & ~(1ull << 63)) : x;
	return lisp_num_sign(x) < 0 ? lisp_num_negate(L, x) : x;
}

static obj p_abs(struct lisp *L, int argc, obj *argv)
{
	int s = lisp_num_sign(argv[0]);

	(void)argc;
	if (s == -2 || s == 3)
		return lisp_not_real(L, "abs", argv[0]);
	return lisp_num_abs(L, argv[0]);
}

/* R7RS: inexact if any argument is; a NaN wins. The best so far by its index: a comparison
 * may allocate and move the arguments. */
static obj minmax(struct lisp *L, int argc, obj *argv, const char *who, int want)
{
	bool inexact = false;
	int best = 0;

	(void)argv;
	for (int i = 0; i < argc; i++) {
		obj x = lisp_args(L)[i];

		if (!real_p(x))
			return lisp_not_real(L, who, x);
		inexact |= flonum_p(x);
	}
	for (int i = 1; i < argc; i++) {
		int c = lisp_num_cmp(L, who, lisp_args(L)[i], lisp_args(L)[best]);

		if (c == -2)
			return OBJ_NULL;
		if (c == want || (c == 2 && lisp_num_sign(lisp_args(L)[i]) == 2))
			best = i;
		if (lisp_num_sign(lisp_args(L)[best]) == 2)
			break;
	}
	return inexact ? lisp_num_inexact(L, lisp_args(L)[best]) : lisp_args(L)[best];
}

static obj p_min(struct lisp *L, int argc, obj *argv) { return minmax(L, argc, argv, "min", -1); }
static obj p_max(struct lisp *L, int argc, obj *argv) { return minmax(L, argc, argv, "max", 1); }

static obj gcd2(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b)) {
		intptr_t x = fxv(a) < 0 ? -fxv(a) : fxv(a), y = fxv(b) < 0 ? -fxv(b) : fxv(b);

		while (y) {
			intptr_t t = x % y;

			x = y;
			y = t;
		}
		return lisp_int64(L, x);
	}
	return lisp_big_gcd(L, a, b);
}

/* argument i of gcd or lcm as an exact integer; *inexact set for an integral flonum */
static obj int_arg(struct lisp *L, const char *who, int i, bool *inexact)
{
	obj x = lisp_args(L)[i], v = exact_integer_of(L, x);

	if (v == OBJ_FALSE)
		return not_int(L, who, lisp_args(L)[i]);
	*inexact |= flonum_p(lisp_args(L)[i]);
	return v;
}

static obj p_gcd(struct lisp *L, int argc, obj *argv)
{
	obj acc = fx(0);
	bool inexact = false;

	(void)argv;
	for (int i = 0; i < argc; i++) {
		obj x;

		ROOT(acc);
		x = int_arg(L, "gcd", i, &inexact);
		UNROOT(acc);
		if (x == OBJ_NULL || (acc = gcd2(L, acc, x)) == OBJ_NULL)
			return OBJ_NULL;
	}
	return inexact ? lisp_num_inexact(L, acc) : acc;
}

static obj p_lcm(struct lisp *L, int argc, obj *argv)
{
	obj acc = fx(1);
	bool inexact = false;

	(void)argv;
	for (int i = 0; i < argc; i++) {
		obj x, g, p;

		ROOT(acc);
		x = int_arg(L, "lcm", i, &inexact);
		UNROOT(acc);
		if (x == OBJ_NULL)
			return OBJ_NULL;
		if (x == fx(0))
			return inexact || flonum_p(lisp_args(L)[argc - 1]) ? lisp_num_inexact(L, fx(0)) : fx(0);
		ROOT(acc);
		ROOT(x);
		g = gcd2(L, acc, x);
		ROOT(g);
		p = g ? lisp_num_mul(L, acc, x) : OBJ_NULL;
		UNROOT(g);
		UNROOT(x);
		UNROOT(acc);
		if (p == OBJ_NULL || (acc = lisp_num_divide(L, "lcm", p, g, 0, 0)) == OBJ_NULL)
			return OBJ_NULL;
		if (negative_p(acc) && (acc = lisp_num_sub(L, fx(0), acc)) == OBJ_NULL)
			return OBJ_NULL;
	}
	return inexact ? lisp_num_inexact(L, acc) : acc;
}

static bool radix_ok(obj r, unsigned *out)
{
	if (!obj_fixnum_p(r) || fxv(r) < 2 || fxv(r) > 36)
		return false;
	*out = (unsigned)fxv(r);
	return true;
}

static obj p_number_to_string(struct lisp *L, int argc, obj *argv)
{
	unsigned radix = 10;

	if (!number_p(argv[0]))
		return lisp_type_error(L, "number->string", "number", argv[0]);
	if (argc > 1 && !radix_ok(argv[1], &radix))
		return lisp_type_error(L, "number->string", "radix between 2 and 36", argv[1]);
	return lisp_number_to_string(L, argv[0], radix);
}

static obj p_string_to_number(struct lisp *L, int argc, obj *argv)
{
	unsigned radix = 10;

	if (!string_p(argv[0]))
		return lisp_type_error(L, "string->number", "string", argv[0]);
	if (argc > 1 && !radix_ok(argv[1], &radix))
		return lisp_type_error(L, "string->number", "radix between 2 and 36", argv[1]);
	return lisp_parse_number(L, argv[0], 0, obj_bytes_length(argv[0]), radix);
}

static obj p_bit_length(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];

	(void)argc;
	if (obj_fixnum_p(x)) {
		intptr_t v = fxv(x) < 0 ? ~fxv(x) : fxv(x);
		intptr_t n = 0;

		while (v) {
			n++;
			v >>= 1;
		}
		return fx(n);
	}
	if (!bignum_p(x))
		return not_int(L, "integer-length", x);
	return fx((intptr_t)lisp_big_bit_length(x));
}

static const struct lisp_prim_def prims[] = {
	{ "+", p_add, 0, -1, PRIM_INLINE(OP_ADD, 2) },
	{ "-", p_sub, 1, -1, PRIM_INLINE(OP_SUB, 2) },
	{ "*", p_mul, 0, -1, PRIM_INLINE(OP_MUL, 2) },
	{ "/", p_div, 1, -1, 0 },
	{ "=", p_numeq, 1, -1, PRIM_INLINE(OP_NUMEQ, 2) },
	{ "<", p_lt, 1, -1, PRIM_INLINE(OP_LT, 2) },
	{ ">", p_gt, 1, -1, PRIM_INLINE(OP_GT, 2) },
	{ "<=", p_le, 1, -1, PRIM_INLINE(OP_LE, 2) },
	{ ">=", p_ge, 1, -1, PRIM_INLINE(OP_GE, 2) },
	{ "quotient", p_quotient, 2, 2, PRIM_INLINE(OP_QUO, 2) },
	{ "remainder", p_remainder, 2, 2, PRIM_INLINE(OP_REM, 2) },
	{ "modulo", p_modulo, 2, 2, 0 },
	{ "truncate-quotient", p_quotient, 2, 2, 0 },
	{ "truncate-remainder", p_remainder, 2, 2, 0 },
	{ "floor-quotient", p_floor_quotient, 2, 2, 0 },
	{ "floor/", p_floor_div, 2, 2, 0 }, { "truncate/", p_truncate_div, 2, 2, 0 },
	{ "floor-remainder", p_modulo, 2, 2, 0 },
	{ "number?", p_number_p, 1, 1, PRIM_PURE },
	{ "complex?", p_number_p, 1, 1, PRIM_PURE },
	{ "real?", p_real_p, 1, 1, PRIM_PURE },
	{ "rational?", p_rational_p, 1, 1, PRIM_PURE },
	{ "integer?", p_integer_p, 1, 1, PRIM_PURE },
	{ "exact-integer?", p_exact_integer_p, 1, 1, PRIM_PURE },
	{ "exact-rational?", p_exact_rational_p, 1, 1, PRIM_PURE },
	{ "nan?", p_nan_p, 1, 1, 0 },
	{ "finite?", p_finite_p, 1, 1, 0 },
	{ "infinite?", p_infinite_p, 1, 1, 0 },
	{ "exact?", p_exact_p, 1, 1, PRIM_NOALLOC },
	{ "inexact?", p_inexact_p, 1, 1, PRIM_NOALLOC },
	{ "exact", p_exact, 1, 1, 0 },
	{ "inexact->exact", p_exact, 1, 1, 0 },
	{ "inexact", p_inexact, 1, 1, 0 },
	{ "exact->inexact", p_inexact, 1, 1, 0 },
	{ "zero?", p_zero_p, 1, 1, PRIM_INLINE(OP_ZEROP, 1) },
	{ "positive?", p_positive_p, 1, 1, 0 },
	{ "negative?", p_negative_p, 1, 1, 0 },
	{ "odd?", p_odd_p, 1, 1, 0 },
	{ "even?", p_even_p, 1, 1, 0 },
	{ "abs", p_abs, 1, 1, 0 },
	{ "min", p_min, 1, -1, 0 },
	{ "max", p_max, 1, -1, 0 },
	{ "gcd", p_gcd, 0, -1, 0 },
	{ "lcm", p_lcm, 0, -1, 0 },
	{ "number->string", p_number_to_string, 1, 2, 0 },
	{ "string->number", p_string_to_number, 1, 2, 0 },
	{ "integer-length", p_bit_length, 1, 1, 0 },
};

void lisp_init_numbers(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
	lisp_init_numfuncs(L);
}
