;;; CPSTAK -- TAK in continuation-passing style (Gabriel): a closure allocated per call.

(define (cpstak x y z)
  (define (tak x y z k)
    (if (not (< y x))
        (k z)
        (tak (- x 1) y z
             (lambda (v1)
               (tak (- y 1) z x
                    (lambda (v2)
                      (tak (- z 1) x y
                           (lambda (v3) (tak v1 v2 v3 k)))))))))
  (tak x y z (lambda (a) a)))

(define (main)
  (let* ((count (hide 0 200)) (x 18) (y 12) (z 6) (output 7))
    (run-r7rs-benchmark (string-append "cpstak:" (number->string x) ":" (number->string y) ":"
                                       (number->string z) ":" (number->string count))
                        count
                        (lambda () (cpstak (hide count x) (hide count y) (hide count z)))
                        (lambda (result) (= result output)))))
