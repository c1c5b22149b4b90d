#!/usr/bin/env python3
"""fuzz.py -- random and mutated input for the reader and the evaluator (issue 14), run on the
hosted interpreter under ASan/UBSan (build/host-asan/bin/lisp).

    fuzz.py [--count N | --minutes M] [--seed S] [--jobs J] [--timeout SEC] [--found DIR]
            [--keep DIR] [--no-minimise] [--lisp PATH]

--keep DIR keeps every input made (as SEED-KIND.scm); --lisp runs another interpreter.

Input number i is made from seed S+i alone (the default S is the time; every seed is printed),
so `fuzz.py --seed X --count 1 --keep DIR` makes input X again, and any number of jobs makes the
same inputs. Five kinds, by seed % 5:
  0 bytes      random bytes, uniform or from an alphabet of Scheme's delimiters, prefixes and
               escapes with invalid UTF-8 and control characters mixed in
  1 broken     generated data and programs (below), then 1-6 text mutations
  2 program    a generated program that ends by construction: expressions over generated data
               (lists, vectors, bytevectors, strings and |symbols| with escapes, characters,
               numbers of every radix and size, quote forms, comments); errors are allowed;
               each datum written and read back must be equal? (else "ROUNDTRIP-FAIL"; only
               this kind is judged on it: mutated, the prelude could print it by itself)
  3, 4 mutated a tests/scheme/ file named in tests/fuzz/corpus.list, 1-8 byte and
               line mutations, sometimes spliced with another corpus file
Words that could stop or block a program (exit, sleep, spawn, thread-join, channel-receive)
are renamed in every input. The interpreter has no file or network primitives.

A run fails on: anything on stderr but ASan's makecontext warning (a sanitizer report), a
signal (crash, abort), an exit status other than 0 or 1 (lisp_main.c: 1 = an expression
failed), "ROUNDTRIP-FAIL" on stdout, or a timeout (--timeout, default 5 s). A mutated corpus
file may loop forever by itself (a line swap can take a loop's exit away), so its timeout counts
only if reading its data alone, without evaluating it, fails too, given 10 times the limit;
otherwise it is a note. Runaway output (past 16 MiB) is the same kind of note for a mutated
file, a failure otherwise.
A failing input is minimised (lines, then byte ranges, keeping the kind of failure) and kept as
DIR/NAME.scm (DIR: --found, default tests/fuzz/found) with NAME.txt saying why and how to run
it. Every file in tests/fuzz/found/ is run first, as a regression case: it must pass (with 10
times the time limit). Exit status 0 if all passed.
Output: one PASS/FAIL line per regression case, a FAIL line per failing input, then
"PASS fuzz-read: N inputs ..." (or FAIL) and a summary line.
"""
import argparse
import concurrent.futures
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT_LIMIT = 16 << 20
HEAP_MB = 24
KINDS = ["bytes", "broken", "program", "mutated", "mutated"]
BLOCKING = [(b"emergency-exit", b"emergency-exix"), (b"exit", b"exix"), (b"sleep", b"sleex"),
            (b"spawn", b"spawx"), (b"thread-join", b"thread-joix"),
            (b"channel-receive", b"channel-receivx")]
READ_ONLY = b"(let loop () (if (not (eof-object? (guard (e (#t #f)) (read)))) (loop)))\n"

# ---- generated data ----

SYMS = ["a", "b", "x", "foo", "list", "car", "+", "-", "...", "->x", "a.b", "λ", "été", "x1",
        "vector", "string", "quote", "lambda", "if", "let", "define", "set!", "z"]
STR_ESC = ["\\n", "\\t", "\\\\", "\\\"", "\\a", "\\x41;", "\\x3bb;", "\\x1F600;", "\\x0;",
           "\\|", "\\r", "\\\n   "]
CHARS = ["a", "A", "space", "newline", "tab", "nul", "x41", "x3bb", "λ", "(", ")", ";", "\"",
         "#", "\\", "|", "x10FFFF", "xD7FF", "delete", "escape", "alarm"]


def gen_number(r):
    k = r.randrange(8)
    if k == 0:
        return str(r.randrange(-100, 100))
    if k == 1:
        return str(r.randrange(-10 ** 30, 10 ** 30))
    if k == 2:
        return "#x" + format(r.getrandbits(r.choice([4, 32, 64, 200])), "x")
    if k == 3:
        return "#b" + format(r.getrandbits(r.choice([3, 33, 65])), "b")
    if k == 4:
        return "#o" + format(r.getrandbits(40), "o")
    if k == 5:
        return r.choice(["#d", "#e", "#x#e", "#e#x"]) + str(r.randrange(0, 1000))
    if k == 6:
        return r.choice(["-", "+"]) + str(r.getrandbits(r.choice([30, 62, 63, 64, 65, 128])))
    return str(2 ** r.choice([29, 30, 31, 32, 61, 62, 63, 64, 100]) + r.randrange(-2, 3))


def gen_string(r):
    s = []
    for _ in range(r.randrange(12)):
        k = r.randrange(4)
        if k == 0:
            s.append(r.choice(STR_ESC))
        elif k == 1:
            s.append(chr(r.choice([r.randrange(0x20, 0x7f), r.randrange(0xa0, 0x800),
                                   r.randrange(0x800, 0xd800), r.randrange(0x10000, 0x110000)])))
        else:
            s.append(r.choice("abcdefghij ()[];#|'`,.@0123456789"))
    return '"' + "".join(s) + '"'


def gen_symbol(r):
    if r.randrange(4) == 0:
        body = "".join(r.choice(["a", " ", "(", ")", "\\|", "\\x41;", "λ", "#", ";", "1", "\\\\",
                                 "[", "]", "\\x7;"]) for _ in range(r.randrange(6)))
        return "|" + body + "|"
    return r.choice(SYMS)


def gen_atom(r):
    k = r.randrange(7)
    if k == 0:
        return gen_number(r)
    if k == 1:
        return gen_string(r)
    if k == 2:
        return "#\\" + r.choice(CHARS)
    if k == 3:
        return gen_symbol(r)
    if k == 4:
        return r.choice(["#t", "#f", "#true", "#false", "()"])
    if k == 5:
        return "#u8(" + " ".join(str(r.randrange(256)) for _ in range(r.randrange(5))) + ")"
    return gen_number(r) if r.randrange(2) else gen_symbol(r)


def gen_datum(r, depth):
    if depth <= 0 or r.randrange(3) == 0:
        return gen_atom(r)
    k = r.randrange(8)
    items = [gen_datum(r, depth - 1) for _ in range(r.randrange(5))]
    if k == 0:
        return "#(" + " ".join(items) + ")"
    if k == 1 and items:
        return "(" + " ".join(items) + " . " + gen_datum(r, depth - 1) + ")"
    if k == 2:
        return r.choice(["'", "`", ",", ",@"]) + gen_datum(r, depth - 1)
    if k == 3:
        sep = r.choice([" ; c\n ", " #| c #| n |# |# ", " #;" + gen_atom(r) + " ", "\n", "\t"])
        return "(" + sep.join(items) + ")"
    if k == 4:
        return "[" + " ".join(items) + "]"
    return "(" + " ".join(items) + ")"


def deep(r):
    n = r.choice([100, 1000, 5000])
    o, c = r.choice([("(", ")"), ("#(", ")"), ("'", ""), ("(a ", ")"), ("[", "]")])
    return o * n + gen_atom(r) + c * n


def gen_expr(r):
    """An expression that ends: no loops, no recursion, bounded sizes; errors are fine."""
    d = lambda: gen_datum(r, 3)
    n = lambda: gen_number(r)
    s = lambda: gen_string(r)
    i = lambda: str(r.randrange(-2, 12))
    forms = [
        lambda: "(write '%s)" % d(),
        lambda: "(rt '%s)" % d(),
        lambda: "(rt '%s)" % deep(r),
        lambda: "(display (list %s %s))" % (n(), s()),
        lambda: "(write (%s %s %s))" % (r.choice(["+", "-", "*", "quotient", "remainder", "modulo",
                                                   "gcd", "lcm", "max", "min", "=", "<"]), n(), n()),
        lambda: "(write (expt %s %d))" % (n(), r.randrange(-3, 150)),
        lambda: "(write (number->string %s %s))" % (n(), r.choice(["2", "8", "10", "16", "7"])),
        lambda: "(write (string->number %s %s))" % (s(), r.choice(["2", "10", "16"])),
        lambda: "(write (exact-integer-sqrt %s))" % n(),
        lambda: "(write (substring %s %s %s))" % (s(), i(), i()),
        lambda: "(write (string-ref %s %s))" % (s(), i()),
        lambda: "(write (string->symbol %s))" % s(),
        lambda: "(write (symbol->string '%s))" % gen_symbol(r),
        lambda: "(write (string-upcase %s))" % s(),
        lambda: "(write (list->string (reverse (string->list %s))))" % s(),
        lambda: "(write (utf8->string (bytevector %s)))" % " ".join(
            str(r.randrange(256)) for _ in range(r.randrange(6))),
        lambda: "(write (string->utf8 %s))" % s(),
        lambda: "(write (vector-ref (vector %s %s) %s))" % (d(), d(), i()),
        lambda: "(write (list-tail '%s %s))" % (d(), i()),
        lambda: "(write (append '%s '%s))" % (d(), d()),
        lambda: "(write (length '%s))" % d(),
        lambda: "(write (equal? '%s '%s))" % ((lambda x: (x, x))(d())),
        lambda: "(write (let ((x '%s)) (if (pair? x) (car x) x)))" % d(),
        lambda: "(write ((lambda (a . b) (list b a)) %s %s))" % (d(), d()),
        lambda: "(write (guard (e (#t (condition/report-string e))) (raise '%s)))" % d(),
        lambda: "(write (guard (e ((error-object? e) (error-object-message e))) (error %s '%s)))"
        % (s(), d()),
        lambda: "(write (call/cc (lambda (k) (+ 1 (k '%s)))))" % d(),
        lambda: "(write (call-with-values (lambda () (values %s %s)) list))" % (d(), d()),
        lambda: "(write `(1 ,%s ,@'%s))" % (n(), d()),
        lambda: "(write (read (open-input-string %s)))" % s(),
        lambda: "(read-all %s)" % s(),
        lambda: "(read-all %s)" % scheme_string(broken_text(r, d())),
        lambda: "(write (char->integer #\\%s))" % r.choice(CHARS),
        lambda: "(write (integer->char %s))" % r.choice(["0", "65", "955", "55296", "1114111",
                                                         "1114112", "-1", n()]),
        lambda: "(write (case %s ((1 2) 'low) ((a) 'sym) (else 'other)))" % d(),
        lambda: "(write (vector->list (make-vector %d '%s)))" % (r.randrange(5), d()),
        lambda: "(write (apply + (map (lambda (x) (if (number? x) x 0)) '%s)))" % d(),
        lambda: "(write (let ((p (open-output-string))) (write '%s p) (get-output-string p)))"
        % d(),
        lambda: "(rt (string->symbol %s))" % s(),
        lambda: "(rt (string->symbol (list->string (map integer->char '(%s)))))" % codes(r),
        lambda: "(rt (list->string (map integer->char '(%s))))" % codes(r),
        lambda: "(rt (map string->symbol '(%s)))" % " ".join(s() for _ in range(3)),
        lambda: "(let ((c (list '%s '%s))) (set-cdr! (cdr c) c) (write c) (write (equal? c c)))"
        % (d(), d()),
        lambda: "(let ((v (vector '%s 1))) (vector-set! v 1 v) (write (list v v)))" % d(),
        lambda: "(write (equal? (nest %d '%s) (nest %d '%s)))" % ((r.choice([10, 1000, 20000]),
                                                                   d()) * 2),
        lambda: "(rt (nest %d %s))" % (r.choice([10, 1000, 20000]),
                                       r.choice(["list", "vector", "(lambda (x) (cons x x))",
                                                 "(lambda (x) (list 'quote x))"])),
    ]
    return r.choice(forms)()


def codes(r):
    return " ".join(str(r.choice([r.randrange(0, 0x80), r.randrange(0x80, 0xd800),
                                  r.randrange(0xe000, 0x110000)])) for _ in range(r.randrange(8)))


PRELUDE = """(define (nest n f)
  (let loop ((i 0) (x '())) (if (< i n) (loop (+ i 1) (if (procedure? f) (f x) (list f x))) x)))
(define (rt d)
  (let ((back (read (open-input-string (call-with-output-string (lambda (o) (write d o)))))))
    (if (not (equal? back d))
        (begin (display (string-upcase "roundtrip-fail ")) (write d) (newline)))))
(define (condition/report-string e)
  (if (error-object? e) (error-object-message e) e))
(define (read-all s)
  (let ((p (open-input-string s)))
    (let loop ((n 0))
      (if (< n 200)
          (let ((v (guard (e (#t 'error)) (read p))))
            (if (not (eof-object? v)) (begin (write v) (loop (+ n 1)))))))))
"""


def scheme_string(text):
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append("\\x%x;" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def gen_program(r):
    lines = [PRELUDE]
    for _ in range(r.randrange(5, 40)):
        lines.append(gen_expr(r))
    return "\n".join(lines) + "\n"


# ---- mutation ----

TOKENS = [b"(", b")", b"[", b"]", b'"', b"#", b"|", b"#|", b"|#", b"#;", b".", b" . ", b"'",
          b"`", b",", b",@", b"\\", b"#\\", b"#\\x", b"#u8(", b"#(", b"\\x", b";", b"\n", b"\r",
          b"\r\n", b"\t", b"\0", b"\x04", b"\x1b", b"\x7f", b"\xff", b"\xc3", b"\xc3\x28",
          b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xce\xbb", b"#x", b"#e", b"#b",
          b"#!fold-case", b"1e3", b"1/2", b"-", b"+", b"...", b"99999999999999999999999",
          b"#\\x110000", b'"\\x110000;"', b"#\\xD800", b"\\x41", b"#t", b"#false", b"()"]


def mutate(r, data, times):
    data = bytearray(data)
    for _ in range(times):
        n = len(data)
        k = r.randrange(10)
        a = r.randrange(n + 1)
        b = min(n, a + r.choice([1, 1, 2, 8, 64, 512]))
        if k == 0 and n:
            del data[a:b]
        elif k in (1, 2):
            data[a:a] = r.choice(TOKENS)
        elif k == 3 and n:
            data[a:a] = data[a:b] * r.choice([1, 2, 10, 100])
        elif k == 4 and n:
            data[min(a, n - 1)] = r.randrange(256)
        elif k == 5 and n:
            data[min(a, n - 1)] ^= 1 << r.randrange(8)
        elif k == 6:
            del data[a:]
        elif k == 7:
            data[a:a] = bytes(r.randrange(256) for _ in range(r.randrange(1, 32)))
        elif k == 8:
            lines = bytes(data).split(b"\n")
            i, j = r.randrange(len(lines)), r.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        else:
            c = r.choice(b"()[]\"|#';")
            idx = [i for i, x in enumerate(data) if x == c]
            if idx:
                del data[r.choice(idx)]
    return bytes(data)


def broken_text(r, text):
    return mutate(r, text.encode(), r.randrange(1, 7)).decode("utf-8", "replace")


def random_bytes(r):
    n = r.choice([0, 1, 16, 256, 2048, 8192])
    n = r.randrange(n + 1)
    if r.randrange(2):
        return bytes(r.randrange(256) for _ in range(n))
    return b"".join(r.choice(TOKENS + [b" ", b"a", b"1", b"x", b"\n"]) for _ in range(n // 2))


def corpus():
    """The tests/scheme files named in corpus.list (fast, one CPU): mutated, not copied."""
    d = os.path.join(HERE, "..", "scheme")
    with open(os.path.join(HERE, "corpus.list")) as f:
        names = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return [os.path.join(d, n + ".scm") for n in names if os.path.exists(os.path.join(d, n + ".scm"))]


def make_input(seed, files):
    r = random.Random(seed)
    kind = KINDS[seed % len(KINDS)]
    if kind == "bytes":
        data = random_bytes(r)
    elif kind == "broken":
        data = mutate(r, gen_program(r).encode(), r.randrange(1, 7))
    elif kind == "program":
        data = gen_program(r).encode()
    else:
        with open(r.choice(files), "rb") as f:
            data = f.read()
        if r.randrange(4) == 0:
            with open(r.choice(files), "rb") as f:
                other = f.read().split(b"\n")
            lines = data.split(b"\n")
            cut = r.randrange(len(lines) + 1)
            data = b"\n".join(lines[:cut] + other[r.randrange(len(other) + 1):])
        data = mutate(r, data, r.randrange(1, 9))
    for word, safe in BLOCKING:
        data = data.replace(word, safe)
    return kind, data


# ---- running ----

def limits():
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUT_LIMIT, OUT_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(lisp, data, timeout, tmp, roundtrip=False):
    """(verdict, detail): verdict None (fine), 'timeout', 'output', or a failure class."""
    fd, path = tempfile.mkstemp(suffix=".scm", dir=tmp)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    env = dict(os.environ, ASAN_OPTIONS="exitcode=99:detect_leaks=0",
               UBSAN_OPTIONS="exitcode=99:print_stacktrace=1")
    with tempfile.TemporaryFile(dir=tmp) as out, tempfile.TemporaryFile(dir=tmp) as err:
        p = subprocess.Popen([lisp, "--heap-mb", str(HEAP_MB), path], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, env=env, preexec_fn=limits,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            os.unlink(path)
            return "timeout", "no end within %gs" % timeout
        os.unlink(path)
        err.seek(0)
        text = b"".join(l for l in err.read().splitlines(True)
                        if b"ASan doesn't fully support makecontext" not in l)
        out.seek(0)
        stdout = out.read(OUT_LIMIT)
    if text.strip():
        first = next((l for l in text.splitlines() if b"ERROR" in l or b"runtime error" in l),
                     text.splitlines()[0])
        return "stderr", first.decode("utf-8", "replace").strip()[:200]
    if rc == -signal.SIGXFSZ:
        return "output", "more than %d bytes of output" % OUT_LIMIT
    if rc < 0:
        return "signal", "killed by signal %d" % -rc
    if rc not in (0, 1):
        return "status", "exit status %d" % rc
    if roundtrip and b"ROUNDTRIP-FAIL" in stdout:
        line = stdout[stdout.index(b"ROUNDTRIP-FAIL"):].split(b"\n")[0]
        return "roundtrip", line.decode("utf-8", "replace")[:200]
    return None, ""


def judge(lisp, kind, data, timeout, tmp):
    """Run one input; (verdict, detail, note): verdict None when it passed."""
    v, detail = run(lisp, data, timeout, tmp, kind == "program")
    if v not in ("timeout", "output") or kind != "mutated":
        return v, detail, None
    v3, d3 = run(lisp, READ_ONLY + data, 10 * timeout, tmp)
    if v3 is not None:
        return v3, "reading alone: " + d3, None
    return None, "", "the program itself does not end (%s); reading it alone does" % detail


def minimise(lisp, kind, data, verdict, timeout, tmp, budget_s=60):
    """Smaller data that fails the same way: drop lines, then byte ranges. A generated
    program's prelude stays whole: cut, it could print the round trip's marker by itself."""
    end = time.time() + budget_s
    head = PRELUDE.encode() if data.startswith(PRELUDE.encode()) else b""
    data = data[len(head):]

    def fails(d):
        return time.time() < end and judge(lisp, kind, head + d, timeout, tmp)[0] == verdict

    for sep in (b"\n", None):
        parts = data.split(b"\n") if sep else [bytes([c]) for c in data]
        join = (lambda ps: b"\n".join(ps)) if sep else (lambda ps: b"".join(ps))
        chunk = max(1, len(parts) // 2)
        while chunk >= 1 and time.time() < end and (sep or len(parts) <= 4096):
            i, shrunk = 0, False
            while i < len(parts):
                trial = parts[:i] + parts[i + chunk:]
                if trial and fails(join(trial)):
                    parts, shrunk = trial, True
                else:
                    i += chunk
            if not shrunk:
                chunk //= 2
        data = join(parts)
    return head + data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--found", default=os.path.join(HERE, "found"))
    ap.add_argument("--keep")
    ap.add_argument("--no-minimise", action="store_true")
    ap.add_argument("--lisp", default=os.path.join(ROOT, "build/host-asan/bin/lisp"))
    a = ap.parse_args()
    if not os.access(a.lisp, os.X_OK):
        print("FAIL fuzz-read: no interpreter at %s" % a.lisp)
        return 2
    seed = a.seed if a.seed is not None else int(time.time())
    files = corpus()
    os.makedirs(a.found, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="fuzz-read-")
    failed = 0
    try:
        regress = os.path.join(HERE, "found")
        for f in sorted(os.listdir(regress)) if os.path.isdir(regress) else []:
            if not f.endswith(".scm"):
                continue
            with open(os.path.join(regress, f), "rb") as fh:
                v, detail = run(a.lisp, fh.read(), 10 * a.timeout, tmp, "-program-" in f)
            print("%s fuzz-read found/%s%s" % ("FAIL" if v else "PASS", f,
                                                ": " + detail if v else ""))
            failed += v is not None
        start = time.time()
        deadline = start + 60 * a.minutes if a.minutes else None
        counts = {k: 0 for k in KINDS}
        notes, bad, n = [], 0, 0

        def one(s):
            kind, data = make_input(s, files)
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                with open(os.path.join(a.keep, "%d-%s.scm" % (s, kind)), "wb") as fh:
                    fh.write(data)
            return (s, kind, data) + judge(a.lisp, kind, data, a.timeout, tmp)

        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            pending = set()
            while True:
                while len(pending) < 2 * a.jobs and (
                        (deadline is None and n < a.count) or
                        (deadline is not None and time.time() < deadline)):
                    pending.add(pool.submit(one, seed + n))
                    n += 1
                if not pending:
                    break
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for fut in done:
                    s, kind, data, v, detail, note = fut.result()
                    counts[kind] += 1
                    if note:
                        notes.append("seed %d (%s): %s" % (s, kind, note))
                    if v is None:
                        continue
                    bad += 1
                    name = "%d-%s-%s" % (s, kind, v)
                    small = data if a.no_minimise else minimise(a.lisp, kind, data, v,
                                                                 a.timeout, tmp)
                    with open(os.path.join(a.found, name + ".scm"), "wb") as fh:
                        fh.write(small)
                    with open(os.path.join(a.found, name + ".txt"), "w") as fh:
                        fh.write("%s: %s\nseed %d, kind %s, %d bytes (minimised from %d)\n"
                                 "make it again: python3 tests/fuzz/fuzz.py --seed %d --count 1"
                                 " --keep DIR\nrun it: %s --heap-mb %d %s.scm\n"
                                 % (v, detail, s, kind, len(small), len(data), s,
                                    os.path.relpath(a.lisp, ROOT), HEAP_MB,
                                    os.path.relpath(os.path.join(a.found, name), ROOT)))
                    print("FAIL fuzz-read seed %d (%s): %s: %s" % (s, kind, v, detail))
                    print("  kept as %s.scm (%d bytes, from %d), with %s.txt"
                          % (os.path.relpath(os.path.join(a.found, name), ROOT), len(small),
                             len(data), name))
        for note in notes:
            print("note: " + note)
        took = time.time() - start
        print("%s fuzz-read: %d inputs from seed %d (%s) in %.0fs, %d failed"
              % ("FAIL" if bad else "PASS", n, seed,
                 ", ".join("%d %s" % (c, k) for k, c in counts.items()), took, bad))
        failed += bad
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("fuzz-read: seeds %d..%d, %d failed" % (seed, seed + n - 1, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
