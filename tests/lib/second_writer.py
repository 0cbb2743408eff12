#!/usr/bin/env python3
"""A second writer of 02res files (訪問診療 bulk results), independent of orca-onshi-sim: Python's
xml.etree builds the tree, Python's codecs encode it. It writes what other systems write
(../shared/reference/oqs-interface.md §8): header children out of the layout's order, a body-level
echo of the search info, results directly under the unit and inside ResultList, unit-level consent
elements after QualificationValidity, ReferenceNumber after the results, an InsurerNumber left-padded
with spaces; and it chooses the declaration, the byte order mark and CharacterCodeIdentifier freely.

Persons come from stdin, one per line, tab-separated: hknjanum kigo num edaban birthday sex.
Each person gets the next name of NAMES (as a writer holding Unicode in JIS forms would have it).

usage: second_writer.py --out FILE --reception R --encoding utf-8|shift_jis
                        [--declare yes|no] [--bom] [--cci 0|1|none] [--forms jis|windows] [--garble]
"""
import argparse
import sys
import xml.etree.ElementTree as ET

# (Name, NameKana, Address). The JIS forms 〜 − ‖ — ¢ £ ¬ and their Windows twins ～ － ∥ ― ￠ ￡ ￢ are
# the same Shift_JIS bytes; 髙 and 﨑 exist only in Windows' extension rows (NEC-selected / IBM);
# ① in NEC's special row; ﾀﾛｳ is half-width katakana (single bytes A1-DF in Shift_JIS).
NAMES = [
    ("山田　〜子", "ヤマダ　ナミコ", "東京都港区芝公園１−２−３　〜‖—¢£¬"),
    ("髙橋　花子", "タカハシ　ハナコ", "大阪府大阪市北区梅田１−２６"),
    ("山﨑　一郎", "ヤマサキ　イチロウ", "神奈川県横浜市西区２−１"),
    ("佐藤　太郎", "ｻﾄｳ　ﾀﾛｳ", "愛知県名古屋市中区３−４①"),
    ("鈴木　次郎", "スズキ　ジロウ", "北海道札幌市中央区北１条西２丁目−５"),
]
WINDOWS_FORMS = str.maketrans({"\u301c": "\uff5e", "\u2212": "\uff0d", "\u2016": "\u2225", "\u2014": "\u2015",
                               "\u00a2": "\uffe0", "\u00a3": "\uffe1", "\u00ac": "\uffe2"})


def sub(parent, tag, text=None):
    e = ET.SubElement(parent, tag)
    if text is not None:
        e.text = text
    return e


def build(persons, reception, cci):
    root = ET.Element("XmlMsg")
    h = sub(root, "MessageHeader")
    # Not the layout's order.
    if cci != "none":
        sub(h, "CharacterCodeIdentifier", cci)
    sub(h, "ReceptionNumber", reception)
    sub(h, "NumberOfError", "0")
    sub(h, "SegmentOfResult", "1")
    sub(h, "MedicalInstitutionCode", "1310000017")
    sub(h, "ProcessExecutionTime", "20250110093000")
    sub(h, "QualificationConfirmationDate", "20250110")
    sub(h, "ArbitraryFileIdentifier", "second-writer")
    sub(h, "NumberOfProcessingResult", str(len(persons)))
    sub(h, "NumberOfNormalProcessing", str(len(persons)))
    b = sub(root, "MessageBody")
    echo = sub(b, "QualificationConfirmSearchInfo")  # the body-level echo: not a unit
    sub(echo, "MedicalTreatmentFlag", "1")
    sub(echo, "ConsentDateTo", "20250110")
    sub(echo, "ConsentDateFrom", "20241210")
    status = sub(b, "ProcessingResultStatus")
    sub(status, "Code", "0")
    for i, (hknjanum, kigo, num, edaban, birthday, sex) in enumerate(persons):
        name, kana, address = NAMES[i % len(NAMES)]
        u = sub(b, "BulkConfirmUnit")
        s = sub(u, "QualificationConfirmSearchInfo")
        sub(s, "Birthdate", birthday)
        sub(s, "InsuredIdentificationNumber", num)
        sub(s, "InsurerNumber", hknjanum.rjust(8))
        if kigo:
            sub(s, "InsuredCardSymbol", kigo)
        sub(s, "InsuredBranchNumber", edaban)
        sub(u, "QualificationValidity", "1")
        sub(u, "ProcessingResultStatus", "1")
        sub(u, "QualificationConsFlg", "1")
        sub(u, "QualificationConsTime", "20250105122254")
        sub(u, "QualificationAvailableTime", "20250405235959")
        parent = sub(u, "ResultList") if i % 2 else u
        r = sub(parent, "ResultOfQualificationConfirmation")
        sub(r, "Name", name)
        sub(r, "NameKana", kana)
        sub(r, "InsurerName", "全国健康保険協会東京支部")
        sub(r, "InsuredName", name)
        sub(r, "Address", address)
        sub(r, "Birthdate", birthday)
        sub(r, "Sex1", sex)
        sub(r, "InsuredBranchNumber", edaban)
        sub(r, "InsuredIdentificationNumber", num)
        if kigo:
            sub(r, "InsuredCardSymbol", kigo)
        sub(r, "InsurerNumber", hknjanum)
        sub(r, "InsuredCardClassification", "01")
        sub(r, "PersonalFamilyClassification", "1")
        sub(r, "PostNumber", "105-0011")
        sub(r, "QualificationDate", "20200401")
        sub(r, "InsuredCardValidDate", "20200401")
        sub(r, "InsuredPartialContributionRatio", "030")
        sub(r, "SpecificHealthCheckupsInfoConsFlg", "1")
        sub(r, "SpecificHealthCheckupsInfoConsTime", "20250105122254")
        sub(r, "PharmacistsInfoConsFlg", "1")
        sub(r, "ConsentDateFrom", "20250105")
        sub(r, "ConsentDateTo", "20250405")
        sub(u, "ReferenceNumber", "")
    return root


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--reception", required=True)
    p.add_argument("--encoding", choices=["utf-8", "shift_jis"], required=True)
    p.add_argument("--declare", choices=["yes", "no"], default="yes")
    p.add_argument("--bom", action="store_true")
    p.add_argument("--cci", choices=["0", "1", "none"], default=None)
    p.add_argument("--forms", choices=["jis", "windows"], default="jis")
    p.add_argument("--garble", action="store_true", help="put bytes that are neither UTF-8 nor Shift_JIS in the last name")
    a = p.parse_args()
    persons = [line.rstrip("\n").split("\t") for line in sys.stdin if line.strip()]
    cci = a.cci if a.cci is not None else ("1" if a.encoding == "shift_jis" else "0")
    root = build(persons, a.reception, cci)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    if a.forms == "windows" or a.encoding == "shift_jis":
        # A Windows writer holds the Windows forms; its Shift_JIS is CP932 (— has no JIS byte: ―).
        text = text.translate(WINDOWS_FORMS)
    if a.declare == "yes":
        text = '<?xml version="1.0" encoding="%s" standalone="no"?>\n' % ("Shift_JIS" if a.encoding == "shift_jis" else "UTF-8") + text
    data = text.encode("cp932" if a.encoding == "shift_jis" else "utf-8")
    if a.garble:
        at = data.rfind(b"</Name>")
        data = data[:at] + b"\xfd\xfe\x80" + data[at:]
    if a.bom:
        data = b"\xef\xbb\xbf" + data
    with open(a.out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
