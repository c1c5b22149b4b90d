; kill.scm -- a write-heavy workload that tests/qemu/store.sh kills (SIGKILL to QEMU) at a random
; moment: each round sets a counter and a list that must agree, changes a stored list in place
; (persistent cells) to agree too, commits, then says so.
(store-open)
(let loop ((i (+ 1 (store-ref 'counter 0))))
  (store-set! 'counter i)
  (store-set! 'data (make-list 50 i))
  (store-set! 'junk (make-vector 500 i))
  (let ((c (store-root 'cells)))	; changed in place: (i 0 (i)) when committed
    (pset-car! c i)
    (pset-car! (pcdr (pcdr c)) (list i)))
  (store-commit)
  (display "committed ") (display i) (newline)
  (if (= 0 (modulo i 7)) (store-collect))
  (loop (+ i 1)))
