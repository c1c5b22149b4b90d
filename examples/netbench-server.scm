;; netbench-server.scm -- the network benchmark's server (tests/bench/netbench.py) in Scheme, on
;; TCP 7777, with the names of SPEC.md's Network section. One command line per connection,
;; connections served one after another, each closed after its command:
;;   "sink N"      then N bytes: read them all, reply "ok N"
;;   "source N"    send N bytes
;;   "pingpong N"  N times: read one byte, send it back at once
;; scripts/bench_net.sh feeds this file to the kernel's REPL (target "ours"); the last line
;; never returns.

(define netbench-chunk 16384)
(define netbench-data (make-bytevector netbench-chunk 120))

;; "sink 8388608" -> (sink . 8388608); #f for anything else
(define (netbench-parse line)
  (let loop ((i 0))
    (cond ((= i (string-length line)) #f)
          ((char=? (string-ref line i) #\space)
           (let ((cmd (string->symbol (substring line 0 i)))
                 (n (string->number (substring line (+ i 1) (string-length line)))))
             (and (memq cmd '(sink source pingpong))
                  (exact-integer? n) (>= n 0)
                  (cons cmd n))))
          (else (loop (+ i 1))))))

;; read n bytes and drop them; #t if all came before the end of the stream
(define (netbench-sink in n)
  (let loop ((left n))
    (if (= left 0)
        #t
        (let ((bv (read-bytevector (min left netbench-chunk) in)))
          (and (not (eof-object? bv))
               (loop (- left (bytevector-length bv))))))))

(define (netbench-source out n)
  (let loop ((left n))
    (when (> left 0)
      (let ((k (min left netbench-chunk)))
        (write-bytevector netbench-data out 0 k)
        (loop (- left k)))))
  (flush-output-port out))

(define (netbench-pingpong in out n)
  (let loop ((left n))
    (when (> left 0)
      (let ((b (read-u8 in)))
        (unless (eof-object? b)
          (write-u8 b out)
          (flush-output-port out)
          (loop (- left 1)))))))

(define (netbench-serve-one c)
  (let* ((in (connection-input c))
         (out (connection-output c))
         (line (read-line in))
         (cmd (and (string? line) (netbench-parse line))))
    (cond ((not cmd)
           (unless (eof-object? line)
             (write-string "error: want sink N, source N or pingpong N\n" out)
             (flush-output-port out)))
          ((eq? (car cmd) 'sink)
           (when (netbench-sink in (cdr cmd))
             (write-string (string-append "ok " (number->string (cdr cmd)) "\n") out)
             (flush-output-port out)))
          ((eq? (car cmd) 'source) (netbench-source out (cdr cmd)))
          (else (netbench-pingpong in out (cdr cmd))))))

;; a connection's error (the peer went away) ends that connection only
(define (netbench-serve port)
  (let ((l (tcp-listen port)))
    (display "NETBENCH ours listening on ") (display port) (newline)
    (let loop ()
      (let ((c (tcp-accept l)))
        (guard (e (#t (display "netbench-server: ")
                      (display (if (error-object? e) (error-object-message e) e))
                      (newline)))
          (netbench-serve-one c))
        (guard (e (#t #f)) (tcp-close c))
        (loop)))))

(netbench-serve 7777)
