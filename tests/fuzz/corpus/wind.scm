; tags: torture
; dynamic-wind and continuations, cases where Guile 3.0 differs from R7RS (so not compared):
; an escape from a nested extent leaves only the extents it leaves.
(define (show . xs) (for-each display xs) (newline))
(define trace '())
(define (note x) (set! trace (cons x trace)))
(dynamic-wind
 (lambda () (note 'outer-in))
 (lambda ()
   (call/cc (lambda (k)
              (dynamic-wind
               (lambda () (note 'inner-in))
               (lambda () (k 'x))
               (lambda () (note 'inner-out))))))
 (lambda () (note 'outer-out)))
(show "nested escape: " (reverse trace))

;; jumping from one extent into a sibling extent: out of the first, into the second
(set! trace '())
(define k-in-b #f)
(define (run)
  (dynamic-wind
   (lambda () (note 'b-in))
   (lambda () (call/cc (lambda (k) (set! k-in-b k))) (note 'b-body))
   (lambda () (note 'b-out))))
(define done #f)
(run)
(define (jump)
  (dynamic-wind
   (lambda () (note 'a-in))
   (lambda () (if (not done) (begin (set! done #t) (k-in-b #f))))
   (lambda () (note 'a-out))))
(jump)
(show "sibling jump: " (reverse trace))

;; an error escaping through dynamic-wind runs the after thunk (guard catches it)
(set! trace '())
(show "guard through wind: "
      (guard (e (#t (list 'caught e)))
        (dynamic-wind (lambda () (note 'in)) (lambda () (raise 'oops)) (lambda () (note 'out)))))
(show "trace: " (reverse trace))

;; exit runs the pending after thunks
(dynamic-wind (lambda () #f) (lambda () (exit 0)) (lambda () (show "after thunk ran at exit")))
(show "not reached")
