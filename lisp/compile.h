/* compile.h -- the compiler's intermediate form, shared by expand.c (syntax -> IR), macros.c
 * (syntax-rules) and codegen.c (IR -> bytecode), and the bytecode the VM runs (vm.c).
 * IR nodes are vectors (tag, parts...); variables are vectors resolved once during expansion,
 * so later passes never look at names. Scopes are vectors (parent, owner lambda, bindings). */
#ifndef LISP_COMPILE_H
#define LISP_COMPILE_H

#include "internal.h"

enum ir_tag {
	N_CONST,	/* value */
	N_LREF,		/* var */
	N_GREF,		/* symbol */
	N_LSET,		/* var expr */
	N_GSET,		/* symbol expr */
	N_GDEF,		/* symbol expr */
	N_IF,		/* test then else */
	N_SEQ,		/* expr ... (at least one) */
	N_LAMBDA,	/* see LAM_* */
	N_CALL,		/* fn arg ... */
	N_PRIM,		/* opcode arg ... (an inlined primitive) */
	N_LET,		/* vars inits body: bind in order (let and let*) */
	N_LETREC,	/* vars inits body: all bound first, then initialised in order */
	N_AND,		/* expr ... */
	N_OR,		/* expr ... */
};

/* N_LAMBDA node fields */
enum { LAM_TAG, LAM_NREQ, LAM_REST, LAM_PARAMS, LAM_BODY, LAM_NAME, LAM_FREE, LAM_NFREE,
       LAM_PARENT, LAM_NFIELDS };
/* variables: name, owning lambda node, flags, frame slot (codegen) */
enum { VAR_NAME, VAR_OWNER, VAR_FLAGS, VAR_SLOT, VAR_NFIELDS };
#define VF_MUTATED	1	/* assigned after its binding: lives in a box */
#define VF_CAPTURED	2	/* referenced from an inner lambda */
/* scopes */
enum { ENV_PARENT, ENV_LAMBDA, ENV_BINDINGS, ENV_LIBRARY, ENV_NFIELDS };	/* LIBRARY: #t in a
								 * define-library's frame */

static inline intptr_t ir_tag(obj n) { return fxv(obj_vector_ref(n, 0)); }
static inline obj ir_ref(obj n, size_t i) { return obj_vector_ref(n, i); }
static inline intptr_t var_flags(obj v) { return fxv(obj_vector_ref(v, VAR_FLAGS)); }
static inline void var_flag(struct lisp *L, obj v, intptr_t f)
{
	lisp_store_now(L, v, VAR_FLAGS, fx(var_flags(v) | f));
}
/* Every assigned variable lives in a box, captured or not: a continuation copies the stack,
 * and re-entering it must still see the variable's current value (its one location). */
static inline bool var_boxed(obj v)
{
	return (var_flags(v) & VF_MUTATED) != 0;
}

/* --- the expander (expand.c, bindings.c, rewrite.c) --- */
struct lisp_cx {
	struct lisp *L;
	obj lam;	/* the lambda node being filled (rooted by lisp_compile) */
};
/* IR nodes: (tag, the n values on top of the stack), popping them; and from values. Each keeps
 * its arguments alive while it allocates. */
obj lisp_ir_pop(struct lisp *L, intptr_t tag, size_t n);
obj lisp_ir1(struct lisp *L, intptr_t tag, obj a);
obj lisp_ir2(struct lisp *L, intptr_t tag, obj a, obj b);
obj lisp_ir3(struct lisp *L, intptr_t tag, obj a, obj b, obj c);
obj lisp_ir_const(struct lisp *L, obj v);
obj lisp_new_var(struct lisp *L, obj name, obj owner);
obj lisp_new_scope(struct lisp *L, obj parent, obj lam);
bool lisp_bind(struct lisp *L, obj scope, obj id, obj binding);
bool lisp_bound_here_p(obj scope, obj id);
/* Has the program defined the library of that name (a list)? (expand.c; it interns) */
bool lisp_library_defined_p(struct lisp *L, obj name);
/* An identifier naming global symbol SYM_* wherever it is inserted. */
obj lisp_galias(struct lisp *L, int sym);
obj lisp_sys_alias(struct lisp *L, obj sym);
/* Twins for the names the forms define (at boot, before the prelude is compiled). */
bool lisp_sys_prescan(struct lisp *L, obj forms);
bool lisp_proper_p(obj l, intptr_t min);
int lisp_special_of(struct lisp *L, obj b);
/* Expansion of x in scope env into IR (OBJ_NULL on error); named: the name of a lambda. */
obj lisp_x_expand(struct lisp_cx *c, obj x, obj env);
obj lisp_x_named(struct lisp_cx *c, obj x, obj env, obj name);
obj lisp_x_body(struct lisp_cx *c, obj body, obj env);
obj lisp_x_lambda(struct lisp_cx *c, obj formals, obj body, obj env, obj name, obj form);
obj lisp_x_seq(struct lisp_cx *c, obj list, obj env);
bool lisp_x_list(struct lisp_cx *c, obj list, obj env, size_t *n);
obj lisp_x_ref_var(struct lisp_cx *c, obj var);
/* var is used in c->lam: mark it captured if it belongs to an outer lambda */
bool lisp_x_capture(struct lisp_cx *c, obj var);
/* a reference to identifier id: a local, or a global (error for a keyword) */
obj lisp_x_ref(struct lisp_cx *c, obj id, obj env);
/* bindings.c */
/* Check ((id init) ...): its length, or -1. */
intptr_t lisp_bindings_ok(struct lisp *L, obj b);
obj lisp_x_let(struct lisp_cx *c, obj x, obj env, bool star);
obj lisp_x_named_let(struct lisp_cx *c, obj x, obj env);
obj lisp_x_letrec(struct lisp_cx *c, obj x, obj env);
obj lisp_x_clauses(struct lisp_cx *c, obj x, obj clauses, obj env, obj key);
obj lisp_x_case(struct lisp_cx *c, obj x, obj env);
/* rewrite.c */
obj lisp_quasiquote(struct lisp *L, obj template, obj env);
obj lisp_do_form(struct lisp *L, obj x);
obj lisp_cond_expand(struct lisp *L, obj x);

/* expand.c */
/* What identifier id means in scope env: a variable (vector), a macro (record), or a symbol
 * (a global variable, special form or global macro). No allocation. */
obj lisp_resolve(struct lisp *L, obj id, obj env);
obj lisp_make_alias(struct lisp *L, obj sym, obj env);
/* Is id the keyword sym (SYM_*) in env: not shadowed by a local binding? */
bool lisp_keyword_p(struct lisp *L, obj id, obj env, int sym);

/* macros.c */
obj lisp_make_macro(struct lisp *L, obj spec, obj env, obj name);
obj lisp_macro_expand(struct lisp *L, obj mac, obj form, obj env);

/* codegen.c: compile a lambda node into a code object */
obj lisp_codegen(struct lisp *L, obj lam);

/* --- bytecode: one opcode byte, then operands (u16 little-endian unless noted) --- */
/* A frame's return offset with RET_MV set takes any number of values: the call is in a
 * position whose value is discarded (not the last of a body), or is (%mv-call thunk), which
 * call-with-values and dynamic-wind use. Any other frame takes exactly one value: the VM
 * raises an error when a values object of 0 or 2+ values returns to it. */
#define RET_MV		(1u << 27)

enum opcode {
	OP_CONST,	/* k: acc = constant k */
	OP_FIX,		/* i16: acc = fixnum */
	OP_IMM,		/* u8: acc = OBJ_CONST(n) */
	OP_LREF,	/* i: acc = frame slot i */
	OP_LREFB,	/* i: acc = contents of the box in slot i */
	OP_LSET,	/* i: slot i = acc */
	OP_LSETB,	/* i: box in slot i := acc */
	OP_LBOX,	/* i: slot i = a new box holding slot i */
	OP_BOX,		/* acc = a new box holding acc */
	OP_FREF,	/* i: acc = free variable i of the running closure */
	OP_FREFB,	/* i: acc = contents of the box in free variable i */
	OP_FSETB,	/* i: box in free variable i := acc */
	OP_GREF,	/* k: acc = value of global symbol k (error if unbound) */
	OP_GSET,	/* k: global := acc (error if unbound) */
	OP_GDEF,	/* k: define global := acc; acc = unspecified */
	OP_PUSH,	/* push acc */
	OP_JMP,		/* u32 absolute offset */
	OP_JMPF,	/* u32: jump if acc is #f */
	OP_JMPT,	/* u32: jump if acc is not #f */
	OP_FRAME,	/* u32 return offset (| RET_MV): push it and the frame pointer */
	OP_CALL,	/* n: call the procedure below the n pushed arguments */
	OP_TCALL,	/* n: the same in tail position (replaces the running frame) */
	OP_RET,
	OP_CLOSURE,	/* k n: acc = closure of code constant k and n pushed values */
	OP_FIXCL,	/* s f t: free variable f of the closure in slot s = slot t (letrec) */
	OP_POP,		/* drop the top of the stack */
	OP_PUSHL,	/* i: push frame slot i */
	OP_PUSHC,	/* k: push constant k */
	OP_PUSHFIX,	/* i16: push a fixnum */
	OP_PUSHG,	/* k: push the value of global symbol k */
	/* acc = acc op fixnum immediate (i16) */
	OP_ADDI, OP_LTI, OP_GTI, OP_LEI, OP_GEI, OP_NUMEQI,
	/* inlined primitives: unary on acc; binary: (pop, acc); vector-set!: (pop2, pop1, acc) */
	OP_ADD, OP_SUB, OP_MUL, OP_LT, OP_GT, OP_LE, OP_GE, OP_NUMEQ, OP_EQ, OP_EQV, OP_CONS,
	OP_VREF, OP_SETCAR, OP_SETCDR,
	OP_CAR, OP_CDR, OP_NULLP, OP_PAIRP, OP_NOT, OP_ZEROP, OP_VLEN, OP_CADR, OP_CDDR,
	OP_ADD1, OP_SUB1,
	OP_VSET,
	/* fused forms the compiler emits for common sequences */
	OP_LCAR, OP_LCDR,	/* i: acc = car / cdr of frame slot i */
	OP_PUSHF,	/* i: push free variable i of the running closure */
	OP_PUSHLADDI,	/* i imm16: push frame slot i + imm (an argument like (- n 1)) */
	OP_FRAMEG,	/* u32 k: OP_FRAME then OP_PUSHG k (a call of a global) */
	OP_CALLA,	/* n: OP_PUSH then OP_CALL n */
	OP_TCALLA,	/* n: OP_PUSH then OP_TCALL n */
	OP_LOOP,	/* n: the n pushed arguments into frame slots 0..n-1, popped; jump to the
			 * code's start (a tail call of the running closure by itself, when gen_moves
			 * declines it) */
	OP_LOOPA,	/* n: OP_PUSH then OP_LOOP n */
	OP_GLOOP,	/* k n: a tail call of global symbol k with the n pushed arguments: OP_LOOP n
			 * if its value is the running closure, else OP_TCALL n with the value
			 * put under the arguments */
	OP_GLOOPA,	/* k n: OP_PUSH then OP_GLOOP k n */
	/* compare and branch: u8 sense, [i16 imm,] u32 target: jump if the test's truth == sense.
	 * Binary forms compare (pop, acc), the I forms (acc, imm), the unary ones test acc. */
	OP_BLT, OP_BGT, OP_BLE, OP_BGE, OP_BNUMEQ, OP_BEQ,
	OP_BLTI, OP_BGTI, OP_BLEI, OP_BGEI, OP_BNUMEQI,
	OP_BNULL, OP_BPAIR,
	/* the same of two frame slots (u8 sense, u16 i, u16 j, u32 target: slot i op slot j),
	 * and of a frame slot and an immediate (u8 sense, u16 i, i16 imm, u32 target) */
	OP_BLTLL, OP_BGTLL, OP_BLELL, OP_BGELL, OP_BNUMEQLL,
	OP_BLTLI, OP_BGTLI, OP_BLELI, OP_BGELI, OP_BNUMEQLI,
	OP_JLOOP,	/* n s u32 target: the n pushed values into frame slots s..s+n-1, popped; jump
			 * to target (a loop compiled into the frame: its entry, and the calls whose
			 * arguments cannot be stored straight into the slots: codegen.c gen_moves) */
	OP_JLOOPA,	/* n s u32: OP_PUSH then OP_JLOOP n s */
	OP_ADDLL, OP_SUBLL,	/* i j: acc = frame slot i + (-) frame slot j */
	OP_QUO, OP_REM,		/* (quotient pop acc), (remainder pop acc) */
	OP_LENGTH,		/* (length acc) */
	OP_LIST,	/* n (1..LISP_VECTOR_INLINE_MAX): acc = a list of the n - 1 values pushed and
			 * acc, popped */
	OP_VECTOR,	/* n (1..LISP_VECTOR_INLINE_MAX): acc = a vector of the n - 1 values pushed and
			 * acc, popped: (vector a ...) without a call out to C */
	OP_APPEND2,	/* acc = (append pop acc) */
	/* a loop's jump with its arguments stored straight into the parameters' slots (gen_moves) */
	OP_JMPL,	/* u32: jump, taking a call's fuel (the back edge of a loop) */
	OP_LPOP,	/* d: slot d = pop */
	OP_LMOVE,	/* d i: slot d = slot i */
	OP_LSETADDI,	/* d i imm16: slot d = slot i + imm */
	OP_LSETADDLL, OP_LSETSUBLL,	/* d i j: slot d = slot i + (-) slot j */
	OP_LSETCAR, OP_LSETCDR,	/* d i: slot d = car / cdr of slot i */
	OP_GJMP,	/* k n: the arguments already in slots 0..n-1: OP_JMPL 0 when global symbol
			 * k's value is the running closure, else its tail call with them (OP_GLOOP) */
	OP_CALLS,	/* n: OP_CALL n of what the compiler expects to be the running closure itself
			 * (fib's (fib (- n 1))), with the code's arity: when the procedure below the
			 * arguments is the running closure, a call that reloads nothing; else OP_CALL */
	OP_CALLSA,	/* n: OP_PUSH then OP_CALLS n */
	OP_VREFG,	/* k: acc = (vector-ref <global symbol k's value> acc) */
	OP_VREFL,	/* i: acc = (vector-ref <frame slot i> acc) */
	OP_VSETG,	/* k: (vector-set! <global symbol k's value> pop acc) */
	/* a loop's last move and its jump in one (gen_moves): the counter's step, the list's cdr */
	OP_LSETADDIJ,	/* d i imm16 u32: OP_LSETADDI d i imm, then OP_JMPL */
	OP_LSETCDRJ,	/* d i u32: OP_LSETCDR d i, then OP_JMPL */
	OP_NLOOP,	/* u32 id: a named let's entry, just before its head: run the loop as the
			 * native code id (jit.h) while its slots hold fixnums, else go on at the head */
	OP_COUNT
};
/* flags of a primitive that the compiler may inline: opcode and argument count */
#define PRIM_INLINE(op, n)	((unsigned)(op) << 12 | (unsigned)(n) << 10 | 0x200)
#define PRIM_INLINE_P(f)	(((f) & 0x200) != 0)
#define PRIM_INLINE_OP(f)	(((f) >> 12) & 0xfff)	/* bits 12-23; PRIM_PURE and PRIM_NOALLOC above */
#define PRIM_INLINE_N(f)	(((f) >> 10) & 3)
/* PRIM_INLINE(op, 0) marks a primitive of any argument count whose instruction takes the count
 * as its u16 operand (OP_VECTOR, OP_LIST), up to this many arguments (more: the call) */
#define LISP_VECTOR_INLINE_MAX	64

static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

#endif
