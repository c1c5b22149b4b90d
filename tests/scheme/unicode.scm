; tags: torture
; Unicode characters and strings (R7RS 6.6, 6.7) from the UCD tables of lisp/unicode_tables.h:
; properties, simple char mappings, full string mappings with Final_Sigma, the -ci comparisons.
; Code points are shown in hex where a glyph would be ambiguous (combining marks, spaces).
(cond-expand (guile (import (scheme base) (scheme char) (scheme write))) (else))
(define (show . xs) (for-each display xs) (newline))
(define (hex c) (number->string (char->integer c) 16))
(define (cps s) (map hex (string->list s)))
(define (each f . cs) (map (lambda (c) (f (integer->char c))) cs))
(define (mapped f . cs) (map (lambda (c) (hex (f (integer->char c)))) cs))

;; char-alphabetic? is the Alphabetic property: letters of every script, letter numbers
;; (U+2160), combining marks with Other_Alphabetic (U+0345), titlecase U+01C5
(show "alphabetic: " (each char-alphabetic? #x61 #x4E2D #x3042 #x915 #x20000 #x2160 #x345 #x1C5 #xAA))
(show "not alphabetic: " (each char-alphabetic? #x31 #x664 #x2003 #x1F600 #x300 #xFDD0 #xFFFF #x10FFFF))
;; char-numeric? is general category Nd: ASCII, Arabic-Indic, Devanagari, fullwidth, maths, Adlam,
;; segmented digits; No and Nl (superscript two, a fraction, roman numerals) are not
(show "numeric: " (each char-numeric? #x30 #x664 #x967 #xFF19 #x1D7CE #x1D7FF #x1E950 #x1FBF9))
(show "not numeric: " (each char-numeric? #xB2 #x2155 #x2160 #xF33 #x4E00 #x61))
(show "digit-value: " (each digit-value #x30 #x39 #x664 #x6F7 #x967 #xFF19 #x1D7CE #x1D7FF #x1E950 #x1FBF9))
(show "digit-value #f: " (each digit-value #x61 #xB2 #x2155 #x2160 #x4E5D #x10FFFF))
;; char-whitespace? is White_Space: NEL U+0085, no-break space, ogham, em space U+2003, line and
;; paragraph separators, ideographic space; not ZWSP U+200B, BOM U+FEFF or U+180E
(show "whitespace: " (each char-whitespace? #x20 #x9 #xA #xD #x85 #xA0 #x1680 #x2003 #x2028 #x2029 #x202F #x3000))
(show "not whitespace: " (each char-whitespace? #x200B #xFEFF #x180E #x61 #x0))
;; char-upper-case? and char-lower-case? are Uppercase and Lowercase: titlecase letters are
;; neither; roman numerals and circled letters (Other_Uppercase / Other_Lowercase) are
(show "upper: " (each char-upper-case? #x41 #x3A3 #x1E9E #x10400 #x2160 #x24B6 #x1C4))
(show "not upper: " (each char-upper-case? #x61 #x1C5 #x1C6 #x4E2D #xDF #x31))
(show "lower: " (each char-lower-case? #x61 #x3C2 #xDF #x149 #xAA #x2170 #x24D0 #x10428 #x1C6))
(show "not lower: " (each char-lower-case? #x41 #x1C5 #x4E2D #x3042 #x31))

;; simple mappings (UnicodeData.txt; CaseFolding.txt C+S for char-foldcase)
(show "char-upcase: " (mapped char-upcase #x61 #xDF #x131 #x1C5 #x1C6 #x3C2 #xB5 #xFF #x10428 #x1E922 #xAB70 #xFB00 #x10FFFF))
(show "char-downcase: " (mapped char-downcase #x41 #x130 #x1E9E #x1C4 #x1C5 #x3A3 #x212A #x2126 #x10400 #x1E900 #x13A0 #xFFFF))
(show "char-foldcase: " (mapped char-foldcase #x41 #x130 #x1E9E #xDF #x1C5 #x3C2 #x3A3 #xB5 #x212A #x13F8 #xAB70 #x10400 #xFDD0))
(show "round trip: " (char-upcase (char-downcase #\Σ)) (char-downcase #\Ж) (char-upcase #\ж) (char-upcase #\ÿ))

;; full mappings (SpecialCasing.txt's unconditional ones): one character becomes up to three
(show "string-upcase: " (string-upcase "ßa") " " (string-upcase "straße") " " (string-upcase "ŉ") " "
      (string-upcase "ﬃ") " " (string-upcase "ﬆ") " " (string-upcase "և") " " (string-upcase "ǅ"))
(show "  code points: " (cps (string-upcase "ǰ")) (cps (string-upcase "ΐ")) (cps (string-upcase "ᾳ"))
      " length " (string-length (string-upcase "ßﬃ")))
(show "string-downcase: " (string-downcase "ΣΑΣ") " " (string-downcase "Σ") " " (string-downcase "ΧΑΟΣ")
      " " (string-downcase "ΧΑΟΣ.") " " (string-downcase "ΣΑΣ ΣΑΣ") " " (string-downcase "AΣ b")
      " " (string-downcase "ẞ") " " (string-downcase "ǅ") " " (string-downcase "ÀÉÎ"))
;; Final_Sigma skips case-ignorable characters (the apostrophe) on both sides
(show "  final sigma: " (string-downcase "ΑΣ'Α") " " (string-downcase "ΑΣ'") " " (string-downcase "Σ'Α")
      " " (string-downcase "'Σ") " " (string-downcase "1Σ"))
(show "  code points: " (cps (string-downcase "İ")) " length " (string-length (string-downcase "İ")))
;; full folding (CaseFolding.txt C+F): ẞ and ß fold to ss, sigmas to σ
(show "string-foldcase: " (string-foldcase "ẞ") " " (string-foldcase "Straße") " " (string-foldcase "ΣΑΣ")
      " " (string-foldcase "ﬃ") " " (string-foldcase "ǅ") " " (string-foldcase "ΧΑΟΣ"))
(show "  code points: " (cps (string-foldcase "İ")) (cps (string-foldcase "ᾼ")) (cps (string-foldcase "ꭰᏸ"))
      (cps (string-foldcase (string #\xFDD0 #\x10FFFF #\A))))

;; the -ci comparisons fold: char-ci with char-foldcase, string-ci with string-foldcase
(show "char-ci=?: " (char-ci=? #\xDF #\x1E9E) (char-ci=? #\x3C2 #\x3A3 #\x3C3) (char-ci=? #\x212A #\k)
      (char-ci=? #\xDF #\s) (char-ci=? #\x130 #\i) (char-ci<? #\a #\B) (char-ci>? #\Z #\a))
(show "string-ci=?: " (string-ci=? "Straße" "STRASSE") (string-ci=? "ß" "ss" "SS" "ẞ") (string-ci=? "ΧΑΟΣ" "χαος")
      (string-ci=? "ﬃ" "FFI") (string-ci=? "K" "\x212A;") (string-ci=? "İ" "i") (string-ci=? "ß" "s"))
(show "string-ci<?: " (string-ci<? "ß" "st") (string-ci<? "ss" "ß") (string-ci>? "ẞ" "sr") (string-ci<=? "a" "ß" "SS")
      (string-ci>=? "ﬀ" "FF" "f") (string-ci<? "straße" "strasse!") (string-ci>? "" ""))
