; tags: torture
; R7RS read syntax beyond the basics: datum labels #n= #n# (shared and circular data, read back
; by write), the #!fold-case and #!no-fold-case directives (in a port and in this file), symbols
; that write puts in bars because they would not read back, and null-environment.
(define (rd s) (read (open-input-string s)))
(define (show . xs) (for-each (lambda (x) (write x) (display " ")) xs) (newline))
; datum labels: shared structure is eq?, cycles come back as cycles
(define c (rd "#0=(1 . #0#)"))
(show c (cadr c) (eq? c (cdr c)))
(define s (rd "(#0=(1 2 3) #0#)"))
(show s (eq? (car s) (cadr s)))
(write-shared s) (newline)
(show (rd "#0=#(a #0# b)") (rd "#1=(a #2=(b #1# . #2#) '#1# #(#2#))"))
(show (rd "#0=(x #1=(y #0# . #1#))") (rd "(#0=a #0# #1=\"s\" #1#)"))
(show (rd "#0=(#1=#0#)") (rd "(#0=(a) #1=#0# #1#)") (rd "(#7=(a) #7=(b) #7#)"))
(define v (rd "#0=#(#0# #1=(#0#) #1#)"))
(show (eq? v (vector-ref v 0)) (eq? v (car (vector-ref v 1))) (eq? (vector-ref v 1) (vector-ref v 2)))
(define big (rd "(#0=(big) #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0#)"))
(show (length big) (eq? (car big) (list-ref big 11)))
; many stand-ins stored while collections move them (run with --torture-every): each datum
; read is checked, the count of wrong ones shown
(define (shared-ok?)
  (let* ((d (rd "(#5=(#5# #5#) #2=(#2# #\\x #2# . #2#) #(#9='#7=(#7# #7#)))"))
         (a (car d)) (b (cadr d)) (q (cadr (vector-ref (caddr d) 0))))
    (and (eq? (car a) a) (eq? (cadr a) a) (eq? (car b) b) (eq? (caddr b) b) (eq? (cdddr b) b)
         (eq? (car q) q) (eq? (cadr q) q))))
(define (count-wrong n k)
  (if (= n 0) k (count-wrong (- n 1) (if (shared-ok?) k (+ k 1)))))
(show 'wrong (count-wrong 300 0))
(define many (rd "#0=(#0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #0# #1=#(#0# #1# #0#) #1#)"))
(show (let loop ((l many) (n 0)) (cond ((pair? (car l)) (loop (cdr l) (+ n 1))) (else n)))
      (eq? many (vector-ref (list-ref many 20) 0)) (eq? (list-ref many 20) (list-ref many 21)))
; written and read again: the same shape
(define out (open-output-string))
(write (rd "#5=(1 #6=(2 . #5#) #6#)") out)
(show (get-output-string out) (get-output-string (let ((o (open-output-string))) (write (rd (get-output-string out)) o) o)))
; a circular quoted literal in a program
(show '#0=(a b . #0#))
; a circular list elsewhere in a program is an error, not a loop of the expander
`#0=(a ,1 . #0#)
(let-values #0=(((a) 1) . #0#) a)
(define cyc (list 1 2))
(set-cdr! (cdr cyc) cyc)
(show (guard (e ((error-object? e) (error-object-message e))) (eval (cons 'list cyc))))
(show (eval (list 'quote cyc)))
; bad labels: one clear error each, and reading goes on
(define (try s) (guard (e ((error-object? e) (display (error-object-message e)) (newline))) (show (rd s))))
(try "#0#")
(try "(#0=(a) #1#)")
(try "#0=#0#")
(try "(#5)")
(try "#123456789012=x")
(try "(#0=")
(try "(#0=)")
(show (rd "#0= (a . #0#)"))
; #!fold-case: identifiers and character names fold for the rest of the port
(show (rd "#!fold-case ABC") (rd "#!fold-case #!no-fold-case ABC"))
(show (rd "#!fold-case (Hello |World| #\\SPACE #\\A #\\x41 Straße ΑΒΓ \"Str\")"))
(define p (open-input-string "#!fold-case FOO BAR #!no-fold-case BAZ #!fold-case Qux"))
(show (read p) (read p) (read p) (read p) (read p))
(try "#!fold")
#!fold-case
(DEFINE (TWICE X) (* 2 X))
(SHOW (twice 21) 'MiXeD #\NewLine)
#!no-fold-case
(show 'MiXeD)
; write puts in bars what would read as a number or not at all
(define syms (map string->symbol '("+inf.0" "-inf.0" "+nan.0" "+i" "-I" "+inf.0i" "a\\b" "a b" "" "1+" "+5" "." ".." "+a" "-" "..." "->x" "ok")))
(show syms)
(show (equal? syms (rd (let ((o (open-output-string))) (write syms o) (get-output-string o)))))
; null-environment (R7RS (scheme r5rs))
(show ((eval '(lambda (f x) (f x x)) (null-environment 5)) + 10))
; in a program: a bad label is one read error (the rest of its line is skipped, as after any)
(show 'before) (show #5) (show 'skipped)
(show 'after)
