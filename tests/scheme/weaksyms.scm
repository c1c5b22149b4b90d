; args: --cpus 2 --verify
; tags: tsan
; weaksyms.scm -- the symbol table holds its symbols weakly (docs/gc.md, "The weak symbol
; table"): a symbol nothing refers to, unbound and without flags, goes at (gc 'full), and its
; name's memory with it; a symbol still referenced (a quoted constant, a list, a global's value,
; another thread), a bound global and a special form stay, and stay eq? to a fresh
; string->symbol of their name; interning a collected name again gives one symbol. First on
; one CPU (the table unshared: the CPU's own major cycle purges it), then after a spawn (the
; table shared: the global mark purges it) with threads on every CPU interning and dropping
; while CPU 0 runs (gc 'full). Names of 128 KiB (100 of them: 13 MB) fit the kernel's heaps
; under QEMU (-m 256); hosted and in QEMU at SMP 2.
(define (show . xs) (for-each display xs) (newline))
(define size 131072)
(define (big tag i)				; a fresh name of size + a few characters
  (string-append tag (number->string i) (make-string size #\a)))
(define (total key)				; summed over the CPUs, read by a thread of its own
  (thread-join (spawn (lambda () (apply + (map (lambda (a) (cdr (assq key a))) (gc-stats)))) 0)))
(define (intern-drop tag n)			; n symbols made and dropped
  (do ((i 0 (+ i 1))) ((= i n)) (string->symbol (big tag i))))
(define (own-old) (cdr (assq 'old-bytes (heap-stats))))	; this CPU's heap (no spawn: no race)
(define (back? base now)			; the memory came back (within 4 MB of base)
  (or (< (- now base) (* 4 1024 1024)) (list 'kept (- now base) 'bytes)))

; -- one CPU: nobody else runs Scheme yet
(define (quoted) 'weaksyms-quoted-constant)	; a symbol held by live code
(define held (list (string->symbol (big "held" 1))))	; a big name held by a live list
(define weaksyms-bound-global 42)		; bound: must stay although only the table names it
(gc 'full)
(define base (own-old))
(intern-drop "a" 100)
(gc 'full)
(show "one cpu, memory back: " (back? base (own-old)))
(show "held eq?: " (eq? (car held) (string->symbol (big "held" 1))))
(show "quoted eq?: " (eq? (quoted) (string->symbol "weaksyms-quoted-constant")))
(show "bound global: " weaksyms-bound-global)
(show "special form: " (if #t 'if-works 'no))
(define again (string->symbol (big "a" 7)))	; collected, interned anew
(gc 'full)
(show "again eq?: " (eq? again (string->symbol (big "a" 7))))
(set! again #f)

; -- every CPU: the table is shared from the first spawn on
(define n (ncpus))
(define (on-each f) (map (lambda (c) (spawn (lambda () (f c)) c)) (iota n)))
(define (iota k) (let loop ((i (- k 1)) (l '())) (if (< i 0) l (loop (- i 1) (cons i l)))))
(for-each thread-join (on-each (lambda (c) c)))
(gc 'full)
(define base2 (total 'live-bytes))
; each CPU interns and drops 50 big names and keeps one; CPU 0 collects meanwhile
(define ts (on-each (lambda (c)
                      (intern-drop (string-append "t" (number->string c) "-") 50)
                      (list (string->symbol (big "kept-by-" c))
                            (string->symbol (string-append "small-" (number->string c)))))))
(gc 'full)
(gc 'full)
(define kept (map thread-join ts))
(gc 'full)
(define (settled-back? base)			; other CPUs finish their sweeps at their own pace
  (let loop ((k 0))
    (let ((r (back? base (total 'live-bytes))))
      (if (or (eq? r #t) (= k 10)) r (begin (sleep 50) (gc 'full) (loop (+ k 1)))))))
(show "every cpu, memory back: " (settled-back? base2))
(show "kept by threads eq?: "
      (map (lambda (k c) (and (eq? (car k) (string->symbol (big "kept-by-" c)))
                              (eq? (cadr k) (string->symbol (string-append "small-" (number->string c))))))
           kept (iota n)))
; names interned on every CPU at once, again and again, while CPU 0 collects: one symbol a name
(define (race c)
  (let loop ((i 0) (ok #t))
    (if (= i 2000) ok
        (let* ((name (string-append "race-" (number->string (modulo i 17))))
               (s (string->symbol name)))
          (loop (+ i 1) (and ok (eq? s (string->symbol name))
                             (string=? (symbol->string s) name)))))))
(define rs (on-each race))
(do ((i 0 (+ i 1))) ((= i 3)) (gc 'full))
(show "racing interns: " (map thread-join rs))
(define race-syms (map (lambda (i) (string->symbol (string-append "race-" (number->string i)))) (iota 17)))
(gc 'full)
(show "race symbols from another cpu eq?: "
      (equal? (thread-join (spawn (lambda () (map (lambda (i) (string->symbol (string-append "race-" (number->string i)))) (iota 17))) (- n 1)))
              race-syms)
      " " (eq? (car held) (string->symbol (big "held" 1))) " " weaksyms-bound-global)
