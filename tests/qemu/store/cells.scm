; cells.scm -- a stored list of cells-n elements (defined before this file) walked and changed in
; place through persistent references, with the store's default cache (1 MiB): only the groups
; the walk passes through are loaded. tests/qemu/store.sh cells runs it hosted with a million
; elements and in QEMU with fewer.
(define (stat k) (cdr (assq k (store-stats))))
(store-format!)
(store-set! 'big (iota cells-n))
(store-commit)
(store-open)	; a cold cache
(define (walk p n sum marks mark?)	; marks every 1000th element in place if mark?
  (if (ppair? p)
      (let ((a (pcar p)))
        (if (and mark? (= 0 (modulo n 1000))) (pset-car! p 'mark))
        (walk (pcdr p) (+ n 1) (if (number? a) (+ sum a) sum) (if (eq? a 'mark) (+ marks 1) marks) mark?))
      (list n sum marks)))
(define r1 (walk (store-root 'big) 0 0 0 #t))
(define misses (stat 'cache-misses))
(store-commit)
(define r2 (walk (store-root 'big) 0 0 0 #f))
(define marked (quotient (+ cells-n 999) 1000))
(define want-sum (- (quotient (* cells-n (- cells-n 1)) 2)
                    (* 1000 (quotient (* marked (- marked 1)) 2))))
(display (if (and (equal? r1 (list cells-n (quotient (* cells-n (- cells-n 1)) 2) 0))
                  (equal? r2 (list cells-n want-sum marked))
                  (> (stat 'groups-mapped) (stat 'cache-groups)))
             "CELLS OK " "CELLS WRONG "))
(write (list r1 r2 (list 'groups (stat 'groups-mapped) 'cached (stat 'cache-groups) 'misses misses)))
(newline)
