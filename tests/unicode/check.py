#!/usr/bin/env python3
"""check.py LISP [UCD_DIR] -- every code point through the interpreter's char and string procedures,
compared with what the UCD files say (read by lisp/gen_unicode.py's load, not through its tables):
the lookup code of lisp/unicode.c and the tables of lisp/unicode_tables.h checked exhaustively.
Prints "PASS scheme unicode-exhaustive" or "FAIL ..." with the first differences; exit status 0/1."""
import difflib
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'lisp'))
import gen_unicode  # noqa: E402

# One line per code point that has a property or a mapping other than itself:
# "cp flags up down fold digit" and, where a string mapping of the one-character string differs
# from the char mapping, "U:..." "L:..." "F:..." with its code points (all in hex).
PROGRAM = r"""
(define (hex n) (number->string n 16))
(define (cps s) (let loop ((l (string->list s)) (acc "")) (if (null? l) acc
  (loop (cdr l) (string-append acc (if (string=? acc "") "" ",") (hex (char->integer (car l))))))))
(define (full tag f g c)
  (let ((s (f (string c))))
    (if (and (= (string-length s) 1) (char=? (string-ref s 0) (g c))) "" (string-append " " tag (cps s)))))
(define (flag p c ch) (if (p c) ch ""))
(let loop ((i 0))
  (when (< i #x110000)
    (if (or (< i #xD800) (> i #xDFFF))
      (let* ((c (integer->char i))
             (flags (string-append (flag char-alphabetic? c "a") (flag char-lower-case? c "l")
                      (flag char-upper-case? c "u") (flag char-whitespace? c "w") (flag char-numeric? c "n")))
             (up (char->integer (char-upcase c))) (down (char->integer (char-downcase c)))
             (fold (char->integer (char-foldcase c))) (d (digit-value c))
             (rest (string-append (full "U:" string-upcase char-upcase c) (full "L:" string-downcase char-downcase c)
                     (full "F:" string-foldcase char-foldcase c))))
        (if (or (not (string=? flags "")) (not (= up i)) (not (= down i)) (not (= fold i)) d (not (string=? rest "")))
          (begin (display (string-append (hex i) " " flags " " (hex up) " " (hex down) " " (hex fold) " "
                                         (if d (number->string d) "-") rest))
                 (newline)))))
    (loop (+ i 1))))
"""


def expected(d):
    p = d['props']
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        flags = ''.join(ch for ch, name in (('a', 'Alphabetic'), ('l', 'Lowercase'), ('u', 'Uppercase'),
                                            ('w', 'White_Space')) if cp in p[name])
        if cp in d['digit']:
            flags += 'n'
        up, down, fold = (d[k].get(cp, cp) for k in ('upper', 'lower', 'fold'))
        dig = d['digit'].get(cp)
        rest = ''
        for tag, kind, simple in (('U:', 'upper', up), ('L:', 'lower', down), ('F:', 'fold', fold)):
            m = gen_unicode.full(d, kind, cp)
            if m != [simple]:
                rest += ' ' + tag + ','.join('%x' % c for c in m)
        if flags or up != cp or down != cp or fold != cp or dig is not None or rest:
            yield '%x %s %x %x %x %s%s' % (cp, flags, up, down, fold, '-' if dig is None else dig, rest)


def main():
    lisp = sys.argv[1]
    d = gen_unicode.load(sys.argv[2] if len(sys.argv) > 2 else '/usr/share/unicode')
    with tempfile.NamedTemporaryFile('w', suffix='.scm', delete=False) as f:
        f.write(PROGRAM)
    try:
        got = subprocess.run([lisp, f.name], capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(f.name)
    want = list(expected(d))
    lines = got.stdout.splitlines()
    # ASan warns once that it cannot follow the threads' context switches: not a finding
    err = ''.join(l for l in got.stderr.splitlines(True) if 'makecontext/swapcontext' not in l)
    if got.returncode == 0 and not err and lines == want:
        print('PASS scheme unicode-exhaustive (%d code points with properties or mappings)' % len(want))
        return 0
    print('FAIL scheme unicode-exhaustive: status %d, %d lines, %d expected' % (got.returncode, len(lines), len(want)))
    print('    stderr: ' + err[:300])
    for n, line in enumerate(difflib.unified_diff(want, lines, 'expected', 'got', n=0, lineterm='')):
        if n == 20:
            break
        print('    ' + line)
    return 1


if __name__ == '__main__':
    sys.exit(main())
