;;; PRIMES -- the primes up to N by a sieve on lists: allocation and `remainder'.

(define (interval-list m n)
  (if (> m n)
      '()
      (cons m (interval-list (+ 1 m) n))))

(define (sieve l)
  (define (remove-multiples n l)
    (cond ((null? l) '())
          ((= (remainder (car l) n) 0) (remove-multiples n (cdr l)))
          (else (cons (car l) (remove-multiples n (cdr l))))))
  (if (null? l)
      '()
      (cons (car l) (sieve (remove-multiples (car l) (cdr l))))))

(define (primes<= n)
  (sieve (interval-list 2 n)))

(define (main)
  (let* ((count (hide 0 1000)) (input 1000) (output-length 168) (output-last 997))
    (run-r7rs-benchmark (string-append "primes:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (primes<= (hide count input)))
                        (lambda (result)
                          (and (= (length result) output-length)
                               (equal? (list-tail result (- output-length 4))
                                       (list 977 983 991 output-last)))))))
