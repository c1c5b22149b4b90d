; share.scm -- the cost per message of sending a freshly built 10-element list to a thread on
; another CPU that reads it (issue 13, share.csv; share.go and share.erl are the same exchange
; in Go and Erlang). The caller defines share-n (messages) first. Prints
; "SHARE <messages> <cycles> <minor collections on this CPU during the run>" and "CHECK share ok".
(define share-ch (make-channel))
(define (share-consumer)
  (let loop ((i 0) (s 0))
    (if (= i share-n) s (loop (+ i 1) (+ s (car (channel-receive share-ch)))))))
(define share-other (if (> (ncpus) 1) 1 0))
(define (share-minors) (cdr (assq 'minor-collections (list-ref (gc-stats) (cpu-id)))))
(define share-t (spawn share-consumer share-other))
(define share-m0 (share-minors))
(define share-c0 (cycles))
(let loop ((i 0))
  (when (< i share-n)
    (channel-send share-ch (list i 1 2 3 4 5 6 7 8 9))
    (loop (+ i 1))))
(define share-sum (thread-join share-t))
(define share-c1 (cycles))
(display (list 'SHARE share-n (- share-c1 share-c0) (- (share-minors) share-m0))) (newline)
(display (if (= share-sum (quotient (* share-n (- share-n 1)) 2)) "CHECK share ok" "CHECK share BAD"))
(newline)
