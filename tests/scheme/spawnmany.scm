; args: --cpus 2
; spawnmany.scm -- thread memory (issue 20): 5000 threads nobody joins give their stacks back
; when they end, so spawning goes on; a joined thread may have any number of joiners; 10,000
; live threads either all start or the first that cannot says "spawn: no memory for a thread"
; (never "heap exhausted"), and the program goes on. Hosted and in the kernel at SMP 2.
(define (show . xs) (for-each display xs) (newline))
(define (spawn-many n) (let loop ((i 0)) (if (< i n) (begin (spawn (lambda () i) (modulo i 2)) (loop (+ i 1))))))
(spawn-many 5000)
(sleep 200)
(gc 'full)
(show "after 5000 unjoined: " (thread-join (spawn (lambda () 'still-spawning) 1)))
(define ts (let loop ((i 0) (acc '())) (if (= i 1000) acc (loop (+ i 1) (cons (spawn (lambda () i)) acc)))))
(show "1000 joined: " (apply + (map thread-join ts)))
(define t (spawn (lambda () (sleep 50) 'late)))
(define joiners (list (spawn (lambda () (thread-join t)) 0) (spawn (lambda () (thread-join t)) 1)))
(show "three joiners: " (map thread-join joiners) " " (thread-join t) " " (thread-join t))
(define ch (make-channel))
(define (spawn-live n)
  (let loop ((i 0))
    (if (= i n) 'all-started
        (let ((r (guard (e ((error-object? e) (error-object-message e)))
                   (spawn (lambda () (channel-receive ch)) (modulo i 2)))))
          (if (string? r) (begin (set! live i) r) (loop (+ i 1)))))))
(define live 10000)
(define r (spawn-live 10000))
(show "10000 live: " (if (member r '(all-started "spawn: no memory for a thread")) 'ok r))
(let loop ((i 0)) (if (< i live) (begin (channel-send ch i) (loop (+ i 1)))))
(sleep 200)
(gc 'full)
(show "and after they end: " (thread-join (spawn (lambda () 'spawning-again) 0)))
