; The system calls through the kernel's serial console (tests/qemu/scheme.sh sys SMP ACCEL): read
; in repl=pipe mode, so the REPL writes every value; the runner defines expected-cpus first.
; Output must not depend on the number of CPUs (beyond expected-cpus) or on timing.
(define (show . xs) (for-each display xs) (newline))
(define (get key alist) (cdr (assq key alist)))
(define (count-ok? x) (and (exact-integer? x) (>= x 0)))
(= (ncpus) expected-cpus)
(cpu-id)
(= (cpu-id) (get 'cpu (object-info (cons 1 2))))

; gc-stats: one association list per CPU, in CPU order, with the SPEC's keys and the mode
(define keys '(cpu minor-collections major-collections pause-p50-us pause-p99-us pause-max-us
               allocated-bytes live-bytes heap-bytes remote-refs))
(define (entry-ok? e i)
  (and (= (get 'cpu e) i)
       (every (lambda (k) (and (assq k e) (count-ok? (get k e)))) keys)
       (memq (get 'mode e) '(percore global))
       (= (length e) (+ (length keys) 1))
       (<= (get 'pause-p50-us e) (get 'pause-p99-us e) (get 'pause-max-us e))
       (= (get 'remote-refs e) 0)))
(define (stats-ok? s i) (or (null? s) (and (entry-ok? (car s) i) (stats-ok? (cdr s) (+ i 1)))))
(= (length (gc-stats)) expected-cpus)
(stats-ok? (gc-stats) 0)
(map car (car (gc-stats)))

; (gc) collects the caller's heap: its minor count grows; (gc 'full) completes a major cycle
(define (mine key) (get key (list-ref (gc-stats) (cpu-id))))
(define m0 (mine 'minor-collections))
(gc)
(> (mine 'minor-collections) m0)
(define M0 (mine 'major-collections))
(gc 'full)
(> (mine 'major-collections) M0)
(> (mine 'allocated-bytes) 0)
(> (mine 'live-bytes) 0)
(<= (mine 'live-bytes) (mine 'heap-bytes))
(stats-ok? (gc-stats) 0)

; heap-stats for every CPU, and object-info
(equal? (map (lambda (c) (get 'cpu (heap-stats c))) (iota expected-cpus)) (iota expected-cpus))
(= (get 'cpu (heap-stats)) (cpu-id))
(get 'major-phase (heap-stats))
(object-info 42)
(object-info #\a)
(define p (cons 1 2))
(get 'generation (object-info p))
(gc)
(get 'generation (object-info p))
(exact-integer? (get 'group (object-info p)))
(get 'generation (object-info (make-vector 5000 0)))

; yield and sleep: a sleep of 100 ms outlasts one of 10 ms (each ends within a tick after
; its deadline)
(let loop ((i 0)) (if (< i 200) (begin (yield) (loop (+ i 1))) 'yielded))
(sleep 0)
(define (timed ms) (let ((t0 (cycles))) (sleep ms) (- (cycles) t0)))
(let ((short (timed 10)) (long (timed 100))) (> long (* 3 short)))
(let ((c (cycles))) (< c (cycles)))

; drivers: the UART's line status, PCI's host bridge (QEMU i440FX 8086:1237, class 060000),
; the local APIC's version register through device memory
(exact-integer? (in8 #x3fd))
(out8 #x80 0)
(car (pci-devices))
(every (lambda (d) (= (length d) 6)) (pci-devices))
(remainder (mmio-read32 #xfee00030) 256)

; wrong arguments are errors, and the REPL goes on
(sleep -1)
(sleep 'soon)
(gc 'partial)
(heap-stats 99)
(guard (e (#t (error-object-message e))) (heap-stats expected-cpus))
(in8 #x10000)
(out8 #x80 256)
(mmio-read32 2)
(mmio-read32 0)
(ncpus 1)
(show "still here on cpu " (cpu-id))
(exit 7)
(show "not reached")
