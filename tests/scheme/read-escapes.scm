; tags: torture
; Characters past Unicode and surrogates, as #\x and as \x escapes in strings and |symbols|:
; a read error each, with the closing quote left in place so the next line reads; a \x escape
; without its ";", and "\" then spaces without a line end, the same. Leading zeros are fine.
(define (show . xs) (for-each write xs) (newline))
(show (char->integer #\x10FFFF) (char->integer #\xD7FF) (char->integer #\xE000))
(show #\x110000)
(show "after #\\x110000")
(show #\xD800)
(show #\xdfff)
(show #\xFFFFFFFFFFFFFFFFFFFF)
(show "after the surrogates")
(show #\x0000041 (char->integer #\x000000000000000000000000000010FFFF))
(show "\x110000;")
(show "after \\x110000;")
(show "\xD800;" "same line, skipped")
(show "\xFFFFFFFFFFFFFFFFFFFFFFFF;")
(show "after the string escapes")
(show "\x00000000000041;" "\x0;")
(show (quote |\x110000;|))
(show "after a bad |symbol| escape")
(show "a\x41")
(show "after \\x41 without its semicolon")
(show "a\x;b")
(show "after an empty \\x escape")
(show "a\xg;")
(show "a\ b")
(show "a\ ")
(show "after a backslash and spaces")
(show "line \   
   continued" "crlf \  
   continued")
(show "last")
