; remset.scm -- young objects stored into thousands of distinct slots of a big old vector between
; two collections (issue 13, point 4): before, the remembered set overflowed at one block (8192
; entries on 64-bit) and the next minor collection scanned the whole old generation (8 to 67 ms
; with 100 MB old); now it grows and a collection is due every block's worth. Each CPU keeps a
; vector of 50000 x bench-scale cells and, each round, stores fresh cells into 20000 slots spread
; over all of it (more than one block holds, on 32 and 64 bits). Result: the sum of the cdrs read
; back from the slots it wrote last.
(define rs-size (* 50000 bench-scale))
(define rs-rounds 10)
(define (rs-work cpu n)
  (let ((v (make-vector rs-size #f)))
    (let fill ((i 0)) (when (< i rs-size) (vector-set! v i (cons i i)) (fill (+ i 1))))
    (gc)
    (let loop ((r 0))
      (when (< r rs-rounds)
        (let store ((k 0) (j (modulo (* r 7919) rs-size)))
          (when (< k 20000)
            (vector-set! v j (cons r k))
            (store (+ k 1) (modulo (+ j 8191) rs-size))))
        (loop (+ r 1))))
    (let sum ((k 0) (j (modulo (* (- rs-rounds 1) 7919) rs-size)) (s 0))
      (if (= k 20000) s (sum (+ k 1) (modulo (+ j 8191) rs-size) (+ s (cdr (vector-ref v j))))))))
(define (rs-expect cpu n) (quotient (* 20000 19999) 2))
(bench-run 'remset rs-work rs-expect)
