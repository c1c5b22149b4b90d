; args: --cpus 2
; tags: tsan
; review20.scm -- holes the threads and interpreter review found (issue 20): a thread joining
; itself (hung forever: now an error, and other joiners still get its value), integer-length of
; negative powers of two past the fixnums (one too large), string->number with repeated
; prefixes (accepted), let-values binding in turn like let*-values, memv/assv/member/last-pair
; on a circular list (looped forever: now an error, as length).
(define (report e) (if (error-object? e) (error-object-message e) (list 'raised e)))
(define t7 #f)
(set! t7 (spawn (lambda () (sleep 50) (guard (e (#t (list 'caught (report e)))) (thread-join t7))) 1))
(display (thread-join t7)) (newline)
(define t8 (spawn (lambda () (raise #f)) 1))
(display (guard (e (#t (report e))) (thread-join t8))) (newline)
(display (map integer-length (list -1 -2 -8 -2147483648 -2147483649 -4294967296 (- (expt 2 100))
                                   (- -1 (expt 2 100)) (expt 2 100) 0 255)))
(newline)
(display (map string->number '("#x#x1" "#e#e1" "#b#o1" "#e#x10" "#x#e10" "#x10" "#d-12")))
(newline)
(display (let ((a 1) (b 2)) (let-values (((a) (values b)) ((b) (values a))) (list a b))))
(newline)
(display (let-values (((a . r) (values 1 2 3)) (all (values 4 5)) (() (values))) (list a r all)))
(newline)
(define c (list 1 2 3))
(set-cdr! (cddr c) c)
(define al (list '(1 . a) '(2 . b)))
(set-cdr! (cdr al) al)
(for-each (lambda (f) (display (guard (e (#t (report e))) (f))) (newline))
          (list (lambda () (memv 9 c)) (lambda () (memq 9 c)) (lambda () (member "x" c))
                (lambda () (last-pair c)) (lambda () (assv 9 al)) (lambda () (assoc 9 al))
                (lambda () (memv 3 c)) (lambda () (assv 2 al))))
(display (list (last-pair '(1 2 . 3)) (last-pair '(1)) (memv 3 '(1 2 3 4)) (assq 'b '((a 1) (b 2)))))
(newline)
; utf8->string refuses invalid UTF-8 (it made strings that write emitted as raw bytes); an
; encoded U+FFFD and a valid range inside invalid bytes are fine
(for-each (lambda (bv) (display (guard (e (#t (error-object-message e))) (utf8->string bv))) (newline))
          (list (bytevector 255 254 65) (bytevector 65 #xC3) (bytevector #xED #xA0 #x80)
                (bytevector #xC0 #x80) (bytevector #xF4 #x90 #x80 #x80)))
(write (utf8->string (bytevector 65 #xC3 #xA9 #xEF #xBF #xBD #xF0 #x9F #x98 #x80 66)))
(newline)
(write (utf8->string (bytevector 255 65 66 255) 1 3))
(newline)
; expt refuses a result of more than 4194304 bits (it squared its way through memory for ever)
(display (guard (e (#t (error-object-message e))) (expt 2 100000000000000000000)))
(newline)
(display (guard (e (#t (error-object-message e))) (expt -3 4194305)))
(newline)
(display (list (integer-length (expt 2 100000)) (expt 0 100000000000000000000)
               (expt 1 100000000000000000000) (expt -1 100000000000000000001) (expt 7 3)))
(newline)
; multiple values reach only contexts that take them (call-with-values, a discarded position,
; the REPL's top level); anywhere else 0 or 2+ values are an error (they escaped as one
; #<values> object that counted as true)
(for-each (lambda (thunk) (display (guard (e (#t (report e))) (thunk))) (newline))
          (list (lambda () (if (values #f #f) 'y 'n)) (lambda () (list (values 1 2)))
                (lambda () (let ((x (values))) x)) (lambda () (+ 1 (call/cc (lambda (k) (k 1 2)))))
                (lambda () (vector-map (lambda (x) (values x x)) #(1 2)))
                (lambda () (car (list (values 5))))))
(define (two) (values 1 2))
(define (discards) (two) (if #t (two)) (let () (two) 'discarded))
(display (list (discards) (call-with-values two list) (call-with-values (lambda () (values)) list)
               (call-with-values (lambda () (dynamic-wind (lambda () #f) two (lambda () #f))) list)
               (call-with-values (lambda () (guard (e (#t 0)) (two))) list)
               (call-with-values (lambda () (with-exception-handler (lambda (e) 0) two)) list)
               (call-with-values (lambda () (call/cc (lambda (k) (k 3 4)))) list)
               (let-values (((a b) (two)) ((c) 3)) (list a b c))))
(newline)
; a continuation captured in the procedure that map, string-map or vector-map calls and
; re-entered: the earlier result is not mutated, the new one has the new element
(define (test-reenter mapper input new)
  (let ((k #f) (n 0) (first #f))
    (let ((r (mapper (lambda (x) (if (eqv? x (cadr input)) (call/cc (lambda (c) (set! k c) x)) x))
                     input)))
      (set! n (+ n 1))
      (if (= n 1) (begin (set! first r) (k new)) (list first r)))))
(display (list (test-reenter map '(1 2 3) 'z)
               (test-reenter (lambda (f l) (map (lambda (a b) (f a)) l l)) '(1 2 3) 'z)
               (test-reenter (lambda (f l) (string-map f (list->string l))) '(#\a #\b #\c) #\z)
               (test-reenter (lambda (f l) (vector-map f (list->vector l))) '(1 2 3) 'z)))
(newline)
; found by the review of the above: and/or with a test the VM branches on, in a discarded
; position, passed no "discarded" to their last operand; raise-continuable's handler may
; return any number of values
(define (log! msg) (display msg) (newline) (values))
(define (f20 n) (and (> n 0) (log! "positive")) (or (eq? n 0) (log! "nonzero")) 'done)
(display (list (f20 3) (begin (and (null? '()) (values 1 2)) 3)
               (begin (cond ((pair? '())) (else (values 1 2))) 'ok)
               (call-with-values
                (lambda () (with-exception-handler (lambda (e) (values 1 2))
                                                   (lambda () (raise-continuable 'c))))
                list)
               (map + '(1 2 3) '(10 20 30) '(100 200))))
(newline)
; define-values with dotted formals (found by the differential test against Guile): the rest
; variable takes the list of the remaining values, internal and top level
(define-values (dv-a . dv-b) (values 1 2 3))
(define-values (dv-c dv-d . dv-e) (values 4 5))
(define (dv-internal) (define-values (x y . z) (values 'p 'q 'r 's)) (list x y z))
(display (list dv-a dv-b dv-c dv-d dv-e (dv-internal)))
(newline)
; the reader takes at most one radix and one exactness prefix, as string->number does
(define (read-or-error s)
  (guard (e ((error-object? e) 'error)) (read (open-input-string s))))
(display (map read-or-error '("#x#x10" "#e#e10" "#b#x1" "#x#e#x1" "#x#e10" "#e#x10" "#d#e5")))
(newline)
