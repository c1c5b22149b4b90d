#!/usr/bin/env python3
"""fuzz.py LISP [COUNT [SEED [ACCEL]]] -- native loops (lisp/jit.c) against the interpreter.

Writes COUNT random named-let loops of fixnum counters (default 400, seed SEED, default 1) into
one program: compares of slots and immediates on every side, +, - and moves of slots and
immediates, several exits, more slots than the native code takes, starting values at the edges
of the fixnums, flonums, rationals, bignums and a symbol, counts past the fuel of one safe point.
Runs it with LISP --no-jit and with LISP, and fails unless the two print the same, the
interpreted run compiled no native loop and the other compiled at least a quarter of them.
With ACCEL (tcg or kvm), the same program also goes through the x86 kernel's console at SMP=2
(tests/qemu/scheme.sh, which boots it), against the interpreted run's output.
Prints PASS or FAIL lines."""
import random, subprocess, sys, tempfile, os

lisp = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
accel = sys.argv[4] if len(sys.argv) > 4 else None
rnd = random.Random(seed)

EDGE = [0, 1, -1, 2, 7, -7, 100, 32767, -32768, 1073741823, -1073741824, 1073741800,
        -1073741800, 536870912, -536870912]
ODD = ["0.5", "1/3", "'x", "(expt 2 40)", "(- (expt 2 40))", "-2.5"]

def init():
    r = rnd.random()
    if r < 0.05:
        return rnd.choice(ODD)
    if r < 0.25:
        return str(rnd.choice(EDGE))
    if r < 0.45:    # a few thousand small steps from an edge of the fixnums
        return str(rnd.choice([1, -1]) * rnd.randint(1073700000, 1073741823))
    return str(rnd.randint(-50, 50))

def imm():
    return str(rnd.choice([rnd.randint(-9, 9), rnd.randint(-40000, 40000), rnd.choice(EDGE)]))

def operand(vs):
    return rnd.choice(vs) if rnd.random() < 0.8 else imm()

def test(vs):
    op = rnd.choice(["<", ">", "<=", ">=", "="])
    a, b = operand(vs), operand(vs)
    if rnd.random() < 0.5:    # an exit that is rarely taken
        return "(%s %s %s)" % (rnd.choice(["=", ">", "<"]), rnd.choice(vs), rnd.choice([1000, -1000, 3, 1073741823]))
    if rnd.random() < 0.5:
        a = rnd.choice(vs)
    return "(%s %s %s)" % (op, a, b)

def arg(vs, v):
    r = rnd.random()
    if r < 0.2:
        return v
    if r < 0.35:
        return rnd.choice(vs)
    if r < 0.6:
        return "(+ %s %s)" % (rnd.choice(vs), operand(vs))
    if r < 0.7:
        return "(- %s %s)" % (rnd.choice(vs), operand(vs))
    if r < 0.85:
        return "(%s %s %d)" % (rnd.choice("+-"), v, rnd.randint(1, 30000))
    if r < 0.95:
        return "(+ %s %s)" % (operand(vs), rnd.choice(vs))
    return imm()

def loop(k):
    nv = rnd.choice([1, 2, 2, 3, 3, 4, 5, 6])
    vs = ["v%d" % i for i in range(nv)]
    n = rnd.choice([0, 1, 5, 100, 3000, 5000, 9000])
    call = "(loop (- n 1) %s)" % " ".join(arg(vs, v) for v in vs)
    out = "(list %s)" % " ".join("(h %s)" % v for v in vs)
    body = call
    for e in range(rnd.choice([0, 0, 1, 2])):
        if rnd.random() < 0.5:
            body = "(if %s '(exit %d) %s)" % (test(vs), e, body)
        else:
            body = "(if %s %s (list 'exit %d %s))" % (test(vs), body, e, out)
    binds = " ".join("(%s %s)" % (v, init()) for v in vs)
    return ("(show %d (guard (e (#t (list 'error (message e))))\n  (let loop ((n %d) %s)\n"
            "    (if (< n 0) %s %s))))\n" % (k, n, binds, out, body))

prelude = """(define (show . xs) (for-each display xs) (newline))
(define (message e) (if (error-object? e) (error-object-message e) e))
(define (h x) (if (exact-integer? x) (modulo x 1000003) x))
"""
src = prelude + "".join(loop(k) for k in range(count)) + '(show "native " (car (%native-loops)))\n'
fd, path = tempfile.mkstemp(suffix=".scm")
with os.fdopen(fd, "w") as f:
    f.write(src)

def run(flags):
    p = subprocess.run([lisp] + flags + [path], capture_output=True, text=True, timeout=600)
    lines = p.stdout.splitlines()
    native = int(lines[-1].split()[-1]) if lines and lines[-1].startswith("native") else -1
    return p.returncode, lines[:-1], native

name = "jit fuzz %s (%d loops, seed %d)" % (lisp, count, seed)
s1, interp, n1 = run(["--no-jit"])
s2, native, n2 = run([])
bad = None
if s1 != s2:
    bad = "exit status %d interpreted, %d native" % (s1, s2)
elif len(interp) != count:
    bad = "%d results of %d" % (len(interp), count)
elif interp != native:
    diff = [(a, b) for a, b in zip(interp, native) if a != b]
    bad = "%d results differ, first: interpreted %s, native %s" % (len(diff), diff[0][0], diff[0][1])
elif n1 != 0 or n2 < count // 4:
    bad = "native loops: %d with --no-jit, %d without (of %d)" % (n1, n2, count)
if bad:
    print("FAIL %s: %s (program kept in %s)" % (name, bad, path))
    sys.exit(1)
os.unlink(path)
print("PASS %s: %d native loops" % (name, n2))
if not accel:
    sys.exit(0)
# the kernel: the same loops, the interpreted run's lines, then whether any loop was native
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
base = os.path.join(top, "build", "tests", "jitfuzz-%d" % seed)
os.makedirs(os.path.dirname(base), exist_ok=True)
with open(base + ".scm", "w") as f:
    f.write(src.replace("(car (%native-loops))", "(> (car (%native-loops)) 0)"))
with open(base + ".out", "w") as f:
    f.write("\n".join(interp) + "\nnative #t\n")
p = subprocess.run([os.path.join(top, "tests", "qemu", "scheme.sh"), "file:" + base, "2", accel],
                   capture_output=True, text=True)
last = p.stdout.strip().splitlines()
print(p.stdout.strip() if p.returncode or not last or not last[-1].startswith("PASS") else last[-1])
sys.exit(0 if p.returncode == 0 and last and last[-1].startswith("PASS") else 1)
