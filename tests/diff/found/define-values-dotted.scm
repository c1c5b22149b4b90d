;; KNOWN (found/OPEN): define-values with dotted formals binds nothing, internal and top level.
;; ours: #<error> #<error>; guile and R7RS: (1 (2 3)) twice. Found by ctlgen (seed 111 and others).
(define-values (a . b) (values 1 2 3))
(%check (lambda () (list a b)))
(%check (lambda () (let () (define-values (x . r) (values 1 2 3)) (list x r))))
