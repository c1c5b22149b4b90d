; tags: torture
; define-library: exported names are globals under their external names, every other name the
; library defines is its own (neither seen nor clobbered by the user's names of the same
; spelling), its macros keep using its private names, import checks that a library exists.
(define (show . xs) (for-each display xs) (newline))
(define (try thunk)
  (guard (e ((error-object? e) (list 'error (error-object-message e) (error-object-irritants e))))
    (thunk)))

(define-library (stack util)
  (export make-stack push! pop! stack-size (rename stack-peek peek) with-pushed stack?)
  (import (scheme base))
  (begin
    (define-record-type stack (mk items count) stack? (items items set-items!) (count count set-count!))
    (define (make-stack) (mk '() 0))
    (define (push! s x) (set-items! s (cons x (items s))) (bump! s 1))
    (define (pop! s) (let ((x (car (items s)))) (set-items! s (cdr (items s))) (bump! s -1) x))
    (define (stack-size s) (count s))
    (define (stack-peek s) (car (items s)))
    (define-syntax with-pushed
      (syntax-rules ()
        ((_ s x body ...) (begin (push! s x) (let ((r (begin body ...))) (pop! s) r)))))
    (define (bump! s n) (set-count! s (+ (count s) n)) (set! pushes (+ pushes (max n 0))))
    (define pushes 0))
  (export pushes-so-far)
  (begin (define (pushes-so-far) pushes)))

(import (stack util))
(define s (make-stack))
(push! s 1)
(push! s 2)
(show "size and peek: " (list (stack-size s) (peek s) (stack? s)))
(show "macro over private names: " (with-pushed s 'x (list (peek s) (stack-size s))))
(show "pop: " (list (pop! s) (stack-size s)))
;; the user's names of the same spelling are the user's: the library's are untouched
(define (bump! . args) 'user-bump)
(define pushes 'user-pushes)
(define (count x) 'user-count)
(push! s 5)
(show "after user definitions: " (list (stack-size s) (bump!) pushes (count 1) (pushes-so-far)))
(show "private names are not visible: " (try (lambda () stack-peek)) (try (lambda () items)))
;; (library name) in cond-expand: the standard libraries and those defined so far
(show "cond-expand library: " (cond-expand ((library (stack util)) 'yes) (else 'no))
      (cond-expand ((library (stack nothing)) 'yes) (else 'no))
      (cond-expand ((and (library (scheme base)) (not (library (stack nothing)))) 'yes) (else 'no)))
(show "import only/except: " (try (lambda () (import (only (stack util) push!) (except (stack util) pop!)))))
(show "an unknown library: " (try (lambda () (import (no such lib)))))
(show "bad declarations: " (try (lambda () (eval '(define-library (x) (frobnicate)) (interaction-environment)))))
(show "include of no file name: " (try (lambda () (eval '(define-library (x) (include x)) (interaction-environment)))))
;; declaration-level cond-expand (R7RS 5.6.1): the declarations of the first clause that holds,
;; nested ones too; a malformed requirement is an error
(define-library (feature probe)
  (cond-expand
   ((and r7rs (not no-such-feature))
    (export which)
    (cond-expand (full-unicode (begin (define (which) 'r7rs-unicode)))
                 (else (begin (define (which) 'r7rs)))))
   (else (export which) (begin (define (which) 'other))))
  (import (scheme base))
  (cond-expand (no-such-feature (begin (define (which) 'wrong))) (else)))
(import (feature probe))
(show "cond-expand declarations: " (which) " "
      (try (lambda () (eval '(define-library (x c) (cond-expand ((bad requirement) (begin)))) (interaction-environment)))))
;; a second library using the first; a private name the same as the first's
(define-library (stack twice)
  (export push-twice!)
  (import (stack util))
  (begin
    (define (bump! s) (push! s 'b) (push! s 'b))
    (define (push-twice! s) (bump! s) (stack-size s))))
(import (stack twice))
(show "second library: " (push-twice! s) " " (pushes-so-far) " " (bump!))
(show "exported twice: "
      (try (lambda () (eval '(define-library (x a) (export a1 (rename a1 a2)) (begin (define a1 1)))
                            (interaction-environment))))
      (try (lambda () (eval '(define-library (x b) (export (rename b1 b2) b2) (begin (define b1 1) (define b2 2)))
                            (interaction-environment)))))
(define-syntax def-lib (syntax-rules () ((_ name) (define-library name (export getter) (begin (define (getter) 1))))))
(show "a macro's own export name: " (try (lambda () (eval '(def-lib (gen b)) (interaction-environment)))))
;; libraries defined at once by threads on every CPU: none lost from the registry
(define per-thread 200)
(define cpus (let loop ((i 0) (l '())) (if (= i (ncpus)) (reverse l) (loop (+ i 1) (cons i l)))))
(for-each thread-join
          (map (lambda (c)
                 (spawn (lambda ()
                          (do ((i 0 (+ i 1))) ((= i per-thread))
                            (eval `(define-library (race ,c ,i) (export) (begin)) (interaction-environment))))
                        c))
               cpus))
;; (each one counted through cond-expand, which asks the registry: the prelude's %libraries,
;; which a program's own %libraries, a copy made at boot, does not follow)
(define (registered? name) (eval `(cond-expand ((library ,name) #t) (else #f)) (interaction-environment)))
(show "registered from every CPU: "
      (= (let count ((cs cpus) (n 0))
           (if (null? cs) n
               (count (cdr cs) (let loop ((i 0) (n n))
                                 (if (= i per-thread) n
                                     (loop (+ i 1) (if (registered? (list 'race (car cs) i)) (+ n 1) n)))))))
         (* per-thread (length cpus))))
; a program's definitions of special forms' names (environments.scm): a library's code keeps
; the forms of its (scheme base), defined before or after; import's rename and prefix of a form
; still give the form; a library may export a procedure under a form's name; and its define-library
; and import do not go through the program's quote
(define-library (forms before) (export my-unless f-before) (import (scheme base))
  (begin (define-syntax my-unless (syntax-rules () ((_ c b) (if c #f b))))
         (define (f-before x) (if x 'yes 'no))))
(import (forms before))
(define (if a b c) (vector 'my-if a b c))
(define (do . x) 'my-do)
(define-library (forms after) (export f-after) (import (scheme base))
  (begin (define (f-after x) (if x 'yes 'no))))
(import (forms after))
(show "libraries keep if: " (my-unless #f 1) " " (f-before #f) " " (f-after #f) " " (if 1 2 3))
(import (rename (scheme base) (do sys-do)))
(import (prefix (only (scheme base) case) s:))
(show "renamed forms: " (sys-do ((i 0 (+ i 1))) ((= i 3) i)) " " (s:case 2 ((1) 'one) ((2) 'two))
      " " (do 1))
(define-library (forms export) (export (rename my-when when)) (import (scheme base))
  (begin (define (my-when . x) (cons 'lib-when x))))
(import (forms export))
(show "exported as when: " (when 1 2))
(define (quote x) 'my-quote)
(define-library (forms quote) (export f-q) (import (scheme base)) (begin (define (f-q) 7)))
(import (forms quote))
(show "after quote: " (f-q))
