;; netbench-server-mock.scm -- examples/netbench-server.scm on the hosted build, before the
;; kernel has sockets: tcp-listen, tcp-accept, connection-input/-output and tcp-close over
;; bytevector ports (binary only here, so read-line and write-string are shadowed by binary
;; versions). scripts/bench_net.sh mock runs: this file's prelude, the server, this file's checks
;; (split at the line ";; --- checks").

(define mock-inputs '())	; what each next connection's peer sends, as bytevectors
(define mock-outputs '())	; what the server sent on each, newest first
(define mock-closed 0)
(define-record-type mock-conn (make-mock-conn in out) mock-conn? (in mock-in) (out mock-out))
(define (tcp-listen port) (list 'listener port))
(define (tcp-accept l)
  (when (null? mock-inputs) (raise 'mock-no-more-connections))
  (let ((c (make-mock-conn (open-input-bytevector (car mock-inputs)) (open-output-bytevector))))
    (set! mock-inputs (cdr mock-inputs))
    c))
(define (connection-input c) (mock-in c))
(define (connection-output c) (mock-out c))
(define (tcp-close c)
  (set! mock-closed (+ mock-closed 1))
  (set! mock-outputs (cons (get-output-bytevector (mock-out c)) mock-outputs)))
(define (read-line in)
  (let loop ((acc '()))
    (let ((b (read-u8 in)))
      (cond ((eof-object? b) (if (null? acc) b (list->string (reverse acc))))
            ((= b 10) (list->string (reverse acc)))
            (else (loop (cons (integer->char b) acc)))))))
(define (write-string s out) (write-bytevector (string->utf8 s) out))
(define (mock-bv . parts)	; strings and byte lists, one bytevector
  (let ((o (open-output-bytevector)))
    (for-each (lambda (p) (if (string? p) (write-string p o) (for-each (lambda (b) (write-u8 b o)) p)))
              parts)
    (get-output-bytevector o)))
(set! mock-inputs
  (list (mock-bv "sink 5\n" '(1 2 3 4 5))
        (mock-bv "source 20000\n")
        (mock-bv "pingpong 3\n" '(7 8 9))
        (mock-bv "bogus 1\n")
        (mock-bv "sink 10\n" '(1 2 3 4))	; the peer goes away early: no reply
        (mock-bv "pingpong 5\n" '(4 5))
        (mock-bv "")
        (mock-bv "source 0\n")))

;; --- checks
(define (check name ok)
  (display (if ok "ok   " "FAIL ")) (display name) (newline)
  (unless ok (set! mock-failed (+ mock-failed 1))))
(define mock-failed 0)
(define outs (reverse mock-outputs))
(define (all-120? bv)
  (let loop ((i 0))
    (or (= i (bytevector-length bv)) (and (= (bytevector-u8-ref bv i) 120) (loop (+ i 1))))))
(check "eight connections, each closed" (and (= (length outs) 8) (= mock-closed 8)))
(check "sink replies ok N" (equal? (list-ref outs 0) (mock-bv "ok 5\n")))
(check "source sends N bytes" (and (= (bytevector-length (list-ref outs 1)) 20000) (all-120? (list-ref outs 1))))
(check "pingpong echoes" (equal? (list-ref outs 2) (bytevector 7 8 9)))
(check "bad command: an error line" (equal? (bytevector-u8-ref (list-ref outs 3) 0) (char->integer #\e)))
(check "short sink: no reply" (equal? (list-ref outs 4) (bytevector)))
(check "short pingpong: what came" (equal? (list-ref outs 5) (bytevector 4 5)))
(check "empty connection: nothing" (equal? (list-ref outs 6) (bytevector)))
(check "source 0: nothing" (equal? (list-ref outs 7) (bytevector)))
(check "parse" (equal? (map netbench-parse '("sink 12" "pingpong 0" "sink" "sink -1" "drain 3" "source x"))
                       '((sink . 12) (pingpong . 0) #f #f #f #f)))
(display (if (= mock-failed 0) "NETBENCH-SERVER MOCK PASS" "NETBENCH-SERVER MOCK FAIL")) (newline)
