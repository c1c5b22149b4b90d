; tags: torture
; Writing deeply nested data: 50,000 levels through cdr then car (the printer's cycle search
; pushes a frame for each, growing the value stack; a collection while it grew used to leave
; moved objects behind: ASan saw freed memory), through car only, and in vectors.
(define (nest n wrap) (let loop ((i 0) (x 'x)) (if (= i n) x (loop (+ i 1) (wrap x)))))
(define (written-length x) (string-length (call-with-output-string (lambda (o) (write x o)))))
(display (written-length (nest 50000 (lambda (x) (list 'a x))))) (newline)
(display (written-length (nest 50000 (lambda (x) (list 'quote x))))) (newline)
(display (written-length (nest 50000 list))) (newline)
(display (written-length (nest 50000 vector))) (newline)
(define shared (nest 20000 (lambda (x) (list 'a x))))
(display (written-length (list shared shared))) (newline)
