;;; BINARY-TREES -- the Benchmarks Game program (not in the r7rs-benchmarks set; it was one of
;;; make bench-scheme's first four): a long-lived tree, a stretch tree and many short-lived
;;; complete binary trees of depth 4..N built and checked: allocation and collection.

(define (make-tree d)
  (if (= d 0)
      (cons '() '())
      (cons (make-tree (- d 1)) (make-tree (- d 1)))))

(define (check t)
  (if (null? (car t))
      1
      (+ 1 (check (car t)) (check (cdr t)))))

(define (pow2 k) (if (= k 0) 1 (* 2 (pow2 (- k 1)))))

;; the sum of every tree's check
(define (binary-trees max-depth)
  (let ((min-depth 4)
        (stretch (check (make-tree (+ max-depth 1))))
        (long-lived (make-tree max-depth)))
    (let loop ((d min-depth) (total stretch))
      (if (<= d max-depth)
          (let ((iterations (pow2 (+ (- max-depth d) min-depth))))
            (let inner ((i 0) (sum 0))
              (if (< i iterations)
                  (inner (+ i 1) (+ sum (check (make-tree d))))
                  (loop (+ d 2) (+ total sum)))))
          (+ total (check long-lived))))))

(define (main)
  (let* ((count (hide 0 5)) (input 14) (output 3222190))
    (run-r7rs-benchmark (string-append "binary-trees:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (binary-trees (hide count input)))
                        (lambda (result) (= result output)))))
