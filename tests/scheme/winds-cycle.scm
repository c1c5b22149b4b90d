; args: --cpus 2
; winds-cycle.scm -- a thread whose winds list is circular (%set-winds! takes any value, and a
; program may set-cdr! the list it gave) dies of an error: its unwinding ends, and another CPU's
; full collection does not wait for it for ever (a helper's program: the unwind loop popped the
; cycle without a safe point, and every collector waited for this CPU's handshake).
(define l (list 1))
(set-cdr! l l)
(define th (spawn (lambda () (%set-winds! l) (car '())) 1))
(sleep 100)
(gc 'full)
(display "a cycle of non-thunks: collected past it") (newline)
(define l2 (list (cons (lambda () #f) (lambda () (display "after ran") (newline)))))
(set-cdr! l2 l2)
(define th2 (spawn (lambda () (%set-winds! l2) (car '())) 1))
(display (guard (e (#t (error-object-message e))) (thread-join th2))) (newline)
(gc 'full)
;; the same inside a guard on the asking thread's own CPU: unwinding to the guard's extent
(define l3 (list (cons #f #f)))
(set-cdr! l3 l3)
(display (guard (e (#t 'caught)) (%set-winds! l3) (car '()))) (newline)
(display "done") (newline)
