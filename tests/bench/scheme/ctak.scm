;;; CTAK -- TAK returning through escaping continuations (Gabriel): every call captures one.

(define (ctak x y z)
  (call-with-current-continuation (lambda (k) (ctak-aux k x y z))))

(define (ctak-aux k x y z)
  (if (not (< y x))
      (k z)
      (call-with-current-continuation
       (lambda (k)
         (ctak-aux k
                   (call-with-current-continuation (lambda (k) (ctak-aux k (- x 1) y z)))
                   (call-with-current-continuation (lambda (k) (ctak-aux k (- y 1) z x)))
                   (call-with-current-continuation (lambda (k) (ctak-aux k (- z 1) x y))))))))

(define (main)
  (let* ((count (hide 0 5)) (x 18) (y 12) (z 6) (output 7))
    (run-r7rs-benchmark (string-append "ctak:" (number->string x) ":" (number->string y) ":"
                                       (number->string z) ":" (number->string count))
                        count
                        (lambda () (ctak (hide count x) (hide count y) (hide count z)))
                        (lambda (result) (= result output)))))
