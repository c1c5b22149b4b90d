; livebytes.scm -- (gc-stats)'s live-bytes is what the last completed major collection found live
; plus the nursery in use, and heap-bytes the memory the heap holds (issue 13; SPEC.md): a
; structure of 200000 lists kept across (gc 'full) counts, dropped it does not, and the heap
; never holds less than what is live.
(define (get k) (cdr (assq k (list-ref (gc-stats) (cpu-id)))))
(define big (make-vector 200000 0))
(let loop ((i 0)) (when (< i 200000) (vector-set! big i (list i)) (loop (+ i 1))))
(gc 'full)
(define live1 (get 'live-bytes))
(define heap1 (get 'heap-bytes))
(set! big #f)
(gc 'full)
(define live2 (get 'live-bytes))
(define heap2 (get 'heap-bytes))
(display (list "kept counts:" (> live1 (+ live2 2000000)))) (newline)
(display (list "dropped does not:" (< (* 4 live2) live1))) (newline)
(display (list "live within the heap:" (<= live1 heap1) (<= live2 heap2))) (newline)
(display (list "both keys in every entry:"
               (let loop ((l (gc-stats)))
                 (or (null? l) (and (assq 'live-bytes (car l)) (assq 'heap-bytes (car l)) (loop (cdr l)))))))
(newline)
