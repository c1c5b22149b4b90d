;; KNOWN (found/OPEN): parameterize evaluates (q (p)) with p already rebound (like let*);
;; R7RS 4.2.6 evaluates every value before binding any (like let). ours 3, guile 4.
;; Found by ctlgen, seed 37, minimised from 10 forms.
(%check (lambda () (let ((p (make-parameter 4)) (q (make-parameter 0))) (parameterize ((p 3) (q (p))) (q)))))
