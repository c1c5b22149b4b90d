; args: --cpus 2 --heap-mb 32
; xpubloop.scm -- a fresh object stored into a shared holder at every step (found by the review of
; issue 12's fixes): each store publishes, and a publication's minor collection promotes, but
; never let the major collector pace itself or start, so 4 live pairs filled a 32 MiB heap
; ("heap exhausted", and the heap stayed full).
(define box (vector #f))
(thread-join (spawn (lambda () 0) 1))	; publishes the globals, box included
(define (stat key) (cdr (assq key (heap-stats 0))))
(define m0 (stat 'major-collections))
(let loop ((i 0))
  (when (< i 400000)
    (vector-set! box 0 (list i i i i))
    (loop (+ i 1))))
(display (list (> (stat 'major-collections) m0) (< (stat 'old-bytes) (* 24 1024 1024)))) (newline)
(display (vector-ref box 0)) (newline)
