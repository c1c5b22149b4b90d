; tags: guile torture
; syntax-rules: hygiene (introduced temporaries never capture user names, free identifiers
; mean what they meant where the macro was defined), recursion, ellipses (nested, tail
; patterns), literals, dotted and vector patterns, local macros.
(cond-expand (guile (import (scheme base) (scheme char) (scheme write) (scheme cxr) (scheme lazy) (scheme case-lambda) (scheme eval) (srfi 1))) (else))
(define (show . xs) (for-each display xs) (newline))

(define-syntax my-or
  (syntax-rules ()
    ((_) #f)
    ((_ e) e)
    ((_ e r ...) (let ((t e)) (if t t (my-or r ...))))))
(define t 5)
(show "hygiene my-or: " (my-or #f t) " " (let ((t 7)) (my-or #f t)) " " (my-or #f #f))

(define-syntax swap!
  (syntax-rules () ((_ a b) (let ((tmp a)) (set! a b) (set! b tmp)))))
(define tmp 1)
(define other 2)
(swap! tmp other)
(show "swap! with tmp: " tmp " " other)

(define-syntax my-if
  (syntax-rules () ((_ c a b) (cond (c a) (else b)))))
(show "free identifier: " (let ((else #f)) (my-if #f 'then 'else-branch)))
(show "shadowed if: " (let ((if list)) (my-or #f 3)))

(define-syntax while
  (syntax-rules ()
    ((_ cond body ...) (let lp () (when cond body ... (lp))))))
(define i 0)
(while (< i 3) (display i) (set! i (+ i 1)))
(newline)

(define-syntax my-let*
  (syntax-rules ()
    ((_ () body ...) (let () body ...))
    ((_ ((x v) rest ...) body ...) (let ((x v)) (my-let* (rest ...) body ...)))))
(show "recursive macro: " (my-let* ((a 1) (b (+ a 1)) (c (* b 10))) (list a b c)))

(define-syntax flatten-pairs
  (syntax-rules () ((_ (a b ...) ...) '(a ... (b ...) ...))))
(show "nested ellipsis: " (flatten-pairs (1 2 3) (4) (5 6)))

(define-syntax tail-pat
  (syntax-rules () ((_ a ... z) '(last z first a ...))))
(show "tail pattern: " (tail-pat 1 2 3 4))

(define-syntax dotted
  (syntax-rules () ((_ a . rest) '(a rest))))
(show "dotted: " (dotted 1 2 3) " " (dotted 1))

(define-syntax vec-pat
  (syntax-rules () ((_ #(a b ...)) (list a '(b ...)))))
(show "vector pattern: " (vec-pat #(1 2 3)))

(define-syntax lit
  (syntax-rules (=> else)
    ((_ a => b) (list 'arrow a b))
    ((_ else a) (list 'else a))
    ((_ a b) (list 'plain a b))))
(show "literals: " (lit 1 => 2) " " (lit else 5) " " (lit 3 4))

(define-syntax my-cond
  (syntax-rules (else)
    ((_ (else e ...)) (begin e ...))
    ((_ (c e ...) clause ...) (if c (begin e ...) (my-cond clause ...)))))
(show "my-cond: " (my-cond (#f 1) ((= 1 1) 2) (else 3)))

(define-syntax ten (syntax-rules () ((_) 10)))
(show "zero-arg macro: " (+ (ten) 1))

(define (use-local)
  (define-syntax twice (syntax-rules () ((_ e) (begin e e))))
  (let ((n 0))
    (twice (set! n (+ n 1)))
    n))
(show "internal define-syntax: " (use-local))
(show "let-syntax: " (let-syntax ((foo (syntax-rules () ((_ x) (* x 2))))) (foo 21)))
(show "letrec-syntax: "
      (letrec-syntax ((ev? (syntax-rules () ((_ n) (if (= n 0) #t (od? (- n 1))))))
                      (od? (syntax-rules () ((_ n) (if (= n 0) #f #t)))))
        (ev? 2)))

(define x 'outer)
(define-syntax get-x (syntax-rules () ((_) x)))
(show "referential transparency: " (let ((x 'inner)) (get-x)))

(define-syntax define-getter
  (syntax-rules () ((_ name val) (define (name) val))))
(define-getter get-five 5)
(show "macro defining a procedure: " (get-five))

(define-syntax my-list-of
  (syntax-rules () ((_ (name val) ...) (list (cons 'name val) ...))))
(show "ellipsis pairs: " (my-list-of (a 1) (b 2)))

(define-syntax count-args
  (syntax-rules () ((_) 0) ((_ x rest ...) (+ 1 (count-args rest ...)))))
(show "count: " (count-args a b c d e))

(define-syntax my-quote-all
  (syntax-rules () ((_ x ...) '((x . x) ...))))
(show "quoted template: " (my-quote-all p q))

(define-syntax ell-escape
  (syntax-rules () ((_ a) '(a (... ...)))))
(show "ellipsis escape: " (ell-escape 1))

(define-syntax my-let-values-like
  (syntax-rules ()
    ((_ ((a b) ...) body) (let ((a b) ...) body))))
(show "let from ellipsis: " (my-let-values-like ((p 1) (q 2)) (+ p q)))

;; top-level definitions of names the template inserts are the macro's own: each use binds its
;; own, invisible to (and unaffected by) the user's names of the same spelling
(define-syntax def-hidden
  (syntax-rules () ((_ get v) (begin (define tmp v) (define (get) tmp)))))
(def-hidden get-one 1)
(def-hidden get-two 2)
(show "top-level temporaries: " (list (get-one) (get-two)))
(define tmp 'user)
(show "user's tmp: " (list tmp (get-one) (get-two)))
(define-syntax def-pinger
  (syntax-rules ()
    ((_ get) (begin (define (get) (ping 3))
                    (define (ping n) (if (= n 0) 'pong (ping (- n 1))))))))
(def-pinger pinger)
(define (ping) 'user-ping)
(show "used before defined: " (list (pinger) (ping)))
(define-syntax def-named
  (syntax-rules () ((_ name v) (define name v))))
(def-named visible 10)
(show "a name the user gave: " visible)
(define-syntax def-fw
  (syntax-rules () ((_ get) (begin (define (get) (h)) (define-values (h) (values (lambda () 'ok)))))))
(def-fw fw-get)
(show "used before its define-values: " (fw-get))
