; tags: guile torture
; inline.scm -- a named let or do loop whose procedure is only called, by itself in tail position
; and with its arity, runs in its creator's frame (lisp/codegen.c gen_loop: no closure, no call,
; its calls jumps), and (vector a ...) is one instruction (OP_VECTOR). These are the cases where
; that must not change what a program sees: loops in every position (tail, an argument with
; temporaries pushed around it, a test), nested loops and jumps out of an inner one, loops that
; must stay procedures (escaping, called in non-tail position, from an inner lambda), boxed and
; captured parameters, shadowing, multiple values, call/cc into and out of a loop, errors, and
; vectors of every size with arguments that allocate, collect or return twice.
(cond-expand (guile (import (scheme base) (scheme write))) (else))
(define (show . xs) (for-each display xs) (newline))

; a loop as an argument, with temporaries pushed before and after it
(show "args: " (list 1 2 (let loop ((i 0) (s 0)) (if (> i 10) s (loop (+ i 1) (+ s i)))) 4
                     (let loop ((i 3)) (if (= i 0) 'done (loop (- i 1))))))
(show "sum: " (+ 100 (let loop ((i 0)) (if (< i 10) (loop (+ i 1)) i)) 1000))
; a loop as an if's test and inside and/or
(show "test: " (if (let loop ((i 0)) (if (< i 5) (loop (+ i 1)) (= i 5))) 'yes 'no)
      " " (and (let loop ((i 0)) (if (< i 3) (loop (+ i 1)) i)) 'and)
      " " (or (let loop ((i 0)) (if (< i 3) (loop (+ i 1)) #f)) 'or))
; nested loops: the inner one's value continues the outer one
(show "nested: " (let outer ((i 0) (acc '()))
                   (if (= i 4)
                       (reverse acc)
                       (outer (+ i 1) (cons (let inner ((j 0) (s 0)) (if (> j i) s (inner (+ j 1) (+ s j))))
                                            acc)))))
; the inner loop calls the outer one (the outer one stays a procedure: used inside a lambda)
(show "jump out: " (let outer ((i 0) (n 0))
                     (if (< i 5)
                         (let inner ((j 0) (n n))
                           (if (< j i) (inner (+ j 1) (+ n 1)) (outer (+ i 1) n)))
                         (list i n))))
; a loop called in non-tail position by itself stays a procedure
(show "non-tail: " (let loop ((i 5)) (if (= i 0) 0 (+ 2 (loop (- i 1))))))
; a loop that escapes as a value
(define escaped (let loop ((i 0)) (if (< i 3) (loop (+ i 1)) loop)))
(show "escaped: " (procedure? escaped) " " (let ((r (escaped 10))) (procedure? r)))
; a loop called with another number of arguments stays a procedure (and its error is the call's)
(show "arity: " (guard (e (#t 'arity-error)) (let loop ((i 0) (j 0)) (if (< i 2) (loop (+ i 1)) j))))
; parameters assigned and captured: each iteration has its own
(define boxes (let loop ((i 0) (acc '()))
                (if (= i 3)
                    (reverse acc)
                    (let ((get (lambda () i)))
                      (set! i (* i 10))
                      (loop (+ (/ i 10) 1) (cons get acc))))))
(show "boxed: " (map (lambda (p) (p)) boxes))
(show "captured: " (map (lambda (p) (p))
                        (do ((i 0 (+ i 1)) (acc '() (cons (lambda () (* i i)) acc))) ((= i 4) (reverse acc)))))
; the inits see the outer bindings of names the loop rebinds
(show "shadow: " (let ((i 10) (j 20)) (let loop ((i j) (j i) (k i)) (if (> k 12) (list i j k) (loop j i (+ k 1))))))
; many parameters, some passed on unchanged
(show "many: " (let loop ((a 1) (b 2) (c 3) (d 4) (e 5) (n 0))
                 (if (= n 7) (list a b c d e) (loop b c d e a (+ n 1)))))
; do with a body and no result; with a result
(define v (make-vector 5 0))
(do ((i 0 (+ i 1))) ((= i 5)) (vector-set! v i (* i 3)))
(show "do: " v " " (do ((i 0 (+ i 1)) (s 0 (+ s i))) ((= i 5) s)))
; multiple values from a loop in tail position and in a position whose value is dropped
(show "values: " (call-with-values (lambda () (let loop ((i 0)) (if (< i 3) (loop (+ i 1)) (values i (* i 2)))))
                   list))
(show "dropped: " (begin (let loop ((i 0)) (if (< i 2) (loop (+ i 1)) (values 1 2))) 'ok))
; call/cc: out of a loop, and back into it
(show "escape: " (call-with-current-continuation
                   (lambda (k) (let loop ((i 0)) (if (= i 7) (k (list 'out i)) (loop (+ i 1)))))))
(define (reenter)
  (let ((trips 0) (again #f))
    (let ((r (let loop ((i 0) (acc '()))
               (if (= i 3)
                   (reverse acc)
                   (loop (+ i 1) (cons (call-with-current-continuation
                                         (lambda (k) (if (= i 1) (set! again k)) i))
                                       acc))))))
      (set! trips (+ trips 1))
      (if (< trips 3) (again (* 100 trips)) (list trips r)))))
(show "re-entered: " (reenter))
; an error inside a loop, caught outside it; the loop's frame is gone
(show "caught: " (guard (e ((error-object? e) (error-object-message e)))
                  (let loop ((i 0)) (if (< i 3) (loop (+ i 1)) (error "in the loop" i)))))
; a long loop inside a procedure, in constant space
(define (count-to n) (let loop ((i 0)) (if (< i n) (loop (+ i 1)) i)))
(show "long: " (count-to 1000000))
; loops inside a lambda inside a loop
(show "lambdas: " (let loop ((i 0) (acc '()))
                    (if (= i 3)
                        (map (lambda (f) (f)) (reverse acc))
                        (loop (+ i 1) (cons (lambda () (let inner ((j 0) (s 0)) (if (> j i) s (inner (+ j 1) (+ s j)))))
                                            acc)))))

; vector: every small size, the inline limit and past it
(define (iota-list n) (let loop ((i (- n 1)) (l '())) (if (< i 0) l (loop (- i 1) (cons i l)))))
(show "vector: " (vector) " " (vector 'a) " " (vector 1 "two" #\3 '(4) 5.0))
(define v64 (vector 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
                    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63))
(define v65 (vector 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
                    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64))
(show "64: " (equal? (vector->list v64) (iota-list 64)) " 65: " (equal? (vector->list v65) (iota-list 65)))
; arguments that allocate (and so may collect) between the pushes
(define (build n) (if (= n 0) '() (vector n (make-list 3 n) (build (- n 1)) (list n n))))
(define (depth t) (if (null? t) 0 (+ 1 (depth (vector-ref t 2)))))
(show "nested vectors: " (depth (build 2000)) " " (vector-ref (build 3) 1) " " (vector-ref (build 3) 3))
; a fresh vector each time, even through a continuation that returns twice
(define k2 #f)
(define seen '())
(let ((x (vector 1 (call-with-current-continuation (lambda (k) (set! k2 k) 2)) 3)))
  (set! seen (cons x seen))
  (if (= (length seen) 1) (k2 20)))
(show "twice: " (reverse seen) " " (eq? (car seen) (cadr seen)))
; many vectors: a nursery's worth and more, kept and dropped
(define kept (let loop ((i 0) (acc '())) (if (= i 20000) acc (loop (+ i 1) (if (= 0 (remainder i 100)) (cons (vector i (* i i)) acc) (begin (vector i i i) acc))))))
(show "kept: " (length kept) " " (car kept) " " (apply + (map (lambda (v) (vector-ref v 0)) kept)))
; vector through apply and as a value
(show "apply: " (apply vector '(1 2 3)) " " (map vector '(1 2) '(3 4)))

; and/or as an if's test: each part a test of its own, short-circuit in order, any sense
(define trace '())
(define (t x) (set! trace (cons x trace)) x)
(define (test-all f)
  (map (lambda (args) (set! trace '()) (let ((r (apply f args))) (list r (reverse trace))))
       '((1 2) (#f 2) (1 #f) (#f #f) (0 ()))))
(show "and: " (test-all (lambda (a b) (if (and (t a) (t b)) 'yes 'no))))
(show "or: " (test-all (lambda (a b) (if (or (t a) (t b)) 'yes 'no))))
(show "not and: " (test-all (lambda (a b) (if (not (and (t a) (t b))) 'yes 'no))))
(show "not or: " (test-all (lambda (a b) (if (not (or (t a) (t b))) 'yes 'no))))
(show "nested: " (test-all (lambda (a b) (if (or (and (t a) (not (t b))) (and (not (t a)) (t b))) 'xor 'same))))
(show "cond: " (map (lambda (n) (cond ((and (> n 0) (< n 10) (odd? n)) 'small-odd)
                                       ((or (= n 0) (and (>= n 10) (not (> n 20)))) 'zero-or-teens)
                                       ((and) 'and-empty)
                                       (else 'other)))
                    '(0 3 4 15 25 -1)))
(show "or empty: " (if (or) 'yes 'no) " " (if (and) 'yes 'no))
(show "values: " (and 1 2 3) " " (or #f 2 3) " " (or (and 1 #f) (and 2 'two)) " " (and (or #f 5) (or 6 #f)))
(show "when: " (let loop ((i 0) (acc '()))
                 (if (or (> i 20) (and (> i 5) (= 0 (remainder i 7))))
                     (reverse acc)
                     (loop (+ i 1) (if (and (odd? i) (not (= i 3))) (cons i acc) acc)))))

; (+ a b) and (- a b) of two locals: one instruction, the fixnum case inline, the rest generic
(define (add a b) (+ a b))
(define (sub a b) (- a b))
(show "addll: " (map (lambda (p) (list (add (car p) (cdr p)) (sub (car p) (cdr p))))
                     '((1 . 2) (1073741823 . 1) (-1073741824 . 1) (1/2 . 1/3) (1.5 . 2) (100000000000000000000 . -1))))
(show "addll error: " (guard (e (#t 'type-error)) (add 1 "2")) " " (guard (e (#t 'type-error)) (sub 'a 1)))
(show "loop sum: " (let loop ((i 0) (s 0)) (if (> i 100000) s (loop (+ i 1) (+ s i)))))

; quotient, remainder and length: one instruction each, the fixnum and proper-list cases inline
(define (qr a b) (list (quotient a b) (remainder a b)))
(show "quotient: " (map (lambda (p) (qr (car p) (cdr p)))
                        '((7 . 2) (-7 . 2) (7 . -2) (-7 . -2) (0 . 5) (-1073741824 . -1) (1073741823 . 1)
                          (100000000000000000000 . 7) (-100000000000000000000 . 100000000000000000000)
                          (7.0 . 2) (-7 . 2.0))))
(show "division by zero: " (guard (e (#t 'caught)) (quotient 1 0)) " " (guard (e (#t 'caught)) (remainder 1 0)))
(show "not integers: " (guard (e (#t 'caught)) (quotient 1.5 2)) " " (guard (e (#t 'caught)) (remainder 'a 2)))
(show "length: " (map length (list '() '(1) (list 1 2 3) (iota-list 1000))))
(show "not lists: " (guard (e (#t 'caught)) (length 5)) " " (guard (e (#t 'caught)) (length '(1 . 2)))
      " " (let ((l (list 1 2))) (set-cdr! (cdr l) l) (guard (e (#t 'caught)) (length l))))

; list: one instruction up to 64 elements, like vector
(define l64 (list 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
                  32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63))
(define l65 (list 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
                  32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64))
(show "list: " (list) " " (list 'a) " " (list 1 (list 2 (list 3)) "four") " "
      (equal? l64 (iota-list 64)) " " (equal? l65 (iota-list 65)))
(define (tree n) (if (= n 0) '() (list n (make-vector 2 n) (tree (- n 1)) (tree (- n 1)))))
(define (tree-size t) (if (null? t) 0 (+ 1 (tree-size (caddr t)) (tree-size (cadddr t)))))
(show "list trees: " (tree-size (tree 12)) " " (car (tree 3)) " " (cadr (tree 2)))
(show "fresh lists: " (let ((a (list 1 2)) (b (list 1 2))) (list (equal? a b) (eq? a b) (eq? (cdr a) (cdr b)))))
(show "map ends: " (guard (e (#t 'caught)) (map car '((1) . 2))) " " (map car '()) " "
      (guard (e (#t 'caught)) (for-each car '((1) . 2))))

; type predicates are called without a stack sync: as values, applied, with a wrong count
(show "predicates: " (map (lambda (p) (map p (list 1 'a "s" #\c '(1) '() (vector) car 1.5 (eof-object))))
                          (list symbol? string? char? list? pair? null? vector? procedure? number? eof-object?)))
(show "applied: " (apply symbol? '(a)) " " (guard (e (#t 'arity)) (symbol? 1 2)) " "
      (call-with-values (lambda () (string? "x")) list))

; (append a b) is one instruction (OP_APPEND2: a copied into the nursery when it is a proper
; list of up to 64 pairs); b is shared, never copied; everything else is the primitive's
(define (app a b) (append a b))
(show "append2: " (app '() 5) " " (app '(1) 2) " " (app '(1 2 3) '(4)) " " (app (list 1 2) '())
      " " (length (app (iota 64) (iota 3))) " " (length (app (iota 65) '(x))))
(show "append2 shares: " (let* ((t (list 3)) (l (app '(1 2) t))) (eq? (cddr l) t)) " "
      (let* ((a (list 1 2)) (l (app a '()))) (list (equal? l a) (eq? l a))))
(show "append2 errors: " (guard (e ((error-object? e) 'caught)) (app 5 '()))
      " " (guard (e ((error-object? e) 'caught)) (app '(1 . 2) '())))
(define (app-trees n acc) (if (= n 0) acc (app-trees (- n 1) (app (list n (make-vector 2 n)) acc))))
(show "append2 in a loop: " (length (app-trees 3000 '())) " " (car (app-trees 3 '())))
(show "append others: " (append) " " (append 7) " " (append '(1) '(2) '(3 4) 5) " " (apply append '((1) (2))))
