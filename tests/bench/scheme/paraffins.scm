;;; PARAFFINS -- the paraffin (alkane) isomers C(n)H(2n+2), every one built as a structure
;;; (Turner's method, as in the Gabriel-era benchmark): the radicals of up to n/2 carbons, then
;;; the bond-centred molecules (two radicals of n/2) and the carbon-centred ones (four radicals of
;;; at most (n-1)/2, n-1 carbons in all); the result is their number. Allocation-heavy: nb(17)
;;; builds 24894 molecules over vectors and lists.

;; the partitions of M into three parts A <= B <= C, as vectors
(define (three-partitions m)
  (let loop-a ((a 0) (acc '()))
    (if (> (* 3 a) m)
        acc
        (let loop-b ((b a) (acc acc))
          (let ((c (- m a b)))
            (if (> b c)
                (loop-a (+ a 1) acc)
                (loop-b (+ b 1) (cons (vector a b c) acc))))))))

;; the partitions of M into four parts A <= B <= C <= D with D <= MAX, as vectors
(define (four-partitions m max)
  (let loop-a ((a 0) (acc '()))
    (if (> (* 4 a) m)
        acc
        (let loop-b ((b a) (acc acc))
          (if (> (+ a (* 3 b)) m)
              (loop-a (+ a 1) acc)
              (let loop-c ((c b) (acc acc))
                (let ((d (- m a b c)))
                  (if (> c d)
                      (loop-b (+ b 1) acc)
                      (loop-c (+ c 1) (if (<= d max) (cons (vector a b c d) acc) acc))))))))))

;; the radicals of 0..N carbons: a vector of lists; radical 0 is hydrogen, a radical of M carbons
;; is #(C r1 r2 r3) with radicals of sizes A <= B <= C summing to M-1; equal sizes take a
;; radical at or after the one before it in its list, so each multiset is made once
(define (radicals-upto n)
  (let ((rads (make-vector (+ n 1) '())))
    (vector-set! rads 0 (list 'h))
    (do ((m 1 (+ m 1)))
        ((> m n) rads)
      (vector-set!
       rads m
       (let loop-p ((ps (three-partitions (- m 1))) (acc '()))
         (if (null? ps)
             acc
             (let* ((p (car ps)) (a (vector-ref p 0)) (b (vector-ref p 1)) (c (vector-ref p 2)))
               (let loop1 ((r1 (vector-ref rads a)) (acc acc))
                 (if (null? r1)
                     (loop-p (cdr ps) acc)
                     (let loop2 ((r2 (if (= a b) r1 (vector-ref rads b))) (acc acc))
                       (if (null? r2)
                           (loop1 (cdr r1) acc)
                           (let loop3 ((r3 (if (= b c) r2 (vector-ref rads c))) (acc acc))
                             (if (null? r3)
                                 (loop2 (cdr r2) acc)
                                 (loop3 (cdr r3)
                                        (cons (vector 'c (car r1) (car r2) (car r3))
                                              acc)))))))))))))))

(define (bcp-molecules n rads)
  (if (odd? n)
      '()
      (let loop1 ((r1 (vector-ref rads (quotient n 2))) (acc '()))
        (if (null? r1)
            acc
            (let loop2 ((r2 r1) (acc acc))
              (if (null? r2)
                  (loop1 (cdr r1) acc)
                  (loop2 (cdr r2) (cons (vector 'bcp (car r1) (car r2)) acc))))))))

(define (ccp-molecules n rads)
  (let loop-p ((ps (four-partitions (- n 1) (quotient (- n 1) 2))) (acc '()))
    (if (null? ps)
        acc
        (let* ((p (car ps))
               (a (vector-ref p 0)) (b (vector-ref p 1)) (c (vector-ref p 2)) (d (vector-ref p 3)))
          (let loop1 ((r1 (vector-ref rads a)) (acc acc))
            (if (null? r1)
                (loop-p (cdr ps) acc)
                (let loop2 ((r2 (if (= a b) r1 (vector-ref rads b))) (acc acc))
                  (if (null? r2)
                      (loop1 (cdr r1) acc)
                      (let loop3 ((r3 (if (= b c) r2 (vector-ref rads c))) (acc acc))
                        (if (null? r3)
                            (loop2 (cdr r2) acc)
                            (let loop4 ((r4 (if (= c d) r3 (vector-ref rads d))) (acc acc))
                              (if (null? r4)
                                  (loop3 (cdr r3) acc)
                                  (loop4 (cdr r4)
                                         (cons (vector 'ccp (car r1) (car r2) (car r3) (car r4))
                                               acc))))))))))))))

(define (nb n)
  (let ((rads (radicals-upto (quotient n 2))))
    (+ (length (bcp-molecules n rads)) (length (ccp-molecules n rads)))))

(define (main)
  (let* ((count (hide 0 300)) (input 17) (output 24894))
    (run-r7rs-benchmark (string-append "paraffins:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (nb (hide count input)))
                        (lambda (result) (= result output)))))
