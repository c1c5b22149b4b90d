; echo.scm -- the guest's TCP echo server on port 7777 for tests/qemu/net_lossy.sh's lossy and
; fuzz cases (SPEC.md, "Network"): a thread accepts, one thread per connection echoes until EOF.
; The REPL stays free to read the next expression from the serial line.
(define l (tcp-listen 7777))
(define (serve c)
  (let ((in (connection-input c)) (out (connection-output c)))
    (let echo ()
      (let ((b (read-bytevector 4096 in)))
        (if (eof-object? b)
            (tcp-close c)
            (begin (write-bytevector b out) (flush-output-port out) (echo)))))))
(spawn (lambda ()
         (let loop ()
           (let ((c (tcp-accept l)))
             (spawn (lambda () (serve c)))
             (loop)))))
(display "echo: listening on 7777") (newline)
