#!/usr/bin/env python3
"""What orca-onshi must make of each name of the corpus, computed apart from the module: the rules of
module/core/text.hpp (to_zenkaku, to_storable_form, replace_gaiji) written again here in Python, with
PostgreSQL's own EUC_JP conversion deciding which characters fit (the `fits` file).

  names_oracle.py chars CORPUS            the distinct characters the fits file must cover, one a line
  names_oracle.py expect CORPUS FITS      one line per name: LINE<TAB>CLASS<TAB>held|written<TAB>STORED<TAB>ACCEPTED
  names_oracle.py compare EXPECT UNITS    checks the units (seq, status, names) read back from the database

FITS: lines "HEX<TAB>N", N = octet_length(convert_to(chr, 'EUC_JP')) in a UTF8 database, -1 when the
conversion refuses it. ORCA's database holds a character when N is 1 (ASCII) or 2 (JIS X 0208,
half-width katakana); 3-byte JIS X 0212 is stored by PostgreSQL but not used by ORCA's programs.
STORED: the name as the row must hold it (written) or as the review keeps it (held).
ACCEPTED: the name `review accept` writes: 〓 for each character that does not fit (base + selector
is one), ● (OQS's own placeholder) too.
"""
import sys
import unicodedata

GETA, BLACK = "\u3013", "\u25CF"
ZEN = {" ": "\u3000", "-": "\uFF0D", "~": "\uFF5E", "\\": "\uFF3C", '"': "\u201D", "'": "\u2019", "`": "\uFF40"}
PG_FORMS = {"\u2212": "\uFF0D", "\u301C": "\uFF5E", "\u2016": "\u2225", "\u2014": "\u2015", "\u00A2": "\uFFE0",
            "\u00A3": "\uFFE1", "\u00AC": "\uFFE2"}


def is_vs(c):
    return 0xFE00 <= ord(c) <= 0xFE0F or 0xE0100 <= ord(c) <= 0xE01EF


def zenkaku(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if 0x20 <= ord(c) <= 0x7E:
            out.append(ZEN.get(c, chr(ord(c) + 0xFEE0)))
            i += 1
        elif 0xFF61 <= ord(c) <= 0xFF9F:
            j = i
            while j < len(s) and 0xFF61 <= ord(s[j]) <= 0xFF9F:
                j += 1
            # (han)dakuten with nothing to merge with: the spacing forms
            out.append(unicodedata.normalize("NFKC", s[i:j]).replace("\u3099", "\u309B").replace("\u309A", "\u309C"))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def compose(s):
    """Each base + combining marks (canonical combining class > 0) to NFC; nothing else."""
    s = "".join(PG_FORMS.get(c, c) for c in s)
    out, i = [], 0
    while i < len(s):
        j = i + 1
        while j < len(s) and unicodedata.combining(s[j]) > 0:
            j += 1
        out.append(unicodedata.normalize("NFC", s[i:j]) if j > i + 1 else s[i])
        i = j
    return "".join(out)


def pre_form(name):
    return compose(zenkaku(name))


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f]


def main():
    cmd = sys.argv[1]
    if cmd == "chars":
        chars = set()
        for _, name in load_corpus(sys.argv[2]):
            chars.update(pre_form(name))
        for c in sorted(chars):
            print("%X" % ord(c))
        return
    if cmd == "expect":
        fits = {}
        with open(sys.argv[3]) as f:
            for line in f:
                h, n = line.split()
                fits[chr(int(h, 16))] = int(n) in (1, 2)
        for k, (cls, name) in enumerate(load_corpus(sys.argv[2]), 1):
            stored, prev_fits = [], False
            for c in pre_form(name):
                if is_vs(c):
                    if not prev_fits:
                        stored.append(c)
                    continue
                prev_fits = fits[c]
                stored.append(c)
            stored = "".join(stored)
            held = BLACK in stored or not all(fits.get(c, False) for c in stored)
            accepted, prev_replaced = [], False
            for c in stored:
                if is_vs(c) and prev_replaced:
                    continue
                ok = fits.get(c, False)
                accepted.append(c if ok else GETA)
                prev_replaced = not ok
            accepted = "".join(accepted).replace(BLACK, GETA)
            print("\t".join([str(k), cls, "held" if held else "written", stored, accepted]))
        return
    if cmd == "compare":
        expect = {int(r[0]): r for r in load_corpus(sys.argv[2])}
        got = {}
        for r in load_corpus(sys.argv[3]):  # seq, status, names joined by '|'
            got[int(r[0])] = r
        bad = []
        figures = {}
        for k, (_, cls, status, stored, _) in expect.items():
            f = figures.setdefault(cls, [0, 0])
            f[0 if status == "written" else 1] += 1
            g = got.get(k)
            if g is None:
                bad.append("line %d (%s): no unit" % (k, cls))
                continue
            if g[1] != status:
                bad.append("line %d (%s): %s, expected %s: %r" % (k, cls, g[1], status, stored))
                continue
            names = g[2].split("|") if g[2] else []
            if status == "written" and (not names or any(n != stored for n in names)):
                bad.append("line %d (%s): written as %r, expected %r" % (k, cls, names, stored))
        extra = set(got) - set(expect)
        if extra:
            bad.append("units without a corpus line: %s" % sorted(extra)[:10])
        for cls, (w, h) in figures.items():
            print("figure %-18s %4d written %4d held" % (cls, w, h))
        for b in bad[:30]:
            print("MISMATCH " + b)
        print("mismatches %d" % len(bad))
        sys.exit(1 if bad else 0)
    sys.exit("usage: names_oracle.py chars|expect|compare ...")


main()
