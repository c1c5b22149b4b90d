; tags: torture
; The reader: comments (line, nested block, datum), character names and hex escapes, string
; escapes, numbers with radix prefixes, symbols with bars, dotted pairs, vectors and
; bytevectors; reader errors skip to the end of the bad datum and reading goes on.
(define (show . xs) (for-each write xs) (newline))
(show (quote (a b c))) ; a line comment
#| a block comment #| nested |# still comment |#
(show (quote (1 #;(skipped datum) 2)))
(show #\a #\A #\space #\newline #\tab #\x41 #\x3bb #\( #\) #\; #\")
(show "esc: \a\b\t\n\r\\\" \x41;\x3bb; end")
(show "line \
     continued")
(show -5 +5 #x-ff #b101 #o17 #d99 #xABC 007)
(show (quote |sym with space|) (quote ||) (quote |a\|b|) (quote abc-DEF) (quote ...) (quote +) (quote -) (quote ->x) (quote 1+))
(show (quote (a . b)) (quote (a b . c)) (quote (a . (b . (c . ())))))
(show (quote #(1 #(2) "s")) (bytevector-u8-ref #u8(1 2 255) 2) (vector-length #()))
(show (quote (quote x)) (quote (quasiquote (a (unquote b) (unquote-splicing c)))))
(show '#t '#f '#true '#false '())
(show (quote [bracket list]))
)
(show "after stray close")
(show (quote (1 2 #q 3)))
(show "after bad hash")
(show #\nonsense)
(show "after bad char")
(show (quote (a . b c)))
(show "after bad dot")
(show (quote (. a)))
(show "after leading dot")
(show 1.5)
(show "after inexact")
(show "bad escape \q here")
(show "after bad escape")
(show #u8(1 300))
(show "after bad byte")
;; complex numbers read as numbers (complex.scm has them all); one that only looks like one is
;; a symbol, or a bad number when it has a number's dot, slash or exponent
(show 1+2i)
(show "after complex")
(define (rd s) (guard (e ((read-error? e) (error-object-message e))) (read (open-input-string s))))
(show (map rd '("-1.5@2" "-i" "1+2.5.i" "1.5+2j" "1/0+i" "1@" "@1" "1+2i3" "+inf.0i"))
      '(+ii a+i 1+ i |1+2i|) (string->number "1+2i"))
(show "last")
(show (quote (unclosed
