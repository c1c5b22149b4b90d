; args: --cpus 2 --verify --nursery-kb 64
; tags: tsan
; xthreads.scm -- what a thread raises reaches its joiner intact (issue 12, hole 5, and the join's
; report). A thread that raises after a deep recursion: its interpreter makes a fresh stack (a
; collection) while the raised object was held unrooted, and the join got a moved object (the
; verifier sees it). (raise #f) came back as "heap exhausted". Exhaustion: xexhaust.scm.
(define (deep n) (if (= n 0) (list 'bottom (make-string 3 #\z)) (cons n (deep (- n 1)))))
(define (raiser k)
  (lambda ()
    (let ((l (deep 20000)))
      (raise (list 'raised k (length l) (make-vector 3 k))))))
(define (try-join t) (guard (e (#t e)) (thread-join t)))
(display (let loop ((k 0) (ok 0))
           (if (= k 24) ok
               (let ((r (try-join (spawn (raiser k) (modulo k 2)))))
                 (loop (+ k 1) (if (equal? r (list 'raised k 20002 (make-vector 3 k))) (+ ok 1) ok))))))
(newline)
; what was raised comes back as it was, #f included
(display (map (lambda (v) (try-join (spawn (lambda () (raise v)) 1))) (list #f 0 "s" '(1 2))))
(newline)
(display (length (deep 1000))) (newline)
; an error report starts a fresh line after another thread's output that did not end its line,
; and adds none after another thread's newline (the console's last byte, not the thread's)
(thread-join (spawn (lambda () (display "from-thread")) 1))
(car 1)
(display "main")
(thread-join (spawn (lambda () (newline) (display "T") (newline)) 1))
(car 2)
