; args: --cpus 2 --heap-mb 16
; tags: tsan
; xexhaust.scm -- a thread that exhausts its CPU's heap (issue 12, hole 6). Before: the thread on
; CPU 1 borrowed room for the REPL's CPU instead of its own and, when its interpreter could not
; start, left roots behind (a panic when it ended); its garbage then filled CPU 1's heap for good,
; so later threads there failed and (gc 'full) on CPU 0 waited for ever for CPU 1's handshake.
; exhaustion on CPU 1 comes back at the join as that error, again and again; the heap is
; given back when the thread ends (nobody else collects it), so threads after it run there, and
; the other CPU's collections do not wait for it
(define (grow) (let loop ((l '()) (i 0)) (loop (cons (make-vector 64 i) l) (+ i 1))))
(define (exhaust-on cpu)
  (guard (e ((error-object? e) (error-object-message e))) (thread-join (spawn grow cpu))))
(display (list (exhaust-on 1) (exhaust-on 1) (exhaust-on 0))) (newline)
(display (thread-join (spawn (lambda () (length (make-list 100000 'after))) 1))) (newline)
(gc 'full)
(display (exhaust-on 1)) (newline)
