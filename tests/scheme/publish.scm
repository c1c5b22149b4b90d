; tags: tsan torture
; publish.scm -- sharing a freshly built object with another CPU (issue 13): the object's young
; closure is promoted alone (gc_promote_closure) when it is small, with a minor collection
; otherwise. Either way every reference the sender still holds must name the same object the
; receiver got: identity, mutations seen from both sides, and the young objects that named a
; part of the message before it was sent (an older vector, a closure's variable, the stack).
(define ch (make-channel))
(define back (make-channel))
(define other (if (> (ncpus) 1) 1 0))
; the receiver: takes (tag . object), applies the check the sender named, answers
(define (receiver)
  (let loop ()
    (let ((m (channel-receive ch)))
      (cond ((eq? m 'stop) 'done)
            (else (channel-send back ((car m) (cdr m))) (loop))))))
(define r (spawn receiver other))
(define (ask check x) (channel-send ch (cons check x)) (channel-receive back))

; 1. a fresh list: same object on both sides, a change made there is seen here
(define (t1)
  (let ((l (list 1 2 3 4 5 6 7 8 9 10)))
    (ask (lambda (x) (set-car! (cddr x) 'changed) #t) l)
    (list (caddr l) (length l))))
(display (t1)) (newline)

; 2. an older young vector names the list before it is sent (a store into a young holder)
(define (t2)
  (let* ((v (make-vector 3 #f))
         (l (list 'a 'b 'c)))
    (vector-set! v 1 l)
    (ask (lambda (x) (set-car! x 'A) #t) l)
    (list (eq? (vector-ref v 1) l) (car (vector-ref v 1)))))
(display (t2)) (newline)

; 3. a closure's variable names it (set! into a young box)
(define (t3)
  (let ((held #f))
    (let ((get (lambda () held)))
      (set! held (list 'x 'y))
      (ask (lambda (x) (set-car! (cdr x) 'Y) #t) held)
      (list (eq? (get) held) (get)))))
(display (t3)) (newline)

; 4. a message that holds a procedure and a vector of strings
(define (t4)
  (let* ((s (make-string 3 #\a))
         (v (vector s (string-append s "b") 42))
         (f (lambda (n) (+ n (vector-ref v 2)))))
    (list (ask (lambda (x) ((car x) 1)) (cons f v))
          (begin (vector-set! v 2 100) (ask (lambda (x) ((car x) 1)) (cons f v)))
          (ask (lambda (x) (eq? (vector-ref (cdr x) 0) (vector-ref (cdr x) 0))) (cons f v)))))
(display (t4)) (newline)

; 5. too big to promote alone (a 1000-element list): the minor collection path, same result
(define (t5)
  (let ((l (iota 1000)))
    (ask (lambda (x) (set-car! (list-tail x 999) 'last) #t) l)
    (list (list-ref l 999) (apply + (list-head l 999)))))
(display (t5)) (newline)

; 6. a young cycle (a circular list): measured to the bound, then a minor collection
(define (t6)
  (let ((l (list 1 2 3)))
    (set-cdr! (cddr l) l)
    (ask (lambda (x) (set-car! x 'one) #t) l)
    (list (car l) (eq? (cdddr l) l))))
(display (t6)) (newline)

; 7. deep recursion first (the stack grows: a young stack object), then a send from inside it
(define (t7 n)
  (if (= n 0)
      (let ((l (list 'deep 'inside)))
        (ask (lambda (x) (set-car! x 'DEEP) #t) l)
        (car l))
      (let ((r (t7 (- n 1)))) r)))
(display (t7 20000)) (newline)

; 8. many small sends, each kept in a young vector older than all of them, checked at the end
(define (t8)
  (let ((keep (make-vector 200 #f)))
    (do ((i 0 (+ i 1))) ((= i 200))
      (let ((m (list i (* i i))))
        (vector-set! keep i m)
        (ask (lambda (x) (set-car! (cdr x) (- (cadr x))) #t) m)))
    (let loop ((i 0) (ok #t))
      (if (= i 200)
          ok
          (loop (+ i 1) (and ok (= (cadr (vector-ref keep i)) (- (* i i)))))))))
(display (t8)) (newline)

; 9. a continuation captured and sent (a stack copy: no young stack object is ever shared)
(define (t9)
  (let ((k (call/cc (lambda (k) k))))
    (if (procedure? k)
        (ask (lambda (x) (procedure? x)) k)
        k)))
(display (t9)) (newline)

; 10. from a new thread: its stack is young (made when it started), older than the message
; and names it; the VM writes the stack without the barrier, so the stack is scanned too
(define (t10)
  (thread-join
   (spawn (lambda ()
            (let ((l (list 'p 'q)))
              (ask (lambda (x) (set-car! x 'P) #t) l)
              (list (car l) (cadr l))))
          (cpu-id))))
(display (list (t10) (t10) (t10))) (newline)

(channel-send ch 'stop)
(display (thread-join r)) (newline)
(let ((s (heap-stats)))
  (display (list 'promotions-used (> (cdr (assq 'publish-promotions s)) 0)))
  (newline))
