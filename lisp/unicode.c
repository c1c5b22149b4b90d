/* unicode.c -- character properties and case mappings from the generated unicode_tables.h.
 * Every code point has a record, reached through three stages of blocks (a two-level index
 * into shared 2^UNICODE_SHIFT2-entry blocks of record numbers); past stage 1's end every record
 * is record 0, which has no property and maps each character to itself. A record holds flags,
 * an Nd digit's value and the simple mappings as indices into a table of deltas; the full
 * mappings that differ from the simple ones sit in three sorted tables searched by halving. */
#include "unicode.h"
#include "internal.h"

enum {
	F_ALPHA = 1, F_LOWER = 2, F_UPPER = 4, F_WHITE = 8, F_CASED = 16, F_IGNORABLE = 32,
	F_NUMERIC = 64, F_SPECIAL = 128,	/* a full mapping differs from the simple one */
};

struct unicode_rec {
	uint8_t flags, digit;
	uint8_t upper, lower, fold;	/* indices into unicode_deltas */
};

struct unicode_full {
	uint16_t cp;
	uint16_t map[UNICODE_FULL_MAX];	/* 0-terminated when shorter */
};

#include "unicode_tables.h"

#define SPLIT	(UNICODE_SHIFT1 - UNICODE_SHIFT2)

static const struct unicode_rec *rec(uint32_t c)
{
	uint32_t i1 = c >> UNICODE_SHIFT1, b2, b3;

	if (i1 >= ARRAY_SIZE(unicode_stage1))
		return &unicode_recs[0];
	b2 = unicode_stage1[i1];
	b3 = unicode_stage2[(b2 << SPLIT) + ((c >> UNICODE_SHIFT2) & ((1u << SPLIT) - 1))];
	return &unicode_recs[unicode_stage3[(b3 << UNICODE_SHIFT2) + (c & ((1u << UNICODE_SHIFT2) - 1))]];
}

bool unicode_alphabetic_p(uint32_t c) { return rec(c)->flags & F_ALPHA; }
bool unicode_lower_p(uint32_t c) { return rec(c)->flags & F_LOWER; }
bool unicode_upper_p(uint32_t c) { return rec(c)->flags & F_UPPER; }
bool unicode_white_p(uint32_t c) { return rec(c)->flags & F_WHITE; }

int unicode_digit(uint32_t c)
{
	const struct unicode_rec *r = rec(c);

	return r->flags & F_NUMERIC ? r->digit : -1;
}

uint32_t unicode_upcase(uint32_t c) { return c + (uint32_t)unicode_deltas[rec(c)->upper]; }
uint32_t unicode_downcase(uint32_t c) { return c + (uint32_t)unicode_deltas[rec(c)->lower]; }
uint32_t unicode_foldcase(uint32_t c) { return c + (uint32_t)unicode_deltas[rec(c)->fold]; }

static const struct unicode_full *find_full(const struct unicode_full *t, size_t n, uint32_t c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].cp == c)
			return &t[mid];
		if (t[mid].cp < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void unicode_case_init(struct unicode_casing *cs, enum unicode_case kind)
{
	cs->kind = kind;
	cs->after_cased = false;
}

/* Final_Sigma's second half: no cased letter follows s[i..] after case-ignorables only. */
static bool cased_follows(const uint8_t *s, size_t n, size_t i)
{
	while (i < n) {
		size_t w;
		uint8_t f = rec(lisp_utf8_decode(s, n, i, &w))->flags;

		if (f & F_CASED)
			return true;
		if (!(f & F_IGNORABLE))
			return false;
		i += w;
	}
	return false;
}

size_t unicode_case_next(struct unicode_casing *cs, const uint8_t *s, size_t n, size_t i, size_t *w,
			 uint32_t out[UNICODE_FULL_MAX])
{
	uint32_t c = lisp_utf8_decode(s, n, i, w);
	const struct unicode_rec *r = rec(c);
	bool after_cased = cs->after_cased;
	int32_t delta;

	cs->after_cased = r->flags & F_IGNORABLE ? after_cased || (r->flags & F_CASED) : r->flags & F_CASED;
	if (cs->kind == UNICODE_LOWER && c == 0x3A3 && after_cased && !cased_follows(s, n, i + *w)) {
		out[0] = 0x3C2;
		return 1;
	}
	if (r->flags & F_SPECIAL) {
		const struct unicode_full *f = NULL;
		size_t k = 0;

		switch (cs->kind) {
		case UNICODE_UPPER: f = find_full(unicode_upper_full, ARRAY_SIZE(unicode_upper_full), c); break;
		case UNICODE_LOWER: f = find_full(unicode_lower_full, ARRAY_SIZE(unicode_lower_full), c); break;
		case UNICODE_FOLD: f = find_full(unicode_fold_full, ARRAY_SIZE(unicode_fold_full), c); break;
		}
		if (f != NULL) {
			while (k < UNICODE_FULL_MAX && f->map[k] != 0) {
				out[k] = f->map[k];
				k++;
			}
			return k;
		}
	}
	delta = unicode_deltas[cs->kind == UNICODE_UPPER ? r->upper : cs->kind == UNICODE_LOWER ? r->lower : r->fold];
	out[0] = c + (uint32_t)delta;
	return 1;
}
