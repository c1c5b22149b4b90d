/* strings.c -- characters and strings. A string is UTF-8 bytes with a byte length (object.h);
 * character indexing walks from the start (O(n)) except over an all-ASCII prefix, which is
 * indexed directly. An object may hold more bytes than the string uses: string-set! can then
 * widen a character in place (make-string and string-copy leave room for that); where there is
 * no room it raises an error. Character properties and case mappings are Unicode's (unicode.h).
 * A shared string may change length while another CPU works on it: every length is read once
 * (obj_bytes_length, never past the capacity), offsets found with one reading are checked
 * against the reading that bounds a write, and a string being filled never takes more bytes
 * than were counted for it. A racing program gets odd characters, never memory outside a
 * string. */
#include "compile.h"
#include "unicode.h"

#define ARGC_UNUSED	(void)argc

size_t lisp_utf8_encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

static size_t utf8_width(uint32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

/* Invalid sequences decode as U+FFFD, one byte at a time. */
uint32_t lisp_utf8_decode(const uint8_t *s, size_t len, size_t i, size_t *n)
{
	uint32_t c = s[i], v;
	size_t k;

	*n = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xF0 && c < 0xF8) {
		k = 4;
		v = c & 7;
	} else if (c >= 0xE0) {
		k = 3;
		v = c & 15;
	} else if (c >= 0xC2 && c < 0xE0) {
		k = 2;
		v = c & 31;
	} else {
		return 0xFFFD;
	}
	if (i + k > len)
		return 0xFFFD;
	for (size_t j = 1; j < k; j++) {
		if ((s[i + j] & 0xC0) != 0x80)
			return 0xFFFD;
		v = v << 6 | (s[i + j] & 0x3F);
	}
	if ((k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF))
		return 0xFFFD;
	*n = k;
	return v;
}

size_t lisp_string_length(struct lisp *L, obj s)
{
	const uint8_t *p = obj_bytes_data(s);
	size_t len, n = 0, i = 0;

	if (obj_string_ascii_p(s, &len))
		return len;
	while (i < len) {
		size_t k;

		if (p[i] < 0x80) {
			i++;
		} else {
			lisp_utf8_decode(p, len, i, &k);
			i += k;
		}
		n++;
	}
	/* Only a string no other CPU can reach is marked: another CPU's same-length change
	 * (string-copy! of "aé" over "éa") may be counted half done, 3 bytes as 3 characters.
	 * This CPU's threads change strings only in primitives, which a switch never splits. */
	if (n == len && !gc_shared_p(L->h, s))
		obj_string_mark_ascii(s, len);
	return n;
}

/* Longest unmarked string whose characters ascii_part counts: a short literal ("123") costs
 * little to count once; a long unmarked one is left for string-length to count if asked. */
#define ASCII_SCAN_MAX	256

/* True if s, an argument of a primitive making a fresh string from it, is all ASCII in its len
 * bytes for certain: marked so (obj_string_ascii_p) or short enough to count (which marks it),
 * and no other CPU can reach it, so its characters cannot change while the primitive copies
 * them (the rule of lisp_string_length's mark). False says nothing. */
static bool ascii_part(struct lisp *L, obj s, size_t len)
{
	size_t marked;

	if (gc_shared_p(L->h, s))
		return false;
	if (obj_string_ascii_p(s, &marked))
		return marked == len;
	return len <= ASCII_SCAN_MAX && lisp_string_length(L, s) == len;
}

/* Bumped by every change of a string's layout (a character replaced by one of another width,
 * string-copy!), on any CPU: the position caches taken before are stale. Relaxed: a thread
 * that sees another's change through a channel or a lock sees the bump with it. */
static unsigned string_epoch;

static void layout_changed(void)
{
	__atomic_add_fetch(&string_epoch, 1, __ATOMIC_RELAXED);
}

/* Byte offset of character k (k <= length: the end); SIZE_MAX if out of range. O(1) for a
 * string marked ASCII (object.h); else a walk from the interpreter's cached position of the
 * same string (a loop over a string walks it once) or from the start. */
static size_t char_offset(struct lisp *L, obj s, size_t k)
{
	const uint8_t *p = obj_bytes_data(s);
	size_t len, i = 0, k0 = k, word;
	unsigned epoch;

	if (obj_string_ascii_p(s, &len))
		return k <= len ? k : SIZE_MAX;
	word = __atomic_load_n(&obj_words(s)[1], __ATOMIC_RELAXED);
	epoch = __atomic_load_n(&string_epoch, __ATOMIC_RELAXED);
	if (L->spos_str == s && L->spos_word == word && L->spos_epoch == epoch &&
	    L->spos_k <= k && L->spos_off <= len) {
		i = L->spos_off;
		k -= L->spos_k;
	} else {
		while (i < len && i < k && p[i] < 0x80)	/* the ASCII prefix */
			i++;
		if (i == k)
			return i <= len ? i : SIZE_MAX;
		k -= i;
	}
	while (k > 0 && i < len) {
		size_t n;

		lisp_utf8_decode(p, len, i, &n);
		i += n;
		k--;
	}
	if (k != 0)
		return SIZE_MAX;
	L->spos_str = s;
	L->spos_word = word;
	L->spos_epoch = epoch;
	L->spos_k = k0;
	L->spos_off = i;
	return i;
}

static size_t capacity(obj s) { return obj_bytes_capacity(s); }

/* A string of len bytes with room for cap bytes (cap >= len): its first fill bytes left for
 * the caller, who copies them in at once (lisp_make_bytes_fill), the rest zeroed. */
#define STRING_MAX_BYTES	((OBJ_MAX_FIELDS - 1) * sizeof(obj))	/* lisp_make_bytes' limit */

static obj make_string_room(struct lisp *L, size_t len, size_t cap, size_t fill)
{
	obj s = lisp_make_bytes_fill(L, OBJ_T_STRING, NULL, fill, cap);

	if (s != OBJ_NULL)
		obj_bytes_set_length(s, len);
	return s;
}

/* Append character c to the fresh string s filled to *len of its n bytes; false (nothing
 * written) if it does not fit: what was counted changed meanwhile. */
static bool put_char(obj s, size_t *len, size_t n, uint32_t c)
{
	char u[4];
	size_t w = lisp_utf8_encode(c, u);

	if (w > n - *len)
		return false;
	memcpy(obj_bytes_data(s) + *len, u, w);
	*len += w;
	return true;
}

static obj changed(struct lisp *L, const char *who, obj s)
{
	return lisp_errorf(L, s, "%s: the string changed while it was being used (another CPU?):", who);
}

/* --- characters --- */

static obj want_char(struct lisp *L, const char *who, obj x)
{
	return lisp_type_error(L, who, "character", x);
}

static obj p_char_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(obj_char_p(argv[0])); }

static obj p_char_to_integer(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return obj_char_p(argv[0]) ? fx(obj_char_value(argv[0])) : want_char(L, "char->integer", argv[0]);
}

static obj p_integer_to_char(struct lisp *L, int argc, obj *argv)
{
	obj c;

	ARGC_UNUSED;
	if (!obj_fixnum_p(argv[0]) || fxv(argv[0]) < 0 || !obj_char_checked((uint32_t)fxv(argv[0]), &c))
		return lisp_type_error(L, "integer->char", "Unicode scalar value", argv[0]);
	return c;
}

static obj char_compare(struct lisp *L, int argc, obj *argv, const char *who, int op, bool ci)
{
	for (int i = 0; i < argc; i++)
		if (!obj_char_p(argv[i]))
			return want_char(L, who, argv[i]);
	for (int i = 0; i + 1 < argc; i++) {
		uint32_t a = obj_char_value(argv[i]), b = obj_char_value(argv[i + 1]);
		bool r;

		if (ci) {
			a = unicode_foldcase(a);
			b = unicode_foldcase(b);
		}
		switch (op) {
		case 0: r = a == b; break;
		case 1: r = a < b; break;
		case 2: r = a > b; break;
		case 3: r = a <= b; break;
		default: r = a >= b; break;
		}
		if (!r)
			return OBJ_FALSE;
	}
	return OBJ_TRUE;
}

#define CHAR_CMP(fn, name, op, ci) \
	static obj fn(struct lisp *L, int argc, obj *argv) { return char_compare(L, argc, argv, name, op, ci); }
CHAR_CMP(p_char_eq, "char=?", 0, false) CHAR_CMP(p_char_lt, "char<?", 1, false)
CHAR_CMP(p_char_gt, "char>?", 2, false) CHAR_CMP(p_char_le, "char<=?", 3, false)
CHAR_CMP(p_char_ge, "char>=?", 4, false)
CHAR_CMP(p_char_ci_eq, "char-ci=?", 0, true) CHAR_CMP(p_char_ci_lt, "char-ci<?", 1, true)
CHAR_CMP(p_char_ci_gt, "char-ci>?", 2, true) CHAR_CMP(p_char_ci_le, "char-ci<=?", 3, true)
CHAR_CMP(p_char_ci_ge, "char-ci>=?", 4, true)

#define CHAR_PRED(fn, name, test) \
	static obj fn(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; \
		return obj_char_p(argv[0]) ? obj_bool(test(obj_char_value(argv[0]))) : want_char(L, name, argv[0]); }
static bool numeric_p(uint32_t c) { return unicode_digit(c) >= 0; }
CHAR_PRED(p_char_alpha, "char-alphabetic?", unicode_alphabetic_p)
CHAR_PRED(p_char_numeric, "char-numeric?", numeric_p)
CHAR_PRED(p_char_white, "char-whitespace?", unicode_white_p)
CHAR_PRED(p_char_upper, "char-upper-case?", unicode_upper_p)
CHAR_PRED(p_char_lower, "char-lower-case?", unicode_lower_p)

#define CHAR_MAP(fn, name, map) \
	static obj fn(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; \
		return obj_char_p(argv[0]) ? obj_char(map(obj_char_value(argv[0]))) : want_char(L, name, argv[0]); }
CHAR_MAP(p_char_upcase, "char-upcase", unicode_upcase)
CHAR_MAP(p_char_downcase, "char-downcase", unicode_downcase)
CHAR_MAP(p_char_foldcase, "char-foldcase", unicode_foldcase)

static obj p_digit_value(struct lisp *L, int argc, obj *argv)
{
	int d;

	ARGC_UNUSED;
	if (!obj_char_p(argv[0]))
		return want_char(L, "digit-value", argv[0]);
	d = unicode_digit(obj_char_value(argv[0]));
	return d >= 0 ? fx(d) : OBJ_FALSE;
}

/* --- strings --- */

static obj want_string(struct lisp *L, const char *who, obj x)
{
	return lisp_type_error(L, who, "string", x);
}

static obj p_string_p(struct lisp *L, int argc, obj *argv) { (void)L; ARGC_UNUSED; return obj_bool(string_p(argv[0])); }

static bool index_arg(obj x, size_t *out)
{
	if (!obj_fixnum_p(x) || fxv(x) < 0)
		return false;
	*out = (size_t)fxv(x);
	return true;
}

static obj p_make_string(struct lisp *L, int argc, obj *argv)
{
	size_t n, w;
	uint32_t c = ' ';
	char u[4];
	obj s;

	if (!index_arg(argv[0], &n))
		return lisp_type_error(L, "make-string", "non-negative exact integer", argv[0]);
	if (argc > 1) {
		if (!obj_char_p(argv[1]))
			return want_char(L, "make-string", argv[1]);
		c = obj_char_value(argv[1]);
	}
	/* as long as the bytes fit one object (a header's 24-bit size in words: 64 MiB on 32-bit
	 * targets); room for some wider characters set later, within that */
	w = lisp_utf8_encode(c, u);
	if (n > STRING_MAX_BYTES / w)
		return lisp_errorf(L, argv[0], "make-string: too long:");
	s = make_string_room(L, n * w, n <= 4096 ? 4 * n : MIN(n * w + n, STRING_MAX_BYTES), 0);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(obj_bytes_data(s) + i * w, u, w);
	return s;
}

static obj p_string(struct lisp *L, int argc, obj *argv)
{
	size_t len = 0;
	obj s;

	for (int i = 0; i < argc; i++) {
		if (!obj_char_p(argv[i]))
			return want_char(L, "string", argv[i]);
		len += utf8_width(obj_char_value(argv[i]));
	}
	s = make_string_room(L, len, len, 0);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	argv = lisp_args(L);
	len = 0;
	for (int i = 0; i < argc; i++)
		len += lisp_utf8_encode(obj_char_value(argv[i]), (char *)obj_bytes_data(s) + len);
	return s;
}

static obj p_string_length(struct lisp *L, int argc, obj *argv)
{
	ARGC_UNUSED;
	return string_p(argv[0]) ? fx((intptr_t)lisp_string_length(L, argv[0])) : want_string(L, "string-length", argv[0]);
}

static obj p_string_ref(struct lisp *L, int argc, obj *argv)
{
	size_t k, off, n;

	ARGC_UNUSED;
	if (!string_p(argv[0]))
		return want_string(L, "string-ref", argv[0]);
	if (!index_arg(argv[1], &k))
		return lisp_type_error(L, "string-ref", "non-negative exact integer", argv[1]);
	off = char_offset(L, argv[0], k);
	if (off == SIZE_MAX || off >= obj_bytes_length(argv[0]))
		return lisp_range_error(L, "string-ref", argv[1]);
	return obj_char(lisp_utf8_decode(obj_bytes_data(argv[0]), obj_bytes_length(argv[0]), off, &n));
}

/* Replace the character at byte offset off (old width ow) with c, in place if it fits. */
static obj set_char(struct lisp *L, const char *who, obj s, size_t off, size_t ow, uint32_t c)
{
	char u[4];
	size_t w = lisp_utf8_encode(c, u), len = obj_bytes_length(s);
	uint8_t *p = obj_bytes_data(s);

	if (off > len || ow > len - off)
		return changed(L, who, s);
	if (len - ow + w > capacity(s))
		return lisp_errorf(L, s, "%s: no room to widen a character in this string (make it with make-string or string-copy):", who);
	if (w != ow) {
		layout_changed();	/* before and after, as string-copy! */
		memmove(p + off + w, p + off + ow, len - off - ow);
	}
	memcpy(p + off, u, w);
	if (w != ow) {
		obj_bytes_set_length(s, len - ow + w);
		layout_changed();
	}
	return OBJ_UNSPECIFIED;
}

static obj p_string_set(struct lisp *L, int argc, obj *argv)
{
	size_t k, off, ow;

	ARGC_UNUSED;
	if (!string_p(argv[0]))
		return want_string(L, "string-set!", argv[0]);
	if (!index_arg(argv[1], &k))
		return lisp_type_error(L, "string-set!", "non-negative exact integer", argv[1]);
	if (!obj_char_p(argv[2]))
		return want_char(L, "string-set!", argv[2]);
	off = char_offset(L, argv[0], k);
	if (off == SIZE_MAX || off >= obj_bytes_length(argv[0]))
		return lisp_range_error(L, "string-set!", argv[1]);
	lisp_utf8_decode(obj_bytes_data(argv[0]), obj_bytes_length(argv[0]), off, &ow);
	return set_char(L, "string-set!", argv[0], off, ow, obj_char_value(argv[2]));
}

/* Optional [start [end]] character range of argv[i..]: byte offsets into s. */
static bool range(struct lisp *L, const char *who, int argc, obj *argv, int i, obj s, size_t *bs, size_t *be)
{
	size_t start = 0, end = SIZE_MAX;

	if (argc > i && !index_arg(argv[i], &start)) {
		lisp_type_error(L, who, "non-negative exact integer", argv[i]);
		return false;
	}
	if (argc > i + 1 && !index_arg(argv[i + 1], &end)) {
		lisp_type_error(L, who, "non-negative exact integer", argv[i + 1]);
		return false;
	}
	*bs = char_offset(L, s, start);
	if (*bs == SIZE_MAX) {
		lisp_range_error(L, who, argv[i]);
		return false;
	}
	if (end == SIZE_MAX) {
		*be = obj_bytes_length(s);
		return true;
	}
	if (end < start) {
		lisp_range_error(L, who, argv[i + 1]);
		return false;
	}
	*be = char_offset(L, s, end);
	if (*be == SIZE_MAX) {
		lisp_range_error(L, who, argv[i + 1]);
		return false;
	}
	return true;
}

static obj copy_range(struct lisp *L, obj s, size_t bs, size_t be, bool room)
{
	size_t len = be - bs, cap = room ? len + (len <= 4096 ? 3 * len : len / 4) : len;

	if (cap > STRING_MAX_BYTES)	/* room for wider characters, within one object */
		cap = MAX(len, STRING_MAX_BYTES);
	obj r;

	bool ascii = ascii_part(L, s, obj_bytes_length(s));

	ROOT(s);
	r = make_string_room(L, len, cap, len);
	UNROOT(s);
	if (r != OBJ_NULL) {
		memcpy(obj_bytes_data(r), obj_bytes_data(s) + bs, len);
		if (ascii)	/* a range of an ASCII string: string-length of the copy is O(1) */
			obj_string_mark_ascii(r, len);
	}
	return r;
}

static obj p_substring(struct lisp *L, int argc, obj *argv)
{
	size_t bs, be;

	if (!string_p(argv[0]))
		return want_string(L, "substring", argv[0]);
	if (!range(L, "substring", argc, argv, 1, argv[0], &bs, &be))
		return OBJ_NULL;
	return copy_range(L, argv[0], bs, be, false);
}

static obj p_string_copy(struct lisp *L, int argc, obj *argv)
{
	size_t bs, be;

	if (!string_p(argv[0]))
		return want_string(L, "string-copy", argv[0]);
	if (!range(L, "string-copy", argc, argv, 1, argv[0], &bs, &be))
		return OBJ_NULL;
	return copy_range(L, argv[0], bs, be, true);
}

static obj p_string_append(struct lisp *L, int argc, obj *argv)
{
	size_t len = 0;
	bool ascii = true;	/* every part surely ASCII: so is the result */
	obj s;

	for (int i = 0; i < argc; i++) {
		size_t k;

		if (!string_p(argv[i]))
			return want_string(L, "string-append", argv[i]);
		k = obj_bytes_length(argv[i]);
		ascii = ascii && ascii_part(L, argv[i], k);
		len += k;
	}
	s = make_string_room(L, len, len, len);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	argv = lisp_args(L);
	{
		size_t total = len, k;

		len = 0;
		for (int i = 0; i < argc; i++) {
			k = obj_bytes_length(argv[i]);
			if (k > total - len) {	/* it grew meanwhile: what was counted, cut at a
						 * character's start (k < its length: in the object) */
				k = total - len;
				while (k > 0 && (obj_bytes_data(argv[i])[k] & 0xC0) == 0x80)
					k--;
			}
			memcpy(obj_bytes_data(s) + len, obj_bytes_data(argv[i]), k);
			len += k;
		}
		memset(obj_bytes_data(s) + len, 0, total - len);	/* parts that shrank meanwhile */
		obj_bytes_set_length(s, len);
		if (ascii && len == total)	/* fresh, so unshared: the mark's rule holds */
			obj_string_mark_ascii(s, len);
	}
	return s;
}

static obj p_string_to_list(struct lisp *L, int argc, obj *argv)
{
	size_t bs, be, count = 0, base = L->sp;

	if (!string_p(argv[0]))
		return want_string(L, "string->list", argv[0]);
	if (!range(L, "string->list", argc, argv, 1, argv[0], &bs, &be))
		return OBJ_NULL;
	for (size_t i = bs; i < be; count++) {
		size_t n;
		obj s = lisp_args(L)[0];
		uint32_t c = lisp_utf8_decode(obj_bytes_data(s), obj_bytes_length(s), i, &n);

		if (!lisp_push(L, obj_char(c))) {
			L->sp = base;
			return OBJ_NULL;
		}
		i += n;
	}
	return lisp_pop_list(L, count, OBJ_NIL);
}

static obj p_list_to_string(struct lisp *L, int argc, obj *argv)
{
	size_t len = 0;
	obj s;

	intptr_t n = lisp_list_length(argv[0]), k = 0;

	ARGC_UNUSED;
	if (n < 0)
		return lisp_type_error(L, "list->string", "list", argv[0]);
	/* at most n pairs, and the string takes what was counted: another CPU may change a
	 * shared list meanwhile */
	for (obj l = argv[0]; pair_p(l) && k < n; l = cdr(l), k++) {
		obj c = car(l);

		if (!obj_char_p(c))
			return want_char(L, "list->string", c);
		len += utf8_width(obj_char_value(c));
	}
	s = make_string_room(L, len, len, 0);
	if (s == OBJ_NULL)
		return OBJ_NULL;
	{
		size_t total = len;

		len = 0;
		k = 0;
		for (obj l = lisp_args(L)[0]; pair_p(l) && k < n; l = cdr(l), k++) {
			obj c = car(l);

			if (!obj_char_p(c) || !put_char(s, &len, total, obj_char_value(c)))
				return changed(L, "list->string", lisp_args(L)[0]);
		}
		obj_bytes_set_length(s, len);
	}
	return s;
}

/* In one pass: the tail moved once if the width changes, and nothing changed when it does not
 * fit (it was a set_char per character: quadratic when widening, half filled on failure). */
static obj p_string_fill(struct lisp *L, int argc, obj *argv)
{
	size_t bs, be, len, n = 0, w, nlen;
	char u[4];
	uint8_t *p;
	obj s = argv[0];

	if (!string_p(s))
		return want_string(L, "string-fill!", s);
	if (!obj_char_p(argv[1]))
		return want_char(L, "string-fill!", argv[1]);
	if (!range(L, "string-fill!", argc, argv, 2, s, &bs, &be))
		return OBJ_NULL;
	len = obj_bytes_length(s);
	p = obj_bytes_data(s);
	if (be > len)
		return changed(L, "string-fill!", s);
	for (size_t i = bs; i < be; n++) {	/* the characters replaced */
		size_t cw;

		lisp_utf8_decode(p, len, i, &cw);
		i += cw;
	}
	w = lisp_utf8_encode(obj_char_value(argv[1]), u);
	nlen = len - (be - bs) + n * w;		/* n * w <= 4 * len: no overflow */
	if (nlen > capacity(s))
		return lisp_errorf(L, s, "string-fill!: no room to widen a character in this string (make it with make-string or string-copy):");
	if (n * w != be - bs) {
		layout_changed();	/* before and after, as set_char */
		memmove(p + bs + n * w, p + be, len - be);
	}
	for (size_t i = 0; i < n; i++)
		memcpy(p + bs + i * w, u, w);
	if (n * w != be - bs) {
		obj_bytes_set_length(s, nlen);
		layout_changed();
	}
	return OBJ_UNSPECIFIED;
}

/* (string-copy! to at from [start [end]]) */
static obj p_string_copy_to(struct lisp *L, int argc, obj *argv)
{
	size_t at, bs, be, ts, te, tlen;
	obj to = argv[0], from = argv[2];

	if (!string_p(to))
		return want_string(L, "string-copy!", to);
	if (!string_p(from))
		return want_string(L, "string-copy!", from);
	if (!range(L, "string-copy!", argc, argv, 3, from, &bs, &be))
		return OBJ_NULL;
	if (!index_arg(argv[1], &at) || (ts = char_offset(L, to, at)) == SIZE_MAX)
		return lisp_range_error(L, "string-copy!", argv[1]);
	/* the characters of to that get replaced: as many as there are in the source range */
	{
		size_t nchars = 0;

		for (size_t i = bs; i < be; nchars++) {
			size_t n;

			lisp_utf8_decode(obj_bytes_data(from), obj_bytes_length(from), i, &n);
			i += n;
		}
		te = char_offset(L, to, at + nchars);
		if (te == SIZE_MAX)
			return lisp_range_error(L, "string-copy!", argv[1]);
	}
	tlen = obj_bytes_length(to);
	if (ts > te || te > tlen || bs > be || be > obj_bytes_length(from))
		return changed(L, "string-copy!", to);
	if (tlen - (te - ts) + (be - bs) > capacity(to))
		return lisp_errorf(L, to, "string-copy!: no room to widen characters in this string:");
	{
		/* the source may overlap the destination: copy it aside through the stack-free path */
		uint8_t *p = obj_bytes_data(to);
		size_t n = be - bs, old = te - ts;

		/* characters of other widths may now sit in the range: the epoch moves before
		 * (a walk that starts meanwhile is stale) and after (one that read the epoch
		 * before the first move and walked half-copied bytes is stale too) */
		layout_changed();
		if (to == from) {
			/* same string: shift around the replaced region with memmove twice */
			if (n == old) {
				memmove(p + ts, p + bs, n);
				obj_bytes_set_length(to, tlen);	/* clears the ASCII mark */
				layout_changed();
				return OBJ_UNSPECIFIED;
			}
			obj tmp = copy_range(L, from, bs, be, false);

			if (tmp == OBJ_NULL)
				return OBJ_NULL;
			to = lisp_args(L)[0];
			p = obj_bytes_data(to);
			memmove(p + ts + n, p + te, tlen - te);
			memcpy(p + ts, obj_bytes_data(tmp), n);
		} else {
			memmove(p + ts + n, p + te, tlen - te);
			memcpy(p + ts, obj_bytes_data(from) + bs, n);
		}
		obj_bytes_set_length(to, tlen - old + n);	/* also clears the ASCII mark */
		layout_changed();
	}
	return OBJ_UNSPECIFIED;
}

/* The characters of a string through the full case folding, one at a time: string-ci=? and
 * friends compare as if string-foldcase had been applied, without making its strings. */
struct folded {
	const uint8_t *p;
	size_t len, i, k, n;
	uint32_t buf[UNICODE_FULL_MAX];
	struct unicode_casing cs;
};

static void folded_init(struct folded *f, obj s)
{
	f->p = obj_bytes_data(s);
	f->len = obj_bytes_length(s);
	f->i = f->k = f->n = 0;
	unicode_case_init(&f->cs, UNICODE_FOLD);
}

/* the next folded character; false at the end */
static bool folded_next(struct folded *f, uint32_t *c)
{
	if (f->k == f->n) {
		size_t w;

		if (f->i >= f->len)
			return false;
		f->n = unicode_case_next(&f->cs, f->p, f->len, f->i, &w, f->buf);
		f->k = 0;
		f->i += w;
	}
	*c = f->buf[f->k++];
	return true;
}

static int string_cmp(obj a, obj b, bool ci)
{
	size_t la = obj_bytes_length(a), lb = obj_bytes_length(b);
	const uint8_t *pa = obj_bytes_data(a), *pb = obj_bytes_data(b);
	struct folded fa, fb;

	if (!ci) {
		int c = memcmp(pa, pb, la < lb ? la : lb);

		return c != 0 ? (c < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
	}
	folded_init(&fa, a);
	folded_init(&fb, b);
	for (;;) {
		uint32_t x, y;
		bool more_a = folded_next(&fa, &x), more_b = folded_next(&fb, &y);

		if (!more_a || !more_b)
			return more_a ? 1 : more_b ? -1 : 0;
		if (x != y)
			return x < y ? -1 : 1;
	}
}

static obj str_compare(struct lisp *L, int argc, obj *argv, const char *who, int op, bool ci)
{
	for (int i = 0; i < argc; i++)
		if (!string_p(argv[i]))
			return want_string(L, who, argv[i]);
	for (int i = 0; i + 1 < argc; i++) {
		int c = string_cmp(argv[i], argv[i + 1], ci);
		bool r;

		switch (op) {
		case 0: r = c == 0; break;
		case 1: r = c < 0; break;
		case 2: r = c > 0; break;
		case 3: r = c <= 0; break;
		default: r = c >= 0; break;
		}
		if (!r)
			return OBJ_FALSE;
	}
	return OBJ_TRUE;
}

#define STR_CMP(fn, name, op, ci) \
	static obj fn(struct lisp *L, int argc, obj *argv) { return str_compare(L, argc, argv, name, op, ci); }
STR_CMP(p_string_eq, "string=?", 0, false) STR_CMP(p_string_lt, "string<?", 1, false)
STR_CMP(p_string_gt, "string>?", 2, false) STR_CMP(p_string_le, "string<=?", 3, false)
STR_CMP(p_string_ge, "string>=?", 4, false)
STR_CMP(p_string_ci_eq, "string-ci=?", 0, true) STR_CMP(p_string_ci_lt, "string-ci<?", 1, true)
STR_CMP(p_string_ci_gt, "string-ci>?", 2, true) STR_CMP(p_string_ci_le, "string-ci<=?", 3, true)
STR_CMP(p_string_ci_ge, "string-ci>=?", 4, true)

/* The string's characters through a full case mapping (unicode.h): one character may become up
 * to three ("ß" upcases to "SS"), and string-downcase's capital sigma depends on its neighbours. */
static obj map_case(struct lisp *L, obj s, const char *who, enum unicode_case kind)
{
	size_t len = 0, i, w, slen, total;
	struct unicode_casing cs;
	uint32_t m[UNICODE_FULL_MAX];
	obj r;

	if (!string_p(s))
		return want_string(L, who, s);
	slen = obj_bytes_length(s);
	unicode_case_init(&cs, kind);
	for (i = 0; i < slen; i += w) {
		size_t k = unicode_case_next(&cs, obj_bytes_data(s), slen, i, &w, m);

		for (size_t j = 0; j < k; j++)
			len += utf8_width(m[j]);
	}
	ROOT(s);
	r = make_string_room(L, len, len, 0);
	UNROOT(s);
	if (r == OBJ_NULL)
		return OBJ_NULL;
	total = len;
	len = 0;
	unicode_case_init(&cs, kind);
	for (i = 0; i < slen; i += w) {	/* the bytes counted: another CPU may have changed them */
		size_t k = unicode_case_next(&cs, obj_bytes_data(s), slen, i, &w, m), j = 0;

		while (j < k && put_char(r, &len, total, m[j]))
			j++;
		if (j < k)
			break;
	}
	obj_bytes_set_length(r, len);
	return r;
}

static obj p_string_upcase(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return map_case(L, argv[0], "string-upcase", UNICODE_UPPER); }
static obj p_string_downcase(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return map_case(L, argv[0], "string-downcase", UNICODE_LOWER); }
static obj p_string_foldcase(struct lisp *L, int argc, obj *argv) { ARGC_UNUSED; return map_case(L, argv[0], "string-foldcase", UNICODE_FOLD); }

/* (string-index s char) -> first index or #f; used by the prelude's string search */
static obj p_string_to_utf8(struct lisp *L, int argc, obj *argv)
{
	size_t bs, be;

	if (!string_p(argv[0]))
		return want_string(L, "string->utf8", argv[0]);
	if (!range(L, "string->utf8", argc, argv, 1, argv[0], &bs, &be))
		return OBJ_NULL;
	return lisp_copy_bytes(L, OBJ_T_BYTEVECTOR, argv[0], bs, be - bs);
}

size_t lisp_utf8_invalid_at(const uint8_t *p, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if (lisp_utf8_decode(p, len, i, &n) == 0xFFFD && (n != 3 || p[i] != 0xEF))
			return i;	/* (an encoded U+FFFD is fine) */
	return len;
}

static obj p_utf8_to_string(struct lisp *L, int argc, obj *argv)
{
	size_t start = 0, end, bad;

	if (!bytevector_p(argv[0]))
		return lisp_type_error(L, "utf8->string", "bytevector", argv[0]);
	end = obj_bytes_length(argv[0]);
	if ((argc > 1 && (!index_arg(argv[1], &start) || start > end)) ||
	    (argc > 2 && (!index_arg(argv[2], &end) || end > obj_bytes_length(argv[0]) || end < start)))
		return lisp_range_error(L, "utf8->string", argc > 2 ? argv[2] : argv[1]);
	bad = lisp_utf8_invalid_at((const uint8_t *)obj_bytes_data(argv[0]) + start, end - start);
	if (bad < end - start)	/* strings hold valid UTF-8 only */
		return lisp_errorf(L, argv[0], "utf8->string: invalid UTF-8 at byte %lu",
				   (unsigned long)(start + bad));
	return lisp_copy_bytes(L, OBJ_T_STRING, argv[0], start, end - start);
}

static const struct lisp_prim_def prims[] = {
	{ "char?", p_char_p, 1, 1, PRIM_PURE },
	{ "char->integer", p_char_to_integer, 1, 1, PRIM_NOALLOC },
	{ "integer->char", p_integer_to_char, 1, 1, PRIM_NOALLOC },
	{ "char=?", p_char_eq, 1, -1, PRIM_NOALLOC }, { "char<?", p_char_lt, 1, -1, PRIM_NOALLOC },
	{ "char>?", p_char_gt, 1, -1, PRIM_NOALLOC }, { "char<=?", p_char_le, 1, -1, PRIM_NOALLOC },
	{ "char>=?", p_char_ge, 1, -1, PRIM_NOALLOC },
	{ "char-ci=?", p_char_ci_eq, 1, -1, PRIM_NOALLOC }, { "char-ci<?", p_char_ci_lt, 1, -1, PRIM_NOALLOC },
	{ "char-ci>?", p_char_ci_gt, 1, -1, PRIM_NOALLOC }, { "char-ci<=?", p_char_ci_le, 1, -1, PRIM_NOALLOC },
	{ "char-ci>=?", p_char_ci_ge, 1, -1, PRIM_NOALLOC },
	{ "char-alphabetic?", p_char_alpha, 1, 1, PRIM_NOALLOC },
	{ "char-numeric?", p_char_numeric, 1, 1, PRIM_NOALLOC },
	{ "char-whitespace?", p_char_white, 1, 1, PRIM_NOALLOC },
	{ "char-upper-case?", p_char_upper, 1, 1, PRIM_NOALLOC },
	{ "char-lower-case?", p_char_lower, 1, 1, PRIM_NOALLOC },
	{ "char-upcase", p_char_upcase, 1, 1, PRIM_NOALLOC },
	{ "char-downcase", p_char_downcase, 1, 1, PRIM_NOALLOC },
	{ "char-foldcase", p_char_foldcase, 1, 1, PRIM_NOALLOC },
	{ "digit-value", p_digit_value, 1, 1, PRIM_NOALLOC },
	{ "string?", p_string_p, 1, 1, PRIM_PURE },
	{ "make-string", p_make_string, 1, 2, 0 },
	{ "string", p_string, 0, -1, 0 },
	{ "string-length", p_string_length, 1, 1, PRIM_NOALLOC },
	{ "string-ref", p_string_ref, 2, 2, PRIM_NOALLOC },
	{ "string-set!", p_string_set, 3, 3, 0 },
	{ "substring", p_substring, 2, 3, 0 },
	{ "string-copy", p_string_copy, 1, 3, 0 },
	{ "string-copy!", p_string_copy_to, 3, 5, 0 },
	{ "string-append", p_string_append, 0, -1, 0 },
	{ "string->list", p_string_to_list, 1, 3, 0 },
	{ "list->string", p_list_to_string, 1, 1, 0 },
	{ "string-fill!", p_string_fill, 2, 4, 0 },
	{ "string=?", p_string_eq, 1, -1, PRIM_NOALLOC }, { "string<?", p_string_lt, 1, -1, PRIM_NOALLOC },
	{ "string>?", p_string_gt, 1, -1, PRIM_NOALLOC }, { "string<=?", p_string_le, 1, -1, PRIM_NOALLOC },
	{ "string>=?", p_string_ge, 1, -1, PRIM_NOALLOC },
	{ "string-ci=?", p_string_ci_eq, 1, -1, PRIM_NOALLOC }, { "string-ci<?", p_string_ci_lt, 1, -1, PRIM_NOALLOC },
	{ "string-ci>?", p_string_ci_gt, 1, -1, PRIM_NOALLOC }, { "string-ci<=?", p_string_ci_le, 1, -1, PRIM_NOALLOC },
	{ "string-ci>=?", p_string_ci_ge, 1, -1, PRIM_NOALLOC },
	{ "string-upcase", p_string_upcase, 1, 1, 0 },
	{ "string-downcase", p_string_downcase, 1, 1, 0 },
	{ "string-foldcase", p_string_foldcase, 1, 1, 0 },
	{ "string->utf8", p_string_to_utf8, 1, 3, 0 },
	{ "utf8->string", p_utf8_to_string, 1, 3, 0 },
};

void lisp_init_strings(struct lisp *L)
{
	lisp_register(L, prims, ARRAY_SIZE(prims));
}
