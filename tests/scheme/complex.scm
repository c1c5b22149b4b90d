;; complex.scm -- complex numbers (R7RS 6.2, optional there; this Scheme has them): the read and
;; write syntax, exact and inexact parts, arithmetic, comparison, the predicates, the complex
;; procedures and the elementary functions with their branch cuts.
; tags: torture
;; (Not compared with Guile: Guile's complex numbers are all inexact.)
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
;; inexact results to 12 digits, as a list (real imaginary): what the test compares does not
;; depend on the last bit of a libm
(define (r12 x) (/ (round (* x 1e12)) 1e12))
(define (approx z) (list (r12 (real-part z)) (r12 (imag-part z))))

;; syntax: rectangular with every kind of part, polar, +i and -i, prefixes
(show 1+2i 1-2i -1+2i -1-2i +i -i 0+i +2i -2i 1+2I 1/2+3/4i 10+11i #d10+11i #x10+11i #b1-i)
(show 1.5+2.5i 1.0+2i 1+2.0i 1e2+1.0i 1.0+1e2i -2.5+0.0i 0.5+3/4i +inf.0-inf.0i -inf.0+inf.0i)
(show #e1.5+2.5i #e1.0+1.0i #i1+i #i1/2-3/4i)
(show 3+0i -2.5+0i 1@0 (approx 2@1) (approx 1.0@-1))
(show (string->number "1+2i") (string->number "-i") (string->number "ff+ffi" 16)
      (string->number "1@0") (string->number "1+2") (string->number "1+i2") (string->number "i"))
(show '(+ii a+i 1+ i |1+2i| -+i +-i 1i))
(show (number->string 3-4i) (number->string 10+11i 2) (number->string 1/2-i 16))
(show (read (open-input-string "1.5-0.5i")))

;; predicates: an exact 0 imaginary part makes a real; an inexact 0 does not
(show (complex? 3+4i) (real? 3+4i) (real? -2.5+0.0i) (real? -2.5+0i) (rational? 1+i)
      (integer? 3+0i) (integer? 1+i) (number? +i) (exact? 1+2i) (inexact? 1.0+2.0i)
      (exact? 1/2+i) (exact-integer? 1+i) (exact-rational? 1+i))
(show (nan? 1+2i) (nan? +nan.0+i) (finite? 3.0+inf.0i) (finite? 1.0+2.0i) (infinite? 3.0+inf.0i)
      (infinite? 1+i) (zero? 0.0+0.0i) (zero? 0+i) (zero? 0.0+1.0i))
(show (eqv? 1+2i 1+2i) (eqv? 1+2i 1.0+2.0i) (eqv? 1.0+2.0i 1.0+2.0i) (equal? '(1+i) '(1+i))
      (eqv? 1.0+0.0i 1.0) (memv 2+i '(1 2+i 3)))

;; comparison: = on complex numbers, exact against inexact; < and the like want reals
(show (= 1 1.0 1.0+0.0i) (= 1.0 1.0+1.0i) (= 1+2i 1.0+2.0i) (= 1+2i 1+2i 1+2i) (= 1+2i 1+3i)
      (= +nan.0+i +nan.0+i))
(define (try thunk)
  (guard (e (#t (display "error") (newline))) (write (thunk)) (newline)))
(try (lambda () (< 1+i 2)))
(try (lambda () (max 1+i 2)))
(try (lambda () (positive? +i)))
(try (lambda () (abs 1+i)))
(try (lambda () (floor 1.5+i)))
(try (lambda () (make-rectangular 1 +i)))
(try (lambda () (exact +inf.0+i)))
(try (lambda () (/ 1+i 0)))

;; arithmetic: exact parts stay exact, contagion makes both parts inexact
(show (+ 1+2i 3-4i) (- 1+2i 3-4i) (* 1+2i 3-4i) (/ 1+2i 3-4i) (* +i +i) (/ 1 +i) (- +i))
(show (+ 1/2+i 1/2) (* 2 1/2+1/4i) (- 1+i 1+i) (- 1+i +i) (+ 1+i 0.5) (* 1.5 2+i) (/ 4.0+2.0i 2))
(show (+ 1 2 +i 3.0) (* 1+i 1+i 1+i 1+i) (/ 10+5i 1+2i 2) (- 5+5i) (square 2+3i))
(show (exact 1.5+2.5i) (inexact 1/2-1/4i) (exact->inexact 3+4i) (inexact->exact 0.5+0.25i))
;; products that overflow are recomputed scaled: no NaN from finite operands
(show (* 1e200+1e200i 1e200+1e200i) (* 1e200+1e200i 1e200-1e200i) (* 1e-200+1e-200i 1e-200+1e-200i))
(show (* 1.35e154+0.4e154i 1.35e154+0.4e154i) (* 1 +inf.0+0.0i) (* -0.0+1.0i 2.0) (- 1.0 -0.0-1.0i))
;; Smith's division: no overflow in the divisor's norm
(show (/ 1.0+1.0i 1e300+1e300i) (/ 1e300+1e300i 1e300-1e300i) (/ 1e-300+1e-300i 1e-300+1e-300i))

;; the complex procedures
(show (make-rectangular 1 2) (make-rectangular 1.5 2) (make-rectangular 3 0) (make-rectangular 3 0.0)
      (real-part 3-4i) (imag-part 3-4i) (real-part 1.5) (imag-part 1.5) (imag-part 2))
(show (magnitude 3+4i) (magnitude -3-4i) (magnitude 1+i) (magnitude 3.0-4.0i) (magnitude -5) (magnitude -0.0)
      (magnitude 1e300+1e300i))
(show (angle +i) (angle -1+0.0i) (angle 1+i) (angle -1) (angle 1) (approx (angle -1-i)))
(show (make-polar 2 0) (make-polar 0 1) (approx (make-polar 1 1)) (approx (make-polar 2.0 3.14159)))

;; sqrt: exact for an exact square, i sqrt(-x) for a negative real, the principal root
(show (sqrt -4) (sqrt -1) (sqrt -1/4) (sqrt -4.0) (sqrt -2) (approx (sqrt +i)) (approx (sqrt -i))
      (approx (sqrt 3.0-4.0i)) (approx (sqrt -3.0+4.0i)) (approx (sqrt -3.0-4.0i)))
(show (call-with-values (lambda () (exact-integer-sqrt 17)) list) (sqrt 16) (sqrt -0.0))
;; the root of an exact complex number is exact when it can be: (1+2i)^2 is -3+4i
(show (sqrt -3+4i) (sqrt -3-4i) (sqrt +2i) (sqrt -7/4+6i) (sqrt 5+12i) (approx (sqrt 1+i))
      (let ((z (sqrt 8+6i))) (list z (* z z))))

;; exp and log: e^(i pi) = -1, the log of a negative is log |x| + pi i
(show (approx (exp +i)) (approx (exp 1+i)) (approx (exp (* 4 (atan 1) +i))) (exp 0+0.0i))
(show (approx (log -1)) (approx (log -1.0)) (approx (log +i)) (approx (log 1+i)) (approx (log -2 2))
      (approx (log 1+i 2)) (approx (log 8 -2)) (log 1) (log 0.0) (log 1.0))
;; the trigonometric functions and their inverses, on both sides of the cuts
(show (approx (sin 1+i)) (approx (cos 1+i)) (approx (tan 1+i)) (approx (tan 1+100i))
      (approx (tan 1-100i)) (approx (sin +100i)))
(show (approx (asin 2)) (approx (asin -2)) (approx (acos 2)) (approx (acos -2)) (approx (asin 1+i))
      (approx (acos 1+i)) (approx (atan 1+i)) (approx (atan -1/2i)) (approx (asin 1e-9+1e-9i)))
(show (asin 0.5) (acos 0.5) (atan 1) (asin 1) (acos 1))
;; atan on the imaginary axis beyond +-i is odd, as R7RS's formula with an exact 0 real part
(show (approx (atan +2i)) (approx (atan -2i)))
;; large arguments: reduced exactly ((exp (* 1e10 +i)) is cos 1e10 + i sin 1e10); logs of exact
;; numbers beyond the doubles' range
(show (approx (exp (make-rectangular 0.0 1e10))) (approx (sin 1e300+1.0i)) (approx (make-polar 1.0 1e10)))
(show (r12 (log (expt 10 400))) (approx (log (- (expt 10 400)))) (r12 (log (/ 1 (expt 10 400)))))
;; ... a ratnum just beyond them (its conversion allocates: --torture moves it), two arguments,
;; a ratio of two huge numbers (no cancellation)
(show (r12 (log (/ (expt 2 1100) 3))) (approx (log (- (/ (expt 2 1100) 3)))) (approx (asin (/ (expt 10 30) 7)))
      (r12 (log (expt 10 400) 10)) (approx (log (- (expt 10 400)) 10))
      (r12 (log (/ (expt 10 2000) (+ (expt 10 1690) 1)))) (log 8 2))
;; log of complex numbers at the ends of the range, scaled first
(show (approx (log 5e-324+5e-324i)) (approx (log 1.7e308+1.7e308i)))
;; log |z| near |z| = 1 keeps its digits (the squares' sum in double-double): the exact values
;; are 5e-17 and 2.2204460492503132e-17 (0.6 and 0.8 as doubles)
(show (real-part (log 1.0+1e-8i)) (real-part (log 0.6+0.8i)) (approx (log 1e300+1e300i)))
;; #e applies to the whole number, also a polar one
(show (string->number "#e1@2") (exact? (string->number "#e1.2@1")) #e1.5@0 #i1@0)
;; expt: exact powers stay exact; a negative base to a fraction, a complex exponent
(show (expt +i 2) (expt 1+i 4) (expt 1+i -2) (expt 2+i 0) (expt 1/2+i 3) (expt 0 1+i))
;; a large integer power of an inexact complex number by squaring: (1+i)^2000 is 2^1000
(show (expt 1.0+1.0i 2000) (expt 1.0+1.0i -2000) (expt 1.0+1.0i 2048) (expt 1.0+1.0i -2048))
(show (approx (expt -8 1/3)) (approx (expt -8.0 0.5)) (approx (expt 2 1+i)) (approx (expt +i +i))
      (approx (expt 1.0+1.0i 2)) (approx (expt 1+i 0.5)) (expt 0.0 1+i))
;; a loop of complex arithmetic and collections under it: the parts survive being moved
(define (spin n z acc)
  (if (= n 0)
      acc
      (spin (- n 1) (* z +i) (cons (+ z (make-rectangular n (/ n 3)) (* 0.5 z)) acc))))
(let ((l (spin 20000 1+i '())))
  (show (length l) (car l) (list-ref l 19999) (apply + l)))
(show "done")
