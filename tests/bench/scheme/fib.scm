;;; FIB -- fib(n) the doubly recursive way: procedure calls and fixnum arithmetic.

(define (fib n)
  (if (< n 2)
      n
      (+ (fib (- n 1)) (fib (- n 2)))))

(define (main)
  (let* ((count (hide 0 40)) (input (hide count 30)) (output 832040))
    (run-r7rs-benchmark (string-append "fib:" (number->string input) ":" (number->string count))
                        count
                        (lambda () (fib (hide count input)))
                        (lambda (result) (= result output)))))
