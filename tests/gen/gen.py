#!/usr/bin/env python3
"""gen.py -- random multi-threaded Scheme programs for the cross-heap machinery (issue 12).

    gen.py --seed S [--cpus N] [--size small|medium|large] -o DIR

writes DIR/prog.scm, DIR/prog.out (the exact expected standard output) and DIR/prog.args (the
interpreter arguments: --cpus N, and --heap-mb/--nursery-kb when drawn). Same arguments, same
files. Standard library only.

How the expected output is known. A program is a row of phases; in each, the REPL thread (main,
CPU 0) spawns workers pinned on chosen CPUs, runs its own task list, joins them and prints what
each returned. Every object a phase may mutate is owned by one thread for that phase:
  - the shared vector G and the globals X0..X3 ("global slots") are split, by alias class (slots
    whose values reach a common object are one class), between the threads; a class is written by
    its owner only, or read by everyone and written by nobody;
  - each thread has a local vector L, and fresh objects (channel messages, thread results).
So each thread's results depend on its own inputs only, and this file computes them by running
the same operations on a model of the objects (Pair, Vec, Str, Cell, Port below: each operation is
written as its definition, e.g. reverse! relinks the model's pairs), whatever the interleaving.
Values are compared through one checksum, chk, defined identically here and in the program.
Deliberate races (the vector R, the list RL, the string RS and the string port RP, written by
several CPUs at once, the racers of a phase starting together) print only what is deterministic
by construction: for R and RL, the number of values read that were never written (0) and, after
the joins, that every element is one of the values ever written (a word store is atomic); for the
port, that its text is made of the letters written and no longer than all that was written; for
RS (characters of 1 to 4 bytes racing in place), only that it is still a well-formed string: any
character, a changed length and errors are allowed. ASan and TSan judge the rest.

Other phase elements: spinners (a loop that does not allocate, on a CPU other than 0, waiting on a
flag that main sets after a (gc 'full)); threads that raise numbers, strings, lists, #f, records
and error objects at the bottom of a deep recursion, re-raised at the join and caught by guard;
client/server pairs over channels (messages mutated by the server with its young values and sent
back, garbage cycles across the two heaps); big vectors of old pairs with fresh cars published at
once; a phase in which one thread, alone on its CPU, exhausts that CPU's heap (--heap-mb), must
catch "heap exhausted" (or have it re-raised at the join), and the CPU must be usable afterwards.

Run time under ASan with --verify is dominated by the verifier (every store of a young value into
a shared object publishes it, which runs a minor collection, which verifies the heap); the
generator estimates it (Gen.work, Gen.publish) and keeps each program within its size's budget.
--without F,G leaves features out, to narrow a failure down (gen.py --help lists them).
"""
import argparse
import os
import random
import sys
import threading

M = 1000003                     # every checksum is modulo this prime (fixnum-safe on 32 bits)
# characters of generated strings: ASCII and 2-, 3-, 4-byte UTF-8
ALPHA = [97, 98, 99, 120, 121, 122, 233, 955, 1046, 26085, 128512, 65, 48]
# characters written by racing string-set!s (RS starts as all #\a)
RALPHA = [98, 955, 26085, 128512, 122]
# words written by racing string-port writers (ASCII only: a torn write must still be text)
WORDS = ["ab", "cde", "fghij", "klm", "nopqrstu", "vw", "xyz"]
NG, NX, NL = 24, 4, 6           # global vector G, globals X0..X3, each thread's local vector L
NR, NRS = 32, 48                # racy vector and list R, RL; racy string RS

# ---------------------------------------------------------------------------------------------
# the model: one Python object per Scheme object that can be mutated


class Nil:
    pass


NIL = Nil()


class Pair:
    __slots__ = ("car", "cdr")

    def __init__(self, a, d):
        self.car, self.cdr = a, d


class Vec:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items


class Str:
    __slots__ = ("chars",)      # code points

    def __init__(self, chars):
        self.chars = chars


class Cell:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class Port:
    __slots__ = ("text",)       # code points written so far

    def __init__(self):
        self.text = []


class Sym:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def chk(x):
    """The program's (chk x): the same arithmetic, in the same order."""
    if x is True:
        return 2
    if x is False:
        return 1
    if isinstance(x, int):
        return x % M
    if x is NIL:
        return 3
    if isinstance(x, Pair):
        a = 11
        while isinstance(x, Pair):
            a = (a * 31 + chk(x.car)) % M
            x = x.cdr
        return (a * 37 + chk(x)) % M
    if isinstance(x, Vec):
        a = 13
        for e in x.items:
            a = (a * 31 + chk(e)) % M
        return a
    if isinstance(x, Str):
        a = 7
        for c in x.chars:
            a = (a * 31 + c) % M
        return a
    if isinstance(x, Cell):
        return ((23 * 31 + chk(x.a)) % M * 31 + chk(x.b)) % M
    if isinstance(x, Port):
        return 19
    if isinstance(x, Sym):
        return 5
    raise TypeError(x)


def size(x, seen=None):
    """Objects reachable from x (the cost of walking it)."""
    n, todo = 0, [x]
    while todo:
        o = todo.pop()
        if isinstance(o, Pair):
            n += 1
            todo.append(o.car)
            todo.append(o.cdr)
        elif isinstance(o, Vec):
            n += 1 + len(o.items)
            todo.extend(o.items)
        elif isinstance(o, Str):
            n += 1 + len(o.chars) // 4
        elif isinstance(o, Cell):
            n += 1
            todo.append(o.a)
            todo.append(o.b)
        elif isinstance(o, Port):
            n += 1 + len(o.text) // 8
    return n


def reach(x):
    """ids of the mutable objects reachable from x."""
    seen, todo = set(), [x]
    while todo:
        o = todo.pop()
        if isinstance(o, (Pair, Vec, Str, Cell, Port)) and id(o) not in seen:
            seen.add(id(o))
            if isinstance(o, Pair):
                todo.append(o.car)
                todo.append(o.cdr)
            elif isinstance(o, Vec):
                todo.extend(o.items)
            elif isinstance(o, Cell):
                todo.append(o.a)
                todo.append(o.b)
    return seen


def plist(xs, tail=NIL):
    for x in reversed(xs):
        tail = Pair(x, tail)
    return tail


def list_items(x):
    """The elements of a proper list, or None."""
    out = []
    while isinstance(x, Pair):
        out.append(x.car)
        x = x.cdr
    return out if x is NIL else None


def pairs_of(x):
    out = []
    while isinstance(x, Pair):
        out.append(x)
        x = x.cdr
    return out


def alpha(k):
    return ALPHA[k % len(ALPHA)]


def lcg(x):
    return (x * 75 + 74) % 65537


# the builders of the program's prelude, on the model
def mk_list(n, b):
    return plist([b + i for i in range(n)])


def mk_vec(n, b):
    return Vec([b + i for i in range(n)])


def mk_pvec(n, b):
    return Vec([Pair(b + i, i) for i in range(n)])


def mk_lol(m, n, b):
    return plist([mk_list(n, b + i) for i in range(m)])


def mk_str(n, b):
    return Str([alpha(b + i) for i in range(n)])


def mk_deep(n):
    return plist(list(range(n, 0, -1)))


def mk_nest(d, b):
    x = b
    for _ in range(d):
        x = Pair(x, NIL)
    return x


def big_old(n, b, k):
    v = mk_pvec(n, b)
    for j in range(k):
        v.items[n - k + j].car = mk_list(3, b + j)
    return v


def msg_make(i, k, b):
    j = (i + k) % 6
    if j == 0:
        return mk_list(1 + i % 7, b + i)
    if j == 1:
        return mk_vec(1 + i % 5, b + i)
    if j == 2:
        return Cell(b + i, mk_list(2, i))
    if j == 3:
        return mk_str(1 + i % 9, b + i)
    if j == 4:
        return Pair(b + i, mk_list(2, i))
    return mk_lol(2, 3, b + i)


def serve(x):
    """The server's (serve x): checksum, then a store of its own young value into x."""
    c = chk(x)
    if isinstance(x, Pair):
        x.car = mk_list(3, c)
    elif isinstance(x, Vec):
        if x.items:
            x.items[c % len(x.items)] = mk_list(2, c)
    elif isinstance(x, Cell):
        x.b = mk_list(2, c)
    elif isinstance(x, Str):
        x.chars[0] = alpha(c)
    return c


def fmt(x):
    """How display prints a result."""
    if isinstance(x, bool):
        return "#t" if x else "#f"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        return "(" + " ".join(fmt(e) for e in x) + ")"
    raise TypeError(x)


# ---------------------------------------------------------------------------------------------
# the program's prelude

PRELUDE = r"""
(define (show . xs) (for-each display xs) (newline))
(define M 1000003)
(define-record-type cell (make-cell a b) cell? (a cell-a set-cell-a!) (b cell-b set-cell-b!))
(define (chk x)
  (cond ((eq? x #t) 2) ((eq? x #f) 1)
        ((exact-integer? x) (modulo x M))
        ((null? x) 3)
        ((pair? x) (let loop ((l x) (a 11))
                     (if (pair? l) (loop (cdr l) (modulo (+ (* a 31) (chk (car l))) M))
                         (modulo (+ (* a 37) (chk l)) M))))
        ((vector? x) (let ((n (vector-length x)))
                       (let loop ((i 0) (a 13))
                         (if (= i n) a (loop (+ i 1) (modulo (+ (* a 31) (chk (vector-ref x i))) M))))))
        ((string? x) (let loop ((l (string->list x)) (a 7))
                       (if (null? l) a (loop (cdr l) (modulo (+ (* a 31) (char->integer (car l))) M)))))
        ((cell? x) (modulo (+ (* (modulo (+ (* 23 31) (chk (cell-a x))) M) 31) (chk (cell-b x))) M))
        ((output-port? x) 19)
        ((symbol? x) 5)
        (else 0)))
(define ALPHA (list->vector (map integer->char '(@ALPHA@))))
(define (alpha k) (vector-ref ALPHA (modulo k (vector-length ALPHA))))
(define RALPHA (map integer->char '(@RALPHA@)))
(define WORDS (vector @WORDS@))
(define (mk-list n b) (let loop ((i (- n 1)) (acc '())) (if (< i 0) acc (loop (- i 1) (cons (+ b i) acc)))))
(define (mk-vec n b) (let ((v (make-vector n 0)))
                       (let loop ((i 0)) (if (= i n) v (begin (vector-set! v i (+ b i)) (loop (+ i 1)))))))
(define (mk-pvec n b) (let ((v (make-vector n 0)))
                        (let loop ((i 0)) (if (= i n) v (begin (vector-set! v i (cons (+ b i) i)) (loop (+ i 1)))))))
(define (mk-lol m n b) (let loop ((i (- m 1)) (acc '())) (if (< i 0) acc (loop (- i 1) (cons (mk-list n (+ b i)) acc)))))
(define (mk-str n b) (string-copy (list->string (let loop ((i (- n 1)) (acc '()))
                                                   (if (< i 0) acc (loop (- i 1) (cons (alpha (+ b i)) acc)))))))
(define (mk-deep n) (if (= n 0) '() (cons n (mk-deep (- n 1)))))
(define (mk-nest d b) (let loop ((i 0) (x b)) (if (= i d) x (loop (+ i 1) (list x)))))
(define (fresh-cars! v k b)
  (let ((n (vector-length v)))
    (let loop ((j 0)) (when (< j k) (set-car! (vector-ref v (+ (- n k) j)) (mk-list 3 (+ b j))) (loop (+ j 1))))))
(define (big-old n b k) (let ((v (mk-pvec n b))) (gc) (fresh-cars! v k b) v))
(define (append! a b) (if (null? a) b (begin (set-cdr! (last-pair a) b) a)))
(define (busy n) (let loop ((i 0) (a 0)) (if (= i n) a (loop (+ i 1) (modulo (+ a i) M)))))
(define (deep-sum n) (if (= n 0) 0 (modulo (+ n (deep-sum (- n 1))) M)))
(define (raise-deep n th) (if (= n 0) (raise (th)) (+ 1 (raise-deep (- n 1) th))))
(define (err-desc e)
  (if (error-object? e)
      (list 'error (error-object-message e) (chk (error-object-irritants e)))
      (list 'raised (chk e))))
(define (heap-exhausted? e) (and (error-object? e) (equal? (error-object-message e) "heap exhausted")))
(define (grow-v k l) (grow-v k (cons (make-vector k 0) l)))
(define (grow-p l) (grow-p (cons (cons l l) l)))
(define (exhaust k) (guard (e ((heap-exhausted? e) 'exhausted)) (if (= k 0) (grow-p '()) (grow-v k '()))))
;; channels: a client sends messages, big vectors and cycle bait; the server stores its own young
;; values into each message and sends it back, and ties each bait into a cycle across the heaps
(define (msg-make i k b)
  (let ((j (modulo (+ i k) 6)))
    (cond ((= j 0) (mk-list (+ 1 (modulo i 7)) (+ b i)))
          ((= j 1) (mk-vec (+ 1 (modulo i 5)) (+ b i)))
          ((= j 2) (make-cell (+ b i) (mk-list 2 i)))
          ((= j 3) (mk-str (+ 1 (modulo i 9)) (+ b i)))
          ((= j 4) (cons (+ b i) (mk-list 2 i)))
          (else (mk-lol 2 3 (+ b i))))))
(define (serve x)
  (let ((c (chk x)))
    (cond ((pair? x) (set-car! x (mk-list 3 c)))
          ((vector? x) (if (> (vector-length x) 0) (vector-set! x (modulo c (vector-length x)) (mk-list 2 c))))
          ((cell? x) (set-cell-b! x (mk-list 2 c)))
          ((string? x) (string-set! x 0 (alpha c))))
    c))
(define (pipe-client req rep m k b bigs nbait)
  (let loop ((i 0)) (when (< i m) (channel-send req (msg-make i k b)) (loop (+ i 1))))
  (for-each (lambda (n) (channel-send req (big-old n b 500))) bigs)
  (let loop ((i 0)) (when (< i nbait) (channel-send req (cons 'bait i)) (loop (+ i 1))))
  (channel-send req 'end)
  (let loop ((i 0) (a 0))
    (if (= i (+ m (length bigs))) a (loop (+ i 1) (modulo (+ a (chk (channel-receive rep))) M)))))
(define (pipe-server req rep)
  (let loop ((n 0) (a 0))
    (let ((x (channel-receive req)))
      (cond ((eq? x 'end) (list n a))
            ((and (pair? x) (eq? (car x) 'bait)) (set-cdr! x (cons (cpu-id) x)) (loop n a))
            (else (let ((c (serve x))) (channel-send rep x) (loop (+ n 1) (modulo (+ a c) M))))))))
;; deliberate races: R, RL and RS written by several CPUs at once; only what is certain is printed
(define (lcg x) (modulo (+ (* x 75) 74) 65537))
(define (consec? l k) (or (null? l) (and (pair? l) (eqv? (car l) k) (consec? (cdr l) (+ k 1)))))
(define (racy-value x)
  (let ((j (modulo x 4)) (k (modulo (quotient x 4) 1000)))
    (cond ((= j 0) k)
          ((= j 1) (mk-list (+ 1 (modulo k 5)) k))
          ((= j 2) (mk-vec (+ 1 (modulo k 4)) k))
          (else (make-cell k (mk-list 2 k))))))
(define (good? v)
  (cond ((exact-integer? v) (and (>= v 0) (< v 1000)))
        ((pair? v) (and (exact-integer? (car v)) (consec? v (car v)) (<= (length v) 5)))
        ((vector? v) (and (<= 1 (vector-length v) 4) (exact-integer? (vector-ref v 0))
                          (consec? (vector->list v) (vector-ref v 0))))
        ((cell? v) (and (exact-integer? (cell-a v)) (pair? (cell-b v)) (consec? (cell-b v) (cell-a v))
                        (= (length (cell-b v)) 2)))
        (else #f)))
(define (race-vec x n)
  (let loop ((i 0) (x x) (bad 0))
    (if (= i n) bad
        (let* ((x (lcg x)) (j (modulo x NR)) (op (modulo (quotient x 64) 6)))
          (cond ((= op 0) (loop (+ i 1) x (if (good? (vector-ref R j)) bad (+ bad 1))))
                ((= op 1) (loop (+ i 1) x (if (good? (car (list-tail RL j))) bad (+ bad 1))))
                ((= op 2) (set-car! (list-tail RL j) (racy-value x)) (loop (+ i 1) x bad))
                ((= op 3) (vector-fill! R (racy-value x) j (min NR (+ j 3))) (loop (+ i 1) x bad))
                (else (vector-set! R j (racy-value x)) (loop (+ i 1) x bad)))))))
;; A string is not a vector: racing writers of characters of different widths may leave any
;; characters, change its length or raise an error (another CPU changed it); what must hold is
;; that it stays a string, its length is the number of characters it reads as, and no access
;; strays outside it (ASan).
(define (rs-ok?) (let ((l (string->list RS))) (and (= (string-length RS) (length l)) (every char? l))))
(define-syntax try (syntax-rules () ((_ e) (guard (x (#t 'raised)) e))))
(define (race-str x n)
  (let loop ((i 0) (x x) (bad 0))
    (if (= i n) bad
        (let* ((x (lcg x)) (j (modulo x NRS)) (c (list-ref RALPHA (modulo (quotient x 64) 5)))
               (op (modulo (quotient x 8) 8)))
          (cond ((= op 0) (loop (+ i 1) x (if (memq (try (char? (string-ref RS j))) '(#t raised)) bad (+ bad 1))))
                ((= op 1) (loop (+ i 1) x (if (try (every char? (string->list RS))) bad (+ bad 1))))
                ((= op 2) (try (string-fill! RS c j (min NRS (+ j 4)))) (loop (+ i 1) x bad))
                ((= op 3) (try (string-copy! RS j (make-string (min 3 (- NRS j)) c))) (loop (+ i 1) x bad))
                (else (try (string-set! RS j c)) (loop (+ i 1) x bad)))))))
(define (port-text-ok? s)
  (every (lambda (c) (or (char=? c (integer->char 0)) (and (char>=? c #\a) (char<=? c #\z)))) (string->list s)))
(define (race-port x n)
  (let loop ((i 0) (x x) (bad 0))
    (if (= i n) bad
        (let ((x (lcg x)))
          (if (= (modulo x 7) 0)
              (loop (+ i 1) x (if (port-text-ok? (get-output-string RP)) bad (+ bad 1)))
              (begin (write-string (vector-ref WORDS (modulo (quotient x 8) 7)) RP) (loop (+ i 1) x bad)))))))
(define (race-ok? total)
  (let ((s (get-output-string RP)))
    (list (every good? (vector->list R)) (every good? RL) (rs-ok?)
          (and (<= (string-length s) total) (port-text-ok? s)))))
;; spinners: loops that do not allocate, released by a flag that main sets
(define FLAGS (make-vector 4 #f))
(define FLAGP (list #f #f #f #f))
(define FLAGC (make-cell #f #f))
(define (spin-vec k) (let loop () (if (vector-ref FLAGS k) 'released (loop))))
(define (spin-car k) (let loop ((i 0)) (if (car (list-tail FLAGP k)) 'released (loop (if (= i 1000) 0 (+ i 1))))))
(define (spin-cell) (let loop () (if (cell-a FLAGC) 'released (loop))))
(define (flags! v) (vector-fill! FLAGS v) (for-each (lambda (p) (set-car! p v)) (list FLAGP (cdr FLAGP) (cddr FLAGP) (cdddr FLAGP))) (set-cell-a! FLAGC v))
(define NR @NR@)
(define NRS @NRS@)
(define R (make-vector NR 0))
(define RL (make-list NR 0))
(define RS (make-string NRS #\a))
(define RP (open-output-string))
(define G (make-vector @NG@ 0))
(define X0 0) (define X1 0) (define X2 0) (define X3 0)
(define (chk-x) (chk (list X0 X1 X2 X3)))
"""


def prelude():
    return (PRELUDE.replace("@ALPHA@", " ".join(map(str, ALPHA)))
            .replace("@RALPHA@", " ".join(map(str, RALPHA)))
            .replace("@WORDS@", " ".join('"%s"' % w for w in WORDS))
            .replace("@NR@", str(NR)).replace("@NRS@", str(NRS)).replace("@NG@", str(NG)))


# ---------------------------------------------------------------------------------------------
# sizes

SIZES = {
    # phases, workers per phase, tasks per thread, cost budget of the whole program (Gen.work),
    # weight of big structures, bound on a CPU's dead stacks (Gen.deep), odds of a heap exhaustion
    "small": dict(phases=(2, 4), workers=(1, 3), tasks=(3, 9), budget=24_000_000, big=0.25,
                  junk=2_500_000, exhaust=0.15),
    "medium": dict(phases=(4, 7), workers=(1, 4), tasks=(5, 14), budget=60_000_000, big=0.4,
                   junk=4_000_000, exhaust=0.25),
    "large": dict(phases=(7, 11), workers=(2, 5), tasks=(6, 20), budget=120_000_000, big=0.5,
                  junk=6_000_000, exhaust=0.3),
}


FEATURES = ["alias", "big", "deep", "error", "exhaust", "gcfull", "pipe", "port", "race",
            "race-port", "race-str", "race-vec", "raise-false", "reverse", "spin", "string"]


class Slot:
    """A place that holds a value: G[i], Xi, or the thread's L[i]."""

    def __init__(self, kind, i):
        self.kind, self.i = kind, i

    def ref(self):
        return {"G": "(vector-ref G %d)", "X": "X%d", "L": "(vector-ref L %d)"}[self.kind] % self.i

    def set(self, code):
        if self.kind == "X":
            return "(set! X%d %s)" % (self.i, code)
        return "(vector-set! %s %d %s)" % (self.kind, self.i, code)


class Thread:
    def __init__(self, name, cpu):
        self.name, self.cpu = name, cpu
        self.code = []          # expressions of the task list
        self.results = []       # expected values recorded, in order
        self.L = [0] * NL
        self.own = []           # global slots it may write
        self.ro = []            # global slots it may only read
        self.ret = None         # (code, model) of a big result, workers only
        self.race = False       # it runs racing tasks on R, RL, RS and RP


class Gen:
    def __init__(self, seed, cpus, size, without=()):
        self.seed, self.cpus, self.size = seed, cpus, size
        self.without = set(without)
        self.rng = random.Random("%d/%d/%s/%s" % (seed, cpus, size, ",".join(sorted(self.without))))
        self.cfg = dict(SIZES[size])
        if "big" in self.without:
            self.cfg["big"] = 0
        if "exhaust" in self.without:
            self.cfg["exhaust"] = 0
        self.G = [0] * NG
        self.X = [0] * NX
        self.out = []           # expected output lines
        self.lines = []         # program lines
        self.cost = 0
        self._live = None
        self.junk = [0] * cpus  # garbage of each CPU's old generation that verification walks
        self.deep_now = [0] * cpus  # frames of the recursions of this phase, per CPU
        self.heap_mb = None     # --heap-mb, when drawn
        self.cur_cpu = 0        # the CPU of the thread whose task list is being made
        self.base = 0           # source of distinct integers for builders

    # -- the cost of a program under ASan with --verify, where it is dominated by the verifier:
    # every store of a young value into a shared object is a publication, which runs a minor
    # collection, which verifies the heap; so does every nursery filled. About 1.2e7 units a
    # second on the 2-core development machine.
    def live(self):
        if self._live is None:
            self._live = 2000 + sum(size(v) for v in self.G + self.X)
        return self._live

    def dirty(self):
        self._live = None

    def heap(self):
        return self.live() + self.junk[self.cur_cpu]

    def deep(self, frames, cpu=None):
        """a deep recursion leaves its grown stacks (about 20 words a frame) in the old
        generation of its CPU until that CPU completes a major cycle"""
        c = self.cur_cpu if cpu is None else cpu
        self.junk[c] += 20 * frames
        self.deep_now[c] += frames

    def deep_fits(self, frames, cpu=None):
        """the recursion's stacks fit: in what verification walks, and, with --heap-mb, beside
        the other recursions of the phase on that CPU (the threads of a phase run at once; a
        recursion 100000 deep holds about 6.7 MB at its peak, its stack and the one it grew
        from: two on one CPU exhausted a 16 MB heap, seed 6010)"""
        c = self.cur_cpu if cpu is None else cpu
        if self.junk[c] + 20 * frames > self.cfg["junk"]:
            return False
        return self.heap_mb is None or self.deep_now[c] + frames <= self.heap_mb * 6800

    def work(self, objects):
        """objects allocated or walked: interpretation, and a minor collection every nursery"""
        self.cost += int(objects * (12 + self.heap() / 8000))

    def publish(self, n=1):
        self.cost += int(n * self.heap())

    def affordable(self, choices, per):
        """one of the choices whose publications stay within a sixth of the budget"""
        ok = [c for c in choices if c * per * self.heap() <= self.cfg["budget"] / 6]
        return self.rng.choice(ok) if ok else min(choices)

    # -- helpers
    def nb(self, span=1000):
        self.base += span
        return self.base % 500000

    def get(self, th, s):
        return {"G": self.G, "X": self.X, "L": th.L}[s.kind][s.i]

    def put(self, th, s, v):
        {"G": self.G, "X": self.X, "L": th.L}[s.kind][s.i] = v

    def emit(self, th, code, result=None):
        if result is None:
            th.code.append(code)
        else:
            th.code.append("(set! out (cons %s out))" % code)
            th.results.append(result)

    # -- values: (code, builder) pairs; the builder makes the model object
    def spec(self, big=False, depth=0):
        r = self.rng
        kinds = [("int", 3), ("L", 6), ("V", 4), ("PV", 2), ("LL", 2), ("S", 3), ("MS", 1),
                 ("C", 3), ("Q", 2), ("P", 1), ("D", 1), ("N", 1)]
        if "port" in self.without:
            kinds = [k for k in kinds if k[0] != "P"]
        if "string" in self.without:
            kinds = [k for k in kinds if k[0] not in ("S", "MS")]
        if depth > 1:
            kinds = [k for k in kinds if k[0] not in ("C", "Q", "P")]
        k = r.choices([k for k, _ in kinds], [w for _, w in kinds])[0]

        def n_of(lo, hi, bighi):
            return r.randint(lo, bighi if big and r.random() < 0.5 else hi)
        b = self.nb()
        if k == "int":
            v = r.choice([0, 1, 7, r.randint(0, 10**6), -r.randint(1, 1000)])
            return str(v), (lambda: v), 1
        if k == "L":
            n = n_of(0, 40, 20000)
            return "(mk-list %d %d)" % (n, b), (lambda: mk_list(n, b)), n
        if k == "V":
            n = n_of(0, 40, 20000)
            return "(mk-vec %d %d)" % (n, b), (lambda: mk_vec(n, b)), n
        if k == "PV":
            n = n_of(1, 60, 20000)
            return "(mk-pvec %d %d)" % (n, b), (lambda: mk_pvec(n, b)), 2 * n
        if k == "LL":
            m, n = r.randint(1, 8), r.randint(0, 6)
            return "(mk-lol %d %d %d)" % (m, n, b), (lambda: mk_lol(m, n, b)), m * (n + 1)
        if k == "S":
            n = r.randint(1, 60 if not big else 1000)
            return "(mk-str %d %d)" % (n, b), (lambda: mk_str(n, b)), n
        if k == "MS":
            n, c = r.randint(1, 4096 if big else 100), alpha(b)
            return "(make-string %d (integer->char %d))" % (n, c), (lambda: Str([c] * n)), n
        if k == "C":
            a, fa, ca = self.spec(big, depth + 1)
            d, fd, cd = self.spec(False, depth + 1)
            return "(make-cell %s %s)" % (a, d), (lambda: Cell(fa(), fd())), 1 + ca + cd
        if k == "Q":
            a, fa, ca = self.spec(False, depth + 1)
            d, fd, cd = self.spec(big, depth + 1)
            return "(cons %s %s)" % (a, d), (lambda: Pair(fa(), fd())), 1 + ca + cd
        if k == "P":
            return "(open-output-string)", Port, 2
        if k == "D":
            n = r.choice([10, 100, 1000, 20000 if big else 2000])
            self.deep(n)
            return "(mk-deep %d)" % n, (lambda: mk_deep(n)), 3 * n
        d = r.choice([1, 5, 50, 500 if big else 50])
        return "(mk-nest %d %d)" % (d, b), (lambda: mk_nest(d, b)), d

    def spec_list(self, big=False):
        r = self.rng
        b = self.nb()
        n = r.choice([0, 1, 3, r.randint(1, 60), r.randint(100, 20000) if big else 10])
        return "(mk-list %d %d)" % (n, b), (lambda: mk_list(n, b)), n

    # -- the operations of a task list
    def op_put(self, th, s):
        big = self.rng.random() < self.cfg["big"] * 0.3
        code, f, c = self.spec(big)
        how = self.rng.random()
        if how < 0.6:
            self.emit(th, s.set(code))
        else:                   # made old by a collection first, then published
            self.emit(th, "(let ((v %s)) (gc) %s)" % (code, s.set("v")))
        self.put(th, s, f())
        self.work(c)

    def op_big(self, th, s):
        n = self.rng.randint(9000, 20000)
        k = self.rng.choice([0, 100, 500])
        b = self.nb()
        self.emit(th, s.set("(big-old %d %d %d)" % (n, b, k)))
        self.put(th, s, big_old(n, b, k))
        self.work(3 * n)

    def op_read(self, th, s):
        v = self.get(th, s)
        self.emit(th, "(chk %s)" % s.ref(), chk(v))
        self.work(size(v))

    def op_mutate(self, th, s):
        """A destructive operation fitting the slot's value; False if none fits."""
        r = self.rng
        v = self.get(th, s)
        ref = s.ref()
        items = list_items(v) if isinstance(v, Pair) else None
        if items is not None:
            n = len(items)
            op = r.choice([o for o in ["set-car!", "set-cdr!", "reverse!", "append!", "list-set!",
                                       "list-copy", "list-ref", "reverse!", "push-reverse!",
                                       "fresh-append!"]
                           if not (o in ("reverse!", "push-reverse!")
                                   and "reverse" in self.without)])
            k = r.randrange(n)
            ps = pairs_of(v)
            self.work(n)
            if op == "set-car!":
                code, f, c = self.spec()
                self.emit(th, "(set-car! (list-tail %s %d) %s)" % (ref, k, code))
                ps[k].car = f()
            elif op == "list-set!":
                code, f, c = self.spec()
                self.emit(th, "(list-set! %s %d %s)" % (ref, k, code))
                ps[k].car = f()
            elif op == "set-cdr!":
                code, f, c = self.spec_list()
                self.emit(th, "(set-cdr! (list-tail %s %d) %s)" % (ref, k, code))
                ps[k].cdr = f()
            elif op == "reverse!":
                self.emit(th, s.set("(reverse! %s)" % ref))
                r_, l = NIL, v
                while isinstance(l, Pair):
                    nxt = l.cdr
                    l.cdr = r_
                    r_, l = l, nxt
                self.put(th, s, r_)
            elif op == "append!":
                code, f, c = self.spec_list()
                self.emit(th, s.set("(append! %s %s)" % (ref, code)))
                ps[-1].cdr = f()
            elif op == "push-reverse!":
                # a young pair in front of the (maybe shared) list, relinked by reverse!: the old
                # pairs then point to the young one until the result is stored
                code, f, c = self.spec()
                self.emit(th, s.set("(reverse! (cons %s %s))" % (code, ref)))
                r_, l = NIL, Pair(f(), v)
                while isinstance(l, Pair):
                    nxt = l.cdr
                    l.cdr = r_
                    r_, l = l, nxt
                self.put(th, s, r_)
            elif op == "fresh-append!":
                code, f, c = self.spec_list()
                self.emit(th, s.set("(append! %s %s)" % (code, ref)))
                fresh = f()
                if isinstance(fresh, Pair):
                    pairs_of(fresh)[-1].cdr = v
                    self.put(th, s, fresh)
            elif op == "list-copy":
                self.emit(th, s.set("(list-copy %s)" % ref))
                self.put(th, s, plist(items))
            else:
                self.emit(th, "(chk (list-ref %s %d))" % (ref, k), chk(items[k]))
                self.work(size(items[k]))
            return True
        if isinstance(v, Vec) and v.items:
            n = len(v.items)
            op = r.choice(["vector-set!", "vector-set!", "vector-fill!", "vector-copy!",
                           "vector-copy", "vector-copy!-self", "vector-ref"])
            i = r.randrange(n)
            j = r.randint(i, min(n, i + r.choice([1, 5, 100, n])))
            if op == "vector-set!":
                code, f, c = self.spec()
                self.emit(th, "(vector-set! %s %d %s)" % (ref, i, code))
                v.items[i] = f()
            elif op == "vector-fill!":
                code, f, c = self.spec()
                self.emit(th, "(vector-fill! %s %s %d %d)" % (ref, code, i, j))
                x = f()
                for q in range(i, j):
                    v.items[q] = x
            elif op == "vector-copy!":
                m = r.randint(0, n - i)
                b = self.nb()
                self.emit(th, "(vector-copy! %s %d (mk-pvec %d %d))" % (ref, i, m, b))
                v.items[i:i + m] = mk_pvec(m, b).items
            elif op == "vector-copy!-self":
                at = r.randrange(n)
                m = r.randint(0, min(n - at, n - i))
                self.emit(th, "(vector-copy! %s %d %s %d %d)" % (ref, at, ref, i, i + m))
                v.items[at:at + m] = v.items[i:i + m]
            elif op == "vector-copy":
                self.emit(th, s.set("(vector-copy %s)" % ref))
                self.put(th, s, Vec(list(v.items)))
            else:
                self.emit(th, "(chk (vector-ref %s %d))" % (ref, i), chk(v.items[i]))
                self.work(size(v.items[i]))
            self.work(n // 4)
            return True
        if isinstance(v, Str) and v.chars:
            n = len(v.chars)
            op = r.choice(["string-set!", "string-set!", "string-fill!", "string-copy!",
                           "string-copy", "string-ref"])
            i = r.randrange(n)
            j = r.randint(i, min(n, i + r.choice([1, 5, 50, n])))
            c = alpha(r.randrange(1000))
            if op == "string-set!":
                self.emit(th, "(string-set! %s %d (integer->char %d))" % (ref, i, c))
                v.chars[i] = c
            elif op == "string-fill!":
                self.emit(th, "(string-fill! %s (integer->char %d) %d %d)" % (ref, c, i, j))
                v.chars[i:j] = [c] * (j - i)
            elif op == "string-copy!":
                m = r.randint(0, n - i)
                b = self.nb()
                self.emit(th, "(string-copy! %s %d (mk-str %d %d))" % (ref, i, m, b))
                v.chars[i:i + m] = mk_str(m, b).chars
            elif op == "string-copy" and n <= 1024:
                self.emit(th, s.set("(string-copy %s)" % ref))
                self.put(th, s, Str(list(v.chars)))
            else:
                self.emit(th, "(char->integer (string-ref %s %d))" % (ref, i), v.chars[i])
            self.work(n)
            return True
        if isinstance(v, Cell):
            op = r.choice(["a", "b", "read"])
            if op == "read":
                self.emit(th, "(chk (cell-b %s))" % ref, chk(v.b))
                self.work(size(v.b))
            else:
                code, f, c = self.spec()
                self.emit(th, "(set-cell-%s! %s %s)" % (op, ref, code))
                setattr(v, op, f())
                self.work(c)
            return True
        if isinstance(v, Port):
            op = r.choice(["string", "string", "char", "display", "write", "mkstr", "read"])
            if op == "string":
                n = r.randint(1, 30)
                b = self.nb()
                w = mk_str(n, b).chars
                lit = "".join(chr(x) for x in w)
                reps = r.choice([1, 1, 10, 100])
                self.emit(th, "(let loop ((i 0)) (when (< i %d) (write-string \"%s\" %s) "
                          "(loop (+ i 1))))" % (reps, lit, ref))
                v.text.extend(w * reps)
            elif op == "mkstr":
                n = r.randint(1, 400)
                b = self.nb()
                self.emit(th, "(write-string (mk-str %d %d) %s)" % (n, b, ref))
                v.text.extend(mk_str(n, b).chars)
            elif op == "char":
                c = alpha(r.randrange(1000))
                self.emit(th, "(write-char (integer->char %d) %s)" % (c, ref))
                v.text.append(c)
            elif op == "display":
                k = r.randint(-10**6, 10**6)
                self.emit(th, "(display %d %s)" % (k, ref))
                v.text.extend(ord(ch) for ch in str(k))
            elif op == "write":
                n, b = r.randint(0, 20), self.nb()
                self.emit(th, "(write (mk-list %d %d) %s)" % (n, b, ref))
                v.text.extend(ord(ch) for ch in fmt([b + i for i in range(n)]))
            else:
                self.emit(th, "(chk (get-output-string %s))" % ref, chk(Str(v.text)))
            self.work(20 + len(v.text) // 8)
            return True
        return False

    def op_alias(self, th, src, dst, nest):
        v = self.get(th, src)
        if nest and reach(v) & reach(self.get(th, dst)):
            nest = False        # a car sharing the cdr's pairs: reverse! would make a cycle
        if nest:
            self.emit(th, dst.set("(cons %s %s)" % (src.ref(), dst.ref())))
            self.put(th, dst, Pair(v, self.get(th, dst)))
        else:
            self.emit(th, dst.set(src.ref()))
            self.put(th, dst, v)

    def op_misc(self, th):
        r = self.rng
        k = r.choices(["gc", "gcfull", "busy", "deep", "error", "yield", "sleep"],
                      [4, 0 if "gcfull" in self.without else 2, 2,
                       0 if "deep" in self.without else 2,
                       0 if "error" in self.without else 2, 1, 1])[0]
        if k == "gc":
            self.emit(th, "(gc)")
            self.work(2000)
        elif k == "gcfull":
            self.emit(th, "(gc 'full)")
            self.junk[th.cpu] = 0
            self.work(10000)
        elif k == "busy":
            n = r.choice([1000, 50000, 200000])
            self.emit(th, "(busy %d)" % n, sum(range(n)) % M)
            self.work(n // 10)
        elif k == "deep":
            n = r.choice([x for x in [1000, 30000, 100000] if self.deep_fits(x, th.cpu)] or [1000])
            self.emit(th, "(deep-sum %d)" % n, n * (n + 1) // 2 % M)
            self.work(n // 2)
            self.deep(n)
        elif k == "error":
            code, desc = self.raise_spec()
            d = r.choice([x for x in [0, 10, 5000, 50000] if self.deep_fits(x, th.cpu)] or [10])
            self.emit(th, "(guard (e (#t (err-desc e))) (raise-deep %d (lambda () %s)))"
                      % (d, code), desc)
            self.work(d // 3)
            self.deep(d)
        elif k == "yield":
            self.emit(th, "(yield)")
        else:
            self.emit(th, "(sleep %d)" % r.choice([0, 1, 3]))

    def raise_spec(self):
        """(code that raises or returns the object to raise, the err-desc it gets)."""
        r = self.rng
        k = r.choice([k for k in ["num", "str", "list", "false", "true", "nil", "sym", "cell",
                                  "error", "error", "bigvec"]
                      if not (k == "false" and "raise-false" in self.without)
                      and not (k == "bigvec" and "big" in self.without)])
        if k == "error":
            msg = "boom-%d" % r.randrange(1000)
            irr = [self.spec() for _ in range(r.randint(0, 3))]
            model = plist([f() for _, f, _ in irr])
            return ("(error \"%s\"%s)" % (msg, "".join(" " + c for c, _, _ in irr)),
                    ["error", msg, chk(model)])
        if k == "num":
            v = r.randint(-1000, 10**6)
            return str(v), ["raised", chk(v)]
        if k == "str":
            b = self.nb()
            return "(mk-str 12 %d)" % b, ["raised", chk(mk_str(12, b))]
        if k == "list":
            n, b = r.randint(1, 50), self.nb()
            return "(mk-list %d %d)" % (n, b), ["raised", chk(mk_list(n, b))]
        if k == "false":
            return "#f", ["raised", 1]
        if k == "true":
            return "#t", ["raised", 2]
        if k == "nil":
            return "'()", ["raised", 3]
        if k == "sym":
            return "'oops", ["raised", 5]
        if k == "cell":
            b = self.nb()
            return "(make-cell %d (mk-list 3 %d))" % (b, b), ["raised", chk(Cell(b, mk_list(3, b)))]
        n, b = r.randint(9000, 12000), self.nb()
        return "(big-old %d %d 100)" % (n, b), ["raised", chk(big_old(n, b, 100))]

    def race_kinds(self):
        return [k for k in ["vec", "vec", "str", "port"] if "race-" + k not in self.without]

    def op_race(self, th, k=None):
        r = self.rng
        k = k or r.choice(self.race_kinds())
        x = r.randrange(65537)
        if k == "str":          # no publication: long, to overlap with the other writers
            n = r.choice([1000, 5000, 20000])
        else:
            n = self.affordable([200, 1000, 3000], 0.7 if k == "vec" else 0.05)
        if k == "port":
            n //= 4
            y = x
            for _ in range(n):
                y = lcg(y)
                if y % 7:
                    self.port_total += len(WORDS[(y // 8) % 7])
        self.emit(th, "(race-%s %d %d)" % (k, x, n), 0)
        if k == "vec":
            self.publish(n * 2 // 3)
        self.work(n * {"vec": 3, "str": 1, "port": 20}[k])

    def tasks(self, th, n):
        r = self.rng
        locals_ = [Slot("L", i) for i in range(NL)]
        if th.race:             # the racers of a phase all start with the same race, at once
            self.op_race(th, self.race_kind)
        for _ in range(n):
            if self.cost > self.phase_budget:
                break
            big = self.cfg["big"] * 2 if self.live() < 60000 else 0
            w = {"put": 5, "big": big, "read": 4, "mutate": 12,
                 "misc": 4, "race": 3 if th.race else 0, "roread": 2 if th.ro else 0,
                 "alias": 0 if "alias" in self.without else 2}
            k = r.choices(list(w), list(w.values()))[0]
            writable = th.own + locals_
            if k == "put":
                s = r.choice(writable)
                self.op_put(th, s)
                if s.kind != "L":
                    self.publish()
                    self.dirty()
            elif k == "big":
                s = r.choice(writable)
                self.op_big(th, s)
                if s.kind != "L":
                    self.publish()
                    self.dirty()
            elif k == "read":
                self.op_read(th, r.choice(writable))
            elif k == "roread":
                self.op_read(th, r.choice(th.ro))
            elif k == "mutate":
                s = r.choice(writable)
                if not self.op_mutate(th, s):
                    self.op_put(th, s)
                    if s.kind != "L":
                        self.dirty()
                if s.kind != "L":
                    self.publish()
            elif k == "alias":
                a, b = r.choice(writable), r.choice(writable)
                if a is not b and not (a.kind == b.kind and a.i == b.i):
                    self.op_alias(th, a, b, r.random() < 0.5)
                    if b.kind != "L":
                        self.publish()
                        self.dirty()
            elif k == "misc":
                self.op_misc(th)
            else:
                self.op_race(th)

    # -- phases
    def partition(self, threads):
        """Alias classes of the global slots, each given to one thread, to all read-only, or to
        nobody this phase."""
        slots = [Slot("G", i) for i in range(NG)] + [Slot("X", i) for i in range(NX)]
        vals = [self.G[i] for i in range(NG)] + [self.X[i] for i in range(NX)]
        parent = list(range(len(slots)))

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        owner_of = {}
        for i, v in enumerate(vals):
            for o in reach(v):
                if o in owner_of:
                    parent[find(i)] = find(owner_of[o])
                else:
                    owner_of[o] = i
        classes = {}
        for i in range(len(slots)):
            classes.setdefault(find(i), []).append(slots[i])
        for cls in classes.values():
            x = self.rng.random()
            if x < 0.75:
                self.rng.choice(threads).own.extend(cls)
            elif x < 0.9:
                for t in threads:
                    t.ro.extend(cls)

    def phase(self, p, exhaust_phase):
        r = self.rng
        P = "p%d" % p
        lines, out = self.lines, self.out
        lines.append("")
        lines.append(";; ---- phase %d" % p)
        main = Thread("main", 0)
        self.deep_now = [0] * self.cpus
        nworkers = r.randint(*self.cfg["workers"])
        # the exhausting thread is alone on its CPU: another thread there could find the heap full
        # too (legitimately); with one CPU, main waits for it before anything else
        xcpu = (r.randrange(1, self.cpus) if self.cpus > 1 else 0) if exhaust_phase else None
        cpus_ok = [c for c in range(self.cpus) if not exhaust_phase or c != xcpu]
        workers = []
        for k in range(nworkers if cpus_ok else 0):
            workers.append(Thread("%s-w%d" % (P, k), r.choice(cpus_ok)))
        threads = workers + ([] if exhaust_phase else [main])
        if not threads:
            threads = [main]
        self.partition(threads)
        self.port_total = 0
        race = (not exhaust_phase and r.random() < 0.35 and "race" not in self.without
                and not {"race-vec", "race-str", "race-port"} <= self.without)
        if race:
            self.race_kind = r.choice(self.race_kinds())
            if self.race_kind in ("str", "port"):
                self.byte_races = True
            cpus_racing = set()     # one racer on every CPU that has a thread, at least
            for t in r.sample(threads, len(threads)):
                t.race = t.cpu not in cpus_racing or r.random() < 0.3
                cpus_racing.add(t.cpu)
            lines.append("(set! RP (open-output-string))")
        # channels: client/server pairs, each thread in at most one
        pipes = []
        if (not exhaust_phase and len(threads) >= 2 and r.random() < 0.5
                and "pipe" not in self.without):
            free = threads[:]
            r.shuffle(free)
            while len(free) >= 2 and r.random() < 0.7:
                pipes.append((free.pop(), free.pop()))     # (client, server); main may be either
        for q, (a, b) in enumerate(pipes):
            lines.append("(define %s-req%d (make-channel)) (define %s-rep%d (make-channel))"
                         % (P, q, P, q))
        # threads that raise at the bottom of a deep recursion: their stacks, heap objects of MBs,
        # are walked by every verification on their CPU while they live
        errs = []
        if r.random() < 0.35 and "error" not in self.without and cpus_ok:
            for k in range(r.randint(1, 3)):
                code, desc = self.raise_spec()
                c = r.choice(cpus_ok)
                d = r.choice([x for x in [0, 100, 20000, 100000] if self.deep_fits(x, c)] or [100])
                errs.append(("%s-e%d" % (P, k), c, d, code, desc))
                self.work(d // 3)
                self.deep(d, c)
        # task lists (the model runs each thread's list in turn: they touch disjoint objects)
        for t in threads:
            if exhaust_phase and t is main:
                continue
            self.cur_cpu = t.cpu
            self.tasks(t, r.randint(*self.cfg["tasks"]))
        for q, (a, b) in enumerate(pipes):
            self.cur_cpu = max(a.cpu, b.cpu, key=lambda c: self.junk[c])
            m = self.affordable([1, 10, 100, 400], 2)
            kk, bb = r.randrange(6), self.nb()
            bigs = [r.randint(9000, 14000)] if (r.random() < self.cfg["big"] * 0.5
                                                and self.heap() < 500000) else []
            nbait = r.choice([0, 3, 50])
            msgs = [msg_make(i, kk, bb) for i in range(m)] + [big_old(n, bb, 500) for n in bigs]
            cs = [serve(x) for x in msgs]
            client = sum(chk(x) for x in msgs) % M
            server = ["%d" % len(msgs), sum(cs) % M]
            pos_a = r.randint(0, len(a.code))
            code = ("(pipe-client %s-req%d %s-rep%d %d %d %d '(%s) %d)"
                    % (P, q, P, q, m, kk, bb, " ".join(map(str, bigs)), nbait))
            # insert at pos_a: results recorded in order, so recompute the order of results
            a.code.insert(pos_a, ("PIPE", code, client))
            pos_b = r.randint(0, len(b.code))
            b.code.insert(pos_b, ("PIPE", "(pipe-server %s-req%d %s-rep%d)" % (P, q, P, q), server))
            self.work(sum(size(x) for x in msgs) * 3 + 200 * m)
            self.publish(2 * len(msgs) + nbait)
        # thread results that are big structures built on the child's CPU
        for t in workers:
            if r.random() < 0.4:
                code, f, c = self.spec(big=r.random() < self.cfg["big"])
                t.ret = (code, f())
                self.work(c)
        # spinners, error threads, the exhauster
        spinners = []
        if (not exhaust_phase and self.cpus >= 2 and r.random() < 0.35
                and "spin" not in self.without):
            for k in range(r.randint(1, 2)):
                kind = r.choice(["(spin-vec %d)" % k, "(spin-car %d)" % k, "(spin-cell)"])
                spinners.append(("%s-s%d" % (P, k), r.randrange(1, self.cpus), kind))
        # the program
        if spinners:
            lines.append("(flags! #f)")
        for t in workers:
            lines.append("(define %s (spawn %s %d))"
                         % (t.name, self.worker_code_resolved(t), t.cpu))
        for name, c, kind in spinners:
            lines.append("(define %s (spawn (lambda () %s) %d))" % (name, kind, c))
        for name, c, d, code, desc in errs:
            lines.append("(define %s (spawn (lambda () (raise-deep %d (lambda () %s))) %d))"
                         % (name, d, code, c))
        if exhaust_phase:
            k = r.choice([0, 100, 5000, 20000])
            lines.append("(define %s-x (spawn (lambda () (exhaust %d)) %d))" % (P, k, xcpu))
            self.junk[xcpu] += 10**6
            self.work(50000)
        if not exhaust_phase:
            pre = []
            if spinners:
                pre.append("(sleep %d)" % r.choice([5, 20, 50]))
                pre.append(r.choice(["(gc)"] if "gcfull" in self.without else
                                    ["(gc 'full)", "(gc 'full)", "(gc)",
                                     "(begin (gc) (gc 'full))"]))
                pre.append("(flags! #t)")
            main_body = pre + [self.resolve(main)]
            lines.append("(define %s-main (let ((L (make-vector %d 0)) (out '()))\n  %s\n"
                         "  (reverse out)))" % (P, NL, "\n  ".join(main_body)))
            lines.append("(show \"%s main \" %s-main)" % (P, P))
            out.append("%s main %s" % (P, fmt(main.results)))
            lines.append("(set! %s-main #f)" % P)
        for t in workers:
            lines.append("(show \"%s \" (let ((r (thread-join %s))) (list (car r) (chk (cdr r)))))"
                         % (t.name, t.name))
            out.append("%s %s" % (t.name, fmt([t.results, chk(t.ret[1]) if t.ret else 1])))
            lines.append("(set! %s #f)" % t.name)
        for name, c, kind in spinners:
            lines.append("(show \"%s \" (thread-join %s))" % (name, name))
            out.append("%s released" % name)
        for name, c, d, code, desc in errs:
            lines.append("(show \"%s \" (guard (e (#t (err-desc e))) (thread-join %s) 'no-error))"
                         % (name, name))
            out.append("%s %s" % (name, fmt(desc)))
        if exhaust_phase:
            lines.append("(show \"%s exhaust \" (guard (e ((heap-exhausted? e) 'exhausted) "
                         "(#t (err-desc e))) (thread-join %s-x)))" % (P, P))
            out.append("%s exhaust exhausted" % P)
            b = self.nb()
            lines.append("(show \"%s after \" (thread-join (spawn (lambda () "
                         "(chk (mk-list 1000 %d))) %d)))" % (P, b, xcpu))
            out.append("%s after %d" % (P, chk(mk_list(1000, b))))
        if race:
            lines.append("(show \"%s race \" (race-ok? %d))" % (P, self.port_total))
            out.append("%s race (#t #t #t #t)" % P)
        lines.append("(show \"%s G \" (chk G) \" \" (chk-x))" % P)
        out.append("%s G %d %d" % (P, chk(Vec(self.G)), chk(plist(self.X))))
        self.work(self.live())
        # between phases: the REPL alone; it drops the big values now and then (the verifier walks
        # the whole heap at every collection: a big heap makes every collection slow)
        if self.live() > 30000 and r.random() < 0.7:
            for i in range(NG):
                if size(self.G[i]) > 5000:
                    lines.append("(vector-set! G %d 0)" % i)
                    self.G[i] = 0
            for i in range(NX):
                if size(self.X[i]) > 5000:
                    lines.append("(set! X%d 0)" % i)
                    self.X[i] = 0
            self.dirty()
        if r.random() < 0.3:
            lines.append(r.choice(["(gc)"] if "gcfull" in self.without else ["(gc)", "(gc 'full)"]))
            if lines[-1] == "(gc 'full)":
                self.junk[0] = 0
        for c in range(self.cpus):
            if self.junk[c] > 100000 and "gcfull" not in self.without:
                lines.append("(thread-join (spawn (lambda () (gc 'full)) %d))" % c)
                self.junk[c] = 0
        if r.random() < 0.08 and "error" not in self.without:
            c = r.randrange(self.cpus)
            k = r.randrange(100)
            lines.append("(thread-join (spawn (lambda () (error \"uncaught-%d\" %d (list %d))) %d))"
                         % (k, k, k, c))
            out.append("error: uncaught-%d %d (%d)" % (k, k, k))

    def resolve(self, th):
        """The task list as code, with the pipe tasks in place; results in program order."""
        code, results, ri = [], [], 0
        # results of ordinary tasks are in th.results in order of the non-pipe recording tasks
        for c in th.code:
            if isinstance(c, tuple):
                code.append("(set! out (cons %s out))" % c[1])
                results.append(c[2])
            else:
                code.append(c)
                if c.startswith("(set! out (cons "):
                    results.append(th.results[ri])
                    ri += 1
        th.results = results
        return "\n  ".join(code) if code else "#t"

    def worker_code_resolved(self, th):
        body = self.resolve(th)
        ret = "(cons (reverse out) %s)" % (th.ret[0] if th.ret else "#f")
        return ("(lambda ()\n  (let ((L (make-vector %d 0)) (out '()))\n  %s\n  %s))"
                % (NL, body, ret))

    def program(self):
        r = self.rng
        args = ["--cpus", str(self.cpus)]
        exhaust = r.random() < self.cfg["exhaust"]
        if exhaust:
            self.heap_mb = r.choice([16, 24, 32])
            args += ["--heap-mb", str(self.heap_mb)]
        if r.random() < 0.3:
            args += ["--nursery-kb", str(r.choice([64, 128, 512]))]
        nph = r.randint(*self.cfg["phases"])
        xph = r.randrange(nph) if exhaust else -1
        for p in range(nph):
            self.phase_budget = self.cfg["budget"] * (p + 1) / nph
            self.phase(p, p == xph)
        self.lines.append("(show \"end \" (chk G) \" \" (chk-x))")
        self.out.append("end %d %d" % (chk(Vec(self.G)), chk(plist(self.X))))
        wo = " --without " + ",".join(sorted(self.without)) if self.without else ""
        head = [";; generated by tests/gen/gen.py: seed %d, %d CPUs, size %s%s (issue 12)"
                % (self.seed, self.cpus, self.size, wo),
                ";; replay: python3 tests/gen/gen.py --seed %d --cpus %d --size %s%s -o DIR && "
                "build/host-asan/bin/lisp --verify $(cat DIR/prog.args) DIR/prog.scm"
                % (self.seed, self.cpus, self.size, wo),
                ";; args: %s" % " ".join(args),
                ";; expected output: prog.out (computed by gen.py's model; cost %d)" % self.cost]
        if getattr(self, "byte_races", False):
            # CPUs race on the bytes of one string or string port: memory-safe by design (ASan
            # checks it), but a data race on bytes for ThreadSanitizer, so no TSan run
            head.append(";; byte-races: no tsan")
        return "\n".join(head) + prelude() + "\n".join(self.lines) + "\n", \
            "\n".join(self.out) + "\n", " ".join(args) + "\n"


def main():
    ap = argparse.ArgumentParser(description="random multi-threaded Scheme programs (issue 12)")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--without", default="",
                    help="comma-separated features to leave out, to narrow a failure down: "
                    + ",".join(FEATURES))
    ap.add_argument("-o", dest="dir", required=True)
    a = ap.parse_args()
    if not 1 <= a.cpus <= 16:
        ap.error("--cpus takes 1..16")
    without = [w for w in a.without.split(",") if w]
    for w in without:
        if w not in FEATURES:
            ap.error("--without: no feature %s (%s)" % (w, ",".join(FEATURES)))
    res = {}

    def run():
        res["v"] = Gen(a.seed, a.cpus, a.size, without).program()
    # the model's checksum recurses on nesting depth: a big stack
    sys.setrecursionlimit(200000)
    threading.stack_size(512 << 20)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "v" not in res:
        sys.exit(1)
    scm, out, args = res["v"]
    os.makedirs(a.dir, exist_ok=True)
    for name, text in (("prog.scm", scm), ("prog.out", out), ("prog.args", args)):
        with open(os.path.join(a.dir, name), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
