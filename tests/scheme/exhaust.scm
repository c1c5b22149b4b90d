; tags: torture
; args: --heap-mb 16
; The heap filled up by live data is an error, and afterwards the heap is usable again: the data
; became garbage, and the collection that frees it gets the room it needs (lisp.h, gc_lend),
; again and again (16 MiB heap). A handler catches it while the data is still live: the first
; refusal lends room for it (lisp/alloc.c, exhausted), and its escape collects the data.
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
; caught by guard (which captures its handler's continuation and makes closures while the data
; is still live), ten times over, from a deep recursion, by an escaping handler, and re-raised
; to an outer guard; before, the first guard's handler itself ran out in a fifth of the runs
(define (message e) (if (error-object? e) (error-object-message e) e))
(show "caught ten times: "
      (let loop ((i 0) (n 0))
        (if (= i 10)
            n
            (loop (+ i 1) (+ n (guard (e ((equal? (message e) "heap exhausted") 1)) (grow '())))))))
(define (deep n) (if (= n 0) (grow '()) (cons n (deep (- n 1)))))
(show "from deep: " (guard (e (#t (message e))) (deep 10000)))
(show "escaping handler: "
      (call/cc (lambda (k) (with-exception-handler (lambda (e) (k (list 'handled (message e))))
                                                   (lambda () (grow '()))))))
(show "re-raised: " (guard (e (#t (list 'outer (message e)))) (guard (e ((string? e) 'inner)) (grow '()))))
(show "and the heap is usable: " (length (make-list 100000 0)) " " (vector-length keep))
; the guard's clause runs while its handler's continuation still holds the data (the heap then
; past its limit by the handler's loan): the allocations after it, in the same top-level form,
; collect it with room past what the heap holds (a review's case: an uncaught exhaustion)
(define (after-guard) (guard (e (#t 'caught)) (grow '())) (vector-length (make-vector 20000 0)))
(show "allocating after the guard: " (after-guard) " " (after-guard))
