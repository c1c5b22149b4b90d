; args: --cpus 3
; xrace.scm -- CPUs racing on one string (issue 12, hole 7): string-set! of characters one, two and
; three bytes wide from three CPUs at once changes the string's length in place while the others
; compute offsets from it, and string-copy!, string-fill!, string-append, the case maps and
; substring race with them. Whatever the characters end up being, nothing is written or read
; outside the string (before: ASan's negative-size-param in set_char's memmove, about one run in
; three). Not under TSan: the bytes are plain, so these are data races for it by design.
(define s (make-string 64 #\a))
(define (writer c n)
  (lambda ()
    (let loop ((i 0) (errs 0))
      (if (= i n) 'done
          (loop (+ i 1)
                (guard (e (#t (+ errs 1)))
                  (case (modulo i 10)
                    ((0 1 2 3 4 5 6 7) (string-set! s (modulo (* i 7) 64) c))
                    ((8) (string-fill! s c (modulo i 50) (+ 5 (modulo i 50))))
                    (else (string-copy! s (modulo i 60) "xyz\x3bb;")))
                  errs))))))
(define (reader n)
  (lambda ()
    (let loop ((i 0))
      (when (< i n)
        (guard (e (#t #f))
          (string-append s s) (string-upcase s) (substring s 0 10) (string->list s)
          (string-ref s (modulo i 64)) (string->utf8 s))
        (loop (+ i 1))))
    'read))
(define ts (list (spawn (writer #\x4e2d 120000) 1) (spawn (writer #\a 120000) (modulo 2 (ncpus)))
                 (spawn (writer #\x3bb 120000) 0) (spawn (reader 20000) 1)))
(display (map thread-join ts)) (newline)
;; its length is whatever the racing writers left: two that widen or narrow a character at once
;; each set the length from what they read before the other's move, so a character can be lost
;; at the end or stale bytes kept (CI saw fewer than 64 once): only its consistency is checked
(display (let ((n (string-length s))) (and (> n 0) (= n (length (string->list s)))))) (newline)
