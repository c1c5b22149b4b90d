; args: --cpus 2
; tags: torture tsan
; vecglobals.scm -- (vector-ref g i) and (vector-set! g i x) of a global g, and (vector-ref l i)
; of a local l, compile to one instruction that computes the index first and then reads the
; variable (OP_VREFG, OP_VSETG, OP_VREFL in lisp/vm.c); a comparison with a small constant
; first, (< 1 x), is the compare-and-branch of (> x 1). The cases where that must not change
; what the program sees: every kind of index and vector, the global unbound or not a vector,
; the global redefined between uses, a shared vector, comparisons of every numeric kind.
(define (show . xs) (for-each display xs) (newline))
(define (message e)
  (if (error-object? e)
      (if (null? (error-object-irritants e))
          (error-object-message e)
          (list (error-object-message e) (error-object-irritants e)))
      e))
(define-syntax try
  (syntax-rules () ((_ e) (guard (c (#t (list 'error (message c)))) e))))

(define board (make-vector 16 1))
(define moves (vector 1 2 4 3 5 6 1 3 6 2 5 4 11 12 13 7))
(define (peg i) (vector-ref board (vector-ref moves i)))
(define (set-peg! i x) (vector-set! board (vector-ref moves i) x))
(show "peg: " (peg 0) " " (peg 15))
(set-peg! 2 0)
(show "set: " (peg 2) " " (vector-ref board 4) " " board)
(define (sum-local v)
  (let loop ((i 0) (s 0))
    (if (= i (vector-length v)) s (loop (+ i 1) (+ s (vector-ref v i))))))
(show "local vector: " (sum-local (vector 1 2 3 4)))

; errors: index out of range, negative, not an integer, a flonum; not a vector; unbound
(show (try (peg 16)))
(show (try (vector-ref board 16)))
(show (try (vector-ref board -1)))
(show (try (vector-ref board 'x)))
(show (try (vector-ref board 1.0)))
(show (try (set-peg! 16 0)))
(show (try (vector-set! board 99 0)))
(show (try (vector-set! board 'a 0)))
(define (local-ref v i) (vector-ref v (+ i 0)))
(show (try (local-ref "abc" 0)))
(show (try (local-ref (vector 1) 1)))
(define (ref-unbound i) (vector-ref nowhere-vec (+ i 1)))
(show (try (ref-unbound 0)))
(define (set-unbound i) (vector-set! nowhere-vec2 i 'x))
(show (try (set-unbound 0)))
(define not-a-vector '(1 2 3))
(define (ref-list i) (vector-ref not-a-vector i))
(show (try (ref-list 0)))
(define (set-list i) (vector-set! not-a-vector i 0))
(show (try (set-list 0)))

; the global redefined between uses: each use reads its value then
(define (first-of-board) (vector-ref board 0))
(set! board (vector 'a 'b))
(show "redefined: " (first-of-board) " " (peg 0))
(set! board (make-vector 16 7))
(set-peg! 0 'moved)
(show "set after redefinition: " board)
(define board 'gone)
(show (try (first-of-board)))

; the stored value may be anything, young or old, shared with another thread
(define shared (make-vector 4 #f))
(define (put! i x) (vector-set! shared i x))
(put! 0 (list 1 2 3))
(put! 1 (make-string 3 #\z))
(put! 2 (vector 'v))
(put! 3 1.5)
(show "stored: " shared)
(define results '())
(set! results (thread-join (spawn (lambda () (put! 0 (list 'from 'cpu (cpu-id))) (vector-ref shared 0)) 1)))
(show "from a thread: " results " " (vector-ref shared 0))

; comparisons with the constant first, on every kind of number (= is also a branch in a
; test, where the error names the same procedure)
(define (classify x)
  (list (< 1 x) (> 1 x) (<= 1 x) (>= 1 x) (= 1 x)))
(for-each (lambda (x) (show x ": " (classify x)))
          (list 0 1 2 -5 0.5 1.0 1.5 +inf.0 -inf.0 +nan.0 1/2 3/2 100000000000000000000 -1/3))
(show (try (classify 'a)))
(show (try (if (< 1 "s") 'yes 'no)))
(show (try (if (= 1 "s") 'yes 'no)))
(show (try (if (>= 2 'x) 'yes 'no)))
(define (eq-tests x) (list (if (= 1 x) 'one 'other) (if (not (= 2 x)) 'not-two 'two) (if (and (= 1 x) (< 0 x)) 'both 'no)))
(show "tests: " (eq-tests 1) (eq-tests 2) (eq-tests 1.0) (eq-tests 2/3))
(define (count-up n) (let loop ((i 0)) (if (< 10 i) i (loop (+ i n)))))
(show "loop with a constant-first test: " (count-up 3))

; another CPU sets the global to fresh vectors while this one stores fresh lists into it: each
; store's vector stays rooted while its value is published (OP_VSETG keeps it on the stack)
(define swapped (vector 0 0 0 0))
(define stop-swap (vector #f))
(define swapper
  (spawn (lambda ()
           (let loop ((n 0))
             (if (vector-ref stop-swap 0) (number? n) (begin (set! swapped (make-vector 4 n)) (loop (+ n 1))))))
         1))
(define (fill k) (do ((i 0 (+ i 1))) ((= i 20000)) (vector-set! swapped (remainder i 4) (list i k))))
(fill 'a)
(vector-set! stop-swap 0 #t)
(show "swapping: " (thread-join swapper) " " (vector? swapped) " " (vector-length swapped))
