/* globals.c -- the symbol table and the global environment: the only code that touches them.
 * A symbol is interned once (one table: a vector of chains linked through the symbols' next
 * field, held with the symbol count in a two-slot vector that every interpreter instance of the
 * system shares); a global variable's value lives in its symbol (OBJ_UNDEFINED: unbound).
 * Several CPUs share the table once another CPU runs Scheme (the table is then published, see
 * mm/gc/xheap.h): symtab_lock guards lookups, interning and rehashing (never held across an
 * allocation: a new symbol or table is made and published first, then linked under the lock,
 * after looking again). Global values are stored with gc_store (the value is published; the
 * exchange is atomic) and read as single aligned word loads (lisp_global_value), no lock.
 * The table holds its symbols weakly: the collector drops an unbound symbol without flags that
 * nothing else refers to, unlinking it under symtab_lock (mm/gc/symtab.c, docs/gc.md "The weak
 * symbol table"); a lookup shades what it finds. */
#include <smp/spinlock.h>

#include "internal.h"

static struct spinlock symtab_lock = SPINLOCK_INIT("symtab");

static uint32_t hash_bytes(const uint8_t *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 16777619u;
	return h & 0x3fffff;	/* fits the flags fixnum above the special-form byte */
}

enum { G_TABLE, G_COUNT, G_NFIELDS };
static obj table(struct lisp *L) { return obj_fields(STATE(L, S_GLOBALS))[G_TABLE]; }

static obj lookup(struct lisp *L, const uint8_t *name, size_t len, uint32_t hash)
{
	obj tab = table(L);
	obj s = obj_vector_ref(tab, hash & (obj_vector_length(tab) - 1));

	for (; s != OBJ_FALSE; s = obj_fields(s)[SYMF_NEXT]) {
		obj n = sym_name(s);

		if ((uint32_t)(fxv(obj_fields(s)[SYMF_FLAGS]) >> 8) == hash &&
		    obj_bytes_length(n) == len && memcmp(obj_bytes_data(n), name, len) == 0) {
			gc_symtab_found(L->h, s);	/* weakly held: shaded if a marking runs */
			return s;
		}
	}
	return OBJ_NULL;
}

/* A symbol not in the table (yet): name str, value v, flags the SYMF_FLAGS fixnum's value. */
static obj new_symbol(struct lisp *L, obj str, obj v, intptr_t flags)
{
	obj s;

	ROOT(str);
	ROOT(v);
	s = lisp_alloc(L, OBJ_T_SYMBOL, SYM_NFIELDS);
	UNROOT(v);
	UNROOT(str);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	obj_init_field(L, s, SYMF_NAME, str);
	obj_init_field(L, s, SYMF_VALUE, v);
	obj_init_field(L, s, SYMF_NEXT, OBJ_FALSE);
	obj_init_field(L, s, SYMF_FLAGS, fx(flags));
	obj_init_field(L, s, SYMF_SYS, OBJ_FALSE);
	return s;
}

static bool rehash(struct lisp *L)
{
	obj old, nt;
	size_t n = obj_vector_length(table(L)), m = 2 * n;
	arch_irqflags_t f;

	nt = lisp_make_vector(L, m, OBJ_FALSE);
	if (nt == OBJ_NULL || (gc_shared_p(L->h, STATE(L, S_GLOBALS)) && !lisp_publish(L, &nt)))
		return false;
	f = spin_lock_irqsave(&symtab_lock);
	old = table(L);
	if (obj_vector_length(old) != n) {	/* another CPU grew it meanwhile */
		spin_unlock_irqrestore(&symtab_lock, f);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		obj s = obj_vector_ref(old, i);

		while (s != OBJ_FALSE) {
			obj next = obj_fields(s)[SYMF_NEXT];
			size_t b = (size_t)(fxv(obj_fields(s)[SYMF_FLAGS]) >> 8) & (m - 1);

			lisp_store_now(L, s, SYMF_NEXT, obj_vector_ref(nt, b));	/* both published */
			lisp_store_now(L, nt, b, s);
			s = next;
		}
	}
	lisp_store_now(L, STATE(L, S_GLOBALS), G_TABLE, nt);
	spin_unlock_irqrestore(&symtab_lock, f);
	return true;
}

/* s stays in the table although nothing refers to it (SYMF_PERMANENT). A fixnum: no barrier
 * work; another CPU setting the same bit stores the same value. */
static obj make_permanent(struct lisp *L, obj s)
{
	intptr_t flags = fxv(obj_fields(s)[SYMF_FLAGS]);

	if (!(flags & SYMF_PERMANENT)) {
		arch_irqflags_t f = spin_lock_irqsave(&symtab_lock);	/* against lisp_global_alias */

		flags = fxv(obj_fields(s)[SYMF_FLAGS]);
		lisp_store_now(L, s, SYMF_FLAGS, fx(flags | SYMF_PERMANENT));
		spin_unlock_irqrestore(&symtab_lock, f);
	}
	return s;
}

/* The symbol named by the string object str (or, if str is OBJ_NULL, by name[0..len)); a
 * permanent one (never collected) if asked. */
static obj intern(struct lisp *L, obj str, const char *name, size_t len, bool permanent)
{
	uint32_t hash;
	obj s, tab, found, g;
	size_t b;
	bool grow;
	arch_irqflags_t f;

	if (str != OBJ_NULL) {
		len = obj_bytes_length(str);
		name = (const char *)obj_bytes_data(str);
	}
	hash = hash_bytes((const uint8_t *)name, len);
	f = spin_lock_irqsave(&symtab_lock);
	s = lookup(L, (const uint8_t *)name, len, hash);
	spin_unlock_irqrestore(&symtab_lock, f);
	if (s != OBJ_NULL)	/* (shaded by lookup: not purged now that we hold it) */
		return permanent ? make_permanent(L, s) : s;
	str = str != OBJ_NULL ? lisp_copy_bytes(L, OBJ_T_STRING, str, 0, len) : lisp_make_string(L, name, len);
	if (str == OBJ_NULL)
		return OBJ_NULL;
	s = new_symbol(L, str, OBJ_UNDEFINED, (intptr_t)hash << 8 | (permanent ? SYMF_PERMANENT : 0));
	if (s == OBJ_NULL)
		return OBJ_NULL;
	if (gc_shared_p(L->h, STATE(L, S_GLOBALS)) && !lisp_publish(L, &s))
		return OBJ_NULL;
	f = spin_lock_irqsave(&symtab_lock);
	str = sym_name(s);
	found = lookup(L, obj_bytes_data(str), len, hash);	/* interned meanwhile elsewhere? */
	if (found != OBJ_NULL) {
		spin_unlock_irqrestore(&symtab_lock, f);
		return permanent ? make_permanent(L, found) : found;
	}
	tab = table(L);
	b = hash & (obj_vector_length(tab) - 1);
	lisp_store_now(L, s, SYMF_NEXT, obj_vector_ref(tab, b));	/* s published if tab is */
	lisp_store_now(L, tab, b, s);
	g = STATE(L, S_GLOBALS);
	lisp_store_now(L, g, G_COUNT, fx(fxv(obj_fields(g)[G_COUNT]) + 1));
	grow = (size_t)fxv(obj_fields(g)[G_COUNT]) > obj_vector_length(tab);
	spin_unlock_irqrestore(&symtab_lock, f);
	if (grow) {
		ROOT(s);
		rehash(L);	/* a failure only leaves the chains longer */
		UNROOT(s);
	}
	return s;
}

/* Names written in C (alist keys, condition kinds, the compiler's symbols): a bounded set, the
 * system's own vocabulary, kept for good. A (heap-stats) that made its keys anew after every
 * collection allocated enough to change when tests/scheme/overhead.scm's thrash is refused. */
obj lisp_intern(struct lisp *L, const char *name, size_t len)
{
	return intern(L, OBJ_NULL, name, len, true);
}

/* Names made by programs (string->symbol, the reader, the store's data): collectable. */
obj lisp_intern_bytes(struct lisp *L, const char *name, size_t len)
{
	return intern(L, OBJ_NULL, name, len, false);
}

obj lisp_intern_string(struct lisp *L, obj str)
{
	return intern(L, str, NULL, 0, false);
}

bool lisp_global_define(struct lisp *L, obj sym, obj v)
{
	return lisp_store(L, sym, SYMF_VALUE, v);
}

bool lisp_global_set(struct lisp *L, obj sym, obj v)
{
	return lisp_store(L, sym, SYMF_VALUE, v);
}

/* A name the expander knows by its symbol: a special form, or a keyword it compares by name
 * (else, =>, ..., _, unquote, unquote-splicing, syntax-rules, define-library, include). */
static bool keyword_name_p(struct lisp *L, obj s)
{
	if (lisp_special(s))
		return true;
	for (int i = SYM_SPECIAL_END; i <= SYM_SYNTAX_RULES; i++)
		if (s == SYM(L, i))
			return true;
	if (s == SYM(L, SYM_DEFINE_LIBRARY))
		return true;
	return lisp_sym_named(L, s, "include") || lisp_sym_named(L, s, "include-ci");
}

/* sym's special-form flag (the low 7 bits of its flags) set to special (0: none) */
static void set_special(struct lisp *L, obj sym, unsigned special)
{
	arch_irqflags_t f = spin_lock_irqsave(&symtab_lock);	/* against make_permanent */
	intptr_t flags = fxv(obj_fields(sym)[SYMF_FLAGS]);

	lisp_store_now(L, sym, SYMF_FLAGS, fx((flags & ~(intptr_t)0x7f) | (intptr_t)special));
	spin_unlock_irqrestore(&symtab_lock, f);
}

/* nw names at the top level what old names (import's prefix and rename): old's special form,
 * or the value of old's system binding (sys: a standard library's; its twin, if it has one)
 * or of old itself (a defined library's export). Other keywords (else, =>, ..., _, unquote,
 * syntax-rules, include) are known by their names: nothing to copy. 1 if nw names something
 * now, 0 if not, -1 if the value could not be published (heap exhausted), -2 if nw is a
 * keyword's name: rebinding it would change the syntax of every program's code (one symbol
 * table), so it is refused (Guile: "duplicate binding"). */
int lisp_global_alias(struct lisp *L, obj nw, obj old, bool sys)
{
	obj cell = sys ? lisp_sys_cell(old) : old;
	obj v = lisp_global_value(cell);

	if (keyword_name_p(L, nw))
		return -2;
	if (lisp_special(cell)) {
		set_special(L, nw, lisp_special(cell));
		return 1;
	}
	if (v == OBJ_UNDEFINED)
		return 0;
	return lisp_global_define(L, nw, v) ? 1 : -1;
}

/* A program's top-level definition of a special form's name (R7RS 5.3.1: it rebinds the name,
 * as in Guile and Chez): from now on the name is a variable in every program's code (one
 * symbol table, as for any global). The system's code keeps the form: it names it by the
 * symbol's twin (lisp_sys_twin_bound). */
void lisp_unspecial(struct lisp *L, obj sym)
{
	set_special(L, sym, 0);
}

/* An uninterned symbol "prefix.N". */
obj lisp_gensym(struct lisp *L, const char *prefix)
{
	char buf[48];
	int n = ksnprintf(buf, sizeof(buf), "%s.%u", prefix, ++L->gensym_count);
	obj str = lisp_make_string(L, buf, (size_t)n);

	return str != OBJ_NULL ? new_symbol(L, str, OBJ_UNDEFINED, 0) : OBJ_NULL;
}

/*
 * The system's bindings. The prelude and the names the expander inserts (the procedures a
 * rewrite calls, the identifiers a prelude macro's template holds) must mean what the system
 * defined whatever a program defines later: a program's (define (list . x) ...) or
 * (define (apply . x) ...) may not break let-values, define-values, string-map or guard, as it
 * cannot in Guile or Chez. So the system's code names a global not by its symbol but by the
 * symbol's twin: an uninterned symbol of the same name (error messages and procedure names
 * read the same), kept in the symbol's SYMF_SYS. Code compiled at boot resolves its free names
 * in the system frame (S_SYSFRAME; scope.c lisp_resolve), where a symbol that has a twin means
 * the twin, and so do the identifiers the expander inserts (lisp_galias) and those a prelude
 * macro inserts (its scope is the system frame). At boot every bound symbol (the primitives)
 * gets a twin of the same value, and so does every name the prelude defines before any of it
 * is compiled (lisp_sys_prescan, so a forward reference names the twin too); at the end each
 * twin's value is given to its symbol (lisp_sys_export): programs see the same values under
 * the ordinary names. After that a program's define or set! changes the symbol only. A special
 * form's name has a twin too, with the form's flag: a program's top-level define of the name
 * clears the symbol's flag (lisp_unspecial), and the system's code still has the form (its
 * keyword checks accept the twin: scope.c lisp_keyword_p). Twins are
 * made only at boot (one interpreter, nothing shared yet), so SYMF_SYS is read without a lock;
 * a twin's value changes afterwards only by the system's own code (a prelude set!,
 * %global-cas!), as a global's does.
 */
obj lisp_sys_twin(struct lisp *L, obj sym)
{
	obj t = obj_fields(sym)[SYMF_SYS];

	if (t != OBJ_FALSE)
		return t;
	ROOT(sym);
	t = new_symbol(L, sym_name(sym), lisp_global_value(sym), lisp_special(sym));	/* a special
								 * form's twin is that form */
	UNROOT(sym);
	if (t == OBJ_NULL)
		return OBJ_NULL;
	lisp_store_now(L, sym, SYMF_SYS, t);	/* at boot: nothing is shared yet */
	return t;
}

/* A twin for every bound symbol and every special form's name. A twin's allocation may collect
 * (and move the chains' symbols), so each chain is walked again from its head after one is
 * made. */
bool lisp_sys_twin_bound(struct lisp *L)
{
	for (size_t b = 0; b < obj_vector_length(table(L)); b++) {
		obj s = obj_vector_ref(table(L), b);

		while (s != OBJ_FALSE) {
			if ((lisp_global_value(s) == OBJ_UNDEFINED && !lisp_special(s)) ||
			    obj_fields(s)[SYMF_SYS] != OBJ_FALSE) {
				s = obj_fields(s)[SYMF_NEXT];
				continue;
			}
			if (lisp_sys_twin(L, s) == OBJ_NULL)
				return false;
			s = obj_vector_ref(table(L), b);
		}
	}
	return true;
}

void lisp_sys_export(struct lisp *L)
{
	obj tab = table(L);

	for (size_t b = 0; b < obj_vector_length(tab); b++)
		for (obj s = obj_vector_ref(tab, b); s != OBJ_FALSE; s = obj_fields(s)[SYMF_NEXT])
			if (obj_fields(s)[SYMF_SYS] != OBJ_FALSE)
				lisp_store_now(L, s, SYMF_VALUE, lisp_global_value(obj_fields(s)[SYMF_SYS]));
}

static arch_irqflags_t symtab_lock_irqsave(void)
{
	return spin_lock_irqsave(&symtab_lock);
}

static void symtab_unlock_irqrestore(arch_irqflags_t f)
{
	spin_unlock_irqrestore(&symtab_lock, f);
}

static const struct gc_symtab_ops symtab_ops = {
	.lock = symtab_lock_irqsave, .unlock = symtab_unlock_irqrestore,
};

static const char *const sym_names[SYM_COUNT] = {
	[SYM_QUOTE] = "quote", [SYM_QUASIQUOTE] = "quasiquote", [SYM_LAMBDA] = "lambda",
	[SYM_DEFINE] = "define", [SYM_SET] = "set!", [SYM_IF] = "if", [SYM_BEGIN] = "begin",
	[SYM_LET] = "let", [SYM_LETSTAR] = "let*", [SYM_LETREC] = "letrec",
	[SYM_LETRECSTAR] = "letrec*", [SYM_COND] = "cond", [SYM_CASE] = "case", [SYM_AND] = "and",
	[SYM_OR] = "or", [SYM_WHEN] = "when", [SYM_UNLESS] = "unless", [SYM_DO] = "do",
	[SYM_DEFINE_SYNTAX] = "define-syntax", [SYM_LET_SYNTAX] = "let-syntax",
	[SYM_LETREC_SYNTAX] = "letrec-syntax", [SYM_DEFINE_RECORD_TYPE] = "define-record-type",
	[SYM_NAMED_LAMBDA] = "named-lambda", [SYM_COND_EXPAND] = "cond-expand",
	[SYM_SYNTAX_ERROR] = "syntax-error",
	[SYM_UNQUOTE] = "unquote", [SYM_UNQUOTE_SPLICING] = "unquote-splicing",
	[SYM_ELSE] = "else", [SYM_ARROW] = "=>", [SYM_ELLIPSIS] = "...", [SYM_UNDERSCORE] = "_",
	[SYM_SYNTAX_RULES] = "syntax-rules", [SYM_NOT] = "not",
	[SYM_LIBRARY] = "library", [SYM_SCHEME] = "scheme", [SYM_DEFINE_LIBRARY] = "define-library",
	[SYM_QQ_CONS] = "%qq-cons", [SYM_QQ_LIST] = "%qq-list", [SYM_QQ_APPEND] = "%qq-append",
	[SYM_QQ_LIST_TO_VECTOR] = "%qq-list->vector", [SYM_QQ_LIST_STAR] = "%qq-list*",
	[SYM_MAKE_RTD] = "%make-rtd", [SYM_MAKE_RECORD] = "%make-record",
	[SYM_RECORD_P] = "%record?", [SYM_RECORD_REF] = "%record-ref",
	[SYM_RECORD_SET] = "%record-set!", [SYM_RAISE] = "raise", [SYM_MEMV] = "%memv",
	[SYM_ERROR_SYM] = "error", [SYM_READ] = "read", [SYM_FILE] = "file",
	[SYM_VOID] = "%void", [SYM_MV_CALL] = "%mv-call",
};

/* The symbol table, then the symbols the compiler knows; special forms get their flag. */
int lisp_globals_init(struct lisp *L)
{
	obj g = lisp_make_vector(L, G_NFIELDS, fx(0)), tab;

	if (g == OBJ_NULL)
		return -1;
	state_set(L, S_GLOBALS, g);
	tab = lisp_make_vector(L, LISP_SYMTAB_INIT, OBJ_FALSE);
	if (tab == OBJ_NULL)
		return -1;
	obj_init_field(L, STATE(L, S_GLOBALS), G_TABLE, tab);
	/* The collector's weak table (mm/gc/symtab.c) needs the holder old: it must not move. At
	 * boot the nursery is nearly empty. Without room the table stays strong. */
	if (gc_minor(L->h) == 0)
		gc_symtab_register(L->h, STATE(L, S_GLOBALS), &symtab_ops, G_TABLE, G_COUNT);
	for (int i = 0; i < SYM_COUNT; i++) {
		obj s = lisp_intern(L, sym_names[i], strlen(sym_names[i]));

		if (s == OBJ_NULL)
			return -1;
		if (i < SYM_SPECIAL_END)
			set_special(L, s, (unsigned)i + 1);
		lisp_store_now(L, L->syms, (size_t)i, s);	/* at boot: nothing is shared yet */
	}
	return 0;
}
