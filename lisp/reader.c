/* reader.c -- the datum reader: R7RS external syntax (lists, dotted pairs, vectors, bytevectors,
 * strings, characters, exact integers, symbols incl. |...|, quote forms, ; #| |# #; comments,
 * datum labels #n= #n#, and the #!fold-case / #!no-fold-case directives).
 * No C recursion: open lists are frames on the value stack (kind, head, last pair); token text
 * collects in a scratch bytevector in the slot below them. Input is UTF-8: every string, symbol
 * and character is checked as its bytes are read (comments are not), so a datum never holds an
 * invalid sequence. One error per bad datum, then resynchronisation: the rest of the datum is
 * skipped (parentheses balanced, but never past a line that starts with "(" or "[": that is
 * taken for the next datum), then the rest of its line, so reading resumes at a line start. */
#include "internal.h"
#include "unicode.h"

enum { F_LIST, F_VEC, F_U8, F_QUOTE, F_SKIP, F_LABEL };
#define F_AFTER_DOT	16	/* a "." was read: the next datum is the tail */
#define F_DOTTED	32	/* the tail was read: only ")" may follow */

enum tok { T_EOF, T_OPEN, T_CLOSE, T_DOT, T_DATUM, T_VEC, T_U8, T_QUOTE, T_SKIP, T_LABEL, T_ERROR,
	   T_NONE };

/* A datum label's entry (#n=): a 3-slot vector, made by the reader and seen by nobody else. While
 * its datum is being read the entry itself stands in for it (a #n# inside gives the entry), and
 * every place such a stand-in is stored into is noted in E_FIXUPS; when the datum is complete,
 * E_VALUE becomes it and the noted places are patched. So a cycle costs one store per #n#, and
 * no walk of the datum is needed. */
enum { E_LABEL, E_VALUE, E_FIXUPS, E_SIZE };
#define LABEL_MAX	99999999	/* #n= with n above it is an error (no overflow) */

struct rd {
	struct lisp *L;
	struct lisp_input *in;
	size_t base;		/* stk[base]: scratch buffer; frames above */
	size_t tlen;		/* bytes of token text in the scratch buffer */
	obj datum;		/* the token's value (T_DATUM) or quote symbol (T_QUOTE); rooted */
	obj labels;		/* this datum's label entries, newest first (a list); rooted */
	const char *err;
	const char *token;	/* with err: the message ends with this prefix and the token text */
	char prefix[8];		/* #x, #b, ... of a number token */
	char msg[64];		/* err, when it is formatted (it names a byte and a line) */
	int last;		/* the byte consumed last (-1: none yet, or the end of input) */
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

static bool push_frame(struct rd *r, int kind, obj a);
static int rgetc(struct rd *r) { return r->last = lisp_input_getc(r->in, false); }
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

/* The first error of a datum is the one reported; *why names the byte b and its line. */
static void bad_byte(struct rd *r, const char *why, int b)
{
	if (r->err)
		return;
	ksnprintf(r->msg, sizeof(r->msg), "%s #x%x on line %u", why, (unsigned)b, r->in->line);
	r->err = r->msg;
}

/* A byte of the input into the token: a byte from 0x80 up starts a UTF-8 sequence, taken whole
 * here; only its continuation bytes are consumed, so a bad one leaves a delimiter after it in
 * place. An invalid sequence is an error (the token is still read to its end). */
static bool tok_add_raw(struct rd *r, int c)
{
	int k = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
	uint32_t v = (uint32_t)c & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);

	if (!tok_add(r, c))
		return false;
	if (c < 0x80)
		return true;
	for (int i = 1; i < k; i++) {
		int d = rpeek(r);

		if (d < 0 || (d & 0xC0) != 0x80) {
			k = 0;
			break;
		}
		if (!tok_add(r, rgetc(r)))
			return false;
		v = v << 6 | ((uint32_t)d & 0x3F);
	}
	if (k == 0 || (k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		bad_byte(r, "invalid UTF-8: byte", c);
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

/* tok_is, any ASCII letter case matching (s is lower case) */
static bool tok_is_ci(struct rd *r, const char *s)
{
	if (r->tlen != strlen(s))
		return false;
	for (size_t i = 0; i < r->tlen; i++)
		if ((tok(r)[i] >= 'A' && tok(r)[i] <= 'Z' ? tok(r)[i] | 0x20 : tok(r)[i]) != (uint8_t)s[i])
			return false;
	return true;
}

/* Read constituents up to a delimiter into the token buffer (after what is there already);
 * false after an error. A control character is no constituent, but no delimiter either: an
 * error, so that a stray byte of binary input does not become part of a symbol's name. */
static bool read_rest(struct rd *r)
{
	while (!delimiter_p(rpeek(r))) {
		int c = rgetc(r);

		if (c < ' ' || c == 127)
			bad_byte(r, "control character", c);
		if (!tok_add_raw(r, c))
			return false;
	}
	return r->err == NULL;
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

/* Hex digits s[0..len) as a character code; a value past Unicode saturates (no overflow). */
static uint32_t hex_code(const uint8_t *s, size_t len, size_t *ndigits)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < len && hexval(s[i]) >= 0; i++)
		v = v > 0x10FFFF ? v : v * 16 + (uint32_t)hexval(s[i]);
	*ndigits = i;
	return v;
}

/* \x<hex>; in strings and |symbols| (the x already read). Only hex digits and the ";" are
 * consumed: a closing quote after a bad escape still closes. */
static bool hex_escape(struct rd *r, uint32_t *out)
{
	uint32_t v = 0;
	size_t n = 0;
	obj dummy;

	for (; hexval(rpeek(r)) >= 0; n++) {
		int d = hexval(rgetc(r));

		if (v <= 0x10FFFF)	/* past Unicode it stays past: no overflow */
			v = v * 16 + (uint32_t)d;
	}
	if (n == 0 || rpeek(r) != ';') {
		if (!r->err)
			r->err = "bad \\x escape (\\x<hex digits>; expected)";
		return false;
	}
	rgetc(r);
	if (!obj_char_checked(v, &dummy)) {
		if (!r->err)
			r->err = "\\x escape is not a Unicode scalar value";
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
				/* line continuation: \ <spaces> line end <spaces>; only
				 * whitespace is consumed, so a quote after \ and spaces closes */
				while (c == ' ' || c == '\t') {
					int d = rpeek(r);

					if (d != ' ' && d != '\t' && d != '\n' && d != '\r')
						break;
					c = rgetc(r);
				}
				if (c == '\r' && rpeek(r) == '\n')
					c = rgetc(r);
				if (c != '\n' && c != '\r') {
					if (!r->err)
						r->err = "bad escape in string (\\ then spaces, no line end)";
					continue;
				}
				while (rpeek(r) == ' ' || rpeek(r) == '\t')
					rgetc(r);
				continue;
			default:
				if (c < 0)
					continue;
				if (!r->err)
					r->err = "bad escape in string";
				continue;
			}
			if (!tok_add(r, c))
				return T_ERROR;
			continue;
		}
		if (!tok_add_raw(r, c))
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
	if (!tok_add_raw(r, c) || !read_rest(r))
		return T_ERROR;
	u = lisp_utf8_decode(tok(r), r->tlen, 0, &n);
	if (n == r->tlen) {
		r->datum = obj_char(u);
		return T_DATUM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(char_names); i++)
		if (r->in->fold_case ? tok_is_ci(r, char_names[i].name) : tok_is(r, char_names[i].name)) {
			r->datum = obj_char(char_names[i].c);
			return T_DATUM;
		}
	if ((tok(r)[0] == 'x' || tok(r)[0] == 'X') && r->tlen > 1) {
		uint32_t v = hex_code(tok(r) + 1, r->tlen - 1, &n);

		if (n == r->tlen - 1) {
			if (obj_char_checked(v, &r->datum))
				return T_DATUM;
			r->err = "not a Unicode scalar value:";
			r->token = "#\\";
			return T_ERROR;
		}
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
	return has_byte((const uint8_t *)"xXbBoOdDeEiI", 12, c);
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

static bool exactness_char_p(int c) { return (c | 0x20) == 'e' || (c | 0x20) == 'i'; }

/* Under #!fold-case: the token's text as string-foldcase makes it, appended after the token
 * (the token is valid UTF-8: read_rest checked it); *start gets where it begins. */
static bool fold_token(struct rd *r, size_t *start)
{
	size_t len = r->tlen, w;
	struct unicode_casing cs;
	uint32_t out[UNICODE_FULL_MAX];

	unicode_case_init(&cs, UNICODE_FOLD);
	for (size_t i = 0; i < len; i += w) {
		size_t n = unicode_case_next(&cs, tok(r), len, i, &w, out);	/* tok(r) may move */

		for (size_t k = 0; k < n; k++)
			if (!tok_add_utf8(r, out[k]))
				return false;
	}
	*start = len;
	return true;
}

/* A token of constituents: number or symbol (or "."); exactness 'e' or 'i' after a #e or #i
 * prefix, else 0. */
static enum tok atom(struct rd *r, unsigned radix, bool prefixed, int exactness)
{
	struct lisp *L = r->L;
	obj n;

	if (!prefixed && tok_is(r, "."))
		return T_DOT;
	n = lisp_parse_number_ex(L, stk(L)[r->base], 0, r->tlen, radix, exactness);
	if (n == OBJ_NULL)
		return T_ERROR;
	if (n != OBJ_FALSE) {
		r->datum = n;
		return T_DATUM;
	}
	if (prefixed || (numeric_p(tok(r), r->tlen) &&
			 (has_byte(tok(r), r->tlen, '.') || has_byte(tok(r), r->tlen, '/') ||
			  has_byte(tok(r), r->tlen, 'e')))) {
		r->err = "bad number:";
		r->token = prefixed ? r->prefix : "";
		return T_ERROR;
	}
	size_t start = 0;

	if (r->in->fold_case && !fold_token(r, &start))
		return T_ERROR;
	r->datum = lisp_copy_bytes(L, OBJ_T_STRING, stk(L)[r->base], start, r->tlen - start);
	if (r->datum != OBJ_NULL)
		r->datum = lisp_intern_string(L, r->datum);
	return r->datum == OBJ_NULL ? T_ERROR : T_DATUM;
}

static obj label_find(struct rd *r, intptr_t n)
{
	for (obj l = r->labels; l != OBJ_NIL; l = obj_cdr(l))
		if (fxv(obj_vector_ref(obj_car(l), E_LABEL)) == n)
			return obj_car(l);
	return OBJ_FALSE;
}

static bool label_entry_p(struct rd *r, obj d)
{
	for (obj l = r->labels; l != OBJ_NIL; l = obj_cdr(l))
		if (obj_car(l) == d)
			return true;
	return false;
}

/* A label's value, or its entry while its datum is being read; an entry that stood in for
 * another label's datum (#1=#0# inside #0=) is followed to what that label became */
static obj label_value(struct rd *r, obj e)
{
	obj v;

	while ((v = obj_vector_ref(e, E_VALUE)) != e && label_entry_p(r, v))
		e = v;
	return v;
}

/* Whether d is the entry of a label whose datum is still being read (standing in for it) */
static bool pending_p(struct rd *r, obj d)
{
	return label_entry_p(r, d) && obj_vector_ref(d, E_VALUE) == d;
}

/* #n= (T_LABEL, r->datum the label n) or #n# (T_DATUM: the labelled datum, or its entry while
 * that datum is still being read); the "#" is read, a digit is next. */
static enum tok read_label(struct rd *r)
{
	intptr_t n = 0;
	int c;

	while ((c = rpeek(r)) >= '0' && c <= '9') {
		rgetc(r);
		n = n > LABEL_MAX ? n : n * 10 + (c - '0');
		if (!tok_add(r, c))
			return T_ERROR;
	}
	r->token = "#";
	if (c == '=' || c == '#') {	/* anything else is left for the next datum */
		rgetc(r);
		if (!tok_add(r, c))
			return T_ERROR;
	}
	if (n > LABEL_MAX || (c != '=' && c != '#')) {
		r->err = n > LABEL_MAX ? "datum label too large:" : "bad datum label (#n= or #n# expected):";
		return T_ERROR;
	}
	if (c == '=') {
		r->token = NULL;
		r->datum = fx(n);
		return T_LABEL;
	}
	obj e = label_find(r, n);

	if (e == OBJ_FALSE) {
		r->err = "undefined datum label:";
		return T_ERROR;
	}
	r->token = NULL;
	r->datum = label_value(r, e);
	return T_DATUM;
}

/* #n=: a new entry, first in r->labels (it shadows an older #n=), pushed as an F_LABEL frame */
static bool label_open(struct rd *r, obj n)
{
	struct lisp *L = r->L;
	obj e = lisp_make_vector(L, E_SIZE, OBJ_NIL), l;

	if (e == OBJ_NULL)
		return false;
	obj_init_field(L, e, E_LABEL, n);
	obj_init_field(L, e, E_VALUE, e);
	ROOT(e);
	l = lisp_cons(L, e, r->labels);
	UNROOT(e);
	if (l == OBJ_NULL)
		return false;
	r->labels = l;
	return push_frame(r, F_LABEL, e);
}

/* d was just stored as field i of holder (made by this read): if d stands in for a label's
 * datum, note the place, to be patched when that datum is complete. *holder and *d are
 * updated if a collection moves them. */
static bool note_store(struct rd *r, obj *holder, size_t i, obj *d)
{
	struct lisp *L = r->L;
	obj fix;

	if (r->labels == OBJ_NIL || !pending_p(r, *d))
		return true;
	ROOT(*holder);
	ROOT(*d);
	fix = lisp_cons(L, *holder, fx((intptr_t)i));
	if (fix != OBJ_NULL)
		fix = lisp_cons(L, fix, obj_vector_ref(*d, E_FIXUPS));
	UNROOT(*d);
	UNROOT(*holder);
	if (fix == OBJ_NULL)
		return false;
	lisp_store_now(L, *d, E_FIXUPS, fix);
	return true;
}

/* The datum of entry e is complete: it becomes the label's value, and the places where e stood
 * in for it get it. */
static bool label_close(struct rd *r, obj e, obj d)
{
	struct lisp *L = r->L;

	if (d == e) {
		r->err = "a datum label names only itself (#n=#n#)";
		return false;
	}
	for (obj l = obj_vector_ref(e, E_FIXUPS); l != OBJ_NIL; l = obj_cdr(l))
		lisp_store_now(L, obj_car(obj_car(l)), (size_t)fxv(obj_cdr(obj_car(l))), d);
	lisp_store_now(L, e, E_VALUE, d);
	lisp_store_now(L, e, E_FIXUPS, OBJ_NIL);
	return true;
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
	if (c >= '0' && c <= '9')
		return read_label(r);
	if (!read_rest(r))
		return T_ERROR;
	if (tok_is(r, "!fold-case") || tok_is(r, "!no-fold-case")) {
		r->in->fold_case = tok(r)[1] == 'f';	/* for the rest of this input */
		return T_NONE;
	}
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
		int exactness;

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
		/* at most one radix and one exactness prefix (R7RS): #x#x10, #e#e1 and #x#e#x1 are
		 * no numbers */
		if ((skip == 3 && exactness_char_p(tok(r)[0]) == exactness_char_p(tok(r)[2])) ||
		    (r->tlen > skip && tok(r)[skip] == '#')) {
			r->err = "bad number:";
			r->token = "#";
			return T_ERROR;
		}
		exactness = exactness_char_p(tok(r)[0]) ? tok(r)[0] | 0x20 :
			    skip == 3 && exactness_char_p(tok(r)[2]) ? tok(r)[2] | 0x20 : 0;
		/* parse the digits; an error message shows the prefix again */
		r->prefix[0] = '#';
		for (size_t i = 0; i < skip && i + 2 < sizeof(r->prefix); i++)
			r->prefix[i + 1] = (char)tok(r)[i];
		r->prefix[skip < sizeof(r->prefix) - 2 ? skip + 1 : sizeof(r->prefix) - 1] = '\0';
		memmove(obj_bytes_data(stk(r->L)[r->base]), tok(r) + skip, r->tlen - skip);
		r->tlen -= skip;
		return atom(r, radix, true, exactness);
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
			while ((c = rgetc(r)) >= 0 && c != '\n' && c != '\r')
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
			if (c < ' ' || c == 127)
				bad_byte(r, "control character", c);
			if (!tok_add_raw(r, c) || !read_rest(r))
				return T_ERROR;
			return atom(r, 10, false, 0);
		}
	}
}

/* In recovery: the next byte, or -1 at the end of input and at the start of a line that begins
 * with "(" or "[" (left unread: the next datum, most likely, after a bad one left open). */
static int skip_getc(struct rd *r)
{
	int c = rgetc(r);

	if ((c == '\n' || c == '\r') && (rpeek(r) == '(' || rpeek(r) == '['))
		return -1;
	return c;
}

/* After an error: skip the rest of the datum, up to where the open frames' parentheses close
 * (strings, |symbols|, characters and comments in it skipped as such), then the rest of that
 * line, so that the next datum is read from a line start. */
static void skip_datum(struct rd *r, unsigned depth)
{
	int c = 0;

	while (depth > 0 && (c = skip_getc(r)) >= 0) {
		switch (c) {
		case '(': case '[': depth++; break;
		case ')': case ']': depth--; break;
		case ';':
			while ((c = skip_getc(r)) >= 0 && c != '\n' && c != '\r')
				;
			break;
		case '"': case '|': {
			int q = c;

			while ((c = skip_getc(r)) >= 0 && c != q)
				if (c == '\\' && (c = skip_getc(r)) < 0)
					break;
			break;
		}
		case '#':
			if (rpeek(r) == '\\') {
				rgetc(r);
				c = skip_getc(r);
			} else if (rpeek(r) == '|') {
				int nest = 1, prev = 0;

				rgetc(r);
				while (nest > 0 && (c = skip_getc(r)) >= 0) {
					if (prev == '|' && c == '#')
						nest--, c = 0;
					else if (prev == '#' && c == '|')
						nest++, c = 0;
					prev = c;
				}
			}
			break;
		}
		if (c < 0)
			return;
	}
	if (r->last == '\n' || r->last == '\r' || r->last < 0)
		return;
	while ((c = rgetc(r)) >= 0 && c != '\n' && c != '\r')
		;
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
			obj x = car(list);

			obj_init_field(L, v, (size_t)i, x);
			ROOT(list);
			bool ok = note_store(r, &v, (size_t)i, &x);
			UNROOT(list);
			if (!ok)
				return OBJ_NULL;
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
			obj q = lisp_list2(L, stk(L)[f + 1], d), rest;

			L->sp -= 3;
			if (q == OBJ_NULL)
				return OBJ_NULL;
			rest = cdr(q);
			d = car(rest);	/* the list2 may have collected: d moved */
			ROOT(q);
			bool ok = note_store(r, &rest, 0, &d);
			UNROOT(q);
			if (!ok)
				return OBJ_NULL;
			d = q;
			continue;
		}
		if (kind == F_LABEL) {
			obj e = stk(L)[f + 1];

			L->sp -= 3;
			if (!label_close(r, e, d))
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
			obj last = stk(L)[f + 2];

			obj_init_field(L, last, 1, d);	/* the datum being read */
			sset(L, f, fx((kind & ~F_AFTER_DOT) | F_DOTTED));
			if (!note_store(r, &last, 1, &d))
				return OBJ_NULL;
			return OBJ_FALSE;
		}
		obj p = lisp_cons(L, d, OBJ_NIL);

		if (p == OBJ_NULL)
			return OBJ_NULL;
		d = obj_car(p);	/* the cons may have collected: d moved */
		if (!note_store(r, &p, 0, &d))
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
				intptr_t kind = fxv(stk(L)[L->sp - 3]);

				r->err = kind == F_QUOTE ? "unexpected end of input after a quote" :
					 kind == F_SKIP ? "unexpected end of input after #;" :
					 kind == F_LABEL ? "unexpected end of input after a datum label" :
					 "unexpected end of input (missing \")\")";
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
		case T_LABEL:
			if (!label_open(r, r->datum))
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
				L->sp -= 3;	/* the ")" closed it: not to be skipped again */
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

/* The error's message: "read: " and err, then the token's prefix and text, with a control
 * character (or an invalid byte) as \x..; and cut at a character boundary with "..." where it
 * does not fit: the message is a string, so it must be UTF-8 too. */
static void error_message(struct rd *r, char *msg, size_t size)
{
	size_t n = 0, len = r->tlen;
	const uint8_t *t = tok(r);

	ksnprintf(msg, size, "read: %s%s%s", r->err, r->token ? " " : "", r->token ? r->token : "");
	n = strlen(msg);
	for (size_t i = 0; r->token && i < len;) {
		size_t k;
		uint32_t c = lisp_utf8_decode(t, len, i, &k);
		char e[8];

		if (c < ' ' || c == 127 || (c == 0xFFFD && k == 1)) {
			ksnprintf(e, sizeof(e), "\\x%x;", t[i]);
			k = 1;
		} else {
			memcpy(e, t + i, k);
			e[k] = '\0';
		}
		if (n + strlen(e) + 4 > size) {
			memcpy(msg + n, "...", 4);
			return;
		}
		memcpy(msg + n, e, strlen(e) + 1);
		n += strlen(e);
		i += k;
	}
}

obj lisp_read(struct lisp *L, struct lisp_input *in)
{
	struct rd r = { .L = L, .in = in, .base = L->sp, .datum = OBJ_FALSE, .labels = OBJ_NIL };
	obj buf = lisp_make_bytes(L, OBJ_T_BYTEVECTOR, NULL, 64), d;

	if (buf == OBJ_NULL || !lisp_push(L, buf))
		return OBJ_NULL;
	GC_ROOT(L->h, r.datum);
	GC_ROOT(L->h, r.labels);
	d = read_datum(&r);
	GC_UNROOT(L->h, r.labels);
	GC_UNROOT(L->h, r.datum);
	if (d == OBJ_NULL) {
		unsigned depth = open_lists(&r);

		if (r.err) {
			char msg[128];

			error_message(&r, msg, sizeof(msg));
			lisp_read_error(L, msg);
		}
		skip_datum(&r, depth);
	}
	L->sp = r.base;
	return d;
}
