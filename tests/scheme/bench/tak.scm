; tak: deep non-tail recursion with three arguments (the Gabriel benchmark, (tak 18 12 6) = 7),
; computed ROUNDS times and the results summed. Portable R5RS.
(define rounds 750)
(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
(define (run i acc) (if (= i rounds) acc (run (+ i 1) (+ acc (tak 18 12 6)))))
(display "tak 18 12 6 x ") (display rounds) (display ": ") (display (run 0 0)) (newline)
