; (scheme process-context): command-line, get-environment-variable(s) (issue 15). The hosted
; build gives the program's file and arguments and its environment; the kernel its boot options.
(define cl (command-line))
(write (list (pair? cl) (let all ((l cl)) (or (null? l) (and (string? (car l)) (all (cdr l)))))))
(newline)
(define env (get-environment-variables))
(write (list (list? env)
             (let all ((l env)) (or (null? l) (and (pair? (car l)) (string? (caar l)) (string? (cdar l)) (all (cdr l)))))
             (let all ((l env)) (or (null? l) (and (equal? (get-environment-variable (caar l)) (cdar l)) (all (cdr l)))))
             (get-environment-variable "no-such-variable-here")
             (get-environment-variable "")))
(newline)
(write (guard (e (#t (error-object-message e))) (get-environment-variable 'home)))
(newline)
