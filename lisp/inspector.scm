;; inspector.scm -- the memory inspector as a web page (docs/inspector.md, "The web service"):
;; a JSON encoder, an HTTP/1.1 server over any pair of binary ports, the routes over the
;; inspector's primitives, and the service (a listener, a thread per connection, one worker).
;; Embedded in the image by gen_builtin.sh; (load-builtin "inspector") defines it all. Only the
;; existing primitives are called, so the service stops no CPU. Every bound is a define below.
;; Invariants: a connection's work is bounded (request size, requests per connection, a
;; deadline per phase); the handle table and the connection slots are written by one thread
;; each (handles: the worker; slots: the listener claims, the connection clears).

(define http-max-line 4096)         ; bytes of the request line (else 414)
(define http-max-head 8192)         ; bytes of the request line and headers together (else 431)
(define http-max-headers 64)        ; header lines (else 431)
(define http-max-body 65536)        ; Content-Length accepted, read and dropped (else 413)
(define http-max-requests 1000)     ; requests on one connection before it is closed
(define inspector-timeout-s 10)     ; a request must arrive, and a response go, within this
(define inspector-max-conns 8)      ; connections served at once (more: 503 and close)
(define inspector-handle-max 256)   ; objects the browser can name (ring: the oldest goes)

;; ---- JSON (RFC 8259) ----
;; #t #f, exact integers, strings, symbols and characters (as strings), json-null, vectors and
;; lists (arrays), json-object records and non-empty association lists whose keys are all
;; symbols or strings (objects, in their order). Anything else is an error.

(define-record-type json-null-type (%make-json-null) json-null?)
(define json-null (%make-json-null))
(define-record-type json-object-type (json-object alist) json-object? (alist json-object-alist))

(define (json-alist? x)
  (and (pair? x)
       (let loop ((l x))
         (cond ((null? l) #t)
               ((and (pair? l) (pair? (car l)) (or (symbol? (caar l)) (string? (caar l))))
                (loop (cdr l)))
               (else #f)))))

(define (json-hex4 n)
  (let ((s (number->string n 16)))
    (string-append (make-string (- 4 (string-length s)) #\0) s)))

(define (json-write-string s port)
  (write-char #\" port)
  (string-for-each
   (lambda (c)
     (let ((n (char->integer c)))
       (cond ((char=? c #\") (write-string "\\\"" port))
             ((char=? c #\\) (write-string "\\\\" port))
             ((= n 10) (write-string "\\n" port))
             ((= n 13) (write-string "\\r" port))
             ((= n 9) (write-string "\\t" port))
             ((= n 8) (write-string "\\b" port))
             ((= n 12) (write-string "\\f" port))
             ((or (< n 32) (= n 127) (= n #x2028) (= n #x2029))
              (write-string "\\u" port) (write-string (json-hex4 n) port))
             (else (write-char c port)))))
   s)
  (write-char #\" port))

(define (json-write-members alist port)
  (write-char #\{ port)
  (let loop ((l alist) (first #t))
    (when (pair? l)
      (unless first (write-char #\, port))
      (let ((k (caar l)))
        (json-write-string (if (symbol? k) (symbol->string k) k) port))
      (write-char #\: port)
      (json-write (cdar l) port)
      (loop (cdr l) #f)))
  (write-char #\} port))

(define (json-write-elements l port)
  (write-char #\[ port)
  (let loop ((l l) (first #t))
    (cond ((pair? l)
           (unless first (write-char #\, port))
           (json-write (car l) port)
           (loop (cdr l) #f))
          ((not (null? l)) (error "json: improper list" l))))
  (write-char #\] port))

(define (json-write x port)
  (cond ((eq? x #t) (write-string "true" port))
        ((eq? x #f) (write-string "false" port))
        ((json-null? x) (write-string "null" port))
        ((exact-integer? x) (write-string (number->string x) port))
        ((string? x) (json-write-string x port))
        ((symbol? x) (json-write-string (symbol->string x) port))
        ((char? x) (json-write-string (string x) port))
        ((json-object? x)
         (if (json-alist? (json-object-alist x))
             (json-write-members (json-object-alist x) port)
             (write-string "{}" port)))
        ((json-alist? x) (json-write-members x port))
        ((or (null? x) (pair? x)) (json-write-elements x port))
        ((vector? x) (json-write-elements (vector->list x) port))
        (else (error "json: cannot encode" x))))

(define (json-encode x)
  (let ((p (open-output-string)))
    (json-write x p)
    (get-output-string p)))

;; ---- HTTP/1.1 requests (RFC 9112), read from a binary port ----

(define-record-type http-request
  (make-http-request method target path query version headers)
  http-request?
  (method http-request-method) (target http-request-target) (path http-request-path)
  (query http-request-query) (version http-request-version) (headers http-request-headers))

;; A request that cannot be served: its status, the reason, and the connection is closed.
(define-record-type http-error-type (http-error status reason) http-error?
  (status http-error-status) (reason http-error-reason))

;; One line, at most limit bytes before its LF (a CR before the LF is dropped), its bytes as
;; the characters U+0000..U+00FF. The eof object if the port ends first, 'truncated if it ends
;; inside the line, 'too-long past the limit (the rest of the line is left unread).
(define (http-read-line port limit)
  (let ((out (open-output-string)))
    (let loop ((n 0) (cr #f))
      (let ((b (read-u8 port)))
        (cond ((eof-object? b) (if (and (= n 0) (not cr)) b 'truncated))
              ((= b 10) (get-output-string out))
              (else
               (when cr (write-char #\return out))
               (let ((n (if cr (+ n 1) n)))
                 (cond ((= b 13) (loop n #t))
                       ((>= n limit) 'too-long)
                       (else (write-char (integer->char b) out) (loop (+ n 1) #f))))))))))

(define (http-split s c)
  (let loop ((i 0) (start 0) (acc '()))
    (cond ((= i (string-length s)) (reverse (cons (substring s start i) acc)))
          ((char=? (string-ref s i) c) (loop (+ i 1) (+ i 1) (cons (substring s start i) acc)))
          (else (loop (+ i 1) start acc)))))

(define (http-index s c)
  (let loop ((i 0))
    (cond ((= i (string-length s)) #f)
          ((char=? (string-ref s i) c) i)
          (else (loop (+ i 1))))))

(define (http-trim s)
  (let* ((ws? (lambda (c) (or (char=? c #\space) (char=? c #\tab))))
         (n (string-length s))
         (a (let loop ((i 0)) (if (and (< i n) (ws? (string-ref s i))) (loop (+ i 1)) i)))
         (b (let loop ((i n)) (if (and (> i a) (ws? (string-ref s (- i 1)))) (loop (- i 1)) i))))
    (substring s a b)))

;; tchar of RFC 9110 5.6.2
(define (http-token? s)
  (and (> (string-length s) 0)
       (let loop ((i 0))
         (or (= i (string-length s))
             (let ((c (string-ref s i)))
               (and (or (char<=? #\a c #\z) (char<=? #\A c #\Z) (char<=? #\0 c #\9)
                        (memv c '(#\! #\# #\$ #\% #\& #\' #\* #\+ #\- #\. #\^ #\_ #\` #\| #\~)))
                    (loop (+ i 1))))))))

(define (http-digits? s)
  (and (> (string-length s) 0) (<= (string-length s) 18)
       (let loop ((i 0))
         (or (= i (string-length s))
             (and (char<=? #\0 (string-ref s i) #\9) (loop (+ i 1)))))))

;; Percent-decoding (and + as a space) into a string, #f if it is not UTF-8 or a % is broken.
(define (http-unquote s)
  (let ((out (open-output-bytevector)) (n (string-length s)))
    (let loop ((i 0))
      (if (= i n)
          (guard (e (#t #f)) (utf8->string (get-output-bytevector out)))
          (let ((c (string-ref s i)))
            (cond ((char=? c #\+) (write-u8 32 out) (loop (+ i 1)))
                  ((char=? c #\%)
                   (let ((v (and (<= (+ i 3) n) (string->number (substring s (+ i 1) (+ i 3)) 16))))
                     (if (and v (exact-integer? v) (<= 0 v 255) (char-alphabetic-or-digit? (string-ref s (+ i 1))))
                         (begin (write-u8 v out) (loop (+ i 3)))
                         #f)))
                  ((> (char->integer c) 127) #f)
                  (else (write-u8 (char->integer c) out) (loop (+ i 1)))))))))

(define (char-alphabetic-or-digit? c)
  (or (char<=? #\a c #\f) (char<=? #\A c #\F) (char<=? #\0 c #\9)))

;; "a=1&b=x%20y" -> (("a" . "1") ("b" . "x y")), #f if a part does not decode
(define (http-parse-query q)
  (let loop ((parts (if (string=? q "") '() (http-split q #\&))) (acc '()))
    (if (null? parts)
        (reverse acc)
        (let* ((p (car parts)) (i (http-index p #\=))
               (k (http-unquote (if i (substring p 0 i) p)))
               (v (http-unquote (if i (substring p (+ i 1) (string-length p)) ""))))
          (and k v (loop (cdr parts) (cons (cons k v) acc)))))))

;; A request line and its header lines (strings) -> an http-request or an http-error.
(define (http-parse-head line header-lines)
  (let ((parts (http-split line #\space)))
    (if (not (= (length parts) 3))
        (http-error 400 "malformed request line")
        (let ((method (car parts)) (target (cadr parts)) (version (caddr parts)))
          (cond ((not (http-token? method)) (http-error 400 "malformed method"))
                ((not (and (= (string-length version) 8) (string=? (substring version 0 5) "HTTP/")
                           (char<=? #\0 (string-ref version 5) #\9) (char=? (string-ref version 6) #\.)
                           (char<=? #\0 (string-ref version 7) #\9)))
                 (http-error 400 "malformed version"))
                ((not (string=? (substring version 0 6) "HTTP/1"))
                 (http-error 505 "only HTTP/1.x"))
                ((or (= (string-length target) 0) (not (char=? (string-ref target 0) #\/))
                     (let loop ((i 0))
                       (and (< i (string-length target))
                            (let ((n (char->integer (string-ref target i))))
                              (or (<= n 32) (>= n 127) (loop (+ i 1)))))))
                 (http-error 400 "malformed target"))
                (else
                 (let* ((q (http-index target #\?))
                        (path (if q (substring target 0 q) target))
                        (query (http-parse-query (if q (substring target (+ q 1) (string-length target)) ""))))
                   (if (not query)
                       (http-error 400 "malformed query")
                       (let loop ((ls header-lines) (acc '()))
                         (if (null? ls)
                             (http-check-headers
                              (make-http-request method target path query version (reverse acc)))
                             (let* ((l (car ls)) (c (http-index l #\:)))
                               (cond ((not c) (http-error 400 "malformed header"))
                                     ((not (http-token? (substring l 0 c)))
                                      (http-error 400 "malformed header name"))
                                     (else
                                      (loop (cdr ls)
                                            (cons (cons (string-downcase (substring l 0 c))
                                                        (http-trim (substring l (+ c 1) (string-length l))))
                                                  acc)))))))))))))))

(define (http-header req name)
  (let ((p (assoc name (http-request-headers req))))
    (and p (cdr p))))

(define (http-headers-all req name)
  (let loop ((l (http-request-headers req)) (acc '()))
    (cond ((null? l) (reverse acc))
          ((string=? (caar l) name) (loop (cdr l) (cons (cdar l) acc)))
          (else (loop (cdr l) acc)))))

;; Content-Length once (or repeated with one value), no Transfer-Encoding, a Host on 1.1.
(define (http-check-headers req)
  (let ((lens (http-headers-all req "content-length")))
    (cond ((and (string=? (http-request-version req) "HTTP/1.1") (null? (http-headers-all req "host")))
           (http-error 400 "no Host header"))
          ((pair? (http-headers-all req "host")) (if (pair? (cdr (http-headers-all req "host")))
                                                     (http-error 400 "two Host headers")
                                                     (http-check-length req lens)))
          (else (http-check-length req lens)))))

(define (http-check-length req lens)
  (cond ((http-header req "transfer-encoding") (http-error 501 "Transfer-Encoding is not supported"))
        ((null? lens) req)
        ((not (every http-digits? lens)) (http-error 400 "malformed Content-Length"))
        ((not (every (lambda (l) (= (string->number l) (string->number (car lens)))) lens))
         (http-error 400 "conflicting Content-Length"))
        ((> (string->number (car lens)) http-max-body) (http-error 413 "body too large"))
        (else req)))

(define (http-body-length req)
  (let ((l (http-header req "content-length")))
    (if l (string->number l) 0)))

;; Does the client keep the connection (1.1 unless "close", 1.0 only with "keep-alive")?
(define (http-keep-alive? req)
  (let* ((c (http-header req "connection"))
         (tokens (if c (map (lambda (t) (string-downcase (http-trim t))) (http-split c #\,)) '())))
    (if (string=? (http-request-version req) "HTTP/1.0")
        (and (member "keep-alive" tokens) #t)
        (not (member "close" tokens)))))

;; The next request on port: an http-request (its body read and dropped), an http-error, or the
;; eof object when the port ends before a request begins. Up to 4 empty lines before the request
;; line are skipped (RFC 9112 2.2).
(define (http-read-request port)
  (let skip ((n 0))
    (let ((line (http-read-line port http-max-line)))
      (cond ((eof-object? line) line)
            ((eq? line 'truncated) (http-error 400 "truncated request"))
            ((eq? line 'too-long) (http-error 414 "request line too long"))
            ((and (string=? line "") (< n 4)) (skip (+ n 1)))
            (else (http-read-headers port line))))))

(define (http-read-headers port line)
  (let loop ((acc '()) (used (string-length line)) (count 0))
    (let ((h (http-read-line port (max 0 (- http-max-head used)))))
      (cond ((or (eof-object? h) (eq? h 'truncated)) (http-error 400 "truncated request"))
            ((eq? h 'too-long) (http-error 431 "headers too large"))
            ((string=? h "")
             (let ((r (http-parse-head line (reverse acc))))
               (if (http-error? r) r (http-read-body port r))))
            ((>= count http-max-headers) (http-error 431 "too many headers"))
            ((memv (string-ref h 0) '(#\space #\tab)) (http-error 400 "obsolete line folding"))
            (else (loop (cons h acc) (+ used (string-length h)) (+ count 1)))))))

(define (http-read-body port req)
  (let ((n (http-body-length req)))
    (if (= n 0)
        req
        (let ((b (read-bytevector n port)))
          (if (and (bytevector? b) (= (bytevector-length b) n))
              req
              (http-error 400 "truncated body"))))))

;; ---- responses ----

(define http-reasons
  '((200 . "OK") (400 . "Bad Request") (404 . "Not Found") (405 . "Method Not Allowed")
    (410 . "Gone") (413 . "Content Too Large") (414 . "URI Too Long")
    (431 . "Request Header Fields Too Large") (500 . "Internal Server Error")
    (501 . "Not Implemented") (503 . "Service Unavailable") (505 . "HTTP Version Not Supported")))

;; The response's bytes: status line, headers (always Content-Length), then the body unless
;; head? (the answer to HEAD: the same headers, no body).
(define (http-response status content-type body extra-headers keep? head?)
  (let* ((bv (string->utf8 body))
         (p (assv status http-reasons))
         (head (string-append
                "HTTP/1.1 " (number->string status) " " (if p (cdr p) "Unknown") "\r\n"
                "Server: lispos-inspector\r\n"
                "Content-Type: " content-type "\r\n"
                "Content-Length: " (number->string (bytevector-length bv)) "\r\n"
                "Cache-Control: no-store\r\n"
                "X-Content-Type-Options: nosniff\r\n"
                (apply string-append
                       (map (lambda (h) (string-append (car h) ": " (cdr h) "\r\n")) extra-headers))
                "Connection: " (if keep? "keep-alive" "close") "\r\n\r\n")))
    (if head?
        (string->utf8 head)
        (bytevector-append (string->utf8 head) bv))))

(define (http-error-body status reason)
  (json-encode (list (cons 'status status) (cons 'error reason))))

;; Serve requests from in to out until the client closes, asks to close, or errs. handle takes
;; an http-request and returns (status content-type body extra-headers). touch is called when
;; a phase begins (reading a request, writing a response): the caller's deadline. Returns the
;; number of requests answered.
(define (http-serve in out handle touch)
  (let loop ((n 0))
    (touch)
    (let ((r (http-read-request in)))
      (cond ((eof-object? r) n)
            ((http-error? r)
             (touch)
             (write-bytevector
              (http-response (http-error-status r) "application/json"
                             (http-error-body (http-error-status r) (http-error-reason r)) '() #f #f)
              out)
             (flush-output-port out)
             (+ n 1))
            (else
             (let* ((keep (and (http-keep-alive? r) (< (+ n 1) http-max-requests)))
                    (res (handle r)))
               (touch)
               (write-bytevector
                (http-response (car res) (cadr res) (caddr res) (cadddr res) keep
                               (string=? (http-request-method r) "HEAD"))
                out)
               (flush-output-port out)
               (if keep (loop (+ n 1)) (+ n 1))))))))

;; ---- handles: small integers naming objects across requests ----
;; A ring of inspector-handle-max slots, each (id . object): handle id lives in slot id mod max
;; until a later handle takes the slot. The table holds its objects strongly (they stay alive,
;; and count as references from this CPU's heap, until evicted); asking again for an object
;; still in the table gives its handle back. Only the worker thread touches it.

(define inspector-handles (make-vector inspector-handle-max #f))
(define inspector-next-handle 1)

(define (inspector-handle! x)
  (let loop ((i 0))
    (cond ((= i inspector-handle-max)
           (let ((id inspector-next-handle))
             (set! inspector-next-handle (+ id 1))
             (vector-set! inspector-handles (modulo id inspector-handle-max) (cons id x))
             id))
          ((let ((e (vector-ref inspector-handles i))) (and e (eq? (cdr e) x))) (car (vector-ref inspector-handles i)))
          (else (loop (+ i 1))))))

;; (id . object) or #f if the handle was never given or has been evicted
(define (inspector-handle-ref id)
  (and (exact-integer? id) (> id 0)
       (let ((e (vector-ref inspector-handles (modulo id inspector-handle-max))))
         (and e (= (car e) id) e))))

;; ---- a bounded printed form: at most a few dozen elements and characters, any object ----

(define (inspector-type x) (cdr (assq 'type (inspect x))))

;; A view ((view? x): what referrers, xrefs and inspect-field hand over for a pair, vector, ...
;; that may be the interpreter's own) is read through inspect-field, as the object it shows;
;; a field it does not show (code, a stack, the C part's bytes) reads as inspector-hidden.
(define inspector-hidden (list 'hidden))
(define (inspector-field x i) (guard (e (#t inspector-hidden)) (inspect-field x i)))
(define (inspector-pair? x) (or (pair? x) (and (view? x) (eq? (inspector-type x) 'pair))))
(define (inspector-car x) (if (pair? x) (car x) (inspector-field x 0)))
(define (inspector-cdr x) (if (pair? x) (cdr x) (inspector-field x 1)))
(define (inspector-vector? x) (or (vector? x) (and (view? x) (eq? (inspector-type x) 'vector))))
(define (inspector-vector-length x)
  (if (vector? x) (vector-length x) (cdr (assq 'length (inspect x)))))
(define (inspector-vector-ref x i) (if (vector? x) (vector-ref x i) (inspector-field x i)))
;; a string seen through a view: its first characters, as inspect lists them; #f if not one
(define (inspector-view-string x)
  (and (view? x)
       (let ((a (inspect x)))
         (and (eq? (cdr (assq 'type a)) 'string)
              (let ((s (list->string (map caddr (cdr (assq 'fields a))))))
                (if (> (cdr (assq 'more a)) 0) (string-append s "...") s))))))

(define (inspector-summary x)
  (let ((out (open-output-string)) (budget 24))
    (let show ((x x) (depth 0))
      (set! budget (- budget 1))
      (cond ((<= budget 0) (write-string "..." out))
            ((string? x)
             (if (> (string-length x) 60)
                 (begin (write (substring x 0 60) out) (write-string "..." out))
                 (write x out)))
            ((symbol? x)
             (let ((s (symbol->string x)))
               (write-string (if (> (string-length s) 60) (string-append (substring s 0 60) "...") s) out)))
            ((exact-integer? x)             ; a huge one is not worth its digits here
             (if (< (abs x) (expt 10 100)) (write x out) (write-string "#<bignum>" out)))
            ((or (boolean? x) (char? x) (null? x)) (write x out))
            ((eq? x inspector-hidden) (write-string "#<?>" out))
            ((inspector-view-string x) => (lambda (s) (show s depth)))
            ((inspector-pair? x)
             (if (> depth 2)
                 (write-string "(...)" out)
                 (begin
                   (write-char #\( out)
                   (let loop ((l x) (i 0))
                     (cond ((or (>= i 6) (<= budget 0)) (write-string " ..." out))
                           (else
                            (unless (= i 0) (write-char #\space out))
                            (show (inspector-car l) (+ depth 1))
                            (let ((d (inspector-cdr l)))
                              (cond ((null? d))
                                    ((inspector-pair? d) (loop d (+ i 1)))
                                    (else (write-string " . " out) (show d (+ depth 1))))))))
                   (write-char #\) out))))
            ((inspector-vector? x)
             (if (> depth 2)
                 (write-string "#(...)" out)
                 (begin
                   (write-string "#(" out)
                   (let loop ((i 0))
                     (cond ((= i (inspector-vector-length x)))
                           ((or (>= i 6) (<= budget 0)) (write-string " ..." out))
                           (else (unless (= i 0) (write-char #\space out))
                                 (show (inspector-vector-ref x i) (+ depth 1))
                                 (loop (+ i 1)))))
                   (write-char #\) out))))
            ((bytevector? x)
             (write-string "#u8(" out)
             (let loop ((i 0))
               (cond ((= i (bytevector-length x)))
                     ((>= i 8) (write-string " ..." out))
                     (else (unless (= i 0) (write-char #\space out))
                           (write (bytevector-u8-ref x i) out)
                           (loop (+ i 1)))))
             (write-char #\) out))
            ((procedure? x)
             (let ((n (guard (e (#t #f)) (procedure-name x))))
               (write-string "#<procedure" out)
               (when (symbol? n) (write-char #\space out) (write-string (symbol->string n) out))
               (write-char #\> out)))
            (else (write-string "#<" out) (write-string (symbol->string (inspector-type x)) out)
                  (write-char #\> out))))
    (get-output-string out)))

;; The object behind a handle: (inspect obj) as JSON, each field with its printed form and, for
;; the fields that are objects of a pair, vector, closure, symbol, box or record, a handle to
;; follow.
(define (inspector-describe id x)
  (let* ((info (inspect x))
         (get (lambda (k) (cdr (assq k info))))
         ;; a field's value, by inspect-field (closures, records, symbols and boxes too);
         ;; #f where the field holds what a program may not have (compiled code, a stack)
         (field-object (lambda (i) (guard (e (#t #f)) (list (inspect-field x i)))))
         (followable? (memq (get 'type) '(pair vector closure symbol box record))))
    (list (cons 'id id)
          (cons 'type (get 'type))
          (cons 'summary (inspector-summary x))
          (cons 'view (get 'view))
          (cons 'bytes (get 'bytes))
          (cons 'length (get 'length))
          (cons 'more (get 'more))
          (cons 'cpu (or (get 'cpu) json-null))
          (cons 'generation (get 'generation))
          (cons 'shared (get 'shared))
          (cons 'remote-count (get 'remote-count))
          (cons 'fields
                (map (lambda (f)
                       (let ((i (car f)) (type (cadr f)))
                         (if (= (length f) 3)        ; (index type value): an immediate
                             (json-object (list (cons 'index i) (cons 'type type)
                                                (cons 'summary (inspector-summary (caddr f)))))
                             (let ((v (and followable? (field-object i))))   ; (value) or #f
                               (json-object
                                (list (cons 'index i) (cons 'type type) (cons 'bytes (cadddr f))
                                      (cons 'summary (if v (inspector-summary (car v))
                                                         (string-append "#<" (symbol->string type) ">")))
                                      (cons 'id (if v (inspector-handle! (car v)) json-null))))))))
                     (get 'fields))))))

;; ---- routes ----

(define (inspector-json x) (list 200 "application/json" (json-encode x) '()))
(define (inspector-fail status msg)
  (list status "application/json" (http-error-body status msg) '()))

;; ?cpu=N, a CPU online; else #f
(define (inspector-cpu-param req)
  (let* ((p (assoc "cpu" (http-request-query req)))
         (n (and p (http-digits? (cdr p)) (string->number (cdr p)))))
    (and n (< n (ncpus)) n)))

(define (inspector-xrefs)
  (let ((x (xrefs)))
    (map (lambda (p)
           (if (eq? (car p) 'top)
               (cons 'top
                     (map (lambda (t)         ; (count cpu type object)
                            (json-object (list (cons 'count (car t)) (cons 'cpu (cadr t))
                                               (cons 'type (caddr t))
                                               (cons 'id (inspector-handle! (cadddr t)))
                                               (cons 'summary (inspector-summary (cadddr t))))))
                          (cdr p)))
               p))
         x)))

;; thread ids of the service's own threads -> their roles
(define inspector-roles '())

(define (inspector-threads)
  (map (lambda (t)
         (let ((r (assv (cdr (assq 'id t)) inspector-roles)))
           (append t (list (cons 'role (if r (cdr r) json-null))))))
       (threads)))

(define (inspector-pauses cpu)
  (map (lambda (b)   ; (bucket lo-ns hi-ns minor major)
         (json-object (list (cons 'bucket (car b)) (cons 'lo-ns (cadr b)) (cons 'hi-ns (caddr b))
                            (cons 'minor (cadddr b)) (cons 'major (car (cddddr b))))))
       (gc-pause-histogram cpu)))

(define (inspector-heap-stats req)
  (let ((cpu (inspector-cpu-param req)))
    (if cpu
        (heap-stats cpu)
        (let loop ((i (- (ncpus) 1)) (acc '()))
          (if (< i 0)
              acc
              (loop (- i 1) (cons (guard (e (#t (json-object (list (cons 'cpu i)))))
                                    (heap-stats i))
                                  acc)))))))

;; Who holds the object behind a handle ((referrers x)), without the inspector's own holders:
;; its handle table and the table's (id . x) pairs. Each holder with its printed form and a
;; handle when it is handed over, itself or as a view (else only where it is: a thread's stack,
;; a box, another CPU's private object).
(define (inspector-own-holder? h)
  (and (view? h)
       (or (view-of? h inspector-handles)
           (let ((id (and (eq? (inspector-type h) 'pair) (inspector-field h 0))))
             (and (exact-integer? id)
                  (let ((e (inspector-handle-ref id))) (and e (view-of? h e))))))))

(define (inspector-referrers id x)
  (let loop ((rs (referrers x)) (acc '()))
    (if (null? rs)
        (list (cons 'id id) (cons 'summary (inspector-summary x)) (cons 'referrers (reverse acc)))
        (let* ((e (car rs)) (get (lambda (k) (cdr (assq k e)))) (h (get 'holder)))
          (loop (cdr rs)
                (if (and h (inspector-own-holder? h))
                    acc
                    (cons (json-object
                           (list (cons 'cpu (get 'cpu)) (cons 'type (get 'type)) (cons 'field (get 'field))
                                 (cons 'generation (get 'generation)) (cons 'shared (get 'shared))
                                 (cons 'summary (if h (inspector-summary h)
                                                    (string-append "#<" (symbol->string (get 'type)) ">")))
                                 (cons 'id (if h (inspector-handle! h) json-null))))
                          acc)))))))

(define inspector-missing (list 'missing))   ; a value no global can have

(define (inspector-global name)
  (let ((v (guard (e (#t inspector-missing))
             (eval (string->symbol name) (interaction-environment)))))
    (if (eq? v inspector-missing)
        (inspector-fail 404 (string-append "no global named " name))
        (inspector-json (append (list (cons 'name name)) (inspector-describe (inspector-handle! v) v))))))

(define (inspector-route req)
  (let ((path (http-request-path req))
        (param (lambda (k) (let ((p (assoc k (http-request-query req)))) (and p (cdr p))))))
    (cond ((not (member (http-request-method req) '("GET" "HEAD")))
           (list 405 "application/json" (http-error-body 405 "only GET and HEAD")
                 '(("Allow" . "GET, HEAD"))))
          ((member path '("/" "/index.html"))
           (list 200 "text/html; charset=utf-8" inspector-page
                 '(("Content-Security-Policy" .
                    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"))))
          ((string=? path "/api/gc-stats") (inspector-json (gc-stats)))
          ((string=? path "/api/heap-stats") (inspector-json (inspector-heap-stats req)))
          ((string=? path "/api/xrefs") (inspector-json (inspector-xrefs)))
          ((string=? path "/api/threads") (inspector-json (inspector-threads)))
          ((member path '("/api/heap-map" "/api/pauses"))
           (let ((cpu (inspector-cpu-param req)))
             (cond ((not cpu) (inspector-fail 400 "cpu=N, a CPU online, is required"))
                   ((string=? path "/api/heap-map") (inspector-json (heap-map cpu)))
                   (else (inspector-json (inspector-pauses cpu))))))
          ((string=? path "/api/object")
           (let* ((s (param "id")) (e (and s (http-digits? s) (inspector-handle-ref (string->number s)))))
             (cond ((not (and s (http-digits? s))) (inspector-fail 400 "id=N is required"))
                   ((not e) (inspector-fail 404 "no such handle (evicted or never given)"))
                   (else (inspector-json (inspector-describe (car e) (cdr e)))))))
          ((string=? path "/api/referrers")
           (let* ((s (param "id")) (e (and s (http-digits? s) (inspector-handle-ref (string->number s)))))
             (cond ((not (and s (http-digits? s))) (inspector-fail 400 "id=N is required"))
                   ((not e) (inspector-fail 404 "no such handle (evicted or never given)"))
                   (else (inspector-json (inspector-referrers (car e) (cdr e)))))))
          ((string=? path "/api/global")
           (let ((n (param "name")))
             (if (and n (> (string-length n) 0) (< (string-length n) 256))
                 (inspector-global n)
                 (inspector-fail 400 "name=... is required"))))
          (else (inspector-fail 404 "no such page")))))

;; The route, with any error of a primitive or of the encoder as a 500.
(define (inspector-handle req)
  (guard (e (#t (inspector-fail 500 (if (error-object? e)
                                        (inspector-summary (cons (error-object-message e)
                                                                 (error-object-irritants e)))
                                        (inspector-summary e)))))
    (inspector-route req)))

;; ---- the service ----
;; The listener accepts (with a 500 ms timeout, so it also watches the deadlines), claims a
;; connection slot and spawns the connection's thread on its own CPU. A connection's thread
;; reads and writes; the request itself is answered by the one worker thread, through a
;; channel, so the primitives are called one request at a time however many clients there are.
;; A connection past its deadline is closed by the listener, which ends its thread's read or
;; write.

(define (inspector-now) (current-jiffy))
(define (inspector-deadline) (+ (current-jiffy) (* inspector-timeout-s (jiffies-per-second))))

(define (inspector-worker ch)
  (let loop ()
    (let ((m (channel-receive ch)))          ; (request . reply-channel)
      (channel-send (cdr m) (inspector-handle (car m)))
      (loop))))

(define (inspector-connection c slot work)
  (let ((reply (make-channel)))
    (guard (e (#t #f))
      (http-serve (connection-input c) (connection-output c)
                  (lambda (req) (channel-send work (cons req reply)) (channel-receive reply))
                  (lambda () (vector-set! slot 1 (inspector-deadline)))))
    (guard (e (#t #f)) (tcp-close c))
    (vector-set! slot 0 #f)))

(define (inspector-refuse c)
  (guard (e (#t #f))
    (write-bytevector (http-response 503 "application/json" (http-error-body 503 "too many connections")
                                     '() #f #f)
                      (connection-output c))
    (flush-output-port (connection-output c)))
  (guard (e (#t #f)) (tcp-close c)))

;; Serve on port (default: boot option inspector_port, else 80) from this thread's CPU.
(define (inspector-serve . port)
  (let* ((opt (get-environment-variable "inspector_port"))
         (port (cond ((pair? port) (car port))
                     ((and opt (http-digits? opt)) (string->number opt))
                     (else 80)))
         (cpu (cpu-id))
         (l (tcp-listen port 16))
         (work (make-channel))
         (slots (let ((v (make-vector inspector-max-conns #f)))
                  (do ((i 0 (+ i 1))) ((= i inspector-max-conns) v)
                    (vector-set! v i (vector #f 0)))))   ; #(connection deadline)
         (worker (spawn (lambda () (inspector-worker work)) cpu 10)))
    (set! inspector-roles (list (cons (thread-id) 'inspector-listener)
                                (cons (thread-id worker) 'inspector-worker)))
    (let loop ()
      (let ((c (guard (e (#t (sleep 500) #f)) (tcp-accept l 500)))   ; an error: no busy loop
            (now (inspector-now)))
        (vector-for-each
         (lambda (s)
           (when (and (vector-ref s 0) (> now (vector-ref s 1)))
             (let ((old (vector-ref s 0)))
               (vector-set! s 1 (+ now (jiffies-per-second)))   ; once a second at most
               (guard (e (#t #f)) (tcp-close old)))))
         slots)
        (when c
          (let find ((i 0))
            (cond ((= i inspector-max-conns) (inspector-refuse c))
                  ((vector-ref (vector-ref slots i) 0) (find (+ i 1)))
                  (else
                   (let ((s (vector-ref slots i)))
                     (vector-set! s 1 (inspector-deadline))
                     (vector-set! s 0 c)
                     (unless (guard (e (#t #f)) (spawn (lambda () (inspector-connection c s work)) cpu 10))
                       (vector-set! s 0 #f)
                       (guard (e (#t #f)) (tcp-close c))))))))
        (loop)))))
