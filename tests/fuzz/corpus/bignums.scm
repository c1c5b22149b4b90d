; tags: guile torture
; Exact integers of any size: fixnum overflow into bignums and back, factorial, fib,
; expt, division identities, gcd/lcm, comparison, number->string / string->number radixes.
(cond-expand (guile (import (scheme base) (scheme char) (scheme write) (scheme cxr) (scheme lazy) (scheme case-lambda) (scheme eval) (srfi 1))) (else))
(define (show . xs) (for-each display xs) (newline))
(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(define (fib n) (let loop ((a 0) (b 1) (i 0)) (if (= i n) a (loop b (+ a b) (+ i 1)))))
(show "fact 100: " (fact 100))
(show "fib 200: " (fib 200))
(show "expt 2 300: " (expt 2 300))
(show "expt -3 101: " (expt -3 101))
(show "fixnum edge: " (+ 1073741823 1) " " (- -1073741824 1) " " (* 65536 65536))
(show "back to fixnum: " (- (+ 1073741823 1) 1) " " (exact? (- (expt 2 100) (expt 2 100))))
(define big (expt 7 77))
(define d (+ (expt 3 50) 17))
(show "q r: " (quotient big d) " " (remainder big d))
(show "identity: " (= big (+ (* (quotient big d) d) (remainder big d))))
(for-each
 (lambda (a)
   (for-each
    (lambda (b)
      (show a " " b ": " (quotient a b) " " (remainder a b) " " (modulo a b) " "
            (= a (+ (* b (quotient a b)) (remainder a b)))))
    (list 7 -7 (expt 10 25) (- (expt 10 25)))))
 (list 100 -100 (expt 10 40) (- (expt 10 40))))
(show "gcd: " (gcd (fact 30) (expt 2 40)) " " (gcd 0 5) " " (gcd) " lcm: " (lcm (expt 2 70) 6) " " (lcm))
(show "abs: " (abs (- (expt 2 80))) " " (abs -5))
(show "compare: " (< (expt 2 70) (expt 2 71)) " " (> (- (expt 2 70)) 5) " " (= (expt 2 70) (* (expt 2 35) (expt 2 35))))
(show "min max: " (min 3 (expt 2 80) -4) " " (max 3 (expt 2 80) -4))
(show "even odd: " (even? (expt 2 80)) " " (odd? (+ 1 (expt 2 80))) " " (zero? (- (expt 2 80) (expt 2 80))))
(show "sign: " (negative? (- (expt 2 80))) " " (positive? (expt 2 80)))
(show "radix: " (number->string 255 2) " " (number->string 255 8) " " (number->string 255 16) " "
      (number->string -255 16) " " (number->string (expt 2 100) 16) " " (number->string (expt 3 40) 36))
(show "parse: " (string->number "123456789012345678901234567890") " " (string->number "-ff" 16) " "
      (string->number "#b1010") " " (string->number "zz" 36) " " (string->number "12x") " " (string->number ""))
(show "sqrt: " (call-with-values (lambda () (exact-integer-sqrt (expt 10 41))) list) " "
      (call-with-values (lambda () (exact-integer-sqrt 99)) list))
(show "square: " (* (expt 2 40) (expt 2 40)))
(show "exact: " (exact (expt 2 65)) " " (integer? (expt 2 65)) " " (number? (expt 2 65)))
(show "sum: " (apply + (map (lambda (i) (expt 2 i)) (iota 100))))
(show "product: " (apply * (iota 20 1)))
(show "neg zero: " (- (expt 2 64) (expt 2 64)) " " (* 0 (expt 2 64)))
(show "floor/: " (call-with-values (lambda () (floor/ -7 2)) list) " " (call-with-values (lambda () (truncate/ -7 2)) list))
