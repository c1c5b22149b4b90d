; args: --cpus 2 --verify
; tags: tsan torture
; referrers.scm -- (referrers obj [max]) (issue 19): the objects whose fields hold obj, every
; CPU's heap walked by its owner at its own safe points (docs/inspector.md). Holders in our heap
; (a global, a vector, both fields of a pair, a closure, a record: the pairs and vectors handed
; over as read-only views, as the interpreter's private ones are pairs and vectors too), a young
; holder, a holder in another CPU's heap (a shared record: handed over), a channel's queue (a
; view, and what is seen through it views too), the max, immediates, the errors; and
; (inspect-field obj i), which follows a closure's, a record's or a global's fields, and a view's,
; but does not open the interpreter's own records.
(define (show . xs) (for-each display xs) (newline))
(define (get k a) (cdr (assq k a)))
(define (err thunk)
  (guard (e (#t (list (error-object-message e) (error-object-irritants e)))) (thunk)))
;; is there an entry of this type and field, and is its holder handed over, or a view of it?
(define (listed rs type field)
  (let loop ((rs rs))
    (cond ((null? rs) 'absent)
          ((and (eq? (get 'type (car rs)) type) (= (get 'field (car rs)) field))
           (let ((h (get 'holder (car rs)))) (cond ((view? h) 'view) (h 'given) (else 'listed))))
          (else (loop (cdr rs))))))
(define (held-by? rs holder field)
  (let loop ((rs rs))
    (and (pair? rs)
         (or (and (eq? (get 'holder (car rs)) holder) (= (get 'field (car rs)) field))
             (loop (cdr rs))))))

(define-record-type point (make-point x y) point? (x point-x) (y point-y))
;; a thread spawned publishes the global table: from here a define publishes its value, so the
;; pairs and vectors below are shared, and shared pairs and vectors are handed over as views
(thread-join (spawn (lambda () #t) 1))
(define target (list 'target))
(define v (vector 1 target 3))
(define p (cons target target))
(define f (let ((t target)) (lambda () t)))
(define r (make-point 0 target))
(define rs (referrers target))
(show "keys: " (map car (car rs)))
(show "global: " (held-by? rs 'target 1))
(show "vector: " (listed rs 'vector 1))
(show "car: " (listed rs 'pair 0) " cdr: " (listed rs 'pair 1))
(show "closure: " (let loop ((rs rs))
                    (and (pair? rs)
                         (or (and (eq? (get 'holder (car rs)) f) (eq? (get 'type (car rs)) 'closure))
                             (loop (cdr rs))))))
(show "record: " (held-by? rs r 2))
;; a view: looked through, not changed; what it shows is the object's
(define (holder-of type field rs)
  (if (and (eq? (get 'type (car rs)) type) (= (get 'field (car rs)) field)) (get 'holder (car rs)) (holder-of type field (cdr rs))))
(define vv (holder-of 'vector 1 rs))
(show "view: " vv " " (get 'type (inspect vv)) " " (get 'length (inspect vv)) " " (eq? (get 'object (inspect vv)) vv)
      " " (map (lambda (i) (inspect-field vv i)) '(0 2)) " " (view-of? (inspect-field vv 1) target)
      " " (view-of? vv v) " " (view-of? vv target) " " (view-of? v v) " " (view? vv) " " (view? v))
(show "not a vector: " (vector? vv) " " (err (lambda () (vector-set! vv 0 'x))) " " (vector-ref v 0))
(define pv (holder-of 'pair 0 rs))
(show "pair view: " pv " " (view-of? pv p) " " (view-of? (inspect-field pv 0) target) " " (view-of? (inspect-field pv 1) (inspect-field pv 0))
      " " (err (lambda () (set-car! pv 1))) " " (err (lambda () (car pv))))
(show "view fields: " (map (lambda (f) (list-head f 2)) (get 'fields (inspect pv))) " " (err (lambda () (inspect-field pv 2))))
(show "all ours: " (let loop ((rs rs)) (or (null? rs) (and (= (get 'cpu (car rs)) 0) (loop (cdr rs))))))
(show "addresses: " (let loop ((rs rs)) (or (null? rs) (and (integer? (get 'address (car rs))) (loop (cdr rs))))))
;; the holder handed back is the object itself: following it gets back to the target
(define (first-of type rs) (if (eq? (get 'type (car rs)) type) (car rs) (first-of type (cdr rs))))
(show "follow: " (eq? (inspect-field (get 'holder (first-of 'record rs)) 2) target))
(show "max 2: " (length (referrers target 2)))
;; a holder dropped is gone once the collector has seen it die (rs held it too)
(set! v #f)
(set! rs #f)
(set! vv #f)	; a view keeps its object alive too
(gc 'full)
(show "vector dropped: " (let loop ((rs (referrers target)))
                           (or (null? rs) (and (not (eq? (get 'type (car rs)) 'vector)) (loop (cdr rs))))))
;; a fresh object held by a fresh one: both young until referrers collects our nursery
(define young (let ((s (string #\a))) (lambda () s)))
(show "young: " (held-by? (referrers (young)) young 1))
;; nobody holds a fresh unshared object but the stack of the thread asking
(show "unheld: " (map (lambda (e) (get 'type e)) (referrers (string #\b))))
(show "immediates: " (referrers 5) (referrers #\a) (referrers '()))

;; another CPU's heap: CPU 1 keeps a record holding our (shared) target, published in `box`;
;; its owner walks its heap at its safe points while it runs and hands the record over
(define box (make-vector 2 #f))
(define stop (vector #f))
(define worker
  (spawn (lambda ()
           (let ((mine (make-point 'on-cpu-1 target)))
             (vector-set! box 0 mine)	; mine is shared now (box is)
             (let loop ((junk '()) (i 0))
               (if (vector-ref stop 0)
                   (point-x mine)
                   (loop (if (> (length junk) 1000) '() (cons (make-vector 8 i) junk)) (+ i 1))))))
         1))
(let wait () (if (not (vector-ref box 0)) (begin (yield) (wait))))
(define rs1 (referrers target))
(define on1 (let loop ((rs rs1)) (cond ((null? rs) #f) ((= (get 'cpu (car rs)) 1) (car rs)) (else (loop (cdr rs))))))
(show "cpu 1 holds it: " (and on1 (list (get 'type on1) (get 'field on1) (get 'shared on1))))
(show "handed over: " (and on1 (or (not (get 'holder on1)) (eq? (get 'holder on1) (vector-ref box 0)))))
(show "cpu 1 asked for ours too: " (held-by? rs1 f 1))
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

;; the interpreter's own: a message waiting in a channel is held by the channel's queue, handed
;; over as a view; what the view shows comes out as views (pairs, vectors, the interpreter's
;; records) or as the program's own values; a channel, a port, an error object and a record type
;; are not opened
(define ch (make-channel))
(define msg (list 'queued))
(channel-send ch msg)
(define qv (let loop ((rs (referrers msg)))
             (cond ((null? rs) #f)
                   ((eq? (get 'type (car rs)) 'pair) (get 'holder (car rs)))
                   (else (loop (cdr rs))))))
(show "queued: " qv " " (view-of? (inspect-field qv 0) msg) " " (inspect-field qv 1))
;; the queue is held by the channel's record: a view of it; through it, the record type a view,
;; the queue a view, the C part's bytes not shown (the unused fields that keep the queue's head
;; and tail on cache lines of their own left out); who holds the channel: the global ch
(define cv (let loop ((rs (referrers qv)))
             (cond ((null? rs) #f)
                   ((eq? (get 'type (car rs)) 'record) (get 'holder (car rs)))
                   (else (loop (cdr rs))))))
(show "channel: " cv " " (view-of? cv ch) " "
      (filter (lambda (f) (not (eq? f (if #f #f))))
              (map (lambda (i) (let ((f (guard (e (#t (error-object-message e))) (inspect-field cv i))))
                                 (if (view? f) (list 'view (get 'type (inspect f))) f)))
                   (iota (get 'length (inspect cv))))))
(show "channel held by: " (map (lambda (e) (list (get 'type e) (get 'holder e))) (referrers cv)))
(show "handed over: " (let loop ((rs (referrers msg)) (acc '()))
                        (if (null? rs) (list (assq 'symbol acc) (assq 'pair acc) (length acc))
                            (loop (cdr rs) (if (get 'holder (car rs))
                                               (cons (list (get 'type (car rs)) (view? (get 'holder (car rs)))) acc)
                                               acc)))))
(channel-receive ch)
(for-each (lambda (x) (show (car (err (lambda () (inspect-field x 0))))))
          (list ch (current-output-port) (guard (e (#t e)) (error "boom" 1)) (inspect-field r 0)))

;; arguments
(show (err (lambda () (referrers))))
(show (err (lambda () (referrers target 0))))
(show (err (lambda () (referrers target 1001))))
(show (err (lambda () (referrers target 'a))))
(show (err (lambda () (referrers target 1 2))))
(show (list? (referrers target 1000)))
