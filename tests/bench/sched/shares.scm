; shares.scm -- the scheduler's CPU shares, measured: spinning threads at chosen priorities on
; CPU 1 for 2 s each round, their cpu-ms from (threads) against the shares docs/sched.md
; derives from the walk (A at 0 and B at 5: 2/3 and 1/3, ...). Run by scripts/bench_sched.sh
; hosted (build/host/lisp --cpus 2) and in the kernel (SMP=2); prints one line per thread:
; round priority measured-share expected-share.
(define stop #f)
(define (spinner) (let loop ((i 0)) (if stop 'done (loop (+ i 1)))))
(define (cpu-ms id)
  (let loop ((ts (threads)))
    (cond ((null? ts) 0)
          ((eqv? (cdr (assq 'id (car ts))) id) (cdr (assq 'cpu-ms (car ts))))
          (else (loop (cdr ts))))))
(define (round-trip name prios expected)
  (set! stop #f)
  (let* ((ts (map (lambda (p) (spawn spinner 1 p)) prios))
         (ids (map thread-id ts)))
    (sleep 200)	; let them all start
    (let ((before (map cpu-ms ids)))
      (sleep 2000)
      (let* ((used (map (lambda (id b) (- (cpu-ms id) b)) ids before))
             (total (apply + used)))
        (set! stop #t)
        (for-each thread-join ts)
        (for-each (lambda (p u e)
                    (display name) (display " prio ") (display p)
                    (display " share ") (display (quotient (* 1000 u) (max total 1)))
                    (display "/1000 want ") (display e) (newline))
                  prios used expected)))))
(round-trip "A0-B5" '(0 5) '("667/1000" "333/1000"))
(round-trip "A0-B5-C10" '(0 5 10) '("571/1000" "286/1000" "143/1000"))
(round-trip "AB0-CD3" '(0 0 3 3) '("375/1000" "375/1000" "125/1000" "125/1000"))
(round-trip "A0-B0" '(0 0) '("500/1000" "500/1000"))
