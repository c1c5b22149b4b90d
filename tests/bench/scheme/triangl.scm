;;; TRIANGL -- the triangle peg solitaire (Gabriel): a board of 15 holes, 36 moves, search by
;;; backtracking for every way to leave one peg; vectors and deep recursion.

;; holes 1..15 (index 0 unused), rows of 1, 2, 3, 4 and 5; 1 = a peg
(define *board* (make-vector 16 1))
(define *sequence* (make-vector 14 0))
;; move I jumps the peg in hole *a*[I] over *b*[I] into the empty *c*[I] (each line of three holes
;; in both directions; the last move repeats the one before it, as in the original tables)
(define *a* '#(1 2 4 3 5 6 1 3 6 2 5 4 11 12 13 7 8 4 4 7 11 8 12 13 6 10 15 9 14 13 13 14 15 9 10 6 6))
(define *b* '#(2 4 7 5 8 9 3 6 10 5 9 8 12 13 14 8 9 5 2 4 7 5 8 9 3 6 10 5 9 8 12 13 14 8 9 5 5))
(define *c* '#(4 7 11 8 12 13 6 10 15 9 14 13 13 14 15 9 10 6 1 2 4 3 5 6 1 3 6 2 5 4 11 12 13 7 8 4 4))
(define *answer* '())

(define (attempt i depth)
  (cond ((= depth 14)
         (set! *answer* (cons (cdr (vector->list *sequence*)) *answer*))
         #t)
        ((and (= 1 (vector-ref *board* (vector-ref *a* i)))
              (= 1 (vector-ref *board* (vector-ref *b* i)))
              (= 0 (vector-ref *board* (vector-ref *c* i))))
         (vector-set! *board* (vector-ref *a* i) 0)
         (vector-set! *board* (vector-ref *b* i) 0)
         (vector-set! *board* (vector-ref *c* i) 1)
         (vector-set! *sequence* depth i)
         (do ((j 0 (+ j 1)) (depth (+ depth 1)))
             ((or (= j 36) (attempt j depth)) #f))
         (vector-set! *board* (vector-ref *a* i) 1)
         (vector-set! *board* (vector-ref *b* i) 1)
         (vector-set! *board* (vector-ref *c* i) 0)
         #f)
        (else #f)))

(define (test i depth)
  (set! *board* (make-vector 16 1))
  (vector-set! *board* 5 0)
  (set! *answer* '())
  (attempt i depth)
  (car *answer*))

(define (main)
  (let* ((count (hide 0 6)) (i 22) (depth 1) (output '(22 34 31 15 7 1 20 17 25 6 5 13 32)))
    (run-r7rs-benchmark (string-append "triangl:" (number->string i) ":" (number->string depth)
                                       ":" (number->string count))
                        count
                        (lambda () (test (hide count i) (hide count depth)))
                        (lambda (result) (equal? result output)))))
