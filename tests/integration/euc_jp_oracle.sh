#!/usr/bin/env bash
# Ingest sends ORCA's text to PostgreSQL already in EUC-JP (text::append_euc_jp), so the bytes in
# ORCA's columns are ours, not PostgreSQL's conversion's. The oracle is PostgreSQL itself: every BMP
# character we convert must come out of convert_to(…, 'EUC_JP') as the very same bytes, and we must
# convert all of JIS X 0208 and the half-width katakana (else a batch with one more character would
# silently go the slow way).
. "$top_srcdir/tests/lib/env.sh"
pg_start "$T/pg"
"$top_builddir/tests/bin/euc_table" > "$T/ours.tsv"
q "CREATE TABLE ours (cp integer PRIMARY KEY, utf8 text NOT NULL, hex text NOT NULL)" > /dev/null
psql -Xq -v ON_ERROR_STOP=1 -c "\\copy ours FROM '$T/ours.tsv'"
# convert() fails for a character PostgreSQL cannot write in EUC_JP: that, too, is a failure here.
pg="encode(convert(decode(utf8, 'hex'), 'UTF8', 'EUC_JP'), 'hex')"
q "SELECT cp, hex, $pg FROM ours WHERE $pg <> hex LIMIT 5"
differ=$(q "SELECT count(*) FROM ours WHERE $pg <> hex")
assert_eq "characters whose EUC-JP bytes differ from PostgreSQL's" "0" "$differ"
# Coverage, counted on PostgreSQL's side: the EUC-JP codes of JIS X 0208 (rows 1-84 of A1-FE, as
# PostgreSQL decodes them back to Unicode) and of the half-width katakana (8E A1-DF).
psql -Xq -v ON_ERROR_STOP=1 > /dev/null <<'SQL'
CREATE TABLE jis (euc text PRIMARY KEY, utf8 text);
CREATE FUNCTION try_decode(b bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN RETURN encode(convert(b, 'EUC_JP', 'UTF8'), 'hex'); EXCEPTION WHEN others THEN RETURN NULL; END $$;
INSERT INTO jis SELECT encode(b, 'hex'), try_decode(b)
  FROM (SELECT set_byte(set_byte('\x0000'::bytea, 0, r), 1, c) AS b FROM generate_series(161, 244) r, generate_series(161, 254) c
        UNION ALL SELECT set_byte('\x8e00'::bytea, 1, c) FROM generate_series(161, 223) c) x;
SQL
pg_side=$(q "SELECT count(*) FROM jis WHERE utf8 IS NOT NULL")
# (NEC's row 13 repeats nine symbols of row 2: PostgreSQL reads both codes, writes row 2's; so the
# character, not the code, is what must be in our table.)
missing="FROM jis j WHERE utf8 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ours o WHERE o.utf8 = j.utf8)"
q "SELECT euc, utf8 $missing LIMIT 10"
missing=$(q "SELECT count(*) $missing")
[ "$pg_side" -gt 7000 ] || fail "PostgreSQL decoded only $pg_side codes of JIS X 0208 and half-width katakana"
echo "PostgreSQL decodes $pg_side of those codes; we convert $(wc -l < "$T/ours.tsv") characters"
assert_eq "characters PostgreSQL decodes from those codes that we do not convert" "0" "$missing"
echo "1 passed, 0 failed"
