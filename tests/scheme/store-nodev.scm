; tags: torture
; The store's names without a card (the hosted build without --sd, the kernel in QEMU without
; an SD controller): each is an error that says so, and misuse is a type error first.
(define (try thunk) (guard (e ((error-object? e) (error-object-message e))) (thunk)))
(for-each (lambda (t) (display (try t)) (newline))
          (list store-open store-format! store-commit store-collect store-stats
                (lambda () (store-set! 'x 1))
                (lambda () (store-ref 'x))
                (lambda () (store-ref 'x 'default))
                (lambda () (store-remove! 'x))
                (lambda () (store-set! "x" 1))
                (lambda () (store-ref 42))
                (lambda () (store-collect 'partly))))
