; args: --cpus 2 --verify
; tags: tsan
; xreread.scm -- C code that tests a field of a shared pair and then reads it again (found by the
; review of issue 12's fixes): CPU 1 flips a pair's cdr between a fixnum and a list while CPU 0
; runs cadr (inline), last-pair, eval and write on it. Before the fix each loaded from address
; 0x13 within a second. Now a changed field reads as a list's end: odd results, never a crash.
(define stop (vector #f))
(define (flipper set)
  (spawn (lambda () (let loop ((i 0)) (if (vector-ref stop 0) 'stopped (begin (set i) (loop (+ i 1)))))) 1))
(define (hammer n thunk) (let loop ((i 0)) (when (< i n) (guard (e (#t #f)) (thunk)) (loop (+ i 1)))))
(define (run set n thunk)
  (vector-set! stop 0 #f)
  (let ((t (flipper set)))
    (hammer n thunk)
    (vector-set! stop 0 #t)
    (thread-join t)))
(define p (list 1 2 3))
(display (run (lambda (i) (set-cdr! p (if (even? i) 5 (list 2 3)))) 100000 (lambda () (cadr p)))) (newline)
(define q (list 1 2 3))
(display (run (lambda (i) (set-cdr! (cdr q) (if (even? i) 5 (list 3)))) 100000 (lambda () (last-pair q)))) (newline)
(define form (list 'quote 'a))
(display (run (lambda (i) (set-cdr! form (if (even? i) 7 (list 'a)))) 10000 (lambda () (eval form)))) (newline)
(define rest (list (list 2) (list 3)))
(define w (cons (list 1) rest))
(display (run (lambda (i) (set-cdr! w (if (even? i) 5 rest))) 10000 (lambda () (write w (open-output-string)))))
(newline)
