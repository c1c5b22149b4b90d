; args: --cpus 2 --verify
; tags: tsan
; interrupts.scm -- stopping threads from Scheme (issue 14): thread-interrupt! of a thread that
; spins, one blocked on a channel, on a join, in a sleep; the condition it raises; dynamic-wind
; exits run on the way out, also when the error leaves a thread or reaches the top level; a
; thread spinning on the REPL's own CPU does not stall it (preemption at safe points); the
; (threads) listing. Runs hosted and in the kernel at SMP 2.
(define (show . xs) (for-each display xs) (newline))
(define (message e) (if (error-object? e) (error-object-message e) e))
(define (outcome t) (guard (e (#t (list 'raised (message e)))) (list 'value (thread-join t))))
(define (spin) (let loop ((i 0)) (loop (+ i 1))))

; a thread spinning on this CPU, and one on the other: both stopped
(define here (spawn spin 0))
(define there (spawn spin 1))
(sleep 30)
(show "still here")
(show "interrupt here: " (thread-interrupt! here) " " (outcome here))
(show "interrupt there by id: " (thread-interrupt! (thread-id there)) " " (outcome there))
(show "again, ended: " (thread-interrupt! here))
(define fresh (spawn spin 1))	; asked before it may have started
(show "just spawned: " (thread-interrupt! fresh) " " (outcome fresh))

; a loop that never leaves the fixnums, which the hosted build runs as machine code (lisp/jit.c):
; it takes the safe points of the loop it stands for, on this CPU and on the other
(define (spin-fixnums) (let loop ((i 0) (one 1)) (if (< i 0) i (loop (- one i) one))))
(define native-here (spawn spin-fixnums 0))
(define native-there (spawn spin-fixnums 1))
(sleep 30)
(show "still here beside a native loop")
(show "native loops: " (thread-interrupt! native-here) " " (outcome native-here) " "
      (thread-interrupt! native-there) " " (outcome native-there))

; a loop whose body is one long primitive stops within a turn, not 4096 turns later
(define long-list (make-list 1000000 0))
(define lengths (spawn (lambda () (let loop () (length long-list) (loop))) 1))
(sleep 30)
(show "long primitive loop: " (thread-interrupt! lengths) " " (outcome lengths))
(set! long-list #f)

; a macro use that expands into itself for ever: the expander takes the VM's safe points (one a
; use), so the other threads of its CPU run and thread-interrupt! stops it (it held its CPU for
; good before)
(define-syntax forever (syntax-rules () ((_ x) (forever x))))
(define expanding (spawn (lambda () (eval '(forever 1))) 1))
(sleep 30)
(show "beside an endless expansion: " (thread-join (spawn (lambda () 'ran) 1)))
(show "endless expansion: " (thread-interrupt! expanding) " " (outcome expanding))

; blocked: on a channel, on a join, in a sleep
(define ch (make-channel))
(define waiter (spawn (lambda () (channel-receive ch)) 1))
(define joiner (spawn (lambda () (thread-join (spawn (lambda () (sleep 100000)) 1))) 0))
(define sleeper (spawn (lambda () (sleep 100000) 'woke) 1))
(sleep 30)
(for-each thread-interrupt! (list waiter joiner sleeper))
(show "channel: " (outcome waiter))
(show "join: " (outcome joiner))
(show "sleep: " (outcome sleeper))
; the channel still works for the next receiver, and an interrupted join left it joinable
(define r (spawn (lambda () (channel-receive ch)) 0))
(channel-send ch 'after)
(show "next receiver: " (outcome r))

; handled inside the thread; exits run when it leaves unhandled
(define log (make-channel))
(define inside (make-channel))	; each says it is inside its guard or extent: a thread
				; interrupted before it got there raises outside them
(define caught (spawn (lambda () (guard (e (#t (list 'caught (message e))))
                                   (channel-send inside 'in) (spin))) 1))
(define wound (spawn (lambda () (dynamic-wind (lambda () #f)
                                              (lambda () (channel-send inside 'in) (spin))
                                              (lambda () (channel-send log 'exit-ran)))) 1))
(channel-receive inside)
(channel-receive inside)
(thread-interrupt! caught)
(thread-interrupt! wound)
(show "caught: " (outcome caught))
(show "wound: " (outcome wound) " " (channel-receive log))

; the listing: this thread and no one left spinning
(define me (thread-id))
(define (entry id) (let loop ((l (threads)))
                     (cond ((null? l) #f) ((eqv? (cdr (assq 'id (car l))) id) (car l)) (else (loop (cdr l))))))
(show "me listed: " (cdr (assq 'state (entry me))) " on cpu " (cdr (assq 'cpu (entry me))))
(show "keys: " (map car (entry me)))
(show "ended threads gone: " (map (lambda (t) (entry (thread-id t))) (list here there waiter)))
(show "bad argument: " (guard (e (#t (message e))) (thread-interrupt! 'x)))
; an interrupt asked before a write is taken by the printer, and raised (it once completed the
; write with a piece missing and dropped the request)
(define l (make-list 20000 'abcdefg))
(define sp (open-output-string))
(show "write interrupted: " (guard (e (#t (list 'raised (message e))))
                              (thread-interrupt! me) (write l sp) 'completed))
(show "no request left: " (guard (e (#t 'raised)) (let loop ((i 0)) (if (< i 100000) (loop (+ i 1)) 'none))))
; an interrupt never skips a dynamic-wind exit: before and after run with interrupts held
(define depth 0)
(define (wound-loop) (dynamic-wind (lambda () (set! depth (+ depth 1))) (lambda () #t)
                                   (lambda () (set! depth (- depth 1))))
  (wound-loop))
(define (round-trip i)
  (let ((t (spawn wound-loop 1)))
    (sleep (+ 1 (modulo i 7)))
    (thread-interrupt! t)
    (outcome t)
    depth))
(show "exits all ran: " (let loop ((i 0) (bad '())) (if (= i 30) bad (loop (+ i 1) (let ((d (round-trip i))) (if (= d 0) bad (begin (set! depth 0) (cons i bad))))))))
; the top level: an error leaves a dynamic-wind, its exit runs after the report
(dynamic-wind (lambda () (show "in")) (lambda () (car '())) (lambda () (show "out")))
(show "done")
; an exit thunk that re-enters its extent: the unwinding follows the winds as they are now
(define k #f)
(define n 0)
(dynamic-wind (lambda () (show "in"))
              (lambda () (call/cc (lambda (c) (set! k c))) (car '()))
              (lambda () (show "out") (set! n (+ n 1)) (if (< n 3) (k 1))))
(show "entered and left " n " times")
