#!/usr/bin/env python3
"""diff.py -- the differential test: generated Scheme programs run by our hosted interpreter
and by Guile 3.0, outputs compared line by line (tests/diff/README.md).

    diff.py [--count N | --minutes M] [--seed S] [--jobs J] [--lisp PATH] [--guile PATH]
            [--found DIR] [--keep DIR] [--timeout SEC] [--no-minimise] [FILE...]

Program number i is made from seed S+i alone (the default S is the time; it is printed):
an even seed makes an integer-arithmetic program (intgen.py), an odd one a control program
(ctlgen.py); so --seed X --count 1 makes program X again, with any number of jobs, and
--keep DIR keeps every program made (SEED-KIND.scm, without the prelude). Each top-level
check prints its values (write) on one line, "#<error>" when it raised: errors are compared as
"an error happened", never by their text; objects written #<...> compare as "some object".
A program Guile itself cannot run (its status is not 0) is a note, not a failure.

A program fails when its output differs from Guile's (or ours crashes, hangs, or writes to
stderr: a sanitizer), unless the difference goes away with the forms that match a pattern of
found/OPEN (known bugs of ours, KNOWN lines) or QUIRKS (where Guile is not R7RS) removed: then
it is counted as known. A failing program is minimised (delta debugging over top-level forms,
then over subexpressions, keeping the kind of difference) and kept as DIR/SEED-KIND.scm (DIR:
--found, default tests/diff/found/) with the two outputs in its comments. Every .scm file in
tests/diff/found/ is run first: it must pass, or be known. FILE... runs just those files.
Exit status: 0 if nothing failed but known differences; 1 otherwise; 2 when something is
missing (no interpreter, no guile).
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import ctlgen  # noqa: E402
import intgen  # noqa: E402
import sexp  # noqa: E402

KINDS = ["int", "ctl"]
OUT_LIMIT = 4 << 20

# Both sides run this first: %check prints a thunk's values, or #<error>; %e turns a condition
# the test did not make into a symbol (Guile's and ours print differently); %known compares
# with an answer the generator knows (where Guile is not R7RS: QUIRKS), Guile does not run it.
PRELUDE = """(define (%id x) x)
(define %failed (list 'failed))
(define (%show vs)
  (if (null? vs)
      (display "#<no values>")
      (begin (write (car vs))
             (for-each (lambda (v) (display " ") (write v)) (cdr vs)))))
(define (%values thunk)
  (guard (e (#t %failed)) (call-with-values thunk list)))
(define (%check thunk)
  (let ((vs (%values thunk)))
    (if (eq? vs %failed) (display "#<error>") (%show vs))
    (newline)))
(define (%e e)
  (cond ((and (error-object? e) (member (error-object-message e) '("boom" "msg" "just a message")))
         (list 'error (error-object-message e) (error-object-irritants e)))
        ((or (symbol? e) (number? e) (string? e) (pair? e) (null? e)) e)
        (else 'some-condition)))
"""
OURS_PRELUDE = """(define (%known expected thunk)
  (let ((vs (%values thunk)))
    (cond ((equal? vs expected) (display "#<as expected>"))
          ((eq? vs %failed) (display "#<error>"))
          (else (%show vs)))
    (newline)))
"""
# Guile's R7RS names, SRFI-1's map and for-each, an R7RS string-for-each (Guile's own stop
# with an error on lists or strings of different lengths), irritants () rather than #f
# (QUIRKS)
GUILE_PRELUDE = """(import (scheme base) (scheme char) (scheme write) (scheme cxr)
        (scheme case-lambda) (scheme lazy) (srfi srfi-1) (srfi srfi-8))
(define error-object-irritants
  (let ((irritants error-object-irritants)) (lambda (e) (or (irritants e) '()))))
(define (string-for-each f s . ss) (apply for-each f (string->list s) (map string->list ss)))
(define (%known expected thunk) (display "#<as expected>") (newline))
"""


def load_patterns(path, word):
    """[(description, regex)] from the WORD lines of path: WORD description... pattern."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] == word:
                out.append((" ".join(parts[1:-1]), re.compile(parts[-1])))
    return out


def program(seed):
    kind = KINDS[seed % 2]
    forms = intgen.program(seed) if kind == "int" else ctlgen.program(seed)
    return kind, forms


MARKERS = ("#<error>", "#<no values>", "#<as expected>")


def opaque(line):
    """Objects written as #<...> (procedures, parameters, conditions, promises, records)
    look different in every implementation: compared only as "some object". Brackets nest
    (Guile: #<<parameter> 7f.. proc: #<procedure ..>>)."""
    out, i = [], 0
    while i < len(line):
        if line.startswith("#<", i) and not any(line.startswith(m, i) for m in MARKERS):
            depth, j = 0, i + 1
            while j < len(line):
                depth += {"<": 1, ">": -1}.get(line[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append("#[object]")
            i = j
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def normalise_guile(text):
    # R7RS writes the null character #\null; Guile #\nul (QUIRKS)
    return re.sub(r"#\\nul(?![a-z])", r"#\\null", text)


class Runner:
    def __init__(self, lisp, guile, timeout, tmp):
        self.lisp, self.guile, self.timeout, self.tmp = lisp, guile, timeout, tmp
        self.cache = {}

    def _run(self, argv, text, timeout):
        fd, path = tempfile.mkstemp(suffix=".scm", dir=self.tmp)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        env = dict(os.environ, LC_ALL="C.UTF-8", ASAN_OPTIONS="exitcode=99:detect_leaks=0",
                   UBSAN_OPTIONS="exitcode=99:print_stacktrace=1")
        try:
            with tempfile.TemporaryFile(dir=self.tmp) as out, \
                    tempfile.TemporaryFile(dir=self.tmp) as err:
                p = subprocess.Popen(argv + [path], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=err, env=env, start_new_session=True)
                try:
                    rc = p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                    rc = "timeout"
                out.seek(0)
                err.seek(0)
                return rc, out.read(OUT_LIMIT).decode("utf-8", "replace"), \
                    err.read(OUT_LIMIT).decode("utf-8", "replace")
        finally:
            os.unlink(path)

    def ours(self, forms, timeout=None):
        rc, out, err = self._run([self.lisp], PRELUDE + OURS_PRELUDE + "\n".join(forms) + "\n",
                                 timeout or self.timeout)
        err = "\n".join(l for l in err.splitlines()
                        if "ASan doesn't fully support makecontext" not in l).strip()
        trouble = None
        if rc == "timeout":
            trouble = "timeout"
        elif err:
            trouble = "stderr: " + err.splitlines()[0][:200]
        elif rc not in (0, 1):
            trouble = "exit status %s" % rc
        return out, trouble

    def theirs(self, forms, timeout=None):
        key = "\n".join(forms)
        if key in self.cache:
            return self.cache[key]
        rc, out, err = self._run([self.guile, "--no-auto-compile", "--r7rs", "-s"],
                                 GUILE_PRELUDE + PRELUDE + key + "\n",
                                 timeout or 4 * self.timeout)
        trouble = None
        if rc != 0:
            msg = [l for l in err.splitlines() if l.strip() and "WARNING" not in l]
            trouble = "guile: %s%s" % ("timeout" if rc == "timeout" else "status %s" % rc,
                                       ": " + msg[-1][:200] if msg else "")
        res = normalise_guile(out), trouble
        self.cache[key] = res
        return res

    def compare(self, forms, timeout=None):
        """None when the outputs agree, else (kind, detail): kind is what the minimiser keeps."""
        ours, trouble = self.ours(forms, timeout)
        if trouble:
            return ("crash" if trouble != "timeout" else "timeout"), trouble
        theirs, gtrouble = self.theirs(forms)
        if gtrouble:
            return "guile", gtrouble
        a, b = ours.splitlines(), theirs.splitlines()
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else "<nothing>"
            y = b[i] if i < len(b) else "<nothing>"
            if opaque(x) != opaque(y):
                if x == "#<error>":
                    kind = "ours-error"
                elif y == "#<error>":
                    kind = "guile-error"
                elif x.startswith("error: ") or i >= len(a) or i >= len(b):
                    kind = "lines"
                else:
                    kind = "value"
                return kind, "line %d: ours %s, guile %s" % (i + 1, x[:300], y[:300])
        return None


def without_known(forms, patterns):
    """(forms without those matching a pattern, the descriptions of the patterns matched)"""
    hit, keep = [], list(forms)
    for desc, rx in patterns:
        if any(rx.search(f) for f in keep):
            hit.append(desc)
            keep = [f for f in keep if not rx.search(f)]
    return keep, hit


def known(runner, forms, patterns):
    """The descriptions of the known differences that explain forms' difference: dropping the
    forms that match them makes it go away. None when they do not."""
    keep, hit = without_known(forms, patterns)
    if not hit:
        return None
    res = runner.compare(keep)
    return hit if res is None or res[0] == "guile" else None


def minimise(runner, forms, kind, patterns, budget_s=90):
    """Fewer and smaller forms with a difference of the same kind, none of them known."""
    forms = without_known(forms, patterns)[0]
    end = time.time() + budget_s
    t0 = time.time()
    runner.compare(forms)
    timeout = min(runner.timeout, 3 * (time.time() - t0) + 2)

    def fails(fs):
        if time.time() > end or without_known(fs, patterns)[1]:
            return False
        res = runner.compare(fs, timeout)
        return res is not None and res[0] == kind

    chunk = max(1, len(forms) // 2)	# delta debugging over the top-level forms
    while chunk >= 1:
        i, shrunk = 0, False
        while i < len(forms):
            trial = forms[:i] + forms[i + chunk:]
            if trial and fails(trial):
                forms, shrunk = trial, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    trees = []
    for f in forms:
        try:
            trees.append(sexp.parse(f)[0])
        except sexp.ParseError:
            trees.append(f)
    progress = True
    while progress and time.time() < end:	# then over subexpressions
        progress = False
        for n, tree in enumerate(trees):
            if isinstance(tree, str) or tree[:1] == ["%known"]:
                continue	# a known answer stays whole
            at_list = list(sexp.paths(tree))
            for at in at_list:
                if len(at) < 2:	# (%check (lambda () E)): E and below
                    continue
                try:
                    node = sexp.get(tree, at)
                except (IndexError, TypeError):
                    continue
                cands = []
                if isinstance(node, list) and node:
                    cands += [c for c in node if sexp.size(c) < sexp.size(node)]
                    cands += [None] if len(at) > 2 else []	# drop it from its list
                    cands += ["0", "1", "'()"]
                elif isinstance(node, str) and node not in ("0", "1"):
                    cands += ["0", "1"]
                for c in cands:
                    if c is None and not isinstance(sexp.get(tree, at[:-1]), list):
                        continue
                    new = sexp.replace(tree, at, c)
                    trial = [sexp.show(t) if not isinstance(t, str) else t for t in
                             trees[:n] + [new] + trees[n + 1:]]
                    if sexp.size(new) < sexp.size(tree) and fails(trial):
                        trees[n], tree, progress = new, new, True
                        break
                if progress:
                    break
            if progress:
                break
    return [sexp.show(t) if not isinstance(t, str) else t for t in trees]


def read_forms(path):
    with open(path) as f:
        text = f.read()
    return [sexp.show(t) for t in sexp.parse(text)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--lisp", default=os.path.join(ROOT, "build/host-asan/bin/lisp"))
    ap.add_argument("--guile", default=shutil.which("guile") or "guile")
    ap.add_argument("--found", default=os.path.join(HERE, "found"))
    ap.add_argument("--keep")
    ap.add_argument("--no-minimise", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if not os.access(a.lisp, os.X_OK):
        print("FAIL diff-guile: no interpreter at %s" % a.lisp)
        return 2
    if not shutil.which(a.guile):
        print("FAIL diff-guile: no guile (apt-get install guile-3.0, or scripts/deps.sh)")
        return 2
    patterns = load_patterns(os.path.join(HERE, "found", "OPEN"), "KNOWN") + \
        load_patterns(os.path.join(HERE, "QUIRKS"), "QUIRK")
    tmp = tempfile.mkdtemp(prefix="diff-guile-")
    failed = 0
    try:
        runner = Runner(a.lisp, a.guile, a.timeout, tmp)
        if a.files:
            for path in a.files:
                forms = read_forms(path)
                ours, trouble = runner.ours(forms)
                theirs, gtrouble = runner.theirs(forms)
                res = runner.compare(forms)
                why = known(runner, forms, patterns) if res else None
                print("%s %s%s" % ("PASS" if res is None else "KNOWN" if why else "FAIL", path,
                                   ": %s: %s" % res if res else ""))
                if why:
                    print("  known: " + "; ".join(why))
                if res:
                    for i, f in enumerate(forms):
                        print("  form %d: %s" % (i + 1, f[:400]))
                    print("  ours:  " + "\n         ".join(ours.splitlines()) +
                          (" (%s)" % trouble if trouble else ""))
                    print("  guile: " + "\n         ".join(theirs.splitlines()) +
                          (" (%s)" % gtrouble if gtrouble else ""))
                failed += res is not None and not why
            return 1 if failed else 0
        regress = os.path.join(HERE, "found")
        for f in sorted(os.listdir(regress)) if os.path.isdir(regress) else []:
            if not f.endswith(".scm"):
                continue
            forms = read_forms(os.path.join(regress, f))
            res = runner.compare(forms)
            why = known(runner, forms, patterns) if res else None
            if res and not why:
                failed += 1
                print("FAIL diff-guile found/%s: %s: %s" % ((f,) + res))
            else:
                print("PASS diff-guile found/%s%s" % (f, " (known: %s)" % "; ".join(why)
                                                      if why else ""))
        seed = a.seed if a.seed is not None else int(time.time()) % 1000000000
        print("diff-guile: seed %d (replay: tests/diff/diff.py --seed %d --count N)"
              % (seed, seed))
        sys.stdout.flush()
        start = time.time()
        deadline = start + 60 * a.minutes if a.minutes else None
        counts = {k: 0 for k in KINDS}
        knowns, notes, bad, n, checks = {}, [], 0, 0, 0

        def one(s):
            kind, forms = program(s)
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                with open(os.path.join(a.keep, "%d-%s.scm" % (s, kind)), "w") as fh:
                    fh.write("\n".join(forms) + "\n")
            res = runner.compare(forms)
            why = known(runner, forms, patterns) if res and res[0] != "guile" else None
            return s, kind, forms, res, why

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
                    s, kind, forms, res, why = fut.result()
                    counts[kind] += 1
                    checks += len(forms)
                    if res is None:
                        continue
                    if res[0] == "guile":
                        notes.append("seed %d (%s): Guile did not run it: %s" % (s, kind, res[1]))
                        continue
                    if why:
                        for w in why:
                            knowns[w] = knowns.get(w, 0) + 1
                        continue
                    bad += 1
                    print("FAIL diff-guile seed %d (%s): %s: %s" % ((s, kind) + res))
                    sys.stdout.flush()
                    small = forms if a.no_minimise else minimise(runner, forms, res[0], patterns)
                    res2 = runner.compare(small) or res
                    os.makedirs(a.found, exist_ok=True)
                    name = os.path.join(a.found, "%d-%s.scm" % (s, kind))
                    ours, _ = runner.ours(small)
                    theirs, _ = runner.theirs(small)
                    with open(name, "w") as fh:
                        fh.write(";; %s: %s\n;; seed %d, %d forms (minimised from %d)\n"
                                 ";; make it again: tests/diff/diff.py --seed %d --count 1"
                                 " --keep DIR\n;; run it: tests/diff/diff.py %s\n"
                                 % (res2[0], res2[1], s, len(small), len(forms), s,
                                    os.path.relpath(name, ROOT)))
                        fh.write(";; ours:\n" + "".join(";;   " + l + "\n"
                                                      for l in ours.splitlines()))
                        fh.write(";; guile:\n" + "".join(";;   " + l + "\n"
                                                       for l in theirs.splitlines()))
                        fh.write("\n".join(small) + "\n")
                    print("  kept as %s (%d forms, from %d)" % (os.path.relpath(name, ROOT),
                                                                len(small), len(forms)))
                    sys.stdout.flush()
        for note in notes:
            print("note: " + note)
        took = time.time() - start
        print("%s diff-guile: %d programs from seed %d (%s; %d checks) in %.0fs, %d failed%s"
              % ("FAIL" if bad else "PASS", n, seed,
                 ", ".join("%d %s" % (c, k) for k, c in counts.items()), checks, took, bad,
                 "".join("; known %dx: %s" % (c, w) for w, c in sorted(knowns.items()))))
        failed += bad
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
