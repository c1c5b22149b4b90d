; args: --cpus 2 --verify
; tags: tsan
; xpublish.scm -- publishing more objects at once than any internal stack holds (issue 12, holes
; 3 and 4): vectors of 9000 and 20000 old pairs stored into a global again and again, with
; garbage churned between, and the cars of the last 500 pairs set to fresh lists first, while a
; reader on CPU 1 checks every pair it sees. Before the fix the publication's overflow pass
; visited dead objects (a panic in the next major sweep) and could skip its minor collection
; (the reader then read CPU 0's nursery: wrong values).
(define (make-pairs n) (let loop ((i n) (acc '())) (if (= i 0) acc (loop (- i 1) (cons (cons (- i 1) (- i 1)) acc)))))
(define (churn n) (let loop ((i 0) (acc '())) (if (= i n) (length acc) (loop (+ i 1) (cons i acc)))))
(define g #f)
(define stop (vector #f))
(define (good? v i)
  (let ((p (vector-ref v i)))
    (and (pair? p) (eqv? (cdr p) i)
         (let ((a (car p))) (or (eqv? a i) (equal? a (list i i i)))))))
(define reader
  (spawn (lambda ()
           (let loop ((reads 0) (bad 0))
             (if (vector-ref stop 0)
                 (list 'reads (> reads 0) 'bad bad)
                 (let ((v g))
                   (if (vector? v)
                       (let check ((i (- (vector-length v) 600)) (bad bad))
                         (if (= i (vector-length v)) (loop (+ reads 1) bad)
                             (check (+ i 1) (if (good? v i) bad (+ bad 1)))))
                       (loop reads bad))))))
         1))
(define (round n fresh)
  (let ((v (list->vector (make-pairs n))))
    (gc)	; the pairs are old now
    (when fresh
      (let set ((i (- n 500))) (when (< i n) (set-car! (vector-ref v i) (list i i i)) (set (+ i 1)))))
    (set! g v)
    (churn 3000)))
(let loop ((r 0)) (when (< r 20) (round (if (even? r) 9000 20000) (= 0 (modulo r 3))) (loop (+ r 1))))
(gc 'full)
(vector-set! stop 0 #t)
(display (thread-join reader)) (newline)
(display (let check ((i 0)) (cond ((= i (vector-length g)) 'all-good) ((good? g i) (check (+ i 1))) (else i))))
(newline)
