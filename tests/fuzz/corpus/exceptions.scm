; tags: guile torture
; R7RS exceptions: raise of conditions and of other objects, guard (with =>, else, re-raise),
; with-exception-handler, raise-continuable, error objects.
(cond-expand (guile (import (scheme base) (scheme char) (scheme write) (scheme cxr) (scheme lazy) (scheme case-lambda) (scheme eval) (srfi 1))) (else))
(define (show . xs) (for-each display xs) (newline))
(show "guard symbol: " (guard (e ((symbol? e) (list 'sym e))) (raise 'boom)))
(show "guard number: " (guard (e ((string? e) 'string) ((number? e) (* e 2))) (raise 21)))
(show "guard else: " (guard (e (else (list 'else e))) (raise '(a list))))
(show "guard =>: " (guard (e ((assq 'code e) => cdr) (else 'none)) (raise (list (cons 'code 404)))))
(show "guard no raise: " (guard (e (#t 'caught)) (+ 1 2)))
(show "guard values: " (call-with-values (lambda () (guard (e (#t 0)) (values 1 2))) list))
(show "error object: "
      (guard (e ((error-object? e) (list (error-object-message e) (error-object-irritants e))))
        (error "Something bad:" 42 'foo "str")))
(show "error-object? " (guard (e (#t (error-object? e))) (raise 'x)) " "
      (guard (e (#t (error-object? e))) (error "msg")))
(show "nested guard re-raise: "
      (guard (outer (#t (list 'outer outer)))
        (guard (inner ((number? inner) 'number))
          (raise 'not-a-number))))
(show "re-raise in clause: "
      (guard (e (#t (list 'second e)))
        (guard (e (#t (raise (list 'wrapped e))))
          (raise 'first))))
(show "handler continuable: "
      (with-exception-handler
       (lambda (c) (* c 10))
       (lambda () (+ 1 (raise-continuable 4)))))
(show "handler escape: "
      (call/cc (lambda (k)
                 (with-exception-handler
                  (lambda (c) (k (list 'escaped c)))
                  (lambda () (raise 'problem))))))
(show "nested handlers: "
      (with-exception-handler
       (lambda (c) (list 'outer c))
       (lambda ()
         (with-exception-handler
          (lambda (c) (raise-continuable (list 'inner c)))
          (lambda () (raise-continuable 'x))))))
(show "error in guard body after effects: "
      (let ((log '()))
        (guard (e (#t (reverse (cons 'handled log))))
          (set! log (cons 'a log))
          (error "fail")
          (set! log (cons 'b log)))))
(show "guard in loop: "
      (let loop ((i 0) (acc '()))
        (if (= i 5)
            (reverse acc)
            (loop (+ i 1) (cons (guard (e (#t (list 'err e))) (if (odd? i) (raise i) i)) acc)))))
(show "primitive errors are catchable: "
      (guard (e ((error-object? e) 'caught-car)) (car '())) " "
      (guard (e ((error-object? e) 'caught-vector)) (vector-ref (vector) 0)) " "
      (guard (e ((error-object? e) 'caught-unbound)) (undefined-variable-here)))
(show "raise inside dynamic-wind: "
      (let ((t '()))
        (guard (e (#t (reverse (cons e t))))
          (dynamic-wind (lambda () (set! t (cons 'in t)))
                        (lambda () (raise 'err))
                        (lambda () (set! t (cons 'out t)))))))
