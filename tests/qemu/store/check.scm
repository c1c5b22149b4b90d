; check.scm -- after a kill: the store opens at a committed state whose counter and list agree.
(store-open)
(define c (store-ref 'counter 0))
(define d (store-ref 'data '()))
(display (if (or (= c 0) (equal? d (make-list 50 c))) "CONSISTENT " "INCONSISTENT "))
(display c) (newline)
