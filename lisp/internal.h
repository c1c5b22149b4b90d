/* internal.h -- what the files of lisp/ share: object layouts of the interpreter's own objects,
 * the state vector's slots, the known symbols, stack and rooting helpers, and each file's entry
 * points. Conventions: a function that can fail returns OBJ_NULL (or false) with L->err set (a
 * failed allocation leaves L->err OBJ_NULL, meaning "heap exhausted"); a function that allocates
 * keeps its own obj arguments alive (callee roots), callers root their other live locals. */
#ifndef LISP_INTERNAL_H
#define LISP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <kernel/kernel.h>
#include <mm/gc/barrier.h>
#include <mm/gc/gc.h>
#include <mm/gc/roots.h>
#include <mm/gc/xheap.h>
#include <mm/heaps/heap.h>

#include "lisp.h"
#include "lisp_param.h"

#define LISP_MAGIC	0x4c495350u	/* "LISP" */

#define ROOT(x)		GC_ROOT(L->h, x)
#define UNROOT(x)	GC_UNROOT(L->h, x)

/* --- the state vector (L->state): per-interpreter dynamic state and built-in objects --- */
enum lisp_slot {
	S_GLOBALS,		/* globals.c: (symbol chains vector, count); shared by threads */
	S_RTD_CONDITION,	/* record types of the interpreter's own records */
	S_RTD_VALUES,
	S_RTD_PORT,
	S_RTD_ALIAS,
	S_RTD_MACRO,
	S_RTD_CONT,
	S_RTD_VIEW,		/* inspect.c: a read-only view of an object the inspector found */
	S_RTD_PREF,		/* store.c: a persistent reference (a stored pair or vector) */
	S_HANDLERS,		/* list of exception handlers, innermost first */
	S_WINDS,		/* list of (before . after) of the active dynamic-winds */
	S_OUT,			/* current output port */
	S_CONSOLE_OUT,		/* the console output port */
	S_IN,			/* current input port */
	S_ERR_HEAP,		/* preallocated conditions: no allocation needed to raise them */
	S_ERR_DEEP,
	S_PRIM_RAISE,		/* the primitive used when `raise` is not defined yet */
	S_RTD_THREAD,		/* threads.c */
	S_RTD_CHANNEL,
	S_RTD_ETHER,		/* ether.c */
	S_RTD_TCP_LISTENER,	/* sockets.c */
	S_RTD_CONNECTION,
	S_RTD_UDP,
	S_SYSFRAME,		/* globals.c: the system's top-level scope (its bindings are the
				 * symbols' twins); prelude code and the expander's own names */
	S_COUNT
};
#define STATE(L, i)	(obj_fields((L)->state)[i])
static inline void lisp_private_set(struct lisp *L, obj o, size_t i, obj v);
/* the state vector is each interpreter's own, never shared */
static inline void state_set(struct lisp *L, size_t i, obj v) { lisp_private_set(L, L->state, i, v); }

/* --- symbols the compiler and runtime know by identity (L->syms) --- */
enum lisp_sym {
	/* special forms: the symbol's flags hold its index + 1 (lisp_special()) */
	SYM_QUOTE, SYM_QUASIQUOTE, SYM_LAMBDA, SYM_DEFINE, SYM_SET, SYM_IF, SYM_BEGIN, SYM_LET,
	SYM_LETSTAR, SYM_LETREC, SYM_LETRECSTAR, SYM_COND, SYM_CASE, SYM_AND, SYM_OR, SYM_WHEN,
	SYM_UNLESS, SYM_DO, SYM_DEFINE_SYNTAX, SYM_LET_SYNTAX, SYM_LETREC_SYNTAX,
	SYM_DEFINE_RECORD_TYPE, SYM_NAMED_LAMBDA, SYM_COND_EXPAND, SYM_SYNTAX_ERROR,
	SYM_SPECIAL_END,
	/* other syntax keywords */
	SYM_UNQUOTE = SYM_SPECIAL_END, SYM_UNQUOTE_SPLICING, SYM_ELSE, SYM_ARROW, SYM_ELLIPSIS,
	SYM_UNDERSCORE, SYM_SYNTAX_RULES, SYM_NOT, SYM_LIBRARY, SYM_SCHEME, SYM_DEFINE_LIBRARY,
	/* globals that generated code calls (names users do not shadow by accident) */
	SYM_QQ_CONS, SYM_QQ_LIST, SYM_QQ_APPEND, SYM_QQ_LIST_TO_VECTOR, SYM_QQ_LIST_STAR,
	SYM_MAKE_RTD, SYM_MAKE_RECORD, SYM_RECORD_P, SYM_RECORD_REF, SYM_RECORD_SET,
	SYM_RAISE, SYM_MEMV, SYM_ERROR_SYM, SYM_READ, SYM_FILE, SYM_VOID, SYM_MV_CALL,
	SYM_COUNT
};
#define SYM(L, i)	(obj_fields((L)->syms)[i])

/* --- object helpers --- */
static inline bool pair_p(obj o) { return obj_type_p(o, OBJ_T_PAIR); }
/* car and cdr in C code: a pair's field, or () for anything else. C code checks that a value is
 * a pair before it takes its car, but when it reads a field twice (tests cdr(x), then takes
 * cdr(x) again) another CPU may have changed a shared pair in between: then the C code sees a
 * list's end, never memory outside a pair (docs/gc.md, "Racing programs"). The VM's inline
 * operations check their operand once and use obj_car/obj_cdr. */
static inline obj car(obj p) { return pair_p(p) ? obj_car(p) : OBJ_NIL; }
static inline obj cdr(obj p) { return pair_p(p) ? obj_cdr(p) : OBJ_NIL; }
static inline bool symbol_p(obj o) { return obj_type_p(o, OBJ_T_SYMBOL); }
static inline bool string_p(obj o) { return obj_type_p(o, OBJ_T_STRING); }
static inline bool vector_p(obj o) { return obj_type_p(o, OBJ_T_VECTOR); }
static inline bool bytevector_p(obj o) { return obj_type_p(o, OBJ_T_BYTEVECTOR); }
static inline bool bignum_p(obj o) { return obj_type_p(o, OBJ_T_BIGNUM); }
static inline bool closure_p(obj o) { return obj_type_p(o, OBJ_T_CLOSURE); }
static inline bool primitive_p(obj o) { return obj_type_p(o, OBJ_T_PRIMITIVE); }
static inline bool procedure_p(obj o) { return closure_p(o) || primitive_p(o); }
static inline bool box_p(obj o) { return obj_type_p(o, OBJ_T_BOX); }
static inline bool integer_p(obj o) { return obj_fixnum_p(o) || bignum_p(o); }
static inline bool flonum_p(obj o) { return obj_type_p(o, OBJ_T_FLONUM); }
static inline bool ratnum_p(obj o) { return obj_type_p(o, OBJ_T_RATNUM); }
static inline bool exact_p(obj o) { return integer_p(o) || ratnum_p(o); }
static inline bool real_p(obj o) { return exact_p(o) || flonum_p(o); }
static inline bool compnum_p(obj o) { return obj_type_p(o, OBJ_T_COMPNUM); }
static inline bool number_p(obj o) { return real_p(o) || compnum_p(o); }
/* a number's real and imaginary parts (a real's: itself and exact 0) */
static inline obj cx_re(obj x) { return compnum_p(x) ? obj_fields(x)[0] : x; }
static inline obj cx_im(obj x) { return compnum_p(x) ? obj_fields(x)[1] : obj_fixnum(0); }
/* A flonum's IEEE double, as its bits (only lisp/flonum.c computes with doubles) */
static inline uint64_t flo_bits(obj f)
{
	uint64_t b;

	memcpy(&b, obj_fields(f), sizeof(b));
	return b;
}
static inline obj cadr(obj p) { return car(cdr(p)); }
static inline obj cddr(obj p) { return cdr(cdr(p)); }
static inline obj caddr(obj p) { return car(cddr(p)); }
static inline obj cdddr(obj p) { return cdr(cddr(p)); }
static inline obj fx(intptr_t v) { return obj_fixnum(v); }
static inline intptr_t fxv(obj o) { return obj_fixnum_value(o); }

/* Symbols: name (string), global value (OBJ_UNDEFINED: unbound), next in its hash chain, flags
 * (fixnum: hash << 8 | special form index + 1), and the system's binding of the name (#f if
 * none): its twin, an uninterned symbol of the same name (globals.c, "The system's bindings"). */
enum { SYMF_NAME, SYMF_VALUE, SYMF_NEXT, SYMF_FLAGS, SYMF_SYS, SYM_NFIELDS };
_Static_assert((int)SYMF_VALUE == (int)GC_SYM_VALUE && (int)SYMF_NEXT == (int)GC_SYM_NEXT &&
	       (int)SYMF_FLAGS == (int)GC_SYM_FLAGS,
	       "mm/gc/symtab.c reads symbols");
static inline obj sym_name(obj s) { return obj_fields(s)[SYMF_NAME]; }
/* SYMF_FLAGS: hash << 8 | flags; the low 7 bits: special form + 1; any flag keeps an unbound
 * symbol in the weak table (mm/gc/symtab.c) */
#define SYMF_PERMANENT	0x80	/* interned by C code (lisp_intern): never collected */
static inline unsigned lisp_special(obj s) { return (unsigned)(fxv(obj_fields(s)[SYMF_FLAGS]) & 0x7f); }

/* Records: field 0 the record type; a record type is a record whose field 0 is #t:
 * (#t name field-names-vector). */
enum { RTD_NAME = 1, RTD_FIELDS, RTD_NFIELDS };
static inline bool record_p(obj o, obj rtd)
{
	return obj_type_p(o, OBJ_T_RECORD) && obj_fields(o)[0] == rtd;
}
static inline bool rtd_p(obj o) { return obj_type_p(o, OBJ_T_RECORD) && obj_fields(o)[0] == OBJ_TRUE; }

/* Conditions (error objects): (rtd kind message irritants); kind is a symbol: error, read, file. */
enum { COND_KIND = 1, COND_MSG, COND_IRRITANTS, COND_NFIELDS };
/* Ports: (rtd kind buffer position flags limit device out-buffer out-position); see ports.c. */
enum { PORT_KIND = 1, PORT_BUF, PORT_POS, PORT_FLAGS, PORT_LIM, PORT_DEV, PORT_OBUF, PORT_OPOS,
       PORT_NFIELDS };
enum port_kind { PORT_CONSOLE, PORT_BUF_IN, PORT_BUF_OUT, PORT_DEVICE };
/* Identifiers renamed by a macro expansion: (rtd symbol-or-alias scope id global); global is
 * #f, or the fresh symbol a top-level define of this alias bound (expand.c, toplevel_name). */
enum { ALIAS_SYM = 1, ALIAS_ENV, ALIAS_ID, ALIAS_GLOBAL, ALIAS_NFIELDS };
/* syntax-rules transformers: (rtd literals rules scope ellipsis name). */
enum { MAC_LITERALS = 1, MAC_RULES, MAC_ENV, MAC_ELLIPSIS, MAC_NAME, MAC_NFIELDS };
/* Continuations: (rtd stack-copy return-offset frame handlers winds). */
enum { CONT_STACK = 1, CONT_RET, CONT_FP, CONT_HANDLERS, CONT_WINDS, CONT_MASK, CONT_NFIELDS };
/* Multiple values: (rtd list). */
enum { VALUES_LIST = 1, VALUES_NFIELDS };

static inline bool alias_p(struct lisp *L, obj o) { return record_p(o, STATE(L, S_RTD_ALIAS)); }
static inline bool macro_p(struct lisp *L, obj o) { return record_p(o, STATE(L, S_RTD_MACRO)); }
static inline bool condition_p(struct lisp *L, obj o) { return record_p(o, STATE(L, S_RTD_CONDITION)); }
static inline bool port_p(struct lisp *L, obj o) { return record_p(o, STATE(L, S_RTD_PORT)); }
static inline bool values_p(struct lisp *L, obj o) { return record_p(o, STATE(L, S_RTD_VALUES)); }
static inline bool identifier_p(struct lisp *L, obj o) { return symbol_p(o) || alias_p(L, o); }

/* Code objects: OBJ_T_MIXED (fixnum 2, constants vector, name) then raw: a struct code_hdr and
 * the bytecode. Code is immutable once made. Closures: OBJ_T_CLOSURE (code, free values...). */
#define CODE_NPTRS	2
struct code_hdr {
	uint16_t nreq;		/* required arguments */
	uint8_t rest;		/* 1: further arguments in a list in slot nreq */
	uint8_t pad;
	uint16_t nlocals;	/* frame slots: arguments (and rest list) then locals */
	uint16_t maxstack;	/* temporaries above the locals */
	uint32_t nbytes;	/* bytecode length */
	uint32_t pad2;
};
static inline obj code_consts(obj code) { return obj_fields(code)[1]; }
static inline obj code_name(obj code) { return obj_fields(code)[2]; }
static inline struct code_hdr *code_hdr(obj code) { return (struct code_hdr *)&obj_fields(code)[1 + CODE_NPTRS]; }
static inline const uint8_t *code_bytes(obj code) { return (const uint8_t *)(code_hdr(code) + 1); }
static inline obj closure_code(obj c) { return obj_fields(c)[0]; }

/* Primitives: raw words (function, name, arity, flags). */
enum { PRIM_FN, PRIM_NAME, PRIM_MIN, PRIM_MAX, PRIM_FLAGS, PRIM_NWORDS };
/* flags: the VM implements the primitive itself (the low bits give which one) */
#define PRIM_SPECIAL	0x100
/* flags: never allocates, collects, raises or calls back (a type predicate, a state read): the
 * VM calls it without saving and syncing its stack around the call */
#define PRIM_PURE	(1u << 24)
/* flags: allocates nothing, never collects, polls, blocks or calls back, returns one value,
 * and raises only through lisp_error (lisp_errorf, lisp_type_error, ...) with at most two
 * irritants (a car, string-ref, assq): the VM calls it without syncing its stack and with
 * L->defer_raise set, and makes the condition after it has synced (vm.c, op_call) */
#define PRIM_NOALLOC	(1u << 25)
enum prim_special {
	SP_APPLY = 1, SP_CALLCC, SP_RESUME, SP_ABORT, SP_EVAL,
};
static inline uintptr_t prim_word(obj p, int i) { return obj_words(p)[1 + i]; }
static inline const char *prim_name(obj p) { return (const char *)prim_word(p, PRIM_NAME); }

/* A static table of primitives, registered by lisp_register(). */
struct lisp_prim_def {
	const char *name;
	lisp_primitive_fn fn;
	int min, max;
	unsigned flags;
};

/* --- the value stack: VM frames and C temporaries; slot i is obj_fields(L->stack)[i] --- */
static inline obj *stk(struct lisp *L) { return obj_fields(L->stack); }
/* Slots of the stack; its last field (not a slot) is the top the collector scans up to: at
 * least every slot that may hold an object, raised by sset, lowered only where everything
 * above is known to hold none (the interpreter's stack_sync, clear_after). */
static inline size_t stk_cap(struct lisp *L) { return obj_vector_length(L->stack) - 1; }
static inline size_t stk_top(struct lisp *L) { return (size_t)obj_fixnum_value(obj_fields(L->stack)[stk_cap(L)]); }
static inline void stk_top_set(struct lisp *L, size_t n)
{
	gc_write_stack(L->h, L->stack, stk_cap(L), obj_fixnum((intptr_t)n));
}
static inline void sset(struct lisp *L, size_t i, obj v)
{
	if (stk_top(L) <= i)
		stk_top_set(L, i + 1);
	gc_write_stack(L->h, L->stack, i, v);
}
/* A fresh value stack of n slots (a root area: see alloc.c). */
obj lisp_make_stack(struct lisp *L, size_t n);
/* Room for n more slots above L->sp (may grow, i.e. allocate). */
bool lisp_stack_reserve(struct lisp *L, size_t n);
/* Push v; false if the stack could not grow. */
bool lisp_push(struct lisp *L, obj v);
static inline obj lisp_pop(struct lisp *L) { return stk(L)[--L->sp]; }

/* C recursion guard of the reader, compiler and printer: false (error set) past the budget. */
bool lisp_depth_ok(struct lisp *L);

/* --- alloc.c: allocation that retries after a full collection, and object makers --- */
/* gc_major_full of the heap with the block source lending room (enum lisp_lend), counted for
 * the overhead limit (gc_overhead_full): 0 or -1. */
int lisp_gc_full(struct lisp *L, int lend);
int lisp_lend_kind(struct lisp *L);	/* alloc.c: LISP_LEND_RETRY, or RECOVER for a heap past its limit by loans */
obj lisp_alloc(struct lisp *L, unsigned type, size_t nfields);
obj lisp_cons(struct lisp *L, obj a, obj d);
obj lisp_list2(struct lisp *L, obj a, obj b);
obj lisp_list3(struct lisp *L, obj a, obj b, obj c);
obj lisp_make_vector(struct lisp *L, size_t n, obj fill);
obj lisp_make_bytes(struct lisp *L, unsigned type, const void *bytes, size_t len);
/* heap_make_bytes_fill's contract (mm/heaps/heap.h): with NULL bytes, the caller writes the
 * first fill bytes before anything can see the object; the rest are zeroed. */
obj lisp_make_bytes_fill(struct lisp *L, unsigned type, const void *bytes, size_t fill, size_t len);
obj lisp_make_string(struct lisp *L, const char *s, size_t len);
static inline obj lisp_cstring(struct lisp *L, const char *s) { return lisp_make_string(L, s, strlen(s)); }
/* A copy of len bytes of object src from byte offset off (src may move meanwhile). */
obj lisp_copy_bytes(struct lisp *L, unsigned type, obj src, size_t off, size_t len);
obj lisp_make_box(struct lisp *L, obj v);
obj lisp_make_record(struct lisp *L, obj rtd, size_t nfields);
obj lisp_make_record1(struct lisp *L, obj rtd, obj v);	/* a record of rtd whose one field is v */
obj lisp_make_rtd(struct lisp *L, obj name, obj fields);
/* (values v ...) of a list of at least two values (one value is itself) */
obj lisp_make_values(struct lisp *L, obj list);
/*
 * Stores into heap objects. lisp/ never calls the collector's barrier (gc_write and its
 * wrappers are poisoned below) and never writes through obj_fields (const here): each store
 * says which of these it is, so none can skip the publication a shared holder needs (X1,
 * mm/gc/xheap.h; docs/gc.md, "Stores").
 *  lisp_store	a Scheme object other CPUs may see (set-car!, vector-set!, a record, box or
 *		port field, a global): v is published first if holder is shared, which may
 *		collect like an allocation (re-read arguments afterwards). false: heap exhausted,
 *		L->err set to OBJ_NULL, nothing stored.
 *  lisp_store_now	the same where nothing needs publishing: v is an immediate, or already
 *		shared (published by the caller), or holder is not shared. Never collects; the
 *		barrier panics in every build if v turns out unpublished for a shared holder.
 *  obj_init_field	an object the caller made and has not yet stored anywhere (young, or a
 *		fresh large object): nobody else can see it. Never collects.
 *  lisp_private_set	an object private to this interpreter that is never stored where
 *		others can reach it (its state vector, the compiler's and printer's tables).
 *  sset, gc_write_stack	the value stack (a root area, never shared).
 */
/* Publish *v (gc_publish) as an allocation is made: when the heap refuses, once more after a
 * full collection with room lent; then "heap exhausted" (false, L->err OBJ_NULL, counted as an
 * allocation failure so the REPL's recovery runs). May collect; *v is updated. */
bool lisp_publish(struct lisp *L, obj *v);
static inline void lisp_store_now(struct lisp *L, obj holder, size_t i, obj v)
{
	gc_write(L->h, holder, i, v);
}
static inline bool lisp_store(struct lisp *L, obj holder, size_t i, obj v)
{
	if (obj_ptr_p(v) && !heap_young_p(L->h, holder) && gc_shared_p(L->h, holder) &&
	    !gc_shared_p(L->h, v) && !lisp_publish(L, &v))
		return false;	/* (a shared holder is old: it did not move) */
	lisp_store_now(L, holder, i, v);
	return true;
}
static inline void obj_init_field(struct lisp *L, obj o, size_t i, obj v)
{
	kassert(!gc_shared_p(L->h, o));
	gc_write(L->h, o, i, v);
}
static inline void lisp_private_set(struct lisp *L, obj o, size_t i, obj v)
{
	kassert(!gc_shared_p(L->h, o));
	gc_write(L->h, o, i, v);
}
/* The fields of a young object the caller just made, to fill in bulk (memcpy): nothing to
 * remember or count while it is young. */
static inline obj *lisp_young_fields(struct lisp *L, obj o)
{
	kassert(heap_young_p(L->h, o));
	return obj_fields(o);
}
obj lisp_list_reverse(struct lisp *L, obj list);	/* fresh reversed copy */
/* Pop n values off the stack into a fresh list (in push order), pushed last = last element. */
obj lisp_pop_list(struct lisp *L, size_t n, obj tail);
/* (append a ...), the primitive: its arguments at lisp_args(L), as every primitive's */
obj lisp_append(struct lisp *L, int argc, obj *argv);
intptr_t lisp_list_length(obj l);	/* -1 if not a proper list (or circular) */

/* --- globals.c: the symbol table and global variables (the one place a lock will go) --- */
obj lisp_intern(struct lisp *L, const char *name, size_t len);
obj lisp_intern_bytes(struct lisp *L, const char *name, size_t len);
obj lisp_intern_string(struct lisp *L, obj str);
static inline obj lisp_global_value(obj sym) { return obj_load(&obj_fields(sym)[SYMF_VALUE]); }
/* Store a global's value (published first when the symbol is shared: may collect, like an
 * allocation). false if the heap is exhausted (L->err OBJ_NULL). */
bool lisp_global_define(struct lisp *L, obj sym, obj v);
/* The system's bindings (globals.c): sym's twin, made if it has none (OBJ_NULL: no memory);
 * twins for every bound symbol; each twin's value given to its symbol (the end of boot). */
obj lisp_sys_twin(struct lisp *L, obj sym);
int lisp_global_alias(struct lisp *L, obj nw, obj old, bool sys);
bool lisp_sys_twin_bound(struct lisp *L);
void lisp_sys_export(struct lisp *L);
void lisp_unspecial(struct lisp *L, obj sym);	/* a program defined a special form's name */
bool lisp_sym_named(struct lisp *L, obj id, const char *name);	/* expand.c: id's symbol's name */
/* The symbol the system's code names for sym: its twin if it has one, else sym itself. */
static inline obj lisp_sys_cell(obj sym)
{
	obj t = obj_fields(sym)[SYMF_SYS];

	return t != OBJ_FALSE ? t : sym;
}
bool lisp_global_set(struct lisp *L, obj sym, obj v);
int lisp_globals_init(struct lisp *L);
obj lisp_gensym(struct lisp *L, const char *prefix);

/* --- errors.c --- */
obj lisp_errorf(struct lisp *L, obj irritant, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
obj lisp_raise_deferred(struct lisp *L);
obj lisp_vector_ref_error(struct lisp *L, obj v, obj i);	/* vectors.c */
obj lisp_make_condition(struct lisp *L, obj kind, obj msg, obj irritants);
obj lisp_arity_error(struct lisp *L, obj proc, int argc);
obj lisp_range_error(struct lisp *L, const char *who, obj index);
obj lisp_syntax_error(struct lisp *L, const char *what, obj form);
obj lisp_read_error(struct lisp *L, const char *msg);
obj lisp_file_error(struct lisp *L, const char *msg, obj name);
/* The condition to raise now: L->err, or the preallocated "heap exhausted" one. */
obj lisp_take_error(struct lisp *L);
/* Print "error: <message> <irritant> ..." for a raised object on the console. */
void lisp_report_error(struct lisp *L, obj c);
void lisp_init_errors(struct lisp *L);

/* --- sys.c --- */
/* Push (key . val) onto *alist (a rooted variable). val is consumed; false if the heap is full. */
bool lisp_alist_put(struct lisp *L, obj *alist, const char *key, obj val);
bool lisp_alist_put_u64(struct lisp *L, obj *alist, const char *key, uint64_t v);
/* An exact integer argument in [lo, hi], else a type error naming what was wanted (false). */
bool lisp_int_arg(struct lisp *L, const char *who, const char *what, obj x, int64_t lo,
		  int64_t hi, int64_t *v);
/* CPU i's heap if it is online and has one (the interpreter's own for its CPU), else NULL. */
struct heap *lisp_cpu_heap(struct lisp *L, unsigned i);
/* The heap of the CPU named by who's optional argument argv[0], the caller's by default; NULL
 * with the error raised if there is no such CPU. */
struct heap *lisp_heap_arg(struct lisp *L, const char *who, int argc, obj *argv);
/* (object-info x): ((cpu . c) (generation . g) (group . addr) (shared . b) (remote-count . n));
 * x is read before anything is allocated (the caller need not root it). */
obj lisp_object_info(struct lisp *L, obj x);

/* --- ports.c --- */
obj lisp_make_port(struct lisp *L, int kind, obj buf);
bool lisp_port_write(struct lisp *L, obj port, const char *buf, size_t len);
void lisp_console_write(struct lisp *L, const char *buf, size_t len);
/* the console's last byte was not a newline (ports.c: shared by the console's threads) */
bool lisp_console_midline(struct lisp *L);
void lisp_console_mark(struct lisp *L, bool midline);
/* Next byte of an input port (-1 at its end); peek leaves it. */
int lisp_port_getc(struct lisp *L, obj port, bool peek);
/* close-port: flushes what is buffered for output, closes both directions. */
obj lisp_port_close(struct lisp *L, obj port);
void lisp_init_ports(struct lisp *L);

/* --- printer.c --- */
enum { PRINT_DISPLAY, PRINT_WRITE, PRINT_WRITE_SHARED };
bool lisp_print(struct lisp *L, obj x, obj port, int mode);

/* --- reader.c --- */
/* The next datum of in; OBJ_EOF at the end; OBJ_NULL on a read error (the rest of that datum
 * is skipped) or exhausted heap. */
obj lisp_read(struct lisp *L, struct lisp_input *in);
/* Next byte of in (-1 at its end); peek leaves it to be read again. */
int lisp_input_getc(struct lisp_input *in, bool peek);

/* --- numbers.c / bigint.c --- */
obj lisp_num_add(struct lisp *L, obj a, obj b);
obj lisp_num_sub(struct lisp *L, obj a, obj b);
obj lisp_num_mul(struct lisp *L, obj a, obj b);
/* -2 on a type error (L->err set, who names the procedure), else -1, 0, 1 */
int lisp_num_cmp(struct lisp *L, const char *who, obj a, obj b);
bool lisp_num_eqv(obj a, obj b);
obj lisp_num_div(struct lisp *L, obj a, obj b);
/* kind: 0 truncate (quotient/remainder), 1 floor (modulo); want: 0 quotient, 1 remainder.
 * Integral flonums are divided exactly and give a flonum. */
obj lisp_num_divide(struct lisp *L, const char *who, obj a, obj b, int kind, int want);
/* x as a double's bits; false if the heap is full (a ratnum's conversion allocates) */
bool lisp_num_to_flo(struct lisp *L, obj x, uint64_t *b);
obj lisp_num_inexact(struct lisp *L, obj x);
/* "who: expected number, got x" */
obj lisp_not_number(struct lisp *L, const char *who, obj x);
/* "who: expected real number, got x" (or number, for what is none) */
obj lisp_not_real(struct lisp *L, const char *who, obj x);
/* re + im i from two reals: the real re when im is an exact 0; both parts inexact when either
 * is (lisp/numbers.c) */
obj lisp_make_rect(struct lisp *L, obj re, obj im);
/* x's parts as doubles' bits (false: the heap is full); a compnum of two flonums from bits */
bool lisp_cx_to_bits(struct lisp *L, obj x, uint64_t v[2]);
obj lisp_cx_from_bits(struct lisp *L, const uint64_t v[2]);
/* m e^(ia) of reals: m for an exact 0 a, else inexact (numfuncs.c) */
obj lisp_make_polar(struct lisp *L, obj m, obj a);
/* the exact number of x: itself if exact, a flonum's exact value, an error for inf and nan */
obj lisp_num_exact(struct lisp *L, obj x);
/* |x| of a real x (0.0 for -0.0) */
obj lisp_num_abs(struct lisp *L, obj x);
/* -x, a -0.0 for a flonum 0.0 */
obj lisp_num_negate(struct lisp *L, obj x);
static inline obj rat_num(obj x) { return obj_type_p(x, OBJ_T_RATNUM) ? obj_fields(x)[0] : x; }
static inline obj rat_den(obj x) { return obj_type_p(x, OBJ_T_RATNUM) ? obj_fields(x)[1] : obj_fixnum(1); }
void lisp_init_numfuncs(struct lisp *L);
/* -1, 0, 1 by the sign; 2 for a NaN; -2 for no number */
int lisp_num_sign(obj x);
/* n / d in lowest terms (an integer when d divides n), d != 0, both exact integers */
obj lisp_make_ratio(struct lisp *L, obj n, obj d);
/* The number x written in radix: pushes nothing; returns a string object. */
obj lisp_number_to_string(struct lisp *L, obj n, unsigned radix);

/* --- numconv.c: flonums on bit patterns, with integer code only --- */
obj lisp_make_flonum(struct lisp *L, uint64_t bits);
/* (-1)^neg m 2^e rounded to the nearest double (ties to even), overflow to infinity */
uint64_t lisp_flo_make(bool neg, uint64_t m, intptr_t e);
uint64_t lisp_flo_sqrt(uint64_t b);
enum { FLO_FLOOR, FLO_CEIL, FLO_TRUNC, FLO_ROUND };
uint64_t lisp_flo_round(uint64_t b, int mode);
bool lisp_flo_finite_p(uint64_t b);
bool lisp_flo_nan_p(uint64_t b);
uint64_t lisp_int_to_flo(obj n);
bool lisp_ratio_to_flo(struct lisp *L, obj n, obj d, uint64_t *out);
/* the exact value of a finite flonum; OBJ_FALSE for inf and nan */
obj lisp_flo_to_exact(struct lisp *L, uint64_t b);
obj lisp_flo_to_string(struct lisp *L, uint64_t b, unsigned radix);
bool lisp_exponent_marker_p(int c);	/* e s f d l, either case (numconv.c) */
/* The number written in bytes [off, off+len) of the string or bytevector str (any R7RS real
 * or complex syntax, with prefixes); OBJ_FALSE if that is no number's syntax. exactness: 0, 'e' or 'i' (a
 * prefix the reader took off). */
obj lisp_parse_number_ex(struct lisp *L, obj str, size_t off, size_t len, unsigned radix,
			 int exactness);
obj lisp_parse_number(struct lisp *L, obj str, size_t off, size_t len, unsigned radix);

/* --- flonum.c: the floating-point operations themselves, on bits --- */
enum { FLO_ADD, FLO_SUB, FLO_MUL, FLO_DIV };
uint64_t lisp_flo_arith(int op, uint64_t a, uint64_t b);
/* -1, 0, 1; 2 unordered (a NaN) */
int lisp_flo_cmp(uint64_t a, uint64_t b);
enum { FLO_EXP, FLO_LOG, FLO_SIN, FLO_COS, FLO_TAN, FLO_ASIN, FLO_ACOS, FLO_ATAN, FLO_ATAN2,
       FLO_POW };
uint64_t lisp_flo_math(int fn, uint64_t a, uint64_t b);
/* Complex operations on doubles' bits: out = a op b (a alone for the functions of one
 * argument), each as {real, imaginary}. Principal values, branch cuts as R7RS (and Common
 * Lisp) put them. CX_ABS and CX_ARG give a real in out[0]. */
enum { CX_ADD, CX_SUB, CX_MUL, CX_DIV, CX_EXP, CX_LOG, CX_SQRT, CX_SIN, CX_COS, CX_TAN,
       CX_ASIN, CX_ACOS, CX_ATAN, CX_POW, CX_ABS, CX_ARG };
void lisp_flo_cx(int fn, const uint64_t a[2], const uint64_t b[2], uint64_t out[2]);
obj lisp_int64(struct lisp *L, int64_t v);
bool lisp_int_to_i64(obj n, int64_t *v);
void lisp_init_numbers(struct lisp *L);
/* bigint.c: the bignum heap object (raw: word 0 = limb count << 1 | negative, then limbs) */
obj lisp_big_add(struct lisp *L, obj a, obj b, bool negate_b);
obj lisp_big_mul(struct lisp *L, obj a, obj b);
/* quotient and/or remainder (truncating); either out pointer may be NULL */
bool lisp_big_divmod(struct lisp *L, obj a, obj b, obj *q, obj *r);
int lisp_big_cmp(obj a, obj b);
obj lisp_big_gcd(struct lisp *L, obj a, obj b);
obj lisp_big_to_string(struct lisp *L, obj a, unsigned radix);
obj lisp_big_parse(struct lisp *L, obj str, size_t off, size_t len, unsigned radix, bool neg);
size_t lisp_big_bit_length(obj a);
bool lisp_big_negative_p(obj a);
bool lisp_big_odd_p(obj a);
obj lisp_big_negate(struct lisp *L, obj a);
obj lisp_big_from_i64(struct lisp *L, int64_t v);
/* A bignum's magnitude as 32-bit limbs, least significant first (no high zero limb): a view
 * into the object (valid until the next allocation); and a bignum (or fixnum) made from one. */
const uint32_t *lisp_big_limbs(obj b, size_t *n, bool *neg);
obj lisp_big_from_limbs(struct lisp *L, bool neg, const uint32_t *limbs, size_t n);
obj lisp_big_sqrt(struct lisp *L, obj a, obj *rem);
obj lisp_int_shift(struct lisp *L, obj a, intptr_t bits);
size_t lisp_int_mag_bits(obj a);
uint64_t lisp_int_top64(obj a, size_t *shift, bool *neg);

/* --- compile.c, expand.c, macros.c, codegen.c --- */
/* Compile a datum read at top level into a thunk (a closure of no arguments). */
obj lisp_compile(struct lisp *L, obj x);
/* Strip macro renamings from a datum (syntax->datum). */
obj lisp_strip(struct lisp *L, obj x);

/* --- vm.c --- */
/* Call proc with the argc values on top of the stack (lisp_push them; they are popped): the
 * result, or OBJ_NULL when an error was not handled, with L->err the raised object (take it
 * with lisp_take_error, print it with lisp_report_error, then lisp_vm_reset). This is how C
 * code (a spawned thread's body, say) runs Scheme. Primitives should not call it: it nests C
 * frames, and continuations do not cross it. */
obj lisp_apply(struct lisp *L, obj proc, int argc);
obj lisp_make_primitive(struct lisp *L, const struct lisp_prim_def *d);
void lisp_register(struct lisp *L, const struct lisp_prim_def *defs, size_t n);
/* Reset the stack and dynamic state after an error reached the top level. */
void lisp_vm_reset(struct lisp *L);
/* Clear the slots above L->sp and lower the stack's top to it: what frames left there (the
 * VM does not clear what it pops, and the collector scans up to the top) becomes garbage. */
void lisp_stack_clear_above(struct lisp *L);
/* The same, then the after thunks of the dynamic-wind extents the error left run, innermost
 * first, each with the winds outside it, as an escape to the top level runs them (Chez,
 * Racket): so an interrupted or failed expression leaves what it wound up consistent. An error
 * in one is reported if report, and the next runs. */
void lisp_vm_unwind(struct lisp *L, bool report);
/* After an error in a REPL nested in a running program (lisp_repl with a stack below it): run
 * the after thunks of the dynamic-winds entered since winds (a tail of S_WINDS), with the stack
 * cut back to base. */
void lisp_vm_unwind_to(struct lisp *L, obj winds, size_t base, bool report);
obj lisp_proc_name(struct lisp *L, obj proc);

/* --- the primitive tables --- */
void lisp_init_lists(struct lisp *L);
void lisp_init_strings(struct lisp *L);
void lisp_init_vectors(struct lisp *L);
void lisp_init_control(struct lisp *L);
void lisp_init_records(struct lisp *L);
void lisp_init_threads(struct lisp *L);
void lisp_init_ether(struct lisp *L);	/* ether.c: raw frames, PCI configuration */
void lisp_init_dma(struct lisp *L);
void lisp_init_sockets(struct lisp *L);	/* sockets.c: TCP, UDP, ping, the TCP REPL */	/* dma.c: DMA memory and interrupt waits for drivers */
/* sys.c: the caller is a scheduler thread (not the hosted program's main thread, not an idle
 * loop), so it may block and spawn. */
bool lisp_on_thread(void);
/* The registry of instances that run on scheduler threads, for (thread-interrupt! id):
 * setup and lisp_destroy. An instance not on a thread is not listed. */
void lisp_threads_register(struct lisp *L);
void lisp_threads_unregister(struct lisp *L);
void lisp_init_disasm(struct lisp *L);
void lisp_init_sys(struct lisp *L);	/* sys.c: system calls and driver primitives */
void lisp_init_inspect(struct lisp *L);	/* inspect.c: the memory inspector's primitives */
const char *lisp_pref_kind(obj x);	/* store.c: "pair" or "vector" (the printer's) */
const char *lisp_type_name(obj x);	/* inspect.c: "pair", "fixnum", ... (also the printer's) */
/* (scheme file) on the SD store (store.c): the file NAME (a string) is the store value named
 * file:NAME, a bytevector. STORE_OK (0) or a store error code (storage/store.h), or: */
enum {
	LISP_FILE_OK = 0, LISP_FILE_NOTFOUND = -11,	/* STORE_OK, STORE_ENOTFOUND */
	LISP_FILE_NOTHREAD = -200, LISP_FILE_RAISED = -201,	/* the error is raised already */
	LISP_FILE_NOTFILE = -202	/* bound by store-set! to something not a bytevector */
};
int lisp_file_get(struct lisp *L, obj name, obj *bv);	/* a fresh bytevector */
int lisp_file_put(struct lisp *L, obj name, obj bv);	/* bind it (durable at store-commit) */
int lisp_file_exists(struct lisp *L, obj name);	/* LISP_FILE_OK: a file; nothing copied */
int lisp_file_remove(struct lisp *L, obj name);
const char *lisp_file_strerror(int rc);
void lisp_init_store(struct lisp *L);	/* store.c: the SD store's names */
/* define-record-type rewritten into (begin (define ...) ...) */
obj lisp_record_form(struct lisp *L, obj x);
int lisp_equal(struct lisp *L, obj a, obj b);	/* equal?: 1, 0, or -1 (heap exhausted) */
bool lisp_eqv(obj a, obj b);
extern const char lisp_prelude[];
extern const char lisp_builtin_inspector[];	/* builtin_src.c: (load-builtin "inspector") */

/* --- strings.c helpers --- */
size_t lisp_utf8_encode(uint32_t c, char *out);
/* Decode one char at s[i] of a valid UTF-8 string of len bytes; *n gets its length. */
uint32_t lisp_utf8_decode(const uint8_t *s, size_t len, size_t i, size_t *n);
/* The offset of the first byte of p[0, len) that is not valid UTF-8, or len. */
size_t lisp_utf8_invalid_at(const uint8_t *p, size_t len);
size_t lisp_string_length(struct lisp *L, obj s);	/* characters */

/* The store rules above, enforced: fields are read-only through obj_fields in lisp/, and the
 * barrier is reached only through the functions above. */
#define obj_fields(o)	((const obj *)(obj_fields)(o))
#pragma GCC poison gc_write gc_set_car gc_set_cdr gc_vector_set

#endif
