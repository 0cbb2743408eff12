#!/usr/bin/env python3
"""The names corpus: every class of name OQS can carry, generated from Unicode's own data (Debian's
unicode-data: UnicodeData.txt, Blocks.txt, StandardizedVariants.txt, Unihan_IRGSources.txt), not
from a hand-picked list. Deterministic: the same data gives the same corpus, in the same order.

Output (stdout): one line per name, "CLASS<TAB>NAME". CLASS says what the name was made to test;
what the module must make of it is decided elsewhere (PostgreSQL's EUC_JP conversion is the oracle,
see tests/integration/names_corpus.sh). Every name is short (at most 7 characters), has no space
and no control character, and is valid in XML 1.0.

Usage: names_corpus.py [UNICODE_DIR]   (default /usr/share/unicode)
"""
import bz2
import os
import sys
import unicodedata

UDIR = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"


def read(name):
    path = os.path.join(UDIR, name)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    with bz2.open(path + ".bz2", "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def data_lines(name):
    for line in read(name):
        line = line.split("#", 1)[0].strip()
        if line:
            yield line


# UnicodeData.txt: code point -> (name, category, combining class, decomposition); ranges expanded.
UDATA = {}
first = None
for line in data_lines("UnicodeData.txt"):
    f = line.split(";")
    cp = int(f[0], 16)
    if f[1].endswith(", First>"):
        first = cp
        continue
    if f[1].endswith(", Last>"):
        for c in range(first, cp + 1):
            UDATA[c] = (f[1][1:-7], f[2], int(f[3]), "")
        continue
    UDATA[cp] = (f[1], f[2], int(f[3]), f[5])

BLOCKS = {}
for line in data_lines("Blocks.txt"):
    rng, name = line.split(";")
    lo, hi = rng.split("..")
    BLOCKS[name.strip()] = (int(lo, 16), int(hi, 16))


def block(name):
    lo, hi = BLOCKS[name]
    return [c for c in range(lo, hi + 1) if c in UDATA and UDATA[c][1] not in ("Cn", "Cs", "Co", "Cc")]


def every(seq, n):
    """n items spread evenly over seq (all of it when shorter), first and last included."""
    seq = list(seq)
    if len(seq) <= n:
        return seq
    return [seq[(i * (len(seq) - 1)) // (n - 1)] for i in range(n)]


# Unihan: the JIS sources of each ideograph. J0 = JIS X 0208, J1 = JIS X 0212, J3/J3A/J4/J14 = JIS X 0213
# (planes 1 and 2, 2000 and 2004) beyond JIS X 0208.
JSRC = {}
for line in read("Unihan_IRGSources.txt"):
    if line.startswith("U+") and "\tkIRG_JSource\t" in line:
        cp, _, src = line.split("\t")
        JSRC[int(cp[2:], 16)] = src
J0 = sorted(c for c, s in JSRC.items() if s.startswith("J0-"))
J1 = sorted(c for c, s in JSRC.items() if s.startswith("J1-"))
J0213 = sorted(c for c, s in JSRC.items() if s.split("-")[0] in ("J3", "J3A", "J4", "J14") and c not in J0)

# The parts of a name that always fit (JIS X 0208 kanji), taken in turn.
_k = 0


def kanji():
    global _k
    _k += 1
    return chr(J0[(_k * 37) % len(J0)])


def name(x):
    """A family name holding x, then an ideographic space and a given name of two JIS X 0208 kanji."""
    return x + kanji() + "\u3000" + kanji() + kanji()


out = []


def add(cls, n):
    assert all(0x20 < ord(c) < 0x7F or ord(c) >= 0xA0 for c in n), (cls, n)
    out.append((cls, n))


# CJK Extensions B-H: spread samples of each, plus U+20BB7 𠮷 (the reproducer, a common surname).
for ext, n in (("B", 60), ("C", 30), ("D", 20), ("E", 30), ("F", 30), ("G", 30), ("H", 20)):
    for c in every(block("CJK Unified Ideographs Extension " + ext), n):
        add("ext_" + ext.lower(), name(chr(c)))
add("ext_b", "\U00020BB7\u91CE\u3000\u592A\u90CE")

# Compatibility ideographs (U+F900-FAFF: many are the IBM/NEC 外字 of Windows; and the supplement).
for c in every(block("CJK Compatibility Ideographs"), 160):
    add("compat", name(chr(c)))
for c in every(block("CJK Compatibility Ideographs Supplement"), 50):
    add("compat_supplement", name(chr(c)))

# Variation sequences: Unicode's standardized variants of CJK compatibility ideographs (base + SVS),
# and ideographic variation sequences (base + U+E0100..) on JIS X 0208 bases and on Extension B bases.
svs = []
for line in data_lines("StandardizedVariants.txt"):
    seq = line.split(";")[0].split()
    if len(seq) == 2 and 0xFE00 <= int(seq[1], 16) <= 0xFE0F and 0x3400 <= int(seq[0], 16) <= 0x323AF:
        svs.append((int(seq[0], 16), int(seq[1], 16)))
for base, vs in every(sorted(svs), 100):
    add("svs", name(chr(base) + chr(vs)))
for i, c in enumerate(every(J0, 60)):
    add("ivs_jisx0208_base", name(chr(c) + chr(0xE0100 + i % 3)))
for i, c in enumerate(every(block("CJK Unified Ideographs Extension B"), 20)):
    add("ivs_ext_b_base", name(chr(c + 7) + chr(0xE0100 + i % 2)))

# Combining marks: kana with (han)dakuten in NFD (every one Unicode decomposes so), Latin letters in
# NFD, and marks that compose with nothing after kana.
for c in sorted(UDATA):
    d = UDATA[c][3]
    if d and not d.startswith("<"):
        parts = [int(p, 16) for p in d.split()]
        if len(parts) == 2 and parts[1] in (0x3099, 0x309A) and c < 0x3100:
            add("nfd_kana", unicodedata.normalize("NFD", "\u6728" + chr(c)) + "\u3000" + unicodedata.normalize("NFD", chr(c) + "\u3053"))
latin = [c for c in sorted(UDATA) if 0xC0 <= c < 0x250 and UDATA[c][3] and not UDATA[c][3].startswith("<")
         and len(UDATA[c][3].split()) == 2]
for c in every(latin, 30):
    add("nfd_latin", name(unicodedata.normalize("NFD", chr(c))))
marks = [c for c in block("Combining Diacritical Marks") if UDATA[c][2] > 0]
for c in every(marks, 25):
    add("mark_after_kana", "\u304B" + chr(c) + "\u3000" + kanji() + kanji())

# Half-width and full-width forms.
forms = block("Halfwidth and Fullwidth Forms")
for c in every([c for c in forms if 0xFF61 <= c <= 0xFF9F], 63):
    add("halfwidth_kana", kanji() + "\u3000" + chr(c) + chr(0xFF71 + (c % 40)))
for c in every([c for c in forms if 0xFFA0 <= c <= 0xFFDC or 0xFFE8 <= c <= 0xFFEE], 20):
    add("halfwidth_other", name(chr(c)))
for c in every([c for c in forms if 0xFF01 <= c <= 0xFF5E or 0xFFE0 <= c <= 0xFFE6], 60):
    add("fullwidth", name(chr(c)))

# The symbols OQS uses: ● (a character it could not carry), 〓 (geta) and ・ (middle dot).
for sym in ("\u25CF", "\u3013", "\u30FB"):
    for k in range(4):
        n = list(name(""))
        n.insert(k, sym)
        add("oqs_symbol", "".join(n))

# JIS X 0212 (EUC-JP 3-byte: PostgreSQL stores them, ORCA's programs and claims do not) and
# JIS X 0213-only ideographs.
for c in every(J1, 160):
    add("jisx0212", name(chr(c)))
for c in every(J0213, 160):
    add("jisx0213", name(chr(c)))

# The private use area: the old 外字 (CP932's user-defined rows F040-F9FC are U+E000-U+E757), which
# EUC-JP-MS writes in EUC-JP's user-defined rows and PostgreSQL's EUC_JP cannot hold at all.
for c in every(range(0xE000, 0xF8FF + 1), 40):  # (UnicodeData lists the area as a range, not per character)
    add("private_use", name(chr(c)))

# Names that fit: JIS X 0208 kanji throughout (the control).
for c in every(J0, 120):
    add("jisx0208", name(chr(c)))

for cls, n in out:
    sys.stdout.write(cls + "\t" + n + "\n")
