; args: --heap-mb 8
; The overhead limit (mm/gc/overhead.c): a program whose live set creeps up to the heap's limit
; while it makes garbage, so that each full collection frees a little, gets "heap exhausted"
; after a bounded number of collections instead of collecting for minutes; afterwards the heap
; is usable again, also when the error is caught (the window starts afresh after it).
(define (show . xs) (for-each display xs) (newline))
(define (stat k) (cdr (assq k (heap-stats))))
;; Each step makes a garbage vector (past HEAP_LARGE_BYTES with 4-byte words too: an old-generation
;; group of its own; with 2000 fields the kernel's were young garbage and it never thrashed) and
;; keeps a small one, a smaller one once full collections come within 4 steps of each other (the
;; heap is nearly full). On the build before the limit: 25 s user (78 s wall), and each stats
;; line an error.
(define (creep keep i size last n)
  (make-vector 4000 i)
  (let ((m (stat 'major-collections)))
    (cond ((= m last) (creep (cons (make-vector size i) keep) (+ i 1) size last (+ n 1)))
          ((<= n 4) (creep (cons (make-vector 2 i) keep) (+ i 1) 2 m 0))
          (else (creep (cons (make-vector size i) keep) (+ i 1) size m 0)))))
(define majors (stat 'major-collections))
(define (collections) (- (stat 'major-collections) majors))
(creep '() 0 100 majors 0)
(show "bounded: " (< (collections) 1000) ", refused by the limit: " (stat 'overhead-refusals))
(show "allocates again: " (length (make-list 100000 0)))
(set! majors (stat 'major-collections))
(show (guard (e ((error-object? e) (error-object-message e))) (creep '() 0 100 majors 0)))
(show "bounded: " (< (collections) 1000) ", refused by the limit: " (stat 'overhead-refusals))
(show "allocates again: " (length (make-list 100000 0)))
