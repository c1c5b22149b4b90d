; tags: torture
; selfcalls.scm -- a non-tail call of a procedure by itself ((fib (- n 1)) in fib, by its global
; or by the variable a named let or an internal define bound it to) is OP_CALLS: when what it
; calls is the running closure, the callee's frame reuses the caller's code and constants, and
; the return into a frame of the same closure reloads nothing (lisp/vm.c). These are the cases
; where that must not change what the program sees: the global redefined while the recursion
; runs, bound to another closure of the same code, to a procedure of another arity, to a
; primitive, to a non-procedure; closures of one code with different free variables calling
; each other; call/cc out of a deep recursion and back into it; multiple values through a
; self call; errors deep inside; recursion deep enough to grow the stack.
(define (show . xs) (for-each display xs) (newline))
(define (message e) (if (error-object? e) (error-object-message e) e))

(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(show "fib 20: " (fib 20))
(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
(show "tak 18 12 6: " (tak 18 12 6))

; deep: the stack grows under a self call
(define (depth n) (if (= n 0) 0 (+ 1 (depth (- n 1)))))
(show "depth 300000: " (depth 300000))

; the global redefined by the recursion itself, half-way down: the calls below go to the new
; procedure, and the returns still come back into the old frames
(define (down n)
  (if (= n 5) (set! down (lambda (n) (* 100 n))))
  (if (= n 0) 0 (+ 1 (down (- n 1)))))
(show "redefined half-way: " (down 10))
(show "redefined: " (down 3))

; the global bound to another closure of the same code: each closure's own free variable
(define (make-counter step)
  (define (count n) (if (= n 0) '() (cons step (count (- n 1)))))
  count)
(define c1 (make-counter 'a))
(define c2 (make-counter 'b))
(show "two closures of one code: " (c1 3) " " (c2 2))
(define (walk n) (if (= n 0) '(end) (cons n (walk (- n 1)))))
(define walk-a walk)
(set! walk (let ((seen 0)) (lambda (n) (set! seen (+ seen 1)) (list 'other n seen))))
(show "rebound to another lambda: " (walk-a 3))
(set! walk car)
(show "rebound to a primitive: " (guard (e (#t (message e))) (walk-a 2)))
(set! walk 42)
(show "rebound to a non-procedure: " (guard (e (#t (message e))) (walk-a 2)))
(set! walk (lambda (a b) (list a b)))
(show "rebound to another arity: " (guard (e (#t (message e))) (walk-a 2)))
(set! walk walk-a)
(show "bound back: " (walk-a 3))

; a named let's non-tail recursion (the closure is a free variable of its own body)
(define (build n)
  (let loop ((i n))
    (if (= i 0) '() (cons i (loop (- i 1))))))
(show "named let: " (build 5) " " (length (build 200000)))
(define (ints n)
  (define (go i) (if (> i n) '() (cons i (go (+ i 1)))))
  (go 1))
(show "internal define: " (ints 6))

; multiple values returned through a self call's frame
(define (split l)
  (if (null? l)
      (values '() '())
      (call-with-values (lambda () (split (cdr l)))
        (lambda (odds evens)
          (if (odd? (car l))
              (values (cons (car l) odds) evens)
              (values odds (cons (car l) evens)))))))
(call-with-values (lambda () (split '(1 2 3 4 5 6 7)))
  (lambda (o e) (show "values through self calls: " o " " e)))
(define (one l) (if (null? l) (values 1 2) (+ 1 (one (cdr l)))))
(show "two values to a frame that takes one: " (guard (e (#t (message e))) (one '(a b))))

; call/cc out of a deep self recursion, and back into it
(define (dive n k-box)
  (if (= n 0)
      (call/cc (lambda (k) (set-car! k-box k) 0))
      (+ 1 (dive (- n 1) k-box))))
(let ((k-box (list #f)) (hits 0))
  (let ((r (dive 1000 k-box)))
    (set! hits (+ hits 1))
    (show "dive: " r " (entry " hits ")")
    (if (< hits 3) ((car k-box) (* 10 hits)))))
(show "escape: " (call/cc (lambda (out) (let f ((n 0)) (if (= n 5000) (out 'escaped) (+ 1 (f (+ n 1))))))))

; errors deep inside, and the recursion still works after them
(define (bad n) (if (= n 0) (car '()) (+ 1 (bad (- n 1)))))
(show "error deep inside: " (guard (e (#t (message e))) (bad 10000)))
(define (overflow n) (+ 1 (overflow (+ n 1))))
(show "runaway: " (guard (e ((error-object? e) 'caught)) (overflow 0)))
(show "after: " (fib 15) " " (depth 1000))

; a flonum and a bignum through the same frames
(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(show "fact 30: " (fact 30))
(define (halves x n) (if (= n 0) x (+ 0.5 (halves x (- n 1)))))
(show "flonums: " (halves 0.25 4))
