; binary-trees (the Benchmarks Game program): allocation and collection. Max depth 12, because
; TinyScheme as Debian builds it has a fixed heap of 50,000 cells ("No memory!" past depth 13);
; the whole program runs ROUNDS times to be long enough to time, and its lines print once.
; Portable R5RS: no expt (TinyScheme's is inexact), no when.
(define rounds 30)
(define min-depth 4)
(define max-depth 12)
(define (make-tree d) (if (= d 0) (cons '() '()) (cons (make-tree (- d 1)) (make-tree (- d 1)))))
(define (check t) (if (null? (car t)) 1 (+ 1 (check (car t)) (check (cdr t)))))
(define (pow2 k) (if (= k 0) 1 (* 2 (pow2 (- k 1)))))
(define (say . xs) (for-each display xs) (newline))
(define (binary-trees print?)
  (let ((stretch (check (make-tree (+ max-depth 1)))))
    (if print? (say "stretch tree of depth " (+ max-depth 1) " check: " stretch))
    (let ((long-lived (make-tree max-depth)))
      (let loop ((d min-depth) (total stretch))
        (if (<= d max-depth)
            (let ((iterations (pow2 (+ (- max-depth d) min-depth))))
              (let inner ((i 0) (sum 0))
                (if (< i iterations)
                    (inner (+ i 1) (+ sum (check (make-tree d))))
                    (begin
                      (if print? (say iterations " trees of depth " d " check: " sum))
                      (loop (+ d 2) (+ total sum))))))
            (let ((ll (check long-lived)))
              (if print? (say "long lived tree of depth " max-depth " check: " ll))
              (+ total ll)))))))
(define (run i acc) (if (= i rounds) acc (run (+ i 1) (+ acc (binary-trees (= i 0))))))
(say "total check x " rounds ": " (run 0 0))
