; prodcons.scm -- producer/consumer lists: every CPU builds lists of 100 fresh cells and sends
; them to the next CPU's channel (round the CPUs; to itself at SMP=1), and takes the lists the
; previous CPU sent, summing them: each list is made in one heap, read from another and dropped
; there. Result: the sum of everything received.
(define pc-len 100)
(define pc-msgs (* 20 bench-scale))
(define pc-chans (list->vector (map (lambda (c) (make-channel)) (bench-cpus))))
(define (pc-list k) (let loop ((i 0) (l '())) (if (= i pc-len) l (loop (+ i 1) (cons k l)))))
(define (pc-sum l) (let loop ((l l) (s 0)) (if (null? l) s (loop (cdr l) (+ s (car l))))))
(define (pc-work cpu n)
  (let ((out (vector-ref pc-chans (modulo (+ cpu 1) n)))
        (in (vector-ref pc-chans cpu)))
    (let loop ((i 0) (sum 0))
      (if (= i pc-msgs)
          sum
          (begin (channel-send out (pc-list i))
                 (bench-garbage 100)
                 (loop (+ i 1) (+ sum (pc-sum (channel-receive in)))))))))
(define (pc-expect cpu n) (* pc-len (quotient (* pc-msgs (- pc-msgs 1)) 2)))
(bench-run 'prodcons pc-work pc-expect)
