"""ctlgen.py -- seeded generator of control programs for the differential test (diff.py):
call/cc escapes and re-entry, dynamic-wind, exceptions (guard, raise, raise-continuable,
with-exception-handler), the multiple-value binding forms, loops and deep tail calls, the
higher-order list, vector and string procedures, case, parameterize, promises, records.
program(seed) gives top-level forms; each (%check (lambda () E)) prints E's values on one line.
Side effects are collected in a trace list that the check returns, never printed as they
happen, so a line is one check's whole answer."""
import random

SYMS = ["a", "b", "c", "x", "y", "z", "foo", "bar"]
WORDS = ["", "a", "ab", "abc", "hello", "Zz9", "x y", "\\u03bb", "caf\\u00e9", "A-b_c", "12"]


def chk(body):
    return "(%%check (lambda () %s))" % body


def ilist(r, n=None, lo=-5, hi=20):
    n = r.randrange(0, 7) if n is None else n
    return [r.randint(lo, hi) for _ in range(n)]


def qlist(xs):
    return "'(" + " ".join(str(x) for x in xs) + ")"


def word(r):
    w = r.choice(["", "a", "ab", "abc", "hello", "Zz9", "x y", "A-b_c", "12", "lambda",
                  "\u03bbx", "caf\u00e9", "stra\u00dfe", "MiXeD", "tab\\there", "q\\\"uote"])
    return '"' + w + '"'


# ---- call/cc ----

def escape_iter(r):
    xs = ilist(r, r.randrange(1, 9))
    target = r.choice(xs + [99])
    it = r.randrange(6)
    test = "(if (= x %d) (k (list 'found x %s)))" % (target, r.choice(["i", "(* i 10)"]))
    if it == 0:
        loop = "(for-each (lambda (x) (set! i (+ i 1)) %s) %s)" % (test, qlist(xs))
    elif it == 1:
        loop = "(map (lambda (x) (set! i (+ i 1)) %s x) %s)" % (test, qlist(xs))
    elif it == 2:
        loop = "(vector-for-each (lambda (x) (set! i (+ i 1)) %s) (list->vector %s))" % (
            test, qlist(xs))
    elif it == 3:
        loop = "(vector-map (lambda (x) (set! i (+ i 1)) %s x) (list->vector %s))" % (
            test, qlist(xs))
    elif it == 4:
        loop = "(do ((l %s (cdr l))) ((null? l)) (let ((x (car l))) (set! i (+ i 1)) %s))" % (
            qlist(xs), test)
    else:
        loop = "(let loop ((l %s)) (if (pair? l) (let ((x (car l))) (set! i (+ i 1)) %s " \
               "(loop (cdr l)))))" % (qlist(xs), test)
    return chk("(let ((i 0)) (list (call-with-current-continuation (lambda (k) %s 'none)) i))"
               % loop)


def reentry_let(r):
    m = r.randrange(1, 6)
    s = r.randint(1, 9)
    return chk("""(let ((k #f) (n 0) (acc '()))
  (let ((v (call/cc (lambda (c) (set! k c) 0))))
    (set! acc (cons v acc))
    (set! n (+ n 1))
    (if (< n %d) (k (* n %d)) (reverse acc))))""" % (m, s))


def reentry_map(r):
    """Re-entering a continuation captured in map's procedure must not change the lists that
    map returned before (R7RS 6.10). Guile's vector-map does (QUIRKS): a known answer."""
    xs = r.sample(range(10), r.randrange(1, 7))
    p = r.choice(xs)
    times = r.randrange(1, 4)
    kind = r.randrange(3)
    capture = "(call/cc (lambda (c) (if (and (= x %d) (not k)) (set! k c)) %s))"
    base = list(xs)
    if kind == 0:
        m = "(map (lambda (x) %s) %s)" % (capture % (p, "x"), qlist(xs))
    elif kind == 1:
        m = "(vector-map (lambda (x) %s) (list->vector %s))" % (capture % (p, "x"), qlist(xs))
    else:
        ys = ilist(r, r.randrange(1, 7), 0, 9)
        m = "(map (lambda (x y) %s) %s %s)" % (capture % (p, "(+ x y)"), qlist(xs), qlist(ys))
        base = [x + y for x, y in zip(xs, ys)]
    results = [base]
    if xs.index(p) < len(base):
        for i in range(1, times + 1):
            results.append(base[:xs.index(p)] + [100 * i] + base[xs.index(p) + 1:])
    show = (lambda l: "#(" + " ".join(map(str, l)) + ")") if kind == 1 else \
        (lambda l: "(" + " ".join(map(str, l)) + ")")
    expected = "'((" + " ".join(show(x) for x in results) + "))"
    return "(%%known %s (lambda () %s))" % (expected, """(let ((k #f) (results '()))
  (let ((r %s))
    (set! results (cons r results))
    (if (and k (< (length results) %d)) (k (* 100 (length results))) (reverse results))))"""
                                           % (m, times + 1))


def generator(r):
    """A generator over a tree made with call/cc: control goes back and forth."""
    tree = rtree(r, 3)
    return chk("""(let ()
  (define (tree-walk tree yield) (cond ((null? tree) 'skip) ((pair? tree) (tree-walk (car tree) yield) (tree-walk (cdr tree) yield)) (else (yield tree))))
  (define (make-gen tree)
    (define return #f)
    (define resume #f)
    (define (yield v) (call/cc (lambda (k) (set! resume k) (return v))))
    (lambda ()
      (call/cc (lambda (r)
        (set! return r)
        (if resume (resume 'go) (begin (tree-walk tree yield) (return 'done)))))))
  (let ((g (make-gen '%s)))
    (let loop ((acc '()) (n 0))
      (let ((v (g)))
        (if (or (eq? v 'done) (> n 50)) (reverse acc) (loop (cons v acc) (+ n 1)))))))""" % tree)


def rtree(r, d):
    if d == 0 or r.randrange(3) == 0:
        return str(r.randint(0, 9)) if r.randrange(4) else "()"
    return "(" + " ".join(rtree(r, d - 1) for _ in range(r.randrange(0, 4))) + ")"


# ---- dynamic-wind ----

class Wind:
    """Nested dynamic-winds, guards and captured continuations with an escape somewhere."""

    def __init__(self, r):
        self.r = r
        self.n = 0
        self.ks = ["k0"]
        self.winds = 0	# dynamic-winds around the node being made

    def node(self, depth):
        r = self.r
        self.n += 1
        i = self.n
        k = r.randrange(7)
        if depth <= 0 or k == 0:
            return self.leaf(i)
        if k in (1, 2, 3):
            self.winds += 1
            body = self.node(depth - 1)
            self.winds -= 1
            return "(dynamic-wind (lambda () (note 'in%d)) (lambda () (note 'b%d) %s) " \
                   "(lambda () (note 'out%d)))" % (i, i, body, i)
        if k == 4:
            # only continuations captured outside every wind are escaped to: Guile leaves and
            # re-enters a wind that both ends share (wind_inner_escape, QUIRKS)
            inside = self.winds > 0
            if not inside:
                self.ks.append("k%d" % i)
            body = self.node(depth - 1)
            if not inside:
                self.ks.pop()
            return "(call/cc (lambda (k%d) %s))" % (i, body)
        if k == 5:
            # always an else: Guile does not re-enter to re-raise (guard_unwind, QUIRKS)
            return "(guard (e ((eq? e 'e%d) (note (list 'caught%d e)) 'g%d)%s (else (note (list " \
                   "'else%d (%%e e))) 'x%d)) %s)" % (
                       i, i, i, r.choice(["", " ((symbol? e) (note (list 'sym%d e)) 's%d)" % (i, i)]),
                       i, i, self.node(depth - 1))
        return "(with-exception-handler (lambda (e) (note (list 'h%d (%%e e))) %s) (lambda () %s))" \
            % (i, r.choice(["'hv%d" % i, "(raise (list 'from-h%d (%%e e)))" % i]),
               self.node(depth - 1))

    def leaf(self, i):
        r = self.r
        k = r.randrange(6)
        if k == 0:
            return "(%s 'esc%d)" % (r.choice(self.ks), i)
        if k == 1:
            return "(raise 'e%d)" % r.randrange(1, self.n + 2)
        if k == 2:
            return "(+ 1 (raise-continuable 'c%d))" % i
        if k == 3:
            return "(error \"boom\" %d)" % i
        return "'v%d" % i


def wind(r):
    w = Wind(r)
    body = w.node(r.randrange(2, 6))
    return chk("""(let ((trace '()))
  (define (note x) (set! trace (cons x trace)))
  (let ((r (guard (e (#t (list 'outer (%%e e))))
             (call/cc (lambda (k0) %s)))))
    (list r (reverse trace))))""" % body)


def wind_reentry(r):
    times = r.randrange(1, 4)
    inner = r.choice(["(note 'body)", "(dynamic-wind (lambda () (note 'in2)) "
                      "(lambda () (note 'body2)) (lambda () (note 'out2)))"])
    return chk("""(let ((trace '()) (k #f) (n 0))
  (define (note x) (set! trace (cons x trace)))
  (dynamic-wind
    (lambda () (note 'in))
    (lambda () (call/cc (lambda (c) (set! k c))) %s (note (list 'n n)))
    (lambda () (note 'out)))
  (set! n (+ n 1))
  (if (< n %d) (k 'again))
  (reverse trace))""" % (inner, times + 1))


def wind_inner_escape(r):
    """Escape to a continuation captured inside a dynamic-wind, from winds nested deeper: only
    the inner winds are left (R7RS 6.10). Guile leaves and re-enters the shared ones too
    (QUIRKS): a known answer."""
    a, b = r.randrange(1, 3), r.randrange(1, 3)
    body = "(k 'esc)"
    for i in range(a + b, a, -1):
        body = "(dynamic-wind (lambda () (note 'in%d)) (lambda () %s) (lambda () (note 'out%d)))" \
               % (i, body, i)
    body = "(note (call/cc (lambda (k) %s)))" % body
    for i in range(a, 0, -1):
        body = "(dynamic-wind (lambda () (note 'in%d)) (lambda () %s) (lambda () (note 'out%d)))" \
               % (i, body, i)
    trace = ["in%d" % i for i in range(1, a + b + 1)] + ["out%d" % i for i in range(a + b, a, -1)] \
        + ["esc"] + ["out%d" % i for i in range(a, 0, -1)]
    return "(%%known '((%s)) (lambda () (let ((trace '())) (define (note x) (set! trace (cons x " \
           "trace))) %s (reverse trace))))" % (" ".join(trace), body)


def wind_escape_out(r):
    """Escape from inside nested winds to a continuation captured outside, many times."""
    depth = r.randrange(1, 4)
    body = "(k 'out)"
    for i in range(depth, 0, -1):
        body = "(dynamic-wind (lambda () (note 'in%d)) (lambda () %s) (lambda () (note 'out%d)))" \
               % (i, body, i)
    return chk("""(let ((trace '()))
  (define (note x) (set! trace (cons x trace)))
  (let ((v (call-with-current-continuation (lambda (k) %s))))
    (list v (reverse trace))))""" % body)


# ---- exceptions ----

def raised(r):
    return r.choice(["(raise 'boom)", "(raise 42)", "(raise (list 'a 1))", "(raise \"str\")",
                     "(error \"msg\" 1 'two \"three\")", "(error \"just a message\")",
                     "(raise-continuable 'cont)", "(car (raise 'inner))", "'no-raise"])


def guard_form(r):
    clauses = r.sample([
        "((symbol? e) (list 'symbol e))",
        "((string? e) (list 'string e))",
        "((and (pair? e) (assq 'a (list e))) => (lambda (p) (list 'assq p)))",
        "((error-object? e) (list 'error (error-object-message e) (error-object-irritants e)))",
        "((number? e) (* e 2))",
        "((eq? e 'cont) 'continuable)",
    ], r.randrange(1, 4))
    if r.randrange(2):
        clauses.append("(else (list 'else (%e e)))")
    body = raised(r)
    inner = "(guard (e %s) %s)" % (" ".join(clauses), body)
    if r.randrange(2):	# an outer guard for what the inner one lets through
        inner = "(guard (e (#t (list 'outer (%%e e)))) %s)" % inner
    return chk(inner)


def guard_unwind(r):
    """A guard's clauses run in the guard's dynamic environment, and one that matches no
    clause re-raises in the raise's environment, re-entering it (R7RS 4.2.7). Guile does not
    re-enter (QUIRKS): a known answer."""
    match = r.randrange(2)
    depth = r.randrange(1, 3)
    body = "(raise 'x)"
    ins, outs = [], []
    for i in range(depth, 0, -1):
        body = "(dynamic-wind (lambda () (note 'in%d)) (lambda () %s) (lambda () (note 'out%d)))" \
               % (i, body, i)
    ins = ["in%d" % i for i in range(1, depth + 1)]
    outs = ["out%d" % i for i in range(depth, 0, -1)]
    if match:
        r_, trace = "inner", ins + outs + ["(inner x)"]
    else:
        r_, trace = "outer", ins + outs + ins + outs + ["(outer x)"]
    expected = "'((%s (%s)))" % (r_, " ".join(trace))
    return "(%%known %s (lambda () %s))" % (expected, """(let ((trace '()))
  (define (note x) (set! trace (cons x trace)))
  (let ((r (guard (e (#t (note (list 'outer e)) 'outer))
    (guard (e (%s (note (list 'inner e)) 'inner))
      %s))))
    (list r (reverse trace))))""" % ("(eq? e 'x)" if match else "(eq? e 'nothing)", body))


def handler(r):
    k = r.randrange(6)
    if k == 0:
        return chk("(with-exception-handler (lambda (e) (+ e %d)) (lambda () (* 2 "
                   "(raise-continuable %d))))" % (r.randint(0, 9), r.randint(0, 9)))
    if k == 1:
        return chk("(with-exception-handler (lambda (e) (list 'outer e)) (lambda () "
                   "(with-exception-handler (lambda (e) (raise-continuable (list 'inner e))) "
                   "(lambda () (raise-continuable %d)))))" % r.randint(0, 9))
    if k == 2:	# a handler that returns from raise: a secondary error
        return chk("(guard (e (#t 'secondary)) (with-exception-handler (lambda (e) 'ignored) "
                   "(lambda () (raise 'x))))")
    if k == 3:
        return chk("""(let ((trace '()))
  (define (note x) (set! trace (cons x trace)))
  (list (call/cc (lambda (k)
    (with-exception-handler
      (lambda (e) (note (list 'handler (%%e e))) (k (list 'escaped (%%e e))))
      (lambda () (dynamic-wind (lambda () (note 'in)) (lambda () %s) (lambda () (note 'out)))))))
   (reverse trace)))""" % raised(r))
    if k == 4:	# handlers run with the outer handler installed
        return chk("""(let ((log '()))
  (with-exception-handler
    (lambda (e) (set! log (cons (list 'outer e) log)) 10)
    (lambda ()
      (with-exception-handler
        (lambda (e) (set! log (cons (list 'inner e) log)) (+ 1 (raise-continuable (list 'again e))))
        (lambda () (let ((v (raise-continuable %d))) (list v (reverse log))))))))"""
                   % r.randint(0, 5))
    return chk("(guard (e ((error-object? e) (list (error-object-message e) "
               "(error-object-irritants e)))) (error %s %s))" % (
                   word(r), " ".join(r.choice(["1", "'x", "\"s\"", "'(1 2)", "#\\a"])
                                     for _ in range(r.randrange(4)))))


# ---- multiple values ----

def formals(r):
    n = r.randrange(0, 4)
    names = ["v%d" % i for i in range(n)]
    k = r.randrange(4)
    if k == 0 and n == 0:
        return "rest", names, "rest"
    if k == 1 and n > 0:
        return "(" + " ".join(names) + " . rest)", names, "rest"
    return "(" + " ".join(names) + ")", names, None


def values_expr(r, n):
    vals = [str(r.randint(0, 99)) for _ in range(n)]
    k = r.randrange(3)
    if k == 0:
        return "(values %s)" % " ".join(vals)
    if k == 1:
        return "(apply values (list %s))" % " ".join(vals)
    return "(call/cc (lambda (k) (k %s)))" % " ".join(vals)


def mv(r):
    binds = []
    used = []
    k_form = r.choice([0, 1, 2, 4])
    for j in range(r.randrange(1, 4)):
        f, names, rest = formals(r)
        f = f.replace("v", "v%d_" % j).replace("rest", "rest%d" % j)
        names = [x.replace("v", "v%d_" % j) for x in names]
        n = len(names) + (r.randrange(0, 3) if rest else 0)
        if r.randrange(12) == 0 and k_form < 2:
            n += 1	# a wrong count: an error on both sides (define-values: "it is an error")
        binds.append((f, values_expr(r, n)))
        used.append(names + (["rest%d" % j] if rest else []))
    out = "(list %s)" % " ".join(sum(used, []))
    k = k_form
    if k >= 3:
        out = "(list %s)" % " ".join(used[0])
    if k == 0:
        return chk("(let-values (%s) %s)" % (" ".join("(%s %s)" % b for b in binds), out))
    if k == 1:
        return chk("(let*-values (%s) %s)" % (" ".join("(%s %s)" % b for b in binds), out))
    if k == 2:
        return chk("(let () %s %s)" % (" ".join("(define-values %s %s)" % b for b in binds), out))
    return chk("(call-with-values (lambda () %s) (lambda %s %s))" % (binds[0][1], binds[0][0],
                                                                     out))


def mv_toplevel(r):
    f, names, rest = formals(r)
    tag = "t%d" % r.randrange(1000)
    f = f.replace("v", tag + "v").replace("rest", tag + "rest")
    names = [x.replace("v", tag + "v") for x in names] + ([tag + "rest"] if rest else [])
    n = len(names) - (1 if rest else 0) + (r.randrange(0, 3) if rest else 0)
    return ["(define-values %s %s)" % (f, values_expr(r, n)),
            chk("(list %s)" % " ".join(names))]


# ---- loops and tail calls ----

def tail_loop(r):
    n = r.choice([1000, 10000, 30000, 100000])
    k = r.randrange(9)
    step = "(loop (- i 1) (+ acc i))"
    if k == 0:
        body = "(if (= i 0) acc %s)" % step
    elif k == 1:
        body = "(cond ((= i 0) acc) (else %s))" % step
    elif k == 2:
        body = "(cond ((= i 0) acc) ((odd? i) %s) (else (let ((j i)) (loop (- j 1) (+ acc j)))))" \
               % step
    elif k == 3:
        body = "(case (modulo i 3) ((0) (if (= i 0) acc %s)) ((1) %s) (else (begin %s)))" % (
            step, step, step)
    elif k == 4:
        body = "(or (and (= i 0) acc) %s)" % step
    elif k == 5:
        body = "(if (= i 0) acc (apply loop (list (- i 1) (+ acc i))))"
    elif k == 6:
        body = "(when (>= i 0) (if (= i 0) acc (let* ((a i) (b acc)) %s)))" % step
    elif k == 7:
        body = "(if (= i 0) acc (call-with-values (lambda () (values (- i 1) (+ acc i))) loop))"
    else:
        body = "(if (= i 0) acc (letrec ((f (lambda () %s))) (f)))" % step
    return chk("(let loop ((i %d) (acc 0)) %s)" % (n, body))


def mutual(r):
    n = r.choice([999, 10000, 50001, 100000])
    return chk("""(let ()
  (define (ev? n) (if (= n 0) #t (od? (- n 1))))
  (define (od? n) (if (= n 0) #f (ev? (- n 1))))
  (list (ev? %d) (od? %d)))""" % (n, n))


def do_loop(r):
    n = r.randrange(0, 30)
    k = r.randrange(3)
    if k == 0:
        return chk("(do ((i 0 (+ i 1)) (a 0 b) (b 1 (+ a b))) ((= i %d) (list i a b)))" % n)
    if k == 1:
        return chk("(do ((vec (make-vector %d)) (i 0 (+ i 1))) ((= i %d) vec) (vector-set! vec i "
                   "(* i i)))" % (n, n))
    return chk("(let ((acc '())) (do ((i %d (- i 1))) ((< i 0) acc) (set! acc (cons i acc))))" % n)


def deep_recursion(r):
    n = r.choice([100, 1000, 5000])
    return chk("(let f ((i %d)) (if (= i 0) '() (cons i (f (- i 1)))))" % n
               if r.randrange(2) else
               "(length (let f ((i %d)) (if (= i 0) '() (cons i (f (- i 1))))))" % n)


# ---- higher-order procedures ----

def lists(r):
    nl = r.randrange(1, 4)
    return [qlist(ilist(r)) for _ in range(nl)]


def hof(r):
    k = r.randrange(12)
    ls = lists(r)
    args = " ".join("x%d" % i for i in range(len(ls)))
    if k == 0:
        return chk("(map (lambda (%s) (list %s)) %s)" % (args, args, " ".join(ls)))
    if k == 1:
        return chk("(map + %s)" % " ".join(ls))
    if k == 2:
        return chk("(let ((acc '())) (for-each (lambda (%s) (set! acc (cons (list %s) acc))) %s) "
                   "(reverse acc))" % (args, args, " ".join(ls)))
    if k == 3:
        return chk("(vector-map (lambda (%s) (list %s)) %s)" % (
            args, args, " ".join("(list->vector %s)" % l for l in ls)))
    if k == 4:
        return chk("(let ((acc '())) (vector-for-each (lambda (%s) (set! acc (cons (+ %s) acc))) "
                   "%s) acc)" % (args, args, " ".join("(list->vector %s)" % l for l in ls)))
    if k == 5:
        ws = [word(r) for _ in ls]
        return chk("(string-map (lambda (%s) %s) %s)" % (args, r.choice(
            ["x0", "(char-upcase x0)", "(if (char<? x0 #\\m) x0 #\\-)"]), " ".join(ws)))
    if k == 6:
        ws = [word(r) for _ in ls]
        return chk("(let ((acc '())) (string-for-each (lambda (%s) (set! acc (cons (list %s) acc)))"
                   " %s) acc)" % (args, args, " ".join(ws)))
    if k == 7:
        pre = " ".join(str(r.randint(0, 9)) for _ in range(r.randrange(4)))
        return chk("(apply %s %s %s)" % (r.choice(["+", "list", "max", "vector"]), pre, ls[0]))
    if k == 8:
        return chk("(list (fold cons '() %s) (fold + 0 %s) (reduce max 'none %s) (filter odd? %s) "
                   "(delete 3 %s))" % (ls[0], ls[0], ls[0], ls[0], ls[0]))
    if k == 9:
        al = "'(" + " ".join("(%s . %d)" % (r.choice(SYMS + ["1", "2", "\"s\""]), i)
                             for i in range(r.randrange(5))) + ")"
        key = r.choice(SYMS + ["1", "2", "\"s\""])
        q = "'" + key if key in SYMS else key
        return chk("(list (assq %s %s) (assv %s %s) (assoc %s %s) (assoc 2 %s (lambda (a b) "
                   "(and (number? b) (< a b)))))" % (q, al, q, al, q, al, al))
    if k == 10:
        x = r.randint(-5, 20)
        return chk("(list (memv %d %s) (member %d %s) (member %d %s <) (list-tail %s %d))" % (
            x, ls[0], x, ls[0], x, ls[0], ls[0], r.randrange(3)))
    if r.randrange(4) == 0:	# an improper list: its last cdr is kept (R7RS 6.4)
        return chk("(list-copy '(%s . %d))" % (" ".join(map(str, ilist(r, r.randrange(1, 5)))),
                                                 r.randrange(9)))
    return chk("(list (append %s) (reverse %s) (length %s) (list-copy %s) (last-pair (cons 0 %s)))"
               % (" ".join(ls), ls[0], ls[0], ls[0], ls[0]))


# ---- strings, characters, vectors ----

def strings(r):
    a, b = word(r), word(r)
    i, j = r.randrange(0, 4), r.randrange(0, 6)
    k = r.randrange(9)
    if k == 0:
        return chk("(list (string-append %s %s) (string-length %s) (string=? %s %s) "
                   "(string<? %s %s) (string-ci=? %s %s))" % (a, b, a, a, b, a, b, a, b))
    if k == 1:
        return chk("(substring %s %d %d)" % (a, i, j))
    if k == 2:
        return chk("(list (string-copy %s %d) (string->list %s %d) (string-upcase %s) "
                   "(string-downcase %s))" % (a, i, a, i, a, a))
    if k == 3:
        return chk("(let ((s (make-string %d #\\-))) (string-copy! s %d %s) s)" % (j + 2, i, a))
    if k == 4:
        return chk("(let ((s (string-copy %s))) (string-fill! s #\\* %d) s)" % (a, i))
    if k == 5:
        return chk("(list->string (reverse (string->list %s)))" % a)
    if k == 6:
        return chk("(map (lambda (c) (list c (char->integer c) (char-upcase c) (char-downcase c) "
                   "(char-alphabetic? c) (char-numeric? c) (char-whitespace? c) "
                   "(char-upper-case? c) (digit-value c))) (string->list %s))" % a)
    if k == 7:
        return chk("(list (string->symbol %s) (symbol->string '%s) (string->number %s) "
                   "(number->string %d %d))" % (
                       r.choice(['"abc"', '"x1"', '"foo-bar"']), r.choice(SYMS),
                       r.choice(['"12"', '"-7"', '"#xff"', '"abc"', '""']), r.randint(-99, 99),
                       r.choice([2, 8, 10, 16])))
    return chk("(list (string<? %s %s %s) (char<? #\\a #\\%s #\\z) (string->vector %s) "
               "(vector->string (vector #\\a #\\b)))" % (a, b, word(r), r.choice("abmyz"), a))


def vectors(r):
    xs = ilist(r)
    v = "(vector %s)" % " ".join(str(x) for x in xs)
    i, j = r.randrange(0, 4), r.randrange(0, 7)
    k = r.randrange(6)
    if k == 0:
        return chk("(list (vector-copy %s %d) (vector->list %s %d) (vector-length %s))"
                   % (v, i, v, i, v))
    if k == 1:
        return chk("(let ((v %s)) (vector-fill! v 'x %d %d) v)" % (v, i, j))
    if k == 2:
        return chk("(let ((v (make-vector %d 0))) (vector-copy! v %d %s) v)" % (j + 2, i, v))
    if k == 3:
        return chk("(vector-append %s %s #())" % (v, v))
    if k == 4:
        return chk("(vector-ref %s %d)" % (v, i))
    return chk("(let ((v %s)) (vector-set! v %d 'set) (vector->list v))" % (v, i))


# ---- other forms ----

def case_form(r):
    x = r.choice(["1", "5", "'a", "'z", "#\\a", "'()", "\"s\"", "2"])
    arrow = r.randrange(2)
    return chk("(case %s ((1 2 3) 'low) ((a b) 'sym) ((#\\a) 'char) ((()) 'nil) %s)" % (
        x, "(else => (lambda (v) (list 'else v)))" if arrow else "(else 'other)"))


def when_unless(r):
    c = r.choice(["#t", "#f", "(> 2 1)", "'()"])
    if r.randrange(2):
        return chk("(list (if %s (when %s 'w1 'w2) 'skip) (if %s 'skip (unless %s 'u1 'u2)))"
                   % (c, c, c, c))
    return chk("(let ((acc '())) (when %s (set! acc (cons 'w acc))) (unless %s (set! acc (cons 'u "
               "acc))) acc)" % (c, c))


def closures(r):
    n = r.randrange(1, 6)
    k = r.randrange(4)
    if k == 0:
        return chk("""(let ()
  (define (make-counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))
  (let ((c1 (make-counter)) (c2 (make-counter)))
    (let loop ((i 0) (acc '())) (if (= i %d) (list (reverse acc) (c2)) (loop (+ i 1) (cons (c1) acc))))))""" % n)
    if k == 1:
        return chk("(letrec ((even? (lambda (n) (if (= n 0) #t (odd? (- n 1))))) (odd? (lambda (n) "
                   "(if (= n 0) #f (even? (- n 1)))))) (list (even? %d) (odd? %d)))" % (n, n))
    if k == 2:
        return chk("(letrec* ((a %d) (b (* a 2)) (f (lambda () (+ a b)))) (f))" % n)
    return chk("(let () (define x %d) (define (f y) (* x y)) (define z (f 3)) (list x z "
               "(let ((x 100)) (f x))))" % n)


def params(r):
    a, b = r.randint(0, 9), r.randint(0, 9)
    k = r.randrange(3)
    if k == 0:
        return chk("(let ((p (make-parameter %d (lambda (x) (* x 10))))) (list (p) (parameterize "
                   "((p %d)) (p)) (p)))" % (a, b))
    if k == 1:
        return chk("(let ((p (make-parameter %d))) (list (call/cc (lambda (k) (parameterize ((p %d))"
                   " (k (p))))) (p)))" % (a, b))
    return chk("(let ((p (make-parameter %d)) (q (make-parameter 'q))) (parameterize ((p %d) "
               "(q (p))) (list (p) (q))))" % (a, b))


def promises(r):
    n = r.randint(0, 5)
    k = r.randrange(3)
    if k == 0:
        return chk("(let* ((count 0) (p (delay (begin (set! count (+ count 1)) (* count %d))))) "
                   "(list (force p) (force p) count))" % n)
    if k == 1:
        return chk("(let loop ((i 0) (p (make-promise 0))) (if (= i %d) (force p) (loop (+ i 1) "
                   "(delay-force (let ((j i)) (delay (+ j (force p))))))))" % n)
    return chk("(list (force (make-promise %d)) (promise? (make-promise 1)) (promise? %d))"
               % (n, n))


def case_lambda(r):
    args = " ".join(str(r.randint(0, 9)) for _ in range(r.randrange(0, 5)))
    return chk("(let ((f (case-lambda (() 'none) ((a) (list 'one a)) ((a b) (list 'two a b)) "
               "((a . rest) (list 'many a rest))))) (f %s))" % args)


def records(r):
    tag = "r%d" % r.randrange(1000)
    a, b = r.randint(0, 9), r.randint(0, 9)
    return ["(define-record-type %s (make-%s x y) %s? (x %s-x) (y %s-y set-%s-y!))" % (
        tag, tag, tag, tag, tag, tag),
        chk("(let ((p (make-%s %d %d))) (set-%s-y! p (+ (%s-x p) 10)) (list (%s? p) (%s? 5) "
            "(%s-x p) (%s-y p)))" % (tag, a, b, tag, tag, tag, tag, tag, tag))]


def quasi(r):
    a, b = r.randint(0, 9), r.randint(0, 9)
    return chk(r.choice([
        "`(1 ,(+ %d %d) ,@(list %d %d) . end)" % (a, b, a, b),
        "`#(x ,%d ,@(iota %d))" % (a, b % 4),
        "`(a `(b ,(c ,(+ %d %d))))" % (a, b),
        "(let ((x '(%d %d))) `(,@x ,@x ,x))" % (a, b),
        "`(,@'() . %d)" % a]))


def ports(r):
    return chk(r.choice([
        "(let ((p (open-output-string))) (write '(1 \"two\" #\\3) p) (display \" x\" p) "
        "(get-output-string p))",
        "(let ((p (open-input-string \"(a . b) 12 \\\"s\\\" #\\\\x\"))) "
        "(let loop ((acc '())) (let ((x (read p))) (if (eof-object? x) (reverse acc) "
        "(loop (cons x acc))))))",
        "(let ((p (open-input-string \"ab\\ncd\"))) (list (read-line p) (read-char p) "
        "(peek-char p) (read-string 5 p)))"]))


TEMPLATES = [(escape_iter, 3), (reentry_let, 2), (reentry_map, 2), (generator, 1), (wind, 5),
             (wind_reentry, 2), (wind_escape_out, 1), (wind_inner_escape, 1), (guard_form, 3), (guard_unwind, 1),
             (handler, 3), (mv, 4), (mv_toplevel, 1), (tail_loop, 2), (mutual, 1),
             (do_loop, 1), (deep_recursion, 1), (hof, 4), (strings, 3), (vectors, 2),
             (case_form, 1), (when_unless, 1), (closures, 2), (params, 1), (promises, 1),
             (case_lambda, 1), (records, 1), (quasi, 1), (ports, 1)]


def program(seed, checks=None):
    r = random.Random(seed)
    pool = [t for t, w in TEMPLATES for _ in range(w)]
    forms = []
    for _ in range(checks or r.randrange(8, 25)):
        f = r.choice(pool)(r)
        forms += f if isinstance(f, list) else [f]
    return forms


if __name__ == "__main__":
    import sys
    print("\n".join(program(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
