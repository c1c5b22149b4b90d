; check.scm -- after a kill: the store opens at a committed state whose counter, list and
; in-place cells agree.
(store-open)
(define c (store-ref 'counter 0))
(define d (store-ref 'data '()))
(define cells (store-ref 'cells #f))
(display (if (and (or (= c 0) (equal? d (make-list 50 c))) (equal? cells (list c 0 (list c))))
             "CONSISTENT " "INCONSISTENT "))
(display c) (newline)
