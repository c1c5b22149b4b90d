; stress.scm -- objects shared across CPUs as hard as we can (issue 6), after prelude.scm. Epochs
; of a few hundred milliseconds to a few seconds until stress-seconds have passed; in each, one
; worker per CPU and one consumer per CPU, then a checkpoint: every CPU collects fully, and the
; live bytes of all heaps must stay within 4x the level after the warm-up (the first checkpoint
; once a twentieth of the time has passed) plus a slack of two heap groups per CPU, at every
; checkpoint from then on. The structures below are of fixed size, so the level stays flat
; unless garbage is kept: a leak of cross-heap garbage shows up as growth, and fails.
; The workloads, all mixed in each worker:
;   shared vector   slot i always holds a complete checksummed object whose field a is i;
;                   replaced by one vector-set!, read and checked by any CPU
;   shared list     a list of stress-list-length cells whose k-th car has field a = k; any
;                   CPU replaces a car (set-car!) or a whole tail (set-cdr! with a fresh chain
;                   of the right length), so its length and order hold under any race
;   shared table    a hash table made of a vector of alists (key . obj), obj's a = key; insert
;                   and delete build a new bucket (at most 4 entries) and store it at once
;   channels        each worker sends messages (sender, seq, obj, an object borrowed from the
;                   shared vector) to random CPUs' consumers, which check that every sender's
;                   sequence arrives complete and in order, keep the last few, then exit
;   handoff         a thread spawned on another CPU gets the last reference to an object made
;                   here (or evicted from the shared vector), checks it and exits holding it
;   cycles          (stress-cycles) rings of 2-4 pairs, each pair made on a different CPU
;                   and holding an object and a 4 KiB bytevector (filled with the object's b),
;                   built hop by hop through per-CPU slots, closed, then dropped; with
;                   stress-cycles #f the same chains are built and dropped without the
;                   closing set-cdr!, so the two runs differ only in the cycles
; Prints "stress: ok seed=N rounds=R ..." and exits 0, or "stress: FAIL seed=N what" and exits 1.

(define stress-list-length 24)
(define stress-vector-length 48)
(define stress-buckets 32)
(define stress-payload 12)	; random fixnums in each object
(define stress-ring-ballast 4096)	; bytes hung on each ring node, so that a leak of rings
				; outgrows the bound within the 30 s of make test

; ---- the shared structures, first made here on CPU 0, then replaced from every heap
(define shared-vec
  (let ((rng (make-rng 1)) (v (make-vector stress-vector-length #f)))
    (do ((i 0 (+ i 1))) ((= i stress-vector-length) v)
      (vector-set! v i (obj-make rng (if (even? i) 'v 'l) i 0 stress-payload)))))
(define (list-chain rng from n)	; cells for indices from .. from+n-1
  (let loop ((k (+ from n -1)) (acc '()))
    (if (< k from) acc
        (loop (- k 1) (cons (obj-make rng (if (odd? k) 'v 'l) k 0 stress-payload) acc)))))
(define shared-list (list-chain (make-rng 2) 0 stress-list-length))
(define shared-table (make-vector stress-buckets '()))
(define cycle-slots (make-vector (ncpus) #f))	; partial rings waiting for their next hop

; ---- shared vector (stress-corrupt: once in a while a payload field of a vector object there is
; changed after the object was made, which a later check must catch: the test of the test)
(define (vec-op rng)
  (let ((i (rng stress-vector-length)))
    (when (and stress-corrupt (= 0 (rng 200)) (vector? (vector-ref shared-vec i)))
      (let ((o (vector-ref shared-vec i))) (vector-set! o 4 (+ 1 (vector-ref o 4)))))
    (if (= 0 (rng 3))
        (vector-set! shared-vec i (obj-make rng (if (= 0 (rng 2)) 'v 'l) i (cpu-id) stress-payload))
        (obj-check (vector-ref shared-vec i) i "shared vector slot"))))

; ---- shared list
(define (list-walk-to k)	; the cell at index k, checking every index on the way
  (let loop ((l shared-list) (i 0))
    (cond ((not (pair? l)) (fail! "shared list too short:" i "cells") #f)
          ((not (eqv? (obj-a (car l)) i))
           (fail! "shared list cell" i "holds index" (obj-a (car l))) #f)
          ((= i k) l)
          (else (loop (cdr l) (+ i 1))))))
(define (list-op rng)
  (let* ((k (rng stress-list-length)) (cell (list-walk-to k)) (r (rng 10)))
    (when cell
      (cond ((< r 5) (obj-check (car cell) k "shared list car"))
            ((< r 8) (set-car! cell (obj-make rng (if (= 0 (rng 2)) 'v 'l) k (cpu-id) stress-payload)))
            ((= r 8)	; a whole new tail after cell k
             (set-cdr! cell (list-chain rng (+ k 1) (- stress-list-length k 1))))
            (else	; walk to the end: exactly stress-list-length cells
             (let ((last (list-walk-to (- stress-list-length 1))))
               (when (and last (not (null? (cdr last))))
                 (fail! "shared list longer than" stress-list-length))))))))

; ---- shared table: buckets of at most 4 (key . obj)
(define (table-op rng)
  (let* ((key (rng 256)) (b (remainder key stress-buckets)) (bucket (vector-ref shared-table b)))
    (let check ((l bucket) (n 0))	; every entry of the bucket, as it is now
      (when (pair? l)
        (let ((e (car l)))
          (cond ((> n 4) (fail! "table bucket" b "longer than 4"))
                ((not (eqv? (remainder (car e) stress-buckets) b))
                 (fail! "table key" (car e) "in bucket" b))
                (else (obj-check (cdr e) (car e) "table entry") (check (cdr l) (+ n 1)))))))
    (let ((others (let drop ((l bucket) (acc '()) (n 0))	; the bucket without key, 3 at most
                    (cond ((or (null? l) (= n 3)) (reverse acc))
                          ((eqv? (caar l) key) (drop (cdr l) acc n))
                          (else (drop (cdr l) (cons (car l) acc) (+ n 1)))))))
      (if (= 0 (rng 4))
          (vector-set! shared-table b others)	; delete
          (vector-set! shared-table b
                       (cons (cons key (obj-make rng (if (= 0 (rng 2)) 'v 'l) key (cpu-id) stress-payload))
                             others))))))

; ---- cycles across heaps: a partial ring is #(first last hops-left); each hop adds a pair made
; on this CPU, the last one closes the ring (when stress-cycles) and drops it. A node is
; ((obj . ballast) . next).
(define (ring-node rng kind)
  (let ((b (rng 256)))
    (cons (cons (obj-make rng kind 0 b stress-payload) (make-bytevector stress-ring-ballast b)) #f)))
(define (ring-node-ok? p)
  (let* ((o (caar p)) (bv (cdar p)) (n (bytevector-length bv)) (b (obj-b o)))
    (and (obj-check o 0 "ring node")
         (or (and (= n stress-ring-ballast) (= b (bytevector-u8-ref bv 0))
                  (= b (bytevector-u8-ref bv (- n 1))) (= b (bytevector-u8-ref bv (quotient n 2))))
             (fail! "ring node's ballast is not" n "bytes of" b)))))
(define (ring-walk-ok? first last)
  (let loop ((p first) (n 0))
    (cond ((> n 5) #t)	; a racing hop may have redirected the chain: enough checked
          ((not (pair? p)) #t)
          ((not (ring-node-ok? p)) #f)
          ((eq? p last) #t)
          (else (loop (cdr p) (+ n 1))))))
(define (cycle-op rng)
  (let* ((me (cpu-id)) (there (vector-ref cycle-slots me)))
    (when there
      (vector-set! cycle-slots me #f)	; taken (a racing take is harmless)
      (when (ring-walk-ok? (vector-ref there 0) (vector-ref there 1))
        (let ((node (ring-node rng 'v)))
          (set-cdr! (vector-ref there 1) node)
          (if (= (vector-ref there 2) 1)
              (when stress-cycles (set-cdr! node (vector-ref there 0)))	; closed, dropped
              (vector-set! cycle-slots (other-cpu rng)
                           (vector (vector-ref there 0) node (- (vector-ref there 2) 1)))))))
    (when (= 0 (rng 2))	; start a ring of 2 to 4 pairs
      (let ((node (ring-node rng 'l)))
        (vector-set! cycle-slots (other-cpu rng) (vector node node (+ 1 (rng 3))))))))
(define (other-cpu rng)
  (if (= (ncpus) 1) 0 (let ((c (rng (- (ncpus) 1)))) (if (>= c (cpu-id)) (+ c 1) c))))

;; ---- channels: a message is #(obj (i . shared-vec[i]) or #f); obj's a = sender, b = sequence
; number. progress[to][from] is the next sequence number consumer to expects from from (written
; only by that consumer): a sender keeps at most stress-window messages in flight to each CPU.
(define stress-window 32)
(define (send-op rng inboxes progress seqs)
  (let* ((to (rng (ncpus))) (seq (vector-ref seqs to)) (i (rng stress-vector-length)))
    (if (>= (- seq (vector-ref (vector-ref progress to) (cpu-id))) stress-window)
        (yield)	; the consumers are behind: let this CPU's one run
        (begin
          (vector-set! seqs to (+ seq 1))
          (channel-send (vector-ref inboxes to)
                        (vector (obj-make rng (if (= 0 (rng 2)) 'v 'l) (cpu-id) seq 4)
                                (if (= 0 (rng 2)) (cons i (vector-ref shared-vec i)) #f)))))))
(define (consumer inbox expect)	; until every CPU's worker said done; the count received
  (let ((keep (make-vector 8 #f)))
    (let loop ((dones 0) (got 0))
      (if (= dones (ncpus)) got
          (let ((m (channel-receive inbox)))
            (cond ((eq? m 'done) (loop (+ dones 1) got))
                  ((not (and (vector? m) (= (vector-length m) 2))) (fail! "bad message" m) (loop dones got))
                  (else
                   (let* ((o (vector-ref m 0)) (borrowed (vector-ref m 1)))
                     (when (obj-check o #f "message")
                       (let ((from (obj-a o)))
                         (unless (eqv? (obj-b o) (vector-ref expect from))
                           (fail! "message from cpu" from "seq" (obj-b o) "expected" (vector-ref expect from)))
                         (vector-set! expect from (+ 1 (obj-b o)))))
                     (when borrowed (obj-check (cdr borrowed) (car borrowed) "borrowed object"))
                     (vector-set! keep (remainder got 8) m)	; the last references, kept to the exit
                     (loop dones (+ got 1))))))))))

; ---- handoff: a thread on another CPU holds the last reference when it exits
(define (handoff-op rng)
  (let* ((i (rng stress-vector-length))
         (o (if (= 0 (rng 2))
                (obj-make rng 'l (cpu-id) 0 stress-payload)
                (let ((old (vector-ref shared-vec i)))	; evict: the thread keeps the old one
                  (vector-set! shared-vec i (obj-make rng 'v i (cpu-id) stress-payload))
                  old)))
         (a (obj-a o)))
    (spawn (lambda () (yield) (obj-check o a "handed-off object") (cpu-id)) (other-cpu rng))))

; ---- a worker: operations until the epoch ends; returns (ops sent)
(define epoch-over #f)
(define stress-max-ops 20000)	; per worker and epoch (the host is fast)
(define (worker epoch inboxes progress)
  (let ((rng (make-rng epoch (cpu-id) 3)) (seqs (make-vector (ncpus) 0)) (ops 0) (threads '()))
    (guard (e (#t (fail! "error on cpu" (cpu-id) ":" (describe e))))
      (let loop ()
        (unless (or epoch-over stress-failure (>= ops stress-max-ops))
          (let ((r (rng 100)))
            (cond ((< r 20) (vec-op rng))
                  ((< r 32) (list-op rng))
                  ((< r 50) (table-op rng))
                  ((< r 70) (send-op rng inboxes progress seqs))
                  ((and (< r 73) (< (length threads) 6)) (set! threads (cons (handoff-op rng) threads)))
                  ((< r 73) #t)
                  (else (cycle-op rng)))
            (when (= 0 (remainder ops 16)) (yield))
            (set! ops (+ ops 1))
            (loop)))))
    ; whatever happened, the handoff threads are joined and every consumer hears done
    (for-each (lambda (t) (guard (e (#t (fail! "handoff thread:" (describe e)))) (thread-join t))) threads)
    (do ((c 0 (+ c 1))) ((= c (ncpus))) (channel-send (vector-ref inboxes c) 'done))
    (list ops (apply + (vector->list seqs)))))

; ---- checkpoints: every CPU collects fully, twice round (a reference dropped on one CPU frees
; another CPU's object at that CPU's next collection); then the heaps' totals
(define (collect-everywhere)
  (do ((pass 0 (+ pass 1))) ((= pass 2))
    (do ((c 0 (+ c 1))) ((= c (ncpus)))
      (thread-join (spawn (lambda () (gc 'full) #t) c)))))
(define (stat-sum key)
  (apply + (map (lambda (s) (cdr (assq key s))) (gc-stats))))

; ---- the run
(define (describe e)
  (if (error-object? e) (cons (error-object-message e) (error-object-irritants e)) e))
(define (guarded thunk)	; a thread's body: an error becomes the run's failure
  (lambda ()
    (guard (e (#t (fail! "error on cpu" (cpu-id) ":" (describe e)) #f))
      (thunk))))
(define (join-all ts)
  (map (lambda (t) (guard (e (#t (fail! "join:" (describe e)) #f))
                     (thread-join t)))
       ts))
(define (cpu-list) (let loop ((c (- (ncpus) 1)) (l '())) (if (< c 0) l (loop (- c 1) (cons c l)))))
(define (show . xs) (for-each display xs) (newline))

(define (stress-run)
  (let* ((t0 (cycles))
         (cycles-per-ms (begin (sleep 200) (quotient (- (cycles) t0) 200)))
         (budget-ms (* 1000 stress-seconds))
         (epoch-ms (max 200 (min 3000 (quotient budget-ms 12))))
         (slack (* 2 65536 (ncpus))))	; two 64 KiB heap groups per CPU
    (define (elapsed-ms) (quotient (- (cycles) t0) cycles-per-ms))
    (let loop ((epoch 1) (ops 0) (msgs 0) (base #f))
      (if (or stress-failure (>= (elapsed-ms) budget-ms))
          (list (- epoch 1) ops msgs)
          (let* ((inboxes (list->vector (map (lambda (c) (make-channel)) (cpu-list))))
                 (progress (list->vector (map (lambda (c) (make-vector (ncpus) 0)) (cpu-list))))
                 (consumers (map (lambda (c)
                                   (spawn (guarded (lambda () (consumer (vector-ref inboxes c) (vector-ref progress c))))
                                          c))
                                 (cpu-list)))
                 (workers (begin (set! epoch-over #f)
                                 (map (lambda (c) (spawn (guarded (lambda () (worker epoch inboxes progress))) c))
                                      (cpu-list))))
                 (_ (begin (sleep epoch-ms) (set! epoch-over #t)))
                 (done (join-all workers))
                 (got (join-all consumers))
                 (e-ops (apply + (map (lambda (d) (if (pair? d) (car d) 0)) done)))
                 (sent (apply + (map (lambda (d) (if (pair? d) (cadr d) 0)) done)))
                 (recv (apply + (map (lambda (g) (or g 0)) got))))
            (unless (or stress-failure (= sent recv))
              (fail! "epoch" epoch "sent" sent "messages, received" recv))
            (collect-everywhere)
            (let* ((live (stat-sum 'live-bytes))
                   (remote (stat-sum 'remote-refs))
                   (old-base base)
                   (base (or base (and (>= (elapsed-ms) (quotient budget-ms 20)) live))))
              (show "stress: epoch " epoch (if (and base (not old-base)) " (warm-up ends)" "") " ops=" e-ops (map (lambda (d) (if (pair? d) (car d) 0)) done) " messages=" sent " live-bytes=" live
                    " remote-refs=" remote " ms=" (elapsed-ms))
              (when (and base (> live (+ (* 4 base) slack)))
                (fail! "memory: live bytes" live "after epoch" epoch "exceed 4 x" base "+" slack
                       "(cycles" (if stress-cycles "on)" "off)")))
              (loop (+ epoch 1) (+ ops e-ops) (+ msgs sent) base)))))))

(define stress-result
  (guard (e (#t (fail! "error:" (describe e)) #f))
    (stress-run)))
(if stress-failure
    (begin (show "stress: FAIL seed=" stress-seed " " stress-failure) (exit 1))
    (begin (show "stress: ok seed=" stress-seed " rounds=" (car stress-result) " ops="
                 (cadr stress-result) " messages=" (caddr stress-result)
                 " cycles=" (if stress-cycles "on" "off") " cpus=" (ncpus))
           (exit 0)))
