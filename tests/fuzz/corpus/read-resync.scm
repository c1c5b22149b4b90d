; tags: torture
; After a read error the reader resynchronises: one error per bad datum, the rest of the datum
; skipped (parentheses balanced, but never past a line that starts with "(": the next datum),
; then the rest of its line. Dotted pairs, vectors and bytevectors with bad contents, a stray
; "#", "#!" directives (not supported), CR and CRLF line ends, 1,000 open parentheses.
(define (show . xs) (for-each write xs) (newline))
(show #q) (show "same line, skipped")
(show "next line")
(define (f x)
  (show #q x)
  (show "inside the bad definition"))
(show "after a bad definition" (guard (e (#t 'f-unbound)) f))
(show (quote (a #q b
(show "after a datum left open")
(show #q ")" "|" #\) #| ) |# ; )
  "still skipped")
(show "after parentheses in a string, a character and comments")
)))
(show "after three stray closing parentheses")
(show '( . 1))
(show '(1 . ))
(show "after (1 . )")
(show '(1 . 2 3))
(show '(1 . . 2))
. (show "skipped")
(show "after a dot at top level")
(show #(1 . 2))
(show #u8(1 . 2))
(show #u8(256))
(show #u8(-1))
(show #u8(a))
(show #u8(#u8(1)))
(show #u8(1 2 255) #(1 #(2)))
#
(show "after a stray #")
(show '(1 # 2))
#!fold-case
(show 'ABC)
#!no-fold-case
#!/bin/lisp
(show "after #! lines")
#; #q (show "skipped")
(show "after a bad datum comment")
(show 1)(show #q) (show "skipped")(show 2); a comment(show 3)(show #q) (show "skipped")
(show 4)
((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((#q
(show "after 1,000 open parentheses")
(show "last")
