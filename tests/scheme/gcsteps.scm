; gcsteps.scm -- (gc 'full) in bounded steps (issue 13): a requested full collection of a heap
; holding a 200,000-pair list runs as many major steps, none doing more than a step's budget
; (GC_MAJOR_STEP_WORDS: a quarter group, 16384 words, plus a chunk of the count table), with
; the CPU's safe point between them, and frees what died. Before, it was one step doing the
; whole heap's work (about 800,000 words here): one pause for every thread of the CPU.
(define (show . xs) (for-each display xs) (newline))
(define (stat k) (cdr (assq k (heap-stats))))
(define keep (let loop ((i 0) (l '())) (if (= i 200000) l (loop (+ i 1) (cons i l)))))
(define junk (let loop ((i 0) (l '())) (if (= i 100000) l (loop (+ i 1) (cons i l)))))
(gc 'full)
(set! junk #f)
(define steps0 (stat 'major-steps))
(define cycles0 (stat 'major-collections))
(gc 'full)
(show "steps: " (> (- (stat 'major-steps) steps0) 20))
(show "cycles: " (>= (- (stat 'major-collections) cycles0) 1))
(show "work per step bounded: " (<= (stat 'major-step-work-max) 20000))
(show "kept: " (length keep))
; thread-interrupt! (or Ctrl-C) stops a (gc 'full) between two of its steps: a thread of this
; CPU starts one on a heap holding a million more pairs (a collection of many timer ticks), and
; this thread, which runs when that one yields at a safe point between two steps, interrupts
; it. The collection it left goes on in the heap's ordinary steps. Before, the request was
; taken after the whole collection: the thread returned finished.
(define more (make-list 1000000 0))
(define steps2 (stat 'major-steps))
(gc 'full)
(define whole (- (stat 'major-steps) steps2))
(define started #f)
(define steps1 (stat 'major-steps))
(define collector (spawn (lambda () (set! started #t) (gc 'full) 'finished) (cpu-id)))
(let wait () (if (not started) (begin (yield) (wait))))
(show "interrupted: " (thread-interrupt! collector) " "
      (guard (e (#t (if (error-object? e) (error-object-message e) e))) (thread-join collector)))
(show "before its end: " (< (- (stat 'major-steps) steps1) whole))
(set! more #f)
(gc 'full)
(show "still kept: " (length keep))
