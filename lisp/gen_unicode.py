#!/usr/bin/env python3
"""gen_unicode.py [-v] [UCD_DIR [OUT]] -- generate lisp/unicode_tables.h, the character tables of
lisp/unicode.c, from the Unicode Character Database (Debian's unicode-data package puts it in
/usr/share/unicode). Deterministic: the same UCD files give the same bytes. make checks that the
committed lisp/unicode_tables.h is what this script makes from the installed UCD. -v: print the
tables' sizes.

Per code point a record: flags (Alphabetic, Lowercase, Uppercase, White_Space, Cased,
Case_Ignorable, Nd, "has a full mapping unlike its simple one"), the Nd digit value and the
simple upper/lower/fold mappings as indices into a table of deltas. The records are reached
through a three-stage table (cp >> S1, then (cp >> S2) & mask, then cp & mask), its shifts chosen
here to make the tables smallest. The full mappings that differ from the simple ones
(SpecialCasing.txt without conditions, CaseFolding.txt status F) are three small sorted tables.
Language-specific conditions (tr, az, lt) are left out; Final_Sigma is the one context
lisp/unicode.c handles itself, for U+03A3 only (checked below).
"""
import os
import re
import sys

MAXCP = 0x110000

F_ALPHA, F_LOWER, F_UPPER, F_WHITE, F_CASED, F_IGNORABLE, F_NUMERIC, F_SPECIAL = (1 << i for i in range(8))


def lines(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                yield [x.strip() for x in line.split(';')]


def cprange(field):
    if '..' in field:
        a, b = field.split('..')
        return range(int(a, 16), int(b, 16) + 1)
    return range(int(field, 16), int(field, 16) + 1)


def cps(field):
    return [int(x, 16) for x in field.split()]


def version(path):
    with open(path, encoding='utf-8') as f:
        m = re.match(r'# \w+-(\d+\.\d+\.\d+)\.txt', f.readline())
    if not m:
        sys.exit('gen_unicode: no version line in ' + path)
    return m.group(1)


def load(ucd):
    """Everything lisp/unicode.c needs, as plain Python data (also used by tests/unicode/check.py)."""
    d = {'version': version(os.path.join(ucd, 'DerivedCoreProperties.txt'))}
    props = {}
    for name, fname in (('White_Space', 'PropList.txt'), ('Alphabetic', 'DerivedCoreProperties.txt'),
                        ('Lowercase', 'DerivedCoreProperties.txt'), ('Uppercase', 'DerivedCoreProperties.txt'),
                        ('Cased', 'DerivedCoreProperties.txt'), ('Case_Ignorable', 'DerivedCoreProperties.txt')):
        s = set()
        for f in lines(os.path.join(ucd, fname)):
            if f[1] == name:
                s.update(cprange(f[0]))
        if not s:
            sys.exit('gen_unicode: no %s in %s' % (name, fname))
        props[name] = s
    d['props'] = props
    upper, lower, digit = {}, {}, {}
    for f in lines(os.path.join(ucd, 'UnicodeData.txt')):
        cp = int(f[0], 16)
        if f[2] == 'Nd':
            digit[cp] = int(f[6])
        if f[12]:
            upper[cp] = int(f[12], 16)
        if f[13]:
            lower[cp] = int(f[13], 16)
    fold, fold_full = {}, {}
    for f in lines(os.path.join(ucd, 'CaseFolding.txt')):
        cp = int(f[0], 16)
        if f[1] in ('C', 'S'):
            fold[cp] = int(f[2], 16)
        if f[1] in ('C', 'F'):
            fold_full[cp] = cps(f[2])
    upper_full, lower_full = {}, {}
    for f in lines(os.path.join(ucd, 'SpecialCasing.txt')):
        cp = int(f[0], 16)
        cond = f[4] if len(f) > 4 else ''
        if cond:
            if not re.match(r'^(tr|az|lt)\b', cond) and (cp, cond) != (0x3A3, 'Final_Sigma'):
                sys.exit('gen_unicode: a condition lisp/unicode.c does not know: %04X %s' % (cp, cond))
            continue
        lower_full[cp] = cps(f[1])
        upper_full[cp] = cps(f[3])
    d.update(upper=upper, lower=lower, fold=fold, digit=digit,
             upper_full=upper_full, lower_full=lower_full, fold_full=fold_full)
    return d


def full(d, kind, cp):
    simple = d[kind].get(cp, cp)
    return d[kind + '_full'].get(cp, [simple])


def records(d):
    p = d['props']
    deltas = [0]
    delta_ix = {0: 0}
    recs, rec_ix = [], {}
    per_cp = [0] * MAXCP
    # the Nd runs: lisp/unicode.c takes a digit's value from its record, all 0..9 in order
    for cp, v in d['digit'].items():
        if d['digit'].get(cp - v) != 0 or any(d['digit'].get(cp - v + k) != k for k in range(10)):
            sys.exit('gen_unicode: Nd digit %04X is not in a run 0..9' % cp)
    for cp in range(MAXCP):
        flags = 0
        for bit, name in ((F_ALPHA, 'Alphabetic'), (F_LOWER, 'Lowercase'), (F_UPPER, 'Uppercase'),
                          (F_WHITE, 'White_Space'), (F_CASED, 'Cased'), (F_IGNORABLE, 'Case_Ignorable')):
            if cp in p[name]:
                flags |= bit
        if cp in d['digit']:
            flags |= F_NUMERIC
        ix = []
        for kind in ('upper', 'lower', 'fold'):
            delta = d[kind].get(cp, cp) - cp
            if delta not in delta_ix:
                delta_ix[delta] = len(deltas)
                deltas.append(delta)
            ix.append(delta_ix[delta])
            if full(d, kind, cp) != [d[kind].get(cp, cp)]:
                flags |= F_SPECIAL
        rec = (flags, d['digit'].get(cp, 0), ix[0], ix[1], ix[2])
        if rec not in rec_ix:
            rec_ix[rec] = len(recs)
            recs.append(rec)
        per_cp[cp] = rec_ix[rec]
    if recs[0] != (0, 0, 0, 0, 0):
        sys.exit('gen_unicode: U+0000 has properties: record 0 is not the default')
    if not recs[per_cp[0x3A3]][0] & F_CASED or d['lower'].get(0x3A3) != 0x3C3:
        sys.exit('gen_unicode: U+03A3 is not a cased letter whose lowercase is U+03C3')
    return deltas, recs, per_cp


def ctype(maxval):
    return 'uint8_t' if maxval < 256 else 'uint16_t' if maxval < 65536 else 'uint32_t'


def csize(maxval):
    return 1 if maxval < 256 else 2 if maxval < 65536 else 4


def blocks(vals, size):
    """Split vals into blocks of size, deduplicated: (index per block, flat table of blocks)."""
    ix, table, seen = [], [], {}
    for i in range(0, len(vals), size):
        b = tuple(vals[i:i + size])
        if b not in seen:
            seen[b] = len(table) // size
            table.extend(b)
        ix.append(seen[b])
    return ix, table


def trie(per_cp):
    """The smallest three-stage table; past its stage 1 every code point has record 0."""
    end = max(cp for cp in range(MAXCP) if per_cp[cp]) + 1
    best = None
    for s2 in range(2, 9):
        ix3, t3 = blocks(per_cp, 1 << s2)
        for s1 in range(s2 + 1, 15):
            n1 = (end + (1 << s1) - 1) >> s1
            ix2, t2 = blocks(ix3[:n1 << (s1 - s2)], 1 << (s1 - s2))
            size = len(ix2) * csize(max(ix2)) + len(t2) * csize(max(t2)) + len(t3) * csize(max(t3))
            if best is None or size < best[0]:
                best = (size, s1, s2, ix2, t2, t3)
    return best


def carray(name, typ, vals, per_line=16):
    out = ['static const %s %s[%d] = {' % (typ, name, len(vals))]
    for i in range(0, len(vals), per_line):
        out.append('\t' + ', '.join(str(v) for v in vals[i:i + per_line]) + ',')
    out.append('};')
    return out


def special(d, kind):
    rows = []
    for cp in sorted(set(d[kind + '_full'])):
        m = full(d, kind, cp)
        if m == [d[kind].get(cp, cp)]:
            continue
        if len(m) > 3 or cp > 0xFFFF or max(m) > 0xFFFF:
            sys.exit('gen_unicode: %s full mapping of %04X does not fit 3 BMP characters' % (kind, cp))
        rows.append('\t{ 0x%04X, { %s } },' % (cp, ', '.join('0x%04X' % c for c in m + [0] * (3 - len(m)))))
    return ['static const struct unicode_full unicode_%s_full[%d] = {' % (kind, len(rows))] + rows + ['};']


def main():
    args = [a for a in sys.argv[1:] if a != '-v']
    ucd = args[0] if args else '/usr/share/unicode'
    out = args[1] if len(args) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              'unicode_tables.h')
    d = load(ucd)
    deltas, recs, per_cp = records(d)
    size, s1, s2, ix2, t2, t3 = trie(per_cp)
    if len(deltas) > 256 or len(recs) > 65535:
        sys.exit('gen_unicode: too many deltas or records')
    text = [
        '/* unicode_tables.h -- GENERATED from the Unicode %s Character Database by gen_unicode.py:' % d['version'],
        ' * do not edit. Included by unicode.c only, which says how the tables are read. */',
        '#define UNICODE_VERSION "%s"' % d['version'],
        '#define UNICODE_SHIFT1 %d' % s1,
        '#define UNICODE_SHIFT2 %d' % s2,
        '',
    ]
    text += carray('unicode_deltas', 'int32_t', deltas, 8)
    text += ['', 'static const struct unicode_rec unicode_recs[%d] = {' % len(recs)]
    text += ['\t{ 0x%02X, %d, %d, %d, %d },' % r for r in recs]
    text += ['};', '']
    text += carray('unicode_stage1', ctype(max(ix2)), ix2)
    text += ['']
    text += carray('unicode_stage2', ctype(max(t2)), t2)
    text += ['']
    text += carray('unicode_stage3', ctype(max(t3)), t3)
    for kind in ('upper', 'lower', 'fold'):
        text += [''] + special(d, kind)
    tmp = out + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write('\n'.join(text) + '\n')
    os.replace(tmp, out)
    if '-v' in sys.argv:
        print('gen_unicode: Unicode %s, %d records, %d deltas, shifts %d/%d, trie %d bytes + records %d bytes'
              % (d['version'], len(recs), len(deltas), s1, s2, size, len(recs) * 5), file=sys.stderr)


if __name__ == '__main__':
    main()
