; args: --cpus 2 --verify
; tags: tsan
; inspect.scm -- the memory inspector's primitives (issue 19): (inspect obj) on immediates and on
; each kind of object, (heap-map [cpu]) of this CPU and of another one (answered by its owner at
; a safe point), (xrefs) after an object of CPU 1 is stored into a shared vector of CPU 0, and
; the errors of each. Only stable facts are printed: no addresses, no sizes (word size differs).
(define (show . xs) (for-each display xs) (newline))
(define (get k a) (cdr (assq k a)))
(define (err thunk)
  (guard (e (#t (list (error-object-message e) (error-object-irritants e)))) (thunk)))
;; (no generation: a literal is young on the host, old in the kernel) a field without its size: (index type value) stays, (index type bytes n) becomes (index type)
(define (field f) (if (= (length f) 4) (list (car f) (cadr f)) f))
(define (brief x)
  (let ((a (inspect x)))
    (list (get 'type a) (get 'length a) (map field (get 'fields a)) (get 'more a))))
(show "keys: " (map car (inspect '(1))))
(for-each (lambda (x) (show (brief x)))
          (list 5 #\a #t '() (if #f #f) "héllo" (vector 1 #\b "c" '(d)) (cons 1 2)
                (bytevector 1 2 255) (make-vector 40 0) (expt 10 30)))
(define-record-type point (make-point x y) point? (x point-x) (y point-y))
(show (brief (make-point 3 4)))
(show "closure: " (get 'type (inspect (lambda (x) x))) " " (get 'type (inspect car)))
(show "same object: " (let ((v (vector 1))) (eq? v (get 'object (inspect v)))))
(show "immediate: " (map (lambda (k) (get k (inspect 7))) '(bytes cpu generation shared remote-count)))
(show "old after gc: " (let ((v (vector 1 2))) (gc 'full) (get 'generation (inspect v))))

;; heap-map of this CPU
(define (map-ok? m cpu)
  (and (= (get 'cpu m) cpu)
       (let loop ((gs (get 'groups m)))
         (or (null? gs)
             (let ((g (car gs)))
               (and (memq (get 'kind g) '(small large))
                    (<= (get 'used g) (get 'size g))
                    (let ((live (get 'live g))) (or (not live) (<= live (get 'size g))))
                    (<= (get 'counted g) (get 'shared g))
                    (loop (cdr gs))))))))
(show "heap-map keys: " (map car (heap-map)))
(show "group keys: " (map car (car (get 'groups (heap-map)))))
(show "heap-map 0: " (map-ok? (heap-map 0) 0))
(gc 'full)
(show "live after full gc: " (let ((gs (get 'groups (heap-map))))
                               (and (pair? gs) (number? (get 'live (car gs))))))

;; CPU 1 keeps running Scheme (passing safe points) while CPU 0 asks for its heap-map
(define shared (make-vector 4 #f))
(define stop (vector #f))
(define worker
  (spawn (lambda ()
           (vector-set! shared 0 (list 'from 'cpu 1))	; heap 0's vector holds a pair of heap 1
           (let loop ((junk '()) (i 0))
             (if (vector-ref stop 0)
                 'done
                 (loop (if (> (length junk) 1000) '() (cons (make-vector 8 i) junk)) (+ i 1)))))
         1))
(let wait () (if (not (vector-ref shared 0)) (begin (yield) (wait))))
(gc 'full)	; the vector is old now: its reference into heap 1 is counted
(show "heap-map 1: " (map-ok? (heap-map 1) 1))
(define x (xrefs))
(show "xrefs keys: " (map car x))
(show "matrix ncpus x ncpus: " (equal? (map length (get 'matrix x)) (make-list (ncpus) (ncpus))))
(show "0 holds into 1: " (>= (list-ref (car (get 'matrix x)) 1) 1))
(show "remote-refs of 1: " (>= (list-ref (get 'remote-refs x) 1) 1))
(show "top of 1 names its pair: "
      (let loop ((t (get 'top (xrefs 1))))
        (and (pair? t) (or (view-of? (list-ref (car t) 3) (vector-ref shared 0)) (loop (cdr t))))))
(show "inspect shared: " (let ((a (inspect (vector-ref shared 0))))
                           (list (get 'cpu a) (get 'shared a) (>= (get 'remote-count a) 1))))
(vector-set! stop 0 #t)
(show (thread-join worker))

;; arguments
(show (err (lambda () (heap-map 'zero))))
(show (err (lambda () (heap-map -1))))
(show (err (lambda () (heap-map 1000))))
(show (equal? (err (lambda () (heap-map (ncpus)))) (list "heap-map: no such CPU:" (list (ncpus)))))
(show (err (lambda () (heap-map (expt 2 40)))))
(show (equal? (err (lambda () (xrefs (ncpus)))) (list "xrefs: no such CPU:" (list (ncpus)))))
(show (err (lambda () (xrefs "a"))))
(show (err (lambda () (xrefs 1000))))
(show (err (lambda () (inspect))))
(show (err (lambda () (heap-map 0 1))))
(show (err (lambda () (heap-map-print (quote x)))))
