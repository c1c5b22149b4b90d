;;; ACK -- Ackermann's function A(m, n): deep recursion, a stack of tens of thousands of frames.

(define (ack m n)
  (cond ((= m 0) (+ n 1))
        ((= n 0) (ack (- m 1) 1))
        (else (ack (- m 1) (ack m (- n 1))))))

(define (main)
  (let* ((count (hide 0 10)) (m 3) (n 9) (output 4093))
    (run-r7rs-benchmark (string-append "ack:" (number->string m) ":" (number->string n) ":"
                                       (number->string count))
                        count
                        (lambda () (ack (hide count m) (hide count n)))
                        (lambda (result) (= result output)))))
