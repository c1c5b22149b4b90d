; tags: guile torture
; branches.scm -- a comparison as an if's test is one compare-and-branch instruction
; (lisp/codegen.c gen_branch): of acc and the stack, of acc and an immediate, of two frame
; slots, of a frame slot and an immediate. Each form, each sense (if, not, and, or, cond),
; against fixnums, bignums, flonums, rationals and NaN, against the procedure called.
(cond-expand (guile (import (scheme base) (scheme write))) (else))
(define (show . xs) (for-each display xs) (newline))
(define values-list (list -3 0 2 2.0 5/2 -1/2 1073741823 1073741824 100000000000000000000
                          -100000000000000000000 +inf.0 +nan.0))
(define (row f)
  (apply string-append
         (map (lambda (a) (list->string (map (lambda (b) (if (f a b) #\T #\.)) values-list)))
              values-list)))
(define-syntax forms
  (syntax-rules ()
    ((_ op name)
     (let ((slots (lambda (a b) (if (op a b) #t #f)))
           (slots-not (lambda (a b) (if (not (op a b)) #f #t)))
           (slots-and (lambda (a b) (and (op a b) #t)))
           (slots-or (lambda (a b) (or (not (op a b)) #f)))
           (slots-cond (lambda (a b) (cond ((op a b) #t) (else #f))))
           (slots-swap (lambda (b a) (if (op b a) #t #f)))
           (stack (lambda (a b) (if (op (car (list a)) b) #t #f)))
           (boxed (lambda (a b) (set! b b) (if (op a b) #t #f)))
           (free (lambda (a b) ((lambda () (if (op a b) #t #f)))))
           (called (lambda (a b) (apply op (list a b)))))
       (let ((want (row called)))
         (show name " " want)
         (for-each (lambda (f) (if (not (string=? (row (cdr f)) want)) (show name " " (car f) " differs: " (row (cdr f)))))
                   (list (cons 'slots slots) (cons 'slots-not slots-not) (cons 'slots-and slots-and)
                         (cons 'slots-or (lambda (a b) (not (slots-or a b)))) (cons 'slots-cond slots-cond)
                         (cons 'slots-swap slots-swap) (cons 'stack stack) (cons 'boxed boxed) (cons 'free free)))
         ;; the same slot twice, and a slot against small and large constants
         (show name " self " (map (lambda (a) (if (op a a) 't 'f)) values-list))
         (show name " imm "
               (map (lambda (a) (list (if (op a 0) 't 'f) (if (not (op a 2)) 'f 't) (and (op a -32768) 't)
                                      (or (op a 32767) 'f) (if (op a -3) 't 'f) (if (op a 40000) 't 'f)))
                    values-list)))))))
(forms < "<")
(forms > ">")
(forms <= "<=")
(forms >= ">=")
(forms = "=")
; a loop on two locals (tak's test) and on a local and a constant
(define (tak x y z) (if (not (< y x)) z (tak (tak (- x 1) y z) (tak (- y 1) z x) (tak (- z 1) x y))))
(show "tak: " (tak 18 12 6) " " (tak 18.0 12 6) " " (tak 100000000000000000018 100000000000000000012 100000000000000000006))
(define (count-to i n acc) (if (>= i n) acc (count-to (+ i 1) n (+ acc i))))
(show "count-to: " (count-to 0 1000 0) " " (count-to 0.5 10 0) " " (count-to 99999999999999999990 100000000000000000000 0))
; not numbers: the comparison's error, from either operand
(define (lt a b) (if (< a b) 'yes 'no))
(define (eq0 a) (if (= a 0) 'yes 'no))
(show "errors: " (map (lambda (a b) (guard (e (#t 'error)) (lt a b))) '(x 1 "s" 1) '(1 y 2 2))
      " " (map (lambda (a) (guard (e (#t 'error)) (eq0 a))) '(x 0 #\a 1)))
