;;; DIVREC -- dividing by 2 with lists as unary numbers (Gabriel), recursively.

(define (create-n n)
  (do ((n n (- n 1)) (a '() (cons '() a))) ((= n 0) a)))

(define (recursive-div2 l)
  (if (null? l)
      '()
      (cons (car l) (recursive-div2 (cddr l)))))

(define (main)
  (let* ((count (hide 0 80000)) (input 1000) (ll (create-n (hide count input))) (output 500))
    (run-r7rs-benchmark (string-append "divrec:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (recursive-div2 ll))
                        (lambda (result) (and (list? result) (= (length result) output)
                                              (null? (car result)))))))
