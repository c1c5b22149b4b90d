;;; TAK -- Takeuchi's function (Gabriel): deep non-tail recursion with three arguments.

(define (tak x y z)
  (if (not (< y x))
      z
      (tak (tak (- x 1) y z)
           (tak (- y 1) z x)
           (tak (- z 1) x y))))

(define (main)
  (let* ((count (hide 0 1500)) (x 18) (y 12) (z 6) (output 7))
    (run-r7rs-benchmark (string-append "tak:" (number->string x) ":" (number->string y) ":"
                                       (number->string z) ":" (number->string count))
                        count
                        (lambda () (tak (hide count x) (hide count y) (hide count z)))
                        (lambda (result) (= result output)))))
