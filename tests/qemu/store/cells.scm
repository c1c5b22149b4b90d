; cells.scm -- a stored list of cells-n elements (defined before this file) walked and changed in
; place through persistent references, with the store's default cache (1 MiB): only the groups
; the walk passes through are loaded. tests/qemu/store.sh cells runs it hosted with a million
; elements and in QEMU with fewer. Then a garbage cycle of 50000 pairs beside it, reclaimed by
; the whole-store mark, whose bits (hosted: more groups than its default 32 KiB of RAM covers)
; go through the card's mark area.
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
(define groups (stat 'groups-mapped))
(store-set! 'cycle (let ((l (iota 50000))) (set-cdr! (last-pair l) l) l))
(store-commit)
(define cycle-groups (- (stat 'groups-mapped) groups))
(store-remove! 'cycle)
(store-collect)
(define after-counts (- (stat 'groups-mapped) groups))	; a cycle: the counts keep it
(store-collect 'full)
(store-commit)
(define after-mark (- (stat 'groups-mapped) groups))	; the new names table may take one
(define mark (list 'cycle-groups cycle-groups 'after-counts after-counts 'after-mark after-mark
                   'mark-sectors-written (stat 'mark-sectors-written)
                   'mark-sectors-read (stat 'mark-sectors-read) 'mark-ram (stat 'mark-ram-bytes)))
(display (if (and (equal? r1 (list cells-n (quotient (* cells-n (- cells-n 1)) 2) 0))
                  (equal? r2 (list cells-n want-sum marked))
                  (> (stat 'groups-mapped) (stat 'cache-groups))
                  (> cycle-groups 2) (= after-counts cycle-groups) (<= after-mark 1)
                  (eq? (pcar (store-root 'big)) 'mark)
                  (= (pcar (pcdr (store-root 'big))) 1)
                  (<= (stat 'mark-ram-bytes) 40000))
             "CELLS OK " "CELLS WRONG "))
(write (list r1 r2 (list 'groups (stat 'groups-mapped) 'cached (stat 'cache-groups) 'misses misses)
             mark))
(newline)
