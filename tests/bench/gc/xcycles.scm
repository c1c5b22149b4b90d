; xcycles.scm -- cycles built across CPUs and dropped: every round each CPU makes a cell with a
; 20-cell payload and sends it to the next CPU, which points the cell it received at its own:
; cell(c-1) -> cell(c) all round the CPUs, a cycle through every heap (within one heap at
; SMP=1), dropped at once. No heap's own collection can free such a cycle (each heap's cell is
; counted from another heap): the cross-heap cycle collection does (mm/gc/xcycle.c), when a
; heap's remote-reference table has doubled. Result: the rounds whose received cell was well formed.
(define xc-rounds (* 40 bench-scale))
(define xc-chans (list->vector (map (lambda (c) (make-channel)) (bench-cpus))))
(define (xc-work cpu n)
  (let ((in (vector-ref xc-chans cpu))
        (out (vector-ref xc-chans (modulo (+ cpu 1) n))))
    (let loop ((r 0) (good 0))
      (if (= r xc-rounds)
          good
          (let ((mine (cons #f (bench-garbage 20))))
            (channel-send out mine)
            (bench-garbage 100)
            (let ((prev (channel-receive in)))
              (set-car! prev mine)
              (loop (+ r 1) (if (= (length (cdr prev)) 20) (+ good 1) good))))))))
(define (xc-expect cpu n) xc-rounds)
(bench-run 'xcycles xc-work xc-expect)
