/* bindings.c -- the expander's binding and conditional forms: let, let*, named let, letrec,
 * letrec*, cond and case (with =>). Chains of clauses are built from the last clause to the
 * first in a loop, so a long cond or case does not nest C calls; => binds a fresh variable no
 * user code can name. Part of the first compiler pass (expand.c). */
#include "compile.h"


/* Check ((id init) ...) and return the length, or -1. */
intptr_t lisp_bindings_ok(struct lisp *L, obj b)
{
	intptr_t n = lisp_list_length(b);

	if (n < 0)
		return -1;
	for (; pair_p(b); b = cdr(b))
		if (lisp_list_length(car(b)) != 2 || !identifier_p(L, car(car(b))))
			return -1;
	return n;
}

/* (let ((v e) ...) body) and (let* ...): vars bound in order (let*: each in its own scope) */
obj lisp_x_let(struct lisp_cx *c, obj x, obj env, bool star)
{
	struct lisp *L = c->L;
	obj b, scope = env, vars = OBJ_NIL, inits = OBJ_NIL, r = OBJ_NULL;
	size_t base = L->sp;

	if (!lisp_proper_p(x, 3) || lisp_bindings_ok(L, cadr(x)) < 0)
		return lisp_syntax_error(L, star ? "let*" : "let", x);
	ROOT(x);
	ROOT(env);
	ROOT(scope);
	ROOT(vars);
	ROOT(inits);
	if (!star && (scope = lisp_new_scope(L, env, c->lam)) == OBJ_NULL)
		goto out;
	for (b = cadr(x); pair_p(b); b = cdr(b)) {
		obj e, var;

		ROOT(b);
		e = lisp_x_named(c, cadr(car(b)), star ? scope : env, car(car(b)));
		var = OBJ_NULL;
		if (e != OBJ_NULL && lisp_push(L, e)) {
			if (star)
				scope = lisp_new_scope(L, scope, c->lam);
			else if (lisp_bound_here_p(scope, car(car(b)))) {
				lisp_syntax_error(L, "let", x);
				scope = OBJ_NULL;
			}
			if (scope != OBJ_NULL && (var = lisp_new_var(L, car(car(b)), c->lam)) != OBJ_NULL) {
				ROOT(var);
				if (!lisp_bind(L, scope, car(car(b)), var) || !lisp_push(L, var))
					var = OBJ_NULL;
				UNROOT(var);
			}
		}
		UNROOT(b);
		if (var == OBJ_NULL)
			goto out;
	}
	if (star && scope == env && (scope = lisp_new_scope(L, env, c->lam)) == OBJ_NULL)
		goto out;
	while (L->sp > base) {
		obj var = lisp_pop(L);

		if ((vars = lisp_cons(L, var, vars)) == OBJ_NULL ||
		    (inits = lisp_cons(L, lisp_pop(L), inits)) == OBJ_NULL)
			goto out;
	}
	r = lisp_x_body(c, cddr(x), scope);
	if (r == OBJ_NULL)
		goto out;
	if (vars != OBJ_NIL) {
		r = lisp_ir3(L, N_LET, vars, inits, r);
	}
out:
	L->sp = base;
	UNROOT(inits);
	UNROOT(vars);
	UNROOT(scope);
	UNROOT(env);
	UNROOT(x);
	return r;
}

/* (let name ((v e) ...) body): (letrec ((name (lambda (v ...) body))) (name e ...)) */
obj lisp_x_named_let(struct lisp_cx *c, obj x, obj env)
{
	struct lisp *L = c->L;
	obj scope = OBJ_NULL, var = OBJ_NULL, ids = OBJ_NIL, lam, r = OBJ_NULL, b;
	size_t base = L->sp, n = 0;

	if (!lisp_proper_p(x, 4) || lisp_bindings_ok(L, caddr(x)) < 0)
		return lisp_syntax_error(L, "let", x);
	ROOT(x);
	ROOT(env);
	ROOT(scope);
	ROOT(var);
	ROOT(ids);
	for (b = caddr(x); pair_p(b); b = cdr(b)) {	/* the inits, in the outer scope */
		obj e;

		ROOT(b);
		e = lisp_x_expand(c, cadr(car(b)), env);
		UNROOT(b);
		if (e == OBJ_NULL || !lisp_push(L, e))
			goto out;
		n++;
	}
	b = lisp_list_reverse(L, caddr(x));
	ROOT(b);
	for (; b != OBJ_NULL && pair_p(b); b = cdr(b))
		if ((ids = lisp_cons(L, car(car(b)), ids)) == OBJ_NULL)
			b = OBJ_NULL;
	UNROOT(b);
	if (b == OBJ_NULL || (scope = lisp_new_scope(L, env, c->lam)) == OBJ_NULL ||
	    (var = lisp_new_var(L, cadr(x), c->lam)) == OBJ_NULL || !lisp_bind(L, scope, cadr(x), var))
		goto out;
	lam = lisp_x_lambda(c, ids, cdddr(x), scope, cadr(x), x);
	if (lam == OBJ_NULL || !lisp_push(L, lam))
		goto out;
	/* stack: inits... lam; build (call (lref var) inits...) */
	r = lisp_x_ref_var(c, var);
	if (r == OBJ_NULL)
		goto out;
	{
		obj call;

		ROOT(r);
		call = lisp_make_vector(L, n + 2, OBJ_FALSE);
		UNROOT(r);

		if (call == OBJ_NULL) {
			r = OBJ_NULL;
			goto out;
		}
		obj_init_field(L, call, 0, fx(N_CALL));
		obj_init_field(L, call, 1, r);
		for (size_t i = 0; i < n; i++)
			obj_init_field(L, call, i + 2, stk(L)[base + i]);
		r = call;
	}
	ROOT(r);
	obj vl = lisp_cons(L, var, OBJ_NIL), il = OBJ_NULL;
	ROOT(vl);
	if (vl != OBJ_NULL)
		il = lisp_cons(L, stk(L)[base + n], OBJ_NIL);
	UNROOT(vl);
	UNROOT(r);
	L->sp = base;
	r = il != OBJ_NULL ? lisp_ir3(L, N_LETREC, vl, il, r) : OBJ_NULL;
out:
	L->sp = base;
	UNROOT(ids);
	UNROOT(var);
	UNROOT(scope);
	UNROOT(env);
	UNROOT(x);
	return r;
}

obj lisp_x_letrec(struct lisp_cx *c, obj x, obj env)
{
	struct lisp *L = c->L;
	obj scope = OBJ_NULL, vars = OBJ_NIL, inits = OBJ_NIL, r = OBJ_NULL, b;
	size_t base = L->sp;

	if (!lisp_proper_p(x, 3) || lisp_bindings_ok(L, cadr(x)) < 0)
		return lisp_syntax_error(L, "letrec", x);
	ROOT(x);
	ROOT(scope);
	ROOT(vars);
	ROOT(inits);
	if ((scope = lisp_new_scope(L, env, c->lam)) == OBJ_NULL)
		goto out;
	for (b = cadr(x); pair_p(b); b = cdr(b)) {
		obj var;

		if (lisp_bound_here_p(scope, car(car(b)))) {
			lisp_syntax_error(L, "letrec", x);
			goto out;
		}
		ROOT(b);
		var = lisp_new_var(L, car(car(b)), c->lam);
		ROOT(var);
		if (var != OBJ_NULL && (!lisp_bind(L, scope, car(car(b)), var) || !lisp_push(L, var)))
			var = OBJ_NULL;
		UNROOT(var);
		UNROOT(b);
		if (var == OBJ_NULL)
			goto out;
	}
	{
		size_t i = 0;

		for (b = cadr(x); pair_p(b); b = cdr(b), i++) {
			obj e;

			ROOT(b);
			e = lisp_x_named(c, cadr(car(b)), scope, car(car(b)));
			UNROOT(b);
			if (e == OBJ_NULL || !lisp_push(L, e))
				goto out;
		}
		/* stack: vars (i of them), then inits */
		for (size_t k = i; k-- > 0;)
			if ((inits = lisp_cons(L, stk(L)[base + i + k], inits)) == OBJ_NULL ||
			    (vars = lisp_cons(L, stk(L)[base + k], vars)) == OBJ_NULL)
				goto out;
	}
	L->sp = base;
	r = lisp_x_body(c, cddr(x), scope);
	if (r != OBJ_NULL)
		r = lisp_ir3(L, N_LETREC, vars, inits, r);
out:
	L->sp = base;
	UNROOT(inits);
	UNROOT(vars);
	UNROOT(scope);
	UNROOT(x);
	return r;
}

/* --- conditionals --- */

static obj node_if(struct lisp *L, obj t, obj a, obj b)
{
	size_t base = L->sp;
	bool ok;

	ROOT(a);
	ROOT(b);
	ok = lisp_push(L, t) && lisp_push(L, a) && lisp_push(L, b);
	UNROOT(b);
	UNROOT(a);
	if (!ok) {
		L->sp = base;
		return OBJ_NULL;
	}
	return lisp_ir_pop(L, N_IF, 3);
}

/* (let ((tmp e)) body) with a fresh variable tmp of the current lambda */
static obj node_let1(struct lisp *L, obj var, obj e, obj body)
{
	obj vl, il;

	ROOT(var);
	ROOT(e);
	ROOT(body);
	vl = lisp_cons(L, var, OBJ_NIL);
	ROOT(vl);
	il = vl ? lisp_cons(L, e, OBJ_NIL) : OBJ_NULL;
	UNROOT(vl);
	UNROOT(body);
	UNROOT(e);
	UNROOT(var);
	return il != OBJ_NULL ? lisp_ir3(L, N_LET, vl, il, body) : OBJ_NULL;
}

static obj node_call1(struct lisp *L, obj f, obj a)
{
	size_t base = L->sp;
	bool ok;

	ROOT(a);
	ok = lisp_push(L, f) && lisp_push(L, a);
	UNROOT(a);
	if (!ok) {
		L->sp = base;
		return OBJ_NULL;
	}
	return lisp_ir_pop(L, N_CALL, 2);
}

/* The test of a case clause: (eqv? key 'd) ... chained with or, or (%memv key '(d ...)). */
static obj case_test(struct lisp_cx *c, obj key, obj data)
{
	struct lisp *L = c->L;
	intptr_t nd = lisp_list_length(data);
	size_t base = L->sp;
	obj r = OBJ_NULL;

	if (nd == 0)
		return lisp_ir_const(L, OBJ_FALSE);
	ROOT(key);
	ROOT(data);
	if (nd <= 4) {
		for (intptr_t k = 0; k < nd; k++) {
			obj d, ref, cn;

			/* the push first: it may grow the stack, which may collect, and ref is not rooted */
			if (!lisp_push(L, fx(OP_EQV)) || (ref = lisp_x_ref_var(c, key)) == OBJ_NULL || !lisp_push(L, ref))
				goto out;
			d = data;
			for (intptr_t j = 0; j < k; j++)
				d = cdr(d);
			if ((cn = lisp_ir_const(L, car(d))) == OBJ_NULL || !lisp_push(L, cn) ||
			    (cn = lisp_ir_pop(L, N_PRIM, 3)) == OBJ_NULL || !lisp_push(L, cn))
				goto out;
		}
		r = nd == 1 ? lisp_pop(L) : lisp_ir_pop(L, N_OR, (size_t)nd);
	} else {
		obj f = lisp_galias(L, SYM_MEMV), g, ref, cn;

		if (f != OBJ_NULL && (g = lisp_x_expand(c, f, OBJ_NIL)) != OBJ_NULL && lisp_push(L, g) &&
		    (ref = lisp_x_ref_var(c, key)) != OBJ_NULL && lisp_push(L, ref) &&
		    (cn = lisp_ir_const(L, data)) != OBJ_NULL && lisp_push(L, cn))
			r = lisp_ir_pop(L, N_CALL, 3);
	}
out:
	L->sp = base;
	UNROOT(data);
	UNROOT(key);
	return r;
}

/* cond and case share this: clauses from last to first, each wrapping the rest. For case,
 * key is the variable holding the key, else OBJ_FALSE. */
obj lisp_x_clauses(struct lisp_cx *c, obj x, obj clauses, obj env, obj key)
{
	struct lisp *L = c->L;
	const char *what = key == OBJ_FALSE ? "cond" : "case";
	obj rev = OBJ_NULL, rest = OBJ_NULL, cl = OBJ_NULL, test = OBJ_NULL, f = OBJ_NULL, var = OBJ_NULL;
	obj r = OBJ_NULL;
	bool first = true;
	size_t base = L->sp;

	if (!lisp_proper_p(clauses, 0))
		return lisp_syntax_error(L, what, x);
	ROOT(x);
	ROOT(env);
	ROOT(key);
	ROOT(rev);
	ROOT(rest);
	ROOT(cl);
	ROOT(test);
	ROOT(f);
	ROOT(var);
	rev = lisp_list_reverse(L, clauses);
	rest = lisp_ir_const(L, OBJ_UNSPECIFIED);
	if (rev == OBJ_NULL || rest == OBJ_NULL)
		goto out;
	for (; pair_p(rev); rev = cdr(rev), first = false) {
		obj node, ref, call;
		bool arrow, is_else;

		cl = car(rev);
		if (!lisp_proper_p(cl, key == OBJ_FALSE ? 1 : 2)) {
			lisp_syntax_error(L, what, x);
			goto out;
		}
		is_else = lisp_keyword_p(L, car(cl), env, SYM_ELSE);
		arrow = pair_p(cdr(cl)) && lisp_keyword_p(L, cadr(cl), env, SYM_ARROW);
		if ((is_else && !first) || (arrow && lisp_list_length(cl) != 3) ||
		    (is_else && cdr(cl) == OBJ_NIL) ||
		    (key != OBJ_FALSE && !is_else && lisp_list_length(car(cl)) < 0)) {
			lisp_syntax_error(L, what, x);
			goto out;
		}
		if (is_else) {
			test = OBJ_TRUE;
		} else if (key == OBJ_FALSE) {
			test = lisp_x_expand(c, car(cl), env);
		} else {
			test = lisp_strip(L, car(cl));
			if (test != OBJ_NULL)
				test = case_test(c, key, test);
		}
		if (test == OBJ_NULL)
			goto out;
		if (arrow) {
			f = lisp_x_expand(c, caddr(cl), env);
			if (f == OBJ_NULL)
				goto out;
			if (key != OBJ_FALSE) {
				/* (f key) */
				if ((ref = lisp_x_ref_var(c, key)) == OBJ_NULL || (call = node_call1(L, f, ref)) == OBJ_NULL)
					goto out;
				node = is_else ? call : node_if(L, test, call, rest);
			} else {
				/* (let ((t test)) (if t (f t) rest)) */
				if ((var = lisp_new_var(L, SYM(L, SYM_ARROW), c->lam)) == OBJ_NULL ||
				    (ref = lisp_x_ref_var(c, var)) == OBJ_NULL || (call = node_call1(L, f, ref)) == OBJ_NULL ||
				    !lisp_push(L, call) || (ref = lisp_x_ref_var(c, var)) == OBJ_NULL ||
				    (node = node_if(L, ref, lisp_pop(L), rest)) == OBJ_NULL)
					goto out;
				node = node_let1(L, var, test, node);
			}
		} else if (cdr(cl) == OBJ_NIL) {
			/* (test): (or test rest) */
			if (!lisp_push(L, test) || !lisp_push(L, rest))
				goto out;
			node = lisp_ir_pop(L, N_OR, 2);
		} else {
			node = lisp_x_seq(c, cdr(cl), env);
			if (node != OBJ_NULL && !is_else)
				node = node_if(L, test, node, rest);
		}
		if (node == OBJ_NULL)
			goto out;
		rest = node;
		L->sp = base;
	}
	r = rest;
out:
	L->sp = base;
	UNROOT(var);
	UNROOT(f);
	UNROOT(test);
	UNROOT(cl);
	UNROOT(rest);
	UNROOT(rev);
	UNROOT(key);
	UNROOT(env);
	UNROOT(x);
	return r;
}

obj lisp_x_case(struct lisp_cx *c, obj x, obj env)
{
	struct lisp *L = c->L;
	obj k, var, body;
	size_t base = L->sp;

	if (!lisp_proper_p(x, 2))
		return lisp_syntax_error(L, "case", x);
	ROOT(x);
	ROOT(env);
	k = lisp_x_expand(c, cadr(x), env);
	var = OBJ_NULL;
	if (k != OBJ_NULL && lisp_push(L, k))
		var = lisp_new_var(L, SYM(L, SYM_ELSE), c->lam);
	UNROOT(env);
	UNROOT(x);
	if (var == OBJ_NULL) {
		L->sp = base;	/* k may be pushed */
		return OBJ_NULL;
	}
	ROOT(var);
	body = lisp_x_clauses(c, x, cddr(x), env, var);
	UNROOT(var);
	k = lisp_pop(L);
	return body ? node_let1(L, var, k, body) : OBJ_NULL;
}

