(store-format!)
(store-set! 'cells (list 0 0 (list 0)))
(store-commit)
(display "formatted") (newline)
