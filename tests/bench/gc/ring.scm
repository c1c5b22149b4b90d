; ring.scm -- a token passed round a ring of CPUs: CPU c takes the token from its channel, makes
; a tree of 255 cells of garbage, and sends the next CPU a new token (the count plus 10 fresh
; cells). One CPU works at a time; the others wait. Result: the sum of the counts CPU c saw,
; r * ncpus + c in its round r.
(define ring-rounds (* 50 bench-scale))
(define ring-chans (list->vector (map (lambda (c) (make-channel)) (bench-cpus))))
(define (ring-tree d) (if (= d 0) (cons '() '()) (cons (ring-tree (- d 1)) (ring-tree (- d 1)))))
(define (ring-work cpu n)
  (let ((in (vector-ref ring-chans cpu))
        (out (vector-ref ring-chans (modulo (+ cpu 1) n))))
    (if (= cpu 0) (channel-send in (cons 0 '())))
    (let loop ((r 0) (sum 0))
      (if (= r ring-rounds)
          sum
          (let ((token (channel-receive in)))
            (ring-tree 7)
            (channel-send out (cons (+ (car token) 1) (bench-garbage 10)))
            (loop (+ r 1) (+ sum (car token))))))))
(define (ring-expect cpu n)
  (+ (* n (quotient (* ring-rounds (- ring-rounds 1)) 2)) (* cpu ring-rounds)))
(bench-run 'ring ring-work ring-expect)
