; tags: torture
;; rationals.scm -- exact rationals (ratnums: lowest terms, denominator > 1): the reader and
;; printer, arithmetic and comparison across fixnum, bignum, ratnum and flonum, rounding,
;; numerator and denominator, rationalize, exact of a flonum, eqv? and equal?.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))

;; reader and printer
(show 3/2 -1/2 6/4 4/2 0/5 -0/3 #x1/A #b-101/11 #o7/10 #e1/3 +1/2 (string->number "10/4") (string->number "1/0"))
(show (/ 6 4) (/ 1 3) (/ -2 4) (/ 4 -6) (/ 8 4) (/ 1 -1) (/ 3) (/ 1/3) (/ -2/3) (/ 0 7) (/ 1 2 3))
(show (number->string 3/4 2) (number->string -7/16 16) (string->number "-7/16" 16) (exact->inexact 1/7))
;; big terms
(show (/ (expt 10 30) (expt 6 20)) (/ (+ (expt 2 100) 1) (expt 2 99)) (- (/ (expt 3 70) (expt 2 70))))

;; arithmetic
(show (+ 1/2 1/3) (- 1/2 1/3) (* 2/3 3/4) (/ 2/3 4/9) (+ 1/2 1/2) (- 1/3 1/3) (* 1/2 2) (+ 1 1/2) (- 1/2 1))
(show (+ 1/3 0.5) (* 1/3 3.0) (- 1/2 0.5) (/ 1/2 0.25) (+ 1/2 (expt 2 70)) (* (/ 1 (expt 2 70)) (expt 2 71)))
(show (abs -3/4) (max 1/2 1/3) (min 1/2 1/3 -1/7) (max 1/2 0.1) (square 2/3) (expt 2/3 3) (expt 2 -10) (expt 1/2 -3))
(show (let loop ((i 1) (acc 0)) (if (> i 20) acc (loop (+ i 1) (+ acc (/ 1 i))))))

;; comparison, exact across kinds
(show (= 1/2 2/4) (< 1/3 1/2) (> -1/3 -1/2) (<= 1/2 0.5 1) (= 1/3 0.3333333333333333) (< 1/3 0.3333333333333333)
      (> 1/3 0.3333333333333333) (< 1/10 0.1) (= 1/2 0.5) (< 1 3/2 2) (< -inf.0 -1/2 +inf.0) (= 1/2 +nan.0))
(show (zero? 0/3) (positive? 1/2) (negative? -1/2) (integer? 4/2) (integer? 1/2) (rational? 1/2) (exact? 1/2)
      (inexact? 1/2) (exact-rational? 1/2) (exact-integer? 1/2) (number? 1/2) (real? -1/2))

;; numerator, denominator
(show (numerator 6/4) (denominator 6/4) (numerator -3/9) (denominator -3/9) (numerator 5) (denominator 5)
      (denominator 0) (numerator 0.75) (denominator 0.75) (denominator 0.1))

;; rounding
(show (floor 7/2) (ceiling 7/2) (round 7/2) (truncate 7/2) (floor -7/2) (ceiling -7/2) (round -7/2) (truncate -7/2))
(show (round 5/2) (round -5/2) (round 1/2) (round -1/2) (round 3/2) (round 7/3) (round -7/3) (round 8/3) (floor 1/3) (ceiling -1/3))

;; exact of a flonum is its exact rational
(show (exact 0.5) (exact -0.75) (exact 0.1) (exact 1e-5) (= (exact 0.1) 3602879701896397/36028797018963968))
(show (inexact (exact 0.1)) (inexact 1/3) (inexact -2/3) (inexact (/ (expt 10 400) (+ (expt 10 399) 1))))
(show (inexact (/ 1 (expt 2 1074))) (inexact (/ 1 (expt 2 1075))) (inexact (/ 3 (expt 2 1076))) (inexact (/ (expt 2 1024) 3)))

;; rationalize: the simplest rational within the bound
(show (rationalize 1/3 1/100) (rationalize 3/10 1/10) (rationalize -3/10 1/10) (rationalize .3 1/10) (rationalize 1/4 1/4)
      (rationalize 5 1/2) (rationalize 22/7 0) (rationalize 3.14159 0.001) (rationalize +inf.0 3) (rationalize 3 +inf.0))

;; eqv?, equal?, exact/inexact round trips
(show (eqv? 1/2 (/ 2 4)) (eqv? 1/2 0.5) (equal? '(1/2) (list (/ 1 2))) (eq? 'a 'a) (memv 1/3 (list 1 (/ 2 6))) (assv 3/4 '((3/4 . x))))
(show (exact->inexact 22/7) (inexact->exact 3.25) (exact (inexact 1/3)))

;; gcd/lcm stay integers; rationals are refused there
(define (try thunk) (guard (e (#t (display (error-object-message e)) (for-each (lambda (x) (display " ") (write x)) (error-object-irritants e)) (newline))) (thunk)))
(try (lambda () (gcd 1/2 3)))
(try (lambda () (quotient 7/2 2)))
(try (lambda () (/ 1/2 0)))
(try (lambda () (exact-integer-sqrt 1/4)))
(try (lambda () (+ 1/2 'a)))
(show (sqrt 9/4) (sqrt 2/9) (sqrt 1/3))
