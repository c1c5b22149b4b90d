; args: --cpus 4 --verify
; tags: tsan
; Garbage cycles that span CPU heaps: each CPU's own collections keep them (every object is
; referenced from another heap), (gc 'full) frees them with the global mark; live cycles held
; from a global survive it intact.
(define n (ncpus))
(define (cpu k) (modulo k n))
(define (remote-refs)
  (apply + (map (lambda (a) (cdr (assq 'remote-refs a))) (gc-stats))))
(define (make-on c tag)			; a vector made (and owned) by CPU c
  (thread-join (spawn (lambda () (vector tag (cpu-id) (list tag tag))) c)))
(define (link-ring! cells)		; slot 2 of each cell names the next: a ring
  (let loop ((l cells))
    (if (pair? (cdr l))
        (begin (vector-set! (car l) 2 (cadr l)) (loop (cdr l)))
        (vector-set! (car l) 2 (car cells)))))
(define (ring-ok? first len)
  (let loop ((c first) (k 0))
    (cond ((= k len) (eq? c first))
          ((and (vector? c) (equal? (vector-ref c 2) (vector-ref c 2))) (loop (vector-ref c 2) (+ k 1)))
          (else #f))))
(gc 'full)
(define base (remote-refs))
; garbage: 30 rings through 3 CPUs and 30 pairs across 2, made and dropped
(do ((i 0 (+ i 1))) ((= i 30))
  (link-ring! (list (make-on (cpu 1) i) (make-on (cpu 2) i) (make-on (cpu 3) i)))
  (link-ring! (list (make-on (cpu 1) i) (make-on (cpu 0) i))))
; alive: a ring through every CPU, held only by a global
(define keep (map (lambda (k) (make-on (cpu k) (* 100 k))) '(0 1 2 3)))
(link-ring! keep)
(define kept (car keep))
(set! keep #f)
(gc)
(display (or (= n 1) (> (remote-refs) base))) (newline)	; the cycles are counted
(gc 'full)
(display (ring-ok? kept 4)) (newline)
(display (map (lambda (c) (vector-ref c 0)) (list kept (vector-ref kept 2) (vector-ref (vector-ref kept 2) 2))))
(newline)
(set! kept #f)
(gc 'full)
(display (= (remote-refs) base)) (newline)	; every cycle freed, the live ring too once dropped
