; tags: torture
; args: --heap-mb 32
; Heap exhaustion is an error, not a crash: a request larger than the heap's budget fails with
; "heap exhausted" and the program goes on (run with a 32 MiB heap).
(define (show . xs) (for-each display xs) (newline))
(define v (make-vector 10000000 0))
(show "after a failed big vector")
(define s (make-string 1000000 #\a))
(show "smaller string: " (string-length s))
(define b (make-bytevector 50000000 0))
(show "after a failed big bytevector")
(show "caught: " (guard (e ((error-object? e) (error-object-message e))) (make-vector 10000000 0)))
(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1)))))
(show "still computing: " (f 100000))
(show "too large for any heap: " (guard (e ((error-object? e) (error-object-message e))) (make-vector 100000000)))
