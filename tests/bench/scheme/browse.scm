;;; BROWSE -- a data-base browser (Gabriel): symbols made from strings, property lists kept in
;;; association lists, a shuffle, and a pattern matcher with ? and * variables run over every
;;; unit's patterns.

(define properties '())

(define (lookup key table)
  (let loop ((x table))
    (cond ((null? x) #f)
          ((eq? (car (car x)) key) (car x))
          (else (loop (cdr x))))))

(define (get key1 key2)
  (let ((x (lookup key1 properties)))
    (and x (let ((y (lookup key2 (cdr x)))) (and y (cdr y))))))

(define (put key1 key2 val)
  (let ((x (lookup key1 properties)))
    (if x
        (let ((y (lookup key2 (cdr x))))
          (if y
              (set-cdr! y val)
              (set-cdr! x (cons (cons key2 val) (cdr x)))))
        (set! properties (cons (list key1 (cons key2 val)) properties)))))

(define *current-gensym* 0)

(define (generate-symbol)
  (set! *current-gensym* (+ *current-gensym* 1))
  (string->symbol (string-append "g" (number->string *current-gensym*))))

(define (append-to-tail! x y)
  (if (null? x)
      y
      (do ((a x b) (b (cdr x) (cdr b)))
          ((null? b) (set-cdr! a y) x))))

(define (tree-copy x)
  (if (pair? x) (cons (tree-copy (car x)) (tree-copy (cdr x))) x))

;; N units, each with M filler properties around its 'pattern property: NPATS of the patterns
;; IPATS, taken in a circle
(define (init n m npats ipats)
  (let ((ipats (tree-copy ipats)))
    (do ((p ipats (cdr p))) ((null? (cdr p)) (set-cdr! p ipats)))
    (do ((n n (- n 1))
         (i m (if (zero? i) m (- i 1)))
         (name (generate-symbol) (generate-symbol))
         (a '()))
        ((= n 0) a)
      (set! a (cons name a))
      (do ((i i (- i 1))) ((zero? i)) (put name (generate-symbol) #f))
      (put name 'pattern
           (do ((i npats (- i 1)) (ipats ipats (cdr ipats)) (a '()))
               ((zero? i) a)
             (set! a (cons (car ipats) a))))
      (do ((j (- m i) (- j 1))) ((zero? j)) (put name (generate-symbol) #f)))))

(define *rand* 21)

(define (browse-random)
  (set! *rand* (remainder (* *rand* 17) 251))
  *rand*)

;; the elements of L in a pseudo-random order (L is consumed)
(define (randomize l)
  (do ((a '()))
      ((null? l) a)
    (let ((n (remainder (browse-random) (length l))))
      (if (zero? n)
          (begin (set! a (cons (car l) a)) (set! l (cdr l)))
          (do ((n n (- n 1)) (x l (cdr x)))
              ((= n 1) (set! a (cons (cadr x) a)) (set-cdr! x (cddr x))))))))

(define (variable-kind sym)
  (string-ref (symbol->string sym) 0))

;; true if PAT matches DAT under the bindings ALIST: ? any one element, * any run, ?x one element
;; bound to x, *x a run bound to x, a list a sublist
(define (match pat dat alist)
  (cond ((null? pat) (null? dat))
        ((null? dat) #f)
        ((or (eq? (car pat) '?) (eq? (car pat) (car dat)))
         (match (cdr pat) (cdr dat) alist))
        ((eq? (car pat) '*)
         (or (match (cdr pat) dat alist)
             (match (cdr pat) (cdr dat) alist)
             (match pat (cdr dat) alist)))
        ((pair? (car pat))
         (and (pair? (car dat))
              (match (car pat) (car dat) alist)
              (match (cdr pat) (cdr dat) alist)))
        ((char=? (variable-kind (car pat)) #\?)
         (let ((val (assq (car pat) alist)))
           (if val
               (match (cons (cdr val) (cdr pat)) dat alist)
               (match (cdr pat) (cdr dat) (cons (cons (car pat) (car dat)) alist)))))
        ((char=? (variable-kind (car pat)) #\*)
         (let ((val (assq (car pat) alist)))
           (if val
               (match (append (cdr val) (cdr pat)) dat alist)
               (do ((l '() (append-to-tail! l (cons (if (null? d) '() (car d)) '())))
                    (e (cons '() dat) (cdr e))
                    (d dat (if (null? d) '() (cdr d))))
                   ((or (null? e) (match (cdr pat) d (cons (cons (car pat) l) alist)))
                    (not (null? e)))))))
        (else #f)))

;; the number of (unit pattern, query) pairs that match
(define (investigate units pats)
  (let ((hits 0))
    (do ((units units (cdr units))) ((null? units) hits)
      (do ((pats pats (cdr pats))) ((null? pats))
        (do ((p (get (car units) 'pattern) (cdr p))) ((null? p))
          (if (match (car pats) (car p) '())
              (set! hits (+ hits 1))))))))

(define (browse pats)
  (set! properties '())
  (set! *current-gensym* 0)
  (set! *rand* 21)
  (let ((database
         (randomize
          (init 100 10 4 '((a a a b b b b a a a a a b b a a a)
                           (a a b b b b a a (a a) (b b))
                           (a a a b (b a) b a b a))))))
    (list (length database) (investigate database pats))))

(define (main)
  (let* ((count (hide 0 20))
         (input '((*a ?b *b ?b a *a a *b *a)
                  (*a *b *b *a (*a) (*b))
                  (? ? * (b a) * ? ?)))
         (output '(100 400)))
    (run-r7rs-benchmark (string-append "browse:" (number->string count))
                        count
                        (lambda () (browse (hide count input)))
                        (lambda (result) (equal? result output)))))
