;; harness.scm -- the test, test-values, test-begin and test-end that the R7RS suite
;; (r7rs-tests.scm) expects, in portable R7RS so it runs in our Scheme and in Guile alike.
;; Each test prints one line: "PASS<tab>GROUP" or "FAIL<tab>GROUP<tab>EXPR<tab>EXPECTED<tab>GOT",
;; GROUP being the innermost test-begin; scripts/conformance.sh counts them.

(define conf-groups '())
(define (test-begin . name)
  (set! conf-groups (cons (if (pair? name) (car name) "") conf-groups)))
(define (test-end . name)
  (if (pair? conf-groups) (set! conf-groups (cdr conf-groups))))
(define (conf-group) (if (pair? conf-groups) (car conf-groups) "top"))

;; equal?, except that inexact numbers count as equal within a relative 1e-6, a complex one part
;; by part (as chibi's test does; written as a string so that a reader without flonums still
;; reads this file)
(define conf-tolerance (string->number "1e-6"))
(define (conf-real-equal? a b)
  (or (and (not (= a a)) (not (= b b)))
      (<= (abs (- a b)) (* conf-tolerance (max 1 (abs a))))))
(define (conf-equal? a b)
  (or (equal? a b)
      (and (number? a) (number? b) (not (exact? a)) (not (exact? b))
           (if (and (real? a) (real? b))
               (conf-real-equal? a b)
               (and (conf-real-equal? (real-part a) (real-part b))
                    (conf-real-equal? (imag-part a) (imag-part b)))))))

(define (conf-show x)
  (let ((out (open-output-string)))
    (write x out)
    (let ((s (get-output-string out)))
      (if (> (string-length s) 200) (string-append (substring s 0 200) "...") s))))

(define (conf-report ok expr expected got)
  (display (if ok "PASS" "FAIL"))
  (display "\t")
  (display (conf-group))
  (if (not ok)
      (begin (display "\t") (display (conf-show expr))
             (display "\t") (display (conf-show expected))
             (display "\t") (display got)))
  (newline))

;; thunk's value, or the symbol conf-error with what was raised
(define (conf-run thunk)
  (call-with-current-continuation
   (lambda (k)
     (with-exception-handler
      (lambda (e)
        (k (list 'conf-error
                 (if (error-object? e)
                     (cons (error-object-message e) (error-object-irritants e))
                     e))))
      thunk))))

(define (conf-check expr expected thunk)
  (let ((got (conf-run thunk)))
    (if (and (pair? got) (eq? (car got) 'conf-error))
        (conf-report #f expr expected (string-append "raised " (conf-show (cadr got))))
        (conf-report (conf-equal? expected (car got)) expr expected (conf-show (car got))))))

(define-syntax test
  (syntax-rules ()
    ((_ expected expr)
     (let ((exp (conf-run (lambda () expected))))
       (conf-check 'expr (if (and (pair? exp) (eq? (car exp) 'conf-error)) 'expected-raised exp)
                   (lambda () (list expr)))))))

(define-syntax test-values
  (syntax-rules ()
    ((_ expected expr)
     (conf-check 'expr (call-with-values (lambda () expected) list)
                 (lambda () (list (call-with-values (lambda () expr) list)))))))
