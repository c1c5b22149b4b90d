; tags: sd torture
; include, include-ci (R7RS 4.1.7) at top level and include, include-ci,
; include-library-declarations in define-library (5.6.1), on files in the store (README, "Files").
(store-format!)
(define (show . xs) (for-each display xs) (newline))
(define (try thunk)
  (guard (e ((error-object? e) (list 'error (error-object-message e) (error-object-irritants e))))
    (thunk)))
(define (put name . data) (call-with-output-file name (lambda (p) (for-each (lambda (d) (write d p)) data))))
(put "defs.scm" '(define inc-x 7) '(define-syntax twice (syntax-rules () ((_ e) (begin e e)))))
(put "more.scm" '(define inc-y (+ inc-x 1)))
(call-with-output-file "ci.scm"
  (lambda (p) (display "(define CI-Name 'Hello) (define (Show-It) (list CI-Name #\\A \"Str\"))" p)))
(put "decls.scm" '(export lib-val lib-twice) '(import (scheme base)))
(put "body.scm" '(define lib-val (* 6 7)) '(define (lib-twice x) (* 2 x)))
;; the files' forms in order, definitions and macros at top level, several files in one include
(include "defs.scm" "more.scm")
(show "include: " inc-x " " inc-y)
(twice (display "t"))
(newline)
;; include-ci folds the case of symbols, not of characters or strings
(include-ci "ci.scm")
(show "include-ci: " ci-name " " (show-it))
;; a library whose declarations and body come from files
(define-library (inc lib) (include-library-declarations "decls.scm") (include "body.scm"))
(import (inc lib))
(show "library: " lib-val " " (lib-twice 4))
(define-library (inc ci) (export shout) (import (scheme base)) (include-ci "ci.scm") (begin (define (shout) ci-name)))
(import (inc ci))
(show "library include-ci: " (shout))
;; errors: a missing file, a file name that is no string
(show "missing: " (try (lambda () (eval '(include "missing.scm") (interaction-environment)))))
(show "not a string: " (try (lambda () (eval '(include defs) (interaction-environment)))))
(show "library missing: " (try (lambda () (eval '(define-library (inc bad) (include "missing.scm")) (interaction-environment)))))
;; a program's own include is its own
(define (include-ci x) (list 'mine x))
(show "redefined: " (include-ci "ci.scm"))
