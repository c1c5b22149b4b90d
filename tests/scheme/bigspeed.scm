; Bignums of a million digits, which the subquadratic algorithms make quick (issue 14):
; Karatsuba products and squares, recursive division, divide-and-conquer number->string and
; string->number, checked by digit counts, leading and trailing digits and residues mod a prime
; (expected values from Python 3), and by round trips in radixes 2, 8, 10, 16 and 36.
(define (show . xs) (for-each display xs) (newline))
(define p 1000000007)
(define (head s n) (substring s 0 n))
(define (tail s n) (substring s (- (string-length s) n) (string-length s)))

(define t (expt 10 1000000))
(define ts (number->string t))
(show "10^1000000 digits: " (string-length ts) " " (head ts 12) " "
      (string=? ts (string-append "1" (make-string 1000000 #\0))) " " (= (string->number ts) t))
(set! ts #f)

(define x (expt 3 500000))
(define xs (number->string x))
(show "3^500000 digits: " (string-length xs) " " (head xs 25) " " (tail xs 25))
(for-each
 (lambda (r)
   (let ((s (number->string x r)))
     (show "radix " r ": " (string-length s) " " (head s 16) " " (tail s 16) " "
           (= (string->number s r) x) " " (= (string->number (string-append "-" s) r) (- x)))))
 '(2 8 10 16 36))

(define y (- (expt 7 300001)))
(define ys (number->string y))
(show "negative: " (string-length ys) " " (head ys 10) " " (= (string->number ys) y))

(define a (expt 3 1000000))
(define b (+ (expt 7 200001) 12345))
(define q (quotient a b))
(define r (remainder a b))
(show "quotient: " (integer-length q) " " (modulo q p) " " (modulo r p) " "
      (= a (+ (* q b) r)) " " (and (<= 0 r) (< r b)))
(show "negative quotient: " (modulo (quotient (- a) b) p) " " (modulo (remainder (- a) b) p) " "
      (modulo (modulo (- a) b) p))

(define c (+ (expt 5 430000) 1))
(define d (- (expt 11 290000) 1))
(show "product: " (integer-length (* c d)) " " (modulo (* c d) p) " square: " (modulo (* c c) p))

(define n (+ (expt 10 200001) 12345678901234567890))
(call-with-values (lambda () (exact-integer-sqrt n))
  (lambda (s rest)
    (let ((ss (number->string s)))
      (show "isqrt: " (string-length ss) " " (head ss 20) " " (modulo rest p) " "
            (and (<= (* s s) n) (< n (* (+ s 1) (+ s 1))))))))

; chunks of all nines and of all zeros, in both directions
(define nines (- (expt 10 30000) 1))
(show "nines: " (string=? (number->string nines) (make-string 30000 #\9)) " "
      (= (string->number (make-string 30000 #\9)) nines))
(define z (+ (expt 10 50000) 1))
(define zs (number->string z))
(show "zero chunks: " (head zs 3) " " (string-length zs) " " (= (string->number zs) z))
