/* lisp.h -- the Scheme interpreter's interface to the rest of the system: an interpreter instance
 * bound to one heap, evaluation of text from a byte source, the REPL, and C primitives.
 * An instance is used by one thread at a time (the owner of its heap); it keeps its state in a few
 * rooted slots of struct lisp, so it holds C roots on the heap from lisp_init to lisp_destroy. */
#ifndef LISP_LISP_H
#define LISP_LISP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/heaps/heap.h>

#include "lisp_param.h"

struct lisp;

/* A byte source: the serial console, a Linux file, a string. getc returns the next byte, or -1 at
 * the end of the input (a console that waits for more never returns -1). */
struct lisp_input {
	int (*getc)(void *ctx);
	void *ctx;
	/* May be NULL; else lisp_repl calls it with true before it evaluates an expression and
	 * with false before it reads the next: a console takes Ctrl-C as lisp_interrupt only in
	 * between (ctx is getc's). */
	void (*evaluating)(void *ctx, bool on);
	int peeked;		/* private: a byte read ahead, or -2 */
	unsigned line;		/* private: current line (1-based), for messages */
	bool fold_case;		/* private: #!fold-case read last (#!no-fold-case clears it) */
};

static inline void lisp_input_init(struct lisp_input *in, int (*getc)(void *ctx), void *ctx)
{
	in->getc = getc;
	in->ctx = ctx;
	in->evaluating = NULL;
	in->peeked = -2;
	in->line = 1;
	in->fold_case = false;
}

/*
 * A C primitive: argv[0..argc) are the arguments (argc already checked against the arity given at
 * registration). Returns the result, or OBJ_NULL after lisp_error*() (or a failed allocation) to
 * raise an error. argv points into the interpreter's stack, which may move when the primitive
 * allocates: after an allocation, read arguments again through lisp_args(L).
 * A primitive must not call back into the interpreter (lisp_call) while holding locks.
 */
typedef uintptr_t (*lisp_primitive_fn)(struct lisp *L, int argc, uintptr_t *argv);

struct lisp_config {
	struct heap *heap;		/* every object of this instance lives here */
	/* console output: display, write, the REPL's values, error messages */
	void (*write)(void *ctx, const char *buf, size_t len);
	void *write_ctx;
	/* (exit [code]): called with the code (0 for no argument or #t, 1 for #f, else the
	 * integer). If it returns (or is NULL), the REPL stops and lisp_repl returns the code. */
	void (*exit)(void *ctx, int code);
	void *exit_ctx;
	/* called every LISP_SAFEPOINT_CALLS procedure calls from the VM with nothing unrooted:
	 * the scheduler's preemption point. May be NULL. May allocate on the heap. */
	void (*safepoint)(void *ctx);
	void *safepoint_ctx;
	/* Lending to the collector by the heap's block source, around the full collections the
	 * interpreter runs itself (enum lisp_lend): RETRY while it retries an allocation the heap
	 * refused, RECOVER after an expression failed with the heap exhausted (its data is garbage
	 * now), STOP after either. A full heap cannot collect by itself: a minor collection needs
	 * room for what may survive and a major one its mark stack. So a source with a limit may
	 * let the heap go beyond it meanwhile: for RETRY by a fixed reserve past the limit (a
	 * program whose live data keeps growing still stops at the limit), for RECOVER by that
	 * much past what the heap holds (so the collection can run and give back the garbage),
	 * plus extra bytes (the handler's reserve after an exhaustion: its continuation's copy of
	 * the stack; 0 otherwise). h is the heap collected: every thread's own CPU's (a spawned
	 * thread shares its parent's config but runs on another CPU). May be NULL. */
	void (*gc_lend)(void *ctx, struct heap *h, int how, size_t extra);
	void *gc_lend_ctx;
	/* (command-line) and (get-environment-variable[s]): NULL-terminated arrays that live as
	 * long as the instance and its threads, or NULL for none. env entries are "NAME=VALUE". */
	const char *const *args;
	const char *const *env;
	size_t stack_max_bytes;		/* Scheme stack limit ("recursion too deep"); 0: default */
	size_t cstack_bytes;		/* C stack the reader/compiler may use; 0: default */
};

enum lisp_lend { LISP_LEND_STOP, LISP_LEND_RETRY, LISP_LEND_RECOVER };

/* Everything below is private to lisp/; embedders allocate the struct and use the functions. */
struct lisp {
	uint32_t magic;
	struct heap *h;
	struct lisp_config cfg;
	/* GC roots, rooted by lisp_init in this order and unrooted by lisp_destroy */
	uintptr_t stack;		/* the value stack: a vector of VM frames and C temporaries */
	uintptr_t state;		/* vector of interpreter state (internal.h: enum lisp_slot) */
	uintptr_t syms;			/* vector of the symbols the compiler knows (enum lisp_sym) */
	uintptr_t err;			/* the pending condition when a function returned OBJ_NULL */
	uintptr_t val;			/* the value of the last evaluation */
	uintptr_t spos_str;		/* string-ref's position cache (strings.c): the string */
	size_t sp;			/* first free slot of stack */
	size_t arg0;			/* slot of the running primitive's first argument */
	size_t stack_limit;		/* slots; beyond it "recursion too deep" */
	bool overflowed;		/* running on the stack reserve after "recursion too deep" */
	bool exhausted;			/* an allocation failed since the last recovering collection */
	bool loaned;			/* the handler's loan (alloc.c, exhausted) left the heap past
					 * its limit, not yet collected back under it */
	bool exiting;			/* (exit) ran and its hook returned */
	bool sys_code;			/* compiling the system's code (the prelude, at boot): its
					 * top level is the system frame (globals.c, "The system's
					 * bindings") */
	bool sys_eval;			/* compiling an eval in (environment ...): the system frame
					 * too, read-only (no definitions, no global set!) */
	int exit_code;
	unsigned gensym_count;
	unsigned safepoint_fuel;		/* calls to the next safe point; relaxed atomic */
	int interrupt;			/* lisp_interrupt's request: atomic, any CPU sets, owner takes */
	unsigned intr_mask;		/* > 0: requests wait (dynamic-wind's before and after thunks) */
	uintptr_t captures;		/* continuations captured so far ((%captures): map's reverse!) */
	size_t spos_word, spos_k, spos_off;	/* spos_str's length word, a character and its offset */
	unsigned spos_epoch;		/* lisp_string_epoch when they were taken */
	bool raise_pending;		/* lisp_input_interrupted: the primitive's result goes, err raised */
	/* A PRIM_NOALLOC primitive called without a stack sync (vm.c) raises later: lisp_error
	 * keeps its message and irritants here and the VM makes the condition once it has
	 * synced. Not roots: nothing collects between the primitive's return and the raise,
	 * which pushes the irritants first. */
	bool defer_raise;
	int defer_n;
	uintptr_t defer_irr[2];
	char defer_msg[LISP_ERROR_MSG_MAX];
	void *thread;			/* the struct thread that runs it, or NULL (no scheduler) */
	struct lisp *reg_next, *reg_prev;	/* instances on threads (threads.c), under its lock */
	uintptr_t cstack_base;		/* address of a local of the outermost entry; 0 outside */
	struct lisp_input *input;	/* the REPL's source while lisp_repl runs (current-input-port) */
};

/* Set up an interpreter on cfg->heap: the global environment, the primitives, the Scheme prelude.
 * 0, or -1 if the heap could not hold it (then the instance holds nothing, and lisp_destroy
 * of it does nothing). */
int lisp_init(struct lisp *L, const struct lisp_config *cfg);
/* Set up an instance for another thread that shares parent's global environment (symbols,
 * global variables, primitives, prelude) but has its own stack and dynamic state (exception
 * handlers, dynamic-wind list, current ports). cfg->heap is the heap of the CPU the thread runs
 * on; parent's objects may live in another CPU's heap (they are published). 0, or -1 if the
 * heap is full (holding nothing, as lisp_init). */
int lisp_init_thread(struct lisp *L, struct lisp *parent, const struct lisp_config *cfg);
/* Drop the instance's roots (its objects become garbage). Instances on one heap hold roots on
 * its shadow stack: destroy them in the reverse order of their creation. */
void lisp_destroy(struct lisp *L);

enum lisp_repl_flags {
	LISP_REPL_PRINT = 1,	/* write each expression's value on its own line (unless unspecified) */
	LISP_REPL_PROMPT = 2,	/* print a prompt before each expression */
};

/*
 * Read, evaluate (and print, per flags) every expression of in until its end or (exit).
 * An error prints one line "error: <message> <irritant> ..." and the loop goes on.
 * Returns the (exit) code if the program exited, else 0 if no expression failed, else 1.
 */
int lisp_repl(struct lisp *L, struct lisp_input *in, unsigned flags);
/* Evaluate every expression of the string src[0..len); as lisp_repl without printing. */
int lisp_eval_string(struct lisp *L, const char *src, size_t len);

/* Bind name (a string that lives forever) in the global environment to a C primitive taking
 * min_args .. max_args arguments (max_args -1: any number). 0, or -1 if the heap is full. */
int lisp_define_primitive(struct lisp *L, const char *name, lisp_primitive_fn fn, int min_args,
			  int max_args);

/* The current primitive's arguments (valid until its next allocation). */
static inline uintptr_t *lisp_args(struct lisp *L)
{
	return (uintptr_t *)L->stack + 1 + L->arg0;
}

/* Raise an error from a primitive: "error: <msg> <irritant> ..." at the REPL. These return
 * OBJ_NULL so a primitive can `return lisp_error(L, "...", 0)`. nirritants values follow. */
uintptr_t lisp_error(struct lisp *L, const char *msg, int nirritants, ...);
/*
 * Interrupts (README, "Interrupting a program"). lisp_interrupt asks the instance's thread to stop
 * what it evaluates: at its next safe point (every LISP_SAFEPOINT_CALLS procedure calls in the VM,
 * every loop being a chain of calls; a long primitive's lisp_poll_interrupt) it raises the error
 * condition "interrupted", which unwinds like any raise (handlers, dynamic-wind). Safe from any
 * CPU and from interrupt context; requests before the next safe point are one request.
 * lisp_interrupt_clear drops a request not taken yet (the REPL, before each expression).
 */
void lisp_interrupt(struct lisp *L);
void lisp_interrupt_clear(struct lisp *L);
/* For primitives that run long (bignums, printing): call between steps. True if the primitive
 * must stop now: the condition is pending, and the primitive returns OBJ_NULL at once. Needs no
 * memory beyond the condition's; moves nothing. While intr_mask is set (the before and after
 * thunks of dynamic-wind run masked, as Racket runs them with breaks disabled, so an interrupt
 * never skips an exit) requests wait, and are taken at the first safe point after. */
bool lisp_poll_interrupt(struct lisp *L);
/* For C code whose steps are unbounded in number and make no procedure calls (the macro
 * expander: a macro use may expand into itself for ever): one step's worth of the VM's safe-point
 * fuel, and at the VM's interval the safe point itself (other threads of this CPU run, so
 * everything the caller holds must be rooted, as across an allocation) and the interrupt poll.
 * True if the caller must stop now: "interrupted" is pending, return OBJ_NULL. */
bool lisp_safepoint_step(struct lisp *L);
/* For a byte source (struct lisp_input) that a program reads while it runs (read-line from the
 * console): when its wait ends for an interrupt, it calls this and returns -1; the primitive
 * reading it then raises "interrupted" instead of returning what it read. */
static inline void lisp_input_interrupted(struct lisp *L)
{
	if (lisp_poll_interrupt(L))
		L->raise_pending = true;
}
/* A request that a wait should end for (not masked); the wait then calls lisp_poll_interrupt. */
static inline bool lisp_interrupt_pending(struct lisp *L)
{
	return __atomic_load_n(&L->interrupt, __ATOMIC_ACQUIRE) && L->intr_mask == 0;
}

/*
 * Device ports (ports.c): a port whose bytes come from and go to a C device, a TCP connection
 * say. The port buffers LISP_DEVICE_BUF bytes each way (output leaves at flush-output-port, a
 * full buffer or close) and names the device by a handle that dies when the port closes, so no
 * use of a closed port reaches the device. Operations run on the thread using the port, on any
 * CPU, and a port may be shared: read and write may run at once from two CPUs (the device
 * locks what it must).
 */
enum { LISP_PORT_IN = 1, LISP_PORT_OUT = 2 };
struct lisp_port_ops {
	const char *name;	/* in messages: "tcp" */
	/* Up to n bytes into buf, waiting for at least one: the count; 0 at the end of the
	 * input; -1 after lisp_error() or when lisp_poll_interrupt(L) returned true (a wait
	 * ends when lisp_interrupt_pending(L)). */
	long (*read)(void *ctx, struct lisp *L, void *buf, size_t n);
	/* All n bytes, waiting for room: n; or -1 as read. */
	long (*write)(void *ctx, struct lisp *L, const void *buf, size_t n);
	/* May be NULL: true if a read would not wait (char-ready?, u8-ready?). */
	bool (*ready)(void *ctx);
	/* A direction of the port (LISP_PORT_IN or LISP_PORT_OUT) is closed, once each. May run
	 * while a read or write of the other direction, or of another CPU, waits: it wakes it. */
	void (*close)(void *ctx, unsigned dir);
	/* May be NULL: every direction is closed and no operation runs any more; ctx is the
	 * device's again. */
	void (*release)(void *ctx);
};
/* A new port on the device, input, output or both (dirs), textual and binary; OBJ_NULL if
 * the heap or the table of device ports (LISP_DEVICE_PORTS) is full, and then ctx is untouched. */
uintptr_t lisp_device_port(struct lisp *L, const struct lisp_port_ops *ops, void *ctx, unsigned dirs);

/* A wrong-type error naming the procedure and the expected type: "who: expected <type>, got x". */
uintptr_t lisp_type_error(struct lisp *L, const char *who, const char *type, uintptr_t x);

#endif
