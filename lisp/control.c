/* control.c -- procedures about procedures and control: primitive objects and their
 * registration, apply, call/cc, continuations, values, eval and abort (the VM runs these itself:
 * PRIM_SPECIAL), the dynamic state the prelude's dynamic-wind and exception handlers keep in the
 * interpreter (handler and wind lists), error objects, and exit. */
#include "compile.h"

#define ARGC_UNUSED	(void)argc

/* --- primitives: heap objects of raw words (function, name, arity, flags) --- */

obj lisp_make_primitive(struct lisp *L, const struct lisp_prim_def *d)
{
	obj p = lisp_alloc(L, OBJ_T_PRIMITIVE, PRIM_NWORDS);

	if (p == OBJ_NULL)
		return OBJ_NULL;
	obj_words(p)[1 + PRIM_FN] = (uintptr_t)d->fn;
	obj_words(p)[1 + PRIM_NAME] = (uintptr_t)d->name;
	obj_words(p)[1 + PRIM_MIN] = (uintptr_t)(intptr_t)d->min;
	obj_words(p)[1 + PRIM_MAX] = (uintptr_t)(intptr_t)d->max;
	obj_words(p)[1 + PRIM_FLAGS] = d->flags;
	return p;
}

void lisp_register(struct lisp *L, const struct lisp_prim_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		obj s = lisp_intern(L, defs[i].name, strlen(defs[i].name)), p;

		if (s == OBJ_NULL)
			return;
		ROOT(s);
		p = lisp_make_primitive(L, &defs[i]);
		UNROOT(s);
		if (p == OBJ_NULL)
			return;
		lisp_global_define(L, s, p);
	}
}

int lisp_define_primitive(struct lisp *L, const char *name, lisp_primitive_fn fn, int min_args,
			  int max_args)
{
	struct lisp_prim_def d = { name, fn, min_args, max_args, 0 };
	obj s = lisp_intern(L, name, strlen(name)), p;

	if (s == OBJ_NULL)
		return -1;
	ROOT(s);
	p = lisp_make_primitive(L, &d);
	UNROOT(s);
	if (p == OBJ_NULL)
		return -1;
	lisp_global_define(L, s, p);
	return 0;
}

obj lisp_proc_name(struct lisp *L, obj proc)
{
	if (closure_p(proc))
		return code_name(closure_code(proc));
	if (primitive_p(proc)) {
		const char *n = prim_name(proc);

		return lisp_intern(L, n, strlen(n));
	}
	return OBJ_FALSE;
}

/* --- the control primitives --- */

static obj p_special(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	(void)argv;
	return lisp_errorf(L, OBJ_NULL, "internal: special primitive called directly");
}

static obj p_procedure_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(procedure_p(argv[0])); }

static obj p_values(struct lisp *L, int argc, obj *argv)
{
	obj l;

	(void)argv;
	if (argc == 1)
		return argv[0];
	L->sp = L->arg0 + (size_t)argc;
	l = lisp_pop_list(L, (size_t)argc, OBJ_NIL);
	return l ? lisp_make_values(L, l) : OBJ_NULL;
}

/* (%values->list x): the values x stands for */
static obj p_values_list(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (values_p(L, argv[0]))
		return obj_fields(argv[0])[VALUES_LIST];
	return lisp_cons(L, argv[0], OBJ_NIL);
}

static obj p_values_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(values_p(L, argv[0])); }

/* (%captures): how many continuations this interpreter has captured, modulo the fixnums (a
 * map would need 2^29 captures during one call, on 32 bits, to be fooled) */
static obj p_captures(struct lisp *L, int argc, obj *argv)
{
	(void)argc;
	(void)argv;
	return fx((intptr_t)(L->captures & (uintptr_t)OBJ_FIXNUM_MAX));
}

static obj p_handlers(struct lisp *L, int argc, obj *argv) { (void)argc; (void)argv; return STATE(L, S_HANDLERS); }
static obj p_winds(struct lisp *L, int argc, obj *argv) { (void)argc; (void)argv; return STATE(L, S_WINDS); }

static obj p_set_handlers(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	state_set(L, S_HANDLERS, argv[0]);
	return OBJ_UNSPECIFIED;
}

static obj p_set_winds(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	state_set(L, S_WINDS, argv[0]);
	return OBJ_UNSPECIFIED;
}

/* (%mask-interrupts!) (%unmask-interrupts!): around dynamic-wind's before and after thunks
 * (lisp.h); a continuation restores the level it was captured with. */
static obj p_mask_interrupts(struct lisp *L, int argc, obj *argv)
{
	(void)argc, (void)argv;
	L->intr_mask++;
	return OBJ_UNSPECIFIED;
}

static obj p_unmask_interrupts(struct lisp *L, int argc, obj *argv)
{
	(void)argc, (void)argv;
	if (L->intr_mask)
		L->intr_mask--;
	return OBJ_UNSPECIFIED;
}

static obj p_cont_winds(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!record_p(argv[0], STATE(L, S_RTD_CONT)))
		return lisp_type_error(L, "%cont-winds", "continuation", argv[0]);
	return obj_fields(argv[0])[CONT_WINDS];
}

/* --- error objects --- */

static obj p_make_error(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!string_p(argv[0]))
		return lisp_type_error(L, "error", "string", argv[0]);
	if (lisp_list_length(argv[1]) < 0)
		return lisp_type_error(L, "error", "list", argv[1]);
	return lisp_make_condition(L, SYM(L, SYM_ERROR_SYM), argv[0], argv[1]);
}

static obj p_error_object_p(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return obj_bool(condition_p(L, argv[0])); }

static obj p_error_object_message(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!condition_p(L, argv[0]))
		return lisp_type_error(L, "error-object-message", "error object", argv[0]);
	return obj_fields(argv[0])[COND_MSG];
}

static obj p_error_object_irritants(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!condition_p(L, argv[0]))
		return lisp_type_error(L, "error-object-irritants", "error object", argv[0]);
	return obj_fields(argv[0])[COND_IRRITANTS];
}

static obj p_read_error_p(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return obj_bool(condition_p(L, argv[0]) && obj_fields(argv[0])[COND_KIND] == SYM(L, SYM_READ));
}

static obj p_file_error_p(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return obj_bool(condition_p(L, argv[0]) && obj_fields(argv[0])[COND_KIND] == SYM(L, SYM_FILE));
}

/* (%arity proc) -> (required . rest?) for case-lambda */
static obj p_arity(struct lisp *L, int argc, obj *argv)
{
	obj f = argv[0];

	ARGC_UNUSED;
	if (closure_p(f)) {
		struct code_hdr *hd = code_hdr(closure_code(f));

		return lisp_cons(L, fx(hd->nreq), obj_bool(hd->rest));
	}
	if (primitive_p(f))
		return lisp_cons(L, fx((intptr_t)prim_word(f, PRIM_MIN)), obj_bool((intptr_t)prim_word(f, PRIM_MAX) < 0));
	return lisp_type_error(L, "%arity", "procedure", f);
}

static obj p_exit(struct lisp *L, int argc, obj *argv)
{
	int code = 0;

	if (argc > 0) {
		if (argv[0] == OBJ_FALSE)
			code = 1;
		else if (obj_fixnum_p(argv[0]))
			code = (int)fxv(argv[0]);
	}
	if (L->cfg.exit)
		L->cfg.exit(L->cfg.exit_ctx, code);
	L->exiting = true;
	L->exit_code = code;
	L->err = OBJ_FALSE;
	return OBJ_NULL;
}

/* The environments eval takes: #f, the program's top level (interaction-environment); #t, the
 * standard bindings, read-only (environment, scheme-report-environment, null-environment:
 * the system's bindings, globals.c; which libraries were named is not checked). */
static obj p_interaction_environment(struct lisp *L, int argc, obj *argv)
{
	(void)L;
	(void)argc;
	(void)argv;
	return OBJ_FALSE;
}

static obj p_standard_environment(struct lisp *L, int argc, obj *argv)
{
	(void)L;
	(void)argc;
	(void)argv;
	return OBJ_TRUE;
}

static obj p_void(struct lisp *L, int argc, obj *argv) { (void)L; (void)argc; (void)argv; return OBJ_UNSPECIFIED; }

static obj p_procedure_name(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	if (!procedure_p(argv[0]))
		return lisp_type_error(L, "procedure-name", "procedure", argv[0]);
	return lisp_proc_name(L, argv[0]);
}

static const struct lisp_prim_def prims[] = {
	{ "procedure?", p_procedure_p, 1, 1, PRIM_PURE },
	{ "apply", p_special, 2, -1, PRIM_SPECIAL | SP_APPLY },
	{ "%call/cc", p_special, 1, 1, PRIM_SPECIAL | SP_CALLCC },
	{ "%resume", p_special, 2, 2, PRIM_SPECIAL | SP_RESUME },
	{ "%abort", p_special, 1, 1, PRIM_SPECIAL | SP_ABORT },
	{ "eval", p_special, 1, 2, PRIM_SPECIAL | SP_EVAL },
	{ "values", p_values, 0, -1, 0 },
	{ "%values->list", p_values_list, 1, 1, 0 },
	{ "%values?", p_values_p, 1, 1, 0 },
	{ "%captures", p_captures, 0, 0, PRIM_PURE },
	{ "%handlers", p_handlers, 0, 0, PRIM_PURE },
	{ "%set-handlers!", p_set_handlers, 1, 1, 0 },
	{ "%winds", p_winds, 0, 0, PRIM_PURE },
	{ "%set-winds!", p_set_winds, 1, 1, 0 },
	{ "%cont-winds", p_cont_winds, 1, 1, 0 },
	{ "%mask-interrupts!", p_mask_interrupts, 0, 0, 0 },
	{ "%unmask-interrupts!", p_unmask_interrupts, 0, 0, 0 },
	{ "%make-error", p_make_error, 2, 2, 0 },
	{ "error-object?", p_error_object_p, 1, 1, 0 },
	{ "condition?", p_error_object_p, 1, 1, 0 },
	{ "error-object-message", p_error_object_message, 1, 1, 0 },
	{ "error-object-irritants", p_error_object_irritants, 1, 1, 0 },
	{ "read-error?", p_read_error_p, 1, 1, 0 },
	{ "file-error?", p_file_error_p, 1, 1, 0 },
	{ "%arity", p_arity, 1, 1, 0 },
	{ "%exit", p_exit, 0, 1, 0 },
	{ "interaction-environment", p_interaction_environment, 0, 0, 0 },
	{ "scheme-report-environment", p_standard_environment, 0, 1, 0 },
	{ "null-environment", p_standard_environment, 0, 1, 0 },
	{ "environment", p_standard_environment, 0, -1, 0 },
	{ "%void", p_void, 0, -1, 0 },
	{ "procedure-name", p_procedure_name, 1, 1, 0 },
};

void lisp_init_control(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
