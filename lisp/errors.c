/* errors.c -- condition objects (R7RS error objects: kind, message, irritants), the error
 * constructors every part of the interpreter uses, and the one-line report at the top level.
 * Raising a condition never needs memory when the heap is full: "heap exhausted" and
 * "recursion too deep" are made at startup. */
#include <sched/thread.h>

#include "internal.h"

obj lisp_make_condition(struct lisp *L, obj kind, obj msg, obj irritants)
{
	obj c;

	ROOT(kind);
	ROOT(msg);
	ROOT(irritants);
	c = lisp_make_record(L, STATE(L, S_RTD_CONDITION), COND_NFIELDS - 1);
	if (c != OBJ_NULL) {
		obj_init_field(L, c, COND_KIND, kind);
		obj_init_field(L, c, COND_MSG, msg);
		obj_init_field(L, c, COND_IRRITANTS, irritants);
	}
	UNROOT(irritants);
	UNROOT(msg);
	UNROOT(kind);
	return c;
}

static obj raise_msg(struct lisp *L, obj kind, const char *msg, size_t nirr)
{
	obj irritants, s, c;

	irritants = lisp_pop_list(L, nirr, OBJ_NIL);
	if (irritants == OBJ_NULL)
		return OBJ_NULL;
	ROOT(irritants);
	s = lisp_make_string(L, msg, strlen(msg));
	UNROOT(irritants);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	c = lisp_make_condition(L, kind, s, irritants);
	L->err = c;	/* OBJ_NULL: heap exhausted */
	return OBJ_NULL;
}

obj lisp_error(struct lisp *L, const char *msg, int nirritants, ...)
{
	va_list ap;
	size_t base = L->sp;

	va_start(ap, nirritants);
	if (__builtin_expect(L->defer_raise, 0)) {
		/* a PRIM_NOALLOC primitive, its stack not synced: lisp_raise_deferred makes it */
		size_t len = strlen(msg);

		if (len >= sizeof(L->defer_msg))
			len = sizeof(L->defer_msg) - 1;
		memcpy(L->defer_msg, msg, len);
		L->defer_msg[len] = '\0';
		L->defer_n = nirritants < 2 ? nirritants : 2;	/* those primitives give 0 or 1 */
		for (int i = 0; i < L->defer_n; i++)
			L->defer_irr[i] = va_arg(ap, obj);
		va_end(ap);
		return OBJ_NULL;
	}
	for (int i = 0; i < nirritants; i++) {
		obj v = va_arg(ap, obj);

		/* a push that fails can only have failed before any later irritant was touched */
		if (!lisp_push(L, v)) {
			va_end(ap);
			L->sp = base;
			L->err = OBJ_NULL;
			return OBJ_NULL;
		}
	}
	va_end(ap);
	return raise_msg(L, SYM(L, SYM_ERROR_SYM), msg, (size_t)nirritants);
}

/* The condition a PRIM_NOALLOC primitive raised while L->defer_raise held, now that the
 * caller has synced its stack and cleared the flag: OBJ_NULL with L->err, as lisp_error. */
obj lisp_raise_deferred(struct lisp *L)
{
	obj a = L->defer_irr[0], b = L->defer_irr[1];
	int n = L->defer_n;

	L->defer_irr[0] = L->defer_irr[1] = OBJ_FALSE;
	return n == 0 ? lisp_error(L, L->defer_msg, 0) : n == 1 ? lisp_error(L, L->defer_msg, 1, a)
		: lisp_error(L, L->defer_msg, 2, a, b);
}

obj lisp_errorf(struct lisp *L, obj irritant, const char *fmt, ...)
{
	char buf[LISP_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (irritant == OBJ_NULL)
		return lisp_error(L, buf, 0);
	return lisp_error(L, buf, 1, irritant);
}

/* A read error: kind `read`, so read-error? holds. */
obj lisp_read_error(struct lisp *L, const char *msg)
{
	return raise_msg(L, SYM(L, SYM_READ), msg, 0);
}

/* A file error: kind `file`, so file-error? holds; irritant the file name (or none). */
obj lisp_file_error(struct lisp *L, const char *msg, obj name)
{
	if (name != OBJ_NULL && !lisp_push(L, name)) {
		L->err = OBJ_NULL;
		return OBJ_NULL;
	}
	return raise_msg(L, SYM(L, SYM_FILE), msg, name != OBJ_NULL ? 1 : 0);
}

obj lisp_type_error(struct lisp *L, const char *who, const char *type, obj x)
{
	return lisp_errorf(L, x, "%s: expected %s, got", who, type);
}

obj lisp_range_error(struct lisp *L, const char *who, obj index)
{
	return lisp_errorf(L, index, "%s: index out of range:", who);
}

obj lisp_syntax_error(struct lisp *L, const char *what, obj form)
{
	obj f;

	ROOT(form);
	f = lisp_strip(L, form);
	UNROOT(form);
	if (f == OBJ_NULL)
		return OBJ_NULL;
	return lisp_errorf(L, f, "%s: bad syntax", what);
}

/* name of a procedure for messages, into buf */
static void proc_name_buf(struct lisp *L, obj proc, char *buf, size_t size)
{
	obj n = lisp_proc_name(L, proc);

	if (symbol_p(n)) {
		obj s = sym_name(n);
		size_t len = obj_bytes_length(s);

		if (len >= size)
			len = size - 1;
		memcpy(buf, obj_bytes_data(s), len);
		buf[len] = '\0';
	} else {
		ksnprintf(buf, size, "#<procedure>");
	}
}

obj lisp_arity_error(struct lisp *L, obj proc, int argc)
{
	char name[64];
	intptr_t min = 0, max = 0;

	proc_name_buf(L, proc, name, sizeof(name));
	if (closure_p(proc)) {
		struct code_hdr *hd = code_hdr(closure_code(proc));

		min = hd->nreq;
		max = hd->rest ? -1 : min;
	} else if (primitive_p(proc)) {
		min = (intptr_t)prim_word(proc, PRIM_MIN);
		max = (intptr_t)prim_word(proc, PRIM_MAX);
	}
	if (max < 0)
		return lisp_errorf(L, OBJ_NULL, "%s: expected at least %ld argument%s, got %d", name,
				   (long)min, min == 1 ? "" : "s", argc);
	if (min == max)
		return lisp_errorf(L, OBJ_NULL, "%s: expected %ld argument%s, got %d", name, (long)min,
				   min == 1 ? "" : "s", argc);
	return lisp_errorf(L, OBJ_NULL, "%s: expected %ld to %ld arguments, got %d", name, (long)min,
			   (long)max, argc);
}

obj lisp_take_error(struct lisp *L)
{
	obj e = L->err;

	L->err = OBJ_NULL;
	return e != OBJ_NULL ? e : STATE(L, S_ERR_HEAP);
}

void lisp_report_error(struct lisp *L, obj c)
{
	obj port = STATE(L, S_CONSOLE_OUT);

	ROOT(c);
	ROOT(port);
	if (lisp_console_midline(L))	/* after (display "x") without a newline: not "xerror: " */
		lisp_console_write(L, "\n", 1);
	lisp_console_write(L, "error: ", 7);
	if (condition_p(L, c)) {
		obj irr;

		lisp_print(L, obj_fields(c)[COND_MSG], port, PRINT_DISPLAY);
		irr = obj_fields(c)[COND_IRRITANTS];
		while (pair_p(irr)) {
			ROOT(irr);
			lisp_console_write(L, " ", 1);
			lisp_print(L, car(irr), port, PRINT_WRITE);
			UNROOT(irr);
			irr = cdr(irr);
		}
	} else {
		lisp_console_write(L, "uncaught exception: ", 20);
		lisp_print(L, c, port, PRINT_WRITE);
	}
	lisp_console_write(L, "\n", 1);
	UNROOT(port);
	UNROOT(c);
}

void lisp_init_errors(struct lisp *L)
{
	static const char *const msgs[2] = { "heap exhausted", "recursion too deep" };
	static const int slots[2] = { S_ERR_HEAP, S_ERR_DEEP };

	for (int i = 0; i < 2; i++) {
		obj s = lisp_make_string(L, msgs[i], strlen(msgs[i])), c;

		if (s == OBJ_NULL)
			return;
		c = lisp_make_condition(L, SYM(L, SYM_ERROR_SYM), s, OBJ_NIL);
		if (c != OBJ_NULL)
			state_set(L, (size_t)slots[i], c);
	}
}

/* --- interrupts (lisp.h) --- */

void lisp_interrupt(struct lisp *L)
{
	arch_atomic_store(&L->interrupt, 1);
	/* the safe point at the next call, not up to LISP_SAFEPOINT_CALLS later: a loop whose body
	 * is one long primitive is stopped within one turn */
	__atomic_store_n(&L->safepoint_fuel, 1, __ATOMIC_RELAXED);
	if (L->thread)	/* blocked on a channel or a join: wake it to see the request */
		thread_interrupt_wake(L->thread);
}

void lisp_interrupt_clear(struct lisp *L)
{
	arch_atomic_store(&L->interrupt, 0);
}

bool lisp_poll_interrupt(struct lisp *L)
{
	/* an interrupt window: where interrupts are on, one pending is taken here (the hosted
	 * build delivers its signals and ticks only at such points) */
	arch_irq_restore(arch_irq_save());
	if (__builtin_expect(!arch_atomic_load_relaxed(&L->interrupt), 1) || L->intr_mask ||
	    !arch_atomic_xchg(&L->interrupt, 0))
		return false;
	lisp_error(L, "interrupted", 0);
	return true;
}
