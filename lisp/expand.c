/* expand.c -- the first compiler pass: macro expansion and syntax analysis into IR (compile.h),
 * every identifier resolved once (scope.c) to a variable of an enclosing lambda, a macro, or a
 * global symbol. Here: dispatch, calls (inlined primitives), lambda, bodies with internal
 * definitions (one letrec*), the simple special forms, the top level and lisp_compile; binding
 * and conditional forms are in bindings.c, pure rewrites in rewrite.c. C recursion follows only
 * the nesting of the source (guarded by lisp_depth_ok). */
#include "compile.h"

static obj expand_toplevel(struct lisp_cx *c, obj x, obj env);
static obj expand_library(struct lisp_cx *c, obj x);

/* A macro if head (in env) names one. */
static obj macro_of(struct lisp *L, obj head, obj env)
{
	obj b;

	if (!identifier_p(L, head))
		return OBJ_FALSE;
	b = lisp_resolve(L, head, env);
	if (macro_p(L, b))
		return b;
	if (symbol_p(b) && macro_p(L, lisp_global_value(b)))
		return lisp_global_value(b);
	return OBJ_FALSE;
}

/* --- sequences and calls --- */

bool lisp_proper_p(obj l, intptr_t min)
{
	intptr_t n = lisp_list_length(l);

	return n >= min;
}

/* Expand each form of list in env and push the results; *n gets the count. */
bool lisp_x_list(struct lisp_cx *c, obj list, obj env, size_t *n)
{
	struct lisp *L = c->L;
	bool ok = false;
	size_t base = L->sp;

	*n = 0;
	ROOT(list);
	ROOT(env);
	for (; pair_p(list); list = cdr(list)) {
		obj r = lisp_x_expand(c, car(list), env);

		if (r == OBJ_NULL || !lisp_push(L, r))
			goto out;
		(*n)++;
	}
	ok = true;
out:
	UNROOT(env);
	UNROOT(list);
	if (!ok)
		L->sp = base;
	return ok;
}

/* (begin e ...) in an expression context; empty: unspecified */
obj lisp_x_seq(struct lisp_cx *c, obj list, obj env)
{
	struct lisp *L = c->L;
	size_t n;

	if (list == OBJ_NIL)
		return lisp_ir_const(L, OBJ_UNSPECIFIED);
	if (!lisp_x_list(c, list, env, &n))
		return OBJ_NULL;
	if (n == 1)
		return lisp_pop(L);
	return lisp_ir_pop(L, N_SEQ, n);
}

/* (+ a b c ...) as ((a + b) + c) ...; (- a) as (0 - a) */
static obj expand_chain(struct lisp_cx *c, obj x, obj env, int op)
{
	struct lisp *L = c->L;
	size_t n, base = L->sp;
	obj acc;

	if (!lisp_x_list(c, cdr(x), env, &n))
		return OBJ_NULL;
	if (n == 1) {
		obj zero = lisp_ir_const(L, fx(0));

		if (zero == OBJ_NULL || !lisp_push(L, zero)) {
			L->sp = base;
			return OBJ_NULL;
		}
		sset(L, L->sp - 1, stk(L)[L->sp - 2]);
		sset(L, L->sp - 2, zero);
		n = 2;
	}
	/* stk[base] holds the chain so far, stk[base + i] the next operand */
	for (size_t i = 1; i < n; i++) {
		if (!lisp_push(L, fx(op)) || !lisp_push(L, stk(L)[base]) || !lisp_push(L, stk(L)[base + i]) ||
		    (acc = lisp_ir_pop(L, N_PRIM, 3)) == OBJ_NULL) {
			L->sp = base;
			return OBJ_NULL;
		}
		sset(L, base, acc);
	}
	acc = stk(L)[base];
	L->sp = base;
	return acc;
}

static obj expand_call(struct lisp_cx *c, obj x, obj env)
{
	struct lisp *L = c->L;
	obj head = car(x), g;
	size_t n;
	intptr_t argc = lisp_list_length(cdr(x));

	if (argc < 0)
		return lisp_syntax_error(L, "procedure call", x);
	/* a global primitive the VM runs inline */
	if (identifier_p(L, head) && symbol_p(g = lisp_resolve(L, head, env)) &&
	    primitive_p(lisp_global_value(g))) {
		unsigned f = (unsigned)prim_word(lisp_global_value(g), PRIM_FLAGS);

		int op = (int)PRIM_INLINE_OP(f);

		if (PRIM_INLINE_P(f) && (op == OP_ADD || op == OP_MUL || op == OP_SUB) &&
		    (argc > 2 || (op == OP_SUB && argc == 1)))
			return expand_chain(c, x, env, op);
		if (PRIM_INLINE_P(f) && (PRIM_INLINE_N(f) == 0 ? argc >= 1 && argc <= LISP_VECTOR_INLINE_MAX
						   : (intptr_t)PRIM_INLINE_N(f) == argc)) {
			obj args = cdr(x);
			bool ok;

			ROOT(args);	/* the push may grow the stack, which may collect */
			ROOT(env);
			ok = lisp_push(L, fx(PRIM_INLINE_OP(f)));
			if (ok && !lisp_x_list(c, args, env, &n)) {
				L->sp--;
				ok = false;
			}
			UNROOT(env);
			UNROOT(args);
			if (!ok)
				return OBJ_NULL;
			return lisp_ir_pop(L, N_PRIM, n + 1);
		}
	}
	if (!lisp_x_list(c, x, env, &n))
		return OBJ_NULL;
	return lisp_ir_pop(L, N_CALL, n);
}

/* --- lambda and bodies --- */

obj lisp_x_named(struct lisp_cx *c, obj x, obj env, obj name)
{
	struct lisp *L = c->L;

	if (pair_p(x) && lisp_special_of(L, identifier_p(L, car(x)) ? lisp_resolve(L, car(x), env) : OBJ_FALSE) == SYM_LAMBDA) {
		if (!lisp_proper_p(x, 2))
			return lisp_syntax_error(L, "lambda", x);
		return lisp_x_lambda(c, cadr(x), cddr(x), env, name, x);
	}
	return lisp_x_expand(c, x, env);
}

obj lisp_x_lambda(struct lisp_cx *c, obj formals, obj body, obj env, obj name, obj form)
{
	struct lisp *L = c->L;
	obj lam = OBJ_NULL, scope = OBJ_NULL, params = OBJ_NIL, saved = c->lam, r = OBJ_NULL, f;
	intptr_t nreq = 0;

	ROOT(formals);
	ROOT(body);
	ROOT(env);
	ROOT(name);
	ROOT(form);
	ROOT(lam);
	ROOT(scope);
	ROOT(params);
	ROOT(saved);
	lam = lisp_make_vector(L, LAM_NFIELDS, OBJ_FALSE);
	if (lam == OBJ_NULL)
		goto out;
	obj_init_field(L, lam, LAM_TAG, fx(N_LAMBDA));
	{	/* stripped first: it may collect, and C may read lam before the call */
		obj stripped = lisp_strip(L, name);

		if (stripped == OBJ_NULL)
			goto out;
		obj_init_field(L, lam, LAM_NAME, stripped);
	}
	obj_init_field(L, lam, LAM_FREE, OBJ_NIL);
	obj_init_field(L, lam, LAM_NFREE, fx(0));
	obj_init_field(L, lam, LAM_PARENT, c->lam);
	scope = lisp_new_scope(L, env, lam);
	if (scope == OBJ_NULL)
		goto out;
	for (f = formals;; f = cdr(f)) {
		obj id = pair_p(f) ? car(f) : f, var;

		if (f == OBJ_NIL)
			break;
		if (!identifier_p(L, id) || lisp_bound_here_p(scope, id)) {
			lisp_syntax_error(L, "lambda", form);
			goto out;
		}
		ROOT(f);
		ROOT(id);
		var = lisp_new_var(L, id, lam);
		if (var != OBJ_NULL) {
			ROOT(var);
			if (!lisp_bind(L, scope, id, var) || (params = lisp_cons(L, var, params)) == OBJ_NULL)
				var = OBJ_NULL;
			UNROOT(var);
		}
		UNROOT(id);
		UNROOT(f);
		if (var == OBJ_NULL)
			goto out;
		if (!pair_p(f)) {
			obj_init_field(L, lam, LAM_REST, OBJ_TRUE);
			break;
		}
		nreq++;
	}
	params = lisp_list_reverse(L, params);
	if (params == OBJ_NULL)
		goto out;
	obj_init_field(L, lam, LAM_NREQ, fx(nreq));
	obj_init_field(L, lam, LAM_PARAMS, params);
	c->lam = lam;
	r = lisp_x_body(c, body, scope);
	c->lam = saved;
	if (r == OBJ_NULL)
		goto out;
	lisp_private_set(L, lam, LAM_BODY, r);	/* the compiler's own IR */
	r = lam;
out:
	c->lam = saved;
	UNROOT(saved);
	UNROOT(params);
	UNROOT(scope);
	UNROOT(lam);
	UNROOT(form);
	UNROOT(name);
	UNROOT(env);
	UNROOT(body);
	UNROOT(formals);
	return r;
}

/* (define id expr), (define id), (define (id . formals) body ...): *id and the value form
 * (a lambda form for the procedure shorthand; OBJ_UNDEFINED for no value). */
static bool parse_define(struct lisp *L, obj x, obj *id, obj *val)
{
	obj target;

	if (!lisp_proper_p(x, 2))
		goto bad;
	target = cadr(x);
	if (identifier_p(L, target)) {
		if (cddr(x) != OBJ_NIL && cdddr(x) != OBJ_NIL)
			goto bad;
		*id = target;
		*val = cddr(x) == OBJ_NIL ? OBJ_UNDEFINED : caddr(x);
		return true;
	}
	if (pair_p(target) && identifier_p(L, car(target)) && cddr(x) != OBJ_NIL) {
		obj lam, form;

		ROOT(x);
		lam = lisp_galias(L, SYM_LAMBDA);
		ROOT(lam);
		form = lam ? lisp_cons(L, cdr(cadr(x)), cddr(x)) : OBJ_NULL;
		form = form ? lisp_cons(L, lam, form) : OBJ_NULL;
		UNROOT(lam);
		UNROOT(x);
		if (form == OBJ_NULL)
			return false;
		*id = car(cadr(x));
		*val = form;
		return true;
	}
bad:
	lisp_syntax_error(L, "define", x);
	return false;
}

obj lisp_record_form(struct lisp *L, obj x);

/*
 * A body: internal definitions (also from macros, begin, define-syntax, define-record-type)
 * then expressions, as one letrec* (expressions before the last definition become dummy
 * bindings, so definitions and expressions may mix). Pushes (var-or-#f, form) pairs.
 */
obj lisp_x_body(struct lisp_cx *c, obj body, obj env)
{
	struct lisp *L = c->L;
	obj scope = OBJ_NULL, queue = body, form = OBJ_NULL, r = OBJ_NULL, vars = OBJ_NIL, inits = OBJ_NIL;
	size_t base = L->sp, n = 0, ndefs = 0, last_def = 0;

	ROOT(env);
	ROOT(scope);
	ROOT(queue);
	ROOT(form);
	ROOT(vars);
	ROOT(inits);
	if (!lisp_proper_p(body, 1)) {
		lisp_syntax_error(L, "body", body);
		goto out;
	}
	scope = lisp_new_scope(L, env, c->lam);
	if (scope == OBJ_NULL)
		goto out;
	while (pair_p(queue)) {
		form = car(queue);
		queue = cdr(queue);
		for (;;) {
			obj m, id = OBJ_FALSE, val = OBJ_FALSE, var;
			int sp;

			if (!pair_p(form))
				break;
			m = macro_of(L, car(form), scope);
			if (m != OBJ_FALSE) {
				form = lisp_macro_expand(L, m, form, scope);
				if (form == OBJ_NULL)
					goto out;
				continue;
			}
			sp = identifier_p(L, car(form)) ? lisp_special_of(L, lisp_resolve(L, car(form), scope)) : -1;
			if (sp == SYM_COND_EXPAND) {
				form = lisp_cond_expand(L, form);
				if (form == OBJ_NULL)
					goto out;
				continue;
			}
			if (sp == SYM_BEGIN) {
				obj q;

				if (!lisp_proper_p(form, 1)) {
					lisp_syntax_error(L, "begin", form);
					goto out;
				}
				q = lisp_list_reverse(L, cdr(form));
				ROOT(q);
				for (; q != OBJ_NULL && pair_p(q); q = cdr(q)) {
					obj p = lisp_cons(L, car(q), queue);

					if (p == OBJ_NULL)
						q = OBJ_NULL;
					else
						queue = p;
				}
				UNROOT(q);
				if (q == OBJ_NULL)
					goto out;
				form = OBJ_NULL;
				break;
			}
			if (sp == SYM_DEFINE_RECORD_TYPE) {
				form = lisp_record_form(L, form);
				if (form == OBJ_NULL)
					goto out;
				continue;
			}
			if (sp == SYM_DEFINE_SYNTAX) {
				if (lisp_list_length(form) != 3 || !identifier_p(L, cadr(form))) {
					lisp_syntax_error(L, "define-syntax", form);
					goto out;
				}
				m = lisp_make_macro(L, caddr(form), scope, cadr(form));
				if (m == OBJ_NULL || !lisp_bind(L, scope, cadr(form), m))
					goto out;
				form = OBJ_NULL;
				break;
			}
			if (sp != SYM_DEFINE)
				break;
			if (!parse_define(L, form, &id, &val))
				goto out;
			ROOT(val);
			ROOT(id);
			var = lisp_new_var(L, id, c->lam);
			if (var != OBJ_NULL) {
				ROOT(var);
				if (!lisp_bind(L, scope, id, var) || !lisp_push(L, var) || !lisp_push(L, val))
					var = OBJ_NULL;
				UNROOT(var);
			}
			UNROOT(id);
			UNROOT(val);
			if (var == OBJ_NULL)
				goto out;
			n++;
			ndefs++;
			last_def = n;
			form = OBJ_NULL;
			break;
		}
		if (form != OBJ_NULL) {
			if (!lisp_push(L, OBJ_FALSE) || !lisp_push(L, form))
				goto out;
			n++;
		}
	}
	/* expand the values and expressions, now that every definition is in scope */
	for (size_t i = 0; i < n; i++) {
		size_t k = base + 2 * i;
		obj v = stk(L)[k], e;

		form = stk(L)[k + 1];
		if (v != OBJ_FALSE && form == OBJ_UNDEFINED)
			e = lisp_ir_const(L, OBJ_UNSPECIFIED);
		else
			e = v != OBJ_FALSE ? lisp_x_named(c, form, scope, obj_vector_ref(v, VAR_NAME))
					   : lisp_x_expand(c, form, scope);
		if (e == OBJ_NULL)
			goto out;
		sset(L, k + 1, e);
	}
	if (ndefs == 0) {
		/* no definitions: a plain sequence */
		for (size_t i = 0; i < n; i++)
			sset(L, base + i, stk(L)[base + 2 * i + 1]);
		L->sp = base + n;
		r = n == 1 ? lisp_pop(L) : lisp_ir_pop(L, N_SEQ, n);
		goto out;
	}
	for (size_t i = last_def; i-- > 0;) {
		obj v = stk(L)[base + 2 * i];

		if (v == OBJ_FALSE) {	/* an expression before a definition */
			v = lisp_new_var(L, SYM(L, SYM_VOID), c->lam);
			if (v == OBJ_NULL)
				goto out;
		}
		if ((vars = lisp_cons(L, v, vars)) == OBJ_NULL ||
		    (inits = lisp_cons(L, stk(L)[base + 2 * i + 1], inits)) == OBJ_NULL)
			goto out;
	}
	for (size_t i = last_def; i < n; i++)
		sset(L, base + (i - last_def), stk(L)[base + 2 * i + 1]);
	L->sp = base + (n - last_def);
	if (n == last_def)
		r = lisp_ir_const(L, OBJ_UNSPECIFIED);
	else
		r = n - last_def == 1 ? lisp_pop(L) : lisp_ir_pop(L, N_SEQ, n - last_def);
	if (r != OBJ_NULL)
		r = lisp_ir3(L, N_LETREC, vars, inits, r);
out:
	L->sp = base;
	UNROOT(inits);
	UNROOT(vars);
	UNROOT(form);
	UNROOT(queue);
	UNROOT(scope);
	UNROOT(env);
	return r;
}

/* --- the special forms --- */

static obj expand_special(struct lisp_cx *c, int which, obj x, obj env)
{
	struct lisp *L = c->L;
	intptr_t n = lisp_list_length(x);
	obj r, a, b;

	switch (which) {
	case SYM_QUOTE:
		if (n != 2)
			return lisp_syntax_error(L, "quote", x);
		r = lisp_strip(L, cadr(x));
		return r ? lisp_ir_const(L, r) : OBJ_NULL;
	case SYM_QUASIQUOTE:
		if (n != 2)
			return lisp_syntax_error(L, "quasiquote", x);
		ROOT(env);
		r = lisp_quasiquote(L, cadr(x), env);
		UNROOT(env);
		return r ? lisp_x_expand(c, r, env) : OBJ_NULL;
	case SYM_LAMBDA:
		if (n < 3)
			return lisp_syntax_error(L, "lambda", x);
		return lisp_x_lambda(c, cadr(x), cddr(x), env, OBJ_FALSE, x);
	case SYM_NAMED_LAMBDA:
		if (n < 3 || !pair_p(cadr(x)))
			return lisp_syntax_error(L, "named-lambda", x);
		return lisp_x_lambda(c, cdr(cadr(x)), cddr(x), env, car(cadr(x)), x);
	case SYM_DEFINE:
		return lisp_syntax_error(L, "define (not at the start of a body)", x);
	case SYM_DEFINE_SYNTAX:
		return lisp_syntax_error(L, "define-syntax (not at the start of a body)", x);
	case SYM_DEFINE_RECORD_TYPE:
		return lisp_syntax_error(L, "define-record-type (not at the start of a body)", x);
	case SYM_SET:
		if (n != 3 || !identifier_p(L, cadr(x)))
			return lisp_syntax_error(L, "set!", x);
		ROOT(x);
		ROOT(env);
		r = lisp_x_expand(c, caddr(x), env);
		ROOT(r);
		a = r != OBJ_NULL ? lisp_resolve(L, cadr(x), env) : OBJ_NULL;
		b = OBJ_NULL;
		if (a == OBJ_NULL) {
		} else if (vector_p(a)) {
			var_flag(L, a, VF_MUTATED);
			ROOT(a);
			if (lisp_x_capture(c, a) && lisp_push(L, a) && lisp_push(L, r))
				b = lisp_ir_pop(L, N_LSET, 2);
			UNROOT(a);
		} else if (!symbol_p(a) || lisp_special_of(L, a) >= 0 || macro_p(L, lisp_global_value(a))) {
			lisp_syntax_error(L, "set!", x);
		} else if (L->sys_eval) {
			lisp_errorf(L, x, "eval: an environment's bindings are immutable:");
		} else if (lisp_push(L, a) && lisp_push(L, r)) {
			b = lisp_ir_pop(L, N_GSET, 2);
		}
		UNROOT(r);
		UNROOT(env);
		UNROOT(x);
		return b;
	case SYM_IF:
		if (n != 3 && n != 4)
			return lisp_syntax_error(L, "if", x);
		{
			size_t k;

			if (!lisp_x_list(c, cdr(x), env, &k))
				return OBJ_NULL;
			if (k == 2 && (r = lisp_ir_const(L, OBJ_UNSPECIFIED)) != OBJ_NULL && !lisp_push(L, r))
				r = OBJ_NULL;
			if (k == 2 && r == OBJ_NULL) {
				L->sp -= 2;
				return OBJ_NULL;
			}
			return lisp_ir_pop(L, N_IF, 3);
		}
	case SYM_BEGIN:
		if (n < 1)
			return lisp_syntax_error(L, "begin", x);
		return lisp_x_seq(c, cdr(x), env);
	case SYM_LET:
		if (n >= 3 && identifier_p(L, cadr(x)))
			return lisp_x_named_let(c, x, env);
		return lisp_x_let(c, x, env, false);
	case SYM_LETSTAR:
		return lisp_x_let(c, x, env, true);
	case SYM_LETREC:
	case SYM_LETRECSTAR:
		return lisp_x_letrec(c, x, env);
	case SYM_COND:
		if (n < 1)
			return lisp_syntax_error(L, "cond", x);
		return lisp_x_clauses(c, x, cdr(x), env, OBJ_FALSE);
	case SYM_CASE:
		return lisp_x_case(c, x, env);
	case SYM_AND:
	case SYM_OR:
		if (n < 1)
			return lisp_syntax_error(L, which == SYM_AND ? "and" : "or", x);
		if (n == 1)
			return lisp_ir_const(L, which == SYM_AND ? OBJ_TRUE : OBJ_FALSE);
		{
			size_t k;

			if (!lisp_x_list(c, cdr(x), env, &k))
				return OBJ_NULL;
			return k == 1 ? lisp_pop(L) : lisp_ir_pop(L, which == SYM_AND ? N_AND : N_OR, k);
		}
	case SYM_WHEN:
	case SYM_UNLESS: {
		size_t base = L->sp;

		if (n < 3)
			return lisp_syntax_error(L, which == SYM_WHEN ? "when" : "unless", x);
		ROOT(x);
		ROOT(env);
		r = OBJ_NULL;
		a = lisp_x_expand(c, cadr(x), env);
		if (a != OBJ_NULL && lisp_push(L, a) && (b = lisp_x_seq(c, cddr(x), env)) != OBJ_NULL &&
		    lisp_push(L, b) && (b = lisp_ir_const(L, OBJ_UNSPECIFIED)) != OBJ_NULL && lisp_push(L, b)) {
			if (which == SYM_UNLESS) {
				obj t = stk(L)[L->sp - 1];

				sset(L, L->sp - 1, stk(L)[L->sp - 2]);
				sset(L, L->sp - 2, t);
			}
			r = lisp_ir_pop(L, N_IF, 3);
		}
		L->sp = base;
		UNROOT(env);
		UNROOT(x);
		return r;
	}
	case SYM_SYNTAX_ERROR: {
		/* (syntax-error "message" form ...): an error at expansion time */
		obj f;

		if (n < 2 || !string_p(cadr(x)))
			return lisp_syntax_error(L, "syntax-error", x);
		ROOT(x);	/* the strip may collect */
		f = lisp_strip(L, cddr(x));
		if (f == OBJ_NULL) {
			UNROOT(x);
			return OBJ_NULL;
		}
		ROOT(f);
		r = lisp_copy_bytes(L, OBJ_T_STRING, cadr(x), 0, obj_bytes_length(cadr(x)));
		UNROOT(f);
		UNROOT(x);
		if (r == OBJ_NULL)
			return OBJ_NULL;
		L->err = lisp_make_condition(L, SYM(L, SYM_ERROR_SYM), r, f);
		return OBJ_NULL;
	}
	case SYM_DO:
		ROOT(env);
		r = lisp_do_form(L, x);
		UNROOT(env);
		return r ? lisp_x_named_let(c, r, env) : OBJ_NULL;
	case SYM_LET_SYNTAX:
	case SYM_LETREC_SYNTAX: {
		obj scope, bs;

		if (n < 3 || lisp_bindings_ok(L, cadr(x)) < 0)
			return lisp_syntax_error(L, which == SYM_LET_SYNTAX ? "let-syntax" : "letrec-syntax", x);
		ROOT(x);
		ROOT(env);
		scope = lisp_new_scope(L, env, c->lam);
		ROOT(scope);
		for (bs = cadr(x); scope != OBJ_NULL && pair_p(bs); bs = cdr(bs)) {
			ROOT(bs);
			obj m = lisp_make_macro(L, cadr(car(bs)), which == SYM_LET_SYNTAX ? env : scope,
						car(car(bs)));
			if (m == OBJ_NULL || !lisp_bind(L, scope, car(car(bs)), m))
				scope = OBJ_NULL;
			UNROOT(bs);
		}
		r = scope ? lisp_x_body(c, cddr(x), scope) : OBJ_NULL;
		UNROOT(scope);
		UNROOT(env);
		UNROOT(x);
		return r;
	}
	}
	return lisp_syntax_error(L, "unknown special form", x);
}

obj lisp_x_expand(struct lisp_cx *c, obj x, obj env)
{
	struct lisp *L = c->L;
	obj r = OBJ_NULL;

	if (!lisp_depth_ok(L))
		return OBJ_NULL;
	ROOT(x);
	ROOT(env);
	for (;;) {
		obj head, b;

		if (identifier_p(L, x)) {
			r = lisp_x_ref(c, x, env);
			break;
		}
		if (!pair_p(x)) {
			if (x == OBJ_NIL) {
				r = lisp_syntax_error(L, "empty combination", x);
				break;
			}
			r = lisp_strip(L, x);
			r = r ? lisp_ir_const(L, r) : OBJ_NULL;
			break;
		}
		head = car(x);
		if (identifier_p(L, head)) {
			b = lisp_resolve(L, head, env);
			if (symbol_p(b) && macro_p(L, lisp_global_value(b)))
				b = lisp_global_value(b);
			if (macro_p(L, b)) {
				x = lisp_macro_expand(L, b, x, env);
				if (x == OBJ_NULL)
					break;
				continue;
			}
			if (lisp_special_of(L, b) == SYM_COND_EXPAND) {
				x = lisp_cond_expand(L, x);
				if (x == OBJ_NULL)
					break;
				continue;
			}
			if (lisp_special_of(L, b) >= 0) {
				r = expand_special(c, lisp_special_of(L, b), x, env);
				break;
			}
		}
		r = expand_call(c, x, env);
		break;
	}
	UNROOT(env);
	UNROOT(x);
	return r;
}

/* --- top level --- */

/* A fresh uninterned symbol named after identifier id. */
static obj fresh_global(struct lisp *L, obj id)
{
	char buf[40];
	obj name;
	size_t n;

	while (alias_p(L, id))
		id = obj_fields(id)[ALIAS_SYM];
	name = sym_name(id);
	n = MIN(obj_bytes_length(name), sizeof(buf) - 1);
	memcpy(buf, obj_bytes_data(name), n);
	buf[n] = 0;
	return lisp_gensym(L, buf);
}

/* The global a top-level define of id binds: id itself if it is a symbol. An identifier a macro
 * inserted (an alias) binds a fresh uninterned symbol instead, named after it, which every use
 * of that alias (one per identifier per expansion) then names (lisp_resolve): a macro's own
 * top-level definitions neither capture nor are captured by the user's names, as in Guile
 * and Chez ((def-hidden a 1) (def-hidden b 2) keep two tmps). OBJ_NULL: heap exhausted. */
static obj toplevel_name(struct lisp *L, obj id)
{
	obj g;

	if (!alias_p(L, id))
		return id;
	if ((g = obj_fields(id)[ALIAS_GLOBAL]) != OBJ_FALSE)
		return g;
	ROOT(id);
	g = fresh_global(L, id);
	UNROOT(id);
	return g != OBJ_NULL && lisp_store(L, id, ALIAS_GLOBAL, g) ? g : OBJ_NULL;
}

/* Bind id in the library's frame to a fresh symbol, unless it is bound there already. */
static bool library_prescan_id(struct lisp *L, obj id, obj frame)
{
	obj g;
	bool ok;

	if (!symbol_p(id) || lisp_bound_here_p(frame, id))
		return true;	/* (an alias: its own top-level name, toplevel_name) */
	ROOT(id);
	ROOT(frame);
	g = fresh_global(L, id);
	ok = g != OBJ_NULL && lisp_bind(L, frame, id, g);
	UNROOT(frame);
	UNROOT(id);
	return ok;
}

/* A begin's definitions of inserted identifiers get their globals before any of its forms is
 * expanded, so a use before the definition (mutual recursion) names the same one. */
static bool name_alias(struct lisp *L, obj id, obj env)
{
	(void)env;
	return !alias_p(L, id) || toplevel_name(L, id) != OBJ_NULL;
}

/* The global a top-level define of id binds in env: OBJ_NIL (the top level), the system frame
 * (the prelude: id's twin, globals.c "The system's bindings") or a library's frame
 * (expand_library), where a name the library exports maps to its external symbol and every
 * other name it defines to a fresh symbol of its own (bound now if a macro made the define,
 * which the prescan did not see). */
static obj toplevel_sym(struct lisp *L, obj id, obj env)
{
	bool ok;

	if (alias_p(L, id))
		return toplevel_name(L, id);
	if (env == OBJ_NIL)
		return id;
	if (env == STATE(L, S_SYSFRAME) && !L->sys_code)
		return lisp_errorf(L, id, "eval: an environment's bindings are immutable: a definition of");
	if (env == STATE(L, S_SYSFRAME))
		return lisp_sys_twin(L, id);
	ROOT(id);
	ok = library_prescan_id(L, id, env);
	UNROOT(id);
	return ok ? lisp_resolve(L, id, env) : OBJ_NULL;
}

/* --- define-library (README, "Libraries") --- */

/* id is an identifier whose symbol is called name (by name, whatever it resolves to) */
bool lisp_sym_named(struct lisp *L, obj id, const char *name)
{
	size_t n = strlen(name);
	obj s;

	if (!identifier_p(L, id))
		return false;
	while (alias_p(L, id))
		id = obj_fields(id)[ALIAS_SYM];
	s = sym_name(id);
	return obj_bytes_length(s) == n && memcmp(obj_bytes_data(s), name, n) == 0;
}

/* Call fn(L, id, ctx) on each name the forms define (define, define-values, define-record-type
 * (type, constructor, predicate, accessors, modifiers), define-syntax, inside begin), before
 * any of them is expanded; false as soon as fn fails. Forms that become definitions only by
 * expanding a macro are not looked at. */
typedef bool defined_fn(struct lisp *L, obj id, obj ctx);

static bool each_defined(struct lisp *L, obj forms, defined_fn *fn, obj frame)
{
	bool ok = true;
	obj f = forms;

	ROOT(f);
	ROOT(frame);
	for (; ok && pair_p(f); f = cdr(f)) {
		obj x = car(f), ids = OBJ_NIL, head;

		if (!pair_p(x) || !pair_p(cdr(x)))
			continue;
		head = car(x);
		if (lisp_sym_named(L, head, "begin")) {
			ok = each_defined(L, cdr(x), fn, frame);
			continue;
		}
		if (lisp_sym_named(L, head, "define") || lisp_sym_named(L, head, "define-syntax")) {
			obj id = cadr(x);

			while (pair_p(id))
				id = car(id);
			ids = id;	/* one identifier: walked below as a dotted tail */
		} else if (lisp_sym_named(L, head, "define-values")) {
			ids = cadr(x);
		} else if (lisp_sym_named(L, head, "define-record-type") && pair_p(cddr(x))) {
			ids = OBJ_NIL;	/* type, constructor, predicate, accessors and modifiers */
			ROOT(x);
			for (obj spec = cdr(cdddr(x)); ok && pair_p(spec); spec = cdr(spec))
				for (obj a = pair_p(car(spec)) ? cdr(car(spec)) : OBJ_NIL; ok && pair_p(a); a = cdr(a)) {
					ROOT(spec);
					ROOT(a);
					ok = fn(L, car(a), frame);
					UNROOT(a);
					UNROOT(spec);
				}
			if (ok && pair_p(cdddr(x)))
				ok = fn(L, car(cdddr(x)), frame);
			if (ok)
				ok = fn(L, pair_p(caddr(x)) ? car(caddr(x)) : caddr(x), frame);
			if (ok)
				ok = fn(L, cadr(x), frame);
			UNROOT(x);
			continue;
		}
		ROOT(ids);
		for (; ok && pair_p(ids); ids = cdr(ids))
			ok = fn(L, car(ids), frame);
		if (ok && ids != OBJ_NIL)
			ok = fn(L, ids, frame);
		UNROOT(ids);
	}
	UNROOT(frame);
	UNROOT(f);
	return ok;
}

static bool sys_prescan_id(struct lisp *L, obj id, obj ctx)
{
	(void)ctx;
	return !symbol_p(id) || lisp_sys_twin(L, id) != OBJ_NULL;
}

bool lisp_sys_prescan(struct lisp *L, obj forms)
{
	return each_defined(L, forms, sys_prescan_id, OBJ_NIL);
}

static bool exported_as_p(obj frame, obj ext)
{
	for (obj b = obj_vector_ref(frame, ENV_BINDINGS); pair_p(b); b = cdr(b))
		if (cdr(car(b)) == ext)
			return true;
	return false;
}

/* (export spec ...): each name bound in the frame to its external symbol, (rename a b): a to b */
static bool library_exports(struct lisp *L, obj specs, obj frame)
{
	bool ok = true;
	obj e = specs;

	ROOT(e);
	ROOT(frame);
	for (; ok && pair_p(e); e = cdr(e)) {
		obj sp = car(e), in = sp, ext = sp;

		if (pair_p(sp) && lisp_sym_named(L, car(sp), "rename") && lisp_list_length(sp) == 3) {
			in = cadr(sp);
			ext = caddr(sp);
		}
		if (alias_p(L, in) || alias_p(L, ext)) {
			lisp_syntax_error(L, "define-library: exporting a name a macro inserted is not supported", sp);
			ok = false;
		} else if (!symbol_p(in) || !symbol_p(ext)) {
			lisp_syntax_error(L, "define-library: export", sp);
			ok = false;
		} else if (lisp_bound_here_p(frame, in) || exported_as_p(frame, ext)) {
			lisp_syntax_error(L, "define-library: exported twice", sp);
			ok = false;
		} else {
			ok = lisp_bind(L, frame, in, ext);
		}
	}
	UNROOT(frame);
	UNROOT(e);
	return ok;
}

/* The expansion of (proc (quote datum)), proc a global named in C. */
static obj call_quoted(struct lisp_cx *c, const char *proc, obj datum)
{
	struct lisp *L = c->L;
	obj e, q, quote;

	ROOT(datum);
	quote = lisp_galias(L, SYM_QUOTE);	/* the system's too: a program may define quote */
	ROOT(quote);
	e = quote ? lisp_intern(L, proc, strlen(proc)) : OBJ_NULL;
	e = e ? lisp_sys_alias(L, e) : OBJ_NULL;	/* the system's, whatever the program defines */
	e = e ? lisp_cons(L, e, OBJ_NIL) : OBJ_NULL;
	ROOT(e);
	q = e ? lisp_cons(L, datum, OBJ_NIL) : OBJ_NULL;
	q = q ? lisp_cons(L, quote, q) : OBJ_NULL;
	q = q ? lisp_cons(L, q, OBJ_NIL) : OBJ_NULL;
	UNROOT(e);
	UNROOT(quote);
	UNROOT(datum);
	e = q ? lisp_cons(L, car(e), q) : OBJ_NULL;
	return e ? expand_toplevel(c, e, OBJ_NIL) : OBJ_NULL;
}

static bool strings_p(obj l)
{
	for (; pair_p(l); l = cdr(l))
		if (!string_p(car(l)))
			return false;
	return l == OBJ_NIL;
}

/* include or include-ci at top level, unless the program gave the name a value */
static bool include_p(struct lisp *L, obj head)
{
	obj s;

	if (!lisp_sym_named(L, head, "include") && !lisp_sym_named(L, head, "include-ci"))
		return false;
	s = lisp_resolve(L, head, OBJ_NIL);
	return symbol_p(s) && lisp_global_value(s) == OBJ_UNDEFINED;
}

/* (include "file" ...) at top level: (%include '(include "file" ...)), which evaluates the
 * files' data in order at run time, as load does (prelude.scm): the store's files can be read
 * only then. include-ci reads them folding case. */
static obj expand_include(struct lisp_cx *c, obj x)
{
	struct lisp *L = c->L;

	if (!lisp_proper_p(x, 2) || !strings_p(cdr(x)))
		return lisp_syntax_error(L, "include", x);
	x = lisp_strip(L, x);
	return x != OBJ_NULL ? call_quoted(c, "%include", x) : OBJ_NULL;
}

static bool lib_name_equal(obj a, obj b)
{
	for (; pair_p(a) && pair_p(b); a = cdr(a), b = cdr(b))
		if (car(a) != car(b))
			return false;	/* symbols and fixnums: eq? */
	return a == OBJ_NIL && b == OBJ_NIL;
}

/* The libraries defined so far: the registry prelude.scm keeps in %libraries, () before the
 * first. Interning the name may allocate: the caller roots what it holds. */
static obj library_registry(struct lisp *L)
{
	obj s = lisp_intern(L, "%libraries", 10);

	if (s == OBJ_NULL)
		return OBJ_NIL;
	s = lisp_sys_cell(s);	/* the prelude's variable */
	return lisp_global_value(s) != OBJ_UNDEFINED ? lisp_global_value(s) : OBJ_NIL;
}

static bool registered(obj libs, obj name)
{
	for (; pair_p(libs); libs = cdr(libs))
		if (lib_name_equal(car(libs), name))
			return true;
	return false;
}

bool lisp_library_defined_p(struct lisp *L, obj name)
{
	obj libs;

	ROOT(name);
	libs = library_registry(L);
	UNROOT(name);
	return registered(libs, name);
}

/* Whether the library an import set names is a standard one or defined already (its macros
 * are known now), and the set makes no new names (prefix, rename: they must exist before the
 * body that uses them is expanded); libs: the registry (library_registry). */
static bool library_known(struct lisp *L, obj set, obj libs)
{
	while (pair_p(set) && pair_p(cdr(set)) && (lisp_sym_named(L, car(set), "only") ||
	       lisp_sym_named(L, car(set), "except") || lisp_sym_named(L, car(set), "prefix") ||
	       lisp_sym_named(L, car(set), "rename"))) {
		if (lisp_sym_named(L, car(set), "prefix") || lisp_sym_named(L, car(set), "rename"))
			return false;
		set = cadr(set);
	}
	return (lisp_list_length(set) == 2 && lisp_sym_named(L, car(set), "scheme")) ||
	       registered(libs, set);
}

static bool library_include_p(struct lisp *L, obj head)
{
	return lisp_sym_named(L, head, "include") || lisp_sym_named(L, head, "include-ci") ||
	       lisp_sym_named(L, head, "include-library-declarations");
}

/* A library importing one that is not defined yet (from a store file): its imports have to
 * run before its body is expanded, or the body cannot use their macros. One with include
 * declarations: the store's files are read at run time (%define-library-deferred). */
static bool library_deferred(struct lisp *L, obj x)
{
	obj libs;

	ROOT(x);
	libs = library_registry(L);
	UNROOT(x);
	for (obj d = cddr(x); pair_p(d); d = cdr(d))
		if (library_include_p(L, car(car(d))))
			return true;
	for (obj d = cddr(x); pair_p(d); d = cdr(d))
		if (lisp_sym_named(L, car(car(d)), "import"))
			for (obj set = cdr(car(d)); pair_p(set); set = cdr(set))
				if (!library_known(L, car(set), libs))
					return true;
	return false;
}

/* Push decls, each (cond-expand (requirement decl ...) ...) among them replaced by the
 * declarations of its first clause that holds (R7RS 5.6.1; nested ones too); k counts them. */
static bool push_library_decls(struct lisp *L, obj decls, size_t *k)
{
	bool ok = lisp_depth_ok(L);

	ROOT(decls);
	for (; ok && pair_p(decls); decls = cdr(decls)) {
		obj d = car(decls);

		if (pair_p(d) && lisp_sym_named(L, car(d), "cond-expand")) {
			obj b = lisp_cond_expand(L, d);	/* (begin decl ...) */

			ok = b != OBJ_NULL && push_library_decls(L, cdr(b), k);
		} else {
			ok = lisp_push(L, d);
			*k += ok;
		}
	}
	UNROOT(decls);
	return ok;
}

/* x with its declaration-level cond-expands resolved (x itself when it has none) */
static obj library_cond_expand(struct lisp *L, obj x)
{
	size_t base = L->sp, k = 0;
	obj d, r = OBJ_NULL;

	for (d = cddr(x); pair_p(d); d = cdr(d))
		if (pair_p(car(d)) && lisp_sym_named(L, car(car(d)), "cond-expand"))
			break;
	if (!pair_p(d))
		return x;
	ROOT(x);
	if (lisp_push(L, car(x)) && lisp_push(L, cadr(x)) && push_library_decls(L, cddr(x), &k))
		r = lisp_pop_list(L, k + 2, OBJ_NIL);
	L->sp = base;
	UNROOT(x);
	return r;
}

/* What the registry records of library x: (name export-spec ...), the specs of all its export
 * declarations (names, (rename internal external)) for import's only, except, prefix and
 * rename (prelude.scm, %library-register!). */
static obj library_entry(struct lisp *L, obj x)
{
	size_t base = L->sp, k = 1;
	obj r = OBJ_NULL;

	for (obj d = cddr(x); pair_p(d); d = cdr(d))
		if (lisp_sym_named(L, car(car(d)), "export"))
			for (obj s = cdr(car(d)); pair_p(s); s = cdr(s))
				k++;
	ROOT(x);
	if (!lisp_stack_reserve(L, k))	/* then the pushes below cannot collect */
		goto out;
	lisp_push(L, cadr(x));
	for (obj d = cddr(x); pair_p(d); d = cdr(d))
		if (lisp_sym_named(L, car(car(d)), "export"))
			for (obj s = cdr(car(d)); pair_p(s); s = cdr(s))
				lisp_push(L, car(s));
	r = lisp_pop_list(L, k, OBJ_NIL);
	r = r != OBJ_NULL ? lisp_strip(L, r) : OBJ_NULL;
out:
	L->sp = base;
	UNROOT(x);
	return r;
}

/* (define-library name decl ...) at top level: export, import and begin declarations, and
 * cond-expands of them. The library's definitions are globals: an exported name its external
 * symbol, any other a fresh uninterned one only the library's code (and its macros) names,
 * through the library's frame, the scope its forms are expanded in. Imports run first, then
 * the begin forms in order, then (%library-register! 'name), which import checks. A library
 * that imports one not defined yet is expanded again at run time, after its imports
 * (library_deferred). */
static obj expand_library(struct lisp_cx *c, obj x)
{
	struct lisp *L = c->L;
	size_t base = L->sp, k = 0;
	obj frame = OBJ_NULL, r = OBJ_NULL, d, e;

	ROOT(x);
	if (!lisp_proper_p(x, 2) || !lisp_proper_p(cadr(x), 1)) {
		lisp_syntax_error(L, "define-library", x);
		goto out0;
	}
	if ((x = library_cond_expand(L, x)) == OBJ_NULL)
		goto out0;
	for (d = cddr(x); pair_p(d); d = cdr(d)) {
		obj decl = car(d);

		if (lisp_proper_p(decl, 1) && (lisp_sym_named(L, car(decl), "export") ||
					      lisp_sym_named(L, car(decl), "import") ||
					      lisp_sym_named(L, car(decl), "begin")))
			continue;
		if (lisp_proper_p(decl, 2) && library_include_p(L, car(decl)) && strings_p(cdr(decl)))
			continue;
		lisp_syntax_error(L, "define-library: a declaration", decl);
		goto out0;
	}
	if (library_deferred(L, x)) {
		/* at run time: the imports, then this form again (eval), expanded knowing them */
		obj y = lisp_strip(L, x);

		r = y ? call_quoted(c, "%define-library-deferred", y) : OBJ_NULL;
		goto out0;
	}
	frame = lisp_new_scope(L, OBJ_NIL, c->lam);
	if (frame == OBJ_NULL)
		goto out0;
	lisp_private_set(L, frame, ENV_LIBRARY, OBJ_TRUE);	/* its code keeps the special forms */
	ROOT(frame);
	for (d = cddr(x); pair_p(d); d = cdr(d))
		if (lisp_sym_named(L, car(car(d)), "export")) {
			ROOT(d);
			bool ok = library_exports(L, cdr(car(d)), frame);
			UNROOT(d);
			if (!ok)
				goto out;
		}
	for (d = cddr(x); pair_p(d); d = cdr(d))
		if (lisp_sym_named(L, car(car(d)), "begin")) {
			ROOT(d);
			bool ok = each_defined(L, cdr(car(d)), library_prescan_id, frame);
			UNROOT(d);
			if (!ok)
				goto out;
		}
	for (int pass = 0; pass < 2; pass++)	/* the imports, then the bodies */
		for (d = cddr(x); pair_p(d); d = cdr(d)) {
			bool imp = lisp_sym_named(L, car(car(d)), "import");
			bool beg = lisp_sym_named(L, car(car(d)), "begin");

			ROOT(d);	/* (and everything below re-reads through it: expanding collects) */
			if (pass == 0 && imp) {
				e = expand_toplevel(c, car(d), OBJ_NIL);
				if (e == OBJ_NULL || !lisp_push(L, e)) {
					UNROOT(d);
					goto out;
				}
				k++;
			}
			for (obj f = cdr(car(d)); pass == 1 && beg && pair_p(f); f = cdr(f)) {
				ROOT(f);
				e = expand_toplevel(c, car(f), frame);
				UNROOT(f);
				if (e == OBJ_NULL || !lisp_push(L, e)) {
					UNROOT(d);
					goto out;
				}
				k++;
			}
			UNROOT(d);
		}
	e = library_entry(L, x);
	e = e != OBJ_NULL ? call_quoted(c, "%library-register!", e) : OBJ_NULL;
	if (e == OBJ_NULL || !lisp_push(L, e))
		goto out;
	r = lisp_ir_pop(L, N_SEQ, k + 1);
out:
	UNROOT(frame);
out0:
	L->sp = base;
	UNROOT(x);
	return r;
}

static obj expand_toplevel(struct lisp_cx *c, obj x, obj env)
{
	struct lisp *L = c->L;
	obj r = OBJ_NULL;
	size_t base = L->sp;

	if (!lisp_depth_ok(L))
		return OBJ_NULL;
	ROOT(x);
	ROOT(env);
	for (;;) {
		obj m, id = OBJ_FALSE, val = OBJ_FALSE;
		int sp;

		if (!pair_p(x)) {
			r = lisp_x_expand(c, x, env);
			break;
		}
		m = macro_of(L, car(x), env);
		if (m != OBJ_FALSE) {
			x = lisp_macro_expand(L, m, x, env);
			if (x == OBJ_NULL)
				break;
			continue;
		}
		if (env == OBJ_NIL && identifier_p(L, car(x)) &&
		    lisp_resolve(L, car(x), OBJ_NIL) == SYM(L, SYM_DEFINE_LIBRARY)) {
			r = expand_library(c, x);
			break;
		}
		if (env == OBJ_NIL && include_p(L, car(x))) {
			r = expand_include(c, x);
			break;
		}
		sp = identifier_p(L, car(x)) ? lisp_special_of(L, lisp_resolve(L, car(x), env)) : -1;
		if (sp == SYM_COND_EXPAND) {
			x = lisp_cond_expand(L, x);
			if (x == OBJ_NULL)
				break;
			continue;
		}
		if (sp == SYM_BEGIN && lisp_proper_p(x, 1)) {
			size_t k = 0;
			obj f;

			if (!each_defined(L, cdr(x), name_alias, env))
				break;

			for (f = cdr(x); pair_p(f); f = cdr(f), k++) {
				obj e;

				ROOT(f);
				e = expand_toplevel(c, car(f), env);
				UNROOT(f);
				if (e == OBJ_NULL || !lisp_push(L, e))
					goto out;
			}
			r = k == 0 ? lisp_ir_const(L, OBJ_UNSPECIFIED) : k == 1 ? lisp_pop(L) : lisp_ir_pop(L, N_SEQ, k);
			break;
		}
		if (sp == SYM_DEFINE) {
			obj sym, e;

			if (!parse_define(L, x, &id, &val))
				break;
			ROOT(val);
			sym = toplevel_sym(L, id, env);
			if (sym == OBJ_NULL) {
				UNROOT(val);
				break;
			}
			/* (define (when ...) ...) at the top level, or a library's export so named: a
			 * variable now (the system's prelude defines its twins, never a form's name) */
			if (!L->sys_code && symbol_p(sym) && lisp_special(sym))
				lisp_unspecial(L, sym);
			ROOT(sym);
			e = val == OBJ_UNDEFINED ? lisp_ir_const(L, OBJ_UNSPECIFIED) : lisp_x_named(c, val, env, sym);
			UNROOT(sym);
			UNROOT(val);
			if (e != OBJ_NULL)
				r = lisp_ir2(L, N_GDEF, sym, e);
			break;
		}
		if (sp == SYM_DEFINE_SYNTAX) {
			obj sym;

			if (lisp_list_length(x) != 3 || !identifier_p(L, cadr(x))) {
				lisp_syntax_error(L, "define-syntax", x);
				break;
			}
			sym = toplevel_sym(L, cadr(x), env);
			if (sym == OBJ_NULL)
				break;
			ROOT(sym);
			m = lisp_make_macro(L, caddr(x), env, sym);
			UNROOT(sym);
			if (m == OBJ_NULL)
				break;
			lisp_global_define(L, sym, m);
			r = lisp_ir_const(L, OBJ_UNSPECIFIED);
			break;
		}
		if (sp == SYM_DEFINE_RECORD_TYPE) {
			x = lisp_record_form(L, x);
			if (x == OBJ_NULL)
				break;
			continue;
		}
		r = lisp_x_expand(c, x, env);
		break;
	}
out:
	L->sp = base;
	UNROOT(env);
	UNROOT(x);
	return r;
}

/* Whether the program x holds a circular list outside quoted literals (R7RS 2.4: only a literal
 * may be circular; the reader's #n= labels can make any): the expander and syntax-rules would
 * walk it for ever. Each list is walked along its cdrs with a pointer at half speed; the cars
 * and vector elements that are pairs follow, two stack slots each (the object, and whether a
 * quasiquote encloses it: there a quote's inside is a template too). A cycle through cars
 * outside quote is left to the expander, which stops at its depth limit; so is a program too
 * big for CODE_WALK_BUDGET or the stack (the answer is then no). */
#define CODE_WALK_BUDGET	(1u << 20)	/* pairs looked at */

static bool circular_code_p(struct lisp *L, obj x)
{
	size_t base = L->sp;
	unsigned budget = CODE_WALK_BUDGET;
	bool found = false;

	if (!pair_p(x) || !lisp_push(L, x) || !lisp_push(L, fx(0)))
		goto out;
	while (L->sp > base && !found) {
		bool qq = fxv(lisp_pop(L)) != 0;
		obj slow;
		unsigned n = 0;

		x = lisp_pop(L);
		if (obj_car(x) == SYM(L, SYM_QUOTE) && !qq)
			continue;
		if (obj_car(x) == SYM(L, SYM_QUASIQUOTE))
			qq = true;
		slow = x;
		while (pair_p(x)) {
			if (--budget == 0)
				goto out;
			if (pair_p(obj_car(x))) {
				ROOT(x);
				ROOT(slow);
				bool ok = lisp_push(L, obj_car(x)) && lisp_push(L, fx(qq));
				UNROOT(slow);
				UNROOT(x);
				if (!ok)
					goto out;
			}
			x = obj_cdr(x);
			if (++n % 2 == 0)
				slow = obj_cdr(slow);
			if (x == slow) {
				found = true;
				break;
			}
		}
	}
out:
	L->sp = base;
	return found;
}

/* The whole form becomes the body of a lambda of no arguments. */
obj lisp_compile(struct lisp *L, obj x)
{
	struct lisp_cx c = { .L = L, .lam = OBJ_FALSE };
	obj lam, body, code, clo = OBJ_NULL;
	size_t base = L->sp;

	ROOT(x);
	GC_ROOT(L->h, c.lam);
	lam = lisp_make_vector(L, LAM_NFIELDS, OBJ_FALSE);
	if (lam == OBJ_NULL)
		goto out;
	obj_init_field(L, lam, LAM_TAG, fx(N_LAMBDA));
	obj_init_field(L, lam, LAM_NREQ, fx(0));
	obj_init_field(L, lam, LAM_PARAMS, OBJ_NIL);
	obj_init_field(L, lam, LAM_FREE, OBJ_NIL);
	obj_init_field(L, lam, LAM_NFREE, fx(0));
	c.lam = lam;
	if (circular_code_p(L, x)) {
		lisp_errorf(L, x, "a circular list in a program (only a quoted literal may be one):");
		goto out;
	}
	body = expand_toplevel(&c, x, L->sys_code || L->sys_eval ? STATE(L, S_SYSFRAME) : OBJ_NIL);
	if (body == OBJ_NULL)
		goto out;
	/* lisp_store: a define-syntax in a define-library publishes the macro, its scope, and
	 * through the scope this lambda (a debug build's lisp_private_set stopped there) */
	if (!lisp_store(L, c.lam, LAM_BODY, body))
		goto out;
	code = lisp_codegen(L, c.lam);
	if (code == OBJ_NULL)
		goto out;
	ROOT(code);
	clo = lisp_alloc(L, OBJ_T_CLOSURE, 1);
	UNROOT(code);
	if (clo != OBJ_NULL)
		obj_init_field(L, clo, 0, code);
out:
	L->sp = base;
	GC_UNROOT(L->h, c.lam);
	UNROOT(x);
	return clo;
}
