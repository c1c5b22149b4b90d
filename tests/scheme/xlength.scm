; args: --cpus 2
; xlength.scm -- `length' and `list?' of a list another CPU keeps proper while switching it
; between two forms (40 and 6 elements, cut after the 4th) answer 40 or 6, never "not a list":
; a walk that looks cyclic is tried again before it is called a cycle (with Floyd's two
; pointers, whose slow one met the short form after the fast one went down the long one, one
; walk said "not a list" 761-1750 times in 200,000; the walk is Brent's since stop 48).
; (append shared '()) copies one form or the other, whole (OP_APPEND2 walks it twice: a list
; changed between the walks leaves garbage pairs and goes to the primitive).
(define shared (iota 40))
(define cut (list-tail shared 3))
(define long-tail (cdr cut))
(define short-tail (list 'a 'b))
(define done #f)
(define flipper
  (spawn (lambda ()
           (let loop ((i 0))
             (if (not done)
                 (begin (set-cdr! cut (if (even? i) short-tail long-tail))
                        (loop (+ i 1))))))
         1))
(define (count-bad n)
  (let loop ((i 0) (bad 0) (seen40 #f) (seen6 #f))
    (if (= i n)
        (list bad seen40 seen6)
        (let ((k (guard (e (#t 'error)) (length shared)))
              (p (list? shared))
              (c (guard (e (#t 'error)) (length (append shared '())))))
          (loop (+ i 1) (if (and (memv k '(40 6)) p (memv c '(40 6))) bad (+ bad 1))
                (or seen40 (eqv? k 40)) (or seen6 (eqv? k 6)))))))
(define r (count-bad 200000))
(set! done #t)
(thread-join flipper)
(write r)
(newline)
