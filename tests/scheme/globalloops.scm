; args: --cpus 1
; tags: tsan
; globalloops.scm -- a tail call of a global by the procedure it was defined as, with its
; arguments, is a jump when the global's value is the running closure (OP_GLOOP, lisp/vm.c);
; else it is the ordinary call. These are the cases where that must not change what the
; program sees: the global redefined while the loop runs (by the loop, by another thread),
; bound to another closure of the same code, to a procedure of another arity, to a primitive,
; to a non-procedure, or unbound; boxed parameters, call/cc out and back in, dynamic-wind,
; errors, deep loops in constant space, and a spinning loop that another thread preempts.
(define (show . xs) (for-each display xs) (newline))
(define (message e) (if (error-object? e) (error-object-message e) e))
(define (call-all ps) (map (lambda (p) (p)) ps))

; deep: 10,000,000 iterations only fit in constant space
(define (count-down n) (if (= n 0) 'done (count-down (- n 1))))
(show "count-down: " (count-down 10000000))
(define (deep i s) (if (= i 10000000) s (deep (+ i 1) (+ s 2))))
(show "deep: " (deep 0 0))
(define (deep-cond i acc) (cond ((= i 0) acc) ((odd? i) (deep-cond (- i 1) (+ acc 1))) (else (deep-cond (- i 1) acc))))
(show "deep cond: " (deep-cond 1000000 0))
; tak's shape: the arguments are non-tail calls of the same global
(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
(show "tak: " (tak 18 12 6))
(define (ack m n) (cond ((= m 0) (+ n 1)) ((= n 0) (ack (- m 1) 1)) (else (ack (- m 1) (ack m (- n 1))))))
(show "ack: " (ack 2 9))

; each call's closures see that call's values; an assigned parameter gets a new box per call
(define (closures i acc) (if (= i 5) (reverse acc) (closures (+ i 1) (cons (lambda () i) acc))))
(show "closures: " (call-all (closures 0 '())))
(define (boxes i acc)
  (if (= i 5)
      (reverse acc)
      (let ((get (lambda () i)))
        (set! i (+ i 10))
        (boxes (- i 9) (cons get acc)))))
(show "boxed: " (call-all (boxes 0 '())))

; the loop redefines its own global: the next call goes to the new value
(define (redef n)
  (if (= n 5) (set! redef (lambda (m) (list 'new m))))
  (if (= n 0) 'old (redef (- n 1))))
(show "set! by the loop: " (redef 10) " " (redef 10))
(define (counted n) (if (= n 0) 'first (counted (- n 1))))
(define old-counted counted)
(define (counted n) (list 'second n))
(show "old closure after define: " (old-counted 3) " " (counted 3))

; the global bound to another closure of the same code: not the running one, so a call
(define (make-g tag) (named-lambda (g n) (if (= n 0) tag (g (- n 1)))))
(define g (make-g 'global))
(show "other closure: " ((make-g 'local) 3) " " ((make-g 'local) 0) " " (g 3))

; redefined to a procedure of another arity, a rest list, a primitive, a non-procedure
(define (two a b) (list 'two a b))
(define (to-two x) (if (= x 3) (set! to-two two)) (if (= x 0) x (to-two (- x 1))))
(show "arity: " (guard (e (#t (message e))) (to-two 5)))
(define (to-rest x) (if (= x 3) (set! to-rest (lambda args (cons 'rest args)))) (if (= x 0) x (to-rest (- x 1))))
(show "rest: " (to-rest 5))
(define (to-prim x) (if (= x 3) (set! to-prim list)) (if (= x 0) x (to-prim (- x 1))))
(show "primitive: " (to-prim 5))
(define (to-car p n) (if (= n 0) (set! to-car cons)) (if (= n 2) p (to-car p (+ n 1))))
(show "primitive pair: " (to-car 'a 0))
(define (to-num x) (if (= x 3) (set! to-num 42)) (if (= x 0) x (to-num (- x 1))))
(show "not a procedure: " (guard (e (#t (list (message e) (error-object-irritants e)))) (to-num 5)))
(define unnamed (named-lambda (never-defined n) (if (= n 0) 'z (never-defined (- n 1)))))
(show "unbound: " (guard (e (#t (list (message e) (error-object-irritants e)))) (unnamed 2)) " " (unnamed 0))
; the wrong number of arguments is the call's error, as before
(define (too-many i) (if (< i 3) (too-many (+ i 1) 'x) i))
(show "too many: " (guard (e (#t (message e))) (too-many 0)))
(define (too-few i j) (if (< i 3) (too-few (+ i 1)) i))
(show "too few: " (guard (e (#t (message e))) (too-few 0 0)))
(define (rest-self i . more) (if (< i 3) (rest-self (+ i 1) i 'x) (list i more)))
(show "rest self: " (rest-self 0))

; errors inside the loop, and a handler that returns resumes it
(define (fails i) (if (< i 5) (fails (+ i 1)) (car i)))
(show "an error: " (guard (e (#t (message e))) (fails 0)))
(define (continues i s) (if (= i 4) s (continues (+ i 1) (+ s (raise-continuable i)))))
(show "continuable: " (with-exception-handler (lambda (c) 1) (lambda () (continues 0 0))))

; call/cc: out of a loop, and back into one three times (each resumes where it was taken)
(define out-k #f)
(define (esc i) (if (= i 1000) (out-k (list 'out i)) (esc (+ i 1))))
(show "escape: " (call/cc (lambda (k) (set! out-k k) (esc 0))))
(define saved-k #f)
(define (walk i acc)
  (cond ((= i 6) (reverse acc))
        ((= i 3) (call/cc (lambda (c) (set! saved-k c))) (walk (+ i 1) (cons i acc)))
        (else (walk (+ i 1) (cons i acc)))))
(show "re-entered: "
      (let ((n 0) (results '()))
        (let ((r (walk 0 '())))
          (set! n (+ n 1))
          (set! results (cons r results))
          (if (< n 3) (saved-k #f) results))))
(define (walk-boxed i)
  (cond ((= i 5) i)
        ((= i 2) (call/cc (lambda (c) (set! saved-k c))) (set! i (+ i 1)) (walk-boxed i))
        (else (walk-boxed (+ i 1)))))
(show "re-entered boxed: "
      (let ((n 0) (results '()))
        (let ((r (walk-boxed 0)))
          (set! n (+ n 1))
          (set! results (cons r results))
          (if (< n 3) (saved-k #f) results))))
(define winds '())
(define (wind-loop i out)
  (dynamic-wind (lambda () (set! winds (cons (list 'in i) winds)))
                (lambda () (if (= i 2) (out 'left)))
                (lambda () (set! winds (cons (list 'out i) winds))))
  (wind-loop (+ i 1) out))
(show "dynamic-wind: " (call/cc (lambda (out) (wind-loop 0 out))) " " (reverse winds))

; a spinning loop still reaches safe points: the thread spawned on this CPU gets to run
(define flag #f)
(define (wait-flag i) (cond (flag 'yes) ((= i 200000000) 'no) (else (wait-flag (+ i 1)))))
(define setter (spawn (lambda () (set! flag #t) 'ran) 0))
(show "preempted: " (wait-flag 0))
(show "setter: " (thread-join setter))
; ... and another thread's redefinition takes effect at the next call
(define (spin i) (if (= i 200000000) 'no (spin (+ i 1))))
(define redefiner (spawn (lambda () (set! spin (lambda (i) (list 'redefined (> i 0)))) 'ran) 0))
(show "redefined by a thread: " (spin 0))
(show "redefiner: " (thread-join redefiner))

; the jump's arguments go straight into the parameters' slots (OP_GSELF, then the moves of
; codegen.c's gen_moves); when the global names another procedure, they go to it in order
(define (gswap a b i) (if (= i 3) (list a b) (gswap b a (+ i 1))))
(show "swap: " (gswap 1 2 0))
(define (grotate a b c i) (if (= i 4) (list a b c) (grotate b c (- a 0) (+ i 1))))
(show "rotate: " (grotate 1 2 3 0))
(define (gredefined a b i)
  (if (= i 2) (set! gredefined (lambda (a b i) (list 'new a b i))))
  (gredefined b (- a 10) (+ i 1)))
(show "redefined: " (gredefined 1 2 0))
(define (gsum l acc) (if (null? l) acc (gsum (cdr l) (+ acc (car l)))))
(show "sum: " (gsum '(1 2 3 4 5) 0) " " (guard (e (#t (message e))) (gsum '(1 2 . 3) 0)))
(define (gcall a b i)
  (if (= i 2) (set! gcall (lambda (a b i) (list 'other a b i))))
  (gcall (- b 1) (length (list a b)) (+ i 1)))
(show "a call among the arguments, then redefined: " (gcall 5 7 0))
