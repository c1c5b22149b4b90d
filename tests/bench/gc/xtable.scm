; xtable.scm -- a big count table under other CPUs' feet (issue 13, point 4): every CPU holds
; 20000 x bench-scale references to its neighbour's cells in an old vector of its own, so each
; heap's count table has that many entries, and then churns: young cells naming the
; neighbour's cells, promoted by its minor collections (each promotion counts into the
; neighbour's table, under the neighbour's lock), stores that move references between the
; slots (a count up and a count down each), and on CPU 0 a (gc 'full) every 4 rounds (a global
; mark: every table walked at mark start, purged after; a requested full collection is one long
; pause of CPU 0's own, so read the other CPUs' pauses). Before, those walks, the purge and the
; table's growth ran whole under the table's lock, and the other CPUs' minor collections
; waited for them. Result: the sum of the cdrs of the cells held at the end.
(define xt-size (* 20000 bench-scale))
(define xt-rounds 12)
(define xt-mine (make-vector 64 #f))
(define (xt-work cpu n)
  (let ((mine (make-vector xt-size #f)) (next (modulo (+ cpu 1) n)))
    (let fill ((i 0)) (when (< i xt-size) (vector-set! mine i (cons cpu i)) (fill (+ i 1))))
    (vector-set! xt-mine cpu mine)
    (let wait () (unless (vector-ref xt-mine next) (yield) (wait)))
    (let ((theirs (vector-ref xt-mine next)) (held (make-vector xt-size #f)))
      (gc)
      (let copy ((i 0)) (when (< i xt-size) (vector-set! held i (vector-ref theirs i)) (copy (+ i 1))))
      (let round ((r 0))
        (when (< r xt-rounds)
          (let churn ((k 0) (keep '()))
            (when (< k 4000)
              (churn (+ k 1) (if (= (modulo k 1000) 999)
                                 '()
                                 (cons (cons (vector-ref held (modulo (* k 7) xt-size)) k) keep)))))
          (let swap ((k 0))
            (when (< k 2000)
              (let* ((i (modulo (* (+ k r) 7919) xt-size)) (j (modulo (+ i 1) xt-size))
                     (x (vector-ref held i)))
                (vector-set! held i (vector-ref held j))
                (vector-set! held j x))
              (swap (+ k 1))))
          (when (and (= cpu 0) (= (modulo r 4) 3)) (gc 'full))	; CPU 0's pauses include them
          (round (+ r 1))))
      (let sum ((i 0) (s 0))
        (if (= i xt-size) s (sum (+ i 1) (+ s (cdr (vector-ref held i)))))))))
(define (xt-expect cpu n) (quotient (* xt-size (- xt-size 1)) 2))
(bench-run 'xtable xt-work xt-expect)
