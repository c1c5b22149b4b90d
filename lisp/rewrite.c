/* rewrite.c -- derived syntax rewritten into core syntax before it is expanded: quasiquote
 * (into %qq-cons/%qq-list/%qq-append/%qq-list* calls, nesting levels counted, constant parts
 * quoted), do (into a named let), cond-expand (into a begin of the first clause whose feature
 * requirement holds). Inserted names are aliases of global symbols, so local bindings of the same
 * names never capture them. Pure s-expression transforms: they allocate, never expand. */
#include "compile.h"

static const char *const features[] = {
	"r7rs", "exact-closed", "ratios", "ieee-float", "full-unicode", "lispos"
};


/* Does the cond-expand feature requirement r hold? -1: malformed */
static int requirement(struct lisp *L, obj r)
{
	if (!lisp_depth_ok(L))
		return -1;
	if (identifier_p(L, r)) {
		obj s = r, n;

		while (alias_p(L, s))
			s = obj_fields(s)[ALIAS_SYM];
		if (lisp_keyword_p(L, r, OBJ_NIL, SYM_ELSE))
			return 1;
		n = sym_name(s);
		for (size_t i = 0; i < ARRAY_SIZE(features); i++)
			if (obj_bytes_length(n) == strlen(features[i]) &&
			    memcmp(obj_bytes_data(n), features[i], obj_bytes_length(n)) == 0)
				return 1;
		return 0;
	}
	if (lisp_list_length(r) < 1 || !identifier_p(L, car(r)))
		return -1;
	if (lisp_keyword_p(L, car(r), OBJ_NIL, SYM_AND) || lisp_keyword_p(L, car(r), OBJ_NIL, SYM_OR)) {
		bool is_and = lisp_keyword_p(L, car(r), OBJ_NIL, SYM_AND);

		int k = is_and;
		obj l = cdr(r);

		ROOT(l);	/* (library name) looks %libraries up: it interns */
		for (; pair_p(l) && k == is_and; l = cdr(l))
			k = requirement(L, car(l));
		UNROOT(l);
		return k;
	}
	if (lisp_keyword_p(L, car(r), OBJ_NIL, SYM_NOT) && lisp_list_length(r) == 2) {
		int k = requirement(L, cadr(r));

		return k < 0 ? -1 : !k;
	}
	if (lisp_keyword_p(L, car(r), OBJ_NIL, SYM_LIBRARY) && lisp_list_length(r) == 2)
		return pair_p(cadr(r)) && (lisp_keyword_p(L, car(cadr(r)), OBJ_NIL, SYM_SCHEME) ||
					   lisp_library_defined_p(L, cadr(r)));
	return -1;
}

/* (cond-expand (requirement body ...) ...) -> (begin body ...) of the first that holds */
obj lisp_cond_expand(struct lisp *L, obj x)
{
	obj b, cl = OBJ_NIL;
	int k = 0;

	if (lisp_list_length(x) < 1)
		return lisp_syntax_error(L, "cond-expand", x);
	/* requirement may allocate (an interned name, a depth error): x and cl stay rooted */
	ROOT(x);
	ROOT(cl);
	for (cl = cdr(x); pair_p(cl); cl = cdr(cl))
		if ((k = lisp_list_length(car(cl)) >= 1 ? requirement(L, car(car(cl))) : -1) != 0)
			break;
	if (k < 0) {
		b = lisp_syntax_error(L, "cond-expand", x);
	} else {
		b = lisp_galias(L, SYM_BEGIN);
		if (b != OBJ_NULL)
			b = lisp_cons(L, b, k ? cdr(car(cl)) : OBJ_NIL);
	}
	UNROOT(cl);
	UNROOT(x);
	return b;
}


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

/* (do ((v init step) ...) (test res ...) cmd ...) is rewritten, on the stack, into
 * (let loop ((v init) ...) (if test (begin res ...) (begin cmd ... (loop step ...)))) */
obj lisp_do_form(struct lisp *L, obj x)
{
	size_t base = L->sp, loop_slot;
	intptr_t n, nres, ncmd;
	obj r = OBJ_NULL, specs;

	if (!lisp_proper_p(x, 3) || (n = lisp_list_length(cadr(x))) < 0 || !lisp_proper_p(caddr(x), 1))
		return lisp_syntax_error(L, "do", x);
	for (specs = cadr(x); pair_p(specs); specs = cdr(specs)) {
		intptr_t k = lisp_list_length(car(specs));

		if ((k != 2 && k != 3) || !identifier_p(L, car(car(specs))))
			return lisp_syntax_error(L, "do", x);
	}
	nres = lisp_list_length(cdr(caddr(x)));
	ncmd = lisp_list_length(cdddr(x));
	ROOT(x);
#define P(v)	do { obj v_ = (v); if (v_ == OBJ_NULL || !lisp_push(L, v_)) goto out; } while (0)
	P(lisp_galias(L, SYM_LET));
	P(lisp_galias(L, SYM_DO));
	loop_slot = L->sp - 1;
	for (intptr_t i = 0; i < n; i++) {
		P(car(nth(cadr(x), i)));
		P(cadr(nth(cadr(x), i)));
		if (!mklist(L, 2))
			goto out;
	}
	if (!mklist(L, (size_t)n))
		goto out;
	P(lisp_galias(L, SYM_IF));
	P(car(caddr(x)));
	P(lisp_galias(L, SYM_BEGIN));
	for (intptr_t i = 0; i < nres; i++)
		P(nth(cdr(caddr(x)), i));
	if (nres == 0)
		P(OBJ_UNSPECIFIED);
	if (!mklist(L, (size_t)(nres == 0 ? 2 : nres + 1)))
		goto out;
	P(lisp_galias(L, SYM_BEGIN));
	for (intptr_t i = 0; i < ncmd; i++)
		P(nth(cdddr(x), i));
	P(stk(L)[loop_slot]);
	for (intptr_t i = 0; i < n; i++) {
		obj sp = nth(cadr(x), i);

		P(cddr(sp) != OBJ_NIL ? caddr(sp) : car(sp));
	}
	if (!mklist(L, (size_t)n + 1) || !mklist(L, (size_t)ncmd + 2) || !mklist(L, 4) || !mklist(L, 4))
		goto out;
#undef P
	r = lisp_pop(L);
out:
	L->sp = base;
	UNROOT(x);
	return r;
}


/* --- quasiquote --- */


static bool qq_form_p(struct lisp *L, obj x, obj env, int sym)
{
	return pair_p(x) && lisp_keyword_p(L, car(x), env, sym) && pair_p(cdr(x)) && cddr(x) == OBJ_NIL;
}

static obj qq(struct lisp *L, obj x, obj env, int depth);

/* (f a ...) with f the global SYM_* */
static obj gcall(struct lisp *L, int f, obj args)
{
	obj a;

	ROOT(args);
	a = lisp_galias(L, f);
	UNROOT(args);
	return a ? lisp_cons(L, a, args) : OBJ_NULL;
}

static obj quoted(struct lisp *L, obj x)
{
	obj q;

	ROOT(x);
	q = lisp_galias(L, SYM_QUOTE);
	UNROOT(x);
	return q ? lisp_list2(L, q, x) : OBJ_NULL;
}

/* Does x hold an unquote at this depth (or any quasiquote nesting)? */
static bool qq_constant_p(struct lisp *L, obj x, obj env)
{
	size_t base = L->sp;
	bool constant = true;

	ROOT(env);	/* lisp_push may grow the stack (allocate); env is read after */
	if (!lisp_push(L, x)) {
		UNROOT(env);
		return false;
	}
	while (L->sp > base && constant) {
		x = lisp_pop(L);
		ROOT(x);
		if (vector_p(x)) {
			for (size_t i = 0; i < obj_vector_length(x); i++)
				if (!lisp_push(L, obj_vector_ref(x, i))) {
					constant = false;
					break;
				}
			x = OBJ_NIL;
		}
		for (; pair_p(x); x = cdr(x)) {
			if (identifier_p(L, car(x)) &&
			    (lisp_keyword_p(L, car(x), env, SYM_UNQUOTE) ||
			     lisp_keyword_p(L, car(x), env, SYM_UNQUOTE_SPLICING) ||
			     lisp_keyword_p(L, car(x), env, SYM_QUASIQUOTE))) {
				constant = false;
				break;
			}
			if ((pair_p(car(x)) || vector_p(car(x))) && !lisp_push(L, car(x))) {
				constant = false;
				break;
			}
		}
		UNROOT(x);
	}
	UNROOT(env);
	L->sp = base;
	return constant;
}

/* a list template: (%qq-append seg ...) of (%qq-list item ...) runs and spliced segments */
static obj qq_list(struct lisp *L, obj x, obj env, int depth)
{
	size_t base = L->sp, nitems = 0, nsegs = 0;
	obj r = OBJ_NULL, tail = OBJ_NIL;

	ROOT(x);
	ROOT(env);
	ROOT(tail);
	for (;;) {
		obj e, seg = OBJ_NULL;
		bool splice = false;

		if (!pair_p(x) || qq_form_p(L, x, env, SYM_UNQUOTE) ||
		    (depth > 1 && qq_form_p(L, x, env, SYM_UNQUOTE_SPLICING)) ||
		    qq_form_p(L, x, env, SYM_QUASIQUOTE)) {
			/* the tail: () or a non-list or (... . ,e), (... . `e), and deeper than
			 * level 1 (... . ,@e) */
			if (x != OBJ_NIL) {
				tail = qq(L, x, env, depth);
				if (tail == OBJ_NULL)
					goto out;
			}
			break;
		}
		e = car(x);
		if (qq_form_p(L, e, env, SYM_UNQUOTE_SPLICING) && depth == 1) {
			seg = cadr(e);
			splice = true;
		} else {
			seg = qq(L, e, env, depth);
			if (seg == OBJ_NULL)
				goto out;
		}
		if (splice) {
			if (nitems) {	/* close the run of items */
				obj l;

				/* seg is a piece of x: rooted before the list's allocation moves x
				 * (it was rooted only after it: --torture-every 256, seed 3414582555,
				 * copied a stale seg in the next collection) */
				ROOT(seg);
				l = lisp_pop_list(L, nitems, OBJ_NIL);
				l = l ? gcall(L, SYM_QQ_LIST, l) : OBJ_NULL;
				if (l == OBJ_NULL || !lisp_push(L, l)) {	/* may grow the stack */
					UNROOT(seg);
					goto out;
				}
				UNROOT(seg);
				nsegs++;
				nitems = 0;
			}
			if (!lisp_push(L, seg))
				goto out;
			nsegs++;
		} else {
			if (!lisp_push(L, seg))
				goto out;
			nitems++;
		}
		x = cdr(x);
	}
	if (nitems) {
		obj l = lisp_pop_list(L, nitems, OBJ_NIL);

		if (l == OBJ_NULL)
			goto out;
		if (tail != OBJ_NIL) {
			/* (%qq-list* a b tail) */
			ROOT(l);
			obj t2 = lisp_cons(L, tail, OBJ_NIL);
			UNROOT(l);
			if (t2 == OBJ_NULL)
				goto out;
			/* append t2 to l */
			obj p = l;
			while (cdr(p) != OBJ_NIL)
				p = cdr(p);
			obj_init_field(L, p, 1, t2);	/* l is our fresh list */
			l = gcall(L, SYM_QQ_LIST_STAR, l);
			tail = OBJ_NIL;
		} else {
			l = gcall(L, SYM_QQ_LIST, l);
		}
		if (l == OBJ_NULL || !lisp_push(L, l))
			goto out;
		nsegs++;
	}
	if (tail != OBJ_NIL) {
		if (!lisp_push(L, tail))
			goto out;
		nsegs++;
	}
	if (nsegs == 0)
		r = quoted(L, OBJ_NIL);
	else if (nsegs == 1 && tail == OBJ_NIL)
		r = lisp_pop(L);
	else {
		r = lisp_pop_list(L, nsegs, OBJ_NIL);
		r = r ? gcall(L, SYM_QQ_APPEND, r) : OBJ_NULL;
	}
out:
	L->sp = base;
	UNROOT(tail);
	UNROOT(env);
	UNROOT(x);
	return r;
}

static obj qq(struct lisp *L, obj x, obj env, int depth)
{
	obj r;

	if (!lisp_depth_ok(L))
		return OBJ_NULL;
	if (depth == 1 && qq_form_p(L, x, env, SYM_UNQUOTE))
		return cadr(x);
	/* an unquotation inside a nested quasiquote, unquote or unquote-splicing alike: kept, its
	 * operand a list template one level down, so ,@(a ,x) and ,,@x substitute at level 1 */
	if (depth > 1 && (qq_form_p(L, x, env, SYM_UNQUOTE) ||
			  qq_form_p(L, x, env, SYM_UNQUOTE_SPLICING))) {
		int kw = qq_form_p(L, x, env, SYM_UNQUOTE) ? SYM_UNQUOTE : SYM_UNQUOTE_SPLICING;

		r = qq_list(L, cdr(x), env, depth - 1);
		if (r) {
			ROOT(r);
			obj q = quoted(L, SYM(L, kw));
			UNROOT(r);
			r = q ? lisp_list2(L, q, r) : OBJ_NULL;
		}
		return r ? gcall(L, SYM_QQ_CONS, r) : OBJ_NULL;
	}
	if (qq_form_p(L, x, env, SYM_QUASIQUOTE)) {
		ROOT(x);
		r = qq(L, cadr(x), env, depth + 1);
		r = r ? lisp_cons(L, r, OBJ_NIL) : OBJ_NULL;
		if (r) {
			ROOT(r);
			obj q = quoted(L, SYM(L, SYM_QUASIQUOTE));
			UNROOT(r);
			r = q ? lisp_cons(L, q, r) : OBJ_NULL;
		}
		UNROOT(x);
		return r ? gcall(L, SYM_QQ_LIST, r) : OBJ_NULL;
	}
	ROOT(x);
	ROOT(env);
	bool constant = qq_constant_p(L, x, env);
	UNROOT(env);
	UNROOT(x);
	if (constant)
		return quoted(L, x);
	if (vector_p(x)) {
		obj l = OBJ_NIL;

		ROOT(x);
		ROOT(env);	/* qq_list needs it after these conses (a stale env was walked by
				 * lisp_resolve: the differential test's seed 331 under load) */
		ROOT(l);
		for (size_t i = obj_vector_length(x); i-- > 0 && l != OBJ_NULL;)
			l = lisp_cons(L, obj_vector_ref(x, i), l);
		UNROOT(l);
		UNROOT(env);
		UNROOT(x);
		if (l == OBJ_NULL)
			return OBJ_NULL;
		r = qq_list(L, l, env, depth);
		r = r ? lisp_cons(L, r, OBJ_NIL) : OBJ_NULL;
		return r ? gcall(L, SYM_QQ_LIST_TO_VECTOR, r) : OBJ_NULL;
	}
	return qq_list(L, x, env, depth);
}

obj lisp_quasiquote(struct lisp *L, obj template, obj env)
{
	return qq(L, template, env, 1);
}
