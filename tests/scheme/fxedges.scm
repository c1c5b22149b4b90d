; tags: guile torture
; fxedges.scm -- the VM's fixnum + and - on tagged words (lisp/vm.c fx_add_ok, fx_sub_ok,
; fx_addi_ok: the word 2v + 1 fits int32_t exactly when v is a fixnum) at the edges of the
; fixnum range, 1073741823 and -1073741824, through every instruction that uses them: an
; argument (+ n k) pushed (pushladdi), (+ x k) in the accumulator (addi), a loop's steps
; (lsetaddi, lsetaddij, lsetaddll, lsetsubll). Each result is checked against the generic +
; and - (apply: the primitive, which goes through bignums), on the 64-bit host and the 32-bit
; kernels alike.
(define (show . xs) (for-each display xs) (newline))
(define fx-max 1073741823)
(define fx-min -1073741824)
(define xs (list 0 1 -1 (- fx-max 2) (- fx-max 1) fx-max (+ fx-max 1) fx-min (+ fx-min 1) (+ fx-min 2)
                 (- fx-min 1) 536870912 -536870912 12345 1.5 1/2))
(define ks (list -3 -2 -1 0 1 2 3 32767 -32767 -32768))
(define bad '())
(define checked 0)
(define (check what got want)
  (set! checked (+ checked 1))
  (if (not (eqv? got want))
      (set! bad (cons (list what got want) bad))))
(define (ref+ a b) (apply + (list a b)))
(define (ref- a b) (apply - (list a b)))

; pushladdi: (+ x k) and (- x k) pushed as arguments of a call
(define (id a) a)
(define (pushed x)
  (list (id (+ x 1)) (id (- x 1)) (id (+ x 3)) (id (- x 3)) (id (+ x 32767)) (id (- x 32767))))
; addi: (+ e k) with e in the accumulator
(define (in-acc x)
  (list (+ (id x) 1) (- (id x) 1) (+ (id x) 3) (- (id x) 3) (+ (id x) 32767) (- (id x) 32767)))
(for-each
 (lambda (x)
   (for-each (lambda (got want) (check (list 'pushed x) got want)) (pushed x)
             (list (ref+ x 1) (ref- x 1) (ref+ x 3) (ref- x 3) (ref+ x 32767) (ref- x 32767)))
   (for-each (lambda (got want) (check (list 'acc x) got want)) (in-acc x)
             (list (ref+ x 1) (ref- x 1) (ref+ x 3) (ref- x 3) (ref+ x 32767) (ref- x 32767))))
 xs)

; a loop's steps: i by k (lsetaddi, the last step lsetaddij), a + b and a - b of two locals
(define (steps x k)
  (let loop ((n 0) (a x) (b k) (s x) (d x) (i x))
    (if (= n 3)
        (list a s d i)
        (loop (+ n 1) (+ a 1) b (+ s b) (- d b) (+ i k)))))
(for-each
 (lambda (x)
   (for-each
    (lambda (k)
      (let ((r (steps x k)))
        (check (list 'lsetaddi x) (list-ref r 0) (ref+ x 3))
        (check (list 'lsetaddll x k) (list-ref r 1) (ref+ x (* 3 k)))
        (check (list 'lsetsubll x k) (list-ref r 2) (ref- x (* 3 k)))
        (check (list 'lsetaddij x k) (list-ref r 3) (ref+ x (* 3 k)))))
    (append ks (list fx-max fx-min (- fx-max) 1.5 1/2))))
 xs)
(define (down-from x) (do ((n 0 (+ n 1)) (i x (- i 1))) ((= n 3) i)))
(for-each (lambda (x) (check (list 'down x) (down-from x) (ref- x 3))) xs)

(show "checked: " checked)
(show "wrong: " (reverse bad))
(show "across the top: " (steps (- fx-max 1) 1))
(show "across the bottom: " (steps (+ fx-min 1) -1))
(show "types: " (map exact? (steps fx-max fx-max)) (map exact? (steps 0.5 1)))
