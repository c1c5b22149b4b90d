; common.scm -- the harness of the GC pause workloads (scripts/bench_pauses.sh sends it, after
; a line defining bench-scale, before one workload file). (bench-run NAME WORK EXPECT) runs
; (WORK cpu ncpus) on a thread pinned on every CPU at once, checks each result against
; (EXPECT cpu ncpus), and prints per CPU what the collector did meanwhile: the difference of
; (gc-stats) and (gc-pause-histogram cpu) between before the spawns and after the joins.
;   RESULT name cpu mode minor major allocated-bytes pause-max-us elapsed-cycles
;   HIST name cpu bucket lo-ns hi-ns minor major       (non-empty buckets of this run)
;   CHECK name ok|BAD
; pause-max-us is (gc-stats)'s, since boot: the script caps it by the run's highest bucket.
(define (bench-cpus)
  (let loop ((i (- (ncpus) 1)) (l '())) (if (< i 0) l (loop (- i 1) (cons i l)))))
(define (bench-say . xs) (for-each (lambda (x) (display x) (display " ")) xs) (newline))
(define (bench-get key alist) (let ((p (assq key alist))) (if p (cdr p) 0)))
(define (bench-hist-diff after before)
  (let loop ((a after) (out '()))
    (if (null? a)
        (reverse out)
        (let* ((row (car a)) (old (assv (car row) before))
               (minor (- (list-ref row 3) (if old (list-ref old 3) 0)))
               (major (- (list-ref row 4) (if old (list-ref old 4) 0))))
          (loop (cdr a)
                (if (and (= minor 0) (= major 0))
                    out
                    (cons (list (car row) (cadr row) (caddr row) minor major) out)))))))
; a small pseudo-random generator in fixnums (no bignums on the 32-bit kernel): x -> [0, 65537)
(define (bench-random x) (modulo (+ (* x 75) 74) 65537))
; a list of n fresh cells (garbage, mostly)
(define (bench-garbage n) (let loop ((i 0) (l '())) (if (= i n) l (loop (+ i 1) (cons i l)))))
(define (bench-run name work expect)
  (let* ((cpus (bench-cpus))
         (n (ncpus))
         (s0 (gc-stats))
         (h0 (map gc-pause-histogram cpus))
         (t0 (cycles))
         (threads (map (lambda (c) (spawn (lambda () (work c n)) c)) cpus))
         (results (map thread-join threads))
         (t1 (cycles))
         (h1 (map gc-pause-histogram cpus))
         (s1 (gc-stats)))
    (for-each
     (lambda (c e0 e1 before after)
       (bench-say 'RESULT name c (let ((m (assq 'mode e1))) (if m (cdr m) 'unknown))
                  (- (bench-get 'minor-collections e1) (bench-get 'minor-collections e0))
                  (- (bench-get 'major-collections e1) (bench-get 'major-collections e0))
                  (- (bench-get 'allocated-bytes e1) (bench-get 'allocated-bytes e0))
                  (bench-get 'pause-max-us e1) (- t1 t0))
       (for-each (lambda (row) (apply bench-say 'HIST name c row)) (bench-hist-diff after before)))
     cpus s0 s1 h0 h1)
    (bench-say 'CHECK name
               (if (equal? results (map (lambda (c) (expect c n)) cpus)) 'ok 'BAD))))
