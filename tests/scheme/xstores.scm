; args: --cpus 2 --verify
; tags: tsan
; xstores.scm -- stores that must publish what they store (issue 12, hole 1): every global is
; shared once a thread was spawned, and primitives that store fresh (young) objects into shared
; ones -- a string port growing its buffer, reverse! relinking a fresh head onto a shared tail,
; list-set!, vector-fill!, vector-copy!, string-copy into records -- must publish them first. Churn
; between the stores makes minor collections move whatever was left young. Before the fix each
; of the first two panicked ("!heap_young_p(h, value)", mm/gc/xheap.c).
(define (churn n) (let loop ((i 0) (acc '())) (if (= i n) (length acc) (loop (+ i 1) (cons i acc)))))
(define p (open-output-string))
(define g (list 1 2 3 4 5))
(define v (make-vector 8 #f))
(define-record-type box3 (make-box3 a) box3? (a box3-a set-box3-a!))
(define b (make-box3 #f))
(thread-join (spawn (lambda () 0) 1))
; a shared string port, written here and grown many times
(let loop ((i 0)) (when (< i 3000) (write-string "abcdefghij" p) (churn 50) (loop (+ i 1))))
(display (string-length (get-output-string p))) (newline)
; reverse! of a fresh pair in front of the shared list
(define r (reverse! (cons 0 g)))
(churn 20000)
(display r) (newline)
; other destructive stores of fresh values into shared holders
(list-set! r 2 (list 'fresh (churn 10)))
(vector-fill! v (list 'filled))
(vector-copy! v 2 (vector (list 'a) (list 'b)))
(set-box3-a! b (string-copy "record"))
(churn 20000)
(display (list (list-ref r 2) v (box3-a b))) (newline)
; and another CPU reads them all
(display (thread-join (spawn (lambda () (list (list-ref r 2) (vector-ref v 3) (box3-a b)
                                              (string-length (get-output-string p)))) 1)))
(newline)
; the port written from the other CPU too, then here
(thread-join (spawn (lambda () (let loop ((i 0)) (when (< i 500) (write-string "xy" p) (churn 20) (loop (+ i 1))))) 1))
(write-string "z" p)
(display (string-length (get-output-string p))) (newline)
