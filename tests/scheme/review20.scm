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
