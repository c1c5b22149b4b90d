;; guile-driver.scm -- runs the R7RS suite in Guile 3: the R7RS libraries, the harness, then
;; the suite form by form, each in a catch so one error loses one form (as our REPL does).
;; (scheme r5rs) whole would replace (scheme base)'s member, assoc, map... with the R5RS
;; versions (Guile takes the last import), so only its environments are imported.
;; Usage: guile --no-auto-compile -s guile-driver.scm HARNESS SUITE
(import (scheme base) (scheme char) (scheme lazy)
        (scheme inexact) (scheme complex) (scheme time)
        (scheme file) (scheme read) (scheme write)
        (scheme eval) (scheme process-context) (scheme case-lambda)
        (only (scheme r5rs) null-environment scheme-report-environment))
(define (conf-eval-file file)
  (call-with-input-file file
    (lambda (in)
      (let loop ()
        (let ((form (catch #t (lambda () (read in))
                      (lambda args (display "error: read: ") (write args) (newline) (eof-object)))))
          (if (not (eof-object? form))
              (begin
                (catch #t (lambda () (primitive-eval form))
                  (lambda args (display "error: ") (write args) (newline)))
                (loop))))))))
(conf-eval-file (cadr (command-line)))
(conf-eval-file (caddr (command-line)))
