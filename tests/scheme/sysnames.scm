; tags: guile torture
; A program's own definitions of standard names change what the program's code means, never
; what the system's code means: the prelude's procedures, the forms the expander rewrites
; (let-values, define-values, case, quasiquote, define-record-type, do) and the prelude's
; macros (guard, parameterize, delay) keep the system's bindings (lisp/globals.c, "The
; system's bindings"), as in Guile and Chez.
(cond-expand (guile (import (scheme base) (scheme char) (scheme write) (scheme lazy) (scheme eval))) (else))

;; the system's values, taken before anything is redefined
(define sys-list list)
(define sys-car car)
(define sys-for-each for-each)
(define sys-make-parameter make-parameter)
(define sys-dynamic-wind dynamic-wind)
(define sys-error error)
(define (show . xs) (sys-for-each display xs) (newline))

;; a program redefines standard procedures the system's own code calls
(define (list . xs) 'my-list)
(define (apply . xs) 'my-apply)
(define (append . xs) 'my-append)
(define (map . xs) 'my-map)
(define (memv . xs) 'my-memv)
(define (vector . xs) 'my-vector)
(define (length . xs) 'my-length)
(define (reverse . xs) 'my-reverse)
(define (values . xs) 'my-values)
(define (call-with-values . xs) 'my-cwv)
(define (dynamic-wind . xs) 'my-dynamic-wind)
(define (raise . xs) 'my-raise)
(define (error . xs) 'my-error)
(define (make-parameter . xs) 'my-make-parameter)
(define (list->string . xs) 'my-list->string)
(define (for-each . xs) 'my-for-each)
(define (not x) 'my-not)

;; the program's own calls see its definitions
(show "own list: " (list 1 2) ", own map: " (map car '((1))) ", own not: " (not #t))

;; the system's forms and procedures do not
(define-values (q r . more) (floor/ 7 2))
(show "define-values: " q " " r " " more)
(show "let-values: " (let-values (((a b) (floor/ 9 4)) ((c . d) (exact-integer-sqrt 17))) (sys-list a b c d)))
(show "case: " (case 3 ((1 2) 'low) ((3 4) 'mid) (else 'high)))
(show "quasiquote: " `(1 ,@(cdr '(0 2 3)) ,(+ 2 2)) " " `#(a ,@(cdr '(0 b c))))
(define-record-type point (make-point x y) point? (x point-x) (y point-y set-point-y!))
(define p (make-point 1 2))
(set-point-y! p 5)
(show "record: " (point? p) " " (point-x p) " " (point-y p))
(show "do: " (do ((i 0 (+ i 1)) (acc '() (cons i acc))) ((= i 3) acc)))
(show "string-map: " (string-map char-upcase "abc") ", vector-map: " (vector-map - #(1 2)))
(show "string-for-each: " (let ((n 0)) (string-for-each (lambda (c) (set! n (+ n 1))) "abcd") n))
(show "assoc with =: " (assoc 2.0 '((1 . a) (2 . b)) =) ", member: " (member 2.0 '(1 2 3) =))
(show "list-copy: " (list-copy '(1 2 . 3)) ", vector->list: " (vector->list #(1 2 3) 1))
(show "guard: " (guard (e ((symbol? e) (sys-list 'caught e))) (raise-continuable 'oops)))
(show "guard, an error: " (guard (e ((error-object? e) (error-object-message e)))
                            (sys-error "boom" 1)))
(show "guard, car of a number: " (guard (e (#t 'caught)) (sys-car 5)))
(define prm (sys-make-parameter 10 (lambda (x) (* x 2))))
(show "parameterize: " (parameterize ((prm 3)) (prm)) " " (prm))
(show "delay/force: " (force (delay (+ 1 2))) " " (force (make-promise 7)))
(show "call/cc and dynamic-wind: "
      (let ((trail '()))
        (call-with-current-continuation
         (lambda (k)
           (sys-dynamic-wind (lambda () (set! trail (cons 'in trail)))
                         (lambda () (k 'escaped))
                         (lambda () (set! trail (cons 'out trail))))))
        trail))
(show "exact and string->list: " (exact (floor 2.5)) " " (string->list "ab"))
(show "apply inside the system: " (string-append "a" "b" "c") " " (max 1 5 3))

;; set! of a standard name changes the program's binding, not the system's
(set! car cdr)
(show "own car after set!: " (car '(1 2)))
(show "the system's list-tail: " (list-tail '(1 2 3) 1) ", assq: " (assq 'b '((a 1) (b 2))))

;; and eval in the program's environment sees the program's definitions (environments.scm:
;; the standard environments)
(show "eval: " (eval '(list 1) (interaction-environment)))
