; args: --cpus 2 --verify
; tags: tsan torture
; referrers.scm -- (referrers obj [max]) (issue 19): the objects whose fields hold obj, every
; CPU's heap walked by its owner at its own safe points (docs/inspector.md). Holders in our heap
; (a global, a vector, both fields of a pair, a closure, a record), a young holder, a holder in
; another CPU's heap (a shared vector: handed over), the max, immediates, the errors; and
; (inspect-field obj i), which follows a closure's, a record's or a global's fields.
(define (show . xs) (for-each display xs) (newline))
(define (get k a) (cdr (assq k a)))
(define (err thunk)
  (guard (e (#t (list (error-object-message e) (error-object-irritants e)))) (thunk)))
;; each holder as (cpu type field holder-given?), in a stable order
(define (brief e) (list (get 'cpu e) (get 'type e) (get 'field e) (if (get 'holder e) #t #f)))
(define (held-by? rs holder field)
  (let loop ((rs rs))
    (and (pair? rs)
         (or (and (eq? (get 'holder (car rs)) holder) (= (get 'field (car rs)) field))
             (loop (cdr rs))))))

(define-record-type point (make-point x y) point? (x point-x) (y point-y))
(define target (list 'target))
(define v (vector 1 target 3))
(define p (cons target target))
(define f (let ((t target)) (lambda () t)))
(define r (make-point 0 target))
(define rs (referrers target))
(show "keys: " (map car (car rs)))
(show "global: " (held-by? rs 'target 1))
(show "vector: " (held-by? rs v 1))
(show "car: " (held-by? rs p 0) " cdr: " (held-by? rs p 1))
(show "closure: " (let loop ((rs rs))
                    (and (pair? rs)
                         (or (and (eq? (get 'holder (car rs)) f) (eq? (get 'type (car rs)) 'closure))
                             (loop (cdr rs))))))
(show "record: " (held-by? rs r 2))
(show "all ours: " (let loop ((rs rs)) (or (null? rs) (and (= (get 'cpu (car rs)) 0) (loop (cdr rs))))))
(show "addresses: " (let loop ((rs rs)) (or (null? rs) (and (integer? (get 'address (car rs))) (loop (cdr rs))))))
;; the holder handed back is the object itself: following it gets back to the target
(define (first-of type rs) (if (eq? (get 'type (car rs)) type) (car rs) (first-of type (cdr rs))))
(show "follow: " (eq? (vector-ref (get 'holder (first-of 'vector rs)) 1) target))
(show "max 2: " (length (referrers target 2)))
;; a holder dropped is gone once the collector has seen it die (rs held it too)
(set! v #f)
(set! rs #f)
(gc 'full)
(show "vector dropped: " (let loop ((rs (referrers target)))
                           (or (null? rs) (and (not (eq? (get 'type (car rs)) 'vector)) (loop (cdr rs))))))
;; a fresh object held by a fresh one: both young until referrers collects our nursery
(define young (vector 'young (string #\a)))
(show "young: " (held-by? (referrers (vector-ref young 1)) young 1))
;; nobody holds a fresh unshared object but the stack of the thread asking
(show "unheld: " (map (lambda (e) (get 'type e)) (referrers (string #\b))))
(show "immediates: " (referrers 5) (referrers #\a) (referrers '()))

;; another CPU's heap: CPU 1 keeps a vector holding our (shared) target, published in `box`;
;; its owner walks its heap at its safe points while it runs and hands the vector over
(define box (make-vector 2 #f))
(define stop (vector #f))
(define worker
  (spawn (lambda ()
           (let ((mine (vector 'on-cpu-1 target)))
             (vector-set! box 0 mine)	; mine is shared now (box is)
             (let loop ((junk '()) (i 0))
               (if (vector-ref stop 0)
                   (vector-ref mine 0)
                   (loop (if (> (length junk) 1000) '() (cons (make-vector 8 i) junk)) (+ i 1))))))
         1))
(let wait () (if (not (vector-ref box 0)) (begin (yield) (wait))))
(define rs1 (referrers target))
(define on1 (let loop ((rs rs1)) (cond ((null? rs) #f) ((= (get 'cpu (car rs)) 1) (car rs)) (else (loop (cdr rs))))))
(show "cpu 1 holds it: " (and on1 (list (get 'type on1) (get 'field on1) (get 'shared on1))))
(show "handed over: " (and on1 (or (not (get 'holder on1)) (eq? (get 'holder on1) (vector-ref box 0)))))
(show "cpu 1 asked for ours too: " (held-by? rs1 p 0))
(vector-set! stop 0 #t)
(show (thread-join worker))

;; following a closure's captured value, a record's fields, a global and an assigned variable
;; (inspect-field obj i, numbered as inspect and referrers number fields)
(show "closure field: " (eq? (inspect-field f 1) target) " " (car (err (lambda () (inspect-field f 0)))))
(show "record fields: " (eq? (inspect-field r 2) target) " " (inspect-field r 1) " " (eq? (inspect-field r 0) (inspect-field (make-point 5 6) 0)))
(show "global: " (eq? (inspect-field 'target 1) target) " " (car (err (lambda () (inspect-field 'target 0)))))
(define counter (let ((c 0)) (lambda () (set! c (+ c 1)) c)))
(counter)
(show "assigned: " (cdr (assq 'type (inspect (inspect-field counter 1)))) " " (inspect-field (inspect-field counter 1) 0))
(show "pair, vector: " (inspect-field p 1) " " (inspect-field (vector 'a 'b) 1))
(for-each (lambda (args) (show (err (lambda () (apply inspect-field args)))))
          (list (list 5 0) (list "s" 0) (list r 3) (list r -1) (list r 'a) (list (vector) 0)))

;; arguments
(show (err (lambda () (referrers))))
(show (err (lambda () (referrers target 0))))
(show (err (lambda () (referrers target 1001))))
(show (err (lambda () (referrers target 'a))))
(show (err (lambda () (referrers target 1 2))))
(show (list? (referrers target 1000)))
