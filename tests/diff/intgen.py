"""intgen.py -- seeded generator of integer-arithmetic programs for the differential test
(tests/diff/diff.py). program(seed) gives the top-level forms, each a (%check (lambda () E))
that prints E's values on one line.

Operands sit near the boundaries where the representation changes: our fixnums are 31-bit
(OBJ_FIXNUM_MAX = 2^30 - 1, mm/heaps/object.h), bignums have 32-bit limbs (lisp/bignum.h), C
arithmetic wraps at 2^63 and 2^64, and multiplication, division and radix conversion change
algorithm at 32, 48 and 64 limbs (1024, 1536, 2048 bits). The generator evaluates every
integer subexpression in Python as it goes, only to keep sizes bounded (and dividing by zero
rare); the reference answer is Guile's."""
import random

from sexp import L, show, string

FIX_MAX = (1 << 30) - 1
FIX_MIN = -(1 << 30)
EDGES = [30, 31, 32, 33, 61, 62, 63, 64, 65, 96, 127, 128, 129, 1024, 1536, 2048, 2049]
MAX_BITS = 6000
RADIXES = [2, 8, 10, 16]
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def boundary(r):
    """A value at or next to 2^k, 2^k - 1, -2^k for an interesting k."""
    k = r.choice(EDGES)
    v = (1 << k) + r.randint(-3, 2)
    if k > 1000 and r.randrange(3) == 0:	# all-ones limbs, or sparse ones: carries
        v = (1 << k) - 1 if r.randrange(2) else (1 << k) | (1 << r.randrange(k)) | 1
    return -v if r.randrange(2) else v


def literal(r):
    k = r.randrange(10)
    if k < 2:
        return r.randint(-10, 10)
    if k == 2:
        return r.choice([FIX_MAX, FIX_MIN, FIX_MAX - 1, FIX_MIN + 1, FIX_MAX + 1, FIX_MIN - 1,
                         32768, -32768, 46340, 46341, -46341, 65536, 1 << 15, (1 << 31) - 1])
    if k in (3, 4, 5):
        return boundary(r)
    if k == 6:
        return r.randint(FIX_MIN, FIX_MAX)
    if k == 7:
        return r.randint(-(1 << 70), 1 << 70)
    if k == 8:
        return r.getrandbits(r.choice([100, 300, 1100, 1700, 2200, 3500])) * r.choice([1, -1])
    return r.choice([0, 1, -1, 2, -2, 3, 7, 10, 16, 255, 256, 1000000007])


def bits(v):
    return abs(v).bit_length()


def tquot(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def isqrt(n):
    if n == 0:
        return 0
    x = 1 << ((n.bit_length() + 1) // 2)
    while True:
        y = (x + n // x) // 2
        if y >= x:
            return x
        x = y


def ilen(v):
    return (~v).bit_length() if v < 0 else v.bit_length()


def gcd(a, b):
    a, b = abs(a), abs(b)
    while b:
        a, b = b, a % b
    return a


def fold(f, xs, start):
    for x in xs:
        start = f(start, x)
    return start


def binop_value(op, a, b):
    if op in ("quotient", "remainder", "modulo", "floor-quotient", "floor-remainder",
              "truncate-quotient", "truncate-remainder") and b == 0:
        return None
    if op in ("quotient", "truncate-quotient"):
        return tquot(a, b)
    if op in ("remainder", "truncate-remainder"):
        return a - b * tquot(a, b)
    if op in ("modulo", "floor-remainder"):
        return a % b
    if op == "floor-quotient":
        return a // b
    raise ValueError(op)


DIV = ["quotient", "remainder", "modulo", "floor-quotient", "floor-remainder",
       "truncate-quotient", "truncate-remainder"]


class Gen:
    def __init__(self, r):
        self.r = r

    def operand(self, depth):
        """(tree, value): an integer expression; value None when it raises an error."""
        r = self.r
        if depth <= 0 or r.randrange(3) == 0:
            v = literal(r)
            return str(v), v
        for _ in range(20):
            t = self.compound(depth - 1)
            if t is not None and (t[1] is None or bits(t[1]) <= MAX_BITS):
                return t
        v = literal(r)
        return str(v), v

    def divisor(self, depth):
        t, v = self.operand(depth)
        if v == 0 and self.r.randrange(8):
            return "7", 7
        return t, v

    def compound(self, depth):
        r = self.r
        k = r.randrange(17)
        if k <= 2:	# + - * with 0-4 operands
            op = ["+", "-", "*"][k]
            n = r.choice([1, 2, 2, 2, 3, 4] + ([0] if op != "-" else []))
            args = [self.operand(depth) for _ in range(n)]
            vals = [v for _, v in args]
            tree = L(op, *[t for t, _ in args])
            if None in vals:
                return tree, None
            if op == "+":
                return tree, sum(vals)
            if op == "*":
                if sum(bits(v) for v in vals) > MAX_BITS:
                    return None
                return tree, fold(lambda a, b: a * b, vals, 1)
            return tree, -vals[0] if n == 1 else vals[0] - sum(vals[1:])
        if k in (3, 4):
            op = r.choice(DIV)
            (ta, a), (tb, b) = self.operand(depth), self.divisor(depth)
            v = None if a is None or b is None else binop_value(op, a, b)
            return L(op, ta, tb), v
        if k == 5:
            ta, a = self.operand(depth)
            if a is None:
                return L("expt", ta, r.randrange(4)), None
            e = r.randrange(0, 1 + min(40, MAX_BITS // max(1, bits(a))))
            return L("expt", ta, e), a ** e
        if k == 6:
            op = r.choice(["abs", "square", "-", "exact", "integer-length"])
            t, a = self.operand(depth)
            if a is None:
                return L(op, t), None
            if op == "square" and 2 * bits(a) > MAX_BITS:
                return None
            return L(op, t), {"abs": abs(a), "square": a * a, "-": -a, "exact": a,
                              "integer-length": ilen(a)}[op]
        if k == 7:
            op = r.choice(["gcd", "lcm"])
            args = [self.operand(depth) for _ in range(r.choice([0, 1, 2, 2, 2, 3]))]
            vals = [v for _, v in args]
            tree = L(op, *[t for t, _ in args])
            if None in vals:
                return tree, None
            if op == "gcd":
                return tree, fold(gcd, vals, 0)
            if sum(bits(v) for v in vals) > MAX_BITS:
                return None
            return tree, fold(lambda a, b: 0 if a == 0 or b == 0 else abs(a * b) // gcd(a, b),
                              vals, 1)
        if k == 8:
            op = r.choice(["min", "max"])
            args = [self.operand(depth) for _ in range(r.choice([1, 2, 2, 3]))]
            vals = [v for _, v in args]
            tree = L(op, *[t for t, _ in args])
            return tree, None if None in vals else (min(vals) if op == "min" else max(vals))
        if k == 9:	# one value of a two-valued division or square root
            t, a = self.operand(depth)
            which = r.choice(["q", "r"])
            if r.randrange(3) == 0:
                v = None if a is None or a < 0 else (isqrt(a) if which == "q" else
                                                     a - isqrt(a) ** 2)
                return (L("call-with-values", L("lambda", [], L("exact-integer-sqrt", t)),
                          L("lambda", ["q", "r"], which)), v)
            op = r.choice(["floor/", "truncate/"])
            tb, b = self.divisor(depth)
            v = None
            if a is not None and b is not None and b != 0:
                q = a // b if op == "floor/" else tquot(a, b)
                v = q if which == "q" else a - b * q
            return L("let-values", [[["q", "r"], L(op, t, tb)]], which), v
        if k == 10:	# through a variable, an opaque call, or a round trip through a string
            t, a = self.operand(depth)
            how = r.randrange(4)
            if how == 0:
                return L("let", [["x", t]], "x"), a
            if how == 1:
                return L("%id", t), a
            radix = r.choice(RADIXES)
            return L("string->number", L("number->string", t, radix), radix), a
        if k == 11:	# a loop: accumulate with + - * k times
            op = r.choice(["+", "-", "*"])
            (ta, a), (tb, b) = self.operand(depth), self.operand(depth)
            n = r.choice([1, 2, 3, 5, 10, 30])
            if op == "*" and a is not None and b is not None and bits(a) + n * bits(b) > MAX_BITS:
                n = 1
            v = None
            if a is not None and b is not None:
                v = a
                for _ in range(n):
                    v = v + b if op == "+" else v - b if op == "-" else v * b
            return (L("let", [["b", tb]],
                      L("do", [["i", 0, L("+", "i", 1)], ["acc", ta, L(op, "acc", "b")]],
                        [L("=", "i", n), "acc"])), v)
        if k == 12:	# apply / if / case over a comparison
            args = [self.operand(depth) for _ in range(r.choice([0, 1, 2, 3]))]
            op = r.choice(["+", "*", "max", "gcd"]) if args else r.choice(["+", "*", "gcd"])
            tree = L("apply", op, L("list", *[t for t, _ in args]))
            vals = [v for _, v in args]
            if None in vals:
                return tree, None
            if op == "*" and sum(bits(v) for v in vals) > MAX_BITS:
                return None
            v = {"+": lambda: sum(vals), "*": lambda: fold(lambda a, b: a * b, vals, 1),
                 "max": lambda: max(vals), "gcd": lambda: fold(gcd, vals, 0)}[op]()
            return tree, v
        if k == 13:
            (ta, a), (tb, b) = self.operand(depth), self.operand(depth)
            op = r.choice(["<", ">", "<=", ">=", "="])
            tree = L("if", L(op, ta, tb), ta, tb)
            if a is None or b is None:
                return tree, None
            c = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b, "=": a == b}[op]
            return tree, a if c else b
        if k == 14:	# a known boundary sum or product
            a = r.choice([FIX_MAX, FIX_MIN, 1 << 31, -(1 << 31), 1 << 62, -(1 << 63),
                          (1 << 63) - 1, (1 << 64) - 1, 1 << 32, 46341, 32768, 3037000500])
            b = r.choice([1, -1, 2, a, -a, 32768, 46341, 3037000500, 1 << 32])
            op = r.choice(["+", "-", "*", "quotient", "remainder", "modulo"])
            if op in ("+", "-", "*"):
                return L(op, a, b), {"+": a + b, "-": a - b, "*": a * b}[op]
            return L(op, a, b), binop_value(op, a, b)
        if k == 15:	# exactness and rounding of integers are the identity
            t, a = self.operand(depth)
            op = r.choice(["floor", "ceiling", "round", "truncate", "numerator"])
            return L(op, t), a
        t, a = self.operand(depth)	# count up or down across a boundary, one step at a time
        n = r.choice([3, 5])
        return (L("let", [["start", t]],
                  L("let", "loop", [["i", 0], ["x", "start"], ["acc", 0]],
                    L("if", L("=", "i", n), "acc",
                      L("loop", L("+", "i", 1), L("+", "x", 1),
                        L("+", "acc", L("*", "x", L("-", "i", 2))))))),
                None if a is None else sum((a + i) * (i - 2) for i in range(n)))

    def check(self):
        """A top-level check: an expression whose values are printed."""
        r = self.r
        d = r.choice([1, 2, 2, 3, 3, 4])
        k = r.randrange(15)
        if k == 14:	# unary operations right at a boundary: 2^k - 1, 2^k, 2^k + 1 and negated
            e = r.choice(EDGES)
            vs = [str(s * ((1 << e) + d)) for s in (1, -1) for d in (-1, 0, 1)]
            op = r.choice(["integer-length", "-", "abs", "square", "even?", "number->string",
                           "exact-integer-sqrt"])
            if op == "exact-integer-sqrt":
                vs = vs[:3]
            return L("map", L("lambda", ["x"], L("call-with-values", L("lambda", [], L(op, "x")),
                                                  "list")), L("list", *vs))
        if k <= 4:
            return self.operand(d)[0]
        if k == 5:
            op = r.choice(["=", "<", ">", "<=", ">="])
            n = r.choice([1, 2, 2, 2, 3, 4])
            return L(op, *[self.operand(d - 1)[0] for _ in range(n)])
        if k == 6:
            op = r.choice(["even?", "odd?", "zero?", "positive?", "negative?", "exact-integer?",
                           "integer?", "exact?", "number?"])
            return L(op, self.operand(d)[0])
        if k == 7:
            radix = r.choice(RADIXES + [None])
            t = self.operand(d)[0]
            return L("number->string", t) if radix is None else L("number->string", t, radix)
        if k == 8:
            return self.number_text()
        if k == 9:
            op = r.choice(["floor/", "truncate/"])
            return L(op, self.operand(d)[0], self.divisor(d)[0])
        if k == 10:
            return L("exact-integer-sqrt", self.operand(d)[0])
        if k == 11:
            a, b = self.operand(d - 1)[0], self.operand(d - 1)[0]
            return L(r.choice(["eqv?", "equal?"]), a, a if r.randrange(2) else b) \
                if r.randrange(3) else L("equal?", L("list", a, b), L("list", a, b))
        if k == 12:	# integer identities, true whenever both sides run
            (ta, a), (tb, b) = self.operand(d - 1), self.divisor(d - 1)
            return L("let", [["a", ta], ["b", tb]],
                     L("list", L("=", "a", L("+", L("*", "b", L("quotient", "a", "b")),
                                             L("remainder", "a", "b"))),
                       L("=", "a", L("+", L("*", "b", L("floor-quotient", "a", "b")),
                                     L("modulo", "a", "b"))),
                       L("=", L("*", L("gcd", "a", "b"), L("lcm", "a", "b")),
                         L("abs", L("*", "a", "b")))))
        return L("list", *[self.operand(d - 1)[0] for _ in range(r.randrange(1, 4))])

    def number_text(self):
        """string->number (and read) of number text with signs, radixes and prefixes; some
        of it is not a number (#f)."""
        r = self.r
        v = literal(r)
        radix = r.choice(RADIXES)
        digits = "" if v else "0"
        n = abs(v)
        while n:
            digits = DIGITS[n % radix] + digits
            n //= radix
        if r.randrange(4) == 0:
            digits = digits.upper()
        sign = "-" if v < 0 else r.choice(["", "", "+"])
        text = sign + digits
        how = r.randrange(9)
        if how == 0:
            text = {2: "#b", 8: "#o", 10: "#d", 16: "#x"}[radix] + text
            radix = None
        elif how == 1:	# two prefixes, one exactness and one radix: a number
            p = [{2: "#b", 8: "#o", 10: "#d", 16: "#x"}[radix], r.choice(["#e", "#E", "#i"])]
            if p[1] == "#i":
                p[1] = "#e"
            r.shuffle(p)
            text = "".join(p) + text
            radix = None
        elif how == 2:	# not a number
            radix = None if r.randrange(2) else radix
            text = r.choice(["", "+", "-", "#x", "1 2", " 1", "--1", "+-1", "1-",
                             "#x#x10", "#e#e10", "#b#x1", "#d#x10", "#x-", "0x10", "1_000", "#e#x",
                             "#e", "+#x1", text + "g", text + " ", "#" + text, "#t", "#xg"])
        elif how == 3 and radix != 10:
            text = text + r.choice(["9", "z", "g", "8", "2"])	# digits out of the radix
        call = L("string->number", string(text)) if radix is None else \
            L("string->number", string(text), radix)
        if r.randrange(4) == 0 and radix is None and text and text[0] not in "-+ " and \
                "#" in text and " " not in text:
            # the reader: an error on both sides when it is not a number
            call = L("let", [["x", L("read", L("open-input-string", string(text)))]],
                     L("if", L("number?", "x"), "x", L("quote", "not-a-number")))
        return call


def program(seed, checks=None):
    r = random.Random(seed)
    g = Gen(r)
    n = checks or r.randrange(10, 30)
    return [show(L("%check", L("lambda", [], g.check()))) for _ in range(n)]


if __name__ == "__main__":
    import sys
    print("\n".join(program(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
