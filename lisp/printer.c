/* printer.c -- display and write (R7RS): strings and characters escaped by write, datum labels
 * (#n= / #n#) for the pairs, vectors and records that lie on a cycle, so printing terminates,
 * and with write-shared for every one reached twice.
 * No C recursion: a first pass finds cycles with an explicit DFS on the value stack and an
 * address-keyed table (rehashed whenever a minor collection may have moved its keys); the second
 * prints from an explicit work stack. Output is buffered in C and flushed to the port; to the
 * console, one call's text goes out in one write (whole, unless it exceeds LISP_PRINT_WHOLE),
 * so what several CPUs print at once does not interleave within a display or a write. */
#include "internal.h"

enum { ST_OPEN = 1, ST_DONE = 2, ST_LABEL = 4 };	/* table values: fixnum flags | label << 3 */
enum { P_OBJ, P_REST, P_VEC, P_CLOSE, P_REC, P_U8 };

struct pr {
	struct lisp *L;
	obj port, cur, table, x;	/* rooted */
	obj wide;		/* rooted: to the console, past buf, a bytevector of
				 * LISP_PRINT_WHOLE bytes that collects the text; or #f */
	bool console;
	int mode;
	bool all_shared;	/* write-shared: label what is reached twice, cycle or not */
	bool ok;
	unsigned nlabels;
	size_t base, count;	/* stack base; entries in the table */
	uint64_t gcs;		/* heap_moves when the table was last hashed */
	size_t budget;		/* compound objects left to print without a table */
	bool bounded;		/* no memory for the table: print a prefix of budget objects */
	size_t n;
	char buf[128];
};

#undef ROOT
#undef UNROOT
#define ROOT(x)		GC_ROOT(p->L->h, x)
#define UNROOT(x)	GC_UNROOT(p->L->h, x)

/* Every buffer is also a safe point for interrupts: printing a huge datum to a slow console
 * can take minutes, and the user's Ctrl-C must stop it (the condition is then pending). */
static void flush(struct pr *p)
{
	if (p->n && p->ok && lisp_poll_interrupt(p->L))
		p->ok = false;
	if (p->n && p->ok) {
		const char *b = p->wide != OBJ_FALSE ? (const char *)obj_bytes_data(p->wide) : p->buf;

		if (!lisp_port_write(p->L, p->port, b, p->n))
			p->ok = false;
	}
	p->n = 0;
}

/* The console's text outgrew buf: go on in a bytevector (allocates: emit's callers allow it) */
static bool widen(struct pr *p)
{
	obj w = lisp_make_bytes(p->L, OBJ_T_BYTEVECTOR, NULL, LISP_PRINT_WHOLE);

	if (w == OBJ_NULL) {
		p->console = false;	/* no memory: it goes out in pieces, as to other ports */
		return false;
	}
	memcpy(obj_bytes_data(w), p->buf, p->n);
	p->wide = w;
	return true;
}

static void emit(struct pr *p, const char *s, size_t len)
{
	while (len) {
		bool wide = p->wide != OBJ_FALSE;
		size_t k = (wide ? LISP_PRINT_WHOLE : sizeof(p->buf)) - p->n;

		if (k == 0) {
			if (!wide && p->console && widen(p))
				continue;
			flush(p);
			continue;
		}
		if (k > len)
			k = len;
		memcpy((wide ? (char *)obj_bytes_data(p->wide) : p->buf) + p->n, s, k);
		p->n += k;
		s += k;
		len -= k;
	}
}

static void emits(struct pr *p, const char *s) { emit(p, s, strlen(s)); }
static void emitc(struct pr *p, char c) { emit(p, &c, 1); }

/* --- the label table: vector of (key value) pairs, open addressing, keyed by address --- */

static size_t slot_of(obj t, obj key)
{
	size_t cap = obj_vector_length(t) / 2, i = ((key >> 3) * 2654435761u) & (cap - 1);

	while (obj_vector_ref(t, 2 * i) != OBJ_FALSE && obj_vector_ref(t, 2 * i) != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static bool rehash(struct pr *p, size_t cap)
{
	struct lisp *L = p->L;
	obj nt = lisp_make_vector(L, 2 * cap, OBJ_FALSE), old = p->table;

	if (nt == OBJ_NULL)
		return false;
	old = p->table;
	p->gcs = heap_moves(L->h);
	if (old != OBJ_FALSE)
		for (size_t i = 0; i < obj_vector_length(old); i += 2) {
			obj k = obj_vector_ref(old, i);

			if (k != OBJ_FALSE) {
				size_t s = slot_of(nt, k);

				obj_init_field(L, nt, 2 * s, k);
				obj_init_field(L, nt, 2 * s + 1, obj_vector_ref(old, i + 1));
			}
		}
	p->table = nt;
	return true;
}

static bool fresh(struct pr *p)
{
	if (p->gcs != heap_moves(p->L->h))
		return rehash(p, obj_vector_length(p->table) / 2);
	return true;
}

/* lookup and store take the caller's variable: rebuilding the table allocates, a collection
 * may move the key meanwhile, and both they and the caller must go on with its new address. */
static intptr_t lookup(struct pr *p, obj *key)
{
	size_t s;
	bool ok;

	if (p->table == OBJ_FALSE)
		return 0;
	ROOT(*key);
	ok = fresh(p);
	UNROOT(*key);
	if (!ok)
		return 0;
	s = slot_of(p->table, *key);
	return obj_vector_ref(p->table, 2 * s) == *key ? fxv(obj_vector_ref(p->table, 2 * s + 1)) : 0;
}

static bool store(struct pr *p, obj *key, intptr_t v)
{
	size_t s;
	bool ok = true;

	ROOT(*key);
	if (!fresh(p))
		ok = false;
	else if (obj_vector_ref(p->table, 2 * slot_of(p->table, *key)) != *key &&
		 2 * (p->count + 1) > obj_vector_length(p->table) / 2)
		ok = rehash(p, obj_vector_length(p->table));
	UNROOT(*key);
	if (!ok)
		return false;
	s = slot_of(p->table, *key);
	if (obj_vector_ref(p->table, 2 * s) != *key) {
		p->count++;
		lisp_private_set(p->L, p->table, 2 * s, *key);	/* the printer's own table */
	}
	lisp_private_set(p->L, p->table, 2 * s + 1, fx(v));
	return true;
}
/* A record of a type made by define-record-type (the interpreter's own types have string names). */
static bool user_record_p(obj x)
{
	obj rtd;

	if (!obj_type_p(x, OBJ_T_RECORD))
		return false;
	rtd = obj_fields(x)[0];
	return rtd_p(rtd) && symbol_p(obj_fields(rtd)[RTD_NAME]);
}

/* Objects printed with their parts: the ones that can lie on a cycle. */
static bool compound_p(obj x)
{
	return pair_p(x) || (vector_p(x) && obj_vector_length(x) > 0) ||
	       (user_record_p(x) && obj_size(x) > 1);
}

/* A list or vector of atoms (no cycle through cars): no table needed. */
static bool simple_p(obj x)
{
	if (vector_p(x)) {
		for (size_t i = 0; i < obj_vector_length(x); i++)
			if (compound_p(obj_vector_ref(x, i)))
				return false;
		return true;
	}
	if (!pair_p(x))
		return false;
	for (obj slow = x; pair_p(x); ) {
		if (compound_p(car(x)))
			return false;
		x = cdr(x);
		if (!pair_p(x))
			break;
		if (compound_p(car(x)))
			return false;
		x = cdr(x);
		slow = cdr(slow);
		if (x == slow || !pair_p(slow))
			return false;	/* a cycle, or a list another CPU changes: the table's way */
	}
	return !compound_p(x);
}

/* The stack may grow (allocate, so collect and move a and b): they are rooted meanwhile. */
static bool push3(struct pr *p, obj a, obj b, intptr_t i)
{
	struct lisp *L = p->L;
	bool ok;

	ROOT(a);
	ROOT(b);
	ok = lisp_stack_reserve(L, 3);
	UNROOT(b);
	UNROOT(a);
	if (!ok)
		return false;
	sset(L, L->sp++, a);
	sset(L, L->sp++, b);
	sset(L, L->sp++, fx(i));
	return true;
}

/* visit a child during the cycle search: new -> open frame; open -> on a cycle */
static bool visit(struct pr *p, obj c)
{
	intptr_t st;

	if (!compound_p(c))
		return true;
	st = lookup(p, &c);
	if (st == 0)
		return store(p, &c, ST_OPEN) && push3(p, c, c, 0);
	if ((st & ST_OPEN) || (p->all_shared && !(st & ST_LABEL)))
		return store(p, &c, st | ST_LABEL);
	return true;
}

static bool close_frame(struct pr *p, obj head, obj cur)
{
	bool ok = true;

	ROOT(cur);
	for (;;) {
		intptr_t st = lookup(p, &head);

		if (!store(p, &head, (st & ST_LABEL) | ST_DONE)) {
			ok = false;
			break;
		}
		if (head == cur || !pair_p(head))
			break;
		head = cdr(head);
	}
	UNROOT(cur);
	return ok;
}

static bool find_cycles(struct pr *p, obj x)
{
	struct lisp *L = p->L;
	size_t base = L->sp;
	bool ok;

	ROOT(x);	/* the table's first allocation may collect, and move x */
	ok = rehash(p, 64);
	UNROOT(x);
	if (!ok || !visit(p, x))
		return false;
	while (L->sp > base) {
		obj *f = stk(L) + L->sp - 3;
		obj head = f[0], cur = f[1];
		intptr_t i = fxv(f[2]);

		if (!pair_p(head)) {	/* vector, or record from field 1 */
			size_t first = vector_p(head) ? 0 : 1;

			if ((size_t)i + first < obj_size(head)) {
				sset(L, L->sp - 1, fx(i + 1));
				if (!visit(p, obj_fields(head)[(size_t)i + first]))
					return false;
				continue;
			}
		} else if (i == 0) {
			sset(L, L->sp - 1, fx(1));
			if (!visit(p, car(cur)))
				return false;
			continue;
		} else if (i == 1) {
			obj next = cdr(cur);

			if (pair_p(next)) {
				intptr_t st = lookup(p, &next);

				if (st == 0) {
					if (!store(p, &next, ST_OPEN))
						return false;
					f = stk(L) + L->sp - 3;
					sset(L, L->sp - 2, cdr(f[1]));
					sset(L, L->sp - 1, fx(0));
					continue;
				}
				if (((st & ST_OPEN) || (p->all_shared && !(st & ST_LABEL))) &&
				    !store(p, &next, st | ST_LABEL))
					return false;
			} else if (compound_p(next)) {
				sset(L, L->sp - 1, fx(2));
				if (!visit(p, next))
					return false;
				continue;
			}
		}
		f = stk(L) + L->sp - 3;
		if (!close_frame(p, f[0], f[1]))
			return false;
		L->sp -= 3;
	}
	return true;
}

/* --- atoms --- */

static const char *const char_names[] = {
	[0] = "null", [7] = "alarm", [8] = "backspace", [9] = "tab", [10] = "newline",
	[13] = "return", [27] = "escape", [32] = "space", [127] = "delete",
};

static void print_char(struct pr *p, uint32_t c)
{
	char u[8];

	if (p->mode == PRINT_WRITE) {
		emits(p, "#\\");
		if (c < ARRAY_SIZE(char_names) && char_names[c]) {
			emits(p, char_names[c]);
			return;
		}
		if (c < 32) {
			ksnprintf(u, sizeof(u), "x%x", (unsigned)c);
			emits(p, u);
			return;
		}
	}
	emit(p, u, lisp_utf8_encode(c, u));
}

/* p->cur holds the string (it may move when a flush allocates) */
static void print_string(struct pr *p)
{
	size_t len = obj_bytes_length(p->cur);

	if (p->mode == PRINT_DISPLAY) {
		for (size_t i = 0; i < len; i += 64) {
			char tmp[64];
			size_t k = len - i < 64 ? len - i : 64;

			memcpy(tmp, obj_bytes_data(p->cur) + i, k);
			emit(p, tmp, k);
		}
		return;
	}
	emitc(p, '"');
	for (size_t i = 0; i < len; i++) {
		uint8_t c = obj_bytes_data(p->cur)[i];
		char e[8];

		switch (c) {
		case '"': emits(p, "\\\""); break;
		case '\\': emits(p, "\\\\"); break;
		case '\n': emits(p, "\\n"); break;
		case '\t': emits(p, "\\t"); break;
		case '\r': emits(p, "\\r"); break;
		case 7: emits(p, "\\a"); break;
		case 8: emits(p, "\\b"); break;
		default:
			if (c < 32 || c == 127) {
				ksnprintf(e, sizeof(e), "\\x%x;", c);
				emits(p, e);
			} else {
				emitc(p, (char)c);
			}
		}
	}
	emitc(p, '"');
}

/* s[0..len) begins with lit, any ASCII letter case matching (lit is lower case) */
static bool prefix_ci(const uint8_t *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

/* Whether write must put the name in bars for read to give the symbol back: it would read as a
 * number (a digit first, a sign or dot then a digit, +i -i, +inf.0 -nan.0 and what starts with
 * them) or something else (#..., .), or holds a delimiter, quote, bar or backslash. */
static bool symbol_needs_bars(obj name)
{
	const uint8_t *s = obj_bytes_data(name);
	size_t len = obj_bytes_length(name);

	if (len == 0 || (len == 1 && s[0] == '.') || s[0] == '#' || (s[0] >= '0' && s[0] <= '9'))
		return true;
	if ((s[0] == '+' || s[0] == '-') &&
	    ((len == 2 && (s[1] | 0x20) == 'i') || prefix_ci(s + 1, len - 1, "inf.0") ||
	     prefix_ci(s + 1, len - 1, "nan.0")))
		return true;
	if (len > 1 && (s[0] == '+' || s[0] == '-' || s[0] == '.') &&
	    ((s[1] >= '0' && s[1] <= '9') || (s[0] != '.' && s[1] == '.' && len > 2 &&
					      s[2] >= '0' && s[2] <= '9')))
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] == '(' || s[i] == ')' || s[i] == '[' || s[i] == ']' ||
		    s[i] == '"' || s[i] == ';' || s[i] == '\'' || s[i] == '`' || s[i] == ',' ||
		    s[i] == '|' || s[i] == '\\' || s[i] == 127)
			return true;
	return false;
}

static void print_symbol(struct pr *p, obj sym)
{
	p->cur = sym_name(sym);
	if (p->mode == PRINT_WRITE && symbol_needs_bars(p->cur)) {
		size_t len = obj_bytes_length(p->cur);

		emitc(p, '|');
		for (size_t i = 0; i < len; i++) {
			uint8_t c = obj_bytes_data(p->cur)[i];
			char e[8];

			if (c < ' ' || c == 127) {	/* as \x..; the reader reads it back */
				ksnprintf(e, sizeof(e), "\\x%x;", c);
				emits(p, e);
				continue;
			}
			if (c == '|' || c == '\\')
				emitc(p, '\\');
			emitc(p, (char)c);
		}
		emitc(p, '|');
		return;
	}
	int mode = p->mode;
	p->mode = PRINT_DISPLAY;
	print_string(p);
	p->mode = mode;
}

static void print_name(struct pr *p, const char *prefix, obj name)
{
	ROOT(name);
	emits(p, prefix);
	UNROOT(name);
	if (symbol_p(name)) {
		emitc(p, ' ');
		print_symbol(p, name);
	} else if (string_p(name)) {
		emitc(p, ' ');
		p->cur = name;
		int mode = p->mode;
		p->mode = PRINT_DISPLAY;
		print_string(p);
		p->mode = mode;
	}
	emitc(p, '>');
}

/* Print an object without parts. */
static void print_atom(struct pr *p, obj x)
{
	struct lisp *L = p->L;
	char b[48];

	if (obj_fixnum_p(x)) {
		ksnprintf(b, sizeof(b), "%ld", (long)fxv(x));
		emits(p, b);
	} else if (obj_char_p(x)) {
		print_char(p, obj_char_value(x));
	} else if (obj_const_p(x)) {
		static const char *const names[] = { "#f", "#t", "()", "#<unspecified>", "#<eof>",
						     "#<undefined>" };
		size_t n = (size_t)(x >> 3);

		emits(p, n < ARRAY_SIZE(names) ? names[n] : "#<constant>");
	} else if (!obj_ptr_p(x)) {
		emits(p, "#<?>");
	} else {
		switch (obj_type(x)) {
		case OBJ_T_STRING:
			p->cur = x;
			print_string(p);
			break;
		case OBJ_T_SYMBOL:
			print_symbol(p, x);
			break;
		case OBJ_T_BIGNUM:
		case OBJ_T_FLONUM:
		case OBJ_T_RATNUM:
		case OBJ_T_COMPNUM: {
			obj s = lisp_number_to_string(L, x, 10);

			if (s == OBJ_NULL) {
				p->ok = false;
				break;
			}
			p->cur = s;
			int mode = p->mode;
			p->mode = PRINT_DISPLAY;
			print_string(p);
			p->mode = mode;
			break;
		}
		case OBJ_T_CLOSURE:
		case OBJ_T_PRIMITIVE:
			print_name(p, "#<procedure", lisp_proc_name(L, x));
			break;
		case OBJ_T_BOX:
			emits(p, "#<box>");
			break;
		case OBJ_T_MIXED:
			emits(p, "#<code>");
			break;
		case OBJ_T_VECTOR:
			emits(p, "#()");
			break;
		default:
			emits(p, "#<object>");
		}
	}
}

static bool push2(struct pr *p, intptr_t kind, obj x)
{
	struct lisp *L = p->L;
	bool ok;

	ROOT(x);	/* as push3 */
	ok = lisp_stack_reserve(L, 2);
	UNROOT(x);
	if (!ok)
		return false;
	sset(L, L->sp++, fx(kind));
	sset(L, L->sp++, x);
	return true;
}

/* The interpreter's own records; user records are compound (print_compound). */
static void print_record(struct pr *p, obj x)
{
	struct lisp *L = p->L;
	obj rtd = obj_fields(x)[0];

	ROOT(x);
	if (rtd == OBJ_TRUE) {
		print_name(p, "#<record-type", obj_fields(x)[RTD_NAME]);
	} else if (rtd == STATE(L, S_RTD_ALIAS)) {
		obj s = x;

		while (alias_p(L, s))
			s = obj_fields(s)[ALIAS_SYM];
		print_atom(p, s);
	} else if (rtd == STATE(L, S_RTD_CONDITION)) {
		emits(p, "#<condition ");
		p->cur = obj_fields(x)[COND_MSG];
		if (string_p(p->cur))
			print_string(p);
		emitc(p, '>');
	} else if (rtd == STATE(L, S_RTD_PORT)) {
		emits(p, "#<port>");
	} else if (rtd == STATE(L, S_RTD_MACRO)) {
		print_name(p, "#<macro", obj_fields(x)[MAC_NAME]);
	} else if (rtd == STATE(L, S_RTD_CONT)) {
		emits(p, "#<continuation>");
	} else if (rtd == STATE(L, S_RTD_VALUES)) {
		emits(p, "#<values>");
	} else if (rtd == STATE(L, S_RTD_PREF)) {	/* store.c: #<pref pair> */
		emits(p, "#<pref ");
		emits(p, lisp_pref_kind(x));
		emitc(p, '>');
	} else if (rtd == STATE(L, S_RTD_VIEW)) {	/* inspect.c: #<view pair> */
		emits(p, "#<view ");
		emits(p, lisp_type_name(obj_fields(x)[1]));
		emitc(p, '>');
	} else if (user_record_p(x)) {
		emits(p, "#<");
		print_symbol(p, obj_fields(obj_fields(x)[0])[RTD_NAME]);
		emitc(p, '>');
	} else if (rtd_p(obj_fields(x)[0]) && string_p(obj_fields(obj_fields(x)[0])[RTD_NAME])) {
		/* the interpreter's own records (thread, channel, tcp-listener, ...): their type */
		obj name = obj_fields(obj_fields(x)[0])[RTD_NAME];
		int mode = p->mode;

		ROOT(name);
		emits(p, "#<");
		UNROOT(name);
		p->cur = name;	/* as print_name: emits may flush, and so collect */
		p->mode = PRINT_DISPLAY;
		print_string(p);
		p->mode = mode;
		emitc(p, '>');
	} else {
		emits(p, "#<record>");
	}
	UNROOT(x);
}

/* Labels: the first print of a labelled object writes #n=, later ones #n#. p->x is the object. */
static void print_label(struct pr *p, bool *done)
{
	intptr_t st = lookup(p, &p->x);
	char b[24];

	*done = false;
	if (!(st & ST_LABEL))
		return;
	if (st >> 3) {
		ksnprintf(b, sizeof(b), "#%ld#", (long)((st >> 3) - 1));
		emits(p, b);
		*done = true;
		return;
	}
	ksnprintf(b, sizeof(b), "#%u=", p->nlabels);
	st |= (intptr_t)(++p->nlabels) << 3;
	emits(p, b);
	if (!store(p, &p->x, st))
		p->ok = false;
}

/* p->x: a pair, vector or user record. Every emit may flush into a string port (allocate):
 * p->x is rooted and re-read after each. */
static bool print_compound(struct pr *p)
{
	bool done = false;

	if (p->table != OBJ_FALSE)
		print_label(p, &done);
	else if (p->bounded && p->budget-- == 0) {
		emits(p, "...");
		return false;
	}
	if (done)
		return true;
	if (pair_p(p->x)) {
		emitc(p, '(');
		return push2(p, P_REST, cdr(p->x)) && push2(p, P_OBJ, car(p->x));
	}
	if (vector_p(p->x)) {
		emits(p, "#(");
		return push2(p, P_VEC, p->x);
	}
	emits(p, "#<");
	print_symbol(p, obj_fields(obj_fields(p->x)[0])[RTD_NAME]);
	return push2(p, P_REC | 1 << 4, p->x);
}

static void print_loop(struct pr *p)
{
	struct lisp *L = p->L;

	while (p->ok && L->sp > p->base) {
		obj x = stk(L)[L->sp - 1];
		intptr_t k = fxv(stk(L)[L->sp - 2]);
		intptr_t i = k >> 4;

		L->sp -= 2;
		ROOT(x);	/* every emit may flush into a string port (allocate) */
		switch (k & 15) {
		case P_OBJ:
			if (compound_p(x)) {
				p->x = x;
				if (!print_compound(p))
					p->ok = false;
			}
			else if (obj_type_p(x, OBJ_T_RECORD))
				print_record(p, x);
			else if (bytevector_p(x)) {
				emits(p, "#u8(");
				if (!push2(p, P_U8, x))
					p->ok = false;
			} else
				print_atom(p, x);
			break;
		case P_REST:
			if (x == OBJ_NIL) {
				emitc(p, ')');
			} else if (pair_p(x) && p->bounded && p->budget-- == 0) {
				emits(p, " ...)");	/* no table: a cycle through cdrs ends too */
			} else if (pair_p(x) && (p->table == OBJ_FALSE || !(lookup(p, &x) & ST_LABEL))) {
				emitc(p, ' ');
				if (!(push2(p, P_REST, cdr(x)) && push2(p, P_OBJ, car(x))))
					p->ok = false;
			} else {
				emits(p, " . ");
				if (!(push2(p, P_CLOSE, OBJ_FALSE) && push2(p, P_OBJ, x)))
					p->ok = false;
			}
			break;
		case P_CLOSE:
			emitc(p, ')');
			break;
		case P_VEC:
			if ((size_t)i >= obj_vector_length(x)) {
				emitc(p, ')');
				break;
			}
			if (i > 0)
				emitc(p, ' ');
			if (!(push2(p, P_VEC | (i + 1) << 4, x) && push2(p, P_OBJ, obj_vector_ref(x, (size_t)i))))
				p->ok = false;
			break;
		case P_U8: {
			size_t len = obj_bytes_length(x);
			char b[8];

			for (size_t j = 0; j < len; j++) {
				ksnprintf(b, sizeof(b), j ? " %u" : "%u", obj_bytes_data(x)[j]);
				emits(p, b);
			}
			emitc(p, ')');
			break;
		}
		case P_REC: {
			obj names;

			if ((size_t)i >= obj_size(x)) {
				emitc(p, '>');
				break;
			}
			emitc(p, ' ');
			names = obj_fields(obj_fields(x)[0])[RTD_FIELDS];
			if (vector_p(names) && (size_t)i - 1 < obj_vector_length(names)) {
				print_symbol(p, obj_vector_ref(names, (size_t)i - 1));
				emits(p, ": ");
			}
			if (!(push2(p, P_REC | (i + 1) << 4, x) && push2(p, P_OBJ, obj_fields(x)[i])))
				p->ok = false;
			break;
		}
		}
		UNROOT(x);
	}
}

bool lisp_print(struct lisp *L, obj x, obj port, int mode)
{
	struct pr p = { .L = L, .port = port, .cur = OBJ_FALSE, .table = OBJ_FALSE, .x = OBJ_FALSE,
			.wide = OBJ_FALSE, .console = port == STATE(L, S_CONSOLE_OUT),
			.mode = mode == PRINT_WRITE_SHARED ? PRINT_WRITE : mode,
			.all_shared = mode == PRINT_WRITE_SHARED, .ok = true, .base = L->sp,
			.budget = 100000 };

	GC_ROOT(L->h, p.wide);
	GC_ROOT(L->h, p.x);
	GC_ROOT(L->h, p.port);
	GC_ROOT(L->h, p.cur);
	GC_ROOT(L->h, p.table);
	GC_ROOT(L->h, x);
	if (compound_p(x) || bytevector_p(x) || obj_type_p(x, OBJ_T_RECORD)) {
		if ((p.all_shared || !simple_p(x)) && !find_cycles(&p, x)) {
			p.table = OBJ_FALSE;	/* no memory for it: print a bounded prefix */
			p.bounded = true;
			L->sp = p.base;
		}
		if (!push2(&p, P_OBJ, x))
			p.ok = false;
		else
			print_loop(&p);
	} else {
		print_atom(&p, x);
	}
	flush(&p);
	L->sp = p.base;
	GC_UNROOT(L->h, x);
	GC_UNROOT(L->h, p.table);
	GC_UNROOT(L->h, p.cur);
	GC_UNROOT(L->h, p.port);
	GC_UNROOT(L->h, p.x);
	GC_UNROOT(L->h, p.wide);
	return p.ok;
}
