;;; prelude.scm -- the part of the Scheme library written in Scheme: everything that calls a
;;; procedure argument (so no C frame waits on Scheme code), dynamic-wind and continuations,
;;; exceptions, and the derived syntax defined with syntax-rules.
;;; Embedded into the interpreter as lisp/prelude.c by lisp/gen_prelude.sh; edit this file.

;; --- continuations and dynamic-wind ---

;; (%mv-call thunk) calls thunk and lets its values through where one value is expected (the
;; compiler marks the call's frame: lisp/compile.h RET_MV); every other call site that is not
;; a discarded position takes exactly one value
(define (%mv-call thunk) (thunk))

(define (%rewind to)
  (let* ((from (%winds))
         (lf (length from))
         (lt (length to))
         (common (let loop ((f (if (> lf lt) (list-tail from (- lf lt)) from))
                            (t (if (> lt lf) (list-tail to (- lt lf)) to)))
                   (if (eq? f t) f (loop (cdr f) (cdr t))))))
    (let up ((w from))
      (if (not (eq? w common))
          (begin (%mask-interrupts!) (%set-winds! (cdr w)) ((cdar w)) (%unmask-interrupts!)
                 (up (cdr w)))))
    (let down ((w to))
      (if (not (eq? w common))
          (begin (down (cdr w))
                 (%mask-interrupts!) ((caar w)) (%set-winds! w) (%unmask-interrupts!))))))

;; before and after run with interrupts held (lisp.h), so an interrupt never lands between
;; an extent's entry or exit and its bookkeeping: exits always run
(define (dynamic-wind before thunk after)
  (%mask-interrupts!)
  (before)
  (%set-winds! (cons (cons before after) (%winds)))
  (%unmask-interrupts!)
  (let ((v (%mv-call thunk)))
    (%mask-interrupts!)
    (%set-winds! (cdr (%winds)))
    (after)
    (%unmask-interrupts!)
    v))

(define (call-with-current-continuation f)
  (%call/cc
   (lambda (k)
     (f (lambda vals
          (%rewind (%cont-winds k))
          (%resume k (if (and (pair? vals) (null? (cdr vals)))
                          (car vals)
                          (%mv-call (lambda () (apply values vals))))))))))

(define call/cc call-with-current-continuation)

(define (call-with-values producer consumer)
  (let ((v (%mv-call producer)))
    (if (%values? v) (apply consumer (%values->list v)) (consumer v))))

;; --- exceptions ---

(define (with-exception-handler handler thunk)
  (let ((hs (%handlers)))
    (%set-handlers! (cons handler hs))
    (let ((v (%mv-call thunk)))
      (%set-handlers! hs)
      v)))

(define (raise obj)
  (let ((hs (%handlers)))
    (if (null? hs) (%abort obj))
    (%set-handlers! (cdr hs))
    ((car hs) obj)
    (raise (%make-error "exception handler returned from a non-continuable raise:" (list obj)))))

(define (raise-continuable obj)
  (let ((hs (%handlers)))
    (if (null? hs) (%abort obj))
    (%set-handlers! (cdr hs))
    (let ((v (%mv-call (lambda () ((car hs) obj)))))	; the handler's values are raise's
      (%set-handlers! hs)
      v)))

(define (error msg . irritants)
  (raise (%make-error (if (string? msg)
                          msg
                          (let ((p (open-output-string))) (display msg p) (get-output-string p)))
                      irritants)))

(define-syntax guard
  (syntax-rules ()
    ((_ (var clause ...) e1 e2 ...)
     ((call/cc
       (lambda (guard-k)
         (with-exception-handler
          (lambda (condition)
            ((call/cc
              (lambda (handler-k)
                (guard-k
                 (lambda ()
                   (let ((var condition))
                     (%guard-aux
                      (handler-k (lambda () (raise-continuable condition)))
                      clause ...))))))))
          (lambda ()
            (call-with-values
             (lambda () e1 e2 ...)
             (lambda args (guard-k (lambda () (apply values args)))))))))))))

(define-syntax %guard-aux
  (syntax-rules (else =>)
    ((_ reraise (else result1 result2 ...))
     (begin result1 result2 ...))
    ((_ reraise (test => result))
     (let ((temp test)) (if temp (result temp) reraise)))
    ((_ reraise (test => result) clause1 clause2 ...)
     (let ((temp test)) (if temp (result temp) (%guard-aux reraise clause1 clause2 ...))))
    ((_ reraise (test))
     (or test reraise))
    ((_ reraise (test) clause1 clause2 ...)
     (let ((temp test)) (if temp temp (%guard-aux reraise clause1 clause2 ...))))
    ((_ reraise (test result1 result2 ...))
     (if test (begin result1 result2 ...) reraise))
    ((_ reraise (test result1 result2 ...) clause1 clause2 ...)
     (if test (begin result1 result2 ...) (%guard-aux reraise clause1 clause2 ...)))))

;; --- multiple values, parameters, case-lambda, promises ---

(define-syntax let*-values
  (syntax-rules ()
    ((_ () body ...) (let () body ...))
    ((_ ((formals expr) rest ...) body ...)
     (call-with-values (lambda () expr)
       (lambda formals (let*-values (rest ...) body ...))))))

;; let-values evaluates every init before it binds anything (let*-values binds in turn): each
;; init's values go to a list in a hidden variable, then the formals take them, left to right
(define-syntax let-values
  (syntax-rules ()
    ((_ bindings body ...) (%let-values-eval bindings () body ...))))

(define-syntax %let-values-eval
  (syntax-rules ()
    ((_ () done body ...) (%let-values-bind done body ...))
    ((_ ((formals expr) rest ...) (done ...) body ...)
     (let ((vals (call-with-values (lambda () expr) list)))
       (%let-values-eval (rest ...) (done ... (formals vals)) body ...)))))

(define-syntax %let-values-bind
  (syntax-rules ()
    ((_ () body ...) (let () body ...))
    ((_ ((formals vals) rest ...) body ...)
     (apply (lambda formals (%let-values-bind (rest ...) body ...)) vals))))

(define (%dv-values vals names dotted)
  (let ((n (length names)) (m (length vals)))
    (if (if dotted (< m n) (not (= m n)))
        (error (string-append "define-values: " (number->string m) " values for "
                              (if dotted "at least " "") (number->string n) " variables")
               names)
        vals)))

(define-syntax define-values
  (syntax-rules ()
    ((_ () expr) (define %unused (%dv-values (call-with-values (lambda () expr) list) '() #f)))
    ((_ (var) expr) (define var expr))
    ((_ (var0 var1 ... varn) expr)
     (begin
       (define var0 (%dv-values (call-with-values (lambda () expr) list) '(var0 var1 ... varn) #f))
       (define var1 (let ((v (cadr var0))) (set-cdr! var0 (cddr var0)) v)) ...
       (define varn (let ((v (cadr var0))) (set! var0 (car var0)) v))))
    ;; dotted formals (proper lists were taken above): the first variable holds the list of
    ;; values while the others take theirs, then its own
    ((_ (var0 var1 ... . rest) expr)
     (begin
       (define var0 (%dv-values (call-with-values (lambda () expr) list) '(var0 var1 ...) #t))
       (define var1 (let ((v (cadr var0))) (set-cdr! var0 (cddr var0)) v)) ...
       (define rest (let ((v (cdr var0))) (set! var0 (car var0)) v))))
    ((_ var expr) (define var (call-with-values (lambda () expr) list)))))

(define (make-parameter init . conv)
  (let* ((converter (if (pair? conv) (car conv) (lambda (x) x)))
         (value (converter init)))
    (lambda args
      (cond ((null? args) value)
            ((eq? (car args) '%param-set) (set! value (cadr args)))
            ((eq? (car args) '%param-convert) (converter (cadr args)))
            (else (error "parameter: bad arguments" args))))))

; every value is evaluated and converted before any parameter is rebound (as let, not let*);
; on the way out the bindings are undone in reverse order (a parameter bound twice gets back
; its outer value)
(define (%parameterize ps vs thunk)
  (let* ((cells (map (lambda (p v) (cons p (p '%param-convert v))) ps vs))
         (rcells (reverse cells)))
    (define (swap! cs)
      (for-each (lambda (c)
                  (let ((old ((car c))))
                    ((car c) '%param-set (cdr c))
                    (set-cdr! c old)))
                cs))
    (dynamic-wind (lambda () (swap! cells)) thunk (lambda () (swap! rcells)))))

(define-syntax parameterize
  (syntax-rules ()
    ((_ () body ...) (let () body ...))
    ((_ ((p v) ...) body ...)
     (%parameterize (list p ...) (list v ...) (lambda () body ...)))))

(define (%case-lambda procs)
  (let ((arities (map %arity procs)))
    (lambda args
      (let ((n (length args)))
        (let loop ((ps procs) (as arities))
          (cond ((null? ps) (error "case-lambda: no clause accepts the arguments" args))
                ((if (cdar as) (>= n (caar as)) (= n (caar as))) (apply (car ps) args))
                (else (loop (cdr ps) (cdr as)))))))))

(define-syntax case-lambda
  (syntax-rules ()
    ((_ (formals body ...) ...)
     (%case-lambda (list (lambda formals body ...) ...)))))

;; --- (import ...) of R7RS programs ---

;; Every standard library's names are global already, and so are those a define-library exports
;; (lisp/expand.c), so importing (scheme ...) and defined libraries is checked (only and except
;; must name exports) and changes nothing; prefix and rename make the new names globals that
;; name what the old ones do (%global-alias!: the same value, or the same special form). A
;; library not defined yet is loaded from the store's file "a/b.sld" for (a b) when there is
;; one (README, "Libraries"); any other is an error.
(define %libraries '())
(define %library-exports '())	; ((name external ...) ...), the newest definition first
(define (%library-register! entry)	; (name export-spec ...), lisp/expand.c library_entry
  (let ((name (car entry))
        (exts (map (lambda (s) (if (pair? s) (caddr s) s)) (cdr entry))))
    (let loop ()	; CPUs may define libraries at once: compare-and-sets, the exports first
      (let ((old %library-exports))
        (if (not (%global-cas! '%library-exports old (cons (cons name exts) old)))
            (loop))))
    (let loop ()
      (let ((old %libraries))
        (if (and (not (member name old)) (not (%global-cas! '%libraries old (cons name old))))
            (loop))))))
;; what each standard library exports (R7RS appendix A)
(define %standard-exports
  '((base * + - ... / < <= = => > >= _ abs and append apply assoc assq assv begin binary-port?
     boolean=? boolean? bytevector bytevector-append bytevector-copy bytevector-copy!
     bytevector-length bytevector-u8-ref bytevector-u8-set! bytevector? caar cadr
     call-with-current-continuation call-with-port call-with-values call/cc car case cdar cddr cdr
     ceiling char->integer char-ready? char<=? char<? char=? char>=? char>? char? close-input-port
     close-output-port close-port complex? cond cond-expand cons current-error-port
     current-input-port current-output-port define define-record-type define-syntax define-values
     denominator do dynamic-wind else eof-object eof-object? eq? equal? eqv? error
     error-object-irritants error-object-message error-object? even? exact exact-integer-sqrt
     exact-integer? exact? expt features file-error? floor floor-quotient floor-remainder floor/
     flush-output-port for-each gcd get-output-bytevector get-output-string guard if include
     include-ci inexact inexact? input-port-open? input-port? integer->char integer? lambda lcm
     length let let* let*-values let-syntax let-values letrec letrec* letrec-syntax list
     list->string list->vector list-copy list-ref list-set! list-tail list? make-bytevector
     make-list make-parameter make-string make-vector map max member memq memv min modulo
     negative? newline not null? number->string number? numerator odd? open-input-bytevector
     open-input-string open-output-bytevector open-output-string or output-port-open? output-port?
     pair? parameterize peek-char peek-u8 port? positive? procedure? quasiquote quote quotient
     raise raise-continuable rational? rationalize read-bytevector read-bytevector! read-char
     read-error? read-line read-string read-u8 real? remainder reverse round set! set-car!
     set-cdr! square string string->list string->number string->symbol string->utf8 string->vector
     string-append string-copy string-copy! string-fill! string-for-each string-length string-map
     string-ref string-set! string<=? string<? string=? string>=? string>? string? substring
     symbol->string symbol=? symbol? syntax-error syntax-rules textual-port? truncate
     truncate-quotient truncate-remainder truncate/ u8-ready? unless unquote unquote-splicing
     utf8->string values vector vector->list vector->string vector-append vector-copy vector-copy!
     vector-fill! vector-for-each vector-length vector-map vector-ref vector-set! vector? when
     with-exception-handler write-bytevector write-char write-string write-u8 zero?)
    (case-lambda case-lambda)
    (char char-alphabetic? char-ci<=? char-ci<? char-ci=? char-ci>=? char-ci>? char-downcase
     char-foldcase char-lower-case? char-numeric? char-upcase char-upper-case? char-whitespace?
     digit-value string-ci<=? string-ci<? string-ci=? string-ci>=? string-ci>? string-downcase
     string-foldcase string-upcase)
    (complex angle imag-part magnitude make-polar make-rectangular real-part)
    (cxr caaaar caaadr caaar caadar caaddr caadr cadaar cadadr cadar caddar cadddr caddr cdaaar
     cdaadr cdaar cdadar cdaddr cdadr cddaar cddadr cddar cdddar cddddr cdddr)
    (eval environment eval)
    (file call-with-input-file call-with-output-file delete-file file-exists?
     open-binary-input-file open-binary-output-file open-input-file open-output-file
     with-input-from-file with-output-to-file)
    (inexact acos asin atan cos exp finite? infinite? log nan? sin sqrt tan)
    (lazy delay delay-force force make-promise promise?)
    (load load)
    (process-context command-line emergency-exit exit get-environment-variable
     get-environment-variables)
    (r5rs * + - ... / < <= = => > >= _ abs acos and angle append apply asin assoc assq assv atan
     begin boolean? caaaar caaadr caaar caadar caaddr caadr caar cadaar cadadr cadar caddar cadddr
     caddr cadr call-with-current-continuation call-with-values car cdaaar cdaadr cdaar cdadar
     cdaddr cdadr cdar cddaar cddadr cddar cdddar cddddr cdddr cddr cdr ceiling char->integer
     char-alphabetic? char-ci<=? char-ci<? char-ci=? char-ci>=? char-ci>? char-downcase
     char-lower-case? char-numeric? char-ready? char-upcase char-upper-case? char-whitespace?
     char<=? char<? char=? char>=? char>? char? complex? cons cos current-input-port
     current-output-port define define-syntax delay denominator display do dynamic-wind else
     eof-object? eq? equal? eqv? eval even? exact->inexact exact? exp expt floor for-each force
     gcd if imag-part inexact->exact inexact? input-port? integer->char integer?
     interaction-environment lambda lcm length let let* let-syntax letrec letrec-syntax list
     list->string list->vector list-ref list-tail list? log magnitude make-polar make-rectangular
     make-string make-vector map max member memq memv min modulo negative? newline not
     null-environment null? number->string number? numerator odd? or output-port? pair? peek-char
     positive? procedure? quasiquote quote quotient rational? rationalize read read-char real-part
     real? remainder reverse round scheme-report-environment set! set-car! set-cdr! sin sqrt
     string string->list string->number string->symbol string-append string-ci<=? string-ci<?
     string-ci=? string-ci>=? string-ci>? string-copy string-fill! string-length string-ref
     string-set! string<=? string<? string=? string>=? string>? string? substring symbol->string
     symbol? syntax-rules tan truncate unquote unquote-splicing values vector vector->list
     vector-fill! vector-length vector-ref vector-set! vector? write write-char zero?)
    (read read)
    (repl interaction-environment)
    (time current-jiffy current-second jiffies-per-second)
    (write display write write-shared write-simple)))
;; the names an import set makes: ((name . the library's name for it) ...)
(define (%import-names set)
  (define (bad) (error "import: bad import set:" set))
  (define (exported name names)
    (if (not (symbol? name)) (bad))
    (or (assq name names) (error "import: not exported by the library:" name set)))
  (if (not (and (list? set) (pair? set))) (bad))
  (case (car set)
    ((only except prefix rename)
     (if (not (pair? (cdr set))) (bad))
     (let ((names (%import-names (cadr set))))
       (case (car set)
         ((only) (map (lambda (n) (exported n names)) (cddr set)))
         ((except) (for-each (lambda (n) (exported n names)) (cddr set))
                   (let loop ((ns names) (acc '()))
                     (cond ((null? ns) (reverse acc))
                           ((memq (caar ns) (cddr set)) (loop (cdr ns) acc))
                           (else (loop (cdr ns) (cons (car ns) acc))))))
         ((prefix) (if (not (and (= (length set) 3) (symbol? (caddr set)))) (bad))
                   (let ((p (symbol->string (caddr set))))
                     (map (lambda (n) (cons (string->symbol (string-append p (symbol->string (car n))))
                                            (cdr n)))
                          names)))
         (else (for-each (lambda (r)
                           (if (not (and (list? r) (= (length r) 2) (symbol? (cadr r)))) (bad))
                           (exported (car r) names))
                         (cddr set))
               (map (lambda (n)
                      (let ((r (assq (car n) (cddr set)))) (if r (cons (cadr r) (cdr n)) n)))
                    names)))))
    (else
     (let ((exts (if (and (= (length set) 2) (eq? (car set) 'scheme))
                     (cdr (assq (cadr set) %standard-exports))
                     (cdr (assoc set %library-exports)))))
       (map (lambda (n) (cons n n)) exts)))))
(define (%import! set)
  (%import-check set)
  (let ((lib (%import-library set)))	; a standard one's names: the system's bindings
    (for-each (lambda (n)
                (if (not (eq? (car n) (cdr n)))
                    (%global-alias! (car n) (cdr n) (and (pair? lib) (eq? (car lib) 'scheme)))))
              (%import-names set))))
;; the import set's library: set without its only, except, prefix and rename
(define (%import-library set)
  (if (and (pair? set) (memq (car set) '(only except prefix rename)) (pair? (cdr set)))
      (%import-library (cadr set))
      set))
(define %library-loading (make-parameter '()))
(define (%define-library-deferred form)	; lisp/expand.c, library_deferred
  (let ((form (%library-includes form)))
    (for-each (lambda (d)
                (if (and (pair? d) (eq? (car d) 'import)) (for-each %import! (cdr d))))
              (cddr form))
    ;; expanded again with its imports done: each import set now its library alone (the new
    ;; names made), so the expander knows them all and does not defer it again
    (eval (cons (car form)
                (cons (cadr form)
                      (map (lambda (d)
                             (if (and (pair? d) (eq? (car d) 'import))
                                 (cons 'import (map %import-library (cdr d)))
                                 d))
                           (cddr form))))
          (interaction-environment))))
;; the data of the store's file name, read folding case when ci (include-ci)
(define (%include-data name ci)
  (define (all-text p)
    (let ((o (open-output-string)))
      (let copy ()
        (let ((c (read-char p)))
          (if (eof-object? c) (get-output-string o) (begin (write-char c o) (copy)))))))
  (call-with-input-file name
    (lambda (p)
      (let ((p (if ci (open-input-string (string-append "#!fold-case\n" (all-text p))) p)))
        (let loop ((acc '()))
          (let ((x (read p)))
            (if (eof-object? x) (reverse acc) (loop (cons x acc)))))))))
(define (%include-all names ci)
  (apply append (map (lambda (name) (%include-data name ci)) names)))
;; (include "file" ...) or (include-ci ...) at top level (lisp/expand.c): each datum of the files
;; evaluated in turn, as load does; the value of the last
(define (%include form)
  (let ((env (interaction-environment)))
    (let loop ((xs (%include-all (cdr form) (eq? (car form) 'include-ci))) (v (if #f #f)))
      (if (null? xs) v (loop (cdr xs) (eval (car xs) env))))))
;; a define-library form with its include declarations replaced by what the files hold: a begin
;; of their data (include, include-ci), or their data as declarations (include-library-declarations)
(define (%library-includes form)
  (let loop ((ds (cddr form)) (acc '()))
    (if (null? ds)
        (cons (car form) (cons (cadr form) (reverse acc)))
        (let ((d (car ds)))
          (case (and (pair? d) (car d))
            ((include include-ci)
             (let ((data (%include-all (cdr d) (eq? (car d) 'include-ci))))
               (loop (cdr ds) (cons (cons 'begin data) acc))))
            ((include-library-declarations)
             (loop (cdr ds) (append (reverse (%include-all (cdr d) #f)) acc)))
            (else (loop (cdr ds) (cons d acc))))))))
(define (%library-file name)
  (let loop ((n name) (acc ""))
    (cond ((null? n) (string-append acc ".sld"))
          ((symbol? (car n)) (loop (cdr n) (string-append acc (if (equal? acc "") "" "/")
                                                          (symbol->string (car n)))))
          ((exact-integer? (car n)) (loop (cdr n) (string-append acc (if (equal? acc "") "" "/")
                                                                (number->string (car n)))))
          (else #f))))
(define (%import-check set)
  (cond ((and (pair? set) (memq (car set) '(only except prefix rename)) (pair? (cdr set)))
         (%import-check (cadr set)))
        ((and (list? set) (= (length set) 2) (eq? (car set) 'scheme)
              (memq (cadr set) '(base case-lambda char complex cxr eval file inexact lazy load
                                 process-context r5rs read repl time write)))
         #t)
        ((member set %libraries) #t)
        ((and (list? set) (pair? set) (%library-file set))
         => (lambda (file)
              (if (not (file-exists? file)) (error "import: no such library:" set))
              (if (member set (%library-loading))
                  (error "import: circular import of" set (%library-loading)))
              (parameterize ((%library-loading (cons set (%library-loading))))
                (load file))
              (if (not (member set %libraries))
                  (error "import: the file does not define the library:" file set))))
        (else (error "import: no such library:" set))))

(define-syntax import
  (syntax-rules () ((_ set ...) (begin (%import! 'set) ... (if #f #f)))))

(define-record-type promise (%make-promise-box state) promise?
  (state %promise-state %set-promise-state!))

(define (%make-promise done value) (%make-promise-box (cons done value)))

(define-syntax delay-force
  (syntax-rules () ((_ e) (%make-promise #f (lambda () e)))))

(define-syntax delay
  (syntax-rules () ((_ e) (delay-force (%make-promise #t e)))))

(define (make-promise v) (if (promise? v) v (%make-promise #t v)))

(define (force p)
  (if (not (promise? p))
      p
      (let ((s (%promise-state p)))
        (if (car s)
            (cdr s)
            (let* ((p2 ((cdr s)))
                   (s (%promise-state p)))
              (if (not (car s))
                  (let ((s2 (%promise-state p2)))
                    (set-car! s (car s2))
                    (set-cdr! s (cdr s2))
                    (%set-promise-state! p2 s)))
              (force p))))))

;; --- lists ---

;; the cars and the cdrs of a few lists (what multi-list map and for-each step by)
(define (%cars ls) (if (pair? ls) (cons (caar ls) (%cars (cdr ls))) '()))
(define (%cdrs ls) (if (pair? ls) (cons (cdar ls) (%cdrs (cdr ls))) '()))

(define (%all-pairs? ls)
  (or (null? ls) (and (pair? (car ls)) (%all-pairs? (cdr ls)))))

;; map and vector-map never mutate what they built before the last call of f returned: a
;; continuation captured in f and re-entered later must find its partial results as they were
;; (R7RS). map reverses its accumulator in place only when no continuation was captured while
;; it ran (%captures unchanged: nothing but this loop can hold the cells), else it copies.
(define (%map-result acc c0)
  (if (eq? c0 (%captures)) (reverse! acc) (reverse acc)))

;; where the walk of some lists stopped: each must be a pair or the end (the shortest list ends
;; the walk); anything else means an argument was not a list
(define (%list-ends who lists ls)
  (let check ((ls ls) (lists lists))
    (cond ((null? ls) (if #f #f))
          ((or (pair? (car ls)) (null? (car ls))) (check (cdr ls) (cdr lists)))
          (else (error (string-append (symbol->string who) ": expected a list, got") (car lists))))))

(define (map f l . ls)
  (let ((c0 (%captures)))
    (if (null? ls)
        (let loop ((k l) (acc '()))
          (if (pair? k)
              (loop (cdr k) (cons (f (car k)) acc))
              (begin (if (not (null? k)) (%list-ends 'map (list l) (list k))) (%map-result acc c0))))
        (let loop ((ks (cons l ls)) (acc '()))
          (if (%all-pairs? ks)
              (loop (%cdrs ks) (cons (apply f (%cars ks)) acc))
              (begin (%list-ends 'map (cons l ls) ks) (%map-result acc c0)))))))

(define (for-each f l . ls)
  (if (null? ls)
      (let loop ((k l))
        (if (pair? k) (begin (f (car k)) (loop (cdr k))) (if (not (null? k)) (%list-ends 'for-each (list l) (list k)))))
      (let loop ((ks (cons l ls)))
        (if (%all-pairs? ks)
            (begin (apply f (%cars ks)) (loop (%cdrs ks)))
            (%list-ends 'for-each (cons l ls) ks)))))

(define (append-map f l . ls) (apply append (apply map f l ls)))

(define (filter pred l)
  (let loop ((l l) (acc '()))
    (cond ((null? l) (reverse! acc))
          ((pred (car l)) (loop (cdr l) (cons (car l) acc)))
          (else (loop (cdr l) acc)))))

(define (remove pred l) (filter (lambda (x) (not (pred x))) l))

(define (partition pred l)
  (let loop ((l l) (yes '()) (no '()))
    (cond ((null? l) (values (reverse! yes) (reverse! no)))
          ((pred (car l)) (loop (cdr l) (cons (car l) yes) no))
          (else (loop (cdr l) yes (cons (car l) no))))))

(define (fold kons knil l . ls)
  (if (null? ls)
      (let loop ((l l) (acc knil))
        (if (pair? l) (loop (cdr l) (kons (car l) acc)) acc))
      (let loop ((ls (cons l ls)) (acc knil))
        (if (%all-pairs? ls)
            (loop (%cdrs ls) (apply kons (append (%cars ls) (list acc))))
            acc))))

(define (fold-left f acc l . ls)
  (if (null? ls)
      (let loop ((l l) (acc acc))
        (if (pair? l) (loop (cdr l) (f acc (car l))) acc))
      (let loop ((ls (cons l ls)) (acc acc))
        (if (%all-pairs? ls) (loop (%cdrs ls) (apply f acc (%cars ls))) acc))))

(define (fold-right f acc l . ls)
  (if (null? ls)
      (let loop ((l (reverse l)) (acc acc))
        (if (pair? l) (loop (cdr l) (f (car l) acc)) acc))
      (let loop ((ls (map reverse (cons l ls))) (acc acc))
        (if (%all-pairs? ls) (loop (%cdrs ls) (apply f (append (%cars ls) (list acc)))) acc))))

(define (reduce f ridentity l)
  (if (null? l) ridentity (fold f (car l) (cdr l))))

(define (delete x l . eq)
  (let ((same? (if (pair? eq) (car eq) equal?)))
    (filter (lambda (y) (not (same? x y))) l)))

(define (delete-duplicates l . eq)
  (let ((same? (if (pair? eq) (car eq) equal?)))
    (let loop ((l l) (acc '()))
      (cond ((null? l) (reverse! acc))
            ((member (car l) acc same?) (loop (cdr l) acc))
            (else (loop (cdr l) (cons (car l) acc)))))))

(define (iota n . rest)
  (let ((start (if (pair? rest) (car rest) 0))
        (step (if (and (pair? rest) (pair? (cdr rest))) (cadr rest) 1)))
    (let loop ((i (- n 1)) (acc '()))
      (if (< i 0) acc (loop (- i 1) (cons (+ start (* i step)) acc))))))

(define (list-index pred l)
  (let loop ((l l) (i 0))
    (cond ((null? l) #f) ((pred (car l)) i) (else (loop (cdr l) (+ i 1))))))

(define (find pred l)
  (let loop ((l l))
    (cond ((null? l) #f) ((pred (car l)) (car l)) (else (loop (cdr l))))))

(define (find-tail pred l)
  (let loop ((l l))
    (cond ((null? l) #f) ((pred (car l)) l) (else (loop (cdr l))))))

(define (any pred l . ls)
  (if (null? ls)
      (let loop ((l l))
        (and (pair? l) (or (pred (car l)) (loop (cdr l)))))
      (let loop ((ls (cons l ls)))
        (and (%all-pairs? ls) (or (apply pred (%cars ls)) (loop (%cdrs ls)))))))

(define (every pred l . ls)
  (if (null? ls)
      (let loop ((l l) (last #t))
        (if (pair? l) (let ((r (pred (car l)))) (and r (loop (cdr l) r))) last))
      (let loop ((ls (cons l ls)) (last #t))
        (if (%all-pairs? ls) (let ((r (apply pred (%cars ls)))) (and r (loop (%cdrs ls) r))) last))))

(define (count pred l)
  (let loop ((l l) (n 0))
    (if (pair? l) (loop (cdr l) (if (pred (car l)) (+ n 1) n)) n)))

(define (last l) (car (last-pair l)))

(define (member x l . eq)
  (if (null? eq)
      (%member x l)
      (let loop ((l l))
        (cond ((not (pair? l)) #f) (((car eq) x (car l)) l) (else (loop (cdr l)))))))

(define (assoc x l . eq)
  (if (null? eq)
      (%assoc x l)
      (let loop ((l l))
        (cond ((not (pair? l)) #f) (((car eq) x (caar l)) (car l)) (else (loop (cdr l)))))))

(define (%merge a b less?)
  (let loop ((a a) (b b) (acc '()))
    (cond ((null? a) (append (reverse! acc) b))
          ((null? b) (append (reverse! acc) a))
          ((less? (car b) (car a)) (loop a (cdr b) (cons (car b) acc)))
          (else (loop (cdr a) b (cons (car a) acc))))))

(define (%sort-list l less?)
  (let ((n (length l)))
    (if (< n 2)
        (list-copy l)
        (let ((half (quotient n 2)))
          (%merge (%sort-list (list-head l half) less?)
                  (%sort-list (list-tail l half) less?)
                  less?)))))

(define (list-head l k)
  (let loop ((l l) (k k) (acc '()))
    (if (= k 0) (reverse! acc) (loop (cdr l) (- k 1) (cons (car l) acc)))))

(define (sort seq less?)
  (if (vector? seq)
      (list->vector (%sort-list (vector->list seq) less?))
      (%sort-list seq less?)))

(define (list-sort less? l) (%sort-list l less?))

;; --- strings, vectors, characters ---

;; each of xs satisfies ok?, or an error naming the procedure called (not the one it uses)
(define (%check-args who what ok? xs)
  (for-each (lambda (x) (if (not (ok? x)) (error (string-append who ": expected " what ", got") x)))
            xs))

(define (string-map f s . ss)
  (%check-args "string-map" "string" string? (cons s ss))
  (if (null? ss)
      (list->string (map f (string->list s)))
      (list->string (apply map f (string->list s) (map string->list ss)))))

(define (string-for-each f s . ss)
  (%check-args "string-for-each" "string" string? (cons s ss))
  (if (null? ss)
      (for-each f (string->list s))
      (apply for-each f (string->list s) (map string->list ss))))

(define (vector-map f v . vs)
  (%check-args "vector-map" "vector" vector? (cons v vs))
  (if (null? vs)
      ;; a re-entered f goes on filling r: hand out a copy when a capture happened meanwhile
      (let* ((n (vector-length v)) (r (make-vector n)) (c0 (%captures)))
        (do ((i 0 (+ i 1))) ((= i n) (if (eq? c0 (%captures)) r (vector-copy r)))
          (vector-set! r i (f (vector-ref v i)))))
      (list->vector (apply map f (vector->list v) (map vector->list vs)))))

(define (vector-for-each f v . vs)
  (%check-args "vector-for-each" "vector" vector? (cons v vs))
  (if (null? vs)
      (let ((n (vector-length v)))
        (do ((i 0 (+ i 1))) ((= i n))
          (f (vector-ref v i))))
      (apply for-each f (vector->list v) (map vector->list vs))))

(define (string-join strings . delim)
  (let ((d (if (pair? delim) (car delim) " ")))
    (if (null? strings)
        ""
        (apply string-append
               (car strings)
               (append-map (lambda (s) (list d s)) (cdr strings))))))

(define (write-string s . rest)
  (if (and (pair? rest) (pair? (cdr rest)))
      (%write-string (apply substring s (cdr rest)) (car rest))
      (apply %write-string s rest)))

(define (call-with-output-string proc)
  (let ((p (open-output-string))) (proc p) (get-output-string p)))

(define (with-output-to-string thunk)
  (let ((p (open-output-string)))
    (parameterize ((current-output-port p)) (thunk))
    (get-output-string p)))

(define (call-with-port port proc)
  (let ((v (%mv-call (lambda () (proc port))))) (close-port port) v))

;; --- (scheme file) on the SD store (lisp/ports.c): the port is closed when proc returns ---

(define (call-with-input-file name proc) (call-with-port (open-input-file name) proc))
(define (call-with-output-file name proc) (call-with-port (open-output-file name) proc))

(define (%with-file-port port param thunk)
  (let ((v (%mv-call (lambda () (%parameterize (list param) (list port) thunk)))))
    (close-port port)
    v))
(define (with-input-from-file name thunk)
  (%with-file-port (open-input-file name) current-input-port thunk))
(define (with-output-to-file name thunk)
  (%with-file-port (open-output-file name) current-output-port thunk))

;; (load name [env]): (scheme load), each datum of the file evaluated in turn
(define (load name . env)
  (let ((env (if (pair? env) (car env) (interaction-environment))))
    (call-with-input-file name
      (lambda (p)
        (let loop ()
          (let ((x (read p)))
            (if (not (eof-object? x)) (begin (eval x env) (loop)))))))))

;; --- numbers ---

(define (square x) (* x x))

;; Results above this many bits are refused (an error, not a computation that outlasts the
;; machine: (expt 2 100000000000000000000) squared its way through memory for ever).
(define %expt-max-bits 4194304)
;; Exact base, exact integer exponent: exact (by squaring). An integer exponent of an inexact
;; base up to 1024 in size: the exact power rounded once (correctly rounded); a larger one of an
;; inexact complex base: by squaring, inexact, 1/b's power for a negative one (its error grows
;; with e, but a quarter as fast as exp(e log b)'s: 373 against 1303 eps at e = 1025, worst of
;; 400 bases). Anything else: %expt-inexact, exp(y log x) with IEEE's special cases.
(define (expt b e)
  (cond ((not (number? b)) (error "expt: expected number, got" b))
        ((not (number? e)) (error "expt: expected number, got" e))
        ((and (exact-integer? e) (exact? b))
         (cond ((%expt-too-large? b e)
                (error "expt: result too large (more than 4194304 bits):" b e))
               ((< e 0)
                (if (eqv? b 0)
                    (error "expt: division by zero:" b e)
                    (/ 1 (%expt-squaring b (- e)))))
               (else
                (%expt-squaring b e))))
        ((and (eqv? b 0) (exact? e) (positive? (real-part e))) 0)
        ((and (exact-integer? e) (<= (abs e) 1024) (finite? b) (not (zero? b)))
         (inexact (expt (exact b) e)))
        ((and (exact-integer? e) (not (real? b)) (finite? b) (not (zero? b)))
         (if (< e 0) (%expt-squaring (/ 1 b) (- e)) (%expt-squaring b e)))
        (else (%expt-inexact b e))))
;; Would b^e (b exact, e an exact integer) have more than %expt-max-bits bits? Its squared
;; magnitude m = |b|^2 is rational; |b^e|^2 = m^|e| in lowest terms, so the numerator or the
;; denominator of b^e's parts has at least |e| (h - 1) / 2 bits, h the longer of m's numerator and
;; denominator (an integer, a ratio or an exact complex base alike: ratios and complex bases
;; escaped the check when it looked at integers only). A complex base's parts with common
;; denominator d keep a denominator of at least d^|e| / 2^(|e|/2) (only 1+i's factors of 2 cancel
;; both ways), even when |b| = 1: (3/5+4/5i)^e has parts over 5^e (a review found m = 1 let it
;; through). |b| = 1 or 0 with whole parts (h = 1, d = 1): never large.
(define (%expt-too-large? b e)
  (let* ((m (if (real? b) (* b b) (+ (square (real-part b)) (square (imag-part b)))))
         (h (max (integer-length (numerator m)) (integer-length (denominator m)))))
    (or (and (> h 1) (> (* (abs e) (- h 1)) (* 2 %expt-max-bits)))
        (and (not (real? b))
             (let ((d (lcm (denominator (real-part b)) (denominator (imag-part b)))))
               (> (* (abs e) (- (integer-length d) 3/2)) %expt-max-bits))))))
(define (%expt-squaring b e)            ; e >= 0
  (let loop ((b b) (e e) (acc 1))
    (cond ((= e 0) acc)
          ((= e 1) (* acc b))
          (else (loop (* b b) (quotient e 2) (if (odd? e) (* acc b) acc))))))

(define (exact-nonnegative-integer? x) (and (exact-integer? x) (>= x 0)))
;; The simplest rational within y of x (R7RS; the Stern-Brocot walk of the usual
;; simplest-rational), inexact when either argument is.
(define (rationalize x y)
  (define (simplest lo hi)              ; 0 < lo < hi, exact
    (let ((fl (floor lo)))
      (cond ((= fl lo) fl)
            ((< fl (floor hi)) (+ fl 1))
            (else (+ fl (/ 1 (simplest (/ 1 (- hi fl)) (/ 1 (- lo fl)))))))))
  (define (simplest-between lo hi)
    (cond ((> lo hi) (simplest-between hi lo))
          ((= lo hi) lo)
          ((positive? lo) (simplest lo hi))
          ((negative? hi) (- (simplest (- hi) (- lo))))
          (else 0)))
  (cond ((not (real? x)) (error "rationalize: expected real number, got" x))
        ((not (real? y)) (error "rationalize: expected real number, got" y))
        ((or (nan? x) (nan? y)) +nan.0)
        ((infinite? y) (if (infinite? x) +nan.0 0.0))
        ((infinite? x) x)
        (else
         (let ((r (simplest-between (- (exact x) (abs (exact y))) (+ (exact x) (abs (exact y))))))
           (if (or (inexact? x) (inexact? y)) (inexact r) r)))))
(define (features) '(r7rs exact-closed exact-complex ratios ieee-float full-unicode lispos))

;; --- exit runs the pending dynamic-wind afters ---

(define (exit . code) (%rewind '()) (apply %exit code))
(define (emergency-exit . code) (apply %exit code))

;; --- libraries embedded in the image (lisp/gen_builtin.sh): (load-builtin "inspector") ---

(define (load-builtin name)
  (let ((src (%builtin-source name)))
    (if (not src) (error "load-builtin: no such library:" name))
    (let ((p (open-input-string src)) (env (interaction-environment)))
      (let loop ()
        (let ((x (read p)))
          (if (eof-object? x) name (begin (eval x env) (loop))))))))

;; --- the memory inspector's drawing (docs/inspector.md) ---

;; (heap-map-print [cpu]): (heap-map [cpu]) as text, a line per group, each written at once:
;; address, S(mall) or L(arge), a bar of # for the bytes used (40 columns: the group's size),
;; used/size, the live bytes its last sweep kept (- if none yet), shared and counted objects.
(define (heap-map-print . cpu)
  (let* ((m (apply heap-map cpu))
         (get (lambda (k a) (cdr (assq k a))))
         (groups (get 'groups m)))
    (display (string-append "cpu " (number->string (get 'cpu m)) ": "
                            (number->string (length groups)) " groups\n"))
    (for-each
     (lambda (g)
       (let* ((size (get 'size g)) (used (get 'used g))
              (n (min 40 (quotient (* used 40) (max size 1)))) (live (get 'live g)))
         (display (string-append
                   (number->string (get 'group g) 16)
                   (if (eq? (get 'kind g) 'small) " S [" " L [")
                   (make-string n #\#) (make-string (- 40 n) #\.) "] "
                   (number->string used) "/" (number->string size)
                   " live " (if live (number->string live) "-")
                   " shared " (number->string (get 'shared g))
                   " counted " (number->string (get 'counted g)) "\n"))))
     groups)))
