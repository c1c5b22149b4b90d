; pingpong.scm -- every CPU passes freshly allocated cells through one shared slot: it puts a
; new cell there (a young object escaping: published, which costs a minor collection when the
; cell is still in the nursery) and reads the cell it replaced, made on whichever CPU came
; before. 30 cells of garbage between two exchanges. Result: cells taken that were well formed.
(define pp-slot (make-vector 1 (cons 0 0)))
(define pp-rounds (* 40 bench-scale))
(define (pp-work cpu n)
  (let loop ((i 0) (good 0))
    (if (= i pp-rounds)
        good
        (let ((mine (cons cpu i)))
          (bench-garbage 30)
          (let ((prev (vector-ref pp-slot 0)))
            (vector-set! pp-slot 0 mine)
            (loop (+ i 1) (if (and (pair? prev) (< (car prev) n)) (+ good 1) good)))))))
(define (pp-expect cpu n) pp-rounds)
(bench-run 'pingpong pp-work pp-expect)
