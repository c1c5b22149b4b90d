;;; STRING -- string-append and substring on a string that doubles until it is longer than N.

(define s "abcdef")

(define (grow)
  (set! s (string-append "123" s "456" s "789"))
  (set! s (string-append (substring s (quotient (string-length s) 2) (string-length s))
                         (substring s 0 (+ 1 (quotient (string-length s) 2)))))
  s)

(define (trial n)
  (do ((i 0 (+ i 1)))
      ((> (string-length s) n) (string-length s))
    (grow)))

(define (try-it n)
  (do ((i 0 (+ i 1)))
      ((>= i 10) (string-length s))
    (set! s "abcdef")
    (trial n)))

(define (main)
  (let* ((count (hide 0 50)) (input 500000) (output 524278))
    (run-r7rs-benchmark (string-append "string:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (try-it (hide count input)))
                        (lambda (result) (= result output)))))
