;;; SUM -- the sum of the integers 0..N in a loop: fixnum arithmetic and a tail call.

(define (run n)
  (let loop ((i n) (sum 0))
    (if (< i 0)
        sum
        (loop (- i 1) (+ i sum)))))

(define (main)
  (let* ((count (hide 0 20000)) (input 10000) (output 50005000))
    (run-r7rs-benchmark (string-append "sum:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (run (hide count input)))
                        (lambda (result) (= result output)))))
