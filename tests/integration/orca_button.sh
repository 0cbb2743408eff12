#!/usr/bin/env bash
# ORCA's own 同意一括 drives us: a tbl_jobkanri P02V001 row, inserted as P0311 F12 does, is picked
# up by the daemon, run with ArbitraryFileIdentifier = its karte_uid, written in the consent style
# (訪 rows under 訪問診療同意), and the tbl_jobkanri row is finished so ORCA reports completion.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60
echo "serve_orca_jobs=true" >> "$CONF"
q "UPDATE tbl_syskanri SET kanritbl = '1' || repeat(' ', 213) || '10' WHERE kanricd = '1051'" > /dev/null
sim_start --processing 1 --delay-ms 20
uid=$(cat /proc/sys/kernel/random/uuid)
from=$(date -d '-1 month' +%Y%m%d)
q "INSERT INTO tbl_jobkanri (hospnum, jobid, shellid, run_opid, startymd, endymd, jobstarttime, sryymd, karte_uid, errcd, syokbn,
     param, termid, opid, updcnt, stepcnt, stopflg) VALUES
   (1, 1, 'P02V001', '', '$from', '$TODAY', to_char(now(), 'HH24MISS'), '$TODAY', '$uid', '', '', '', '', '', 0, 0, 0)" > /dev/null
daemon_start
wait_sql "SELECT errcd = '0003' FROM tbl_jobkanri WHERE jobid = 1" 60
job=$(q "SELECT id FROM onshi.job WHERE orca_jobid = 1")
[ -n "$job" ] || fail "no job adopted"
assert_eq "job ran with ArbitraryFileIdentifier = karte_uid" "$uid" "$(q "SELECT file_identifier FROM onshi.job WHERE id = $job")"
assert_eq "job done" "done" "$(q "SELECT state FROM onshi.job WHERE id = $job")"
rows=$(q "SELECT rows_written FROM onshi.job WHERE id = $job")
assert_eq "rows" "$(expected_rows homecare)" "$rows"
assert_eq "rows carry the karte_uid (file_sikibetu, sikibetu)" "$rows" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE file_sikibetu = '$uid' AND sikibetu = '$uid'")"
onshi p031 --hospnum 1 --view homecare --format tsv > "$T/houmon.tsv"
assert_eq "listed under 訪問診療同意" "$rows" "$(tail -n +2 "$T/houmon.tsv" | wc -l)"
assert_eq "marked 訪" "$rows" "$(cut -f2 "$T/houmon.tsv" | grep -c '^訪')"
units=$(q "SELECT units FROM onshi.job WHERE id = $job")
assert_eq "tbl_jobkanri: syokbn" "1" "$(q "SELECT syokbn FROM tbl_jobkanri WHERE jobid = 1")"
assert_eq "tbl_jobkanri: pid1 = persons" "$units" "$(q "SELECT pid1 FROM tbl_jobkanri WHERE jobid = 1")"
assert_eq "tbl_jobkanri: updcnt" "$units" "$(q "SELECT updcnt FROM tbl_jobkanri WHERE jobid = 1")"
assert_eq "tbl_jobkanri: yobi = 受付番号" "$(q "SELECT reception_number FROM onshi.job WHERE id = $job")" "$(q "SELECT yobi FROM tbl_jobkanri WHERE jobid = 1")"
assert_eq "tbl_jobkanri: shellmsg" "訪問診療一括返却" "$(q "SELECT trim(shellmsg) FROM tbl_jobkanri WHERE jobid = 1")"
# A second press, made after the first finished: once it is adopted, the daemon has polled
# tbl_jobkanri again since, and must not have taken the first row a second time.
uid2=$(cat /proc/sys/kernel/random/uuid)
q "INSERT INTO tbl_jobkanri (hospnum, jobid, shellid, run_opid, startymd, endymd, jobstarttime, sryymd, karte_uid, errcd, syokbn,
     param, termid, opid, updcnt, stepcnt, stopflg) VALUES
   (1, 2, 'P02V001', '', '$from', '$TODAY', to_char(now(), 'HH24MISS'), '$TODAY', '$uid2', '', '', '', '', '', 0, 0, 0)" > /dev/null
wait_sql "SELECT count(*) = 1 FROM onshi.job WHERE orca_jobid = 2" 60
assert_eq "first press adopted once" "1" "$(q "SELECT count(*) FROM onshi.job WHERE orca_jobid = 1")"
assert_eq "first press still reported finished to ORCA" "0003" "$(q "SELECT errcd FROM tbl_jobkanri WHERE jobid = 1")"
assert_eq "presses adopted" "2" "$(q "SELECT count(*) FROM onshi.job WHERE orca_jobid IS NOT NULL")"
echo "1 passed, 0 failed"
