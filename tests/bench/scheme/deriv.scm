;;; DERIV -- symbolic differentiation (Gabriel): list allocation, `map', symbol dispatch.

(define (deriv a)
  (cond ((not (pair? a)) (if (eq? a 'x) 1 0))
        ((eq? (car a) '+) (cons '+ (map deriv (cdr a))))
        ((eq? (car a) '-) (cons '- (map deriv (cdr a))))
        ((eq? (car a) '*)
         (list '* a (cons '+ (map (lambda (a) (list '/ (deriv a) a)) (cdr a)))))
        ((eq? (car a) '/)
         (list '-
               (list '/ (deriv (cadr a)) (caddr a))
               (list '/ (cadr a) (list '* (caddr a) (caddr a) (deriv (caddr a))))))
        (else (error "deriv: no rule for" (car a)))))

(define (main)
  (let* ((count (hide 0 400000))
         (input '(+ (* 3 x x) (* a x x) (* b x) 5))
         (output '(+ (* (* 3 x x) (+ (/ 0 3) (/ 1 x) (/ 1 x)))
                     (* (* a x x) (+ (/ 0 a) (/ 1 x) (/ 1 x)))
                     (* (* b x) (+ (/ 0 b) (/ 1 x)))
                     0)))
    (run-r7rs-benchmark (string-append "deriv:" (number->string count))
                        count
                        (lambda () (deriv (hide count input)))
                        (lambda (result) (equal? result output)))))
