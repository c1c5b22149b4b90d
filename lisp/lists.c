/* lists.c -- pairs and lists, symbols, booleans and the equivalence predicates (eq?, eqv?,
 * equal?). Procedures that take a procedure argument (map, for-each, member with a predicate...)
 * are in the Scheme prelude, so no C frame ever waits on Scheme code. equal? compares with an
 * explicit stack of pending pairs, never with C recursion, and terminates on circular data. */
#include "compile.h"

#define ARGC_UNUSED	(void)argc

static obj not_list(struct lisp *L, const char *who, obj x)
{
	return lisp_type_error(L, who, "list", x);
}

bool lisp_eqv(obj a, obj b)
{
	return a == b || lisp_num_eqv(a, b);
}

/*
 * Pairs of objects already being compared, once a comparison has taken EQUAL_STEPS steps (only
 * circular data gets that far in practice): a pair met again is assumed equal, so equal?
 * terminates on cycles (R7RS). Open addressing on addresses, in a vector of (a b) entries;
 * rehashed when a minor collection may have moved the keys.
 */
#define EQUAL_STEPS	100000

struct seen {
	obj table;	/* rooted by lisp_equal */
	size_t count;
	uint64_t gcs;
};

static size_t seen_slot(obj t, obj a, obj b)
{
	size_t cap = obj_vector_length(t) / 2, i = (((a >> 3) * 31 + (b >> 3)) * 2654435761u) & (cap - 1);

	while (obj_vector_ref(t, 2 * i) != OBJ_FALSE &&
	       (obj_vector_ref(t, 2 * i) != a || obj_vector_ref(t, 2 * i + 1) != b))
		i = (i + 1) & (cap - 1);
	return i;
}

static bool seen_rehash(struct lisp *L, struct seen *s, size_t cap)
{
	obj nt = lisp_make_vector(L, 2 * cap, OBJ_FALSE), old = s->table;

	if (nt == OBJ_NULL)
		return false;
	old = s->table;
	s->gcs = heap_moves(L->h);
	if (old != OBJ_FALSE)
		for (size_t i = 0; i < obj_vector_length(old); i += 2)
			if (obj_vector_ref(old, i) != OBJ_FALSE) {
				size_t k = seen_slot(nt, obj_vector_ref(old, i), obj_vector_ref(old, i + 1));

				obj_init_field(L, nt, 2 * k, obj_vector_ref(old, i));
				obj_init_field(L, nt, 2 * k + 1, obj_vector_ref(old, i + 1));
			}
	s->table = nt;
	return true;
}

/* 1 if (a b) was already recorded, 0 if it is now, -1 no memory. a and b must be rooted. */
static int seen_add(struct lisp *L, struct seen *s, obj *a, obj *b)
{
	size_t k;

	if (s->table == OBJ_FALSE ? !seen_rehash(L, s, 256) :
	    s->gcs != heap_moves(L->h) && !seen_rehash(L, s, obj_vector_length(s->table) / 2))
		return -1;
	k = seen_slot(s->table, *a, *b);
	if (obj_vector_ref(s->table, 2 * k) == *a)
		return 1;
	if (4 * (s->count + 1) > obj_vector_length(s->table)) {
		if (!seen_rehash(L, s, obj_vector_length(s->table)))
			return -1;
		k = seen_slot(s->table, *a, *b);
	}
	lisp_private_set(L, s->table, 2 * k, *a);	/* equal?'s own table */
	lisp_private_set(L, s->table, 2 * k + 1, *b);
	s->count++;
	return 0;
}

/* 1 equal, 0 not, -1 no memory. An explicit stack of pending pairs, never C recursion. */
int lisp_equal(struct lisp *L, obj a, obj b)
{
	struct seen seen = { .table = OBJ_FALSE };
	size_t base = L->sp, steps = 0;
	int r = 1;

	ROOT(a);
	ROOT(b);
	GC_ROOT(L->h, seen.table);
	if (!lisp_push(L, a) || !lisp_push(L, b)) {
		r = -1;
		goto out;
	}
	while (L->sp > base && r == 1) {
		b = lisp_pop(L);
		a = lisp_pop(L);
		for (;;) {
			if (lisp_eqv(a, b))
				break;
			if (++steps > EQUAL_STEPS && (pair_p(a) || vector_p(a))) {
				int k = seen_add(L, &seen, &a, &b);

				if (k != 0) {
					r = k < 0 ? -1 : 1;
					break;
				}
			}
			if (pair_p(a) && pair_p(b)) {
				if (!lisp_push(L, car(a)) || !lisp_push(L, car(b))) {
					r = -1;
					break;
				}
				a = cdr(a);
				b = cdr(b);
				continue;
			}
			if (string_p(a) || bytevector_p(a)) {
				size_t n = obj_bytes_length(a);	/* once: another CPU may widen a */

				if (!obj_type_p(b, obj_type(a)) || n != obj_bytes_length(b) ||
				    memcmp(obj_bytes_data(a), obj_bytes_data(b), n) != 0)
					r = 0;
				break;
			}
			if (vector_p(a) && vector_p(b) && obj_vector_length(a) == obj_vector_length(b)) {
				for (size_t i = 0; i < obj_vector_length(a) && r == 1; i++)
					if (!lisp_push(L, obj_vector_ref(a, i)) || !lisp_push(L, obj_vector_ref(b, i)))
						r = -1;
				break;
			}
			r = 0;
			break;
		}
	}
out:
	L->sp = base;
	GC_UNROOT(L->h, seen.table);
	UNROOT(b);
	UNROOT(a);
	return r;
}

static obj p_eq(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(argv[0] == argv[1]); }
static obj p_eqv(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(lisp_eqv(argv[0], argv[1])); }

static obj p_equal(struct lisp *L, int argc, obj *argv)
{
	int r = lisp_equal(L, argv[0], argv[1]);

	ARGC_UNUSED;
	return r < 0 ? OBJ_NULL : obj_bool(r);
}

static obj p_not(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(argv[0] == OBJ_FALSE); }
static obj p_boolean_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(argv[0] == OBJ_TRUE || argv[0] == OBJ_FALSE); }

static obj p_boolean_eq(struct lisp *L, int argc, obj *argv)
{
	for (int i = 0; i < argc; i++)
		if (argv[i] != OBJ_TRUE && argv[i] != OBJ_FALSE)
			return lisp_type_error(L, "boolean=?", "boolean", argv[i]);
	for (int i = 1; i < argc; i++)
		if (argv[i] != argv[0])
			return OBJ_FALSE;
	return OBJ_TRUE;
}

static obj p_cons(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return lisp_cons(L, argv[0], argv[1]); }

static obj p_car(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return pair_p(argv[0]) ? car(argv[0]) : lisp_type_error(L, "car", "pair", argv[0]);
}

static obj p_cdr(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return pair_p(argv[0]) ? cdr(argv[0]) : lisp_type_error(L, "cdr", "pair", argv[0]);
}

/* c[ad]{2,4}r: path read right to left */
static obj cxr(struct lisp *L, obj x, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = n - 2; i >= 1; i--) {
		if (!pair_p(x))
			return lisp_type_error(L, name, "pair", x);
		x = name[i] == 'a' ? car(x) : cdr(x);
	}
	return x;
}

#define CXR(fn, name) \
	static obj fn(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return cxr(L, argv[0], name); }
CXR(p_caar, "caar") CXR(p_cadr, "cadr") CXR(p_cdar, "cdar") CXR(p_cddr, "cddr")
CXR(p_caaar, "caaar") CXR(p_caadr, "caadr") CXR(p_cadar, "cadar") CXR(p_caddr, "caddr")
CXR(p_cdaar, "cdaar") CXR(p_cdadr, "cdadr") CXR(p_cddar, "cddar") CXR(p_cdddr, "cdddr")
CXR(p_cadddr, "cadddr") CXR(p_cddddr, "cddddr")
/* the rest of (scheme cxr) */
CXR(p_caaaar, "caaaar") CXR(p_caaadr, "caaadr") CXR(p_caadar, "caadar") CXR(p_caaddr, "caaddr")
CXR(p_cadaar, "cadaar") CXR(p_cadadr, "cadadr") CXR(p_caddar, "caddar") CXR(p_cdaaar, "cdaaar")
CXR(p_cdaadr, "cdaadr") CXR(p_cdadar, "cdadar") CXR(p_cdaddr, "cdaddr") CXR(p_cddaar, "cddaar")
CXR(p_cddadr, "cddadr") CXR(p_cdddar, "cdddar")

static obj p_set_car(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!pair_p(argv[0]))
		return lisp_type_error(L, "set-car!", "pair", argv[0]);
	return lisp_store(L, argv[0], 0, argv[1]) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_set_cdr(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!pair_p(argv[0]))
		return lisp_type_error(L, "set-cdr!", "pair", argv[0]);
	return lisp_store(L, argv[0], 1, argv[1]) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static obj p_pair_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(pair_p(argv[0])); }
static obj p_null_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(argv[0] == OBJ_NIL); }
static obj p_list_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(lisp_list_length(argv[0]) >= 0); }

static obj p_list(struct lisp *L, int argc, obj *argv)
{
	(void)argv;
	L->sp = L->arg0 + (size_t)argc;
	return lisp_pop_list(L, (size_t)argc, OBJ_NIL);
}

/* (cons* a b ... tail), also the quasiquote helper */
static obj p_list_star(struct lisp *L, int argc, obj *argv)
{
	(void)argv;
	L->sp = L->arg0 + (size_t)argc - 1;	/* the last argument is the tail */
	return lisp_pop_list(L, (size_t)argc - 1, stk(L)[L->arg0 + (size_t)argc - 1]);
}

static obj p_length(struct lisp *L, int argc, obj *argv)
{
	intptr_t n = lisp_list_length(argv[0]);

	ARGC_UNUSED;
	return n < 0 ? not_list(L, "length", argv[0]) : fx(n);
}

obj lisp_append(struct lisp *L, int argc, obj *argv)
{
	obj head = OBJ_NIL, last = OBJ_NIL, r = OBJ_NULL;

	(void)argv;
	if (argc == 0)
		return OBJ_NIL;
	ROOT(head);
	ROOT(last);
	for (int i = 0; i < argc - 1; i++) {
		obj l = lisp_args(L)[i];
		intptr_t n = lisp_list_length(l);

		if (n < 0) {
			not_list(L, "append", l);
			goto out;
		}
		ROOT(l);
		/* at most the n pairs counted: another CPU may make it circular meanwhile */
		for (; pair_p(l) && n > 0; l = cdr(l), n--) {
			obj p = lisp_cons(L, car(l), OBJ_NIL);

			if (p == OBJ_NULL) {
				UNROOT(l);
				goto out;	/* heap exhausted */
			}
			if (head == OBJ_NIL)
				head = p;
			else
				obj_init_field(L, last, 1, p);	/* our copy */
			last = p;
		}
		UNROOT(l);
	}
	if (head == OBJ_NIL)
		r = lisp_args(L)[argc - 1];
	else {
		obj_init_field(L, last, 1, lisp_args(L)[argc - 1]);
		r = head;
	}
out:
	UNROOT(last);
	UNROOT(head);
	return r;
}

static obj p_reverse(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (lisp_list_length(argv[0]) < 0)
		return not_list(L, "reverse", argv[0]);
	return lisp_list_reverse(L, argv[0]);
}

/* reverse in place (the prelude's accumulators). The pairs may be shared, some of them (a
 * fresh head on a shared tail): a store of an unshared pair into a shared one publishes it,
 * which may collect. Another CPU relinking the same pairs meanwhile makes a mess of the list,
 * but not of memory; the walk stops after as many pairs as the list had. */
static obj p_reverse_bang(struct lisp *L, int argc, obj *argv)
{
	obj l = argv[0], r = OBJ_NIL, next = OBJ_NIL, res = OBJ_NULL;
	intptr_t n = lisp_list_length(l);

	ARGC_UNUSED;
	if (n < 0)
		return not_list(L, "reverse!", l);
	ROOT(l);
	ROOT(r);
	ROOT(next);
	for (; n > 0 && pair_p(l); n--) {
		next = cdr(l);
		if (!lisp_store(L, l, 1, r))
			goto out;
		r = l;
		l = next;
	}
	res = r;
out:
	UNROOT(next);
	UNROOT(r);
	UNROOT(l);
	return res;
}

static obj p_list_copy(struct lisp *L, int argc, obj *argv)
{
	obj r;

	ARGC_UNUSED;
	if (!pair_p(argv[0]))
		return argv[0];
	r = lisp_list_reverse(L, argv[0]);
	if (r == OBJ_NULL || (r = lisp_list_reverse(L, r)) == OBJ_NULL)
		return OBJ_NULL;
	/* an improper list keeps its last cdr (the reversals stopped at it) */
	{
		obj l = lisp_args(L)[0], t = r;

		while (pair_p(cdr(l)) && pair_p(cdr(t)))
			l = cdr(l), t = cdr(t);
		if (cdr(l) != OBJ_NIL && !lisp_store(L, t, 1, cdr(l)))
			return OBJ_NULL;
	}
	return r;
}

static obj tail_of(struct lisp *L, const char *who, obj l, obj k, bool need_pair)
{
	if (!obj_fixnum_p(k) || fxv(k) < 0)
		return lisp_type_error(L, who, "non-negative exact integer", k);
	for (intptr_t i = fxv(k); i > 0; i--) {
		if (!pair_p(l))
			return lisp_range_error(L, who, k);
		l = cdr(l);
	}
	if (need_pair && !pair_p(l))
		return lisp_range_error(L, who, k);
	return l;
}

static obj p_list_tail(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return tail_of(L, "list-tail", argv[0], argv[1], false); }

static obj p_list_ref(struct lisp *L, int argc, obj *argv)
{
	obj t = tail_of(L, "list-ref", argv[0], argv[1], true);

	ARGC_UNUSED;
	return t ? car(t) : OBJ_NULL;
}

static obj p_list_set(struct lisp *L, int argc, obj *argv)
{
	obj t = tail_of(L, "list-set!", argv[0], argv[1], true);

	ARGC_UNUSED;
	if (t == OBJ_NULL)
		return OBJ_NULL;
	return lisp_store(L, t, 0, lisp_args(L)[2]) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

/* Floyd's tortoise for a walk down a list, called once per step with the walk's next pair:
 * slow moves every second step; true when the walk has come round to it (a circular list). */
static bool came_round(obj *slow, size_t *steps, obj next)
{
	return ++*steps % 2 == 0 && (*slow = cdr(*slow)) == next;
}

static obj p_last_pair(struct lisp *L, int argc, obj *argv)
{
	obj l = argv[0], slow = l;	/* a circular list has no last pair: an error, as for length */
	size_t i = 0;

	ARGC_UNUSED;
	if (!pair_p(l))
		return lisp_type_error(L, "last-pair", "pair", l);
	while (pair_p(cdr(l))) {
		l = cdr(l);
		if (came_round(&slow, &i, l))
			return not_list(L, "last-pair", argv[0]);
	}
	return l;
}

static obj p_make_list(struct lisp *L, int argc, obj *argv)
{
	obj r = OBJ_NIL;

	if (!obj_fixnum_p(argv[0]) || fxv(argv[0]) < 0)
		return lisp_type_error(L, "make-list", "non-negative exact integer", argv[0]);
	ROOT(r);
	for (intptr_t i = fxv(argv[0]); i > 0 && r != OBJ_NULL; i--)
		r = lisp_cons(L, argc > 1 ? lisp_args(L)[1] : OBJ_UNSPECIFIED, r);
	UNROOT(r);
	return r;
}

/* memq/memv/member and assq/assv/assoc (two-argument forms) */
/* equal? may grow the stack (allocate): x and l are rooted around it */
static obj mem(struct lisp *L, obj x, obj l, int kind, const char *who)
{
	obj r = OBJ_FALSE;

	obj slow = l;	/* Floyd's tortoise: a circular list is an error, as for length */
	size_t i = 0;

	ROOT(x);
	ROOT(l);
	ROOT(slow);
	for (; pair_p(l); l = cdr(l)) {
		obj e = car(l);
		int hit = kind == 0 ? e == x : kind == 1 ? lisp_eqv(e, x) : lisp_equal(L, x, e);

		if (hit != 0) {
			r = hit < 0 ? OBJ_NULL : l;
			break;
		}
		if (came_round(&slow, &i, cdr(l))) {
			r = not_list(L, who, lisp_args(L)[1]);
			break;
		}
	}
	if (r == OBJ_FALSE && l != OBJ_NIL)
		r = not_list(L, who, l);
	UNROOT(slow);
	UNROOT(l);
	UNROOT(x);
	return r;
}

static obj ass(struct lisp *L, obj x, obj l, int kind, const char *who)
{
	obj r = OBJ_FALSE;

	obj slow = l;	/* as in mem */
	size_t i = 0;

	ROOT(x);
	ROOT(l);
	ROOT(slow);
	for (; pair_p(l); l = cdr(l)) {
		obj e = car(l);
		int hit;

		if (!pair_p(e)) {
			r = lisp_type_error(L, who, "association list", lisp_args(L)[1]);
			break;
		}
		hit = kind == 0 ? car(e) == x : kind == 1 ? lisp_eqv(car(e), x) : lisp_equal(L, x, car(e));
		if (hit != 0) {
			r = hit < 0 ? OBJ_NULL : car(l);
			break;
		}
		if (came_round(&slow, &i, cdr(l))) {
			r = not_list(L, who, lisp_args(L)[1]);
			break;
		}
	}
	if (r == OBJ_FALSE && pair_p(l) == false && l != OBJ_NIL)
		r = not_list(L, who, l);
	UNROOT(slow);
	UNROOT(l);
	UNROOT(x);
	return r;
}

static obj p_memq(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return mem(L, argv[0], argv[1], 0, "memq"); }
static obj p_memv(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return mem(L, argv[0], argv[1], 1, "memv"); }
static obj p_member(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return mem(L, argv[0], argv[1], 2, "member"); }
static obj p_assq(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return ass(L, argv[0], argv[1], 0, "assq"); }
static obj p_assv(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return ass(L, argv[0], argv[1], 1, "assv"); }
static obj p_assoc(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return ass(L, argv[0], argv[1], 2, "assoc"); }

/* --- symbols --- */

static obj p_symbol_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(symbol_p(argv[0])); }

static obj p_symbol_to_string(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!symbol_p(argv[0]))
		return lisp_type_error(L, "symbol->string", "symbol", argv[0]);
	return lisp_copy_bytes(L, OBJ_T_STRING, sym_name(argv[0]), 0, obj_bytes_length(sym_name(argv[0])));
}

static obj p_string_to_symbol(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!string_p(argv[0]))
		return lisp_type_error(L, "string->symbol", "string", argv[0]);
	return lisp_intern_string(L, argv[0]);
}

static obj p_symbol_eq(struct lisp *L, int argc, obj *argv)
{
	for (int i = 0; i < argc; i++)
		if (!symbol_p(argv[i]))
			return lisp_type_error(L, "symbol=?", "symbol", argv[i]);
	for (int i = 1; i < argc; i++)
		if (argv[i] != argv[0])
			return OBJ_FALSE;
	return OBJ_TRUE;
}

static obj p_gensym(struct lisp *L, int argc, obj *argv)
{
	(void)argv;
	(void)argc;
	return lisp_gensym(L, "g");
}

static const struct lisp_prim_def prims[] = {
	{ "eq?", p_eq, 2, 2, PRIM_INLINE(OP_EQ, 2) | PRIM_PURE },
	{ "eqv?", p_eqv, 2, 2, PRIM_INLINE(OP_EQV, 2) | PRIM_PURE },
	{ "equal?", p_equal, 2, 2, 0 },
	{ "not", p_not, 1, 1, PRIM_INLINE(OP_NOT, 1) | PRIM_PURE },
	{ "boolean?", p_boolean_p, 1, 1, PRIM_PURE },
	{ "boolean=?", p_boolean_eq, 2, -1, PRIM_NOALLOC },
	{ "cons", p_cons, 2, 2, PRIM_INLINE(OP_CONS, 2) },
	{ "%qq-cons", p_cons, 2, 2, 0 },
	{ "car", p_car, 1, 1, PRIM_INLINE(OP_CAR, 1) | PRIM_NOALLOC },
	{ "cdr", p_cdr, 1, 1, PRIM_INLINE(OP_CDR, 1) | PRIM_NOALLOC },
	{ "caar", p_caar, 1, 1, PRIM_NOALLOC }, { "cadr", p_cadr, 1, 1, PRIM_INLINE(OP_CADR, 1) | PRIM_NOALLOC },
	{ "cdar", p_cdar, 1, 1, PRIM_NOALLOC }, { "cddr", p_cddr, 1, 1, PRIM_INLINE(OP_CDDR, 1) | PRIM_NOALLOC },
	{ "caaar", p_caaar, 1, 1, PRIM_NOALLOC }, { "caadr", p_caadr, 1, 1, PRIM_NOALLOC },
	{ "cadar", p_cadar, 1, 1, PRIM_NOALLOC }, { "caddr", p_caddr, 1, 1, PRIM_NOALLOC },
	{ "cdaar", p_cdaar, 1, 1, PRIM_NOALLOC }, { "cdadr", p_cdadr, 1, 1, PRIM_NOALLOC },
	{ "cddar", p_cddar, 1, 1, PRIM_NOALLOC }, { "cdddr", p_cdddr, 1, 1, PRIM_NOALLOC },
	{ "cadddr", p_cadddr, 1, 1, PRIM_NOALLOC }, { "cddddr", p_cddddr, 1, 1, PRIM_NOALLOC },
	{ "caaaar", p_caaaar, 1, 1, PRIM_NOALLOC }, { "caaadr", p_caaadr, 1, 1, PRIM_NOALLOC },
	{ "caadar", p_caadar, 1, 1, PRIM_NOALLOC }, { "caaddr", p_caaddr, 1, 1, PRIM_NOALLOC },
	{ "cadaar", p_cadaar, 1, 1, PRIM_NOALLOC }, { "cadadr", p_cadadr, 1, 1, PRIM_NOALLOC },
	{ "caddar", p_caddar, 1, 1, PRIM_NOALLOC }, { "cdaaar", p_cdaaar, 1, 1, PRIM_NOALLOC },
	{ "cdaadr", p_cdaadr, 1, 1, PRIM_NOALLOC }, { "cdadar", p_cdadar, 1, 1, PRIM_NOALLOC },
	{ "cdaddr", p_cdaddr, 1, 1, PRIM_NOALLOC }, { "cddaar", p_cddaar, 1, 1, PRIM_NOALLOC },
	{ "cddadr", p_cddadr, 1, 1, PRIM_NOALLOC }, { "cdddar", p_cdddar, 1, 1, PRIM_NOALLOC },
	{ "set-car!", p_set_car, 2, 2, PRIM_INLINE(OP_SETCAR, 2) },
	{ "set-cdr!", p_set_cdr, 2, 2, PRIM_INLINE(OP_SETCDR, 2) },
	{ "pair?", p_pair_p, 1, 1, PRIM_INLINE(OP_PAIRP, 1) | PRIM_PURE },
	{ "null?", p_null_p, 1, 1, PRIM_INLINE(OP_NULLP, 1) | PRIM_PURE },
	{ "list?", p_list_p, 1, 1, PRIM_PURE },
	{ "list", p_list, 0, -1, PRIM_INLINE(OP_LIST, 0) },
	{ "%qq-list", p_list, 0, -1, 0 },
	{ "cons*", p_list_star, 1, -1, 0 },
	{ "%qq-list*", p_list_star, 1, -1, 0 },
	{ "length", p_length, 1, 1, PRIM_INLINE(OP_LENGTH, 1) | PRIM_NOALLOC },
	{ "append", lisp_append, 0, -1, PRIM_INLINE(OP_APPEND2, 2) },
	{ "%qq-append", lisp_append, 0, -1, 0 },
	{ "reverse", p_reverse, 1, 1, 0 },
	{ "reverse!", p_reverse_bang, 1, 1, 0 },
	{ "list-copy", p_list_copy, 1, 1, 0 },
	{ "list-tail", p_list_tail, 2, 2, PRIM_NOALLOC },
	{ "list-ref", p_list_ref, 2, 2, PRIM_NOALLOC },
	{ "list-set!", p_list_set, 3, 3, 0 },
	{ "last-pair", p_last_pair, 1, 1, PRIM_NOALLOC },
	{ "make-list", p_make_list, 1, 2, 0 },
	{ "memq", p_memq, 2, 2, PRIM_NOALLOC },
	{ "memv", p_memv, 2, 2, PRIM_NOALLOC },
	{ "%memv", p_memv, 2, 2, PRIM_NOALLOC },
	{ "%member", p_member, 2, 2, 0 },
	{ "assq", p_assq, 2, 2, PRIM_NOALLOC },
	{ "assv", p_assv, 2, 2, PRIM_NOALLOC },
	{ "%assoc", p_assoc, 2, 2, 0 },
	{ "symbol?", p_symbol_p, 1, 1, PRIM_PURE },
	{ "symbol->string", p_symbol_to_string, 1, 1, 0 },
	{ "string->symbol", p_string_to_symbol, 1, 1, 0 },
	{ "symbol=?", p_symbol_eq, 2, -1, PRIM_NOALLOC },
	{ "gensym", p_gensym, 0, 1, 0 },
};

void lisp_init_lists(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
