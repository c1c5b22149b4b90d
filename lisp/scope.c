/* scope.c -- the compile-time environment of the expander: IR node, variable and scope
 * constructors, identifiers renamed by macros (aliases) and their resolution to a variable,
 * a macro or a global symbol, the free-variable bookkeeping of lambdas (a variable used in an
 * inner lambda is added to the free list of every lambda in between), and syntax->datum. */
#include "compile.h"

/* --- small constructors --- */

/* A node (tag, the n values on top of the stack), popping them. */
obj lisp_ir_pop(struct lisp *L, intptr_t tag, size_t n)
{
	obj v = lisp_alloc(L, OBJ_T_VECTOR, n + 1);

	if (v == OBJ_NULL) {
		L->sp -= n;
		return OBJ_NULL;
	}
	obj_init_field(L, v, 0, fx(tag));
	for (size_t i = 0; i < n; i++)
		obj_init_field(L, v, i + 1, stk(L)[L->sp - n + i]);
	L->sp -= n;
	return v;
}

obj lisp_ir1(struct lisp *L, intptr_t tag, obj a)
{
	return lisp_push(L, a) ? lisp_ir_pop(L, tag, 1) : OBJ_NULL;
}

obj lisp_ir_const(struct lisp *L, obj v) { return lisp_ir1(L, N_CONST, v); }

obj lisp_ir2(struct lisp *L, intptr_t tag, obj a, obj b)
{
	size_t base = L->sp;
	bool ok;

	ROOT(b);
	ok = lisp_push(L, a) && lisp_push(L, b);
	UNROOT(b);
	if (!ok) {
		L->sp = base;
		return OBJ_NULL;
	}
	return lisp_ir_pop(L, tag, 2);
}

obj lisp_ir3(struct lisp *L, intptr_t tag, obj a, obj b, obj c)
{
	size_t base = L->sp;
	bool ok;

	ROOT(b);
	ROOT(c);
	ok = lisp_push(L, a) && lisp_push(L, b) && lisp_push(L, c);
	UNROOT(c);
	UNROOT(b);
	if (!ok) {
		L->sp = base;
		return OBJ_NULL;
	}
	return lisp_ir_pop(L, tag, 3);
}

obj lisp_new_var(struct lisp *L, obj name, obj owner)
{
	obj v;

	ROOT(name);
	ROOT(owner);
	v = lisp_make_vector(L, VAR_NFIELDS, fx(0));
	UNROOT(owner);
	UNROOT(name);
	if (v != OBJ_NULL) {
		obj_init_field(L, v, VAR_NAME, name);
		obj_init_field(L, v, VAR_OWNER, owner);
		obj_init_field(L, v, VAR_SLOT, fx(-1));
	}
	return v;
}

obj lisp_new_scope(struct lisp *L, obj parent, obj lam)
{
	obj s;

	ROOT(parent);
	ROOT(lam);
	s = lisp_make_vector(L, ENV_NFIELDS, OBJ_NIL);
	UNROOT(lam);
	UNROOT(parent);
	if (s != OBJ_NULL) {
		obj_init_field(L, s, ENV_PARENT, parent);
		obj_init_field(L, s, ENV_LAMBDA, lam);
	}
	return s;
}

bool lisp_bind(struct lisp *L, obj scope, obj id, obj binding)
{
	obj b;

	ROOT(scope);
	b = lisp_cons(L, id, binding);
	if (b != OBJ_NULL)
		b = lisp_cons(L, b, obj_vector_ref(scope, ENV_BINDINGS));
	UNROOT(scope);
	if (b == OBJ_NULL)
		return false;
	return lisp_store(L, scope, ENV_BINDINGS, b);	/* a macro's scope may be shared */
}

bool lisp_bound_here_p(obj scope, obj id)
{
	for (obj b = obj_vector_ref(scope, ENV_BINDINGS); pair_p(b); b = cdr(b))
		if (car(car(b)) == id)
			return true;
	return false;
}

obj lisp_make_alias(struct lisp *L, obj sym, obj env)
{
	obj a;

	ROOT(sym);
	ROOT(env);
	a = lisp_make_record(L, STATE(L, S_RTD_ALIAS), ALIAS_NFIELDS - 1);
	UNROOT(env);
	UNROOT(sym);
	if (a != OBJ_NULL) {
		obj_init_field(L, a, ALIAS_SYM, sym);
		obj_init_field(L, a, ALIAS_ENV, env);
		obj_init_field(L, a, ALIAS_ID, fx(++L->gensym_count & 0x3fffffff));
		obj_init_field(L, a, ALIAS_GLOBAL, OBJ_FALSE);
	}
	return a;
}

/* An identifier naming the system's binding of global symbol sym wherever it is inserted (its
 * twin, if it has one: globals.c, "The system's bindings"). */
obj lisp_sys_alias(struct lisp *L, obj sym) { return lisp_make_alias(L, sym, STATE(L, S_SYSFRAME)); }
obj lisp_galias(struct lisp *L, int sym) { return lisp_sys_alias(L, SYM(L, sym)); }

/* What id means in env: a variable, a macro of a body, or a global symbol. In the system frame
 * (the outermost scope of the system's code) a symbol that has a twin means its twin; in a
 * library's frame, a special form's name the program defined means the form's twin. */
obj lisp_resolve(struct lisp *L, obj id, obj env)
{
	obj sys = STATE(L, S_SYSFRAME);

	for (;;) {
		for (obj f = env; f != OBJ_NIL; f = obj_vector_ref(f, ENV_PARENT)) {
			for (obj b = obj_vector_ref(f, ENV_BINDINGS); pair_p(b); b = cdr(b))
				if (car(car(b)) == id)
					return cdr(car(b));
			if (f == sys && symbol_p(id) && obj_fields(id)[SYMF_SYS] != OBJ_FALSE)
				return obj_fields(id)[SYMF_SYS];
			/* a library's code has the special forms its (scheme base) gives, whatever
			 * name the program has defined since (R7RS 5.6), unless it binds the name */
			if (obj_vector_ref(f, ENV_LIBRARY) == OBJ_TRUE && symbol_p(id) &&
			    !lisp_special(id) && lisp_special(lisp_sys_cell(id)))
				return lisp_sys_cell(id);
		}
		if (!alias_p(L, id))
			return id;
		if (obj_fields(id)[ALIAS_GLOBAL] != OBJ_FALSE)
			return obj_fields(id)[ALIAS_GLOBAL];	/* defined at top level */
		env = obj_fields(id)[ALIAS_ENV];
		id = obj_fields(id)[ALIAS_SYM];
	}
}

/* id means keyword sym in env: the symbol, or in the system's code its twin (a special form's) */
bool lisp_keyword_p(struct lisp *L, obj id, obj env, int sym)
{
	obj r;

	if (!identifier_p(L, id))
		return false;
	r = lisp_resolve(L, id, env);
	return r == SYM(L, sym) || r == lisp_sys_cell(SYM(L, sym));
}

/* the special form a global symbol names (SYM_*), or -1 */
int lisp_special_of(struct lisp *L, obj b)
{
	(void)L;
	return symbol_p(b) && lisp_special(b) ? (int)lisp_special(b) - 1 : -1;
}

/* --- variable references --- */

static bool memq_p(obj x, obj l)
{
	for (; pair_p(l); l = cdr(l))
		if (car(l) == x)
			return true;
	return false;
}

/* var is used in c->lam: if it belongs to an outer lambda, every lambda in between gets it as
 * a free variable. */
bool lisp_x_capture(struct lisp_cx *c, obj var)
{
	struct lisp *L = c->L;
	obj lam = c->lam;
	bool ok = true;

	if (obj_vector_ref(var, VAR_OWNER) == lam)
		return true;
	var_flag(L, var, VF_CAPTURED);
	ROOT(var);
	ROOT(lam);
	while (lam != OBJ_FALSE && lam != obj_vector_ref(var, VAR_OWNER)) {
		if (!memq_p(var, obj_vector_ref(lam, LAM_FREE))) {
			obj p = lisp_cons(L, var, obj_vector_ref(lam, LAM_FREE));

			if (p == OBJ_NULL) {
				ok = false;
				break;
			}
			if (!lisp_store(L, lam, LAM_FREE, p)) {	/* an outer one may be a macro's */
				ok = false;
				break;
			}
			lisp_store_now(L, lam, LAM_NFREE, fx(fxv(obj_vector_ref(lam, LAM_NFREE)) + 1));
		}
		lam = obj_vector_ref(lam, LAM_PARENT);
	}
	UNROOT(lam);
	UNROOT(var);
	return ok;
}

obj lisp_x_ref_var(struct lisp_cx *c, obj var)
{
	struct lisp *L = c->L;

	ROOT(var);
	bool ok = lisp_x_capture(c, var);
	UNROOT(var);
	return ok ? lisp_ir1(L, N_LREF, var) : OBJ_NULL;
}

obj lisp_x_ref(struct lisp_cx *c, obj id, obj env)
{
	struct lisp *L = c->L;
	obj b = lisp_resolve(L, id, env);

	if (vector_p(b))
		return lisp_x_ref_var(c, b);
	if (macro_p(L, b) || lisp_special_of(L, b) >= 0 || macro_p(L, lisp_global_value(b)))
		return lisp_syntax_error(L, "syntax keyword used as a variable", id);
	return lisp_ir1(L, N_GREF, b);
}

/* --- syntax->datum --- */

/* Whether x holds an alias. Cycles (quoted literals read with #n= labels): a circular list is
 * walked once round; a cycle through cars or vectors runs out of budget, and the answer is then
 * "found", safe for any x: strip_rec copies, and stops at its depth limit on such a cycle. */
#define HAS_ALIAS_BUDGET	(1u << 20)	/* elements looked at */

static bool has_alias(struct lisp *L, obj x)
{
	size_t base = L->sp;
	bool found = false;
	unsigned budget = HAS_ALIAS_BUDGET;

	if (!lisp_push(L, x))
		return true;	/* no memory to look: strip, which fails the same way */
	while (L->sp > base && !found) {
		obj slow;
		unsigned n = 0;

		x = lisp_pop(L);
		slow = x;
		/* along the list, its elements pushed; a circular one (a quoted literal from the
		 * reader's #n= labels) stops when the list comes round to slow, which follows at
		 * half speed */
		while (pair_p(x)) {
			ROOT(x);
			ROOT(slow);
			bool ok = lisp_push(L, car(x));
			UNROOT(slow);
			UNROOT(x);
			if (!ok) {
				found = true;
				break;
			}
			x = cdr(x);
			if (--budget == 0) {
				found = true;
				break;
			}
			if (++n % 2 == 0)
				slow = cdr(slow);
			if (x == slow)
				break;
		}
		if (pair_p(x))
			continue;
		if (alias_p(L, x)) {
			found = true;
		} else if (vector_p(x)) {
			ROOT(x);
			for (size_t i = 0; i < obj_vector_length(x) && !found; i++)
				if (--budget == 0 || !lisp_push(L, obj_vector_ref(x, i)))
					found = true;
			UNROOT(x);
		}
	}
	L->sp = base;
	return found;
}

static obj strip_rec(struct lisp *L, obj x)
{
	obj r = OBJ_NULL, head = OBJ_NIL, last = OBJ_NIL;

	if (!lisp_depth_ok(L))
		return OBJ_NULL;
	while (alias_p(L, x))
		x = obj_fields(x)[ALIAS_SYM];
	if (vector_p(x)) {
		size_t n = obj_vector_length(x);
		obj v;

		ROOT(x);
		v = lisp_make_vector(L, n, OBJ_FALSE);
		ROOT(v);
		for (size_t i = 0; v != OBJ_NULL && i < n; i++) {
			obj e = strip_rec(L, obj_vector_ref(x, i));

			if (e == OBJ_NULL)
				v = OBJ_NULL;
			else
				obj_init_field(L, v, i, e);
		}
		UNROOT(v);
		UNROOT(x);
		return v;
	}
	if (!pair_p(x))
		return x;
	ROOT(x);
	ROOT(head);
	ROOT(last);
	while (pair_p(x)) {
		obj e = strip_rec(L, car(x)), p;

		if (e == OBJ_NULL || (p = lisp_cons(L, e, OBJ_NIL)) == OBJ_NULL)
			goto out;
		if (head == OBJ_NIL)
			head = p;
		else
			obj_init_field(L, last, 1, p);	/* our copy: nobody else sees it yet */
		last = p;
		x = cdr(x);
	}
	r = strip_rec(L, x);
	if (r != OBJ_NULL) {
		obj_init_field(L, last, 1, r);
		r = head;
	}
out:
	UNROOT(last);
	UNROOT(head);
	UNROOT(x);
	return r;
}

obj lisp_strip(struct lisp *L, obj x)
{
	if (!obj_ptr_p(x) || string_p(x) || symbol_p(x))
		return x;
	ROOT(x);
	bool a = has_alias(L, x);
	UNROOT(x);
	return a ? strip_rec(L, x) : x;
}

