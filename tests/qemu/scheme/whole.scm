; whole.scm -- one display is one piece of console output (issue 20): four threads on two CPUs
; print 300 lines of 3000 equal characters each, one display per line; every line of the
; output must be whole (tests/qemu/scheme.sh whole, and hosted in scripts/run-tests.sh).
(define (line c) (string-append (make-string 3000 c) "\n"))
(define (writer c) (lambda () (let ((s (line c))) (let loop ((i 0)) (if (< i 300) (begin (display s) (loop (+ i 1))))))))
(define ts (map (lambda (c cpu) (spawn (writer c) cpu)) '(#\a #\b #\c) '(0 1 1)))
((writer #\d))
(for-each thread-join ts)
