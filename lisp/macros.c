/* macros.c -- syntax-rules: literals, _, ellipsis (nested, with tail patterns, custom ellipsis,
 * (... ...) escapes), dotted and vector patterns. Hygiene by renaming: every identifier a
 * template inserts becomes an alias (one per identifier per expansion) that remembers the
 * macro's definition scope, so it can neither capture nor be captured by the user's names.
 * Ellipsis matches are boxes holding the list of per-iteration matches. C recursion follows the
 * structure of the macro's own patterns and templates (guarded). */
#include "compile.h"

struct mx {
	struct lisp *L;
	obj mac;	/* rooted by the caller */
	obj env;	/* use scope; rooted by the caller */
	obj binds;	/* ((pattern-variable . match) ...), rooted */
	obj renames;	/* ((identifier . alias) ...), rooted */
	bool no_ellipsis;	/* inside (... template) */
};

static obj base_sym(struct lisp *L, obj id)
{
	while (alias_p(L, id))
		id = obj_fields(id)[ALIAS_SYM];
	return id;
}

static bool ellipsis_p(struct mx *m, obj x)
{
	struct lisp *L = m->L;

	return !m->no_ellipsis && identifier_p(L, x) &&
	       base_sym(L, x) == base_sym(L, obj_fields(m->mac)[MAC_ELLIPSIS]);
}

static bool memq_p(obj x, obj l)
{
	for (; pair_p(l); l = cdr(l))
		if (car(l) == x)
			return true;
	return false;
}

static obj assq(obj x, obj l)
{
	for (; pair_p(l); l = cdr(l))
		if (car(car(l)) == x)
			return car(l);
	return OBJ_FALSE;
}

static bool literal_p(struct mx *m, obj id) { return memq_p(id, obj_fields(m->mac)[MAC_LITERALS]); }

static bool underscore_p(struct mx *m, obj id)
{
	return base_sym(m->L, id) == SYM(m->L, SYM_UNDERSCORE) && !literal_p(m, id);
}

obj lisp_make_macro(struct lisp *L, obj spec, obj env, obj name)
{
	obj ell, lits, rules, mac;
	intptr_t n = lisp_list_length(spec);

	if (n < 2 || !lisp_keyword_p(L, car(spec), env, SYM_SYNTAX_RULES)) {
		obj s = lisp_strip(L, spec);

		return s ? lisp_errorf(L, s, "define-syntax: expected a syntax-rules transformer, got") : OBJ_NULL;
	}
	ell = SYM(L, SYM_ELLIPSIS);
	lits = cadr(spec);
	rules = cddr(spec);
	if (identifier_p(L, lits)) {
		ell = lits;
		if (n < 3)
			return lisp_syntax_error(L, "syntax-rules", spec);
		lits = caddr(spec);
		rules = cdddr(spec);
	}
	if (lisp_list_length(lits) < 0)
		return lisp_syntax_error(L, "syntax-rules", spec);
	for (obj l = lits; pair_p(l); l = cdr(l))
		if (!identifier_p(L, car(l)))
			return lisp_syntax_error(L, "syntax-rules", spec);
	for (obj r = rules; pair_p(r); r = cdr(r))
		if (lisp_list_length(car(r)) != 2 || !pair_p(car(car(r))))
			return lisp_syntax_error(L, "syntax-rules", spec);
	ROOT(ell);
	ROOT(lits);
	ROOT(rules);
	ROOT(env);
	ROOT(name);
	mac = lisp_make_record(L, STATE(L, S_RTD_MACRO), MAC_NFIELDS - 1);
	if (mac != OBJ_NULL) {
		obj_init_field(L, mac, MAC_LITERALS, lits);
		obj_init_field(L, mac, MAC_RULES, rules);
		obj_init_field(L, mac, MAC_ENV, env);
		obj_init_field(L, mac, MAC_ELLIPSIS, ell);
		obj_init_field(L, mac, MAC_NAME, base_sym(L, name));
	}
	UNROOT(name);
	UNROOT(env);
	UNROOT(rules);
	UNROOT(lits);
	UNROOT(ell);
	return mac;
}

/* --- matching --- */

static bool bind(struct mx *m, obj var, obj val)
{
	struct lisp *L = m->L;
	obj b = lisp_cons(L, var, val);

	if (b == OBJ_NULL || (b = lisp_cons(L, b, m->binds)) == OBJ_NULL)
		return false;
	m->binds = b;
	return true;
}

/* pattern variables of p, pushed on the stack; returns how many */
static intptr_t pattern_vars(struct mx *m, obj p)
{
	struct lisp *L = m->L;
	intptr_t n = 0, k;

	if (!lisp_depth_ok(L))
		return -1;
	if (identifier_p(L, p)) {
		if (ellipsis_p(m, p) || literal_p(m, p) || underscore_p(m, p))
			return 0;
		return lisp_push(L, p) ? 1 : -1;
	}
	if (vector_p(p)) {
		ROOT(p);
		for (size_t i = 0; i < obj_vector_length(p); i++) {
			if ((k = pattern_vars(m, obj_vector_ref(p, i))) < 0) {
				n = -1;
				break;
			}
			n += k;
		}
		UNROOT(p);
		return n;
	}
	ROOT(p);
	for (; pair_p(p); p = cdr(p)) {
		if ((k = pattern_vars(m, car(p))) < 0) {
			n = -1;
			break;
		}
		n += k;
	}
	if (n >= 0 && p != OBJ_NIL) {
		k = pattern_vars(m, p);
		n = k < 0 ? -1 : n + k;
	}
	UNROOT(p);
	return n;
}

static obj vector_list(struct lisp *L, obj v)
{
	obj l = OBJ_NIL;

	ROOT(v);
	ROOT(l);
	for (size_t i = obj_vector_length(v); i-- > 0 && l != OBJ_NULL;)
		l = lisp_cons(L, obj_vector_ref(v, i), l);
	UNROOT(l);
	UNROOT(v);
	return l;
}

/* 1 matched, 0 not, -1 error */
static int match(struct mx *m, obj pat, obj form)
{
	struct lisp *L = m->L;
	int r = 0;

	if (!lisp_depth_ok(L))
		return -1;
	if (identifier_p(L, pat)) {
		if (underscore_p(m, pat))
			return 1;
		if (literal_p(m, pat))
			return identifier_p(L, form) &&
			       lisp_resolve(L, pat, obj_fields(m->mac)[MAC_ENV]) == lisp_resolve(L, form, m->env);
		return bind(m, pat, form) ? 1 : -1;
	}
	if (vector_p(pat)) {
		if (!vector_p(form))
			return 0;
		ROOT(form);
		pat = vector_list(L, pat);
		UNROOT(form);
		if (pat == OBJ_NULL)
			return -1;
		ROOT(pat);
		form = vector_list(L, form);
		UNROOT(pat);
		return form == OBJ_NULL ? -1 : match(m, pat, form);
	}
	if (!pair_p(pat)) {
		if (pat == OBJ_NIL)
			return form == OBJ_NIL;
		return lisp_equal(L, pat, form);
	}
	ROOT(pat);
	ROOT(form);
	if (pair_p(cdr(pat)) && ellipsis_p(m, cadr(pat))) {
		obj after = cddr(pat), f = form, saved = m->binds;
		intptr_t min = 0, have = 0, k, nvars;
		size_t base;

		for (obj a = after; pair_p(a); a = cdr(a))
			min++;
		for (; pair_p(f); f = cdr(f))
			have++;
		if (have < min)
			goto out;
		k = have - min;
		/* match k elements against car(pat), each with its own bindings, pushed */
		base = L->sp;
		ROOT(saved);
		for (intptr_t i = 0; i < k; i++) {
			obj e = form;

			for (intptr_t j = 0; j < i; j++)
				e = cdr(e);
			m->binds = OBJ_NIL;
			r = match(m, car(pat), car(e));
			if (r != 1 || !lisp_push(L, m->binds)) {
				r = r == 0 ? 0 : -1;
				break;
			}
			r = 1;
		}
		m->binds = saved;
		UNROOT(saved);
		if (k > 0 && r != 1) {
			L->sp = base;
			goto out;
		}
		/* each variable of car(pat): a box of its matches in order */
		nvars = pattern_vars(m, car(pat));
		if (nvars < 0) {
			r = -1;
			L->sp = base;
			goto out;
		}
		for (intptr_t v = 0; v < nvars; v++) {
			obj list = OBJ_NIL, box;

			ROOT(list);
			for (intptr_t i = k; i-- > 0 && list != OBJ_NULL;) {
				obj b = assq(stk(L)[L->sp - nvars + v], stk(L)[base + (size_t)i]);

				list = lisp_cons(L, b == OBJ_FALSE ? OBJ_FALSE : cdr(b), list);
			}
			UNROOT(list);
			box = list ? lisp_make_box(L, list) : OBJ_NULL;
			if (box == OBJ_NULL || !bind(m, stk(L)[L->sp - nvars + v], box)) {
				r = -1;
				L->sp = base;
				goto out;
			}
		}
		L->sp = base;
		for (intptr_t i = 0; i < k; i++)
			form = cdr(form);
		r = match(m, cddr(pat), form);
		goto out;
	}
	if (!pair_p(form))
		goto out;
	r = match(m, car(pat), car(form));
	if (r == 1)
		r = match(m, cdr(pat), cdr(form));
out:
	UNROOT(form);
	UNROOT(pat);
	return r;
}

/* --- templates --- */

static obj rename(struct mx *m, obj id)
{
	struct lisp *L = m->L;
	obj b = assq(id, m->renames), a;

	if (b != OBJ_FALSE)
		return cdr(b);
	ROOT(id);
	a = lisp_make_alias(L, id, obj_fields(m->mac)[MAC_ENV]);
	UNROOT(id);
	if (a == OBJ_NULL)
		return OBJ_NULL;
	ROOT(a);
	b = lisp_cons(L, id, a);
	b = b ? lisp_cons(L, b, m->renames) : OBJ_NULL;
	UNROOT(a);
	if (b == OBJ_NULL)
		return OBJ_NULL;
	m->renames = b;
	return a;
}

static obj inst(struct mx *m, obj t);

/* Push the pattern variables of t that are bound to ellipsis matches (boxes). */
static intptr_t iter_vars(struct mx *m, obj t)
{
	struct lisp *L = m->L;
	intptr_t n = 0;

	if (!lisp_depth_ok(L))
		return -1;
	if (identifier_p(L, t)) {
		obj b = assq(t, m->binds);

		if (b != OBJ_FALSE && box_p(cdr(b)))
			return lisp_push(L, t) ? 1 : -1;
		return 0;
	}
	if (vector_p(t)) {
		ROOT(t);
		for (size_t i = 0; i < obj_vector_length(t) && n >= 0; i++) {
			intptr_t k = iter_vars(m, obj_vector_ref(t, i));

			n = k < 0 ? -1 : n + k;
		}
		UNROOT(t);
		return n;
	}
	ROOT(t);
	for (; pair_p(t) && n >= 0; t = cdr(t)) {
		intptr_t k = iter_vars(m, car(t));

		n = k < 0 ? -1 : n + k;
	}
	if (n >= 0 && t != OBJ_NIL) {
		intptr_t k = iter_vars(m, t);

		n = k < 0 ? -1 : n + k;
	}
	UNROOT(t);
	return n;
}

/* The instances of sub followed by depth ellipses, consed in reverse onto acc. */
static obj inst_ellipsis(struct mx *m, obj sub, int depth, obj acc)
{
	struct lisp *L = m->L;
	size_t base = L->sp;
	intptr_t nv = iter_vars(m, sub), len = -1;
	obj saved = m->binds, r = OBJ_NULL;

	if (nv < 0)
		return OBJ_NULL;
	if (nv == 0) {
		L->sp = base;
		return lisp_syntax_error(L, "syntax-rules: no pattern variable before ...", sub);
	}
	for (intptr_t v = 0; v < nv; v++) {
		intptr_t n = lisp_list_length(obj_fields(cdr(assq(stk(L)[base + (size_t)v], m->binds)))[0]);

		if (len < 0 || n < len)
			len = n;
	}
	ROOT(sub);
	ROOT(acc);
	ROOT(saved);
	for (intptr_t i = 0; i < len; i++) {
		m->binds = saved;
		for (intptr_t v = 0; v < nv; v++) {
			obj var = stk(L)[base + (size_t)v];
			obj l = obj_fields(cdr(assq(var, saved)))[0];

			for (intptr_t j = 0; j < i; j++)
				l = cdr(l);
			if (!bind(m, var, car(l)))
				goto out;
		}
		if (depth > 1) {
			acc = inst_ellipsis(m, sub, depth - 1, acc);
			if (acc == OBJ_NULL)
				goto out;
		} else {
			obj e = inst(m, sub);

			if (e == OBJ_NULL || (acc = lisp_cons(L, e, acc)) == OBJ_NULL)
				goto out;
		}
	}
	r = acc;
out:
	m->binds = saved;
	UNROOT(saved);
	UNROOT(acc);
	UNROOT(sub);
	L->sp = base;
	return r;
}

static obj inst(struct mx *m, obj t)
{
	struct lisp *L = m->L;
	obj r = OBJ_NULL;

	if (!lisp_depth_ok(L))
		return OBJ_NULL;
	if (identifier_p(L, t)) {
		obj b = assq(t, m->binds);

		if (b == OBJ_FALSE)
			return rename(m, t);
		if (box_p(cdr(b)))
			return lisp_syntax_error(L, "syntax-rules: missing ... after pattern variable", t);
		return cdr(b);
	}
	if (vector_p(t)) {
		obj l = vector_list(L, t), v;
		intptr_t n;

		if (l == OBJ_NULL || (l = inst(m, l)) == OBJ_NULL)
			return OBJ_NULL;
		n = lisp_list_length(l);
		ROOT(l);
		v = lisp_make_vector(L, (size_t)n, OBJ_FALSE);
		UNROOT(l);
		for (intptr_t i = 0; v != OBJ_NULL && i < n; i++, l = cdr(l))
			obj_init_field(L, v, (size_t)i, car(l));
		return v;
	}
	if (!pair_p(t))
		return t;
	ROOT(t);
	if (ellipsis_p(m, car(t)) && pair_p(cdr(t))) {
		/* (... template): ellipses in template are literal */
		bool was = m->no_ellipsis;

		m->no_ellipsis = true;
		r = inst(m, cadr(t));
		m->no_ellipsis = was;
	} else if (pair_p(cdr(t)) && ellipsis_p(m, cadr(t))) {
		obj rest = cdr(t), tail, acc;
		int depth = 0;

		while (pair_p(rest) && ellipsis_p(m, car(rest))) {
			depth++;
			rest = cdr(rest);
		}
		ROOT(rest);
		acc = inst_ellipsis(m, car(t), depth, OBJ_NIL);
		ROOT(acc);
		tail = acc ? inst(m, rest) : OBJ_NULL;
		/* acc is reversed: prepend its elements onto tail */
		ROOT(tail);
		for (; tail != OBJ_NULL && pair_p(acc); acc = cdr(acc))
			tail = lisp_cons(L, car(acc), tail);
		UNROOT(tail);
		UNROOT(acc);
		UNROOT(rest);
		r = tail;
	} else {
		obj a = inst(m, car(t)), d;

		ROOT(a);
		d = a ? inst(m, cdr(t)) : OBJ_NULL;
		r = d ? lisp_cons(L, a, d) : OBJ_NULL;
		UNROOT(a);
	}
	UNROOT(t);
	return r;
}

obj lisp_macro_expand(struct lisp *L, obj mac, obj form, obj env)
{
	struct mx m = { .L = L, .mac = mac, .env = env, .binds = OBJ_NIL, .renames = OBJ_NIL };
	obj r = OBJ_NULL, rules;
	size_t base = L->sp;

	if (lisp_list_length(form) < 0 && !pair_p(form))
		return lisp_syntax_error(L, "macro use", form);
	GC_ROOT(L->h, m.mac);
	GC_ROOT(L->h, m.env);
	GC_ROOT(L->h, m.binds);
	GC_ROOT(L->h, m.renames);
	ROOT(form);
	/* Each use counts as a call: a macro that expands into itself for ever (or into a use of
	 * another that expands back) is interrupted by Ctrl-C and lets the other threads of its CPU
	 * run, as a loop of calls does (the safe point may collect: ours are rooted above, and the
	 * callers root what they hold, as across the allocations below). */
	if (lisp_safepoint_step(L))
		goto out;
	for (rules = obj_fields(m.mac)[MAC_RULES]; pair_p(rules); rules = cdr(rules)) {
		int ok;

		m.binds = OBJ_NIL;
		ROOT(rules);
		ok = match(&m, cdr(car(car(rules))), cdr(form));
		UNROOT(rules);
		if (ok < 0)
			goto out;
		if (ok) {
			r = inst(&m, cadr(car(rules)));
			goto out;
		}
	}
	{
		obj f = lisp_strip(L, form);

		if (f != OBJ_NULL)
			lisp_errorf(L, f, "%s: no syntax-rules pattern matches",
				    symbol_p(obj_fields(m.mac)[MAC_NAME]) ?
				    (const char *)obj_bytes_data(sym_name(obj_fields(m.mac)[MAC_NAME])) : "macro");
	}
out:
	L->sp = base;
	UNROOT(form);
	GC_UNROOT(L->h, m.renames);
	GC_UNROOT(L->h, m.binds);
	GC_UNROOT(L->h, m.env);
	GC_UNROOT(L->h, m.mac);
	return r;
}
