; prelude.scm -- the stress tests' common part: a deterministic PRNG, checksummed objects and
; the failure flag. scripts/stress.sh sends (define stress-seed N) (define stress-seconds S)
; (define stress-cycles #t|#f) (define stress-corrupt #f|#t), then this file, then stress.scm,
; as one program.

; ---- PRNG: Park-Miller with Schrage's method, modulus the largest prime below 2^30, so every
; intermediate value stays a fixnum (31-bit fixnums on every target)
(define rng-m 1073741789)
(define (rng-next x)
  (let ((y (- (* 48271 (remainder x 22244)) (* 1665 (quotient x 22244)))))
    (if (> y 0) y (+ y rng-m))))
(define (rng-seed-mix . ks)	; a state in 1..m-1 from the seed and a few small integers
  (let loop ((ks ks) (x (+ 1 (modulo stress-seed (- rng-m 1)))))
    (if (null? ks) x
        (loop (cdr ks) (rng-next (rng-next (+ 1 (modulo (+ x (* 7919 (car ks))) (- rng-m 1)))))))))
; (make-rng ks...) -> (lambda (n) ...) an integer in [0, n); its state lives in the caller's heap
(define (make-rng . ks)
  (let ((x (apply rng-seed-mix ks)))
    (lambda (n) (set! x (rng-next x)) (remainder x n))))

; ---- failure: the first one wins; every worker stops soon after
(define stress-failure #f)
(define (fail! . what)
  (unless stress-failure
    (set! stress-failure
          (call-with-output-string
            (lambda (p) (for-each (lambda (w) (display w p) (display " " p)) what)))))
  #f)
(define (failed?) (if stress-failure #t #f))

; ---- checksums: a polynomial hash modulo a prime below 2^20, fixnum throughout
(define cs-p 1000003)
(define (cs-step acc x) (remainder (+ (* acc 31) x) cs-p))
(define (cs-string acc s)
  (let ((n (string-length s)))
    (let loop ((i 0) (acc acc))
      (if (= i n) acc (loop (+ i 1) (cs-step acc (char->integer (string-ref s i))))))))
(define (cs-field acc x)
  (cond ((fixnum-like? x) (cs-step acc (modulo x cs-p)))
        ((string? x) (cs-string (cs-step acc 7) x))
        ((symbol? x) (cs-string (cs-step acc 11) (symbol->string x)))
        ((exact-integer? x) (cs-step (cs-step acc 13) (modulo x cs-p)))	; a bignum
        (else (cs-step acc 17))))
(define (fixnum-like? x) (and (exact-integer? x) (< -1000000000 x 1000000000)))

; ---- objects: every one carries a checksum of all its other fields, computed when it is made
; and recomputed when it is used. Fields: kind tag, creator id, user fields a and b, n random
; fixnums, a random string, a bignum, then the checksum. Kinds: a vector or a proper list.
;   (obj-make rng kind a b n)  kind is 'v or 'l
;   (obj-check o a where)      #t, or records the failure (where: what was being done) and #f;
;                              a is the expected user field a, or #f for any
(define stress-cpu-ids (make-vector 64 0))	; per CPU object counters (an id's low digits)
(define (obj-id)
  (let* ((c (cpu-id)) (k (+ 1 (vector-ref stress-cpu-ids c))))
    (vector-set! stress-cpu-ids c k)	; only threads on CPU c write it; a lost update is harmless
    (+ (* c 10000000) (remainder k 10000000))))
(define (random-string rng)
  (let* ((n (+ 1 (rng 12))) (s (make-string n)))
    (do ((i 0 (+ i 1))) ((= i n) s) (string-set! s i (integer->char (+ 97 (rng 26)))))))
(define (obj-fields rng kind a b n)
  (let loop ((i 0) (acc (list (random-string rng) (* (+ 1000000007 (rng 1000000)) (+ 999999937 (rng 1000000))))))
    (if (= i n) (cons kind (cons (obj-id) (cons a (cons b acc))))
        (loop (+ i 1) (cons (rng 1000000) acc)))))
(define (checksum-list l)
  (let loop ((l l) (acc 1))
    (if (null? l) acc (loop (cdr l) (cs-field acc (car l))))))
(define (obj-make rng kind a b n)
  (let* ((fields (obj-fields rng kind a b n))
         (all (append fields (list (checksum-list fields)))))
    (if (eq? kind 'v) (list->vector all) all)))
(define (obj-a o) (if (vector? o) (vector-ref o 2) (caddr o)))
(define (obj-b o) (if (vector? o) (vector-ref o 3) (cadddr o)))
(define (obj-sum-ok? o)
  (cond ((vector? o)
         (let ((n (vector-length o)))
           (and (> n 7) (memq (vector-ref o 0) '(v))
                (let loop ((i 0) (acc 1))
                  (if (= i (- n 1)) (eqv? acc (vector-ref o i))
                      (loop (+ i 1) (cs-field acc (vector-ref o i))))))))
        ((pair? o)
         (and (eq? (car o) 'l)
              (let loop ((l o) (acc 1))
                (cond ((not (pair? l)) #f)
                      ((null? (cdr l)) (eqv? acc (car l)))
                      (else (loop (cdr l) (cs-field acc (car l))))))))
        (else #f)))
(define (obj-check o a where)
  (cond ((not (obj-sum-ok? o)) (fail! "bad checksum in" where "on cpu" (cpu-id) ":" o))
        ((and a (not (eqv? (obj-a o) a)))
         (fail! "object in the wrong place:" where "want" a "on cpu" (cpu-id) ":" o))
        (else #t)))
