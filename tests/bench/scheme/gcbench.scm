;;; GCBENCH -- Boehm's GCBench (after Ellis, Kovac and Detlefs): a stretch tree, a long-lived tree
;;; and an array of inexact numbers kept alive while complete binary trees of depth 4..N are built
;;; top-down (populate) and bottom-up (make-tree). The array holds flonums (0.0 and 1/i as
;;; inexact numbers).

(define (make-node left right) (vector left right 0 0))
(define (make-empty-node) (make-node #f #f))
(define (node-left n) (vector-ref n 0))
(define (node-right n) (vector-ref n 1))
(define (set-node-left! n x) (vector-set! n 0 x))
(define (set-node-right! n x) (vector-set! n 1 x))

(define (pow2 k) (if (= k 0) 1 (* 2 (pow2 (- k 1)))))

;; nodes in a complete tree of depth I
(define (tree-size i) (- (pow2 (+ i 1)) 1))

;; builds the children of NODE down to depth DEPTH, top-down
(define (populate depth node)
  (if (> depth 0)
      (begin (set-node-left! node (make-empty-node))
             (set-node-right! node (make-empty-node))
             (populate (- depth 1) (node-left node))
             (populate (- depth 1) (node-right node)))))

;; a tree of depth DEPTH, bottom-up
(define (make-tree depth)
  (if (<= depth 0)
      (make-empty-node)
      (make-node (make-tree (- depth 1)) (make-tree (- depth 1)))))

(define (check-tree n)
  (if (node-left n) (+ 1 (check-tree (node-left n)) (check-tree (node-right n))) 1))

;; builds (2 * tree-size(STRETCH) / tree-size(DEPTH)) trees of DEPTH each way; their node count
(define (time-construction depth stretch)
  (let ((iters (quotient (* 2 (tree-size stretch)) (tree-size depth))))
    (do ((i 0 (+ i 1))
         (sum 0 (let ((top (make-empty-node)))
                  (populate depth top)
                  (+ sum (check-tree top) (check-tree (make-tree depth))))))
        ((= i iters) sum))))

(define (gcbench max-depth)
  (let* ((min-depth 4)
         (stretch (+ max-depth 2))
         (array-size 500000)
         (stretched (check-tree (make-tree stretch)))
         (long-lived (make-empty-node))
         (array (make-vector array-size 0.0)))
    (populate max-depth long-lived)
    (do ((i 1 (+ i 1))) ((>= i (quotient array-size 2)))
      (vector-set! array i (/ 1.0 i)))
    (let loop ((d min-depth) (total stretched))
      (if (<= d max-depth)
          (loop (+ d 2) (+ total (time-construction d stretch)))
          (and (= (vector-ref array 1000) (/ 1.0 1000))
               (+ total (check-tree long-lived)))))))

(define (main)
  (let* ((count (hide 0 1)) (input 16))
    (run-r7rs-benchmark (string-append "gcbench:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (gcbench (hide count input)))
                        (lambda (result) (and result (> result 0))))))
