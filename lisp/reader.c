/* reader.c -- the datum reader: R7RS external syntax (lists, dotted pairs, vectors, bytevectors,
 * strings, characters, exact integers, symbols incl. |...|, quote forms, ; #| |# #; comments).
 * No C recursion: open lists are frames on the value stack (kind, head, last pair); token text
 * collects in a scratch bytevector in the slot below them. After an error the input is skipped
 * to the end of the datum being read (parentheses balanced), so a REPL can go on. */
#include "internal.h"

enum { F_LIST, F_VEC, F_U8, F_QUOTE, F_SKIP };
#define F_AFTER_DOT	16	/* a "." was read: the next datum is the tail */
#define F_DOTTED	32	/* the tail was read: only ")" may follow */

enum tok { T_EOF, T_OPEN, T_CLOSE, T_DOT, T_DATUM, T_VEC, T_U8, T_QUOTE, T_SKIP, T_ERROR, T_NONE };

struct rd {
	struct lisp *L;
	struct lisp_input *in;
	size_t base;		/* stk[base]: scratch buffer; frames above */
	size_t tlen;		/* bytes of token text in the scratch buffer */
	obj datum;		/* the token's value (T_DATUM) or quote symbol (T_QUOTE); rooted */
	const char *err;
	const char *token;	/* with err: the message ends with this prefix and the token text */
	char prefix[8];		/* #x, #b, ... of a number token */
};

int lisp_input_getc(struct lisp_input *in, bool peek)
{
	int c = in->peeked;

	if (c == -2) {
		c = in->getc(in->ctx);
		if (c == '\n')
			in->line++;
	}
	in->peeked = peek ? c : -2;
	return c;
}

static int rgetc(struct rd *r) { return lisp_input_getc(r->in, false); }
static int rpeek(struct rd *r) { return lisp_input_getc(r->in, true); }

static bool delimiter_p(int c)
{
	return c < 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '(' ||
	       c == ')' || c == '[' || c == ']' || c == '"' || c == ';' || c == '|';
}

static bool space_p(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

static bool tok_add(struct rd *r, int c)
{
	struct lisp *L = r->L;
	obj b = stk(L)[r->base];
	size_t cap = obj_bytes_length(b);

	if (r->tlen == cap) {
		obj nb = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 2 * cap);

		if (nb == OBJ_NULL)
			return false;
		memcpy(obj_bytes_data(nb), obj_bytes_data(stk(L)[r->base]), cap);
		sset(L, r->base, nb);
		b = nb;
	}
	obj_bytes_data(b)[r->tlen++] = (uint8_t)c;
	return true;
}

static bool tok_add_utf8(struct rd *r, uint32_t c)
{
	char u[4];
	size_t n = lisp_utf8_encode(c, u);

	for (size_t i = 0; i < n; i++)
		if (!tok_add(r, (uint8_t)u[i]))
			return false;
	return true;
}

static const uint8_t *tok(struct rd *r) { return obj_bytes_data(stk(r->L)[r->base]); }

static bool tok_is(struct rd *r, const char *s)
{
	return r->tlen == strlen(s) && memcmp(tok(r), s, r->tlen) == 0;
}

/* Read constituents up to a delimiter into the token buffer (after what is there already). */
static bool read_rest(struct rd *r)
{
	while (!delimiter_p(rpeek(r)))
		if (!tok_add(r, rgetc(r)))
			return false;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \x<hex>; in strings and |symbols| (the x already read) */
static bool hex_escape(struct rd *r, uint32_t *out)
{
	uint32_t v = 0;
	int c, n = 0;

	while ((c = rgetc(r)) >= 0 && c != ';') {
		int d = hexval(c);

		if (d < 0 || ++n > 6) {
			r->err = "bad \\x escape";
			return false;
		}
		v = v * 16 + (uint32_t)d;
	}
	obj dummy;
	if (c != ';' || n == 0 || !obj_char_checked(v, &dummy)) {
		r->err = "bad \\x escape";
		return false;
	}
	*out = v;
	return true;
}

/* A string or |symbol| body up to the closing quote (consumed even after a bad escape). */
static enum tok read_quoted(struct rd *r, int quote)
{
	for (;;) {
		int c = rgetc(r);
		uint32_t u;

		if (c < 0) {
			r->err = quote == '"' ? "unterminated string" : "unterminated |symbol|";
			return T_ERROR;
		}
		if (c == quote)
			return r->err ? T_ERROR : T_DATUM;
		if (c == '\\') {
			c = rgetc(r);
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'a': c = 7; break;
			case 'b': c = 8; break;
			case '0': c = 0; break;
			case '\\': case '"': case '|': break;
			case 'x': case 'X':
				if (!hex_escape(r, &u))
					continue;
				if (!tok_add_utf8(r, u))
					return T_ERROR;
				continue;
			case '\n': case ' ': case '\t': case '\r':
				/* line continuation: \ <spaces> newline <spaces> */
				while (c == ' ' || c == '\t' || c == '\r')
					c = rgetc(r);
				if (c == '\n')
					while (rpeek(r) == ' ' || rpeek(r) == '\t')
						rgetc(r);
				continue;
			default:
				if (c < 0)
					continue;
				r->err = "bad escape in string";
				continue;
			}
		}
		if (!tok_add(r, c))
			return T_ERROR;
	}
}

static const struct { const char *name; uint32_t c; } char_names[] = {
	{ "space", ' ' }, { "newline", '\n' }, { "tab", '\t' }, { "nul", 0 }, { "null", 0 },
	{ "alarm", 7 }, { "backspace", 8 }, { "delete", 127 }, { "escape", 27 },
	{ "return", '\r' }, { "linefeed", '\n' }, { "altmode", 27 }, { "rubout", 127 },
	{ "page", 12 },
};

static enum tok read_char(struct rd *r)
{
	int c = rgetc(r);
	size_t n;
	uint32_t u;

	if (c < 0) {
		r->err = "end of input in character";
		return T_ERROR;
	}
	if (!tok_add(r, c) || !read_rest(r))
		return T_ERROR;
	u = lisp_utf8_decode(tok(r), r->tlen, 0, &n);
	if (n == r->tlen) {
		r->datum = obj_char(u);
		return T_DATUM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(char_names); i++)
		if (tok_is(r, char_names[i].name)) {
			r->datum = obj_char(char_names[i].c);
			return T_DATUM;
		}
	if ((tok(r)[0] == 'x' || tok(r)[0] == 'X') && r->tlen > 1 && r->tlen <= 7) {
		uint32_t v = 0;
		size_t i;

		for (i = 1; i < r->tlen && hexval(tok(r)[i]) >= 0; i++)
			v = v * 16 + (uint32_t)hexval(tok(r)[i]);
		if (i == r->tlen && obj_char_checked(v, &r->datum))
			return T_DATUM;
	}
	r->err = "unknown character name:";
	r->token = "#\\";
	return T_ERROR;
}

static bool has_byte(const uint8_t *s, size_t len, int c)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == c)
			return true;
	return false;
}

static bool radix_char_p(int c)
{
	return has_byte((const uint8_t *)"xXbBoOdDeE", 10, c);
}

/* "looks like a number": digit, or sign/dot then digit */
static bool numeric_p(const uint8_t *s, size_t len)
{
	if (len == 0)
		return false;
	if (s[0] >= '0' && s[0] <= '9')
		return true;
	return len > 1 && (s[0] == '+' || s[0] == '-' || s[0] == '.') &&
	       ((s[1] >= '0' && s[1] <= '9') || (s[1] == '.' && len > 2 && s[2] >= '0' && s[2] <= '9'));
}

/* A token of constituents: number or symbol (or "."). */
static enum tok atom(struct rd *r, unsigned radix, bool prefixed)
{
	struct lisp *L = r->L;
	obj n;

	if (!prefixed && tok_is(r, "."))
		return T_DOT;
	n = lisp_parse_number(L, stk(L)[r->base], 0, r->tlen, radix);
	if (n == OBJ_NULL)
		return T_ERROR;
	if (n != OBJ_FALSE) {
		r->datum = n;
		return T_DATUM;
	}
	if (prefixed || (numeric_p(tok(r), r->tlen) &&
			 (has_byte(tok(r), r->tlen, '.') || has_byte(tok(r), r->tlen, '/') ||
			  has_byte(tok(r), r->tlen, 'e')))) {
		r->err = prefixed ? "bad number:" : "inexact and rational numbers are not supported:";
		r->token = prefixed ? r->prefix : "";
		return T_ERROR;
	}
	r->datum = lisp_copy_bytes(L, OBJ_T_STRING, stk(L)[r->base], 0, r->tlen);
	if (r->datum != OBJ_NULL)
		r->datum = lisp_intern_string(L, r->datum);
	return r->datum == OBJ_NULL ? T_ERROR : T_DATUM;
}

static enum tok read_hash(struct rd *r)
{
	int c = rpeek(r);

	switch (c) {
	case '(':
		rgetc(r);
		return T_VEC;
	case ';':
		rgetc(r);
		return T_SKIP;
	case '\\':
		rgetc(r);
		return read_char(r);
	case '|': {
		int depth = 1, prev = 0;

		rgetc(r);
		while (depth > 0 && (c = rgetc(r)) >= 0) {
			if (prev == '|' && c == '#')
				depth--, c = 0;
			else if (prev == '#' && c == '|')
				depth++, c = 0;
			prev = c;
		}
		if (depth > 0) {
			r->err = "unterminated #| comment";
			return T_ERROR;
		}
		return T_NONE;	/* a comment: the caller reads on */
	}
	}
	if (!read_rest(r))
		return T_ERROR;
	if (tok_is(r, "t") || tok_is(r, "true")) {
		r->datum = OBJ_TRUE;
		return T_DATUM;
	}
	if (tok_is(r, "f") || tok_is(r, "false")) {
		r->datum = OBJ_FALSE;
		return T_DATUM;
	}
	if (tok_is(r, "u8") && rpeek(r) == '(') {
		rgetc(r);
		return T_U8;
	}
	if (r->tlen >= 2 && radix_char_p(tok(r)[0])) {
		unsigned radix = 10;
		size_t skip = 1;

		switch (tok(r)[0] | 0x20) {
		case 'x': radix = 16; break;
		case 'b': radix = 2; break;
		case 'o': radix = 8; break;
		}
		if (tok(r)[1] == '#' && r->tlen >= 4 && radix_char_p(tok(r)[2])) {
			switch (tok(r)[2] | 0x20) {
			case 'x': radix = 16; break;
			case 'b': radix = 2; break;
			case 'o': radix = 8; break;
			}
			skip = 3;
		}
		/* parse the digits; an error message shows the prefix again */
		r->prefix[0] = '#';
		for (size_t i = 0; i < skip && i + 2 < sizeof(r->prefix); i++)
			r->prefix[i + 1] = (char)tok(r)[i];
		r->prefix[skip < sizeof(r->prefix) - 2 ? skip + 1 : sizeof(r->prefix) - 1] = '\0';
		memmove(obj_bytes_data(stk(r->L)[r->base]), tok(r) + skip, r->tlen - skip);
		r->tlen -= skip;
		return atom(r, radix, true);
	}
	r->err = "bad # syntax:";
	r->token = "#";
	return T_ERROR;
}

static enum tok next_token(struct rd *r)
{
	for (;;) {
		int c = rgetc(r);
		enum tok t;

		r->tlen = 0;
		r->datum = OBJ_FALSE;
		if (c < 0)
			return T_EOF;
		if (space_p(c))
			continue;
		switch (c) {
		case ';':
			while ((c = rgetc(r)) >= 0 && c != '\n')
				;
			continue;
		case '(': case '[':
			return T_OPEN;
		case ')': case ']':
			return T_CLOSE;
		case '\'':
			r->datum = SYM(r->L, SYM_QUOTE);
			return T_QUOTE;
		case '`':
			r->datum = SYM(r->L, SYM_QUASIQUOTE);
			return T_QUOTE;
		case ',':
			if (rpeek(r) == '@') {
				rgetc(r);
				r->datum = SYM(r->L, SYM_UNQUOTE_SPLICING);
			} else {
				r->datum = SYM(r->L, SYM_UNQUOTE);
			}
			return T_QUOTE;
		case '"':
			if (read_quoted(r, '"') != T_DATUM)
				return T_ERROR;
			r->datum = lisp_copy_bytes(r->L, OBJ_T_STRING, stk(r->L)[r->base], 0, r->tlen);
			return r->datum == OBJ_NULL ? T_ERROR : T_DATUM;
		case '|':
			if (read_quoted(r, '|') != T_DATUM)
				return T_ERROR;
			r->datum = lisp_copy_bytes(r->L, OBJ_T_STRING, stk(r->L)[r->base], 0, r->tlen);
			if (r->datum != OBJ_NULL)
				r->datum = lisp_intern_string(r->L, r->datum);
			return r->datum == OBJ_NULL ? T_ERROR : T_DATUM;
		case '#':
			t = read_hash(r);
			if (t == T_NONE)
				continue;
			return t;
		default:
			if (!tok_add(r, c) || !read_rest(r))
				return T_ERROR;
			return atom(r, 10, false);
		}
	}
}

/* Skip the rest of the datum: up to where the open frames' parentheses close. */
static void skip_datum(struct rd *r, unsigned depth)
{
	while (depth > 0) {
		int c = rgetc(r);

		if (c < 0)
			return;
		switch (c) {
		case '(': depth++; break;
		case ')': depth--; break;
		case ';':
			while ((c = rgetc(r)) >= 0 && c != '\n')
				;
			break;
		case '"': case '|': {
			int q = c;

			while ((c = rgetc(r)) >= 0 && c != q)
				if (c == '\\')
					rgetc(r);
			break;
		}
		case '#':
			if (rpeek(r) == '\\') {
				rgetc(r);
				rgetc(r);
			}
			break;
		}
	}
}

static unsigned open_lists(struct rd *r)
{
	unsigned n = 0;

	for (size_t i = r->base + 1; i < r->L->sp; i += 3)
		if ((fxv(stk(r->L)[i]) & 15) <= F_U8)
			n++;
	return n;
}

static bool push_frame(struct rd *r, int kind, obj a)
{
	struct lisp *L = r->L;

	ROOT(a);
	bool ok = lisp_stack_reserve(L, 3);
	UNROOT(a);
	if (!ok)
		return false;
	sset(L, L->sp++, fx(kind));
	sset(L, L->sp++, a);
	sset(L, L->sp++, OBJ_NIL);
	return true;
}

static obj list_to_vector(struct rd *r, obj list, bool u8)
{
	struct lisp *L = r->L;
	intptr_t n = lisp_list_length(list);
	obj v;

	ROOT(list);
	v = u8 ? lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, (size_t)n) : lisp_make_vector(L, (size_t)n, OBJ_FALSE);
	UNROOT(list);
	if (v == OBJ_NULL)
		return OBJ_NULL;
	for (intptr_t i = 0; i < n; i++, list = cdr(list)) {
		if (!u8) {
			obj_init_field(L, v, (size_t)i, car(list));
		} else if (obj_fixnum_p(car(list)) && fxv(car(list)) >= 0 && fxv(car(list)) <= 255) {
			obj_bytes_data(v)[i] = (uint8_t)fxv(car(list));
		} else {
			r->err = "bytevector element is not a byte";
			return OBJ_NULL;
		}
	}
	return v;
}

/* Add a finished datum to the innermost frame; returns the datum when no frame is open. */
static obj complete(struct rd *r, obj d, bool *done)
{
	struct lisp *L = r->L;

	*done = false;
	while (L->sp > r->base + 1) {
		size_t f = L->sp - 3;
		intptr_t kind = fxv(stk(L)[f]);

		if (kind == F_QUOTE) {
			d = lisp_list2(L, stk(L)[f + 1], d);
			L->sp -= 3;
			if (d == OBJ_NULL)
				return OBJ_NULL;
			continue;
		}
		if (kind == F_SKIP) {
			L->sp -= 3;
			return OBJ_FALSE;
		}
		if (kind & F_DOTTED) {
			r->err = "more than one datum after a dot";
			return OBJ_NULL;
		}
		if (kind & F_AFTER_DOT) {
			obj_init_field(L, stk(L)[f + 2], 1, d);	/* the datum being read */
			sset(L, f, fx((kind & ~F_AFTER_DOT) | F_DOTTED));
			return OBJ_FALSE;
		}
		obj p = lisp_cons(L, d, OBJ_NIL);

		if (p == OBJ_NULL)
			return OBJ_NULL;
		if (stk(L)[f + 1] == OBJ_NIL)
			sset(L, f + 1, p);
		else
			obj_init_field(L, stk(L)[f + 2], 1, p);
		sset(L, f + 2, p);
		return OBJ_FALSE;
	}
	*done = true;
	return d;
}

static obj read_datum(struct rd *r)
{
	struct lisp *L = r->L;

	for (;;) {
		enum tok t = next_token(r);
		bool done;
		obj d = OBJ_NULL;

		switch (t) {
		case T_EOF:
			if (L->sp > r->base + 1) {
				r->err = "unexpected end of input (missing \")\")";
				return OBJ_NULL;
			}
			return OBJ_EOF;
		case T_ERROR:
		case T_NONE:
			return OBJ_NULL;
		case T_OPEN:
		case T_VEC:
		case T_U8:
			if (!push_frame(r, t == T_OPEN ? F_LIST : t == T_VEC ? F_VEC : F_U8, OBJ_NIL))
				return OBJ_NULL;
			continue;
		case T_QUOTE:
			if (!push_frame(r, F_QUOTE, r->datum))
				return OBJ_NULL;
			continue;
		case T_SKIP:
			if (!push_frame(r, F_SKIP, OBJ_NIL))
				return OBJ_NULL;
			continue;
		case T_DOT: {
			intptr_t kind = L->sp > r->base + 1 ? fxv(stk(L)[L->sp - 3]) : -1;

			if (kind != F_LIST || stk(L)[L->sp - 2] == OBJ_NIL) {
				r->err = "unexpected \".\"";
				return OBJ_NULL;
			}
			sset(L, L->sp - 3, fx(kind | F_AFTER_DOT));
			continue;
		}
		case T_CLOSE: {
			intptr_t kind = L->sp > r->base + 1 ? fxv(stk(L)[L->sp - 3]) : -1;

			if (kind < 0 || (kind & 15) > F_U8) {
				r->err = kind < 0 ? "unexpected \")\"" : "missing datum before \")\"";
				return OBJ_NULL;
			}
			if (kind & F_AFTER_DOT) {
				r->err = "missing datum after \".\"";
				return OBJ_NULL;
			}
			d = stk(L)[L->sp - 2];
			L->sp -= 3;
			if ((kind & 15) != F_LIST) {
				d = list_to_vector(r, d, (kind & 15) == F_U8);
				if (d == OBJ_NULL)
					return OBJ_NULL;
			}
			break;
		}
		case T_DATUM:
			d = r->datum;
			break;
		}
		d = complete(r, d, &done);
		if (d == OBJ_NULL)
			return OBJ_NULL;
		if (done)
			return d;
	}
}

obj lisp_read(struct lisp *L, struct lisp_input *in)
{
	struct rd r = { .L = L, .in = in, .base = L->sp, .datum = OBJ_FALSE };
	obj buf = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 64), d;

	if (buf == OBJ_NULL || !lisp_push(L, buf))
		return OBJ_NULL;
	GC_ROOT(L->h, r.datum);
	d = read_datum(&r);
	GC_UNROOT(L->h, r.datum);
	if (d == OBJ_NULL) {
		unsigned depth = open_lists(&r);

		if (r.err) {
			char msg[128];
			int n = ksnprintf(msg, sizeof(msg), "read: %s", r.err);

			if (r.token && n > 0 && (size_t)n < sizeof(msg) - 2) {
				size_t room = sizeof(msg) - (size_t)n - 1, pl = strlen(r.token), k;

				msg[n++] = ' ';
				room--;
				pl = pl < room ? pl : room;
				memcpy(msg + n, r.token, pl);
				n += (int)pl;
				room -= pl;
				k = r.tlen < room ? r.tlen : room;
				memcpy(msg + n, tok(&r), k);
				msg[n + (int)k] = '\0';
			}
			lisp_read_error(L, msg);
		}
		skip_datum(&r, depth);
	}
	L->sp = r.base;
	return d;
}
