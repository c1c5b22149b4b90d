; args: --cpus 1
; loops.scm -- a tail call of a named let, an internal define or a do loop by itself is a jump
; back to the loop's start (lisp/codegen.c); these are the cases where that must not change
; what the program sees: closures made in each iteration, a loop variable that is assigned,
; self-calls with the wrong number of arguments, call/cc out of and back into a loop, errors
; inside one, deep loops in constant space, and a spinning loop that other threads preempt.
(define (show . xs) (for-each display xs) (newline))
(define (message e) (if (error-object? e) (error-object-message e) e))
(define (call-all ps) (map (lambda (p) (p)) ps))

; each closure sees its own iteration's values
(show "named let: " (call-all (let loop ((i 0) (acc '()))
                                (if (= i 5) (reverse acc) (loop (+ i 1) (cons (lambda () i) acc))))))
(show "do: " (call-all (do ((i 0 (+ i 1)) (acc '() (cons (lambda () (* i i)) acc))) ((= i 4) acc))))
(define (collect n)
  (define (lp i acc) (if (= i n) (reverse acc) (lp (+ i 1) (cons (lambda () (list i n)) acc))))
  (lp 0 '()))
(show "internal define: " (call-all (collect 3)))
; an assigned, captured parameter lives in a box: each iteration gets a new one
(define boxed
  (let loop ((i 0) (acc '()))
    (if (= i 50)
        (reverse acc)
        (let ((get (lambda () i)))
          (set! i (+ i 10))
          (loop (- i 9) (cons get acc))))))
(show "boxed: " (call-all boxed))
(define setters
  (let loop ((i 0) (acc '()))
    (if (= i 3) (reverse acc) (loop (+ i 1) (cons (lambda () (set! i (* i 100)) i) acc)))))
(show "boxed setters: " (call-all setters) " " (call-all setters))
; a loop whose closure is made anew on each call of its definer
(define (adder k) (let loop ((i 0) (s 0)) (if (= i k) (lambda (x) (+ x s)) (loop (+ i 1) (+ s i)))))
(show "per call: " ((adder 4) 100) " " ((adder 10) 0))

; the loop's name assigned, or shadowed: calls go to whatever it names now
(define log '())
(show "set! loop: "
      (let loop ((i 0))
        (if (= i 0) (set! loop (lambda (j) (set! log (cons j log)) 'replaced)))
        (if (< i 3) (loop (+ i 1)) i))
      " " log)
(show "set! loop later: "
      (let loop ((i 0) (n 0))
        (cond ((= n 3) (set! loop (lambda (a b) (list 'other a b))) (loop i (+ n 1)))
              ((< n 6) (loop (+ i 1) (+ n 1)))
              (else i))))
(define (shadow)
  (define (lp i) (let ((lp (lambda (x) (list 'inner x)))) (if (< i 3) (lp (+ i 1)) i)))
  (lp 0))
(show "shadowed: " (shadow))
(define escaped-loop #f)
(show "escaped: " (let loop ((i 0)) (set! escaped-loop loop) (if (< i 2) (loop (+ i 1)) i))
      " " (escaped-loop -5))

; the wrong number of arguments is still an error (of the call), not a jump
(show "too many: " (guard (e (#t (message e))) (let loop ((i 0)) (if (< i 3) (loop (+ i 1) 'x) i))))
(show "too few: " (guard (e (#t (message e))) (let loop ((i 0) (j 0)) (if (< i 3) (loop (+ i 1)) i))))
(define (rest-loop i . more) (if (< i 3) (rest-loop (+ i 1) i 'x) (list i more)))
(show "rest: " (rest-loop 0))
(define (opt-loop)
  (define (lp i . more) (if (< i 3) (lp (+ i 1) 'a) (list i more)))
  (lp 0))
(show "internal rest: " (opt-loop))
; an error inside a loop still reports, and a handler that returns resumes the loop
(show "an error: " (guard (e (#t (message e))) (let loop ((i 0)) (if (< i 5) (loop (+ i 1)) (car i)))))
(show "continuable: "
      (with-exception-handler (lambda (c) 1)
        (lambda () (let loop ((i 0) (s 0)) (if (= i 4) s (loop (+ i 1) (+ s (raise-continuable i))))))))

; call/cc: out of a loop, and back into one three times (each resumes where it was taken)
(show "escape: " (call/cc (lambda (out) (let loop ((i 0)) (if (= i 1000) (out (list 'out i)) (loop (+ i 1)))))))
(show "re-entered: "
      (let ((k #f) (n 0) (results '()))
        (let ((r (let loop ((i 0) (acc '()))
                   (cond ((= i 6) (reverse acc))
                         ((= i 3) (call/cc (lambda (c) (set! k c))) (loop (+ i 1) (cons i acc)))
                         (else (loop (+ i 1) (cons i acc)))))))
          (set! n (+ n 1))
          (set! results (cons r results))
          (if (< n 3) (k #f) results))))
(show "re-entered boxed: "
      (let ((k #f) (n 0) (results '()))
        (let ((r (let loop ((i 0))
                   (cond ((= i 5) i)
                         ((= i 2) (call/cc (lambda (c) (set! k c))) (set! i (+ i 1)) (loop i))
                         (else (loop (+ i 1)))))))
          (set! n (+ n 1))
          (set! results (cons r results))
          (if (< n 3) (k #f) results))))
(define winds '())
(show "dynamic-wind: "
      (call/cc (lambda (out)
                 (let loop ((i 0))
                   (dynamic-wind (lambda () (set! winds (cons (list 'in i) winds)))
                                 (lambda () (if (= i 2) (out 'left)))
                                 (lambda () (set! winds (cons (list 'out i) winds))))
                   (loop (+ i 1)))))
      " " (reverse winds))

;; A jump's arguments go straight into the parameters' slots (codegen.c, gen_moves), each one
;; once no argument still to be evaluated reads it; cycles go through the stack, and an argument
;; that calls a procedure is evaluated before any slot changes.
(show "swap: " (let loop ((a 1) (b 2) (i 0)) (if (= i 3) (list a b) (loop b a (+ i 1)))))
(show "rotate: " (let loop ((a 1) (b 2) (c 3) (i 0)) (if (= i 4) (list a b c) (loop b c a (+ i 1)))))
(show "reads all: " (let loop ((a 1) (b 2) (c 3) (i 0))
                      (if (= i 4) (list a b c) (loop (+ a b c) (* a b c) (- a b c) (+ i 1)))))
(show "passed on: " (let loop ((l '(1 2 3 4)) (acc 0) (k 'same))
                      (if (null? l) (list acc k) (loop (cdr l) (+ acc (car l)) k))))
(show "car and cdr: " (let loop ((l '((1 . 2) (3 . 4))) (x #f) (y #f))
                        (if (null? l) (list x y) (loop (cdr l) (car (car l)) (cdr (car l))))))
(show "fibonacci: " (let loop ((a 0) (b 1) (i 0)) (if (= i 100) a (loop b (+ a b) (+ i 1)))))
(show "up past fixnums: " (let loop ((x 1073741820) (i 0)) (if (= i 5) x (loop (+ x 1) (+ i 1)))))
(show "down past fixnums: " (let loop ((x -1073741820) (i 0)) (if (= i 5) x (loop (- x 1) (+ i 1)))))
(show "difference: " (let loop ((a -1073741824) (b 1) (i 0)) (if (= i 2) a (loop (- a b) b (+ i 1)))))
(show "flonum step: " (let loop ((x 0.5) (y 1/2) (i 0)) (if (= i 4) (list x y) (loop (+ x 1) (+ y x) (+ i 1)))))
(show "cdr error: " (guard (e (#t (message e)))
                      (let loop ((l '(1 2 . 3)) (n 0)) (if (null? l) n (loop (cdr l) (+ n 1))))))
(show "car error: " (guard (e (#t (message e)))
                      (let loop ((l '((1) 2)) (x 0)) (if (null? l) x (loop (cdr l) (car (car l)))))))
(show "add error: " (guard (e (#t (message e)))
                      (let loop ((x 1) (i 0)) (if (= i 2) x (loop (+ x 'a) (+ i 1))))))
(show "boxed swap: " (call-all (let loop ((a 1) (b 2) (i 0) (acc '()))
                                 (if (= i 3)
                                     (reverse acc)
                                     (begin (set! a (* a 10))
                                            (loop b a (+ i 1) (cons (lambda () (list a b)) acc)))))))
(define (escaping-swapper)
  (letrec ((lp (lambda (a b c i) (if (= i 5) (list a b c) (lp c (- a 1) b (+ i 1))))))
    (map (lambda (f) (f 1 2 3 0)) (list lp lp))))
(show "self-call swap: " (escaping-swapper))
(show "reentered: "
      (let ((k #f) (runs 0) (results '()))
        (let ((r (let loop ((a 1) (b 10) (i 0))
                   (if (= i 2)
                       (list a b)
                       (loop (+ b 1) (call/cc (lambda (c) (if (not k) (set! k c)) (+ a 1))) (+ i 1))))))
          (set! results (cons r results))
          (set! runs (+ runs 1))
          (if (< runs 3) (k (* runs 100)) (reverse results)))))

; deep: 10,000,000 (and 1,000,000) iterations only fit in constant space
(show "deep named let: " (let loop ((i 0) (s 0)) (if (= i 10000000) s (loop (+ i 1) (+ s 2)))))
(show "deep do: " (do ((i 0 (+ i 1)) (s 0 (- s 1))) ((= i 1000000) s)))
(define (deep-define n)
  (define (lp i acc) (if (= i 0) acc (lp (- i 1) (if (odd? i) (+ acc 1) acc))))
  (lp n 0))
(show "deep internal define: " (deep-define 1000000))

; a spinning loop still reaches safe points: the thread spawned on this CPU gets to run
(define flag #f)
(define setter (spawn (lambda () (set! flag #t) 'ran) 0))
(show "preempted: " (let loop ((i 0)) (cond (flag 'yes) ((= i 200000000) 'no) (else (loop (+ i 1))))))
(show "setter: " (thread-join setter))

; a loop's last move fused with its jump (OP_LSETADDIJ, OP_LSETCDRJ): a counter that leaves the
; fixnums, a flonum or rational counter, a cdr of something not a pair, a closure per step
(show "counter into bignums: " (let loop ((n 0) (i 1073741820)) (if (= n 10) i (loop (+ n 1) (+ i 1)))))
(show "counter below the fixnums: " (do ((n 0 (+ n 1)) (i -1073741820 (- i 1))) ((= n 10) i)))
(show "flonum counter: " (do ((n 0 (+ n 1)) (x 0.5 (+ x 1))) ((= n 4) x)))
(show "rational counter: " (let loop ((n 0) (x 1/3)) (if (= n 3) x (loop (+ n 1) (+ x 1)))))
(show "counter not a number: " (guard (e (#t (message e))) (let loop ((n 0) (x 'a)) (if (= n 3) x (loop (+ n 1) (+ x 1))))))
(show "cdr down a list: " (let loop ((n 0) (l '(a b c d))) (if (null? l) n (loop (+ n 1) (cdr l)))))
(show "cdr of an improper tail: " (guard (e (#t (message e))) (let loop ((n 0) (l '(a b . c))) (if (null? l) n (loop (+ n 1) (cdr l))))))
(show "closures per step: " (call-all (let loop ((i 0) (acc '())) (if (= i 3) acc (let ((f (lambda () i))) (loop (+ i 1) (cons f acc)))))))
