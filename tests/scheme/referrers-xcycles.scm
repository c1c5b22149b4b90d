; args: --cpus 4 --verify
; tags: tsan
; referrers-xcycles.scm -- (referrers obj) while the global mark reclaims garbage cycles that
; span heaps and hold obj (a helper's program: before the fix, a holder found during the global
; mark's CONFIRM or PURGE was shaded and handed over, reviving an object whose targets another
; heap then freed: "gc_verify: ... not shared" or "drops an uncounted reference", every run).
; CPU 1 and CPU 2 (modulo the CPU count) make 300 cycles h1 <-> h2 (h2 a vector of 2000, a large object) holding
; target and drop them; CPU 3 runs three full collections (each with a global mark) while CPU 0
; asks who holds target over and over, then follows every holder it was given.
(define (cpu k) (modulo k (ncpus)))	; in QEMU at SMP=2 too
(define target (list 'target))
(define stop (vector #f))
(define ch (make-channel))
(define w1 (spawn (lambda ()
  (do ((i 0 (+ i 1))) ((= i 300) (channel-send ch #f))
    (channel-send ch (vector target #f)))) (cpu 1)))
(define w2 (spawn (lambda ()
  (let loop ()
    (let ((h1 (channel-receive ch)))
      (if h1
          (let ((h2 (make-vector 2000 0)))
            (vector-set! h2 0 h1)
            (vector-set! h2 1 target)
            (vector-set! h1 1 h2)
            (loop)))))) (cpu 2)))
(thread-join w1)
(thread-join w2)
(define kept '())
;; the holders (vectors, shared: handed over as views) kept, with the field that held target
(define (keep! max)
  (for-each (lambda (e)
              (let ((h (cdr (assq 'holder e))))
                (when (and h (view? h) (< (length kept) 2000))
                  (set! kept (cons (cons h (cdr (assq 'field e))) kept)))))
            (referrers target max)))
(keep! 10)	; a few before the collections start: at least these are kept, alive
(define w3 (spawn (lambda ()
  (do ((k 0 (+ k 1))) ((= k 3) (vector-set! stop 0 #t)) (gc 'full))) (cpu 3)))
(let loop ((r 0))
  (unless (vector-ref stop 0)
    (keep! 1000)
    (loop (+ r 1))))
(thread-join w3)
(gc 'full)
(gc 'full)
;; every holder handed over still holds target where referrers said (it was kept alive since)
(display (and (pair? kept)
              (let loop ((l kept))
                (or (null? l) (and (view-of? (inspect-field (caar l) (cdar l)) target) (loop (cdr l)))))))
(newline)
(display "done")
(newline)
