; args: --cpus 2
; tags: tsan
; joincycle.scm -- thread-join never waits forever for itself through other joins: two threads
; joining each other, or a ring of three, get "thread-join: deadlock" in the one that closes the
; ring (before, they all hung); an interrupted join leaves nothing behind (a later join of the
; interrupted thread by the one it was waiting for is not a deadlock); a plain join still works.
(define (wait-for box) (let loop () (if (vector-ref box 0) (vector-ref box 0) (begin (yield) (loop)))))
(define (deadlock? e) (and (error-object? e) (string? (error-object-message e))
                           (string=? (error-object-message e)
                                     "thread-join: deadlock: the thread waits, through the joins in progress, for this one")))

;; two threads joining each other: one catches the deadlock, the other gets its value
(define caught (vector #f #f #f))
(define (joiner i box)
  (lambda ()
    (guard (e ((deadlock? e) (vector-set! caught i #t) (list 'deadlock i)))
      (thread-join (wait-for box)))))
(define box-a (vector #f))
(define box-b (vector #f))
(define a (spawn (joiner 0 box-a) 1))
(define b (spawn (joiner 1 box-b) 0))
(vector-set! box-a 0 b)
(vector-set! box-b 0 a)
(define ra (thread-join a))
(define rb (thread-join b))
(display (list 'pair (length (filter (lambda (x) x) (vector->list caught)))
               (if (equal? ra rb) 'same-value (list ra rb))))
(newline)

;; a ring of three
(set! caught (vector #f #f #f))
(define boxes (vector (vector #f) (vector #f) (vector #f)))
(define ring (vector (spawn (joiner 0 (vector-ref boxes 0)) 0)
                     (spawn (joiner 1 (vector-ref boxes 1)) 1)
                     (spawn (joiner 2 (vector-ref boxes 2)) 0)))
(vector-set! (vector-ref boxes 0) 0 (vector-ref ring 1))
(vector-set! (vector-ref boxes 1) 0 (vector-ref ring 2))
(vector-set! (vector-ref boxes 2) 0 (vector-ref ring 0))
(define results (map thread-join (vector->list ring)))
(display (list 'ring (length (filter (lambda (x) x) (vector->list caught)))
               (if (and (equal? (car results) (cadr results)) (equal? (cadr results) (caddr results)))
                   'same-value
                   results)))
(newline)

;; an interrupted join is forgotten: y then joins x (still running) without a deadlock
(define x-go (make-channel))
(define y-box (vector #f))
(define x-box (vector #f))
(define y (spawn (lambda ()
                   (let ((x (wait-for y-box)))
                     (list 'y-joined (thread-join x))))
                 1))
(define x-started (vector #f))
(define x (spawn (lambda ()
                   (let ((r (guard (e (#t 'x-interrupted))
                              (vector-set! x-started 0 #t)	; interrupted from here on
                              (thread-join y))))
                     (vector-set! x-box 0 r)
                     (channel-receive x-go)
                     r))
                 0))
(wait-for x-started)
(thread-interrupt! x)
(wait-for x-box)
(vector-set! y-box 0 x)
(sleep 50)
(channel-send x-go 'go)
(display (thread-join y)) (newline)

;; a join of a finished thread, again
(display (list 'again (equal? (thread-join a) ra) (thread-join x))) (newline)
(display (guard (e ((error-object? e) (error-object-message e))) (thread-join 42))) (newline)
