(store-format!)
(store-commit)
(display "formatted") (newline)
