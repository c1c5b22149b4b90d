/* repl.c -- an interpreter instance: lisp_init builds the global environment (symbols, record
 * types of the interpreter's own objects, primitives, the Scheme prelude) in the instance's
 * heap; lisp_repl reads, compiles, runs and prints until the input ends or (exit). Invariant:
 * between expressions the value stack is empty, and after an error it is reset along with the
 * dynamic state (handlers, dynamic-wind list, current output port). */
#include "compile.h"

static obj make_builtin_rtd(struct lisp *L, const char *name)
{
	obj n = lisp_cstring(L, name), f;

	if (n == OBJ_NULL)
		return OBJ_NULL;
	ROOT(n);
	f = lisp_make_vector(L, 0, OBJ_FALSE);
	UNROOT(n);
	return f ? lisp_make_rtd(L, n, f) : OBJ_NULL;
}

static void setup(struct lisp *L, const struct lisp_config *cfg)
{
	struct heap *h = cfg->heap;

	memset(L, 0, sizeof(*L));
	L->magic = LISP_MAGIC;
	L->h = h;
	L->cfg = *cfg;
	if (L->cfg.stack_max_bytes == 0)
		L->cfg.stack_max_bytes = MAX((size_t)LISP_STACK_MAX_BYTES,
					     h->limit_bytes / LISP_STACK_HEAP_DIV);
	if (L->cfg.cstack_bytes == 0)
		L->cfg.cstack_bytes = LISP_CSTACK_BYTES;
	L->stack_limit = L->cfg.stack_max_bytes / sizeof(obj);
	if (L->stack_limit < 4 * LISP_STACK_INIT)
		L->stack_limit = 4 * LISP_STACK_INIT;
	/* the stack is one object (its top slot and the handler's reserve included): a large heap
	 * (raspi2b's 480 MiB) must not make the limit one a vector cannot reach */
	if (L->stack_limit > OBJ_MAX_FIELDS - 1 - LISP_STACK_RESERVE)
		L->stack_limit = OBJ_MAX_FIELDS - 1 - LISP_STACK_RESERVE;
	L->safepoint_fuel = LISP_SAFEPOINT_CALLS;
	L->stack = L->state = L->syms = L->err = L->val = L->spos_str = OBJ_FALSE;
	GC_ROOT(h, L->stack);
	GC_ROOT(h, L->state);
	GC_ROOT(h, L->syms);
	GC_ROOT(h, L->err);
	GC_ROOT(h, L->val);
	GC_ROOT(h, L->spos_str);
	lisp_threads_register(L);
}

/* A failed init gives back what setup rooted: the caller holds nothing of it. */
static int fail(struct lisp *L)
{
	lisp_destroy(L);
	return -1;
}

int lisp_init_thread(struct lisp *L, struct lisp *parent, const struct lisp_config *cfg)
{
	obj v;

	setup(L, cfg);
	L->syms = parent->syms;
	if ((v = lisp_make_vector(L, S_COUNT, OBJ_FALSE)) == OBJ_NULL)
		return fail(L);
	for (size_t i = 0; i < S_COUNT; i++)
		obj_init_field(L, v, i, STATE(parent, i));
	L->state = v;
	if ((v = lisp_make_stack(L, LISP_STACK_INIT)) == OBJ_NULL)
		return fail(L);
	L->stack = v;
	state_set(L, S_HANDLERS, OBJ_NIL);
	state_set(L, S_WINDS, OBJ_NIL);
	state_set(L, S_OUT, STATE(L, S_CONSOLE_OUT));
	return 0;
}

static int str_getc(void *ctx);
struct str_src {
	const char *s;
	size_t len, pos;
};

/* The prelude, compiled as the system's code (globals.c, "The system's bindings"): the
 * primitives' twins, then twins for every name it defines (read once to see them), then its
 * forms evaluated in the system frame, and the twins' values given to their symbols. */
static int boot_prelude(struct lisp *L)
{
	struct str_src s = { lisp_prelude, strlen(lisp_prelude), 0 };
	struct lisp_input in;
	obj x = OBJ_NIL;
	int rc;

	if (!lisp_sys_twin_bound(L))
		return -1;
	lisp_input_init(&in, str_getc, &s);
	ROOT(x);
	while ((x = lisp_read(L, &in)) != OBJ_EOF) {
		if (x == OBJ_NULL || (x = lisp_cons(L, x, OBJ_NIL)) == OBJ_NULL ||
		    !lisp_sys_prescan(L, x)) {
			UNROOT(x);
			return -1;
		}
	}
	UNROOT(x);
	L->sys_code = true;
	rc = lisp_eval_string(L, lisp_prelude, strlen(lisp_prelude));
	L->sys_code = false;
	if (rc == 0)
		lisp_sys_export(L);
	return rc;
}

int lisp_init(struct lisp *L, const struct lisp_config *cfg)
{
	static const struct { int slot; const char *name; } rtds[] = {
		{ S_RTD_CONDITION, "condition" }, { S_RTD_VALUES, "values" }, { S_RTD_PORT, "port" },
		{ S_RTD_ALIAS, "identifier" }, { S_RTD_MACRO, "macro" }, { S_RTD_CONT, "continuation" },
		{ S_RTD_VIEW, "view" }, { S_RTD_PREF, "pref" },
	};
	struct heap *h = cfg->heap;
	uint64_t failures = h->stats.alloc_failures;
	obj v;

	setup(L, cfg);
	lisp_console_mark(L, false);	/* a new interpreter's console starts at a line's start */
	if ((v = lisp_make_vector(L, S_COUNT, OBJ_FALSE)) == OBJ_NULL)
		return fail(L);
	L->state = v;
	if ((v = lisp_make_vector(L, SYM_COUNT, OBJ_FALSE)) == OBJ_NULL)
		return fail(L);
	L->syms = v;
	if ((v = lisp_make_stack(L, LISP_STACK_INIT)) == OBJ_NULL)
		return fail(L);
	L->stack = v;
	if (lisp_globals_init(L) < 0)
		return fail(L);
	if ((v = lisp_new_scope(L, OBJ_NIL, OBJ_FALSE)) == OBJ_NULL)
		return fail(L);
	state_set(L, S_SYSFRAME, v);
	for (size_t i = 0; i < ARRAY_SIZE(rtds); i++) {
		if ((v = make_builtin_rtd(L, rtds[i].name)) == OBJ_NULL)
			return fail(L);
		state_set(L, (size_t)rtds[i].slot, v);
	}
	state_set(L, S_HANDLERS, OBJ_NIL);
	state_set(L, S_WINDS, OBJ_NIL);
	lisp_init_errors(L);
	lisp_init_ports(L);
	lisp_init_numbers(L);
	lisp_init_lists(L);
	lisp_init_strings(L);
	lisp_init_vectors(L);
	lisp_init_control(L);
	lisp_init_records(L);
	lisp_init_disasm(L);
	lisp_init_sys(L);
	lisp_init_inspect(L);
	lisp_init_store(L);
	lisp_init_threads(L);
	lisp_init_ether(L);
	lisp_init_sockets(L);
	lisp_init_dma(L);
	if (h->stats.alloc_failures != failures)
		return fail(L);
	if (boot_prelude(L) != 0)
		return fail(L);
	return 0;
}

void lisp_destroy(struct lisp *L)
{
	struct heap *h = L->h;

	if (L->magic != LISP_MAGIC)
		return;	/* a failed init gave its roots back already */
	lisp_threads_unregister(L);
	GC_UNROOT(h, L->spos_str);
	GC_UNROOT(h, L->val);
	GC_UNROOT(h, L->err);
	GC_UNROOT(h, L->syms);
	GC_UNROOT(h, L->state);
	GC_UNROOT(h, L->stack);
	L->magic = 0;
}

/* Compile and run one datum; the value, or OBJ_NULL with L->err the raised object. */
static obj eval(struct lisp *L, obj x)
{
	obj thunk = lisp_compile(L, x);

	if (thunk == OBJ_NULL)
		return OBJ_NULL;
	return lisp_apply(L, thunk, 0);
}

/* The value(s) written; false if that failed (the error is pending: an interrupt, say). */
static bool print_value(struct lisp *L, obj v)
{
	obj port = STATE(L, S_CONSOLE_OUT), l;

	if (v == OBJ_UNSPECIFIED)
		return true;
	if (!values_p(L, v)) {
		if (!lisp_print(L, v, port, PRINT_WRITE))
			return false;
		lisp_console_write(L, "\n", 1);
		return true;
	}
	L->val = v;
	for (size_t i = 0;; i++) {
		l = obj_fields(L->val)[VALUES_LIST];
		for (size_t j = 0; j < i && pair_p(l); j++)
			l = cdr(l);
		if (!pair_p(l))
			break;
		if (!lisp_print(L, car(l), STATE(L, S_CONSOLE_OUT), PRINT_WRITE))
			return false;
		lisp_console_write(L, "\n", 1);
	}
	return true;
}

/* After each expression: the slots above the stack pointer still hold what it left there (the
 * VM does not clear what it pops), so clear them and let its garbage go; at top level a stack
 * grown huge by a deep recursion is replaced, as after an error. If the expression exhausted
 * the heap, collect now, with room lent for it: a heap full to its limit could not collect
 * otherwise, and every later allocation would fail too. */
static void clear_after(struct lisp *L, uint64_t failures)
{
	obj fresh;

	if (L->sp == 0 && stk_cap(L) > 64 * LISP_STACK_INIT &&
	    (fresh = lisp_make_stack(L, LISP_STACK_INIT)) != OBJ_NULL)
		L->stack = fresh;	/* (empty: nothing above sp) */
	lisp_stack_clear_above(L);
	if (L->h->stats.alloc_failures != failures && !L->h->in_gc) {
		L->exhausted = false;
		lisp_gc_full(L, LISP_LEND_RECOVER);
	}
}

int lisp_repl(struct lisp *L, struct lisp_input *in, unsigned flags)
{
	struct lisp_input *saved_in = L->input;
	uintptr_t saved_base = L->cstack_base;
	size_t base = L->sp;
	obj winds = STATE(L, S_WINDS), handlers = STATE(L, S_HANDLERS);
	bool failed = false;
	int rc;

	ROOT(winds);
	ROOT(handlers);
	L->input = in;
	if (L->cstack_base == 0)
		L->cstack_base = (uintptr_t)__builtin_frame_address(0);
	while (!L->exiting) {
		uint64_t failures = L->h->stats.alloc_failures;
		obj x, v;

		if (in->evaluating)
			in->evaluating(in->ctx, false);
		if (flags & LISP_REPL_PROMPT) {
			lisp_console_write(L, "> ", 2);
			lisp_console_mark(L, false);	/* the line the user types ends it */
		}
		x = lisp_read(L, in);
		if (x == OBJ_EOF)
			break;
		if (x != OBJ_NULL) {
			L->val = x;
			lisp_interrupt_clear(L);	/* one that came at the prompt stops nothing */
			if (in->evaluating)
				in->evaluating(in->ctx, true);
			v = eval(L, x);
			if (v != OBJ_NULL) {
				L->val = v;
				if (!(flags & LISP_REPL_PRINT) || print_value(L, v)) {
					L->val = OBJ_FALSE;
					L->sp = base;
					clear_after(L, failures);
					continue;
				}
				lisp_console_write(L, "\n", 1);	/* the report on a line of its own */
			}
			if (L->exiting)
				break;
		} else if (L->err == OBJ_NULL) {
			/* no memory even to read: skip the line, so the loop always makes progress */
			int c;

			while ((c = lisp_input_getc(in, false)) >= 0 && c != '\n')
				;
			if (c < 0) {
				lisp_report_error(L, lisp_take_error(L));
				failed = true;
				break;
			}
		}
		lisp_report_error(L, lisp_take_error(L));
		failed = true;
		if (base == 0) {
			lisp_vm_unwind(L, true);
		} else {	/* nested (a TCP session's REPL): unwind to where it began */
			lisp_vm_unwind_to(L, winds, base, true);
			state_set(L, S_HANDLERS, handlers);
		}
		L->val = OBJ_FALSE;
		clear_after(L, failures);
	}
	UNROOT(handlers);
	UNROOT(winds);
	L->input = saved_in;
	L->cstack_base = saved_base;
	if (L->exiting)
		rc = L->exit_code;
	else
		rc = failed ? 1 : 0;
	return rc;
}

static int str_getc(void *ctx)
{
	struct str_src *src = ctx;

	return src->pos < src->len ? (unsigned char)src->s[src->pos++] : -1;
}

int lisp_eval_string(struct lisp *L, const char *src, size_t len)
{
	struct str_src s = { src, len, 0 };
	struct lisp_input in;

	lisp_input_init(&in, str_getc, &s);
	return lisp_repl(L, &in, 0);
}
