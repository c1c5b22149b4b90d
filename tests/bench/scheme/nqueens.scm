;;; NQUEENS -- the number of ways to place N queens on an N x N board (list building, recursion).

(define (nqueens n)
  (define (one-to n)
    (let loop ((i n) (l '()))
      (if (= i 0) l (loop (- i 1) (cons i l)))))
  ;; true if a queen in ROW attacks none of PLACED diagonally (DIST columns to the nearest)
  (define (ok? row dist placed)
    (or (null? placed)
        (and (not (= (car placed) (+ row dist)))
             (not (= (car placed) (- row dist)))
             (ok? row (+ dist 1) (cdr placed)))))
  ;; X: the rows still to try in this column; Y: rows tried and set aside; Z: the rows placed
  (define (try-it x y z)
    (if (null? x)
        (if (null? y) 1 0)
        (+ (if (ok? (car x) 1 z)
               (try-it (append (cdr x) y) '() (cons (car x) z))
               0)
           (try-it (cdr x) (cons (car x) y) z))))
  (try-it (one-to n) '() '()))

(define (main)
  (let* ((count (hide 0 1000)) (input 8) (output 92))
    (run-r7rs-benchmark (string-append "nqueens:" (number->string input) ":"
                                       (number->string count))
                        count
                        (lambda () (nqueens (hide count input)))
                        (lambda (result) (= result output)))))
