;;; common.scm -- appended to every program of tests/bench/scheme/ by scripts/bench_scheme.sh,
;;; as the r7rs-benchmarks set appends its common.scm: `hide' and `run-r7rs-benchmark'. Ours
;;; does not time (the script times the whole process, the same way for every implementation, and
;;; our Scheme has no (scheme time) yet); it prints the program's name, runs the thunk COUNT
;;; times and prints "ok NAME" when OK? accepts the last result, else the result: the script
;;; compares the output with NAME.out, so a wrong result is a failed run.

;; X, returned through a procedure chosen at run time from R, so that no compiler can see that
;; the value is a constant and fold the benchmark away.
(define (hide r x)
  (call-with-values
   (lambda () (values (vector values (lambda (x) x)) (if (< r 100) 0 1)))
   (lambda (v i) ((vector-ref v i) x))))

(define (run-r7rs-benchmark name count thunk ok?)
  (display "Running ")
  (display name)
  (newline)
  (let loop ((i 0) (result #f))
    (cond ((< i count) (loop (+ i 1) (thunk)))
          ((ok? result) (display "ok ") (display name) (newline) result)
          (else (display "ERROR: returned incorrect result: ")
                (write result)
                (newline)
                result))))
