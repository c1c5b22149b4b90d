; args: --cpus 2 --heap-mb 6
; exhaustagain.scm -- a program that fills its heap, catches "heap exhausted", drops what it
; held and collects, six times over (a review's program: from the second round every (gc) said
; "no memory for the collection" and the next allocation failed even inside guard, for good:
; the handler's loan had left the heap past the loans' bound, and the collection's loan was
; then less than the heap held)
(define (build n)
  (let loop ((i 0) (l '()))
    (if (= i n) l (loop (+ i 1) (cons (vector i (make-string 3 #\a)) l)))))
(define keep '())
(define (fill)
  (guard (e ((error-object? e) (error-object-message e)))
    (let loop () (set! keep (cons (build 500) keep)) (loop))))
(define (live) (cdr (assq 'live-bytes (list-ref (gc-stats) (cpu-id)))))
(define (collect) (guard (e (#t (error-object-message e))) (gc 'full) 'collected))
(do ((r 0 (+ r 1))) ((= r 6))
  (let* ((why (fill)) (n (length keep)))
    (set! keep '())
    (let ((c (collect)))
      (write (list r why (> n 10) c (< (live) 1000000)))
      (newline))))
(display "after: ")
(write (length (build 20000)))
(newline)
