/* vectors.c -- vectors and bytevectors. Every store of an element goes through the write
 * barrier (a vector may be old: large vectors are born old); bytevectors hold raw bytes. */
#include "compile.h"

#define ARGC_UNUSED	(void)argc

static bool index_arg(obj x, size_t *out)
{
	if (!obj_fixnum_p(x) || fxv(x) < 0)
		return false;
	*out = (size_t)fxv(x);
	return true;
}

static obj want_vector(struct lisp *L, const char *who, obj x) { return lisp_type_error(L, who, "vector", x); }
static obj want_bv(struct lisp *L, const char *who, obj x) { return lisp_type_error(L, who, "bytevector", x); }

/* Optional [start [end]] of argv[i..] within a sequence of n elements. */
static bool range(struct lisp *L, const char *who, int argc, obj *argv, int i, size_t n, size_t *s, size_t *e)
{
	*s = 0;
	*e = n;
	if (argc > i && (!index_arg(argv[i], s) || *s > n)) {
		lisp_range_error(L, who, argv[i]);
		return false;
	}
	if (argc > i + 1 && (!index_arg(argv[i + 1], e) || *e > n || *e < *s)) {
		lisp_range_error(L, who, argv[i + 1]);
		return false;
	}
	return true;
}

static obj p_vector_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(vector_p(argv[0])); }

static obj p_make_vector(struct lisp *L, int argc, obj *argv)
{
	size_t n;

	if (!index_arg(argv[0], &n))
		return lisp_type_error(L, "make-vector", "non-negative exact integer", argv[0]);
	return lisp_make_vector(L, n, argc > 1 ? argv[1] : OBJ_FALSE);
}

static obj p_vector(struct lisp *L, int argc, obj *argv)
{
	obj v = lisp_make_vector(L, (size_t)argc, OBJ_FALSE);

	if (v == OBJ_NULL)
		return OBJ_NULL;
	argv = lisp_args(L);
	for (int i = 0; i < argc; i++)
		obj_init_field(L, v, (size_t)i, argv[i]);
	return v;
}

static obj p_vector_length(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return vector_p(argv[0]) ? fx((intptr_t)obj_vector_length(argv[0])) : want_vector(L, "vector-length", argv[0]);
}

/* (vector-ref v i)'s error, for the primitive and the VM's inline vector-ref alike: a bignum
 * index is out of range, anything else not an integer a wrong type */
obj lisp_vector_ref_error(struct lisp *L, obj v, obj i)
{
	if (!vector_p(v))
		return want_vector(L, "vector-ref", v);
	if (!integer_p(i))
		return lisp_type_error(L, "vector-ref", "exact integer", i);
	return lisp_range_error(L, "vector-ref", i);
}

static obj p_vector_ref(struct lisp *L, int argc, obj *argv)
{
	size_t i;

	ARGC_UNUSED;
	if (!vector_p(argv[0]) || !index_arg(argv[1], &i) || i >= obj_vector_length(argv[0]))
		return lisp_vector_ref_error(L, argv[0], argv[1]);
	return obj_vector_ref(argv[0], i);
}

static obj p_vector_set(struct lisp *L, int argc, obj *argv)
{
	size_t i;

	ARGC_UNUSED;
	if (!vector_p(argv[0]))
		return want_vector(L, "vector-set!", argv[0]);
	if (!index_arg(argv[1], &i) || i >= obj_vector_length(argv[0]))
		return lisp_range_error(L, "vector-set!", argv[1]);
	return lisp_store(L, argv[0], i, argv[2]) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_vector_to_list(struct lisp *L, int argc, obj *argv)
{
	size_t s, e;
	obj r = OBJ_NIL;

	if (!vector_p(argv[0]))
		return want_vector(L, "vector->list", argv[0]);
	if (!range(L, "vector->list", argc, argv, 1, obj_vector_length(argv[0]), &s, &e))
		return OBJ_NULL;
	ROOT(r);
	for (size_t i = e; i-- > s && r != OBJ_NULL;)
		r = lisp_cons(L, obj_vector_ref(lisp_args(L)[0], i), r);
	UNROOT(r);
	return r;
}

static obj p_list_to_vector(struct lisp *L, int argc, obj *argv)
{
	intptr_t n = lisp_list_length(argv[0]);
	obj v;

	ARGC_UNUSED;
	if (n < 0)
		return lisp_type_error(L, "list->vector", "list", argv[0]);
	v = lisp_make_vector(L, (size_t)n, OBJ_FALSE);
	if (v == OBJ_NULL)
		return OBJ_NULL;
	size_t i = 0;	/* at most n: another CPU may change a shared list meanwhile */
	for (obj l = lisp_args(L)[0]; pair_p(l) && i < (size_t)n; l = cdr(l))
		obj_init_field(L, v, i++, car(l));
	return v;
}

static obj p_vector_fill(struct lisp *L, int argc, obj *argv)
{
	size_t s, e;

	if (!vector_p(argv[0]))
		return want_vector(L, "vector-fill!", argv[0]);
	if (!range(L, "vector-fill!", argc, argv, 2, obj_vector_length(argv[0]), &s, &e))
		return OBJ_NULL;
	for (size_t i = s; i < e; i++)	/* the first store may publish (and move) the fill */
		if (!lisp_store(L, lisp_args(L)[0], i, lisp_args(L)[1]))
			return OBJ_NULL;
	return OBJ_UNSPECIFIED;
}

static obj p_vector_copy(struct lisp *L, int argc, obj *argv)
{
	size_t s, e;
	obj v;

	if (!vector_p(argv[0]))
		return want_vector(L, "vector-copy", argv[0]);
	if (!range(L, "vector-copy", argc, argv, 1, obj_vector_length(argv[0]), &s, &e))
		return OBJ_NULL;
	v = lisp_make_vector(L, e - s, OBJ_FALSE);
	if (v == OBJ_NULL)
		return OBJ_NULL;
	for (size_t i = s; i < e; i++)
		obj_init_field(L, v, i - s, obj_vector_ref(lisp_args(L)[0], i));
	return v;
}

/* (vector-copy! to at from [start [end]]) */
static obj p_vector_copy_to(struct lisp *L, int argc, obj *argv)
{
	size_t at, s, e;
	obj to = argv[0], from = argv[2];

	if (!vector_p(to))
		return want_vector(L, "vector-copy!", to);
	if (!vector_p(from))
		return want_vector(L, "vector-copy!", from);
	if (!range(L, "vector-copy!", argc, argv, 3, obj_vector_length(from), &s, &e))
		return OBJ_NULL;
	if (!index_arg(argv[1], &at) || at > obj_vector_length(to) || obj_vector_length(to) - at < e - s)
		return lisp_range_error(L, "vector-copy!", argv[1]);
	/* each store may publish an element (and move the unshared vectors): re-read them */
	if (at <= s) {
		for (size_t i = s; i < e; i++)
			if (!lisp_store(L, lisp_args(L)[0], at + i - s, obj_vector_ref(lisp_args(L)[2], i)))
				return OBJ_NULL;
	} else {
		for (size_t i = e; i-- > s;)
			if (!lisp_store(L, lisp_args(L)[0], at + i - s, obj_vector_ref(lisp_args(L)[2], i)))
				return OBJ_NULL;
	}
	return OBJ_UNSPECIFIED;
}

static obj p_vector_append(struct lisp *L, int argc, obj *argv)
{
	size_t n = 0, k = 0;
	obj v;

	for (int i = 0; i < argc; i++) {
		if (!vector_p(argv[i]))
			return want_vector(L, "vector-append", argv[i]);
		n += obj_vector_length(argv[i]);
	}
	v = lisp_make_vector(L, n, OBJ_FALSE);
	if (v == OBJ_NULL)
		return OBJ_NULL;
	for (int i = 0; i < argc; i++) {
		obj a = lisp_args(L)[i];

		for (size_t j = 0; j < obj_vector_length(a); j++)
			obj_init_field(L, v, k++, obj_vector_ref(a, j));
	}
	return v;
}

static obj p_vector_to_string(struct lisp *L, int argc, obj *argv)
{
	size_t s, e, len = 0;
	obj str;
	char u[4];

	if (!vector_p(argv[0]))
		return want_vector(L, "vector->string", argv[0]);
	if (!range(L, "vector->string", argc, argv, 1, obj_vector_length(argv[0]), &s, &e))
		return OBJ_NULL;
	for (size_t i = s; i < e; i++) {
		obj c = obj_vector_ref(argv[0], i);

		if (!obj_char_p(c))
			return lisp_type_error(L, "vector->string", "character", c);
		len += lisp_utf8_encode(obj_char_value(c), u);
	}
	str = lisp_make_bytes(L, OBJ_T_STRING, NULL, len);
	if (str == OBJ_NULL)
		return OBJ_NULL;
	len = 0;
	for (size_t i = s; i < e; i++)
		len += lisp_utf8_encode(obj_char_value(obj_vector_ref(lisp_args(L)[0], i)), (char *)obj_bytes_data(str) + len);
	return str;
}

static obj p_string_to_vector(struct lisp *L, int argc, obj *argv)
{
	obj l, v;
	intptr_t n;

	size_t from, to;

	if (!string_p(argv[0]))
		return lisp_type_error(L, "string->vector", "string", argv[0]);
	if (!range(L, "string->vector", argc, argv, 1, lisp_string_length(L, argv[0]), &from, &to))
		return OBJ_NULL;
	/* the characters [from, to) pushed, then made a list */
	{
		size_t len = obj_bytes_length(argv[0]), i = 0, idx = 0, count = 0, base = L->sp;

		while (i < len && idx < to) {
			size_t k;
			uint32_t c = lisp_utf8_decode(obj_bytes_data(lisp_args(L)[0]), len, i, &k);

			if (idx >= from) {
				if (!lisp_push(L, obj_char(c))) {
					L->sp = base;
					return OBJ_NULL;
				}
				count++;
			}
			i += k;
			idx++;
		}
		l = lisp_pop_list(L, count, OBJ_NIL);
	}
	if (l == OBJ_NULL)
		return OBJ_NULL;
	n = lisp_list_length(l);
	ROOT(l);
	v = lisp_make_vector(L, (size_t)n, OBJ_FALSE);
	UNROOT(l);
	for (intptr_t i = 0; v != OBJ_NULL && i < n; i++, l = cdr(l))
		obj_init_field(L, v, (size_t)i, car(l));
	return v;
}

/* --- bytevectors --- */

static bool byte_arg(obj x) { return obj_fixnum_p(x) && fxv(x) >= 0 && fxv(x) <= 255; }

static obj p_bytevector_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(bytevector_p(argv[0])); }

static obj p_make_bytevector(struct lisp *L, int argc, obj *argv)
{
	size_t n;
	obj b;

	if (!index_arg(argv[0], &n))
		return lisp_type_error(L, "make-bytevector", "non-negative exact integer", argv[0]);
	if (argc > 1 && !byte_arg(argv[1]))
		return lisp_type_error(L, "make-bytevector", "byte", argv[1]);
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, n);
	if (b != OBJ_NULL && argc > 1)
		memset(obj_bytes_data(b), (int)fxv(lisp_args(L)[1]), n);
	return b;
}

static obj p_bytevector(struct lisp *L, int argc, obj *argv)
{
	obj b;

	for (int i = 0; i < argc; i++)
		if (!byte_arg(argv[i]))
			return lisp_type_error(L, "bytevector", "byte", argv[i]);
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, (size_t)argc);
	if (b == OBJ_NULL)
		return OBJ_NULL;
	argv = lisp_args(L);
	for (int i = 0; i < argc; i++)
		obj_bytes_data(b)[i] = (uint8_t)fxv(argv[i]);
	return b;
}

static obj p_bytevector_length(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return bytevector_p(argv[0]) ? fx((intptr_t)obj_bytes_length(argv[0])) : want_bv(L, "bytevector-length", argv[0]);
}

static obj p_bytevector_u8_ref(struct lisp *L, int argc, obj *argv)
{
	size_t i;

	ARGC_UNUSED;
	if (!bytevector_p(argv[0]))
		return want_bv(L, "bytevector-u8-ref", argv[0]);
	if (!index_arg(argv[1], &i) || i >= obj_bytes_length(argv[0]))
		return lisp_range_error(L, "bytevector-u8-ref", argv[1]);
	return fx(obj_bytes_data(argv[0])[i]);
}

static obj p_bytevector_u8_set(struct lisp *L, int argc, obj *argv)
{
	size_t i;

	ARGC_UNUSED;
	if (!bytevector_p(argv[0]))
		return want_bv(L, "bytevector-u8-set!", argv[0]);
	if (!index_arg(argv[1], &i) || i >= obj_bytes_length(argv[0]))
		return lisp_range_error(L, "bytevector-u8-set!", argv[1]);
	if (!byte_arg(argv[2]))
		return lisp_type_error(L, "bytevector-u8-set!", "byte", argv[2]);
	obj_bytes_data(argv[0])[i] = (uint8_t)fxv(argv[2]);
	return OBJ_UNSPECIFIED;
}

static obj p_bytevector_copy(struct lisp *L, int argc, obj *argv)
{
	size_t s, e;

	if (!bytevector_p(argv[0]))
		return want_bv(L, "bytevector-copy", argv[0]);
	if (!range(L, "bytevector-copy", argc, argv, 1, obj_bytes_length(argv[0]), &s, &e))
		return OBJ_NULL;
	return lisp_copy_bytes(L, OBJ_T_BYTEVECTOR, argv[0], s, e - s);
}

static obj p_bytevector_copy_to(struct lisp *L, int argc, obj *argv)
{
	size_t at, s, e;

	if (!bytevector_p(argv[0]))
		return want_bv(L, "bytevector-copy!", argv[0]);
	if (!bytevector_p(argv[2]))
		return want_bv(L, "bytevector-copy!", argv[2]);
	if (!range(L, "bytevector-copy!", argc, argv, 3, obj_bytes_length(argv[2]), &s, &e))
		return OBJ_NULL;
	if (!index_arg(argv[1], &at) || at > obj_bytes_length(argv[0]) || obj_bytes_length(argv[0]) - at < e - s)
		return lisp_range_error(L, "bytevector-copy!", argv[1]);
	memmove(obj_bytes_data(argv[0]) + at, obj_bytes_data(argv[2]) + s, e - s);
	return OBJ_UNSPECIFIED;
}

static obj p_bytevector_append(struct lisp *L, int argc, obj *argv)
{
	size_t n = 0;
	obj b;

	for (int i = 0; i < argc; i++) {
		if (!bytevector_p(argv[i]))
			return want_bv(L, "bytevector-append", argv[i]);
		n += obj_bytes_length(argv[i]);
	}
	b = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, n);
	if (b == OBJ_NULL)
		return OBJ_NULL;
	n = 0;
	for (int i = 0; i < argc; i++) {
		obj a = lisp_args(L)[i];

		memcpy(obj_bytes_data(b) + n, obj_bytes_data(a), obj_bytes_length(a));
		n += obj_bytes_length(a);
	}
	return b;
}

static const struct lisp_prim_def prims[] = {
	{ "vector?", p_vector_p, 1, 1, PRIM_PURE },
	{ "make-vector", p_make_vector, 1, 2, 0 },
	{ "vector", p_vector, 0, -1, PRIM_INLINE(OP_VECTOR, 0) },
	{ "vector-length", p_vector_length, 1, 1, PRIM_INLINE(OP_VLEN, 1) | PRIM_NOALLOC },
	{ "vector-ref", p_vector_ref, 2, 2, PRIM_INLINE(OP_VREF, 2) | PRIM_NOALLOC },
	{ "vector-set!", p_vector_set, 3, 3, PRIM_INLINE(OP_VSET, 3) },
	{ "vector->list", p_vector_to_list, 1, 3, 0 },
	{ "list->vector", p_list_to_vector, 1, 1, 0 },
	{ "%qq-list->vector", p_list_to_vector, 1, 1, 0 },
	{ "vector-fill!", p_vector_fill, 2, 4, 0 },
	{ "vector-copy", p_vector_copy, 1, 3, 0 },
	{ "vector-copy!", p_vector_copy_to, 3, 5, 0 },
	{ "vector-append", p_vector_append, 0, -1, 0 },
	{ "vector->string", p_vector_to_string, 1, 3, 0 },
	{ "string->vector", p_string_to_vector, 1, 3, 0 },
	{ "bytevector?", p_bytevector_p, 1, 1, PRIM_PURE },
	{ "make-bytevector", p_make_bytevector, 1, 2, 0 },
	{ "bytevector", p_bytevector, 0, -1, 0 },
	{ "bytevector-length", p_bytevector_length, 1, 1, PRIM_NOALLOC },
	{ "bytevector-u8-ref", p_bytevector_u8_ref, 2, 2, PRIM_NOALLOC },
	{ "bytevector-u8-set!", p_bytevector_u8_set, 3, 3, 0 },
	{ "bytevector-copy", p_bytevector_copy, 1, 3, 0 },
	{ "bytevector-copy!", p_bytevector_copy_to, 3, 5, 0 },
	{ "bytevector-append", p_bytevector_append, 0, -1, 0 },
};

void lisp_init_vectors(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
