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
; a program's definitions of special forms' names (R7RS 5.3.1; list is the program's, above):
; its own code calls them from then on; the system's forms and macros, and eval in a standard environment, keep the forms
(define (when . xs) (cons 'my-when xs))
(define (if a b c) (vector 'my-if a b c))
(define do 'my-do)
(define (case . xs) 'my-case)
(show "the program's: " (when 1 2) " " (if 1 2 3) " " do " " (case 1))
(show "the system's forms: "
      (cond ((assv 2 '((1 . a) (2 . b))) => cdr) (else 'none)) " "
      (let-values (((a b) (values 1 2)) ((c) (values 3))) (vector a b c)) " "
      (guard (e ((symbol? e) (cons 'caught e))) (raise 'oops)) " "
      `(1 ,@(map (lambda (x) (* x x)) '(2 3)) `(n ,(a ,(+ 1 2)))))
(define-record-type point (make-point x y) point? (x point-x) (y point-y))
(define cl (case-lambda ((a) a) ((a b) (+ a b))))
(show "and macros: " (point-y (make-point 4 5)) " " (cl 1 2) " " (string-map char-upcase "abc")
      " " (vector-map + #(1 2) #(10 20)) " " (force (delay (+ 1 2))))
(show "eval in (scheme base): " (eval '(if #f 1 2) (environment '(scheme base)))
      ", in the program's: " (eval '(if #f 1 2) (interaction-environment)))
(show "a local binding: " (let ((unless (lambda (x) (* x 10)))) (unless 4)))
