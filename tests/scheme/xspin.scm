; args: --cpus 2 --verify
; tags: tsan
; xspin.scm -- a CPU running Scheme that neither allocates nor blocks must still answer the other
; CPUs' collections (issue 12, hole 2): a thread on CPU 1 spins on a flag while CPU 0 fills its
; old generation (its major cycles need CPU 1's root scan to finish) and runs (gc 'full) (the
; global mark needs CPU 1's steps). Before the fix (gc 'full) never returned and CPU 0's major
; cycles never completed while the spin lasted.
(define flag (vector #f))
(define spins (vector 0))
(define t (spawn (lambda () (let loop ((n 0)) (if (vector-ref flag 0) (begin (vector-set! spins 0 n) 'released) (loop (+ n 1))))) 1))
(define (majors cpu) (cdr (assq 'major-collections (list-ref (gc-stats) cpu))))
; lists of 6 MB built (so promoted), then dropped: the old generation grows past a major
; cycle's trigger again and again
(define (keep-and-drop rounds)
  (let loop ((i 0))
    (when (< i rounds)
      (let build ((k 0) (kept '())) (when (< k 12000) (build (+ k 1) (cons (make-vector 60 k) kept))))
      (loop (+ i 1)))))
(sleep 20)
(define m0 (majors 0))
(keep-and-drop 6)
(display (> (majors 0) m0)) (newline)
(gc 'full)
(display (> (majors 0) m0)) (newline)
(vector-set! flag 0 #t)
(display (thread-join t)) (newline)
(display (> (vector-ref spins 0) 0)) (newline)
