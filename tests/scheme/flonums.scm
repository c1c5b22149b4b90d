; tags: torture
;; flonums.scm -- inexact reals: the reader's decimal syntaxes, shortest round-trip printing,
;; arithmetic with contagion, exact comparisons across kinds, rounding, the elementary
;; functions (lisp/flonum.c, the same bits hosted and in both kernels), eqv? by bits.
;; Values checked by hand against Guile 3.0.8 where the two agree on the format.
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
(define (show-values thunk) (call-with-values thunk show))

;; reader and printer
(show 1.5 .5 -.5 +.5 1. 1e3 1E3 -0.0 0.0 +inf.0 -inf.0 +nan.0 1.5e-7 1e21 1e20 0.1 100.0)
(show 0.001 1e-7 0.000001 5e-324 1.7976931348623157e308 2.2250738585072014e-308 123456789012345678901.0)
(show #i1 #e1.5 #e1e3 #i3/4 #x1.8 #b-1.1 #d1.5 #e-0.125 #i#x10 #x#i10 1e400 -1e400 1e-400)
(show (string->number "1e2") (string->number ".5e1") (string->number "+inf.0") (string->number "-nan.0")
      (string->number "1.5.5") (string->number "1e") (string->number "e1") (string->number ".")
      (string->number "#e+inf.0") (string->number "1.5" 16) (string->number "0.1" 2))
;; case is not significant in numbers (R7RS 7.1.1); s f d l exponent markers (R5RS, R6RS) as e
(show (string->number "+NAN.0") (string->number "+InF.0") (string->number "-iNF.0") '+NaN.0 '-INF.0
      1s2 1F2 1d-2 .5L1 (string->number "#d1f2") (string->number "#e1s2") #x1d2 (string->number "1s"))
(show (number->string 0.1) (number->string 1e21) (number->string -0.0) (number->string 1.0)
      (number->string 0.5 2) (number->string 10.25 16) (number->string +nan.0 8) (number->string 1e-3 10))
;; shortest round trip: 0.1 + 0.2 needs 17 digits, 1e23 needs 1
(show (+ 0.1 0.2) 1e23 (* 3 1.1) (/ 1. 3) (/ 2. 3) 4.35 (- 0.3 0.1))
(let loop ((x 1.0) (i 0) (bad 0))	; 2^-i and 3^i/7 read back bit-exactly
  (if (< i 1100)
      (loop (/ x 2) (+ i 1)
            (+ bad (if (eqv? x (string->number (number->string x))) 0 1)
                   (let ((y (/ (expt 3. (modulo i 600)) 7)))
                     (if (eqv? y (string->number (number->string y))) 0 1))))
      (show 'round-trip-failures bad)))

;; arithmetic and contagion
(show (+ 1 0.5) (- 1/2 0.25) (* 2 1.5) (/ 3 2.) (/ 1. 0.) (/ -1 0.) (/ 0. 0.) (- 0.0) (- 5.5) (+))
(show (+ 1e308 1e308) (* 1e-200 1e-200) (- +inf.0 +inf.0) (exact->inexact 1/3) (inexact 12345678901234567890123))
(show (inexact (expt 2 1024)) (inexact (- (expt 2 1024))) (inexact (+ (expt 2 53) 1)) (inexact (+ (expt 2 53) 3)))
(show (max 1 2.0) (min 1 2.0) (max 1/2 0.25) (max +nan.0 1.0) (abs -0.0) (abs -2.5) (abs +inf.0))
;; comparisons are exact across kinds, so they stay transitive
(show (= 9007199254740993 9007199254740992.0) (< 9007199254740992.0 9007199254740993)
      (= 1/3 (/ 1. 3)) (< 1/3 0.3333333333333333) (= 0.5 1/2) (< 1 1.5 2) (> 2.0 1 0.5) (<= 1.0 1 1.0))
(show (= +nan.0 +nan.0) (< +nan.0 1) (> +nan.0 1) (<= 1 +nan.0) (>= +nan.0 +nan.0) (= 0.0 -0.0) (< -inf.0 -1e308))
(show (let loop ((i 0) (x 0.0)) (if (< x 1.0) (loop (+ i 1) (+ x 0.1)) i)) (zero? -0.0) (zero? 1e-300)
      (positive? -0.0) (negative? -1e-300) (odd? 3.0) (even? -4.0))

;; predicates
(show (integer? 2.0) (integer? 2.5) (integer? +inf.0) (rational? 1.5) (rational? +inf.0) (rational? +nan.0)
      (real? +nan.0) (exact? 1.0) (inexact? 1.0) (exact-integer? 2.0) (number? 1e10) (exact-rational? 0.5))
(show (nan? +nan.0) (nan? 1) (finite? 1e308) (finite? -inf.0) (infinite? -inf.0) (infinite? +nan.0) (finite? 3/4))

;; exact and inexact
(show (exact 1.5) (exact 0.1) (exact -0.0) (exact 1e20) (exact 5e-324) (inexact->exact 0.25) (exact->inexact 7/8))
(show (exact (inexact 12345678901234567890)) (inexact (exact 0.1)) (eqv? 0.1 (inexact (exact 0.1))))

;; rounding (round to even)
(show (floor 2.5) (ceiling 2.5) (round 2.5) (truncate 2.5) (floor -2.5) (ceiling -2.5) (round -2.5) (truncate -2.5))
(show (round 3.5) (round 0.5) (round -0.5) (round 1.5) (round 0.49999999999999994) (floor -0.5) (ceiling -0.5) (round 1e300))
(show (exact (round 2.6)) (floor 1/2) (round 7/2) (truncate -7/2))

;; integer division on integral flonums
(show-values (lambda () (floor/ 7.0 2)))
(show-values (lambda () (truncate/ -7.0 2)))
(show-values (lambda () (floor/ -7 2.0)))
(show (floor-quotient 7.0 2.0) (floor-remainder -7.0 2) (truncate-quotient 7 -2.0) (truncate-remainder 7.0 -2)
      (quotient 1e20 7) (remainder 1e20 7) (modulo -1e20 7))
;; a zero quotient has the sign of a / b (Guile's, IEEE's); a zero remainder is 0.0
(for-each (lambda (f)
            (show (map (lambda (ab) (f (car ab) (cadr ab)))
                       '((0 -2.0) (-0.0 2) (-0.0 -2.0) (0.0 2) (-4.0 2) (1.0 -2) (-1.0 2) (-1.0 -2) (1 -2.0)))))
          (list quotient remainder modulo floor-quotient floor-remainder))
(show (gcd 12.0 18) (lcm 4 6.0) (gcd) (numerator 0.5) (denominator 0.5) (numerator 6.0) (denominator 0.1))

;; sqrt, exp, log, trigonometry
(show (sqrt 16) (sqrt 16.0) (sqrt 15) (sqrt 2) (sqrt 1/4) (sqrt 2.25) (sqrt -0.0) (sqrt +inf.0) (sqrt 1e-320))
(show (sqrt 12345678901234567890123456789) (sqrt (expt 10 100)) (sqrt (+ (expt 10 100) 1)))
(show-values (lambda () (exact-integer-sqrt 17)))
(show (exp 0) (exp 1) (exp -1) (exp 710) (exp -746) (exp 1e-20) (log 1) (log 2) (log 100 10) (log 8 2))
(show (log 0.0) (log 1e-310) (log 1e300) (log +inf.0) (log 7.5))
(show (sin 0) (sin 1) (cos 1) (tan 1) (sin -0.0) (sin 3.141592653589793) (cos 3.141592653589793) (sin 1e5))
(show (asin 0.5) (acos 0.5) (asin 1) (acos -1) (asin 2) (atan 1) (atan -1e300) (atan 1 1) (atan 1 -1))
;; far from 0 the argument is reduced exactly (Payne-Hanek: 2/pi's bits as far as the exponent
;; needs): the same as glibc's, to the last bit here
(show (sin 1e22) (cos 1e22) (tan 1e22) (sin 1e10) (cos -1e300) (sin 1.7976931348623157e308))
(show (atan -1 -1) (atan 0.0 -1) (atan -0.0 -1) (atan 1 0) (atan +inf.0 +inf.0) (atan 0 1))

;; expt
(show (expt 2.0 10) (expt 2 0.5) (expt 2 -2) (expt 2. -2) (expt 1.1 100) (expt 10. 23) (expt 10. -5))
(show (expt 0.0 0) (expt 0.0 2) (expt 0.0 -1) (expt -2.0 3) (expt +inf.0 -1) (expt 1.5 2.5) (expt 4 1/2))

;; eqv?, equal?, memv, assoc on flonums
(show (eqv? 0.0 -0.0) (eqv? +nan.0 +nan.0) (eqv? 1.5 1.5) (eqv? 2 2.0) (equal? '(1.5 2) (list 1.5 2))
      (equal? 0.0 -0.0) (memv 2.5 '(1 2.5 3)) (assv 0.5 '((0.5 . a))) (eq? 'x 'x))
(show (vector 1.5 -0.0 +inf.0) '(1.0 . 2.5) (list->string (map (lambda (c) c) (string->list (number->string 3.25)))))

;; errors
(define (try thunk) (guard (e (#t (display (error-object-message e)) (newline))) (thunk)))
(try (lambda () (exact +inf.0)))
(try (lambda () (exact +nan.0)))
(try (lambda () (/ 1.5 0)))
(try (lambda () (floor/ 7.5 2)))
(try (lambda () (exact-integer-sqrt 4.0)))
(try (lambda () (+ 1.5 "a")))
(try (lambda () (< 1.5 'x)))
(try (lambda () (sin "x")))
(try (lambda () (make-rectangular 1 +i)))
(try (lambda () (< 1.5 +i)))
(try (lambda () (number->string 1.5 37)))
(try (lambda () (string->number "#e1e100001")))
;; the complex procedures on reals (complex.scm has the rest): angle 0.0 or pi (-0.0 and -inf.0
;; too), an exact 0 imaginary part or angle gives the real
(show (angle 1) (angle -1) (angle 1/2) (angle -0.5) (angle 0.0) (angle -0.0) (angle -inf.0)
      (angle (- (expt 10 30))) (make-rectangular 1 0) (make-rectangular 1.5 0) (make-polar -2 0)
      (make-polar 2.5 0) (magnitude -1/2) (real-part 1/2) (imag-part 1.5))
;; R7RS feature identifiers for what this tower has: exact ratios and IEEE doubles
(show (and (memq 'ratios (features)) #t) (and (memq 'ieee-float (features)) #t)
      (cond-expand ((and ratios ieee-float) 'both) (else 'missing)))
