; args: --cpus 4 --verify
; tags: tsan
; threads.scm -- spawn, thread-join and channels across every CPU. Hosted with 4 CPUs, and in
; QEMU at every SMP count (tests/qemu/scheme.sh threads). Only the next-to-last line, the number
; of CPUs in (gc-stats), depends on the CPU count.
(define (iota-list n) (let loop ((i n) (acc '())) (if (= i 0) acc (loop (- i 1) (cons i acc)))))
(define (sum l) (if (null? l) 0 (+ (car l) (sum (cdr l)))))
(define cpus (iota-list (ncpus)))
; one thread pinned on every CPU: each reports where it ran and sends a list made in its heap
(define ch (make-channel))
(define ts (map (lambda (c) (spawn (lambda () (channel-send ch (iota-list 1000)) (cpu-id)) (- c 1)))
                cpus))
(display (equal? (map thread-join ts) (map (lambda (c) (- c 1)) cpus))) (newline)
(display (let loop ((n (ncpus)) (ok #t))
           (if (= n 0) ok (loop (- n 1) (and ok (= (sum (channel-receive ch)) 500500))))))
(newline)
; a server on the last CPU sums lists made here, 500 requests
(define req (make-channel))
(define rep (make-channel))
(define server
  (spawn (lambda ()
           (let loop ((n 0))
             (let ((m (channel-receive req)))
               (if (eq? m 'stop) n (begin (channel-send rep (sum m)) (loop (+ n 1)))))))
         (- (ncpus) 1)))
(define (ask k) (channel-send req (iota-list k)) (channel-receive rep))
(display (let loop ((k 1) (acc 0)) (if (> k 500) acc (loop (+ k 1) (+ acc (ask k)))))) (newline)
(channel-send req 'stop)
(display (thread-join server)) (newline)
; globals set from other CPUs, one at a time
(define trail '())
(for-each (lambda (c) (thread-join (spawn (lambda () (set! trail (cons (cpu-id) trail))) (- c 1))))
          cpus)
(display (equal? (reverse trail) (map (lambda (c) (- c 1)) cpus))) (newline)
; unplaced threads go to the least loaded CPU; a thread's error comes back at the join
(display (apply + (map thread-join (map (lambda (c) (spawn (lambda () (* c c)))) (iota-list 20)))))
(newline)
(display (guard (e ((error-object? e) (list (error-object-message e) (error-object-irritants e))))
           (thread-join (spawn (lambda () (error "boom" 1 2)) 0))))
(newline)
; channels keep what is sent until it is received, in order, whatever the number queued: 1000
; at once; then, on a new channel, 10 sent, 5 taken and 30 more
(define (range a b) (if (= a b) '() (cons a (range (+ a 1) b))))
(define (send-all c l) (for-each (lambda (x) (channel-send c x)) l))
(define (take c n) (if (= n 0) '() (let ((x (channel-receive c))) (cons x (take c (- n 1))))))
(define q (make-channel))
(send-all q (range 0 1000))
(display (equal? (take q 1000) (range 0 1000))) (newline)
(set! q (make-channel))
(send-all q (range 0 10))
(define first5 (take q 5))
(send-all q (range 10 40))
(display (equal? (append first5 (take q 35)) (range 0 40))) (newline)
; a sender on every CPU at once, 300 fresh lists each, while this thread receives: each
; sender's lists come in the order it sent them, none lost or damaged
(define many (make-channel))
(define senders
  (map (lambda (c)
         (spawn (lambda () (for-each (lambda (k) (channel-send many (list c k (range 0 10))))
                                     (range 0 300)))
                (- c 1)))
       cpus))
(define seen (make-vector (+ (ncpus) 1) -1))
(display (let loop ((n (* 300 (ncpus))) (ok #t))
           (if (= n 0)
               ok
               (let* ((m (channel-receive many)) (c (car m)) (k (cadr m))
                      (next (= k (+ (vector-ref seen c) 1))))
                 (vector-set! seen c k)
                 (loop (- n 1) (and ok next (= (sum (caddr m)) 45)))))))
(newline)
(for-each thread-join senders)
; a value taken is not kept by the channel: a big vector sent, received and dropped is freed
(define (live) (cdr (assq 'live-bytes (list-ref (gc-stats) (cpu-id)))))
(define big-ch (make-channel))
(gc 'full)
(define live0 (live))
(channel-send big-ch (make-vector 200000 0))
(display (vector-length (channel-receive big-ch))) (newline)
(gc 'full)
(display (< (live) (+ live0 200000))) (newline)
(gc 'full)
(display (length (gc-stats))) (newline)
(display 'done) (newline)
