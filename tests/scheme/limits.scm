; args: --heap-mb 192
; limits.scm -- resource limits fail as errors and the program goes on (issue 14): ten million
; frames of non-tail recursion (a million fit: the stack may take a quarter of the heap), a 100-million-element vector, a string of a billion characters,
; results too big to compute, a 10 MB printed list, cyclic lists given to length, write and
; display; after each, the memory comes back (a full collection finds as little live as before).
(define (show . xs) (for-each display xs) (newline))
(define (try thunk) (guard (e ((error-object? e) (list 'error (error-object-message e)))) (thunk)))
(define (live) (gc 'full) (cdr (assq 'live-bytes (list-ref (gc-stats) (cpu-id)))))
(define before (live))
(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1)))))
(show "ten million frames: " (try (lambda () (f 10000000))))
(show "a million frames: " (f 1000000))
(show "100000 frames: " (f 100000))
(show "vector of 10^8: " (try (lambda () (make-vector 100000000 0))))
(show "string of 10^9: " (try (lambda () (make-string 1000000000 #\a))))
(show "string of 3 * 10^6: " (string-length (make-string 3000000 #\a)))	; was over the old cap
(define narrow (make-string 5000 #\a))	; no room for 4-byte characters: an error, nothing changed
(show "fill past its room: " (try (lambda () (string-fill! narrow #\x1F600))) " "
      (string-ref narrow 0) (string-ref narrow 4999) " " (string-length narrow))
(show "10^10000000: " (try (lambda () (expt 10 10000000))))
(show "10^(10^9): " (try (lambda () (expt 10 1000000000))))
(show "2^(2^100): " (try (lambda () (expt 2 (expt 2 100)))))
; a ratio or an exact complex base too (they escaped the check: (1/2)^(10^8) took 38 s and
; 198 MB, (1+i)^(10^8) made a 50-million-bit result), and a negative exponent keeps its sign
(show "(1/2)^(10^8): " (try (lambda () (expt 1/2 100000000))))
(show "(2/3)^-(10^8): " (try (lambda () (expt 2/3 -100000000))))
(show "(1+i)^(10^8): " (try (lambda () (expt 1+i 100000000))))
(show "(3/5+4/5i)^(10^8), of magnitude 1: " (try (lambda () (expt 3/5+4/5i 100000000))))
(show "2^-(10^8): " (guard (e (#t (error-object-irritants e))) (expt 2 -100000000)))
(show "i^(10^20), (1/2)^-20, (1+i)^8: " (expt +i (expt 10 20)) " " (expt 1/2 -20) " " (expt 1+i 8))
(show "10^1000000 has " (string-length (number->string (expt 10 1000000))) " digits")
(define big (let loop ((i 0) (acc '())) (if (= i 1300000) acc (loop (+ i 1) (cons i acc)))))
(define o (open-output-string))
(write big o)
(show "printed list: " (string-length (get-output-string o)) " bytes")
(set! o #f)
(set! big #f)
(define c (list 1 2 3))
(set-cdr! (cddr c) c)
(show "length of a cycle: " (try (lambda () (length c))))
(show "list? of a cycle: " (list? c))
;; every shape of cycle up to 40 pairs (the cycle test marks at powers of two), and the
;; proper lists beside them
(define (mk n) (let loop ((i 0) (l '())) (if (= i n) l (loop (+ i 1) (cons i l)))))
(show "cycles of every shape: "
      (let loop ((n 1) (bad '()))
        (if (> n 40)
            (if (null? bad) 'ok bad)
            (let cyc ((k 0) (bad (if (= (length (mk n)) n) bad (cons (list 'length n) bad))))
              (if (= k n)
                  (loop (+ n 1) bad)
                  (let ((l (mk n)))
                    (set-cdr! (list-tail l (- n 1)) (list-tail l k))
                    (cyc (+ k 1) (if (or (list? l) (not (equal? (try (lambda () (length l)))
                                                                '(error "length: expected list, got"))))
                                     (cons (list n k) bad)
                                     bad))))))))
(write c) (newline)
(display c) (newline)
(define v (vector 1 2))
(vector-set! v 0 v)
(write (list v v)) (newline)
(show "memory came back: " (< (live) (+ before 1000000)))
