/* records.c -- define-record-type: the form is rewritten into definitions of the record type,
 * constructor, predicate, accessors and modifiers over five primitives (%make-rtd, %make-record,
 * %record?, %record-ref, %record-set!). A record is (rtd field ...); its type is checked on
 * every access. The rewrite names the primitives through aliases, so user bindings of the same
 * names never capture them. */
#include "compile.h"

#define P(v)	do { obj v_ = (v); if (v_ == OBJ_NULL || !lisp_push(L, v_)) goto out; } while (0)
#define G(sym)	do { obj a_ = lisp_galias(L, sym); if (a_ == OBJ_NULL) goto out; P(a_); } while (0)

static bool mklist(struct lisp *L, size_t k)
{
	obj l = lisp_pop_list(L, k, OBJ_NIL);

	return l != OBJ_NULL && lisp_push(L, l);
}

static obj nth(obj l, intptr_t i)
{
	while (i-- > 0)
		l = cdr(l);
	return car(l);
}

static bool same_id(struct lisp *L, obj a, obj b)
{
	while (alias_p(L, a))
		a = obj_fields(a)[ALIAS_SYM];
	while (alias_p(L, b))
		b = obj_fields(b)[ALIAS_SYM];
	return a == b;
}

static obj spec_field(obj spec) { return pair_p(spec) ? car(spec) : spec; }

obj lisp_record_form(struct lisp *L, obj x)
{
	size_t base = L->sp;
	intptr_t n = lisp_list_length(x), nf, k;
	obj r = OBJ_NULL, fv, ctor;

	if (n < 4 || !identifier_p(L, cadr(x)) || !identifier_p(L, car(cdddr(x))))
		return lisp_syntax_error(L, "define-record-type", x);
	nf = n - 4;
	for (obj f = cdr(cdddr(x)); pair_p(f); f = cdr(f)) {
		obj sp = car(f);
		intptr_t m = lisp_list_length(sp);

		if (identifier_p(L, sp))
			continue;
		if (m < 1 || m > 3)
			return lisp_syntax_error(L, "define-record-type", x);
		for (; pair_p(sp); sp = cdr(sp))
			if (!identifier_p(L, car(sp)))
				return lisp_syntax_error(L, "define-record-type", x);
	}
	ctor = caddr(x);
	if (pair_p(ctor)) {
		if (lisp_list_length(ctor) < 1)
			return lisp_syntax_error(L, "define-record-type", x);
		for (obj a = ctor; pair_p(a); a = cdr(a)) {
			bool found = a == ctor;

			for (obj f = cdr(cdddr(x)); !found && pair_p(f); f = cdr(f))
				found = identifier_p(L, car(a)) && same_id(L, car(a), spec_field(car(f)));
			if (!found)
				return lisp_syntax_error(L, "define-record-type", x);
		}
	} else if (ctor != OBJ_FALSE && !identifier_p(L, ctor)) {
		return lisp_syntax_error(L, "define-record-type", x);
	}
	ROOT(x);
	G(SYM_BEGIN);
	/* (define name (%make-rtd 'name '#(field ...))) */
	fv = lisp_make_vector(L, (size_t)nf, OBJ_FALSE);
	if (fv == OBJ_NULL)
		goto out;
	P(fv);
	for (k = 0; k < nf; k++) {
		obj s = lisp_strip(L, spec_field(nth(cdr(cdddr(x)), k)));

		if (s == OBJ_NULL)
			goto out;
		obj_init_field(L, stk(L)[L->sp - 1], (size_t)k, s);
	}
	G(SYM_DEFINE);
	P(cadr(x));
	G(SYM_MAKE_RTD);
	G(SYM_QUOTE);
	P(lisp_strip(L, cadr(x)));
	if (!mklist(L, 2))
		goto out;
	P(stk(L)[L->sp - 5]);	/* the field vector */
	{
		obj q;

		/* stack: ... make-rtd 'name fv  -> insert quote before fv; the push may grow
		 * the stack (collect), so the fresh alias is made after it */
		P(stk(L)[L->sp - 1]);
		if ((q = lisp_galias(L, SYM_QUOTE)) == OBJ_NULL)
			goto out;
		sset(L, L->sp - 2, q);
		if (!mklist(L, 2) || !mklist(L, 3) || !mklist(L, 3))
			goto out;
		sset(L, L->sp - 2, stk(L)[L->sp - 1]);	/* drop the field vector */
		L->sp--;
	}
	/* the constructor */
	ctor = caddr(x);
	if (ctor != OBJ_FALSE) {
		intptr_t na = pair_p(ctor) ? lisp_list_length(ctor) - 1 : nf;
		size_t params;

		G(SYM_DEFINE);
		P(pair_p(caddr(x)) ? car(caddr(x)) : caddr(x));
		G(SYM_LAMBDA);
		params = L->sp;
		for (k = 0; k < na; k++) {
			obj id = pair_p(caddr(x)) ? nth(cdr(caddr(x)), k) : spec_field(nth(cdr(cdddr(x)), k));
			obj a = lisp_make_alias(L, id, OBJ_NIL);

			if (a == OBJ_NULL)
				goto out;
			P(a);
		}
		if (!mklist(L, (size_t)na))
			goto out;
		G(SYM_MAKE_RECORD);
		P(cadr(x));
		for (k = 0; k < nf; k++) {
			obj v = OBJ_FALSE, plist = stk(L)[params];

			for (intptr_t j = 0; j < na; j++, plist = cdr(plist))
				if (same_id(L, car(plist), spec_field(nth(cdr(cdddr(x)), k))))
					v = car(plist);
			P(v);
		}
		if (!mklist(L, (size_t)nf + 2) || !mklist(L, 3) || !mklist(L, 3))
			goto out;
	}
	/* (define pred (lambda (x) (%record? x name))) */
	{
		obj a = lisp_galias(L, SYM_RECORD_P);

		if (a == OBJ_NULL)
			goto out;
		P(a);	/* reused below as the parameter name too */
		G(SYM_DEFINE);
		P(car(cdddr(x)));
		G(SYM_LAMBDA);
		P(stk(L)[L->sp - 4]);
		if (!mklist(L, 1))
			goto out;
		G(SYM_RECORD_P);
		P(stk(L)[L->sp - 6]);
		P(cadr(x));
		if (!mklist(L, 3) || !mklist(L, 3) || !mklist(L, 3))
			goto out;
		sset(L, L->sp - 2, stk(L)[L->sp - 1]);
		L->sp--;
	}
	/* accessors and modifiers */
	for (k = 0; k < nf; k++) {
		obj sp = nth(cdr(cdddr(x)), k);

		for (int which = 1; which <= 2; which++) {
			obj param;

			sp = nth(cdr(cdddr(x)), k);
			if (!pair_p(sp) || lisp_list_length(sp) <= which)
				continue;
			param = lisp_galias(L, SYM_RECORD_REF);
			if (param == OBJ_NULL)
				goto out;
			P(param);
			size_t pslot = L->sp - 1;
			G(SYM_DEFINE);
			P(nth(nth(cdr(cdddr(x)), k), which));
			G(SYM_LAMBDA);
			P(stk(L)[pslot]);
			if (which == 2) {
				obj v = lisp_galias(L, SYM_RECORD_SET);

				if (v == OBJ_NULL)
					goto out;
				P(v);
			}
			if (!mklist(L, (size_t)which))
				goto out;
			G(which == 1 ? SYM_RECORD_REF : SYM_RECORD_SET);
			P(stk(L)[pslot]);
			P(cadr(x));
			P(fx(k));
			if (which == 2)
				P(car(cdr(stk(L)[pslot + 4])));
			G(SYM_QUOTE);
			P(lisp_strip(L, nth(nth(cdr(cdddr(x)), k), which)));
			if (!mklist(L, 2) || !mklist(L, which == 1 ? 5 : 6) || !mklist(L, 3) || !mklist(L, 3))
				goto out;
			sset(L, L->sp - 2, stk(L)[L->sp - 1]);
			L->sp--;
		}
	}
	r = lisp_pop_list(L, L->sp - base, OBJ_NIL);
out:
	L->sp = base;
	UNROOT(x);
	return r;
}

/* --- the primitives --- */

static obj p_make_rtd(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!symbol_p(argv[0]) || !vector_p(argv[1]))
		return lisp_type_error(L, "%make-rtd", "symbol and vector", argv[0]);
	return lisp_make_rtd(L, argv[0], argv[1]);
}

static obj p_make_record(struct lisp *L, int argc, obj *argv)
{
	obj r;

	if (!rtd_p(argv[0]) || (size_t)argc - 1 != obj_vector_length(obj_fields(argv[0])[RTD_FIELDS]))
		return lisp_type_error(L, "%make-record", "record type", argv[0]);
	r = lisp_make_record(L, argv[0], (size_t)argc - 1);
	if (r == OBJ_NULL)
		return OBJ_NULL;
	argv = lisp_args(L);
	for (int i = 1; i < argc; i++)
		obj_init_field(L, r, (size_t)i, argv[i]);
	return r;
}

static obj p_record_p(struct lisp *L, int argc, obj *argv)
{
	(void)L;
	(void)argc;
	return obj_bool(record_p(argv[0], argv[1]));
}

static obj not_record(struct lisp *L, obj name, obj rtd, obj x)
{
	char who[64], type[64];
	obj s = symbol_p(name) ? sym_name(name) : OBJ_FALSE;
	obj t = rtd_p(rtd) && obj_size(rtd) > RTD_NAME ? obj_fields(rtd)[RTD_NAME] : OBJ_FALSE;
	size_t n;

	n = string_p(s) ? obj_bytes_length(s) : 0;
	n = n < sizeof(who) - 1 ? n : sizeof(who) - 1;
	if (n)
		memcpy(who, obj_bytes_data(s), n);
	who[n] = '\0';
	t = symbol_p(t) ? sym_name(t) : OBJ_FALSE;
	n = string_p(t) ? obj_bytes_length(t) : 0;
	n = n < sizeof(type) - 1 ? n : sizeof(type) - 1;
	if (n)
		memcpy(type, obj_bytes_data(t), n);
	type[n] = '\0';
	return lisp_type_error(L, who, type, x);
}

/* The field index of (%record-ref x rtd index name): a program may call these itself. */
static bool field_ok(obj x, obj index)
{
	return obj_fixnum_p(index) && fxv(index) >= 0 && (size_t)fxv(index) + 1 < obj_size(x);
}

/* (%record-ref x rtd index name) */
static obj p_record_ref(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!record_p(argv[0], argv[1]))
		return not_record(L, argv[3], argv[1], argv[0]);
	if (!field_ok(argv[0], argv[2]))
		return lisp_range_error(L, "%record-ref", argv[2]);
	return obj_load(&obj_fields(argv[0])[1 + fxv(argv[2])]);	/* a setter may run anywhere */
}

/* (%record-set! x rtd index value name) */
static obj p_record_set(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	if (!record_p(argv[0], argv[1]))
		return not_record(L, argv[4], argv[1], argv[0]);
	if (!field_ok(argv[0], argv[2]))
		return lisp_range_error(L, "%record-set!", argv[2]);
	return lisp_store(L, argv[0], (size_t)(1 + fxv(argv[2])), argv[3]) ? OBJ_UNSPECIFIED : OBJ_NULL;
}

static const struct lisp_prim_def prims[] = {
	{ "%make-rtd", p_make_rtd, 2, 2, 0 },
	{ "%make-record", p_make_record, 1, -1, 0 },
	{ "%record?", p_record_p, 2, 2, 0 },
	{ "%record-ref", p_record_ref, 4, 4, 0 },
	{ "%record-set!", p_record_set, 5, 5, 0 },
};

void lisp_init_records(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
