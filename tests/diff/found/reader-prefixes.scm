;; KNOWN (found/OPEN): the reader takes repeated number prefixes; string->number rejects them.
;; ours: 16, 10 (read) and #f (string->number); guile: #<error> #<error> #f.
(%check (lambda () (read (open-input-string "#x#x10"))))
(%check (lambda () (read (open-input-string "#e#e10"))))
(%check (lambda () (string->number "#x#x10")))
