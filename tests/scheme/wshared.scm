; tags: torture
; write-shared labels every pair, vector and record reached twice, not only cycles (R7RS 6.13.3);
; write labels only cycles; apply needs its list argument.
(write-shared (let ((t (list 3))) (list (cons 1 t) (cons 2 t)))) (newline)
(write-shared (let ((v (vector 1 2))) (list v v (list v)))) (newline)
(write-shared (let ((x (list 1 2))) (set-cdr! (cdr x) x) (list x x))) (newline)
(write-shared '(1 2 3)) (newline)
(write-shared (list "a" "a")) (newline)
(write-shared (let* ((a (list 'a)) (b (list a a))) (vector b b a))) (newline)
(write (let ((x (list 1 2))) (list x x))) (newline)
(write (let ((x (list 1 2))) (set-cdr! (cdr x) x) (list x x))) (newline)
(let ((p (open-output-string)) (x (list 'q)))
  (write-shared (list x x) p)
  (write (get-output-string p)) (newline))
(display (apply + 1 2 '(3))) (newline)
(display (apply list '())) (newline)
(display (guard (e ((error-object? e) (error-object-message e))) (apply +))) (newline)
(display (guard (e ((error-object? e) (error-object-message e))) (apply + 1 2))) (newline)
