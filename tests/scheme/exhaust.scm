; tags: torture
; args: --heap-mb 16
; The heap filled up by live data is an error, and afterwards the heap is usable again: the data
; became garbage, and the collection that frees it gets the room it needs (lisp.h, gc_lend),
; again and again. (16 MiB heap. Catching this error with guard while the data is still live
; may itself run out of memory, so it is not tested.)
(define (show . xs) (for-each display xs) (newline))
(define (grow l) (grow (cons (make-vector 100 l) l)))
(define (old-mb) (quotient (cdr (assq 'old-bytes (heap-stats))) 1048576))
(grow '())
(show "after the first: " (length (make-list 100000 0)) " fresh pairs")
(grow '())
(grow '())
(show "after the third: " (apply + (make-list 100000 1)))
(gc 'full)
(show "old generation back under 4 MiB: " (< (old-mb) 4))
(define keep (make-vector 1000000 0))
(show "a 4 MB vector fits: " (vector-length keep))
(grow '())
(show "and it survived: " (vector-length keep))
; nested deep with a sibling left at each level: the full collection before the error marks it
; depth first, one mark-stack entry a level. The stack grows past the heap's budget when it must
; (major.c, grow); kept within it, it overflowed at every pass and each pass went one block of
; levels deeper: 90 passes over the heap here, 377 at 64 MiB, a CPU held for hours at 256 MiB.
(define (rescans) (cdr (assq 'mark-rescans (heap-stats))))
(define r0 (rescans))
(define (nest x) (nest (list x 2)))
(nest 1)
(show "deep nesting, passes over the heap under 30: " (< (- (rescans) r0) 30))
(show "and the 4 MB vector is still there: " (vector-length keep))
; an exit thunk of an extent the error leaves runs with room: the frames cut away held the data,
; and the heap is collected with room past what it holds before the thunks run (lisp_vm_unwind);
; before, a thunk's allocation failed again in most runs (a review's program): x short of 3000
(define x 0)
(define (fill) (let loop ((l '())) (loop (cons 1 l))))
(define (add!) (set! x (+ x (length (make-list 1000 0)))))
(dynamic-wind (lambda () #f) fill add!)
(dynamic-wind (lambda () #f) fill add!)
(dynamic-wind (lambda () #f) fill add!)
(show "the exit thunks ran, with room: " x)
