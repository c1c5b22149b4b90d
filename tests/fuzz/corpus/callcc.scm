; tags: guile torture
; call/cc: escapes from loops and nested calls, re-entry (generators), and dynamic-wind:
; before/after run in the right order when control leaves and re-enters the extent.
(cond-expand (guile (import (scheme base) (scheme char) (scheme write) (scheme cxr) (scheme lazy) (scheme case-lambda) (scheme eval) (srfi 1))) (else))
(define (show . xs) (for-each display xs) (newline))

(define (find-first pred l)
  (call/cc (lambda (return) (for-each (lambda (x) (if (pred x) (return x))) l) #f)))
(show "escape: " (find-first even? '(1 3 4 5 6)) " " (find-first even? '(1 3)))
(show "escape from deep: "
      (call-with-current-continuation
       (lambda (k) (let loop ((i 0)) (if (= i 1000) (k (list 'out i)) (+ 1 (loop (+ i 1))))))))
(show "k with no escape: " (+ 1 (call/cc (lambda (k) 1))))
(show "multiple values: " (call-with-values (lambda () (call/cc (lambda (k) (k 1 2 3)))) list))

;; re-entry: a generator of a list's elements, by saving the walker's continuation
(define (make-gen lst)
  (define return #f)
  (define resume #f)
  (define (walk)
    (for-each (lambda (x) (call/cc (lambda (k) (set! resume k) (return x)))) lst)
    (return 'done))
  (lambda ()
    (call/cc (lambda (r)
               (set! return r)
               (if resume (resume #f) (walk))))))
(define g (make-gen '(a b c)))
(show "generator: " (g) " " (g) " " (g) " " (g) " " (g))

;; re-entering a continuation several times (inside a procedure: re-entering a top-level
;; form's continuation means different things in different Schemes)
(define (reenter-test)
  (let ((count 0) (saved #f) (result '()))
    (let ((v (call/cc (lambda (k) (set! saved k) 0))))
      (set! result (cons v result))
      (set! count (+ count 1))
      (if (< count 4) (saved (* count 10))))
    (reverse result)))
(show "re-entry: " (reenter-test))

(define trace '())
(define (note x) (set! trace (cons x trace)))
(dynamic-wind (lambda () (note 'before)) (lambda () (note 'during)) (lambda () (note 'after)))
(show "dynamic-wind: " (reverse trace))

(set! trace '())
(show "escape value: "
      (call/cc (lambda (k)
                 (dynamic-wind (lambda () (note 'in))
                               (lambda () (k 'escaped) (note 'not-reached))
                               (lambda () (note 'out))))))
(show "escape trace: " (reverse trace))

(define (reenter-wind)
  (let ((reenter #f) (times 0))
    (set! trace '())
    (dynamic-wind
     (lambda () (note 'enter))
     (lambda () (call/cc (lambda (k) (set! reenter k))) (note 'body))
     (lambda () (note 'exit)))
    (set! times (+ times 1))
    (if (< times 3) (reenter #f))
    (reverse trace)))
(show "re-entry trace: " (reenter-wind))

(show "values through dynamic-wind: "
      (call-with-values (lambda () (dynamic-wind (lambda () #f) (lambda () (values 1 2)) (lambda () #f))) list))
(show "call/cc in map: " (map (lambda (x) (call/cc (lambda (k) (if (odd? x) (k 'odd) x)))) '(1 2 3 4)))
