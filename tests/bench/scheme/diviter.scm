;;; DIVITER -- dividing by 2 with lists as unary numbers (Gabriel), iteratively.

(define (create-n n)
  (do ((n n (- n 1)) (a '() (cons '() a))) ((= n 0) a)))

(define (iterative-div2 l)
  (do ((l l (cddr l)) (a '() (cons (car l) a))) ((null? l) a)))

(define (main)
  (let* ((count (hide 0 100000)) (input 1000) (ll (create-n (hide count input))) (output 500))
    (run-r7rs-benchmark (string-append "diviter:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (iterative-div2 ll))
                        (lambda (result) (and (list? result) (= (length result) output)
                                              (null? (car result)))))))
