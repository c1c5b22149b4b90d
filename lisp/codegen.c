/* codegen.c -- the second compiler pass: IR (compile.h) to bytecode, one code object per lambda.
 * Frame slots are allocated at compile time (arguments, then let-bound locals, reused after their
 * scope); an assigned variable lives in a box (re-entered continuations copy the stack, yet must
 * share it); closures are flat (the creator pushes each free variable's value or box); letrec
 * of never-assigned lambdas builds the closures, then patches their free slots (no boxes), and
 * a tail call of such a lambda by itself, with its arity, is a jump to its start (a loop); so is
 * a tail call of the global a lambda was defined as, when the VM finds it names the running closure.
 * IF/SEQ/LET/AND/OR chains are generated in a loop, so long cond/case chains nest no C calls. */
#include "compile.h"
#include "jit.h"

#define JIT_PER_CODE	16	/* named lets of one procedure that may run natively (jit.h) */

struct gen {
	struct lisp *L;
	obj lam;		/* rooted: the lambda node */
	obj buf;		/* rooted: bytecode being written (bytevector) */
	obj consts;		/* rooted: constants vector (grows) */
	obj freev;		/* rooted: the lambda's free variables in closure order */
	obj self;		/* rooted: the variable naming this lambda's closure, or #f */
	obj loops;		/* rooted: the loops compiled into this frame around the code being
				 * generated, innermost first: a list of #(var lam slot n head depth) */
	size_t n, nconsts;
	size_t last;		/* offset of the last instruction emitted (each emit_bytes is one) */
	int depth, maxdepth;	/* temporaries above the locals */
	int nslots, maxslots;
	/* the named lets given an OP_NLOOP (gen_loop): its offset, and their entry's u32 */
	size_t nloop[JIT_PER_CODE], nloop_entry[JIT_PER_CODE];
	unsigned nnloops;
	bool effect;		/* the next gen's value is discarded (read and cleared by gen) */
	bool ok;
};

#define CHECK(x)	do { if (!(x)) goto fail; } while (0)

/* a loop compiled into this frame (gen_loop): its fields */
enum { LOOP_VAR, LOOP_LAM, LOOP_SLOT, LOOP_N, LOOP_HEAD, LOOP_DEPTH, LOOP_NFIELDS };
#define LOOP_SCAN_NEST	200	/* loop_uses_ok looks this deep into a loop's body, no deeper */

/* Does var live in this frame's slots: a variable of this lambda, or of a loop compiled into it? */
static bool own_var_p(struct gen *g, obj var)
{
	obj owner = obj_vector_ref(var, VAR_OWNER);

	if (owner == g->lam)
		return true;
	for (obj l = g->loops; pair_p(l); l = cdr(l))
		if (obj_vector_ref(car(l), LOOP_LAM) == owner)
			return true;
	return false;
}

/* a variable of this lambda's frame, not boxed (its slot holds the value) */
static bool own_local_p(struct gen *g, obj node)
{
	return ir_tag(node) == N_LREF && own_var_p(g, ir_ref(node, 1)) &&
	       !var_boxed(ir_ref(node, 1));
}

static bool small_fixnum_p(obj node)
{
	return ir_tag(node) == N_CONST && obj_fixnum_p(ir_ref(node, 1)) && fxv(ir_ref(node, 1)) >= -32768 &&
	       fxv(ir_ref(node, 1)) <= 32767;
}

/* the slot of a local (an N_LREF of own_local_p) */
static intptr_t local_slot(obj node) { return fxv(obj_vector_ref(ir_ref(node, 1), VAR_SLOT)); }

/* Is node (+ local c) or (- local c) with the local plus k an i16 immediate? Then its slot and k
 * (pushladdi, lsetaddi). */
static bool local_addi_p(struct gen *g, obj node, intptr_t *slot, intptr_t *k)
{
	intptr_t op;

	if (ir_tag(node) != N_PRIM || obj_vector_length(node) != 4)
		return false;
	op = fxv(ir_ref(node, 1));
	if ((op != OP_ADD && op != OP_SUB) || !own_local_p(g, ir_ref(node, 2)) || !small_fixnum_p(ir_ref(node, 3)))
		return false;
	*k = op == OP_ADD ? fxv(ir_ref(ir_ref(node, 3), 1)) : -fxv(ir_ref(ir_ref(node, 3), 1));
	*slot = local_slot(ir_ref(node, 2));
	return *k <= 32767;
}

static bool emit_bytes(struct gen *g, const void *p, size_t k)
{
	struct lisp *L = g->L;
	size_t cap = obj_bytes_length(g->buf);

	if (g->n + k > cap) {
		obj nb = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 2 * cap + k);

		if (nb == OBJ_NULL)
			return false;
		memcpy(obj_bytes_data(nb), obj_bytes_data(g->buf), g->n);
		g->buf = nb;
	}
	memcpy(obj_bytes_data(g->buf) + g->n, p, k);
	g->last = g->n;
	g->n += k;
	return true;
}

static bool op0(struct gen *g, int op) { uint8_t b = (uint8_t)op; return emit_bytes(g, &b, 1); }

static bool op16(struct gen *g, int op, intptr_t a)
{
	uint8_t b[3] = { (uint8_t)op, (uint8_t)a, (uint8_t)(a >> 8) };

	if (a < -32768 || a > 65535) {
		lisp_errorf(g->L, OBJ_NULL, "procedure too large to compile");
		return false;
	}
	return emit_bytes(g, b, 3);
}

static bool op16x2(struct gen *g, int op, size_t a, size_t c)
{
	uint8_t b[5] = { (uint8_t)op, (uint8_t)a, (uint8_t)(a >> 8), (uint8_t)c, (uint8_t)(c >> 8) };

	if (a > 65535 || c > 65535) {
		lisp_errorf(g->L, OBJ_NULL, "procedure too large to compile");
		return false;
	}
	return emit_bytes(g, b, 5);
}

static bool op16x3(struct gen *g, int op, intptr_t a, intptr_t b, intptr_t c)
{
	uint8_t x[7] = { (uint8_t)op, (uint8_t)a, (uint8_t)(a >> 8), (uint8_t)b, (uint8_t)(b >> 8),
			 (uint8_t)c, (uint8_t)(c >> 8) };

	if (a < 0 || a > 65535 || b < 0 || b > 65535 || c < 0 || c > 65535) {
		lisp_errorf(g->L, OBJ_NULL, "procedure too large to compile");
		return false;
	}
	return emit_bytes(g, x, 7);
}

/* an opcode with a u32 operand; returns the operand's offset for patching, or 0 on failure */
static size_t op32(struct gen *g, int op, uint32_t v)
{
	uint8_t b[5] = { (uint8_t)op };

	memcpy(b + 1, &v, 4);
	return emit_bytes(g, b, 5) ? g->n - 4 : 0;
}

static void patch32(struct gen *g, size_t at, uint32_t v) { memcpy(obj_bytes_data(g->buf) + at, &v, 4); }

/* v appended to the last instruction (its operand; g->last stays that instruction's start) */
static bool emit_u32(struct gen *g, uint32_t v)
{
	size_t last = g->last;
	uint8_t b[4];

	memcpy(b, &v, 4);
	if (!emit_bytes(g, b, 4))
		return false;
	g->last = last;
	return true;
}

static void push_depth(struct gen *g, int k)
{
	g->depth += k;
	if (g->depth > g->maxdepth)
		g->maxdepth = g->depth;
}

static intptr_t add_const(struct gen *g, obj v)
{
	struct lisp *L = g->L;
	size_t cap = obj_vector_length(g->consts);

	for (size_t i = 0; i < g->nconsts && i < 256; i++)
		if (obj_vector_ref(g->consts, i) == v)
			return (intptr_t)i;
	if (g->nconsts == cap) {
		obj nv;

		ROOT(v);
		nv = lisp_make_vector(L, 2 * cap, OBJ_FALSE);
		UNROOT(v);
		if (nv == OBJ_NULL)
			return -1;
		for (size_t i = 0; i < g->nconsts; i++)
			obj_init_field(L, nv, i, obj_vector_ref(g->consts, i));
		g->consts = nv;
	}
	lisp_private_set(L, g->consts, g->nconsts, v);	/* the code object is not made yet */
	return (intptr_t)g->nconsts++;
}

static bool emit_const(struct gen *g, obj v)
{
	intptr_t k;

	if (obj_fixnum_p(v) && fxv(v) >= -32768 && fxv(v) <= 32767)
		return op16(g, OP_FIX, fxv(v));
	if (obj_const_p(v)) {
		uint8_t b[2] = { OP_IMM, (uint8_t)(v >> 3) };

		return emit_bytes(g, b, 2);
	}
	k = add_const(g, v);
	return k >= 0 && op16(g, OP_CONST, k);
}

static intptr_t free_index(struct gen *g, obj var)
{
	for (size_t i = 0; i < obj_vector_length(g->freev); i++)
		if (obj_vector_ref(g->freev, i) == var)
			return (intptr_t)i;
	return -1;
}

/* acc = var (raw: the box itself for a boxed variable) */
static bool gen_ref(struct gen *g, obj var, bool raw)
{
	bool boxed = var_boxed(var) && !raw;

	if (own_var_p(g, var))
		return op16(g, boxed ? OP_LREFB : OP_LREF, fxv(obj_vector_ref(var, VAR_SLOT)));
	intptr_t i = free_index(g, var);

	kassert(i >= 0);
	return op16(g, boxed ? OP_FREFB : OP_FREF, i);
}

static bool gen_set(struct gen *g, obj var)
{
	if (own_var_p(g, var))
		return op16(g, var_boxed(var) ? OP_LSETB : OP_LSET, fxv(obj_vector_ref(var, VAR_SLOT)));
	intptr_t i = free_index(g, var);

	kassert(i >= 0 && var_boxed(var));
	return op16(g, OP_FSETB, i);
}

static intptr_t alloc_slot(struct gen *g, obj var)
{
	intptr_t s = g->nslots++;

	if (g->nslots > g->maxslots)
		g->maxslots = g->nslots;
	lisp_store_now(g->L, var, VAR_SLOT, fx(s));
	return s;
}

static bool gen(struct gen *g, obj node, bool tail);
static obj codegen(struct lisp *L, obj lam, obj self);

/* closure creation for lambda node lam; group: the letrec variables to leave as #f (patched);
 * self: the group's variable that lam's closure is bound to, or #f */
static bool gen_closure(struct gen *g, obj lam, obj group, obj self)
{
	struct lisp *L = g->L;
	obj code, fl;
	intptr_t k, nfree;
	bool ok = false;

	ROOT(lam);
	ROOT(group);
	code = codegen(L, lam, self);
	if (code == OBJ_NULL || (k = add_const(g, code)) < 0)
		goto out;
	nfree = fxv(obj_vector_ref(lam, LAM_NFREE));
	/* LAM_FREE is newest first; the closure holds them oldest first */
	for (intptr_t i = 0; i < nfree; i++) {
		obj var;

		fl = obj_vector_ref(lam, LAM_FREE);
		for (intptr_t j = 0; j < nfree - 1 - i; j++)
			fl = cdr(fl);
		var = car(fl);
		bool in_group = false;
		for (obj gl = group; pair_p(gl); gl = cdr(gl))
			if (car(gl) == var)
				in_group = true;
		if (in_group ? !emit_const(g, OBJ_FALSE) : !gen_ref(g, var, true))
			goto out;
		if (!op0(g, OP_PUSH))
			goto out;
		push_depth(g, 1);
	}
	if (!op16x2(g, OP_CLOSURE, (size_t)k, (size_t)nfree))
		goto out;
	g->depth -= (int)nfree;
	ok = true;
out:
	UNROOT(group);
	UNROOT(lam);
	return ok;
}

static bool letrec_fixable(obj node)
{
	for (obj v = ir_ref(node, 1), i = ir_ref(node, 2); pair_p(v); v = cdr(v), i = cdr(i))
		if ((var_flags(car(v)) & VF_MUTATED) || ir_tag(car(i)) != N_LAMBDA)
			return false;
	return true;
}

static bool gen_letrec(struct gen *g, obj node)
{
	struct lisp *L = g->L;
	obj vars = ir_ref(node, 1), inits = ir_ref(node, 2);
	bool ok = false;

	ROOT(node);
	ROOT(vars);
	ROOT(inits);
	for (obj v = vars; pair_p(v); v = cdr(v))
		alloc_slot(g, car(v));
	if (letrec_fixable(node)) {
		obj v, i;

		for (v = vars, i = inits; pair_p(v); v = cdr(v), i = cdr(i)) {
			ROOT(v);
			ROOT(i);
			bool k = gen_closure(g, car(i), vars, car(v)) &&
				 op16(g, OP_LSET, fxv(obj_vector_ref(car(v), VAR_SLOT)));
			UNROOT(i);
			UNROOT(v);
			if (!k)
				goto out;
		}
		/* patch each closure's free slots that name a group member */
		for (v = vars, i = inits; pair_p(v); v = cdr(v), i = cdr(i)) {
			obj lam = car(i);
			intptr_t nfree = fxv(obj_vector_ref(lam, LAM_NFREE)), j = nfree - 1;

			for (obj fl = obj_vector_ref(lam, LAM_FREE); pair_p(fl); fl = cdr(fl), j--)
				for (obj gl = vars; pair_p(gl); gl = cdr(gl))
					if (car(gl) == car(fl)) {
						uint8_t b[7] = { OP_FIXCL };
						intptr_t s = fxv(obj_vector_ref(car(v), VAR_SLOT));
						intptr_t t = fxv(obj_vector_ref(car(gl), VAR_SLOT));

						b[1] = (uint8_t)s, b[2] = (uint8_t)(s >> 8);
						b[3] = (uint8_t)j, b[4] = (uint8_t)(j >> 8);
						b[5] = (uint8_t)t, b[6] = (uint8_t)(t >> 8);
						ROOT(v);
						ROOT(i);
						ROOT(fl);
						bool k = emit_bytes(g, b, 7);
						UNROOT(fl);
						UNROOT(i);
						UNROOT(v);
						if (!k)
							goto out;
						break;
					}
		}
		ok = true;
		goto out;
	}
	for (obj v = vars; pair_p(v); v = cdr(v))
		var_flag(L, car(v), VF_MUTATED);
	for (obj v = vars; pair_p(v); v = cdr(v)) {
		ROOT(v);
		bool k = emit_const(g, OBJ_UNDEFINED) && (!var_boxed(car(v)) || op0(g, OP_BOX)) &&
			 op16(g, OP_LSET, fxv(obj_vector_ref(car(v), VAR_SLOT)));
		UNROOT(v);
		if (!k)
			goto out;
	}
	for (obj v = vars, i = inits; pair_p(v); v = cdr(v), i = cdr(i)) {
		ROOT(v);
		ROOT(i);
		bool k = gen(g, car(i), false) && gen_set(g, car(v));
		UNROOT(i);
		UNROOT(v);
		if (!k)
			goto out;
	}
	ok = true;
out:
	UNROOT(inits);
	UNROOT(vars);
	UNROOT(node);
	return ok;
}

/* acc = node; push it: one instruction for locals, constants and globals */
static bool gen_push(struct gen *g, obj node)
{
	intptr_t tag = ir_tag(node), k, s;
	obj v = obj_vector_length(node) > 1 ? ir_ref(node, 1) : OBJ_FALSE;

	push_depth(g, 1);
	if (tag == N_LREF && own_var_p(g, v) && !var_boxed(v))
		return op16(g, OP_PUSHL, fxv(obj_vector_ref(v, VAR_SLOT)));
	if (tag == N_LREF && !var_boxed(v))
		return (k = free_index(g, v)) >= 0 && op16(g, OP_PUSHF, k);
	/* (+ local k), (- local k) for a small constant k */
	if (local_addi_p(g, node, &s, &k))
		return op16x2(g, OP_PUSHLADDI, (size_t)s, (size_t)(uint16_t)k);
	if (tag == N_CONST && obj_fixnum_p(v) && fxv(v) >= -32768 && fxv(v) <= 32767)
		return op16(g, OP_PUSHFIX, fxv(v));
	if (tag == N_CONST && !obj_const_p(v))
		return (k = add_const(g, v)) >= 0 && op16(g, OP_PUSHC, k);
	if (tag == N_GREF)
		return (k = add_const(g, v)) >= 0 && op16(g, OP_PUSHG, k);
	g->depth--;
	if (!gen(g, node, false) || !op0(g, OP_PUSH))
		return false;
	push_depth(g, 1);
	return true;
}

/* A call that names the running closure itself, tail or not: the global this lambda was
 * defined as, or the variable a fixable letrec bound it to, with exactly its required
 * arguments. Not a guarantee (the global may name something else by then): OP_CALLS compares
 * what it calls with the running closure and takes OP_CALL's path when they differ. It relies
 * on the arity only when they are the same. */
static bool self_callee_p(struct gen *g, obj node)
{
	obj f = ir_ref(node, 1), name = obj_vector_ref(g->lam, LAM_NAME);

	if (obj_vector_ref(g->lam, LAM_REST) == OBJ_TRUE ||
	    (intptr_t)obj_vector_length(node) - 2 != fxv(obj_vector_ref(g->lam, LAM_NREQ)))
		return false;
	if (ir_tag(f) == N_GREF)
		return symbol_p(name) && ir_ref(f, 1) == name;
	return ir_tag(f) == N_LREF && g->self != OBJ_FALSE && ir_ref(f, 1) == g->self;
}

/* A call of the running closure by itself: by the variable a fixable letrec (named let, do,
 * internal define) bound it to, never assigned, so it names this closure whenever the body runs;
 * with exactly its required arguments (else the call's arity error); nothing pushed. In tail
 * position the callee's frame would be this one with new arguments, so the call is a jump to
 * the start, whose lbox instructions give each assigned parameter a new box, as a call does. */
static bool self_call_p(struct gen *g, obj node)
{
	return ir_tag(ir_ref(node, 1)) == N_LREF && self_callee_p(g, node) && !var_boxed(g->self) &&
	       g->depth == 0;
}

/* A call of the global this lambda was defined as ((define (f ...) ... (f ...))), with exactly
 * its required arguments, nothing pushed: the global may be redefined, or bound to another
 * closure of this code, at any time, so the VM compares its value with the running closure
 * (OP_GLOOP) and jumps only when they are the same. */
static bool global_self_call_p(struct gen *g, obj node)
{
	return ir_tag(ir_ref(node, 1)) == N_GREF && self_callee_p(g, node) && g->depth == 0;
}

/* A loop's jump with its arguments stored straight into the parameters' slots, not pushed and
 * then moved (OP_JLOOP, OP_LOOP): each argument's value goes into its slot once no argument still
 * to be evaluated reads that slot. An argument that merely passes its parameter on ((loop (cdr l)
 * acc)) costs nothing. A cycle ((loop b a)) is broken by pushing one argument and popping it into
 * its slot last. Only constants, variables and inlined primitives of those (simple_arg_p) are
 * ordered, by the slots they name (reads_slot_p); any other argument (a call, a lambda that
 * copies variables into its closure, a let) is pushed before any slot is stored. A simple
 * argument's only way out is an error, and an error never returns into the half-done moves. */
#define MOVES_MAX	16	/* a jump with more arguments: pushed and moved */
#define SIMPLE_NEST	8	/* simple_arg_p looks no deeper */

static bool simple_arg_p(obj node, int nest)
{
	intptr_t tag = ir_tag(node);

	if (tag == N_CONST || tag == N_LREF || tag == N_GREF)
		return true;
	if (tag != N_PRIM || nest >= SIMPLE_NEST)
		return false;
	for (size_t i = 2; i < obj_vector_length(node); i++)
		if (!simple_arg_p(ir_ref(node, i), nest + 1))
			return false;
	return true;
}

/* Does node (simple_arg_p) read frame slot s: a variable of this frame that lives there, boxed or not? */
static bool reads_slot_p(struct gen *g, obj node, intptr_t s)
{
	if (ir_tag(node) == N_LREF)
		return own_var_p(g, ir_ref(node, 1)) && local_slot(node) == s;
	if (ir_tag(node) == N_PRIM)
		for (size_t i = 2; i < obj_vector_length(node); i++)
			if (reads_slot_p(g, ir_ref(node, i), s))
				return true;
	return false;
}

/* slot d = node's value: one instruction for a local, (+ local k), (+ local local), (car local)... */
static bool gen_store(struct gen *g, obj node, intptr_t d)
{
	size_t n = ir_tag(node) == N_PRIM ? obj_vector_length(node) - 2 : 0;
	int op = n ? (int)fxv(ir_ref(node, 1)) : -1;
	intptr_t i, k;

	if (own_local_p(g, node))
		return op16x2(g, OP_LMOVE, (size_t)d, (size_t)local_slot(node));
	if ((op == OP_CAR || op == OP_CDR) && n == 1 && own_local_p(g, ir_ref(node, 2)))
		return op16x2(g, op == OP_CAR ? OP_LSETCAR : OP_LSETCDR, (size_t)d, (size_t)local_slot(ir_ref(node, 2)));
	if ((op == OP_ADD || op == OP_SUB) && n == 2 && own_local_p(g, ir_ref(node, 2)) &&
	    own_local_p(g, ir_ref(node, 3)))
		return op16x3(g, op == OP_ADD ? OP_LSETADDLL : OP_LSETSUBLL, d, local_slot(ir_ref(node, 2)),
			      local_slot(ir_ref(node, 3)));
	if (local_addi_p(g, node, &i, &k))
		return op16x3(g, OP_LSETADDI, d, i, (uint16_t)k);
	return gen(g, node, false) && op16(g, OP_LSET, d);
}

/* node's arguments into the slots slot, slot + 1, ..., then OP_JMPL to head, or with global
 * symbol constant gk >= 0 (slot 0, head 0) OP_GJMP gk n. 1: done; 0: failed (an error is set);
 * -1: not this way (no arguments, too many, or every one would be pushed) */
static int gen_moves(struct gen *g, obj node, intptr_t slot, uint32_t head, intptr_t gk)
{
	struct lisp *L = g->L;
	size_t n = obj_vector_length(node) - 2, npushed = 0, nsteps = 0, start;
	uint8_t step[MOVES_MAX], pushed[MOVES_MAX];
	bool pending[MOVES_MAX], simple[MOVES_MAX], ok = true;

	if (n == 0 || n > MOVES_MAX)
		return -1;
	for (size_t j = 0; j < n; j++) {
		obj a = ir_ref(node, j + 2);

		simple[j] = simple_arg_p(a, 0);
		/* the parameter passed on as it is (a boxed one still gets its new box at the head) */
		pending[j] = !(own_local_p(g, a) && local_slot(a) == slot + (intptr_t)j);
		if (pending[j] && !simple[j])
			pushed[npushed++] = (uint8_t)j, pending[j] = false;
	}
	/* the order: a pending argument whose slot no other pending one reads, else push one */
	for (;;) {
		size_t j, k, first = n;

		for (j = 0; j < n; j++) {
			if (!pending[j])
				continue;
			if (first == n)
				first = j;
			for (k = 0; k < n; k++)
				if (k != j && pending[k] && reads_slot_p(g, ir_ref(node, k + 2), slot + (intptr_t)j))
					break;
			if (k == n)
				break;
		}
		if (first == n)
			break;
		if (j < n) {
			step[nsteps++] = (uint8_t)j;
		} else {
			j = first;
			pushed[npushed++] = (uint8_t)j;
			step[nsteps++] = (uint8_t)(0x80 | j);
		}
		pending[j] = false;
	}
	if (npushed == n)
		return -1;
	start = g->n;
	ROOT(node);
	/* the arguments that may call first, then the steps; pushes happen in pushed[]'s order */
	for (size_t i = 0; i < npushed && ok; i++)
		if (!simple[pushed[i]])
			ok = gen_push(g, ir_ref(node, pushed[i] + 2));
	for (size_t i = 0; i < nsteps && ok; i++)
		ok = step[i] & 0x80 ? gen_push(g, ir_ref(node, (step[i] & 0x7f) + 2))
				    : gen_store(g, ir_ref(node, step[i] + 2), slot + step[i]);
	UNROOT(node);
	for (size_t i = npushed; i-- > 0 && ok;) {
		ok = op16(g, OP_LPOP, slot + pushed[i]);
		g->depth--;
	}
	if (ok && gk >= 0) {
		push_depth(g, (int)n + 1);	/* OP_GJMP's call puts the value and the arguments there */
		g->depth -= (int)n + 1;
		return op16x2(g, OP_GJMP, (size_t)gk, n) ? 1 : 0;
	}
	if (!ok)
		return 0;
	/* the last move and the jump in one instruction, for the common last moves (nothing
	 * jumps between them: the moves are straight-line code; a last instruction from before
	 * them, when every argument was passed on unchanged, is not one of them) */
	if (g->last >= start) {
		uint8_t *last = obj_bytes_data(g->buf) + g->last;
		size_t len = g->n - g->last;

		if ((*last == OP_LSETADDI && len == 7) || (*last == OP_LSETCDR && len == 5)) {
			*last = *last == OP_LSETADDI ? OP_LSETADDIJ : OP_LSETCDRJ;
			return emit_u32(g, head) ? 1 : 0;
		}
	}
	return op32(g, OP_JMPL, head) ? 1 : 0;
}

/* The n arguments of node (a call) pushed, then moved into the slots slot..slot+n-1 and popped,
 * and a jump to head: OP_JLOOP (head 0: patched by the caller; the offset of its u32 returned
 * through *at). */
static bool gen_jloop(struct gen *g, obj node, intptr_t slot, uint32_t head, size_t *at)
{
	struct lisp *L = g->L;
	size_t n = obj_vector_length(node) - 2;
	uint8_t b[9] = { OP_JLOOP, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)slot, (uint8_t)(slot >> 8) };
	bool ok = true;

	ROOT(node);
	for (size_t i = 0; i < n && ok; i++)
		ok = gen_push(g, ir_ref(node, i + 2));
	UNROOT(node);
	if (ok && n > 0 && g->last == g->n - 1 && obj_bytes_data(g->buf)[g->last] == OP_PUSH) {
		g->n--;	/* a final OP_PUSH folds in, as into a call */
		b[0] = OP_JLOOPA;
	}
	memcpy(b + 5, &head, 4);
	if (!ok || !emit_bytes(g, b, 9))
		return false;
	g->depth -= (int)n;
	if (at)
		*at = g->n - 4;
	return true;
}

static bool gen_loop_jump(struct gen *g, obj node, obj loop)
{
	/* in tail position in the loop's body, nothing is pushed beyond what was at its entry */
	if (g->depth != fxv(obj_vector_ref(loop, LOOP_DEPTH))) {
		lisp_errorf(g->L, OBJ_NULL, "compiler: a loop's jump with temporaries pushed");
		return false;
	}
	int r = gen_moves(g, node, fxv(obj_vector_ref(loop, LOOP_SLOT)), (uint32_t)fxv(obj_vector_ref(loop, LOOP_HEAD)), -1);

	if (r >= 0)
		return r == 1;
	return gen_jloop(g, node, fxv(obj_vector_ref(loop, LOOP_SLOT)),
			 (uint32_t)fxv(obj_vector_ref(loop, LOOP_HEAD)), NULL);
}

static bool gen_call(struct gen *g, obj node, bool tail, bool mv)
{
	struct lisp *L = g->L;
	size_t n = obj_vector_length(node) - 1, frame = 0;
	bool ok = false;

	size_t first = 0;
	uint8_t *code;
	int call = tail ? OP_TCALL : OP_CALL;

	ROOT(node);
	if (ir_tag(ir_ref(node, 1)) == N_LREF) {
		/* a call of a loop compiled into this frame (loop_uses_ok: in tail position in it,
		 * with its arity): its arguments into its parameters' slots, a jump to its head */
		obj var = ir_ref(ir_ref(node, 1), 1);

		for (obj l = g->loops; pair_p(l); l = cdr(l))
			if (obj_vector_ref(car(l), LOOP_VAR) == var) {
				ok = gen_loop_jump(g, node, car(l));
				goto out;
			}
	}
	if (tail && self_call_p(g, node)) {
		int r = gen_moves(g, node, 0, 0, -1);

		if (r >= 0) {
			ok = r == 1;
			goto out;
		}
		/* arguments pushed, then moved into the parameters' slots: no callee, no frame */
		for (size_t i = 1; i < n; i++)
			if (!gen_push(g, ir_ref(node, i + 1)))
				goto out;
		code = obj_bytes_data(g->buf);
		call = OP_LOOP;
		if (n > 1 && g->last == g->n - 1 && code[g->last] == OP_PUSH) {
			g->n--;
			call = OP_LOOPA;
		}
		ok = op16(g, call, (intptr_t)n - 1);
		g->depth -= (int)n - 1;
		goto out;
	}
	if (tail && global_self_call_p(g, node)) {
		intptr_t k = add_const(g, ir_ref(ir_ref(node, 1), 1));
		int r;

		if (k < 0)
			goto out;
		if (k > 65535) {
			lisp_errorf(L, OBJ_NULL, "procedure too large to compile");
			goto out;
		}
		/* the arguments into the parameters' slots, then OP_GJMP: the jump, or the call
		 * of whatever the global names now with them */
		if ((r = gen_moves(g, node, 0, 0, k)) >= 0) {
			ok = r == 1;
			goto out;
		}
		for (size_t i = 1; i < n; i++)
			if (!gen_push(g, ir_ref(node, i + 1)))
				goto out;
		code = obj_bytes_data(g->buf);
		call = OP_GLOOP;
		if (n > 1 && g->last == g->n - 1 && code[g->last] == OP_PUSH) {
			g->n--;
			call = OP_GLOOPA;
		}
		push_depth(g, 1);	/* room for the callee, put under the arguments when not a jump */
		ok = op16x2(g, call, (size_t)k, n - 1);
		g->depth -= (int)n;
		goto out;
	}
	if (!tail && self_callee_p(g, node))
		call = OP_CALLS;
	if (!tail && ir_tag(ir_ref(node, 1)) == N_GREF) {
		/* frame and the global procedure in one instruction */
		intptr_t k = add_const(g, ir_ref(ir_ref(node, 1), 1));
		uint8_t b[7] = { OP_FRAMEG, 0, 0, 0, 0, (uint8_t)k, (uint8_t)(k >> 8) };

		if (k < 0 || k > 65535 || !emit_bytes(g, b, 7))
			goto out;
		frame = g->n - 6;
		push_depth(g, 3);
		first = 1;
	} else if (!tail) {
		if ((frame = op32(g, OP_FRAME, 0)) == 0)
			goto out;
		push_depth(g, 2);
	}
	for (size_t i = first; i < n; i++)
		if (!gen_push(g, ir_ref(node, i + 1)))
			goto out;
	/* a final OP_PUSH (nothing jumps past it) folds into the call */
	code = obj_bytes_data(g->buf);
	if (g->last == g->n - 1 && code[g->last] == OP_PUSH) {
		g->n--;
		call = tail ? OP_TCALLA : call == OP_CALLS ? OP_CALLSA : OP_CALLA;
	}
	if (!op16(g, call, (intptr_t)n - 1))
		goto out;
	if (!tail) {
		if (g->n >= RET_MV) {
			lisp_errorf(L, OBJ_NULL, "procedure too large to compile");
			goto out;
		}
		patch32(g, frame, (uint32_t)g->n | (mv ? RET_MV : 0));
		g->depth -= (int)n + 2;
	} else {
		g->depth -= (int)n;
	}
	ok = true;
out:
	UNROOT(node);
	return ok;
}

static bool gen_prim(struct gen *g, obj node)
{
	struct lisp *L = g->L;
	int op = (int)fxv(ir_ref(node, 1));
	size_t n = obj_vector_length(node) - 2;
	obj last = ir_ref(node, n + 1);
	bool ok = false;

	/* (car local), (cdr local) */
	if ((op == OP_CAR || op == OP_CDR) && n == 1 && ir_tag(last) == N_LREF &&
	    own_var_p(g, ir_ref(last, 1)) && !var_boxed(ir_ref(last, 1)))
		return op16(g, op == OP_CAR ? OP_LCAR : OP_LCDR, fxv(obj_vector_ref(ir_ref(last, 1), VAR_SLOT)));
	/* (+ a b), (- a b) of two locals */
	if ((op == OP_ADD || op == OP_SUB) && n == 2 && own_local_p(g, ir_ref(node, 2)) && own_local_p(g, last))
		return op16x2(g, op == OP_ADD ? OP_ADDLL : OP_SUBLL,
			      (size_t)fxv(obj_vector_ref(ir_ref(ir_ref(node, 2), 1), VAR_SLOT)),
			      (size_t)fxv(obj_vector_ref(ir_ref(last, 1), VAR_SLOT)));
	/* (+ x 1), (- x 1), (op x small-constant) */
	if ((op == OP_ADD || op == OP_SUB) && ir_tag(last) == N_CONST && ir_ref(last, 1) == fx(1))
		return gen(g, ir_ref(node, 2), false) && op0(g, op == OP_ADD ? OP_ADD1 : OP_SUB1);
	if (n == 2 && ir_tag(last) == N_CONST && obj_fixnum_p(ir_ref(last, 1)) &&
	    fxv(ir_ref(last, 1)) > -32768 && fxv(ir_ref(last, 1)) <= 32767) {
		intptr_t imm = fxv(ir_ref(last, 1));
		int iop = op == OP_ADD ? OP_ADDI : op == OP_SUB ? OP_ADDI : op == OP_LT ? OP_LTI :
			  op == OP_GT ? OP_GTI : op == OP_LE ? OP_LEI : op == OP_GE ? OP_GEI :
			  op == OP_NUMEQ ? OP_NUMEQI : -1;

		if (iop >= 0)
			return gen(g, ir_ref(node, 2), false) && op16(g, iop, op == OP_SUB ? -imm : imm);
	}
	ROOT(node);
	/* (vector-ref g i), (vector-ref l i) of a global or an unboxed local, and (vector-set! g
	 * i x): the index (and x) first, then the instruction reads the variable itself. Only when
	 * computing them cannot change what the variable names: simple_arg_p (constants,
	 * variables, inlined primitives of those: no assignment, no call). Scheme leaves the
	 * order of a call's arguments unspecified, and a simple argument's only effect is an
	 * error, so no program can tell but by which of two errors it gets. */
	if (op == OP_VREF && n == 2 && simple_arg_p(last, 0) &&
	    (ir_tag(ir_ref(node, 2)) == N_GREF || own_local_p(g, ir_ref(node, 2)))) {
		intptr_t k;

		if (!gen(g, last, false))
			goto out;
		if (own_local_p(g, ir_ref(node, 2))) {
			ok = op16(g, OP_VREFL, local_slot(ir_ref(node, 2)));
			goto out;
		}
		ok = (k = add_const(g, ir_ref(ir_ref(node, 2), 1))) >= 0 && op16(g, OP_VREFG, k);
		goto out;
	}
	if (op == OP_VSET && n == 3 && ir_tag(ir_ref(node, 2)) == N_GREF &&
	    simple_arg_p(ir_ref(node, 3), 0) && simple_arg_p(last, 0)) {
		intptr_t k;

		/* node is rooted, last is not: gen_push may collect and move the IR */
		if (!gen_push(g, ir_ref(node, 3)) || !gen(g, ir_ref(node, n + 1), false))
			goto out;
		push_depth(g, 1);	/* OP_VSETG pushes the vector, its root during the store */
		g->depth -= 2;
		ok = (k = add_const(g, ir_ref(ir_ref(node, 2), 1))) >= 0 && op16(g, OP_VSETG, k);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n) {
			if (!gen_push(g, ir_ref(node, i + 2)))
				goto out;
		} else if (!gen(g, ir_ref(node, i + 2), false)) {
			goto out;
		}
	}
	g->depth -= (int)n - 1;
	ok = op == OP_VECTOR || op == OP_LIST ? op16(g, op, n) : op0(g, op);
out:
	UNROOT(node);
	return ok;
}

static int branch_op(int op)
{
	switch (op) {
	case OP_LT: return OP_BLT;
	case OP_GT: return OP_BGT;
	case OP_LE: return OP_BLE;
	case OP_GE: return OP_BGE;
	case OP_NUMEQ: return OP_BNUMEQ;
	case OP_EQ: return OP_BEQ;
	case OP_NULLP: return OP_BNULL;
	case OP_PAIRP: return OP_BPAIR;
	default: return -1;
	}
}

/* Does gen_branch turn node into a branch that leaves acc unset? */
static bool branch_test_p(obj node)
{
	return ir_tag(node) == N_PRIM && (fxv(ir_ref(node, 1)) == OP_NOT || branch_op((int)fxv(ir_ref(node, 1))) >= 0);
}

/* Jumps not yet patched form chains: each one's u32 target holds the offset of the next one's,
 * 0 (no jump's target lies at offset 0) ending the chain. */
static size_t chain_join(struct gen *g, size_t a, size_t b)
{
	size_t at = a;
	uint32_t next;

	if (a == 0)
		return b;
	for (;;) {
		memcpy(&next, obj_bytes_data(g->buf) + at, 4);
		if (next == 0)
			break;
		at = next;
	}
	patch32(g, at, (uint32_t)b);
	return a;
}

/* Every jump of the chain at `at` to target. */
static void patch_chain(struct gen *g, size_t at, uint32_t target)
{
	while (at != 0) {
		uint32_t next;

		memcpy(&next, obj_bytes_data(g->buf) + at, 4);
		patch32(g, at, target);
		at = next;
	}
}

static size_t gen_branch(struct gen *g, obj node, bool sense);

/* (and a ...) or (or a ...) as a test: each part a test of its own. A part whose truth decides
 * the whole (#f for and, true for or) jumps where the whole's would, if that is the sense
 * asked for, else past the whole test; the last part's jumps are the whole's. */
static size_t gen_branch_andor(struct gen *g, obj node, bool sense)
{
	struct lisp *L = g->L;
	size_t n = obj_vector_length(node) - 1, chain = 0, past = 0, at;
	bool decisive = ir_tag(node) == N_OR;

	ROOT(node);
	for (size_t i = 1; i <= n; i++) {
		bool whole = i == n || sense == decisive;

		if ((at = gen_branch(g, ir_ref(node, i), whole ? sense : decisive)) == 0) {
			chain = 0;
			goto out;
		}
		if (whole)
			chain = chain_join(g, chain, at);
		else
			past = chain_join(g, past, at);
	}
	patch_chain(g, past, (uint32_t)g->n);
out:
	UNROOT(node);
	return chain;
}

/* Code for node as a test: it jumps when node's truth is sense and falls through otherwise.
 * Returns the chain of jumps to patch (patch_chain), or 0 on failure. (not x) flips the
 * sense; comparisons and null?/pair? become one compare-and-branch instruction, and and/or
 * their parts' tests. */
static size_t gen_branch(struct gen *g, obj node, bool sense)
{
	struct lisp *L = g->L;
	size_t at = 0, n, x = 2, y = 3;	/* the operands, in the order compared */
	int op, bop;
	uint8_t b[8] = { 0 };

	while (ir_tag(node) == N_PRIM && fxv(ir_ref(node, 1)) == OP_NOT && obj_vector_length(node) == 3) {
		node = ir_ref(node, 2);
		sense = !sense;
	}
	if ((ir_tag(node) == N_AND || ir_tag(node) == N_OR) && obj_vector_length(node) >= 2)
		return gen_branch_andor(g, node, sense);
	if (ir_tag(node) != N_PRIM || (bop = branch_op(op = (int)fxv(ir_ref(node, 1)))) < 0) {
		if (!gen(g, node, false))
			return 0;
		return op32(g, sense ? OP_JMPT : OP_JMPF, 0);
	}
	n = obj_vector_length(node) - 2;
	if (n == 2 && op == OP_NUMEQ && small_fixnum_p(ir_ref(node, 2)) && !small_fixnum_p(ir_ref(node, 3)))
		x = 3, y = 2;	/* (= 1 x) is (= x 1): the constant second, for the forms below that
				 * take an immediate (a constant has no effect, so the order is not
				 * seen). Not < and the others: the flipped one would name itself in
				 * an error. */
	ROOT(node);
	b[0] = (uint8_t)bop;
	b[1] = sense;
	if (n == 2 && op != OP_EQ && own_local_p(g, ir_ref(node, x)) &&
	    (own_local_p(g, ir_ref(node, y)) || small_fixnum_p(ir_ref(node, y)))) {
		/* (op local local), (op local constant): one instruction, no push */
		uint8_t c[10] = { 0 };
		intptr_t i = fxv(obj_vector_ref(ir_ref(ir_ref(node, x), 1), VAR_SLOT)), j;

		if (small_fixnum_p(ir_ref(node, y))) {
			c[0] = (uint8_t)(bop - OP_BLT + OP_BLTLI);
			j = fxv(ir_ref(ir_ref(node, y), 1));
		} else {
			c[0] = (uint8_t)(bop - OP_BLT + OP_BLTLL);
			j = fxv(obj_vector_ref(ir_ref(ir_ref(node, y), 1), VAR_SLOT));
		}
		c[1] = sense;
		c[2] = (uint8_t)i, c[3] = (uint8_t)(i >> 8);
		c[4] = (uint8_t)j, c[5] = (uint8_t)(j >> 8);
		if (!emit_bytes(g, c, 10))
			goto out;
	} else if (n == 1) {
		if (!gen(g, ir_ref(node, 2), false) || !emit_bytes(g, b, 6))
			goto out;
	} else if (op != OP_EQ && small_fixnum_p(ir_ref(node, y))) {
		intptr_t imm = fxv(ir_ref(ir_ref(node, y), 1));

		b[0] = (uint8_t)(bop - OP_BLT + OP_BLTI);
		b[2] = (uint8_t)imm;
		b[3] = (uint8_t)(imm >> 8);
		if (!gen(g, ir_ref(node, x), false) || !emit_bytes(g, b, 8))
			goto out;
	} else {
		if (!gen_push(g, ir_ref(node, 2)) || !gen(g, ir_ref(node, 3), false) || !emit_bytes(g, b, 6))
			goto out;
		g->depth--;
	}
	at = g->n - 4;
out:
	UNROOT(node);
	return at;
}

/* (%mv-call thunk), the global not shadowed (a local of that name is an N_LREF): the system's
 * (its twin: the prelude's and the rewrites' calls) or the symbol's */
static bool mv_call_p(struct lisp *L, obj node)
{
	obj f = ir_ref(node, 1), s = SYM(L, SYM_MV_CALL);

	return obj_vector_length(node) == 3 && ir_tag(f) == N_GREF &&
	       (ir_ref(f, 1) == lisp_sys_cell(s) || ir_ref(f, 1) == s);
}

/* the call (thunk) for (%mv-call thunk). node is rooted here too: the caller's root updates
 * the caller's variable, not this copy, and the allocation may move it. */
static obj mv_call_node(struct gen *g, obj node)
{
	struct lisp *L = g->L;
	obj call;

	ROOT(node);
	call = lisp_make_vector(L, 2, OBJ_FALSE);
	UNROOT(node);
	if (call != OBJ_NULL) {
		obj_init_field(L, call, 0, fx(N_CALL));
		obj_init_field(L, call, 1, ir_ref(node, 2));
	}
	return call;
}

/* Is every use of var in node a call in tail position (tail: node is) with nreq arguments? Any
 * other use (a value, a call with temporaries pushed around it, a use inside a lambda) says no. */
static bool loop_uses_ok(obj node, obj var, intptr_t nreq, bool tail, int nest)
{
	size_t n;

	if (nest > LOOP_SCAN_NEST)
		return false;	/* too deep to look at (no allocation here): not compiled inline */
	for (;;) {
		n = obj_vector_length(node) - 1;
		switch (ir_tag(node)) {
		case N_CONST:
		case N_GREF:
			return true;
		case N_LREF:
			return ir_ref(node, 1) != var;
		case N_LSET:
			if (ir_ref(node, 1) == var)
				return false;
			/* fall through */
		case N_GSET:
		case N_GDEF:
			node = ir_ref(node, 2);
			tail = false;
			continue;
		case N_IF:
			if (!loop_uses_ok(ir_ref(node, 1), var, nreq, false, nest + 1) ||
			    !loop_uses_ok(ir_ref(node, 2), var, nreq, tail, nest + 1))
				return false;
			node = ir_ref(node, 3);
			continue;
		case N_SEQ:
		case N_AND:
		case N_OR:
			for (size_t i = 1; i < n; i++)
				if (!loop_uses_ok(ir_ref(node, i), var, nreq, false, nest + 1))
					return false;
			node = ir_ref(node, n);
			continue;
		case N_LAMBDA:
			node = obj_vector_ref(node, LAM_BODY);
			tail = false;
			continue;
		case N_CALL:
			if (ir_tag(ir_ref(node, 1)) == N_LREF && ir_ref(ir_ref(node, 1), 1) == var &&
			    (!tail || (intptr_t)n - 1 != nreq))
				return false;
			for (size_t i = 2; i <= n; i++)
				if (!loop_uses_ok(ir_ref(node, i), var, nreq, false, nest + 1))
					return false;
			return ir_tag(ir_ref(node, 1)) == N_LREF || loop_uses_ok(ir_ref(node, 1), var, nreq, false, nest + 1);
		case N_PRIM:
			for (size_t i = 2; i <= n; i++)
				if (!loop_uses_ok(ir_ref(node, i), var, nreq, false, nest + 1))
					return false;
			return true;
		case N_LET:
		case N_LETREC:
			for (obj i = ir_ref(node, 2); pair_p(i); i = cdr(i))
				if (!loop_uses_ok(car(i), var, nreq, false, nest + 1))
					return false;
			node = ir_ref(node, 3);
			continue;
		default:
			return false;
		}
	}
}

/* A named let or do loop, (letrec ((v (lambda params body))) (v init ...)), whose lambda is only
 * ever called, by itself in tail position, and with its arity: compile it into this frame (no
 * closure, no calls). Its parameters get slots here; the inits are pushed and moved into them,
 * as each of body's calls of v does before jumping back to the head (gen_loop_jump). The body
 * is in the letrec's position: in tail position it returns, else its value falls through. */
static bool inline_loop_p(obj node)
{
	obj vars = ir_ref(node, 1), inits = ir_ref(node, 2), body = ir_ref(node, 3), lam, var;
	intptr_t nreq;

	if (!pair_p(vars) || cdr(vars) != OBJ_NIL || ir_tag(car(inits)) != N_LAMBDA)
		return false;
	var = car(vars);
	lam = car(inits);
	nreq = fxv(obj_vector_ref(lam, LAM_NREQ));
	if ((var_flags(var) & VF_MUTATED) || obj_vector_ref(lam, LAM_REST) == OBJ_TRUE ||
	    ir_tag(body) != N_CALL || ir_tag(ir_ref(body, 1)) != N_LREF || ir_ref(ir_ref(body, 1), 1) != var ||
	    (intptr_t)obj_vector_length(body) - 2 != nreq)
		return false;
	for (size_t i = 2; i < obj_vector_length(body); i++)
		if (!loop_uses_ok(ir_ref(body, i), var, nreq, false, 0))
			return false;
	return loop_uses_ok(obj_vector_ref(lam, LAM_BODY), var, nreq, true, 0);
}

static bool gen_loop(struct gen *g, obj node, bool tail, bool effect)
{
	struct lisp *L = g->L;
	obj lam = car(ir_ref(node, 2)), loop = OBJ_NULL, p;
	intptr_t slot = g->nslots, n = 0;
	size_t at;
	bool ok = false;

	ROOT(node);
	ROOT(lam);
	ROOT(loop);
	for (p = obj_vector_ref(lam, LAM_PARAMS); pair_p(p); p = cdr(p), n++)
		alloc_slot(g, car(p));
	if (!gen_jloop(g, ir_ref(node, 3), slot, 0, &at))
		goto out;
	if (lisp_jit_available() && g->nnloops < JIT_PER_CODE) {
		/* the entry goes through OP_NLOOP to the head (just after it), where the back
		 * edges go; native_loops fills in its code, or points the entry at the head */
		g->nloop[g->nnloops] = g->n;
		g->nloop_entry[g->nnloops++] = at;
		patch32(g, at, (uint32_t)g->n);
		if (!op32(g, OP_NLOOP, LISP_JIT_NONE))
			goto out;
	} else {
		patch32(g, at, (uint32_t)g->n);	/* the head: right after the entry's moves */
	}
	if ((loop = lisp_make_vector(L, LOOP_NFIELDS, OBJ_FALSE)) == OBJ_NULL)
		goto out;
	obj_init_field(L, loop, LOOP_VAR, car(ir_ref(node, 1)));
	obj_init_field(L, loop, LOOP_LAM, lam);
	obj_init_field(L, loop, LOOP_SLOT, fx(slot));
	obj_init_field(L, loop, LOOP_N, fx(n));
	obj_init_field(L, loop, LOOP_HEAD, fx((intptr_t)g->n));
	obj_init_field(L, loop, LOOP_DEPTH, fx(g->depth));
	for (p = obj_vector_ref(lam, LAM_PARAMS); pair_p(p); p = cdr(p))
		if (var_boxed(car(p))) {	/* a new box each time round, as a call makes */
			ROOT(p);
			bool k = op16(g, OP_LBOX, fxv(obj_vector_ref(car(p), VAR_SLOT)));
			UNROOT(p);
			if (!k)
				goto out;
		}
	if ((p = lisp_cons(L, loop, g->loops)) == OBJ_NULL)
		goto out;
	g->loops = p;
	g->effect = effect;
	ok = gen(g, obj_vector_ref(lam, LAM_BODY), tail);
	g->loops = cdr(g->loops);
out:
	UNROOT(loop);
	UNROOT(lam);
	UNROOT(node);
	return ok;
}

static bool gen(struct gen *g, obj node, bool tail)
{
	struct lisp *L = g->L;
	size_t base = L->sp;	/* pending jumps to the end (fixnum offsets) */
	int slots = g->nslots;
	bool ok = false, effect = g->effect;

	g->effect = false;
	if (!lisp_depth_ok(L))
		return false;
	ROOT(node);
	for (;;) {
		intptr_t tag = ir_tag(node);
		size_t n = obj_vector_length(node) - 1, at;

		switch (tag) {
		case N_CONST:
			CHECK(emit_const(g, ir_ref(node, 1)));
			break;
		case N_LREF:
			CHECK(gen_ref(g, ir_ref(node, 1), false));
			break;
		case N_GREF:
		case N_GSET:
		case N_GDEF: {
			intptr_t k;

			if (tag != N_GREF)
				CHECK(gen(g, ir_ref(node, 2), false));
			CHECK((k = add_const(g, ir_ref(node, 1))) >= 0);
			CHECK(op16(g, tag == N_GREF ? OP_GREF : tag == N_GSET ? OP_GSET : OP_GDEF, k));
			break;
		}
		case N_LSET:
			CHECK(gen(g, ir_ref(node, 2), false));
			CHECK(gen_set(g, ir_ref(node, 1)));
			CHECK(emit_const(g, OBJ_UNSPECIFIED));
			break;
		case N_LAMBDA:
			CHECK(gen_closure(g, node, OBJ_NIL, OBJ_FALSE));
			break;
		case N_CALL:
			if (mv_call_p(L, node)) {
				/* (%mv-call thunk): call thunk; its values go where this call's would */
				CHECK((node = mv_call_node(g, node)) != OBJ_NULL);
				effect = true;
			}
			CHECK(gen_call(g, node, tail, effect));
			if (tail)
				goto done;
			break;
		case N_PRIM:
			CHECK(gen_prim(g, node));
			break;
		case N_IF:
			CHECK((at = gen_branch(g, ir_ref(node, 1), false)) != 0);
			g->effect = effect;
			CHECK(gen(g, ir_ref(node, 2), tail));
			if (!tail) {
				size_t j = op32(g, OP_JMP, 0);

				CHECK(j != 0 && lisp_push(L, fx((intptr_t)j)));
			}
			patch_chain(g, at, (uint32_t)g->n);
			node = ir_ref(node, 3);
			continue;
		case N_SEQ:
			for (size_t i = 1; i < n; i++) {
				g->effect = true;
				CHECK(gen(g, ir_ref(node, i), false));
			}
			node = ir_ref(node, n);
			continue;
		case N_AND:
		case N_OR: {
			/* a test the VM can branch on leaves no value: its jumps go to a stub
			 * that sets the and's #f or the or's #t */
			size_t stub[16], nstub = 0;

			for (size_t i = 1; i < n; i++) {
				if (nstub < ARRAY_SIZE(stub) && branch_test_p(ir_ref(node, i))) {
					CHECK((at = gen_branch(g, ir_ref(node, i), tag == N_OR)) != 0);
					stub[nstub++] = at;
					continue;
				}
				CHECK(gen(g, ir_ref(node, i), false));
				CHECK((at = op32(g, tag == N_AND ? OP_JMPF : OP_JMPT, 0)) != 0);
				CHECK(lisp_push(L, fx((intptr_t)at)));
			}
			if (nstub == 0) {
				node = ir_ref(node, n);
				continue;
			}
			g->effect = effect;
			CHECK(gen(g, ir_ref(node, n), tail));
			if (!tail) {
				size_t j = op32(g, OP_JMP, 0);

				CHECK(j != 0 && lisp_push(L, fx((intptr_t)j)));
			}
			for (size_t i = 0; i < nstub; i++)
				patch_chain(g, stub[i], (uint32_t)g->n);
			CHECK(emit_const(g, tag == N_AND ? OBJ_FALSE : OBJ_TRUE));
			break;
		}
		case N_LET:
			for (obj v = ir_ref(node, 1), i = ir_ref(node, 2); pair_p(v); v = cdr(v), i = cdr(i)) {
				ROOT(v);
				ROOT(i);
				bool k = gen(g, car(i), false);
				if (k) {
					intptr_t s = alloc_slot(g, car(v));

					k = (!var_boxed(car(v)) || op0(g, OP_BOX)) && op16(g, OP_LSET, s);
				}
				UNROOT(i);
				UNROOT(v);
				CHECK(k);
			}
			node = ir_ref(node, 3);
			continue;
		case N_LETREC:
			if (inline_loop_p(node)) {
				CHECK(gen_loop(g, node, tail, effect));
				if (tail)
					goto done;
				break;
			}
			CHECK(gen_letrec(g, node));
			node = ir_ref(node, 3);
			continue;
		default:
			kassert(!"bad IR node");
		}
		if (tail)
			CHECK(op0(g, OP_RET));
		break;
	}
done:
	/* pending jumps land here (in tail position, on a return) */
	if (L->sp > base) {
		for (size_t i = base; i < L->sp; i++)
			patch32(g, (size_t)fxv(stk(L)[i]), (uint32_t)g->n);
		if (tail)
			CHECK(op0(g, OP_RET));
	}
	ok = true;
fail:
	L->sp = base;
	g->nslots = slots;
	UNROOT(node);
	return ok;
}

/* Each OP_NLOOP's native code (jit.h), now that every jump in the bytecode is in place; a loop
 * without one is entered at its head, past the OP_NLOOP, which is never run. */
static void native_loops(struct gen *g)
{
	uint8_t *b = obj_bytes_data(g->buf);

	for (unsigned i = 0; i < g->nnloops; i++) {
		uint32_t at = (uint32_t)g->nloop[i], id = lisp_jit_loop(b, (uint32_t)g->n, at + 5);

		if (id == LISP_JIT_NONE)
			patch32(g, g->nloop_entry[i], at + 5);
		else
			memcpy(b + at + 1, &id, 4);
	}
}

static obj make_code(struct lisp *L, struct gen *g)
{
	size_t nraw = (sizeof(struct code_hdr) + g->n + sizeof(obj) - 1) / sizeof(obj);
	obj code = heap_alloc_mixed(L->h, CODE_NPTRS, nraw), consts;
	struct code_hdr *hd;

	if (code == OBJ_NULL && (L->h->in_gc || gc_major_full(L->h) < 0 ||
				 (code = heap_alloc_mixed(L->h, CODE_NPTRS, nraw)) == OBJ_NULL)) {
		L->err = OBJ_NULL;
		return OBJ_NULL;
	}
	ROOT(code);
	consts = lisp_make_vector(L, g->nconsts, OBJ_FALSE);
	UNROOT(code);
	if (consts == OBJ_NULL)
		return OBJ_NULL;
	for (size_t i = 0; i < g->nconsts; i++)
		obj_init_field(L, consts, i, obj_vector_ref(g->consts, i));
	obj_init_field(L, code, 1, consts);
	obj_init_field(L, code, 2, obj_vector_ref(g->lam, LAM_NAME));
	hd = code_hdr(code);
	memset(hd, 0, sizeof(*hd));
	hd->nreq = (uint16_t)fxv(obj_vector_ref(g->lam, LAM_NREQ));
	hd->rest = obj_vector_ref(g->lam, LAM_REST) == OBJ_TRUE;
	hd->nlocals = (uint16_t)g->maxslots;
	hd->maxstack = (uint16_t)(g->maxdepth + 4);
	hd->nbytes = (uint32_t)g->n;
	memcpy(hd + 1, obj_bytes_data(g->buf), g->n);
	return code;
}

obj lisp_codegen(struct lisp *L, obj lam)
{
	return codegen(L, lam, OBJ_FALSE);
}

static obj codegen(struct lisp *L, obj lam, obj self)
{
	struct gen g = { .L = L, .lam = lam, .buf = OBJ_FALSE, .consts = OBJ_FALSE, .freev = OBJ_FALSE,
			 .self = self, .loops = OBJ_NIL };
	obj r = OBJ_NULL, fl;
	intptr_t nfree = fxv(obj_vector_ref(lam, LAM_NFREE)), i = 0;

	GC_ROOT(L->h, g.lam);
	GC_ROOT(L->h, g.buf);
	GC_ROOT(L->h, g.consts);
	GC_ROOT(L->h, g.freev);
	GC_ROOT(L->h, g.self);
	GC_ROOT(L->h, g.loops);
	if ((g.buf = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 64)) == OBJ_NULL ||
	    (g.consts = lisp_make_vector(L, 8, OBJ_FALSE)) == OBJ_NULL ||
	    (g.freev = lisp_make_vector(L, (size_t)nfree, OBJ_FALSE)) == OBJ_NULL)
		goto out;
	for (fl = obj_vector_ref(g.lam, LAM_FREE); pair_p(fl); fl = cdr(fl))
		obj_init_field(L, g.freev, (size_t)(nfree - 1 - i++), car(fl));
	for (obj p = obj_vector_ref(g.lam, LAM_PARAMS); pair_p(p); p = cdr(p))
		alloc_slot(&g, car(p));
	for (obj p = obj_vector_ref(g.lam, LAM_PARAMS); pair_p(p); p = cdr(p))
		if (var_boxed(car(p))) {
			ROOT(p);
			bool k = op16(&g, OP_LBOX, fxv(obj_vector_ref(car(p), VAR_SLOT)));
			UNROOT(p);
			if (!k)
				goto out;
		}
	if (!gen(&g, obj_vector_ref(g.lam, LAM_BODY), true))
		goto out;
	if (g.maxslots > 65535 || g.maxdepth > 65000) {
		lisp_errorf(L, OBJ_NULL, "procedure too large to compile");
		goto out;
	}
	native_loops(&g);
	r = make_code(L, &g);
out:
	GC_UNROOT(L->h, g.loops);
	GC_UNROOT(L->h, g.self);
	GC_UNROOT(L->h, g.freev);
	GC_UNROOT(L->h, g.consts);
	GC_UNROOT(L->h, g.buf);
	GC_UNROOT(L->h, g.lam);
	return r;
}
