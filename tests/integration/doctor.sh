#!/usr/bin/env bash
# orca-onshi doctor against a real PostgreSQL: a clean setup has no ERR (exit 0); each broken thing is
# reported by name and makes exit 1, and is restored before the next.
. "$top_srcdir/tests/lib/env.sh"
env_setup 20

# doctor CONF [OPTIONS...]: runs it; output in $T/doctor.out, exit status in $rc.
doctor() {
  local conf=$1; shift
  rc=0
  "$ONSHI" --config "$conf" doctor "$@" > "$T/doctor.out" 2> "$T/doctor.err" || rc=$?
}
show() { sed 's/^/    /' "$T/doctor.out"; [ -s "$T/doctor.err" ] && sed 's/^/    stderr: /' "$T/doctor.err"; true; }
# expect_line WHAT LINE: doctor exited 1 and printed exactly LINE.
expect_line() {
  [ "$rc" = 1 ] || { show; fail "$1: exit $rc, expected 1"; }
  grep -qxF -- "$2" "$T/doctor.out" || { show; fail "$1: no line '$2'"; }
  ok "$1: exit 1, '$2'"
}
expect_clean() {
  [ "$rc" = 0 ] || { show; fail "$1: exit $rc, expected 0"; }
  ! grep -q '^ERR' "$T/doctor.out" || { show; fail "$1: ERR reported"; }
  grep -q '^doctor: [0-9]* OK, [0-9]* WARN, 0 ERR$' "$T/doctor.out" || { show; fail "$1: no summary line"; }
  ok "$1: no ERR, exit 0"
}
# conf_with SED-SCRIPT: a copy of the test configuration edited by sed; prints its path.
n_conf=0
conf_with() {
  n_conf=$((n_conf + 1))
  sed "$1" "$CONF" > "$T/doctor$n_conf.conf"
  echo "$T/doctor$n_conf.conf"
}

# --- A clean setup.
doctor "$CONF"
echo "clean setup:"; show
expect_clean "clean setup"
grep -qxF "OK   server_encoding EUC_JP" "$T/doctor.out" || fail "server_encoding not reported"
grep -qxF "OK   module schema at version $(q 'SELECT max(version) FROM onshi.schema_version')" "$T/doctor.out" || fail "schema version not reported"
grep -qxF "OK   [facility 1] hospnum 1 has 1001 (医療機関情報) in tbl_syskanri" "$T/doctor.out" || fail "hospnum 1 not reported"
grep -qxF "OK   [facility 1] p031_mark=star: ★ rows (【全体】, ★ 顔認証照会) need no ORCA setting" "$T/doctor.out" || fail "star not reported"
[ -z "$(ls -A "$T/req")" ] || fail "doctor left a file in req_dir: $(ls -A "$T/req")"
doctor "$CONF" --hospnum 1
expect_clean "clean setup, --hospnum 1"

# --- A missing column.
q "ALTER TABLE tbl_onshi_kaku DROP COLUMN shokai_num"
doctor "$CONF"
expect_line "missing column" "ERR  tbl_onshi_kaku.shokai_num is missing"
q "ALTER TABLE tbl_onshi_kaku ADD COLUMN shokai_num character varying(50)"
doctor "$CONF"; expect_clean "column restored"

# --- A column too short (the table is empty: nothing fetched yet).
assert_eq "tbl_onshi_kaku is empty" 0 "$(q 'SELECT count(*) FROM tbl_onshi_kaku')"
q "ALTER TABLE tbl_onshi_kaku ALTER COLUMN res_num TYPE varchar(5)"
doctor "$CONF"
expect_line "too-short column" "ERR  tbl_onshi_kaku.res_num is varchar(5), needs at least 80"
q "ALTER TABLE tbl_onshi_kaku ALTER COLUMN res_num TYPE character varying(80)"
doctor "$CONF"; expect_clean "column length restored"

# --- A missing table (tbl_jobkanri): reported once, by name.
q "ALTER TABLE tbl_jobkanri RENAME TO tbl_jobkanri_away"
doctor "$CONF"
expect_line "missing table" "ERR  tbl_jobkanri is missing: orca-onshi reads or writes it (is this ORCA's database, ORCA 5.2?)"
assert_eq "missing table: one ERR" 1 "$(grep -c '^ERR' "$T/doctor.out")"
q "ALTER TABLE tbl_jobkanri_away RENAME TO tbl_jobkanri"

# --- A hospnum ORCA does not know: [facility 7], same database and folders.
conf7=$(conf_with 's/^\[facility 1\]$/[facility 7]/')
doctor "$conf7"
expect_line "wrong hospnum" "ERR  [facility 7] hospnum 7 has no 1001 (医療機関情報) in tbl_syskanri: is 7 this clinic's ORCA hospnum?"
doctor "$conf7" --hospnum 7
expect_line "wrong hospnum (--hospnum 7)" "ERR  [facility 7] hospnum 7 has no 1001 (医療機関情報) in tbl_syskanri: is 7 this clinic's ORCA hospnum?"
doctor "$CONF" --hospnum 7
expect_line "--hospnum of a facility not configured" "ERR  [facility 7] is not configured: no [facility 7] group in the configuration"

# --- Shares that cannot be used (root ignores modes, so: a path under a regular file, a missing folder).
: > "$T/afile"
conf=$(conf_with "s|^req_dir=.*|req_dir=$T/afile/req|")
doctor "$conf"
expect_line "req_dir under a file" "ERR  [facility 1] req_dir $T/afile/req is not usable: Not a directory"
conf=$(conf_with "s|^req_dir=.*|req_dir=$T/no-such-req|")
doctor "$conf"
expect_line "req_dir missing" "ERR  [facility 1] req_dir $T/no-such-req is not usable: No such file or directory"
conf=$(conf_with "s|^res_dir=.*|res_dir=$T/no-such-res|")
doctor "$conf"
expect_line "res_dir missing" "ERR  [facility 1] res_dir $T/no-such-res is not readable: No such file or directory"
conf=$(conf_with "s|^pdf_dir=.*|pdf_dir=$T/afile/pdf|")
doctor "$conf"
expect_line "pdf_dir under a file" "ERR  [facility 1] pdf_dir $T/afile/pdf is not usable: Not a directory"
conf=$(conf_with "s|^archive_dir=.*|archive_dir=$T/new/archive|")
doctor "$conf"
expect_clean "archive_dir that does not exist yet but can be created"
grep -qxF "OK   [facility 1] archive_dir $T/new/archive does not exist yet and can be created (under $T)" "$T/doctor.out" || { show; fail "archive_dir creatable not reported"; }
[ ! -e "$T/new" ] || fail "doctor created $T/new"

# --- An old module schema: the newest version row removed, then put back as it was.
need=$(q "SELECT max(version) FROM onshi.schema_version")
# the version before it (migration numbers may skip one: 006 came before a 005)
prev=$(q "SELECT max(version) FROM onshi.schema_version WHERE version < $need")
q "CREATE TABLE public.doctor_saved AS SELECT * FROM onshi.schema_version WHERE version = $need;
   DELETE FROM onshi.schema_version WHERE version = $need" > /dev/null
doctor "$CONF"
expect_line "old module schema" "ERR  module schema is at version $prev, this orca-onshi needs $need: run orca-onshi db migrate"
q "INSERT INTO onshi.schema_version SELECT * FROM public.doctor_saved; DROP TABLE public.doctor_saved" > /dev/null
doctor "$CONF"; expect_clean "schema version restored"

# --- An unreachable database: one ERR naming it; the folders are still checked.
conf=$(conf_with "s|^conninfo=.*|conninfo=host=$T/no-socket port=$PGPORT user=postgres dbname=orca connect_timeout=2|")
doctor "$conf"
[ "$rc" = 1 ] || { show; fail "unreachable database: exit $rc"; }
assert_eq "unreachable database: one ERR" 1 "$(grep -c '^ERR' "$T/doctor.out")"
grep -q '^ERR  cannot connect to the database: .*no-socket' "$T/doctor.out" || { show; fail "unreachable database: not named"; }
grep -qxF "OK   [facility 1] req_dir $T/req exists and is writable" "$T/doctor.out" || { show; fail "folders not checked"; }
ok "unreachable database: $(grep '^ERR' "$T/doctor.out" | cut -c1-90)..."

# --- p031_mark=consent: 1051 HOUMON/ONLINE.
conf=$(conf_with 's/^p031_mark=star$/p031_mark=consent/')
doctor "$conf"
expect_line "consent, 1051 HOUMON off" "ERR  [facility 1] 1051 HOUMON (訪問診療) is not '1': ORCA's P031 will not show the 訪問診療同意 view"
q "UPDATE tbl_syskanri SET kanritbl = '1' || repeat(' ', 213) || '11' WHERE hospnum = 1 AND kanricd = '1051'" > /dev/null
doctor "$conf"; expect_clean "consent, 1051 HOUMON and ONLINE on"
q "UPDATE tbl_syskanri SET kanritbl = '1' || repeat(' ', 213) || '00' WHERE hospnum = 1 AND kanricd = '1051'" > /dev/null

doctor "$CONF"; expect_clean "everything restored"
echo "1 passed, 0 failed"
