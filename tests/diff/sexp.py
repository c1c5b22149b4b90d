"""sexp.py -- the s-expressions of the differential test (tests/diff/): a tree of Python lists
(Scheme lists), Vec (a #( vector), and str atoms kept verbatim as Scheme text ("12", "#\\a",
"\"s\"", "'" forms are lists (quote x)). show() prints one, parse() reads program text back
into trees (enough of Scheme's syntax for what the generators write), so the minimiser in
diff.py works on any program, whoever made it."""

QUOTES = {"'": "quote", "`": "quasiquote", ",": "unquote", ",@": "unquote-splicing"}
PREFIX = {v: k for k, v in QUOTES.items()}
DELIM = set("()\"; \t\n\r")


class Vec(list):
    """#(...)"""


def show(x):
    if isinstance(x, Vec):
        return "#(" + " ".join(show(e) for e in x) + ")"
    if isinstance(x, list):
        if len(x) == 2 and isinstance(x[0], str) and x[0] in PREFIX:
            return PREFIX[x[0]] + show(x[1])
        return "(" + " ".join(show(e) for e in x) + ")"
    if isinstance(x, bool):
        return "#t" if x else "#f"
    return str(x)


def L(*xs):
    """A list form from atoms and subforms; ints become numerals."""
    return [str(e) if isinstance(e, int) else e for e in xs]


def q(x):
    return ["quote", x]


def string(text):
    """A Scheme string literal for text (escapes only what Scheme needs)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append("\\x%x;" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def char(c):
    names = {" ": "space", "\n": "newline", "\t": "tab", "\0": "null", "\x7f": "delete",
             "\x07": "alarm", "\x08": "backspace", "\x1b": "escape", "\r": "return"}
    if c in names:
        return "#\\" + names[c]
    if ord(c) < 32:
        return "#\\x%x" % ord(c)
    return "#\\" + c


class ParseError(Exception):
    pass


def parse(text):
    """Every datum of text, as trees. Comments (; and #| |# and #;) are dropped."""
    pos = 0
    n = len(text)

    def skip():
        nonlocal pos
        while pos < n:
            c = text[pos]
            if c in " \t\n\r":
                pos += 1
            elif c == ";":
                while pos < n and text[pos] != "\n":
                    pos += 1
            elif text.startswith("#|", pos):
                depth, pos = 1, pos + 2
                while pos < n and depth:
                    if text.startswith("#|", pos):
                        depth, pos = depth + 1, pos + 2
                    elif text.startswith("|#", pos):
                        depth, pos = depth - 1, pos + 2
                    else:
                        pos += 1
            elif text.startswith("#;", pos):
                pos += 2
                datum()
            else:
                return

    def datum():
        nonlocal pos
        skip()
        if pos >= n:
            raise ParseError("end of text")
        c = text[pos]
        if c in "([":
            pos += 1
            return seq(")" if c == "(" else "]", list)
        if text.startswith("#(", pos):
            pos += 2
            return seq(")", Vec)
        if c in ")]":
            raise ParseError("unexpected %s at %d" % (c, pos))
        for p in (",@", "'", "`", ","):
            if text.startswith(p, pos):
                pos += len(p)
                return [QUOTES[p], datum()]
        start = pos
        if c == '"':
            pos += 1
            while pos < n and text[pos] != '"':
                pos += 2 if text[pos] == "\\" else 1
            pos += 1
            return text[start:pos]
        if c == "|":
            pos += 1
            while pos < n and text[pos] != "|":
                pos += 2 if text[pos] == "\\" else 1
            pos += 1
            return text[start:pos]
        if text.startswith("#\\", pos):
            pos += 3	# the character itself may be a delimiter
        while pos < n and text[pos] not in DELIM and text[pos] not in "[]":
            pos += 1
        return text[start:pos]

    def seq(close, kind):
        nonlocal pos
        items = kind()
        while True:
            skip()
            if pos >= n:
                raise ParseError("unclosed list")
            if text[pos] == close:
                pos += 1
                return items
            items.append(datum())

    out = []
    while True:
        skip()
        if pos >= n:
            return out
        out.append(datum())


def size(x):
    if isinstance(x, list):
        return 1 + sum(size(e) for e in x)
    return 1


def paths(x, at=()):
    """Every position in x, parents before children: tuples of indices."""
    yield at
    if isinstance(x, list):
        for i, e in enumerate(x):
            yield from paths(e, at + (i,))


def get(x, at):
    for i in at:
        x = x[i]
    return x


def replace(x, at, new):
    """A copy of x with the node at position at replaced by new (None: removed)."""
    if not at:
        return new
    kind = type(x)
    items = list(x)
    if len(at) == 1 and new is None:
        del items[at[0]]
    else:
        items[at[0]] = replace(x[at[0]], at[1:], new)
    return kind(items)
