; fib 30: procedure calls and fixnum arithmetic. (fib 30) is computed ROUNDS times and the results
; summed, so no implementation can drop a call whose value is unused. Portable R5RS.
(define rounds 20)
(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(define (run i acc) (if (= i rounds) acc (run (+ i 1) (+ acc (fib 30)))))
(display "fib 30 x ") (display rounds) (display ": ") (display (run 0 0)) (newline)
