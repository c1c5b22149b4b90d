/* numbers.c -- exact integer arithmetic for Scheme: fixnum fast paths, bignum fallbacks
 * (bigint.c), comparison, parsing and printing in radix 2..36, and the numeric primitives.
 * Inexact numbers and rationals are not supported: operations that would produce one raise an
 * error saying so. */
#include "compile.h"

size_t lisp_big_bit_length(obj a);

/* + - * and comparisons name "number" (all our numbers are exact integers); the integer
 * division family names "integer" */
static obj not_int(struct lisp *L, const char *who, obj x)
{
	bool arith = who[0] == '+' || who[0] == '-' || who[0] == '*' || who[0] == '<' ||
		     who[0] == '>' || who[0] == '=' || who[0] == '/';

	return lisp_type_error(L, who, arith ? "number" : "integer", x);
}

obj lisp_num_add(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return lisp_int64(L, (int64_t)fxv(a) + fxv(b));
	if (!integer_p(a))
		return not_int(L, "+", a);
	if (!integer_p(b))
		return not_int(L, "+", b);
	return lisp_big_add(L, a, b, false);
}

obj lisp_num_sub(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return lisp_int64(L, (int64_t)fxv(a) - fxv(b));
	if (!integer_p(a))
		return not_int(L, "-", a);
	if (!integer_p(b))
		return not_int(L, "-", b);
	return lisp_big_add(L, a, b, true);
}

obj lisp_num_mul(struct lisp *L, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return lisp_int64(L, (int64_t)fxv(a) * fxv(b));
	if (!integer_p(a))
		return not_int(L, "*", a);
	if (!integer_p(b))
		return not_int(L, "*", b);
	return lisp_big_mul(L, a, b);
}

int lisp_num_cmp(struct lisp *L, const char *who, obj a, obj b)
{
	if (obj_fixnum_p(a) && obj_fixnum_p(b))
		return fxv(a) < fxv(b) ? -1 : fxv(a) > fxv(b);
	if (!integer_p(a)) {
		not_int(L, who, a);
		return -2;
	}
	if (!integer_p(b)) {
		not_int(L, who, b);
		return -2;
	}
	return lisp_big_cmp(a, b);
}

bool lisp_num_eqv(obj a, obj b)
{
	if (a == b)
		return true;
	return bignum_p(a) && bignum_p(b) && lisp_big_cmp(a, b) == 0;
}

static bool negative_p(obj a)
{
	return obj_fixnum_p(a) ? fxv(a) < 0 : lisp_big_negative_p(a);
}

/* kind: 0 truncate (quotient/remainder), 1 floor (modulo); want: 0 quotient, 1 remainder */
static obj divide(struct lisp *L, const char *who, obj a, obj b, int kind, int want)
{
	obj q = OBJ_FALSE, r = OBJ_FALSE;

	if (!integer_p(a))
		return not_int(L, who, a);
	if (!integer_p(b))
		return not_int(L, who, b);
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

/* --- parsing and printing --- */

static int digit(int c, unsigned radix)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 :
		c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;

	return d < (int)radix ? d : -1;
}

obj lisp_parse_number(struct lisp *L, obj str, size_t off, size_t len, unsigned radix)
{
	const uint8_t *s = obj_bytes_data(str) + off;
	bool neg = false;
	int64_t v = 0;
	size_t i = 0;
	bool had_radix = false, had_exact = false;

	/* #x #b #o #d prefixes (string->number), at most one radix and one exactness (R7RS) */
	while (len - i >= 2 && s[i] == '#') {
		bool *had = &had_radix;

		switch (s[i + 1] | 0x20) {
		case 'x': radix = 16; break;
		case 'b': radix = 2; break;
		case 'o': radix = 8; break;
		case 'd': radix = 10; break;
		case 'e': had = &had_exact; break;
		default: return OBJ_FALSE;
		}
		if (*had)
			return OBJ_FALSE;	/* "#x#x1" is no number */
		*had = true;
		i += 2;
	}
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	if (i == len)
		return OBJ_FALSE;
	for (size_t j = i; j < len; j++)
		if (digit(s[j], radix) < 0)
			return OBJ_FALSE;
	if (len - i <= 12) {
		for (; i < len; i++)
			v = v * radix + digit(s[i], radix);
		return lisp_int64(L, neg ? -v : v);
	}
	return lisp_big_parse(L, str, off + i, len - i, radix, neg);
}

obj lisp_number_to_string(struct lisp *L, obj n, unsigned radix)
{
	char buf[80];
	size_t i = sizeof(buf);
	intptr_t v;
	bool neg;

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
		return lisp_num_sub(L, fx(0), acc);
	for (int i = 1; i < argc; i++) {
		acc = lisp_num_sub(L, acc, lisp_args(L)[i]);
		if (acc == OBJ_NULL)
			return OBJ_NULL;
	}
	return acc;
}

static obj p_div(struct lisp *L, int argc, obj *argv)
{
	obj acc = argc == 1 ? fx(1) : argv[0], r = OBJ_FALSE;

	for (int i = argc == 1 ? 0 : 1; i < argc; i++) {
		obj d = lisp_args(L)[i];

		if (!integer_p(acc))
			return not_int(L, "/", acc);
		if (!integer_p(d))
			return not_int(L, "/", d);
		if (d == fx(0))
			return lisp_errorf(L, OBJ_NULL, "/: division by zero");
		ROOT(d);
		ROOT(acc);
		r = divide(L, "/", acc, d, 0, 1);
		UNROOT(acc);
		UNROOT(d);
		if (r == OBJ_NULL)
			return OBJ_NULL;
		if (r != fx(0))
			return lisp_errorf(L, OBJ_NULL, "/: non-integer quotient (rationals are not supported)");
		acc = divide(L, "/", acc, d, 0, 0);
		if (acc == OBJ_NULL)
			return OBJ_NULL;
	}
	return acc;
}

static obj compare(struct lisp *L, int argc, obj *argv, const char *who, int op)
{
	bool result = true;

	if (argc == 1)
		return integer_p(argv[0]) ? OBJ_TRUE : not_int(L, who, argv[0]);
	for (int i = 0; i + 1 < argc; i++) {
		int c = lisp_num_cmp(L, who, argv[i], argv[i + 1]);

		if (c == -2)
			return OBJ_NULL;
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

static obj p_quotient(struct lisp *L, int argc, obj *argv) { (void)argc; return divide(L, "quotient", argv[0], argv[1], 0, 0); }
static obj p_remainder(struct lisp *L, int argc, obj *argv) { (void)argc; return divide(L, "remainder", argv[0], argv[1], 0, 1); }
static obj p_modulo(struct lisp *L, int argc, obj *argv) { (void)argc; return divide(L, "modulo", argv[0], argv[1], 1, 1); }
static obj p_floor_quotient(struct lisp *L, int argc, obj *argv) { (void)argc; return divide(L, "floor-quotient", argv[0], argv[1], 1, 0); }

static obj p_number_p(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; return obj_bool(integer_p(argv[0])); }

static obj p_exact_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!integer_p(argv[0]))
		return lisp_type_error(L, "exact?", "number", argv[0]);
	return OBJ_TRUE;
}

static obj p_inexact_p(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!integer_p(argv[0]))
		return lisp_type_error(L, "inexact?", "number", argv[0]);
	return OBJ_FALSE;
}

static obj p_exact(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!integer_p(argv[0]))
		return lisp_type_error(L, "exact", "number", argv[0]);
	return argv[0];
}

static obj p_inexact(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	return lisp_errorf(L, argv[0], "inexact: inexact numbers are not supported:");
}

static obj sign_test(struct lisp *L, obj x, const char *who, int want)
{
	int s;

	if (obj_fixnum_p(x))
		s = fxv(x) < 0 ? -1 : fxv(x) > 0;
	else if (bignum_p(x))
		s = lisp_big_negative_p(x) ? -1 : 1;
	else
		return not_int(L, who, x);
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
	if (!bignum_p(x))
		return not_int(L, "odd?", x);
	return obj_bool(lisp_big_odd_p(x));
}

static obj p_even_p(struct lisp *L, int argc, obj *argv)
{
	obj r = p_odd_p(L, argc, argv);

	return r == OBJ_NULL ? r : obj_bool(r == OBJ_FALSE);
}

static obj p_abs(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0];

	(void)argc;
	if (!integer_p(x))
		return not_int(L, "abs", x);
	return negative_p(x) ? lisp_num_sub(L, fx(0), x) : x;
}

static obj minmax(struct lisp *L, int argc, obj *argv, const char *who, int want)
{
	obj best = argv[0];

	if (!integer_p(best))
		return not_int(L, who, best);
	for (int i = 1; i < argc; i++) {
		int c = lisp_num_cmp(L, who, argv[i], best);

		if (c == -2)
			return OBJ_NULL;
		if (c == want)
			best = argv[i];
	}
	return best;
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

static obj p_gcd(struct lisp *L, int argc, obj *argv)
{
	obj acc = fx(0);

	(void)argv;
	for (int i = 0; i < argc; i++) {
		obj x = lisp_args(L)[i];

		if (!integer_p(x))
			return not_int(L, "gcd", x);
		if ((acc = gcd2(L, acc, x)) == OBJ_NULL)
			return OBJ_NULL;
	}
	return acc;
}

static obj p_lcm(struct lisp *L, int argc, obj *argv)
{
	obj acc = fx(1);

	(void)argv;
	for (int i = 0; i < argc; i++) {
		obj x = lisp_args(L)[i], g, p;

		if (!integer_p(x))
			return not_int(L, "lcm", x);
		if (x == fx(0))
			return fx(0);
		ROOT(acc);
		g = gcd2(L, acc, x);
		ROOT(g);
		p = g ? lisp_num_mul(L, acc, lisp_args(L)[i]) : OBJ_NULL;
		UNROOT(g);
		UNROOT(acc);
		if (p == OBJ_NULL || (acc = divide(L, "lcm", p, g, 0, 0)) == OBJ_NULL)
			return OBJ_NULL;
		if (negative_p(acc) && (acc = lisp_num_sub(L, fx(0), acc)) == OBJ_NULL)
			return OBJ_NULL;
	}
	return acc;
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

	if (!integer_p(argv[0]))
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

static obj p_exact_integer_sqrt(struct lisp *L, int argc, obj *argv)
{
	obj x = argv[0], s, rem = OBJ_FALSE, v;

	(void)argc;
	if (!integer_p(x) || negative_p(x))
		return lisp_type_error(L, "exact-integer-sqrt", "non-negative integer", x);
	if (obj_fixnum_p(x)) {
		intptr_t n = fxv(x), r = n;

		while (r > 0 && r > n / r)
			r = (r + n / r) / 2;
		s = fx(r);
		rem = fx(n - r * r);
	} else {
		s = lisp_big_sqrt(L, x, &rem);
		if (s == OBJ_NULL)
			return OBJ_NULL;
	}
	v = lisp_list2(L, s, rem);
	if (v == OBJ_NULL)
		return OBJ_NULL;
	return lisp_make_values(L, v);
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

static obj p_identity_int(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!integer_p(argv[0]))
		return not_int(L, "floor", argv[0]);
	return argv[0];
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
	{ "quotient", p_quotient, 2, 2, 0 },
	{ "remainder", p_remainder, 2, 2, 0 },
	{ "modulo", p_modulo, 2, 2, 0 },
	{ "truncate-quotient", p_quotient, 2, 2, 0 },
	{ "truncate-remainder", p_remainder, 2, 2, 0 },
	{ "floor-quotient", p_floor_quotient, 2, 2, 0 },
	{ "floor-remainder", p_modulo, 2, 2, 0 },
	{ "number?", p_number_p, 1, 1, 0 },
	{ "complex?", p_number_p, 1, 1, 0 },
	{ "real?", p_number_p, 1, 1, 0 },
	{ "rational?", p_number_p, 1, 1, 0 },
	{ "integer?", p_number_p, 1, 1, 0 },
	{ "exact-integer?", p_number_p, 1, 1, 0 },
	{ "exact-rational?", p_number_p, 1, 1, 0 },
	{ "exact?", p_exact_p, 1, 1, 0 },
	{ "inexact?", p_inexact_p, 1, 1, 0 },
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
	{ "magnitude", p_abs, 1, 1, 0 },
	{ "min", p_min, 1, -1, 0 },
	{ "max", p_max, 1, -1, 0 },
	{ "gcd", p_gcd, 0, -1, 0 },
	{ "lcm", p_lcm, 0, -1, 0 },
	{ "number->string", p_number_to_string, 1, 2, 0 },
	{ "string->number", p_string_to_number, 1, 2, 0 },
	{ "exact-integer-sqrt", p_exact_integer_sqrt, 1, 1, 0 },
	{ "integer-length", p_bit_length, 1, 1, 0 },
	{ "floor", p_identity_int, 1, 1, 0 },
	{ "ceiling", p_identity_int, 1, 1, 0 },
	{ "round", p_identity_int, 1, 1, 0 },
	{ "truncate", p_identity_int, 1, 1, 0 },
	{ "numerator", p_identity_int, 1, 1, 0 },
};

void lisp_init_numbers(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
