/* vm.c -- the bytecode interpreter: an accumulator machine over the value stack (a heap vector).
 * Frame of a closure call: [return offset][caller's frame index][closure][args/locals][temps],
 * fp pointing at the first argument. Calls in tail position replace the running frame, so loops
 * run in constant space; the C stack never grows with Scheme recursion. Invariant: the C locals
 * holding stack and code addresses are re-derived (LOAD) after anything that may allocate.
 * Errors become a call of Scheme's `raise` when handlers are installed, else abort to C.
 * The stack and the write barrier: the VM stores into the stack vector without gc_write (unless
 * a major cycle is marking) and tracks the slots it may have written, [lo, hi). Before anything
 * that may collect -- every call out to C, and leaving run() -- stack_sync restores invariant G3
 * for them: young pointers below sp go into the remembered set, dead slots above sp are
 * cleared (after a minor collection they would dangle, and a call may expose them as locals). */
#include "compile.h"
#include "jit.h"

#define RET_TO_C	fx(-1)	/* return offset of the frame lisp_apply makes: back to C */

void lisp_stack_clear_above(struct lisp *L)
{
	size_t n = stk_top(L);

	for (size_t i = L->sp; i < n; i++)
		if (stk(L)[i] != OBJ_UNSPECIFIED)
			gc_write_stack(L->h, L->stack, i, OBJ_UNSPECIFIED);
	if (n > L->sp)
		stk_top_set(L, L->sp);
}

/* Before the after thunks of an error that left the heap exhausted: the frames cut away held
 * its data, garbage now, but a heap at its limit cannot collect it by itself (the retry of a
 * thunk's allocation is lent room past the limit, which the failed expression's last retry
 * had used up): collect now with room past what it holds, as the REPL does after the error. */
static bool recover_due(struct lisp *L) { return L->exhausted && !L->h->in_gc; }

static void recover(struct lisp *L)
{
	L->exhausted = false;
	lisp_gc_full(L, LISP_LEND_RECOVER);
}

void lisp_vm_reset(struct lisp *L)
{
	L->sp = 0;
	L->intr_mask = 0;
	L->overflowed = false;
	state_set(L, S_HANDLERS, OBJ_NIL);
	state_set(L, S_WINDS, OBJ_NIL);
	state_set(L, S_OUT, STATE(L, S_CONSOLE_OUT));
	if (stk_cap(L) > 64 * LISP_STACK_INIT) {
		obj s = lisp_make_stack(L, LISP_STACK_INIT);

		if (s != OBJ_NULL)
			L->stack = s;
	}
}

/* Has the unwinding loop popped w before, with no extent re-entered since? (Brent: the pair
 * popped at steps 1, 2, 4, 8, ... is kept in *seen, a rooted variable; the caller resets both
 * when a thunk leaves the winds other than one pair shorter.) The winds list is the program's
 * to build (%set-winds!) and to change (set-cdr!), so a circular one must end the loop: it
 * popped forever without a safe point, and every other CPU's collector waited for this one (a
 * helper's program), or, a thunk in the cycle, ran it for ever. A thunk that re-enters an
 * extent brings the same pairs back (call/cc): that is the program's own loop, and it passes
 * safe points in the thunks. */
static bool winds_came_round(struct lisp *L, obj *seen, size_t *steps, obj w)
{
	gc_safepoint(L->h);	/* an after that is no procedure calls nothing: no safe point */
	if (w == *seen)
		return true;
	++*steps;
	if ((*steps & (*steps - 1)) == 0)
		*seen = w;
	return false;
}

void lisp_vm_unwind(struct lisp *L, bool report)
{
	obj w = STATE(L, S_WINDS), seen = OBJ_FALSE, next = OBJ_FALSE;
	size_t steps = 0;

	ROOT(w);	/* the reset may allocate a fresh stack, and collect (found by review) */
	lisp_vm_reset(L);
	/* What the unwound frames held is garbage before the after thunks run: a thunk that
	 * allocates after the heap was exhausted by data those frames held failed again (a
	 * review's (dynamic-wind ... (lambda () (set! x (list 1 2 3)))): x unset in 4 of 6 runs) */
	lisp_stack_clear_above(L);
	state_set(L, S_WINDS, w);
	UNROOT(w);
	if (pair_p(STATE(L, S_WINDS)) && recover_due(L))
		recover(L);
	ROOT(seen);
	ROOT(next);
	/* the list as it is now each time: an after thunk may re-enter an extent (call/cc) */
	while (pair_p(w = STATE(L, S_WINDS))) {
		obj after;

		if (winds_came_round(L, &seen, &steps, w)) {
			state_set(L, S_WINDS, OBJ_NIL);
			break;
		}
		w = STATE(L, S_WINDS);	/* the safe point may have moved it */
		after = pair_p(car(w)) ? cdr(car(w)) : OBJ_FALSE;

		state_set(L, S_WINDS, cdr(w));
		L->intr_mask = 1;	/* as dynamic-wind runs it */
		next = cdr(w);
		if (procedure_p(after) && lisp_apply(L, after, 0) == OBJ_NULL) {
			obj c = lisp_take_error(L);

			if (report)
				lisp_report_error(L, c);
			L->sp = 0;	/* the winds above are as this one left them */
			state_set(L, S_HANDLERS, OBJ_NIL);
		}
		L->intr_mask = 0;
		if (STATE(L, S_WINDS) != next) {	/* the thunk re-entered an extent */
			seen = OBJ_FALSE;
			steps = 0;
		}
	}
	UNROOT(next);
	UNROOT(seen);
	lisp_vm_reset(L);
}

void lisp_vm_unwind_to(struct lisp *L, obj winds, size_t base, bool report)
{
	obj w, seen = OBJ_FALSE, next = OBJ_FALSE;
	size_t steps = 0;

	L->sp = base;
	lisp_stack_clear_above(L);	/* as lisp_vm_unwind: the frames' data is garbage now */
	ROOT(winds);
	if (pair_p(STATE(L, S_WINDS)) && recover_due(L))
		recover(L);
	ROOT(seen);
	ROOT(next);
	while (pair_p(w = STATE(L, S_WINDS)) && w != winds) {
		obj after;

		if (winds_came_round(L, &seen, &steps, w)) {
			state_set(L, S_WINDS, winds);
			break;
		}
		w = STATE(L, S_WINDS);
		after = pair_p(car(w)) ? cdr(car(w)) : OBJ_FALSE;

		state_set(L, S_WINDS, cdr(w));
		L->intr_mask = 1;	/* as dynamic-wind runs it */
		next = cdr(w);
		if (procedure_p(after) && lisp_apply(L, after, 0) == OBJ_NULL) {
			obj c = lisp_take_error(L);

			if (report)
				lisp_report_error(L, c);
			L->sp = base;
		}
		L->intr_mask = 0;
		if (STATE(L, S_WINDS) != next) {	/* the thunk re-entered an extent */
			seen = OBJ_FALSE;
			steps = 0;
		}
	}
	UNROOT(next);
	UNROOT(seen);
	UNROOT(winds);
}

/* Is v a vector and i an index in it? */
static inline bool vector_index_ok(obj v, obj i)
{
	return vector_p(v) && obj_fixnum_p(i) && (uintptr_t)fxv(i) < obj_vector_length(v);
}

/* (vector-set! v i x)'s error when !vector_index_ok(v, i) (may allocate: after SAVE) */
static obj vset_error(struct lisp *L, obj v, obj i)
{
	if (!vector_p(v))
		return lisp_type_error(L, "vector-set!", "vector", v);
	return obj_fixnum_p(i) ? lisp_range_error(L, "vector-set!", i)
			       : lisp_type_error(L, "vector-set!", "exact integer", i);
}

/* A values object returned to a frame that takes one value (RET_MV clear: compile.h) */
static inline bool mv_refused(struct lisp *L, obj ret, obj v)
{
	return !((uintptr_t)fxv(ret) & RET_MV) && values_p(L, v);
}

static obj mv_error(struct lisp *L, obj v)
{
	intptr_t n = lisp_list_length(obj_fields(v)[VALUES_LIST]);

	return lisp_errorf(L, OBJ_NULL, "%ld values returned where one value is expected", (long)n);
}

/* One call's worth of safe-point fuel; true when it ran out. */
static inline bool fuel_take(struct lisp *L)
{
	unsigned f = __atomic_load_n(&L->safepoint_fuel, __ATOMIC_RELAXED) - 1;

	__atomic_store_n(&L->safepoint_fuel, f, __ATOMIC_RELAXED);
	return f == 0;
}

/* Fixnum + and - (and + of an immediate k): true when both are fixnums and so is the result,
 * whose word is then *r; else the caller takes the general path (a bignum, a flonum, an error).
 * For the loop instructions (lsetaddi, lsetaddll...), pushladdi and addi. A fixnum's word is
 * 2v + 1, inside int32_t on every target (31-bit payloads), so the sum's word is a + (b - 1),
 * the difference's a - (b - 1), and either is a fixnum exactly when it fits int32_t: on a
 * 64-bit host a compare with its own low half, on a 32-bit target the overflow flag. (Stop 49
 * tried the tagged words with a 64-bit overflow test and the range check after it: more
 * instructions than shifting. This is 8 instructions fewer an iteration of sum. ARITH's add
 * and sub written with these helpers ran triangl 10% slower in wall time at stop 49.) */
#if UINTPTR_MAX > 0xffffffffu
#define FX_ADD(a, d, t)	((t) = (a) + (d), (t) == (int32_t)(t))
#define FX_SUB(a, d, t)	((t) = (a) - (d), (t) == (int32_t)(t))
#else
#define FX_ADD(a, d, t)	(!__builtin_add_overflow((a), (d), &(t)))
#define FX_SUB(a, d, t)	(!__builtin_sub_overflow((a), (d), &(t)))
#endif

static inline bool fx_add_ok(obj a, obj b, obj *r)
{
	intptr_t t;

	if (!obj_fixnum_p(a & b) || !FX_ADD((intptr_t)a, (intptr_t)b - 1, t))
		return false;
	*r = (obj)t;
	return true;
}

static inline bool fx_sub_ok(obj a, obj b, obj *r)
{
	intptr_t t;

	if (!obj_fixnum_p(a & b) || !FX_SUB((intptr_t)a, (intptr_t)b - 1, t))
		return false;
	*r = (obj)t;
	return true;
}

/* k: an i16 immediate */
static inline bool fx_addi_ok(obj a, intptr_t k, obj *r)
{
	intptr_t t;

	if (!obj_fixnum_p(a) || !FX_ADD((intptr_t)a, 2 * k, t))
		return false;
	*r = (obj)t;
	return true;
}

bool lisp_safepoint_step(struct lisp *L)
{
	if (__builtin_expect(!fuel_take(L), 1))
		return false;
	__atomic_store_n(&L->safepoint_fuel, LISP_SAFEPOINT_CALLS, __ATOMIC_RELAXED);
	if (L->cfg.safepoint)
		L->cfg.safepoint(L->cfg.safepoint_ctx);
	return lisp_poll_interrupt(L);
}

/* A continuation of the frame whose header is at stack index base. */
static obj capture(struct lisp *L, size_t base, obj ret, obj fpv)
{
	obj copy, k;

	L->captures++;
	ROOT(ret);
	ROOT(fpv);
	copy = lisp_make_vector(L, base, OBJ_FALSE);
	UNROOT(fpv);
	UNROOT(ret);
	if (copy == OBJ_NULL)
		return OBJ_NULL;
	if (heap_young_p(L->h, copy))
		memcpy(lisp_young_fields(L, copy), stk(L), base * sizeof(obj));
	else
		for (size_t i = 0; i < base; i++)
			obj_init_field(L, copy, i, stk(L)[i]);
	ROOT(copy);
	ROOT(ret);
	ROOT(fpv);
	k = lisp_make_record(L, STATE(L, S_RTD_CONT), CONT_NFIELDS - 1);
	UNROOT(fpv);
	UNROOT(ret);
	UNROOT(copy);
	if (k == OBJ_NULL)
		return OBJ_NULL;
	obj_init_field(L, k, CONT_STACK, copy);
	obj_init_field(L, k, CONT_RET, ret);
	obj_init_field(L, k, CONT_FP, fpv);
	obj_init_field(L, k, CONT_HANDLERS, STATE(L, S_HANDLERS));
	obj_init_field(L, k, CONT_WINDS, STATE(L, S_WINDS));
	obj_init_field(L, k, CONT_MASK, fx((intptr_t)L->intr_mask));
	return k;
}

static obj not_procedure(struct lisp *L, obj f)
{
	return lisp_errorf(L, f, "not a procedure:");
}

static obj unbound(struct lisp *L, obj sym)
{
	return lisp_errorf(L, sym, "unbound variable:");
}

static void __attribute__((noinline)) stack_sync(struct lisp *L, size_t lo, size_t sp, size_t hi)
{
	struct heap *h = L->h;
	obj *S = stk(L);

	size_t top = stk_top(L);

	if (!heap_young_p(h, L->stack))
		for (size_t i = lo; i < sp; i++)
			if (heap_young_p(h, S[i]))
				gc_write_stack(h, L->stack, i, S[i]);
	if (hi > stk_cap(L))
		hi = stk_cap(L);
	for (size_t i = sp; i < hi; i++)
		if (obj_ptr_p(S[i]))
			gc_write_stack(h, L->stack, i, OBJ_FALSE);	/* shades the old value while marking */
	/* the top: [sp, hi) holds no object now; above hi, what C code left (lisp_push) */
	if (hi >= top ? top != sp : sp > top)
		stk_top_set(L, sp);
}

/* Call p, a PRIM_PURE or PRIM_NOALLOC primitive, without syncing the stack: nothing in it may
 * collect (checked under CONFIG_DEBUG), and an error it raises is kept for lisp_raise_deferred
 * (OBJ_NULL), to be made once the caller has synced. */
static inline obj call_noalloc(struct lisp *L, obj p, int argc, obj *argv)
{
	obj r;

	L->defer_raise = true;
#ifdef CONFIG_DEBUG
	L->h->no_collect = true;
#endif
	r = ((lisp_primitive_fn)prim_word(p, PRIM_FN))(L, argc, argv);
#ifdef CONFIG_DEBUG
	L->h->no_collect = false;
#endif
	L->defer_raise = false;
	return r;
}

/*
 * Run the call whose frame is on top of the stack: [ret][fp][proc][args] with argc arguments,
 * until the frame returns to C. Returns the value, or OBJ_NULL with L->err the raised object.
 */
/* The VM's hottest variables in fixed callee-saved registers, as OCaml's bytecode interpreter
 * does: left to itself, GCC's allocator spilled pc to the stack frame whenever run() grew a
 * handler (sum took 13% longer for one new instruction), which a register never is. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VM_PC_REG	__asm__("r15")
#define VM_SP_REG	__asm__("r14")
#define VM_ACC_REG	__asm__("r13")
#elif defined(__GNUC__) && !defined(__clang__) && defined(__i386__)
#define VM_PC_REG	__asm__("esi")
#define VM_SP_REG	__asm__("edi")
#define VM_ACC_REG
#elif defined(__GNUC__) && !defined(__clang__) && defined(__arm__)
#define VM_PC_REG	__asm__("r6")
#define VM_SP_REG	__asm__("r8")
#define VM_ACC_REG	__asm__("r7")
#else
#define VM_PC_REG
#define VM_SP_REG
#define VM_ACC_REG
#endif

static obj run(struct lisp *L, int argc)
{
	struct heap *h = L->h;
	register obj *sp VM_SP_REG;
	register const uint8_t *pc VM_PC_REG;
	register obj acc VM_ACC_REG;	/* never &acc (root a copy) */
	obj *S = stk(L), *fp;
	const obj *K = NULL;
	const uint8_t *cbase = NULL;
	obj cl = OBJ_FALSE, f;
	size_t fpi = 0, pco = 0;
	intptr_t n = argc;
	bool tail = true;	/* the first call replaces the frame lisp_apply made */
	bool marking = h->major_marking;	/* changes only inside calls out to C */
	size_t lo, hi;		/* the stack slots written without the barrier lie in [lo, hi) */

	sp = S + L->sp;
	pc = NULL;
	acc = OBJ_UNSPECIFIED;
	fp = sp - n;	/* so that SAVE/LOAD work before the first frame exists */
	lo = hi = (size_t)(fp - 3 - S);
	/* After a sync, lo is the running frame's first local (or its header): below it, the VM
	 * writes only the frame itself (a tail call) or a caller's frame after a return, and each
	 * of those lowers lo; so lo <= fp always, and a store into a local (lset, lbox, a loop's
	 * parameters) needs no LOWER. hi stays at or above the running frame's top. */
#define SYNC()	do { stack_sync(L, lo, (size_t)(sp - S), hi); lo = fp - S >= 3 ? (size_t)(fp - 3 - S) : 0; hi = (size_t)(sp - S); \
		     if (closure_p(cl) && fp[-1] == cl) { const struct code_hdr *h_ = code_hdr(closure_code(cl)); \
			     size_t t_ = (size_t)(fp - S) + h_->nlocals + h_->maxstack; if (t_ > hi) hi = t_; \
			     if ((size_t)(fp - S) < (size_t)(sp - S)) lo = (size_t)(fp - S); } } while (0)
#define LOWER(i)	do { if ((size_t)(i) < lo) lo = (size_t)(i); } while (0)
#define SAVE()	do { L->sp = (size_t)(sp - S); fpi = (size_t)(fp - S); pco = (size_t)(pc - cbase); SYNC(); } while (0)
#define LOAD()	do { S = stk(L); sp = S + L->sp; fp = S + fpi; marking = h->major_marking; \
		     if (closure_p(fp[-1])) { cl = fp[-1]; obj c_ = closure_code(cl); \
			     cbase = code_bytes(c_); K = obj_fields(code_consts(c_)); pc = cbase + pco; } } while (0)
#define PUT(p, v)	do { if (__builtin_expect(marking, 0)) PUTB(p, v); else *(p) = (v); } while (0)
#define PUTB(p, v)	gc_write_stack(h, L->stack, (size_t)((p) - S), (v))
#define PUSH(v)	do { PUT(sp, (v)); sp++; } while (0)
#define PUSHB(v)	do { PUTB(sp, (v)); sp++; } while (0)
#define NEXT	goto *dispatch[*pc++]
#define FAIL(e)	do { SAVE(); e; goto error; } while (0)
/* acc = e, a call out to C that may collect; then the next instruction, or the error */
/* The safe point of a call or back edge whose fuel ran out (fuel_out, op_nloop): refuel, let
 * the host's hook run (it may collect: SAVE/LOAD), then take a pending interrupt as an error. */
#define SAFE_POINT() \
	do { __atomic_store_n(&L->safepoint_fuel, LISP_SAFEPOINT_CALLS, __ATOMIC_RELAXED); \
	     if (L->cfg.safepoint) { SAVE(); L->cfg.safepoint(L->cfg.safepoint_ctx); LOAD(); } \
	     if (__builtin_expect(lisp_poll_interrupt(L), 0)) FAIL((void)0); } while (0)
#define CALL_OUT(e)	do { SAVE(); acc = (e); LOAD(); if (acc == OBJ_NULL) goto error; NEXT; } while (0)
/* holder.fields[i] = acc, where holder may be shared with other CPUs: then acc is published
 * first, which may collect (SAVE/LOAD around it; a shared holder is old and stays put). */
#define STORE(holder, i) \
	do { obj ho_ = (holder); size_t i_ = (i); \
	     if (__builtin_expect(obj_ptr_p(acc) && gc_shared_p(h, ho_) && !gc_shared_p(h, acc), 0)) { \
		     obj a_ = acc; int r_; SAVE(); r_ = lisp_publish(L, &a_) ? 0 : -1; LOAD(); acc = a_; \
		     if (r_ < 0) FAIL(L->err = OBJ_NULL); } \
	     lisp_store_now(L, ho_, i_, acc); } while (0)

	static const void *const dispatch[OP_COUNT] = {
		[OP_CONST] = &&op_const, [OP_FIX] = &&op_fix, [OP_IMM] = &&op_imm,
		[OP_LREF] = &&op_lref, [OP_LREFB] = &&op_lrefb, [OP_LSET] = &&op_lset,
		[OP_LSETB] = &&op_lsetb, [OP_LBOX] = &&op_lbox, [OP_BOX] = &&op_box,
		[OP_FREF] = &&op_fref, [OP_FREFB] = &&op_frefb, [OP_FSETB] = &&op_fsetb,
		[OP_GREF] = &&op_gref, [OP_GSET] = &&op_gset, [OP_GDEF] = &&op_gdef,
		[OP_PUSH] = &&op_push, [OP_JMP] = &&op_jmp, [OP_JMPF] = &&op_jmpf,
		[OP_JMPT] = &&op_jmpt, [OP_FRAME] = &&op_frame, [OP_CALL] = &&op_call,
		[OP_TCALL] = &&op_tcall, [OP_RET] = &&op_ret, [OP_CLOSURE] = &&op_closure,
		[OP_FIXCL] = &&op_fixcl, [OP_POP] = &&op_pop,
		[OP_ADD] = &&op_add, [OP_SUB] = &&op_sub, [OP_MUL] = &&op_mul, [OP_LT] = &&op_lt,
		[OP_GT] = &&op_gt, [OP_LE] = &&op_le, [OP_GE] = &&op_ge, [OP_NUMEQ] = &&op_numeq,
		[OP_EQ] = &&op_eq, [OP_EQV] = &&op_eqv, [OP_CONS] = &&op_cons, [OP_VREF] = &&op_vref,
		[OP_SETCAR] = &&op_setcar, [OP_SETCDR] = &&op_setcdr, [OP_CAR] = &&op_car,
		[OP_CDR] = &&op_cdr, [OP_NULLP] = &&op_nullp, [OP_PAIRP] = &&op_pairp,
		[OP_NOT] = &&op_not, [OP_ZEROP] = &&op_zerop, [OP_VLEN] = &&op_vlen,
		[OP_CADR] = &&op_cadr, [OP_CDDR] = &&op_cddr, [OP_ADD1] = &&op_add1,
		[OP_SUB1] = &&op_sub1, [OP_VSET] = &&op_vset, [OP_PUSHL] = &&op_pushl,
		[OP_PUSHC] = &&op_pushc, [OP_PUSHFIX] = &&op_pushfix, [OP_PUSHG] = &&op_pushg,
		[OP_ADDI] = &&op_addi, [OP_LTI] = &&op_lti, [OP_GTI] = &&op_gti, [OP_LEI] = &&op_lei,
		[OP_GEI] = &&op_gei, [OP_NUMEQI] = &&op_numeqi,
		[OP_PUSHF] = &&op_pushf, [OP_PUSHLADDI] = &&op_pushladdi, [OP_LCAR] = &&op_lcar, [OP_LCDR] = &&op_lcdr, [OP_FRAMEG] = &&op_frameg,
		[OP_CALLA] = &&op_calla, [OP_TCALLA] = &&op_tcalla,
		[OP_LOOP] = &&op_loop, [OP_LOOPA] = &&op_loopa,
		[OP_GLOOP] = &&op_gloop, [OP_GLOOPA] = &&op_gloopa,
		[OP_BLT] = &&op_blt, [OP_BGT] = &&op_bgt, [OP_BLE] = &&op_ble, [OP_BGE] = &&op_bge,
		[OP_BNUMEQ] = &&op_bnumeq, [OP_BEQ] = &&op_beq, [OP_BLTI] = &&op_blti,
		[OP_BGTI] = &&op_bgti, [OP_BLEI] = &&op_blei, [OP_BGEI] = &&op_bgei,
		[OP_BNUMEQI] = &&op_bnumeqi, [OP_BNULL] = &&op_bnull, [OP_BPAIR] = &&op_bpair,
		[OP_BLTLL] = &&op_bltll, [OP_BGTLL] = &&op_bgtll, [OP_BLELL] = &&op_blell,
		[OP_BGELL] = &&op_bgell, [OP_BNUMEQLL] = &&op_bnumeqll,
		[OP_BLTLI] = &&op_bltli, [OP_BGTLI] = &&op_bgtli, [OP_BLELI] = &&op_bleli,
		[OP_BGELI] = &&op_bgeli, [OP_BNUMEQLI] = &&op_bnumeqli,
		[OP_VECTOR] = &&op_vector, [OP_JLOOP] = &&op_jloop, [OP_JLOOPA] = &&op_jloopa,
		[OP_ADDLL] = &&op_addll, [OP_SUBLL] = &&op_subll,
		[OP_JMPL] = &&op_jmpl, [OP_LPOP] = &&op_lpop, [OP_LMOVE] = &&op_lmove,
		[OP_LSETADDI] = &&op_lsetaddi, [OP_LSETADDLL] = &&op_lsetaddll,
		[OP_LSETSUBLL] = &&op_lsetsubll, [OP_LSETCAR] = &&op_lsetcar, [OP_LSETCDR] = &&op_lsetcdr,
		[OP_GJMP] = &&op_gjmp, [OP_CALLS] = &&op_calls, [OP_CALLSA] = &&op_callsa,
		[OP_VREFG] = &&op_vrefg, [OP_VREFL] = &&op_vrefl, [OP_VSETG] = &&op_vsetg,
		[OP_LSETADDIJ] = &&op_lsetaddij, [OP_LSETCDRJ] = &&op_lsetcdrj,
		[OP_NLOOP] = &&op_nloop,
		[OP_QUO] = &&op_quo, [OP_REM] = &&op_rem, [OP_LENGTH] = &&op_length,
		[OP_LIST] = &&op_list, [OP_APPEND2] = &&op_append2,
	};

	goto dispatch_call;

op_const:
	acc = K[rd16(pc)];
	pc += 2;
	NEXT;
op_fix:
	acc = fx((int16_t)rd16(pc));
	pc += 2;
	NEXT;
op_imm:
	acc = OBJ_CONST(*pc);
	pc++;
	NEXT;
op_lref:
	acc = fp[rd16(pc)];
	pc += 2;
	NEXT;
op_lrefb:
	acc = obj_load(&obj_fields(fp[rd16(pc)])[0]);	/* a box: set! from any CPU */
	pc += 2;
	NEXT;
op_lset:
	PUT(fp + rd16(pc), acc);
	pc += 2;
	NEXT;
op_lsetb:
	STORE(fp[rd16(pc)], 0);
	pc += 2;
	NEXT;
op_lbox: {
	obj b;
	uintptr_t *p = heap_bump(h, 2);

	if (__builtin_expect(p != NULL, 1)) {
		p[0] = obj_hdr(OBJ_T_BOX, 1);
		p[1] = fp[rd16(pc)];
		PUT(fp + rd16(pc), (obj)p);
		pc += 2;
		NEXT;
	}
	SAVE();
	b = lisp_make_box(L, fp[rd16(pc)]);
	LOAD();
	if (b == OBJ_NULL)
		FAIL((void)0);
	PUT(fp + rd16(pc), b);
	pc += 2;
	NEXT;
}
op_box: {
	uintptr_t *p = heap_bump(h, 2);

	if (__builtin_expect(p != NULL, 1)) {
		p[0] = obj_hdr(OBJ_T_BOX, 1);
		p[1] = acc;
		acc = (obj)p;
		NEXT;
	}
	CALL_OUT(lisp_make_box(L, acc));
}
op_fref:
	acc = obj_load(&obj_fields(cl)[1 + rd16(pc)]);	/* fixcl may patch a shared closure */
	pc += 2;
	NEXT;
op_frefb:
	acc = obj_load(&obj_fields(obj_fields(cl)[1 + rd16(pc)])[0]);
	pc += 2;
	NEXT;
op_fsetb:
	STORE(obj_fields(cl)[1 + rd16(pc)], 0);
	pc += 2;
	NEXT;
op_gref:
	f = K[rd16(pc)];
	acc = lisp_global_value(f);
	pc += 2;
	if (__builtin_expect(acc == OBJ_UNDEFINED, 0))
		FAIL(unbound(L, f));
	NEXT;
op_gset:
	f = K[rd16(pc)];
	pc += 2;
	if (lisp_global_value(f) == OBJ_UNDEFINED)
		FAIL(unbound(L, f));
	STORE(f, SYMF_VALUE);
	acc = OBJ_UNSPECIFIED;
	NEXT;
op_gdef:
	f = K[rd16(pc)];
	pc += 2;
	STORE(f, SYMF_VALUE);
	acc = OBJ_UNSPECIFIED;
	NEXT;
op_push:
	PUSH(acc);
	NEXT;
op_pop:
	sp--;
	NEXT;
op_pushl:
	PUSH(fp[rd16(pc)]);
	pc += 2;
	NEXT;
op_pushf:
	PUSH(obj_fields(cl)[1 + rd16(pc)]);
	pc += 2;
	NEXT;
op_pushladdi: {
	obj v = fp[rd16(pc)], r;
	intptr_t imm = (int16_t)rd16(pc + 2);

	pc += 4;
	if (__builtin_expect(fx_addi_ok(v, imm, &r), 1)) {
		PUSH(r);
		NEXT;
	}
	SAVE();
	acc = lisp_num_add(L, v, fx(imm));
	LOAD();
	if (acc == OBJ_NULL)
		goto error;
	PUSH(acc);
	NEXT;
}
op_pushc:
	PUSH(K[rd16(pc)]);
	pc += 2;
	NEXT;
op_pushfix:
	PUSH(fx((int16_t)rd16(pc)));
	pc += 2;
	NEXT;
op_pushg:
	f = K[rd16(pc)];
	pc += 2;
	if (__builtin_expect(lisp_global_value(f) == OBJ_UNDEFINED, 0))
		FAIL(unbound(L, f));
	PUSH(lisp_global_value(f));
	NEXT;
op_addi: {
	intptr_t imm = (int16_t)rd16(pc);
	obj r;

	pc += 2;
	if (fx_addi_ok(acc, imm, &r)) {
		acc = r;
		NEXT;
	}
	CALL_OUT(lisp_num_add(L, acc, fx(imm)));
}
#define COMPARE_I(name, OPER, who)						\
	name: {									\
		obj b = fx((int16_t)rd16(pc));					\
		int c;								\
		pc += 2;							\
		if (obj_fixnum_p(acc)) {					\
			acc = obj_bool((intptr_t)acc OPER (intptr_t)b);		\
			NEXT;							\
		}								\
		SAVE();								\
		c = lisp_num_cmp(L, who, acc, b);				\
		LOAD();	/* a mixed comparison may allocate */		\
		if (c == -2)							\
			goto error;						\
		acc = obj_bool(c != 2 && (c OPER 0));					\
		NEXT;								\
	}
	COMPARE_I(op_lti, <, "<")
	COMPARE_I(op_gti, >, ">")
	COMPARE_I(op_lei, <=, "<=")
	COMPARE_I(op_gei, >=, ">=")
	COMPARE_I(op_numeqi, ==, "=")
op_jmp:
	pc = cbase + rd32(pc);
	NEXT;
op_jmpf:
	pc = acc == OBJ_FALSE ? cbase + rd32(pc) : pc + 4;
	NEXT;
op_jmpt:
	pc = acc != OBJ_FALSE ? cbase + rd32(pc) : pc + 4;
	NEXT;
op_frame:
	PUSH(fx((intptr_t)rd32(pc)));
	PUSH(fx(fp - S));
	pc += 4;
	NEXT;
op_frameg:
	f = K[rd16(pc + 4)];
	if (__builtin_expect(lisp_global_value(f) == OBJ_UNDEFINED, 0)) {
		pc += 6;
		FAIL(unbound(L, f));
	}
	PUSH(fx((intptr_t)rd32(pc)));
	PUSH(fx(fp - S));
	PUSH(lisp_global_value(f));
	pc += 6;
	NEXT;

	/* compare and branch: pc is at the sense byte */
#define BRANCH(t, len)	do { pc = (unsigned)(t) == pc[0] ? cbase + rd32(pc + (len) - 4) : pc + (len); } while (0)
#define BCOMPARE(name, OPER, who)						\
	name: {									\
		obj a = *--sp;							\
		int c;								\
		if (__builtin_expect(obj_fixnum_p(a) && obj_fixnum_p(acc), 1)) {	\
			BRANCH((intptr_t)a OPER (intptr_t)acc, 5);		\
			NEXT;							\
		}								\
		pc += 5;							\
		SAVE();								\
		c = lisp_num_cmp(L, who, a, acc);				\
		LOAD();	/* a mixed comparison may allocate */		\
		if (c == -2)							\
			goto error;						\
		pc -= 5;							\
		BRANCH(c != 2 && (c OPER 0), 5);						\
		NEXT;								\
	}
	BCOMPARE(op_blt, <, "<")
	BCOMPARE(op_bgt, >, ">")
	BCOMPARE(op_ble, <=, "<=")
	BCOMPARE(op_bge, >=, ">=")
	BCOMPARE(op_bnumeq, ==, "=")
#define BCOMPARE_I(name, OPER, who)						\
	name: {									\
		obj b = fx((int16_t)rd16(pc + 1));				\
		int c;								\
		if (__builtin_expect(obj_fixnum_p(acc), 1)) {			\
			BRANCH((intptr_t)acc OPER (intptr_t)b, 7);		\
			NEXT;							\
		}								\
		pc += 7;							\
		SAVE();								\
		c = lisp_num_cmp(L, who, acc, b);				\
		LOAD();	/* a mixed comparison may allocate */		\
		if (c == -2)							\
			goto error;						\
		pc -= 7;							\
		BRANCH(c != 2 && (c OPER 0), 7);						\
		NEXT;								\
	}
	BCOMPARE_I(op_blti, <, "<")
	BCOMPARE_I(op_bgti, >, ">")
	BCOMPARE_I(op_blei, <=, "<=")
	BCOMPARE_I(op_bgei, >=, ">=")
	BCOMPARE_I(op_bnumeqi, ==, "=")
/* slot i against slot j, or slot i against an immediate: pc is at the sense byte */
#define BCOMPARE_L(name, OPER, who, SECOND)					\
	name: {									\
		obj a = fp[rd16(pc + 1)], b = SECOND;				\
		int c;								\
		if (__builtin_expect(obj_fixnum_p(a & b), 1)) {			\
			BRANCH((intptr_t)a OPER (intptr_t)b, 9);		\
			NEXT;							\
		}								\
		pc += 9;							\
		SAVE();								\
		c = lisp_num_cmp(L, who, a, b);					\
		LOAD();	/* a mixed comparison may allocate */		\
		if (c == -2)							\
			goto error;						\
		pc -= 9;							\
		BRANCH(c != 2 && (c OPER 0), 9);				\
		NEXT;								\
	}
	BCOMPARE_L(op_bltll, <, "<", fp[rd16(pc + 3)])
	BCOMPARE_L(op_bgtll, >, ">", fp[rd16(pc + 3)])
	BCOMPARE_L(op_blell, <=, "<=", fp[rd16(pc + 3)])
	BCOMPARE_L(op_bgell, >=, ">=", fp[rd16(pc + 3)])
	BCOMPARE_L(op_bnumeqll, ==, "=", fp[rd16(pc + 3)])
	BCOMPARE_L(op_bltli, <, "<", fx((int16_t)rd16(pc + 3)))
	BCOMPARE_L(op_bgtli, >, ">", fx((int16_t)rd16(pc + 3)))
	BCOMPARE_L(op_bleli, <=, "<=", fx((int16_t)rd16(pc + 3)))
	BCOMPARE_L(op_bgeli, >=, ">=", fx((int16_t)rd16(pc + 3)))
	BCOMPARE_L(op_bnumeqli, ==, "=", fx((int16_t)rd16(pc + 3)))
op_beq: {
	obj a = *--sp;

	BRANCH(a == acc, 5);
	NEXT;
}
op_bnull:
	BRANCH(acc == OBJ_NIL, 5);
	NEXT;
op_bpair:
	BRANCH(pair_p(acc), 5);
	NEXT;
op_closure: {
	size_t k = rd16(pc), nf = rd16(pc + 2);
	obj c;

	uintptr_t *p = heap_bump(h, nf + 2);

	pc += 4;
	if (__builtin_expect(p != NULL, 1)) {
		p[0] = obj_hdr(OBJ_T_CLOSURE, nf + 1);
		p[1] = K[k];
		sp -= nf;
		memcpy(p + 2, sp, nf * sizeof(obj));
		acc = (obj)p;
		NEXT;
	}
	SAVE();
	c = lisp_alloc(L, OBJ_T_CLOSURE, nf + 1);
	LOAD();
	if (c == OBJ_NULL)
		FAIL((void)0);
	obj_init_field(L, c, 0, K[k]);
	for (size_t i = 0; i < nf; i++)
		obj_init_field(L, c, i + 1, sp[-(intptr_t)nf + (intptr_t)i]);
	sp -= nf;
	acc = c;
	NEXT;
}
op_fixcl: {
	obj ho = fp[rd16(pc)], v = fp[rd16(pc + 4)];

	if (__builtin_expect(obj_ptr_p(v) && gc_shared_p(h, ho) && !gc_shared_p(h, v), 0)) {
		bool r;
		obj a = acc;

		GC_ROOT(h, a);
		GC_ROOT(h, v);
		SAVE();
		r = lisp_publish(L, &v);
		LOAD();
		GC_UNROOT(h, v);
		GC_UNROOT(h, a);
		acc = a;
		if (!r)
			FAIL((void)0);
		ho = fp[rd16(pc)];
	}
	lisp_store_now(L, ho, 1 + (size_t)rd16(pc + 2), v);
	pc += 6;
	NEXT;
}

	/* --- inlined primitives --- */
/* acc = a OPER b, the fixnum case inline when OK; else (and for bignums, flonums, errors) SLOW,
 * which may collect. Of (pop, acc), or of two frame slots (addll). */
#define ARITH(name, OPER, A, B, STEP, OK, SLOW)					\
	name: {									\
		obj a = A, b = B;						\
		STEP;								\
		if (obj_fixnum_p(a & b) && (OK)) {				\
			intptr_t r = fxv(a) OPER fxv(b);			\
			if (obj_fixnum_fits(r)) {				\
				acc = fx(r);					\
				NEXT;						\
			}							\
		}								\
		CALL_OUT(SLOW);							\
	}
	ARITH(op_add, +, *--sp, acc, (void)0, true, lisp_num_add(L, a, b))
	ARITH(op_sub, -, *--sp, acc, (void)0, true, lisp_num_sub(L, a, b))
	ARITH(op_addll, +, fp[rd16(pc)], fp[rd16(pc + 2)], pc += 4, true, lisp_num_add(L, a, b))
	ARITH(op_subll, -, fp[rd16(pc)], fp[rd16(pc + 2)], pc += 4, true, lisp_num_sub(L, a, b))
	/* quotient and remainder as the primitives: a zero divisor is lisp_num_divide's error */
	ARITH(op_quo, /, *--sp, acc, (void)0, b != fx(0), lisp_num_divide(L, "quotient", a, b, 0, 0))
	ARITH(op_rem, %, *--sp, acc, (void)0, b != fx(0), lisp_num_divide(L, "remainder", a, b, 0, 1))
op_length: {
	intptr_t k = lisp_list_length(acc);	/* no allocation: no sync around it */

	if (__builtin_expect(k >= 0, 1)) {
		acc = fx(k);
		NEXT;
	}
	FAIL(lisp_type_error(L, "length", "list", acc));
}
op_mul: {
	obj a = *--sp;
	int64_t r;

	if (obj_fixnum_p(a) && obj_fixnum_p(acc) &&
	    !__builtin_mul_overflow((int64_t)fxv(a), (int64_t)fxv(acc), &r) && obj_fixnum_fits((intptr_t)r) &&
	    r >= OBJ_FIXNUM_MIN && r <= OBJ_FIXNUM_MAX) {
		acc = fx((intptr_t)r);
		NEXT;
	}
	CALL_OUT(lisp_num_mul(L, a, acc));
}
op_add1:
	if (obj_fixnum_p(acc) && acc != fx(OBJ_FIXNUM_MAX)) {
		acc += 2;
		NEXT;
	}
	CALL_OUT(lisp_num_add(L, acc, fx(1)));
op_sub1:
	if (obj_fixnum_p(acc) && acc != fx(OBJ_FIXNUM_MIN)) {
		acc -= 2;
		NEXT;
	}
	CALL_OUT(lisp_num_sub(L, acc, fx(1)));
#define COMPARE(name, OPER, who)						\
	name: {									\
		obj a = *--sp;							\
		int c;								\
		if (obj_fixnum_p(a) && obj_fixnum_p(acc)) {			\
			acc = obj_bool((intptr_t)a OPER (intptr_t)acc);		\
			NEXT;							\
		}								\
		SAVE();								\
		c = lisp_num_cmp(L, who, a, acc);				\
		LOAD();	/* a mixed comparison may allocate */		\
		if (c == -2)							\
			goto error;						\
		acc = obj_bool(c != 2 && (c OPER 0));					\
		NEXT;								\
	}
	COMPARE(op_lt, <, "<")
	COMPARE(op_gt, >, ">")
	COMPARE(op_le, <=, "<=")
	COMPARE(op_ge, >=, ">=")
	COMPARE(op_numeq, ==, "=")
op_eq:
	acc = obj_bool(*--sp == acc);
	NEXT;
op_eqv:
	acc = obj_bool(lisp_eqv(*--sp, acc));
	NEXT;
op_cons: {
	obj a = *--sp;

	if (__builtin_expect(h->nursery_limit - h->nursery_top >= 3, 1)) {
		acc = heap_cons(h, a, acc);	/* the fast path: no collection */
		NEXT;
	}
	CALL_OUT(lisp_cons(L, a, acc));
}
op_vector: {
	size_t k = rd16(pc);	/* 1..LISP_VECTOR_INLINE_MAX: always a nursery object */
	uintptr_t *p = heap_bump(h, k + 1);

	pc += 2;
	if (__builtin_expect(p != NULL, 1)) {
		/* young, so its fields need no barrier */
		p[0] = obj_hdr(OBJ_T_VECTOR, k);
		sp -= k - 1;
		memcpy(p + 1, sp, (k - 1) * sizeof(obj));
		p[k] = acc;
		acc = (obj)p;
		NEXT;
	}
	PUSH(acc);	/* every element on the stack, a root across the allocation */
	SAVE();
	acc = lisp_make_vector(L, k, OBJ_FALSE);
	LOAD();
	if (acc == OBJ_NULL)
		goto error;
	sp -= k;
	for (size_t i = 0; i < k; i++)
		obj_init_field(L, acc, i, sp[i]);
	NEXT;
}
op_list: {
	size_t k = rd16(pc);	/* 1..LISP_VECTOR_INLINE_MAX pairs, as op_vector */
	uintptr_t *p = heap_bump(h, 3 * k);

	pc += 2;
	if (__builtin_expect(p != NULL, 1)) {
		sp -= k - 1;
		for (size_t i = 0; i < k; i++) {
			p[3 * i] = obj_hdr(OBJ_T_PAIR, 2);
			p[3 * i + 1] = i + 1 < k ? sp[i] : acc;
			p[3 * i + 2] = i + 1 < k ? (obj)(p + 3 * (i + 1)) : OBJ_NIL;
		}
		acc = (obj)p;
		NEXT;
	}
	PUSH(acc);	/* every element on the stack, as the primitive's arguments */
	CALL_OUT(lisp_pop_list(L, k, OBJ_NIL));
}
op_append2: {
	/* (append a acc): a proper list a of up to LISP_VECTOR_INLINE_MAX pairs copied into the
	 * nursery; anything else (longer, improper, no room) by the primitive */
	obj a = sp[-1], l = a;
	size_t k = 0, i;
	uintptr_t *p;

	while (pair_p(l) && k < LISP_VECTOR_INLINE_MAX) {
		l = cdr(l);
		k++;
	}
	if (k == 0 && a == OBJ_NIL) {
		sp--;
		NEXT;	/* (append '() x) is x */
	}
	if (l == OBJ_NIL && (p = heap_bump(h, 3 * k)) != NULL) {
		for (i = 0, l = a; i < k && pair_p(l); i++, l = cdr(l)) {
			p[3 * i] = obj_hdr(OBJ_T_PAIR, 2);
			p[3 * i + 1] = car(l);
			p[3 * i + 2] = (obj)(p + 3 * (i + 1));
		}
		if (__builtin_expect(i == k && l == OBJ_NIL, 1)) {
			p[3 * k - 1] = acc;
			sp--;
			acc = (obj)p;
			NEXT;
		}
		/* another CPU changed a between the two walks: the cells become garbage pairs
		 * (the nursery must stay walkable) and the primitive copies it again */
		if (i > 0)
			p[3 * i - 1] = OBJ_NIL;
		for (; i < k; i++) {
			p[3 * i] = obj_hdr(OBJ_T_PAIR, 2);
			p[3 * i + 1] = p[3 * i + 2] = OBJ_NIL;
		}
	}
	PUSH(acc);
	L->arg0 = (size_t)(sp - 2 - S);
	SAVE();
	acc = lisp_append(L, 2, S + L->arg0);
	LOAD();
	if (acc == OBJ_NULL)
		goto error;
	sp -= 2;
	NEXT;
}
op_vref: {
	obj v = *--sp;

	if (vector_index_ok(v, acc)) {
		acc = obj_vector_ref(v, (size_t)fxv(acc));
		NEXT;
	}
	FAIL(lisp_vector_ref_error(L, v, acc));
}
	/* (vector-ref g i) and (vector-ref l i) of a global or a local, the index computed first
	 * (codegen.c, gen_prim: only when computing it cannot change what g or l names) */
op_vrefg: {
	obj v;

	f = K[rd16(pc)];
	pc += 2;
	v = lisp_global_value(f);
	if (__builtin_expect(vector_index_ok(v, acc), 1)) {
		acc = obj_vector_ref(v, (size_t)fxv(acc));
		NEXT;
	}
	if (v == OBJ_UNDEFINED)
		FAIL(unbound(L, f));
	FAIL(lisp_vector_ref_error(L, v, acc));
}
op_vrefl: {
	obj v = fp[rd16(pc)];

	pc += 2;
	if (__builtin_expect(vector_index_ok(v, acc), 1)) {
		acc = obj_vector_ref(v, (size_t)fxv(acc));
		NEXT;
	}
	FAIL(lisp_vector_ref_error(L, v, acc));
}
	/* (vector-set! g i x) of a global g: i pushed, x in acc, then g's value (as OP_VREFG) */
op_vsetg: {
	obj v, i = sp[-1];

	f = K[rd16(pc)];
	pc += 2;
	v = lisp_global_value(f);
	if (v == OBJ_UNDEFINED) {
		sp--;
		FAIL(unbound(L, f));
	}
	if (__builtin_expect(!vector_index_ok(v, i), 0)) {
		sp--;
		FAIL(vset_error(L, v, i));
	}
	/* a publication may collect, and meanwhile another CPU may set the global to something
	 * else: v goes on the stack (the compiler counted the slot), its root until the store is
	 * done, as in vset; shared, it is old and stays put (STORE) */
	PUSH(v);
	STORE(v, (size_t)fxv(i));
	sp -= 2;
	acc = OBJ_UNSPECIFIED;
	NEXT;
}
op_vset: {
	obj v = sp[-2], i = sp[-1];

	if (__builtin_expect(!vector_index_ok(v, i), 0)) {
		sp -= 2;
		FAIL(vset_error(L, v, i));
	}
	STORE(v, (size_t)fxv(i));	/* v stays on the stack: its only root, maybe (may collect) */
	sp -= 2;
	acc = OBJ_UNSPECIFIED;
	NEXT;
}
op_setcar:
op_setcdr: {
	obj p = sp[-1];

	if (!pair_p(p)) {
		sp--;
		FAIL(lisp_type_error(L, pc[-1] == OP_SETCAR ? "set-car!" : "set-cdr!", "pair", p));
	}
	STORE(p, pc[-1] == OP_SETCAR ? 0 : 1);	/* p stays on the stack meanwhile, as in vset */
	sp--;
	acc = OBJ_UNSPECIFIED;
	NEXT;
}
op_lcar: {
	obj v = fp[rd16(pc)];

	pc += 2;
	if (!pair_p(v))
		FAIL(lisp_type_error(L, "car", "pair", v));
	acc = obj_car(v);
	NEXT;
}
op_lcdr: {
	obj v = fp[rd16(pc)];

	pc += 2;
	if (!pair_p(v))
		FAIL(lisp_type_error(L, "cdr", "pair", v));
	acc = obj_cdr(v);
	NEXT;
}
op_car:
	if (!pair_p(acc))
		FAIL(lisp_type_error(L, "car", "pair", acc));
	acc = obj_car(acc);
	NEXT;
op_cdr:
	if (!pair_p(acc))
		FAIL(lisp_type_error(L, "cdr", "pair", acc));
	acc = obj_cdr(acc);
	NEXT;
op_cadr:
op_cddr: {
	obj d;	/* read once: another CPU may change a shared pair's cdr meanwhile */

	if (!pair_p(acc) || !pair_p(d = obj_cdr(acc)))
		FAIL(lisp_type_error(L, pc[-1] == OP_CADR ? "cadr" : "cddr", "list of at least 2 elements", acc));
	acc = pc[-1] == OP_CADR ? obj_car(d) : obj_cdr(d);
	NEXT;
}
op_nullp:
	acc = obj_bool(acc == OBJ_NIL);
	NEXT;
op_pairp:
	acc = obj_bool(pair_p(acc));
	NEXT;
op_not:
	acc = obj_bool(acc == OBJ_FALSE);
	NEXT;
op_zerop:
	if (obj_fixnum_p(acc)) {
		acc = obj_bool(acc == fx(0));
		NEXT;
	}
	if (lisp_num_sign(acc) == -2)
		FAIL(lisp_type_error(L, "zero?", "number", acc));
	acc = obj_bool(lisp_num_sign(acc) == 0);	/* 0.0 and -0.0 */
	NEXT;
op_vlen:
	if (!vector_p(acc))
		FAIL(lisp_type_error(L, "vector-length", "vector", acc));
	acc = fx((intptr_t)obj_vector_length(acc));
	NEXT;

	/* --- calls --- */
op_calla:
	PUSH(acc);
	/* fall through */
	/* the frame of a call of cl (code header hd, cbase and K set) with the n arguments on top
	 * of the stack, which reaches up to top with room checked: its first instruction */
#define ENTER(hd, top)								\
	do { fp = sp - n;							\
	     if ((size_t)((top) - S) > hi)					\
		     hi = (size_t)((top) - S);					\
	     sp = fp + (hd)->nlocals;						\
	     pc = cbase;							\
	     if (__builtin_expect(fuel_take(L), 0))				\
		     goto fuel_out;						\
	     NEXT; } while (0)
op_call:
	n = rd16(pc);
	pc += 2;
	{
		/* the common case in a few instructions: a closure of fixed arity, given exactly
		 * that, with stack room; anything else (and the same checks) in dispatch_call */
		obj c = sp[-n - 1];

		if (__builtin_expect(closure_p(c), 1)) {
			const struct code_hdr *hd = code_hdr(closure_code(c));
			obj *top = sp + hd->nlocals + hd->maxstack - n;

			if (__builtin_expect(n == hd->nreq && !hd->rest && (size_t)(top - S) <= stk_cap(L), 1)) {
				cl = c;
				cbase = (const uint8_t *)(hd + 1);
				K = obj_fields(code_consts(closure_code(c)));
				ENTER(hd, top);
			}
		} else if (primitive_p(c) && (prim_word(c, PRIM_FLAGS) & (PRIM_PURE | PRIM_NOALLOC)) &&
			   n >= (intptr_t)prim_word(c, PRIM_MIN) &&
			   (n <= (intptr_t)prim_word(c, PRIM_MAX) || (intptr_t)prim_word(c, PRIM_MAX) < 0)) {
			/* a type predicate, a state read, or a primitive that allocates nothing (car,
			 * string-ref, assq): nothing to save or sync around it. Its error, if any, is
			 * kept (L->defer_raise) and made a condition once the stack is synced. */
			L->arg0 = (size_t)(sp - n - S);
			acc = call_noalloc(L, c, (int)n, sp - n);
			if (__builtin_expect(acc == OBJ_NULL, 0))
				FAIL(lisp_raise_deferred(L));
			sp -= n + 3;
			NEXT;	/* such a primitive returns one value, never a values object */
		}
	}
	tail = false;
	goto dispatch_call;
op_callsa:
	PUSH(acc);
	/* fall through */
op_calls:
	/* a call of the running closure by itself (codegen.c, self_callee_p): its code, constants
	 * and arity are the running frame's, so only the frame moves. Anything else below the
	 * arguments (the global redefined, or bound to another closure) is OP_CALL's. */
	n = rd16(pc);
	pc += 2;
	if (__builtin_expect(sp[-n - 1] == cl, 1)) {
		const struct code_hdr *hd = (const struct code_hdr *)cbase - 1;
		obj *top = sp + hd->nlocals + hd->maxstack - n;

		if (__builtin_expect((size_t)(top - S) <= stk_cap(L), 1))
			ENTER(hd, top);
	}
	tail = false;
	goto dispatch_call;
op_tcalla:
	PUSH(acc);
	/* fall through */
op_tcall:
	n = rd16(pc);
	pc += 2;
	tail = true;
	goto dispatch_call;
op_gloopa:
	PUSH(acc);
	/* fall through */
op_gloop: {
	obj v;

	f = K[rd16(pc)];
	n = rd16(pc + 2);
	v = lisp_global_value(f);
	if (__builtin_expect(v == cl, 1))
		goto loop;	/* the compiler checked the arity against this code's */
	/* redefined, or another closure: the ordinary tail call, the value under the arguments
	 * (the compiler counted its slot in maxstack) */
	pc += 4;
	if (v == OBJ_UNDEFINED)
		FAIL(unbound(L, f));
	for (intptr_t i = 0; i < n; i++)
		PUT(sp - i, sp[-1 - i]);
	PUT(sp - n, v);
	sp++;
	tail = true;
	goto dispatch_call;
}
op_loopa:
	PUSH(acc);
	/* fall through */
op_loop:
	n = rd16(pc);
loop:
	for (intptr_t i = 0; i < n; i++)
		PUT(fp + i, sp[-n + i]);
	sp -= n;
	pc = cbase;
	/* the call it stands for would have taken fuel: a loop reaches safe points too */
	if (__builtin_expect(fuel_take(L), 0))
		goto fuel_out;
	NEXT;

op_jloopa:
	PUSH(acc);
	/* fall through */
op_jloop: {
	size_t k = rd16(pc), s = rd16(pc + 2);

	sp -= k;
	for (size_t i = 0; i < k; i++)
		PUT(fp + s + i, sp[i]);
	pc = cbase + rd32(pc + 4);
	/* as OP_LOOP: the calls it stands for would have taken fuel */
	if (__builtin_expect(fuel_take(L), 0))
		goto fuel_out;
	NEXT;
}
	/* A loop's jump whose arguments went straight into its parameters' slots (codegen.c,
	 * gen_moves): the stores, then OP_JMPL. The slots are the running frame's locals, at or
	 * above lo: no LOWER. */
/* jump to the u32 offset at p, taking a call's fuel (a loop's back edge) */
#define JMPL(p)	do { pc = cbase + rd32(p); if (__builtin_expect(fuel_take(L), 0)) goto fuel_out; NEXT; } while (0)
op_jmpl:
	JMPL(pc);
op_lpop:
	sp--;
	PUT(fp + rd16(pc), *sp);
	pc += 2;
	NEXT;
op_lmove:
	PUT(fp + rd16(pc), fp[rd16(pc + 2)]);
	pc += 4;
	NEXT;
/* slot d = slot i + imm16 (the operands at pc: d i imm), the sum's slow path for anything but
 * fixnums (which may collect; pc past the instruction's len bytes meanwhile, for SAVE) */
#define LSETADDI(len)								\
	do { obj v_ = fp[rd16(pc + 2)], r_;					\
	     intptr_t imm_ = (int16_t)rd16(pc + 4);				\
	     if (__builtin_expect(fx_addi_ok(v_, imm_, &r_), 1)) {		\
		     PUT(fp + rd16(pc), r_);					\
	     } else {								\
		     pc += (len);						\
		     SAVE();							\
		     acc = lisp_num_add(L, v_, fx(imm_));			\
		     LOAD();							\
		     if (acc == OBJ_NULL)					\
			     goto error;					\
		     pc -= (len);						\
		     PUT(fp + rd16(pc), acc);					\
	     } } while (0)
op_lsetaddi:
	LSETADDI(6);
	pc += 6;
	NEXT;
op_lsetaddij:
	LSETADDI(10);
	JMPL(pc + 6);
	/* A named let's native code (jit.h), entered from the loop's entry (its back edges jump
	 * to the head, after this instruction: an exit into the bytecode stays there until the
	 * loop is entered again). It writes only fixnums over fixnums: no barrier. */
op_nloop: {
	lisp_jit_fn f = lisp_jit_code(rd32(pc));

	pc += 4;	/* the head */
	if (!f)
		NEXT;
	for (;;) {
		int32_t r = f(fp, &L->safepoint_fuel);

		if (r >= 0) {
			pc = cbase + r;
			NEXT;
		}
		if (r == LISP_JIT_DECLINED)
			NEXT;
		SAFE_POINT();	/* LISP_JIT_FUEL: fuel_out's, at the head; then on natively */
	}
}
op_lsetcdrj: {
	obj v = fp[rd16(pc + 2)];

	if (__builtin_expect(!pair_p(v), 0)) {
		pc += 8;
		FAIL(lisp_type_error(L, "cdr", "pair", v));
	}
	PUT(fp + rd16(pc), obj_cdr(v));
	JMPL(pc + 4);
}
/* slot d = slot i + (-) slot j (FX_OK); SLOW (which may collect) for anything but fixnums */
#define LSET_ARITH(name, FX_OK, SLOW)						\
	name: {									\
		obj a = fp[rd16(pc + 2)], b = fp[rd16(pc + 4)], r;		\
		pc += 6;							\
		if (FX_OK(a, b, &r)) {						\
			PUT(fp + rd16(pc - 6), r);				\
			NEXT;							\
		}								\
		SAVE();								\
		acc = SLOW;							\
		LOAD();								\
		if (acc == OBJ_NULL)						\
			goto error;						\
		PUT(fp + rd16(pc - 6), acc);					\
		NEXT;								\
	}
	LSET_ARITH(op_lsetaddll, fx_add_ok, lisp_num_add(L, a, b))
	LSET_ARITH(op_lsetsubll, fx_sub_ok, lisp_num_sub(L, a, b))
#undef LSET_ARITH
op_gjmp: {
	/* a (define (f ...) ... (f ...)) loop's jump, its arguments stored into the parameters'
	 * slots: still f, back to the start; else (redefined, another closure of this code) the
	 * ordinary tail call of the value with them, as OP_GLOOP's */
	obj v;

	f = K[rd16(pc)];
	n = rd16(pc + 2);
	v = lisp_global_value(f);
	if (__builtin_expect(v == cl, 1)) {
		pc = cbase;
		if (__builtin_expect(fuel_take(L), 0))
			goto fuel_out;
		NEXT;
	}
	pc += 4;
	if (v == OBJ_UNDEFINED)
		FAIL(unbound(L, f));
	PUT(sp, v);	/* above sp: the compiler counted n + 1 slots in maxstack */
	for (intptr_t i = 0; i < n; i++)
		PUT(sp + 1 + i, fp[i]);
	sp += n + 1;
	tail = true;
	goto dispatch_call;
}
op_lsetcar:
op_lsetcdr: {
	obj v = fp[rd16(pc + 2)];

	pc += 4;
	if (!pair_p(v))
		FAIL(pc[-5] == OP_LSETCAR ? lisp_type_error(L, "car", "pair", v) : lisp_type_error(L, "cdr", "pair", v));
	PUT(fp + rd16(pc - 4), pc[-5] == OP_LSETCAR ? obj_car(v) : obj_cdr(v));
	NEXT;
}

dispatch_call:
	f = sp[-n - 1];
	if (__builtin_expect(closure_p(f), 1)) {
		obj code = closure_code(f);
		const struct code_hdr *hd = code_hdr(code);

		if (__builtin_expect(n != hd->nreq, 0) && (!hd->rest || n < hd->nreq))
			FAIL(lisp_arity_error(L, f, (int)n));
		if (tail) {
			LOWER(fp - 1 - S);
			for (intptr_t i = 0; i <= n; i++)
				PUT(fp - 1 + i, sp[-n - 1 + i]);
			sp = fp + n;
		} else {
			fp = sp - n;
		}
		if (hd->rest) {
			obj rest;

			L->sp = (size_t)(sp - S);
			fpi = (size_t)(fp - S);
			SYNC();
			rest = lisp_pop_list(L, (size_t)(n - hd->nreq), OBJ_NIL);
			S = stk(L);
			sp = S + L->sp;
			fp = S + fpi;
			if (rest == OBJ_NULL) {
				pco = 0;
				goto error_nopc;
			}
			LOWER(sp - S);
			PUSH(rest);
			f = fp[-1];
			code = closure_code(f);
			hd = code_hdr(code);
		}
		if (__builtin_expect((size_t)(fp - S) + hd->nlocals + hd->maxstack > stk_cap(L), 0)) {
			bool ok;

			L->sp = (size_t)(sp - S);
			fpi = (size_t)(fp - S);
			SYNC();
			ok = lisp_stack_reserve(L, (size_t)(fpi + hd->nlocals + hd->maxstack) - L->sp);
			S = stk(L);
			sp = S + L->sp;
			fp = S + fpi;
			if (!ok) {
				pco = 0;
				goto error_nopc;
			}
			f = fp[-1];
			code = closure_code(f);
			hd = code_hdr(code);
		}
		if ((size_t)(fp - S) + hd->nlocals + hd->maxstack > hi)
			hi = (size_t)(fp - S) + hd->nlocals + hd->maxstack;
		sp = fp + hd->nlocals;
		cl = f;
		cbase = code_bytes(code);
		K = obj_fields(code_consts(code));
		pc = cbase;
		/* relaxed atomics (plain moves): lisp_interrupt cuts the fuel to 1 from anywhere;
		 * losing that race only delays the request to the next regular safe point */
		if (__builtin_expect(fuel_take(L), 0))
			goto fuel_out;
		NEXT;
	}
	if (primitive_p(f)) {
		intptr_t min = (intptr_t)prim_word(f, PRIM_MIN), max = (intptr_t)prim_word(f, PRIM_MAX);
		uintptr_t flags = prim_word(f, PRIM_FLAGS);

		if (n < min || (max >= 0 && n > max))
			FAIL(lisp_arity_error(L, f, (int)n));
		if (flags & PRIM_SPECIAL)
			goto special;
		L->arg0 = (size_t)(sp - n - S);
		if (flags & (PRIM_PURE | PRIM_NOALLOC)) {
			/* as in op_call's short path (a tail call, or apply's): no sync around it */
			acc = call_noalloc(L, f, (int)n, sp - n);
			if (__builtin_expect(acc == OBJ_NULL, 0))
				FAIL(lisp_raise_deferred(L));
			if (tail)
				goto op_ret;
			sp -= n + 3;
			NEXT;
		}
		SAVE();
		acc = ((lisp_primitive_fn)prim_word(f, PRIM_FN))(L, (int)n, S + L->arg0);
		L->sp = (size_t)(sp - S);	/* a primitive may pop its arguments off L->sp */
		LOAD();
		if (acc == OBJ_NULL || __builtin_expect(L->raise_pending, 0)) {
			L->raise_pending = false;	/* an input source was interrupted (lisp.h) */
			goto error;
		}
		if (tail)
			goto op_ret;
		sp -= n + 3;
		if (__builtin_expect(mv_refused(L, sp[0], acc), 0))
			FAIL(mv_error(L, acc));
		NEXT;
	}
	FAIL(not_procedure(L, f));

fuel_out:
	SAFE_POINT();	/* an interrupt is raised as if by the called procedure's first step */
	NEXT;

special:
	switch (prim_word(f, PRIM_FLAGS) & 0xff) {
	case SP_APPLY: {
		/* (apply f a ... list): spread the list */
		obj list = sp[-1];
		intptr_t len = lisp_list_length(list);

		if (len < 0)	/* n >= 2: (apply f) is an arity error (R7RS: apply's last
				 * argument, the list, is required) */
			FAIL(lisp_type_error(L, "apply", "list", list));
		for (intptr_t i = 0; i < n - 1; i++)
			PUTB(sp - n - 1 + i, sp[-n + i]);
		sp -= 2;
		if ((size_t)(sp - S) + (size_t)len + 8 > stk_cap(L)) {
			bool ok;

			SAVE();
			ROOT(list);	/* it lies above sp: a grown stack does not copy it */
			ok = lisp_stack_reserve(L, (size_t)len + 8);
			UNROOT(list);
			LOAD();
			if (!ok)
				goto error;
		}
		/* at most len: another CPU may lengthen a shared list meanwhile */
		{
			intptr_t k = 0;

			for (; k < len && pair_p(list); k++, list = cdr(list))
				PUSHB(car(list));
			n = n - 2 + k;
		}
		goto dispatch_call;
	}
	case SP_CALLCC: {
		size_t base = tail ? (size_t)(fp - 3 - S) : (size_t)(sp - n - 3 - S);
		obj k;

		SAVE();
		k = capture(L, base, S[base], S[base + 1]);
		LOAD();
		if (k == OBJ_NULL)
			goto error;
		PUTB(sp - 2, sp[-1]);
		PUTB(sp - 1, k);
		goto dispatch_call;
	}
	case SP_RESUME: {
		/* (%resume k value) */
		obj k = sp[-2], copy;
		size_t len;
		bool recover_now;

		if (!record_p(k, STATE(L, S_RTD_CONT)))
			FAIL(lisp_type_error(L, "%resume", "continuation", k));
		acc = sp[-1];
		len = obj_vector_length(obj_fields(k)[CONT_STACK]);
		/* A handler escapes from an exhausted heap's error (a guard): the frames cut away
		 * held the data that filled the heap, garbage now. Collect it, as the REPL does
		 * after the error, before the program goes on; that ends the episode and the
		 * handler's loan (alloc.c, exhausted), so the next exhaustion lends the reserve
		 * again, and the loans leave nothing behind. */
		recover_now = recover_due(L);
		if (recover_now || len + 16 > stk_cap(L)) {
			bool ok = true;
			obj a = acc;

			ROOT(k);
			ROOT(a);
			stack_sync(L, lo, 0, hi);
			lo = hi = 0;
			L->sp = 0;
			if (recover_now)
				recover(L);
			if (len + 16 > stk_cap(L))
				ok = lisp_stack_reserve(L, len + 16);
			UNROOT(a);
			UNROOT(k);
			acc = a;
			marking = h->major_marking;
			if (!ok) {
				S = stk(L);
				sp = S;
				fp = S;
				pco = 0;
				goto error_nopc;
			}
		}
		copy = obj_fields(k)[CONT_STACK];
		S = stk(L);
		if (heap_young_p(h, L->stack))
			memcpy(S, obj_fields(copy), len * sizeof(obj));
		else
			for (size_t i = 0; i < len; i++)
				PUTB(S + i, obj_fields(copy)[i]);
		state_set(L, S_HANDLERS, obj_fields(k)[CONT_HANDLERS]);
		state_set(L, S_WINDS, obj_fields(k)[CONT_WINDS]);
		L->intr_mask = (unsigned)fxv(obj_fields(k)[CONT_MASK]);	/* dynamic, as the winds */
		sp = S + len;
		if (L->overflowed && len < L->stack_limit / 2)
			L->overflowed = false;
		if (obj_fields(k)[CONT_RET] == RET_TO_C) {
			L->sp = len;
			stack_sync(L, lo < len ? lo : len, len, hi);
			return acc;
		}
		fp = S + fxv(obj_fields(k)[CONT_FP]);
		if ((size_t)(fp - 3 - S) < lo)
			lo = (size_t)(fp - 3 - S);
		cl = fp[-1];
		{
			const struct code_hdr *hd = code_hdr(closure_code(cl));

			if ((size_t)(fp - S) + hd->nlocals + hd->maxstack > hi)
				hi = (size_t)(fp - S) + hd->nlocals + hd->maxstack;
		}
		cbase = code_bytes(closure_code(cl));
		K = obj_fields(code_consts(closure_code(cl)));
		pc = cbase + ((uintptr_t)fxv(obj_fields(k)[CONT_RET]) & ~(uintptr_t)RET_MV);
		if (__builtin_expect(mv_refused(L, obj_fields(k)[CONT_RET], acc), 0))
			FAIL(mv_error(L, acc));
		NEXT;
	}
	case SP_ABORT:
		SAVE();
		L->err = sp[-1];
		goto abort;
	case SP_EVAL: {
		obj thunk;

		L->arg0 = (size_t)(sp - n - S);
		/* (environment ...), (scheme-report-environment n), (null-environment n): #t, the
		 * standard bindings, read-only; (interaction-environment): #f, the program's */
		L->sys_eval = n == 2 && S[L->arg0 + 1] == OBJ_TRUE;
		SAVE();
		thunk = lisp_compile(L, S[L->arg0]);
		LOAD();
		L->sys_eval = false;
		if (thunk == OBJ_NULL)
			goto error;
		sp -= n;
		PUTB(sp - 1, thunk);
		n = 0;
		goto dispatch_call;
	}
	}
	FAIL(lisp_errorf(L, f, "bad special primitive"));

op_ret:
	{
		obj ret = fp[-3];

		sp = fp - 3;
		if (__builtin_expect(ret == RET_TO_C, 0)) {
			L->sp = (size_t)(sp - S);
			stack_sync(L, lo, L->sp, hi);
			return acc;
		}
		fp = S + fxv(fp[-2]);
		if (fp[-1] != cl) {	/* else back into a frame of the same closure (a recursion's
					 * return): the same code and constants */
			obj code = closure_code(fp[-1]);

			cl = fp[-1];
			cbase = code_bytes(code);
			K = obj_fields(code_consts(code));
		}
		{
			const struct code_hdr *hd = (const struct code_hdr *)cbase - 1;
			size_t top = (size_t)(fp - S) + hd->nlocals + hd->maxstack;

			LOWER(fp - S);	/* the caller writes its locals and temporaries */
			if (top > hi)	/* the caller's temporaries may lie above the callee's */
				hi = top;
		}
		pc = cbase + ((uintptr_t)fxv(ret) & ~(uintptr_t)RET_MV);
		if (__builtin_expect(mv_refused(L, ret, acc), 0))
			FAIL(mv_error(L, acc));
		NEXT;
	}

error:
	LOAD();
error_nopc:
	SYNC();
	{
		obj c = lisp_take_error(L), raise = lisp_global_value(lisp_sys_cell(SYM(L, SYM_RAISE)));

		if (L->exiting) {
			L->err = c;
			goto abort;
		}
		if (STATE(L, S_HANDLERS) == OBJ_NIL || !closure_p(raise) ||
		    (L->overflowed && (size_t)(sp - S) + 8 > L->stack_limit + LISP_STACK_RESERVE)) {
			L->err = c;
			goto abort;
		}
		/* call (raise c) as if the failed operation had: a frame returning here */
		if ((size_t)(sp - S) + 8 > stk_cap(L)) {
			bool ok;

			ROOT(c);
			L->sp = (size_t)(sp - S);
			fpi = (size_t)(fp - S);
			ok = lisp_stack_reserve(L, 8);
			UNROOT(c);
			S = stk(L);
			sp = S + L->sp;
			fp = S + fpi;
			if (!ok) {
				L->err = c;
				goto abort;
			}
			raise = lisp_global_value(lisp_sys_cell(SYM(L, SYM_RAISE)));
		}
		PUSHB(fx(cbase ? (intptr_t)(pc - cbase) : 0));
		PUSHB(fx(fp - S));
		PUSHB(raise);
		PUSHB(c);
		n = 1;
		tail = false;
		goto dispatch_call;
	}
abort:
	return OBJ_NULL;
#undef SAVE
#undef LOAD
#undef PUT
#undef PUSH
#undef PUTB
#undef PUSHB
#undef SYNC
#undef NEXT
#undef FAIL
#undef CALL_OUT
}

obj lisp_apply(struct lisp *L, obj proc, int argc)
{
	size_t a = L->sp - (size_t)argc;
	obj r;

	ROOT(proc);
	if (!lisp_stack_reserve(L, 3)) {
		UNROOT(proc);
		return OBJ_NULL;
	}
	UNROOT(proc);
	/* [ret][fp][proc][args] */
	for (size_t i = (size_t)argc; i-- > 0;)
		sset(L, a + 3 + i, stk(L)[a + i]);
	sset(L, a, RET_TO_C);
	sset(L, a + 1, fx(0));
	sset(L, a + 2, proc);
	L->sp = a + 3 + (size_t)argc;
	if (L->cstack_base == 0) {	/* an outermost entry: the C stack guard counts from here */
		L->cstack_base = (uintptr_t)__builtin_frame_address(0);
		r = run(L, argc);
		L->cstack_base = 0;
		return r;
	}
	return run(L, argc);
}
