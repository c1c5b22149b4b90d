/* unicode.h -- Unicode character properties and case mappings for R7RS's (scheme char), from
 * tables generated from the Unicode Character Database (unicode_tables.h, gen_unicode.py). No
 * lookup allocates or takes a lock; the tables are read-only. Language-specific casing (Turkish,
 * Azeri, Lithuanian) is not done: the mappings are the language-independent ones. */
#ifndef LISP_UNICODE_H
#define LISP_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNICODE_FULL_MAX	3	/* characters of the longest full case mapping */

/* the properties of R7RS's predicates: Alphabetic, Lowercase, Uppercase, White_Space, Nd */
bool unicode_alphabetic_p(uint32_t c);
bool unicode_lower_p(uint32_t c);
bool unicode_upper_p(uint32_t c);
bool unicode_white_p(uint32_t c);
int unicode_digit(uint32_t c);	/* the value 0..9 of an Nd character; -1 for any other */

/* the simple (one character) mappings: UnicodeData.txt's, CaseFolding.txt's C and S */
uint32_t unicode_upcase(uint32_t c);
uint32_t unicode_downcase(uint32_t c);
uint32_t unicode_foldcase(uint32_t c);

/* The full mappings of string-upcase, string-downcase and string-foldcase: SpecialCasing.txt
 * without its language conditions, CaseFolding.txt's C and F, and lowercase Final_Sigma (a
 * capital sigma after a cased letter and not before one, case-ignorable characters skipped,
 * becomes final sigma). unicode_case_init, then unicode_case_next for each character in
 * order: it writes the mapping of the character at byte i of the n bytes at s into out and
 * returns how many characters it wrote (1..UNICODE_FULL_MAX); *w gets the input character's
 * byte length. */
enum unicode_case { UNICODE_UPPER, UNICODE_LOWER, UNICODE_FOLD };
struct unicode_casing {
	enum unicode_case kind;
	bool after_cased;	/* a cased letter then only case-ignorables lie before i */
};
void unicode_case_init(struct unicode_casing *cs, enum unicode_case kind);
size_t unicode_case_next(struct unicode_casing *cs, const uint8_t *s, size_t n, size_t i, size_t *w,
			 uint32_t out[UNICODE_FULL_MAX]);

#endif
