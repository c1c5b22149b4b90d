; args: --cpus 4
; tags: tsan
; flothreads.scm -- flonums on many threads at once: eight threads (twice the CPUs at SMP 4),
; spread over every CPU, each run a loop of float work (sin, sqrt, division, exp, the printer,
; complex exp and sqrt)
; that yields every 97 steps and is preempted at its safe points, and their results must equal
; bit for bit (eqv?) what one thread computed alone first. Hosted, and in QEMU at SMP 2 and 4
; on x86 and ARM: every CPU has its FPU on and no thread sees another's FPU state
; (docs/numbers.md, "The kernel"). Interpreter threads do not migrate between CPUs.
(define (work seed n)
  (let loop ((i 0) (x (+ 0.5 seed)) (acc 0.0) (s "") (z 1.0+0.0i))
    (if (= i n)
        (list acc x (string->number s) z)
        (let ((y (+ (* x 1.0000001) (sin x) (/ 1.0 (+ 1.0 (* x x))))))
          (if (= 0 (modulo i 97)) (yield))
          (loop (+ i 1) (- y (floor y))
                (+ acc (sqrt (abs y)) (exp (- (abs (cos y)))) (/ y 3.0))
                (number->string (* acc 1e-3))
                (+ (* z 0.5) (exp (make-rectangular 0.0 y)) (sqrt (make-rectangular y -1.0))))))))
(define seeds '(1 2 3 4 5 6 7 8))
(define n 3000)
(define alone (map (lambda (s) (work s n)) seeds))
(define threads
  (let loop ((i 0) (ss seeds) (acc '()))
    (if (null? ss)
        (reverse acc)
        (loop (+ i 1) (cdr ss)
              (cons (let ((s (car ss))) (spawn (lambda () (work s n)) (modulo i (ncpus)))) acc)))))
(define together (map thread-join threads))
(display (map (lambda (a b) (and (eqv? (car a) (car b)) (eqv? (cadr a) (cadr b)) (eqv? (caddr a) (caddr b))
                                (eqv? (cadddr a) (cadddr b))))
              alone together))
(newline)
(display (length (filter (lambda (r) (and (finite? (car r)) (> (car r) 1000.0) (not (real? (cadddr r)))
                                          (finite? (cadddr r))))
                        together)))
(newline)
