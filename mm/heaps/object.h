/* object.h -- the Scheme object model shared by mm/ and lisp/: tagged words and headed heap objects.
 * Owns the tag and header encodings: a word whose low bit is 1 is a fixnum, low bits 00 a pointer
 * to a header (0 itself is "no object"), low bits 10 an immediate; a header's low bits are 11 and a
 * forwarded object's header word is its new address (low bits 00). Same layouts on 32 and 64 bit. */
#ifndef MM_HEAPS_OBJECT_H
#define MM_HEAPS_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uintptr_t obj;

#define OBJ_NULL	((obj)0)	/* not a Scheme value: "no object" (failed allocation) */

/* --- fixnums: value << 1 | 1; 31-bit payload on every target so programs behave the same --- */
#define OBJ_FIXNUM_BITS	31
#define OBJ_FIXNUM_MAX	((intptr_t)((1L << (OBJ_FIXNUM_BITS - 1)) - 1))	/*  1073741823 */
#define OBJ_FIXNUM_MIN	((intptr_t)(-(1L << (OBJ_FIXNUM_BITS - 1))))	/* -1073741824 */

static inline bool obj_fixnum_p(obj o) { return (o & 1) != 0; }
static inline bool obj_fixnum_fits(intptr_t v) { return v >= OBJ_FIXNUM_MIN && v <= OBJ_FIXNUM_MAX; }
/* Precondition: obj_fixnum_fits(v). */
static inline obj obj_fixnum(intptr_t v) { return ((uintptr_t)v << 1) | 1; }
static inline intptr_t obj_fixnum_value(obj o) { return (intptr_t)o >> 1; }
/* Checked constructor: false (and *out untouched) when v is outside the fixnum range. */
static inline bool obj_fixnum_checked(int64_t v, obj *out)
{
	if (v < OBJ_FIXNUM_MIN || v > OBJ_FIXNUM_MAX)
		return false;
	*out = obj_fixnum((intptr_t)v);
	return true;
}

/* --- immediates: low bits 10; bit 2 splits characters (0) from constants (1) --- */
#define OBJ_IMM_CHAR	2u	/* low 3 bits of a character: code point << 3 | 2 */
#define OBJ_IMM_CONST	6u	/* low 3 bits of a constant: n << 3 | 6 */
#define OBJ_CONST(n)	((obj)(((uintptr_t)(n) << 3) | OBJ_IMM_CONST))
#define OBJ_FALSE	OBJ_CONST(0)
#define OBJ_TRUE	OBJ_CONST(1)
#define OBJ_NIL		OBJ_CONST(2)	/* the empty list */
#define OBJ_UNSPECIFIED	OBJ_CONST(3)
#define OBJ_EOF		OBJ_CONST(4)
#define OBJ_UNDEFINED	OBJ_CONST(5)	/* unbound variable / uninitialised letrec slot */
#define OBJ_CONST_COUNT	6
#define OBJ_CHAR_MAX	0x10FFFFu

static inline bool obj_imm_p(obj o) { return (o & 3) == 2; }
static inline bool obj_char_p(obj o) { return (o & 7) == OBJ_IMM_CHAR; }
static inline bool obj_const_p(obj o) { return (o & 7) == OBJ_IMM_CONST; }
static inline obj obj_bool(bool b) { return b ? OBJ_TRUE : OBJ_FALSE; }
/* Precondition: c <= OBJ_CHAR_MAX and not a surrogate. */
static inline obj obj_char(uint32_t c) { return ((obj)c << 3) | OBJ_IMM_CHAR; }
static inline uint32_t obj_char_value(obj o) { return (uint32_t)(o >> 3); }
static inline bool obj_char_checked(uint32_t c, obj *out)
{
	if (c > OBJ_CHAR_MAX || (c >= 0xD800 && c <= 0xDFFF))
		return false;
	*out = obj_char(c);
	return true;
}

/* --- pointers to headed objects: word aligned, low bits 00, never 0 --- */
static inline bool obj_ptr_p(obj o) { return (o & 3) == 0 && o != 0; }
static inline uintptr_t *obj_words(obj o) { return (uintptr_t *)o; }	/* [0] header, [1..] fields */
static inline obj *obj_fields(obj o) { return (obj *)o + 1; }

/*
 * Memory order of shared objects (docs/gc.md, "Memory order"). A pointer field that another
 * CPU may write (a field of a mutable object: pair, vector, record, box, symbol value) is read
 * with obj_load, a consume load: the object it names was written completely before the store
 * that made it reachable, and that store, the barrier's atomic exchange into a shared holder
 * (mm/gc/barrier.h), is a release. (Consume is acquire in today's compilers: free on x86,
 * one barrier on ARM, where a relaxed load's address dependency would do.)
 */
static inline obj obj_load(const obj *slot) { return __atomic_load_n(slot, __ATOMIC_CONSUME); }

/*
 * Header word: size << 8 | type << 2 | 3 (upper 32 bits zero on 64-bit targets).
 *	size	fields after the header, in words (0..OBJ_MAX_FIELDS)
 *	type	enum obj_type; the type says which fields hold Scheme values ("pointer fields"):
 *		types below OBJ_T_MIXED: every field; OBJ_T_MIXED: field 0 is a fixnum n and fields
 *		0..n are Scheme values, the rest raw; types above OBJ_T_MIXED: no field (raw data).
 * So "the first k fields are pointers, the rest raw" for every type, k = obj_hdr_nptrs().
 * Generation and owning heap are not in the header: they follow from the address (the nursery
 * range, or the group header at the 64 KiB-aligned start of an old block; see heap.h).
 * A raw byte object (string, bytevector) keeps its length in bytes in raw field 0.
 */
enum obj_type {
	OBJ_T_INVALID = 0,	/* never in a valid header */
	OBJ_T_PAIR,		/* car, cdr */
	OBJ_T_VECTOR,
	OBJ_T_CLOSURE,		/* code object, then free variables */
	OBJ_T_SYMBOL,		/* name string, value/plist */
	OBJ_T_BOX,
	OBJ_T_RECORD,		/* record type descriptor, then fields */
	OBJ_T_STACK,		/* a thread's value stack: a root area, never shared (docs/gc.md);
				 * its last field is a fixnum, the top: only the fields below it
				 * may hold Scheme values (obj_hdr_nptrs) */
	OBJ_T_RATNUM,		/* exact non-integer rational: numerator, denominator > 1, in
				 * lowest terms (lisp/numbers.c) */
	OBJ_T_COMPNUM,		/* non-real complex number: real part, imaginary part (reals of
				 * one exactness; an exact one's imaginary part is never 0) */
	OBJ_T_PTR_END,		/* first unused all-pointer type number: invalid */
	OBJ_T_MIXED = 16,	/* field 0: fixnum n; fields 0..n Scheme values; rest raw */
	OBJ_T_STRING,		/* raw: field 0 byte length, then UTF-8 bytes */
	OBJ_T_BYTEVECTOR,	/* raw: field 0 byte length, then bytes */
	OBJ_T_BIGNUM,		/* raw digits */
	OBJ_T_FLONUM,		/* raw IEEE double */
	OBJ_T_FILLER,		/* dead space in an old group; never reachable */
	OBJ_T_PRIMITIVE,	/* raw: a C procedure of lisp/ (function, name, arity, flags) */
	OBJ_T_LIMIT		/* first unused type number; must stay <= 64 */
};

#define OBJ_HDR_TAG		3u
#define OBJ_HDR_TYPE_SHIFT	2
#define OBJ_HDR_SIZE_SHIFT	8
#define OBJ_MAX_FIELDS		((size_t)0xFFFFFF)	/* 24-bit size on every target */

static inline uintptr_t obj_hdr(unsigned type, size_t size)
{
	return ((uintptr_t)size << OBJ_HDR_SIZE_SHIFT) | ((uintptr_t)type << OBJ_HDR_TYPE_SHIFT) |
	       OBJ_HDR_TAG;
}
static inline bool obj_hdr_forwarded_p(uintptr_t h) { return (h & 3) == 0; }
static inline unsigned obj_hdr_type(uintptr_t h) { return (unsigned)(h >> OBJ_HDR_TYPE_SHIFT) & 63; }
static inline size_t obj_hdr_size(uintptr_t h) { return (size_t)(h >> OBJ_HDR_SIZE_SHIFT) & OBJ_MAX_FIELDS; }
static inline bool obj_hdr_valid_p(uintptr_t h)
{
	unsigned t = obj_hdr_type(h);

	return (h & 3) == OBJ_HDR_TAG && t != OBJ_T_INVALID && t < OBJ_T_LIMIT &&
	       (t < OBJ_T_PTR_END || t >= OBJ_T_MIXED) &&
	       (h >> OBJ_HDR_SIZE_SHIFT) == obj_hdr_size(h);
}

/* Number of leading fields that hold Scheme values (see the header comment). */
static inline size_t obj_hdr_nptrs(uintptr_t h, const obj *fields)
{
	unsigned t = obj_hdr_type(h);
	size_t n = obj_hdr_size(h);

	if (t < OBJ_T_MIXED) {
		if (__builtin_expect(t == OBJ_T_STACK, 0) && n > 0 && obj_fixnum_p(fields[n - 1])) {
			intptr_t top = obj_fixnum_value(fields[n - 1]);	/* its live part */

			return top >= 0 && (size_t)top < n ? (size_t)top : n - 1;
		}
		return n;
	}
	if (t > OBJ_T_MIXED || n == 0 || !obj_fixnum_p(fields[0]))
		return 0;
	intptr_t k = obj_fixnum_value(fields[0]);
	if (k < 0)
		return 1;
	return (size_t)k + 1 < n ? (size_t)k + 1 : n;
}

static inline uintptr_t obj_header(obj o) { return obj_words(o)[0]; }
static inline unsigned obj_type(obj o) { return obj_hdr_type(obj_header(o)); }
static inline size_t obj_size(obj o) { return obj_hdr_size(obj_header(o)); }
static inline bool obj_type_p(obj o, unsigned t) { return obj_ptr_p(o) && obj_type(o) == t; }

/* --- accessors --- */
static inline bool obj_pair_p(obj o) { return obj_type_p(o, OBJ_T_PAIR); }
static inline obj obj_car(obj p) { return obj_load(&obj_fields(p)[0]); }
static inline obj obj_cdr(obj p) { return obj_load(&obj_fields(p)[1]); }
static inline bool obj_vector_p(obj o) { return obj_type_p(o, OBJ_T_VECTOR); }
static inline size_t obj_vector_length(obj v) { return obj_size(v); }
static inline obj obj_vector_ref(obj v, size_t i) { return obj_load(&obj_fields(v)[i]); }
static inline bool obj_string_p(obj o) { return obj_type_p(o, OBJ_T_STRING); }
/* Bytes a byte object (string, bytevector) has room for; fixed for its life. */
static inline size_t obj_bytes_capacity(obj o) { return (obj_size(o) - 1) * sizeof(uintptr_t); }
/* Its length in bytes. A string's length may change while another CPU reads it (string-set!
 * of a wider character, in place): read it once per use, and it is never past the capacity, so
 * a racing program reads stale characters but never outside the object. */
/* The top bit of the length word is a string's "ASCII" mark (obj_string_ascii_p); every
 * store of a length clears it. */
#define OBJ_BYTES_ASCII	((uintptr_t)1 << (8 * sizeof(uintptr_t) - 1))
static inline size_t obj_bytes_length(obj o)
{
	size_t n = __atomic_load_n(&obj_words(o)[1], __ATOMIC_RELAXED) & ~OBJ_BYTES_ASCII;
	size_t cap = obj_bytes_capacity(o);

	return n < cap ? n : cap;
}
static inline void obj_bytes_set_length(obj o, size_t n)
{
	__atomic_store_n(&obj_words(o)[1], n, __ATOMIC_RELAXED);
}
/*
 * A string is ASCII exactly when its length in bytes equals its length in characters, and the
 * number of characters of a string never changes (string-set!, string-fill! and string-copy!
 * replace characters). So a mark set on the length word by compare-and-swap from the length
 * that was counted stays true for as long as that word is unchanged: a wider character stored
 * since changed the length, and with it cleared the mark (every change of characters stores
 * the length, also an unchanged one). The count must not race with a change: lisp/strings.c
 * marks only strings no other CPU can reach. A string marked ASCII has O(1) string-length and
 * string-ref. Length *len_out is what the mark covers.
 */
static inline bool obj_string_ascii_p(obj o, size_t *len_out)
{
	size_t w = __atomic_load_n(&obj_words(o)[1], __ATOMIC_RELAXED), cap = obj_bytes_capacity(o);

	*len_out = (w & ~OBJ_BYTES_ASCII) < cap ? (w & ~OBJ_BYTES_ASCII) : cap;
	return w & OBJ_BYTES_ASCII;
}
/* Mark o ASCII if its length word is still len (len characters were counted in len bytes). */
static inline void obj_string_mark_ascii(obj o, size_t len)
{
	uintptr_t expect = len;

	__atomic_compare_exchange_n(&obj_words(o)[1], &expect, len | OBJ_BYTES_ASCII, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}
static inline uint8_t *obj_bytes_data(obj o) { return (uint8_t *)(obj_words(o) + 2); }
/* Fields needed by a byte object of len bytes (length word included). */
static inline size_t obj_bytes_fields(size_t len) { return 1 + (len + sizeof(uintptr_t) - 1) / sizeof(uintptr_t); }

#endif
