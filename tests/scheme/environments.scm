; tags: torture
; eval's environments: (interaction-environment) is the program's top level, where its own
; definitions are seen and made; (environment ...), (scheme-report-environment 5) and
; (null-environment 5) are the standard bindings, read-only (R7RS 6.12), whatever the program
; redefined (lisp/globals.c, "The system's bindings").
(define (show . xs) (for-each display xs) (newline))
(define (try thunk)
  (guard (e ((error-object? e) (error-object-message e)))
    (thunk)))
(define (list . xs) 'my-list)
(define (apply . xs) 'my-apply)
(set! car cdr)
(show "program: " (eval '(list 1 2) (interaction-environment)) " " (eval '(car '(1 2)) (interaction-environment)))
(show "environment: " (eval '(list 1 (car '(2 3))) (environment '(scheme base))))
(show "scheme-report-environment: " (eval '(apply + (list 1 2)) (scheme-report-environment 5)))
(show "null-environment: " (eval '(let-values (((a b) (floor/ 7 2))) (+ a b)) (null-environment 5)))
(show "a lambda's own set!: " (eval '((lambda (x) (set! x 2) x) 1) (environment '(scheme base))))
(show "define: " (try (lambda () (eval '(define x 1) (environment '(scheme base))))))
(show "define-syntax: " (try (lambda () (eval '(define-syntax m (syntax-rules () ((_) 1))) (environment '(scheme base))))))
(show "set! of a global: " (try (lambda () (eval '(set! cdr car) (environment '(scheme base))))))
(show "still the program's: " (eval '(list) (interaction-environment)))
(eval '(define made-here 7) (interaction-environment))
(show "defined in the program's: " made-here)
(show "the system's cadr: " (cadr '(1 2 3)) ", the program's car: " (car '(1 2 3)))
