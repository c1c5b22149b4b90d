; args: --cpus 2 --verify
; tags: tsan torture
; xpubold.scm -- fresh messages that name old objects of the sender no other CPU has seen (stop
; 50: the promotion of a published closure shares the old objects its copies name as it copies,
; and the walk visits only those). Each message is a fresh list naming: an old chain of pairs, an
; old vector holding an old string and a young list stored into it after it aged (the walk meets
; it with a young field: the publication's minor collection), the same old pair twice, and a
; fresh pair. A reader on CPU 1 checks every message against what it must hold; --verify checks
; X1 (shared objects name only shared ones) after each collection.
(define (chain n) (let loop ((i n) (acc '())) (if (= i 0) acc (loop (- i 1) (cons i acc)))))
(define (sum l) (if (null? l) 0 (+ (car l) (sum (cdr l)))))
(define ch (make-channel))
(define done (make-channel))
(define rounds 300)

;; what message k holds, as the reader sees it
(define (good? m k)
  (and (list? m) (= (length m) 6)
       (eqv? (list-ref m 0) k)
       (let ((c (list-ref m 1))) (and (list? c) (= (length c) 20) (= (sum c) 210)))
       (let ((v (list-ref m 2)))
         (and (vector? v) (= (vector-length v) 3)
              (equal? (vector-ref v 0) "old string")
              (equal? (vector-ref v 1) (list k 'young k))
              (eqv? (vector-ref v 2) k)))
       (eq? (list-ref m 3) (list-ref m 4))
       (equal? (list-ref m 3) '(shared . twice))
       (equal? (list-ref m 5) (cons k k))))

(define reader
  (spawn (lambda ()
           (let loop ((k 0) (bad 0))
             (if (= k rounds)
                 (channel-send done (list 'checked k 'bad bad))
                 (let ((m (channel-receive ch)))
                   (loop (+ k 1) (if (good? m k) bad (+ bad 1)))))))
         1))

(define (send-round k)
  (let ((c (chain 20))
        (v (vector (string-copy "old string") #f #f))
        (p (cons 'shared 'twice)))
    (gc)	; c, v, p and the string are old now, and not shared
    (vector-set! v 1 (list k 'young k))	; a young object in an old one
    (vector-set! v 2 k)
    (channel-send ch (list k c v p p (cons k k)))))

(let loop ((k 0)) (when (< k rounds) (send-round k) (loop (+ k 1))))
(display (channel-receive done)) (newline)
(thread-join reader)
(gc 'full)
(display 'end) (newline)
