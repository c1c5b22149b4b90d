;; KNOWN (found/OPEN): list-copy of an improper list drops its last cdr (R7RS 6.4 keeps it).
;; ours (1 2), guile (1 2 . 3).
(%check (lambda () (list-copy '(1 2 . 3))))
