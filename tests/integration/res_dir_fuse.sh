#!/usr/bin/env bash
# A result folder on a file system that reports no change made beneath it (a FUSE mount stands for a
# CIFS share written by the 連携アプリ's PC): the daemon lists it while a job awaits a result, and the
# file it finds there is read, ingested and the job done, with its rows, although no inotify event
# ever comes and the poll (poll_interval_ms) is far too long to find it within this test.
# What is asserted is which path found each result (the daemon's log names the listing), not how soon.
. "$top_srcdir/tests/lib/env.sh"
env_setup 60
command -v bindfs >/dev/null || { echo "SKIP: bindfs is not installed (scripts/deps.sh installs it)"; exit 77; }
[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse here"; exit 77; }
mkdir -p "$T/resf"
bindfs "$T/res" "$T/resf" 2>"$T/bindfs.err" || { echo "SKIP: bindfs cannot mount here: $(cat "$T/bindfs.err")"; exit 77; }
FUSE_MNT=$T/resf
trap 'fusermount3 -u "$FUSE_MNT" 2>/dev/null || fusermount -u "$FUSE_MNT" 2>/dev/null || true; env_cleanup' EXIT
assert_eq "res_dir's file system" fuseblk-or-fuse "$(stat -f -c %T "$FUSE_MNT" | sed 's/^fuse.*/fuseblk-or-fuse/')"

# The daemon reads results through the mount; the simulator writes beneath it. A poll of 10 minutes:
# only a listing of the folder (or an event, which never comes here) can find a result in time.
mkdir -p "$T/resf/archive"
sed -i -e "s|^res_dir=.*|res_dir=$T/resf|" -e "s|^archive_dir=.*|archive_dir=$T/resf/archive|" \
  -e "s|^poll_interval_ms=.*|poll_interval_ms=600000|" -e "s|^result_timeout_s=.*|result_timeout_s=900|" "$CONF"
sim_start --processing 0 --delay-ms 300
log_mark
daemon_start
wait_log "listed every [0-9]+ ms while a job awaits a result" 30
grep -q "facility 1: $T/resf is on fuse" "$T/daemon.log" || fail "the daemon did not see $T/resf as a FUSE mount: $(grep listed "$T/daemon.log")"
ok "the daemon lists $T/resf (FUSE)"

log_mark
ID=$(onshi fetch --hospnum 1 --kind homecare --queue 2>/dev/null | awk '/queued/ { print $2 }')
[ -n "$ID" ] || fail "no job queued"
# Not a timing assertion: a deadline for a job that, found only by the poll, would take 10 minutes.
wait_sql "SELECT state IN ('done','failed','expired','cancelled') FROM onshi.job WHERE id = $ID" 60
assert_eq "job state" done "$(q "SELECT state FROM onshi.job WHERE id = $ID")"

# Which path found the files: the listing named both answers of this job (01res and 02res).
job_tag=$(printf 'H01J%08d' "$ID")
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" > "$T/daemon.log.since"
grep -qE "OQSmuhvq01res_${job_tag}[^ ]* found by listing $T/resf \(fuse\)" "$T/daemon.log.since" || fail "01res not found by the listing"
grep -qE "OQSmuhvq02res_${job_tag}[^ ]* found by listing $T/resf \(fuse\)" "$T/daemon.log.since" || fail "02res not found by the listing"
ok "01res and 02res of job $ID were found by listing the FUSE folder"

# The rows are the result's: what a homecare fetch writes, and P031 lists them.
assert_eq "rows written" "$(expected_rows homecare)" "$(q "SELECT coalesce(sum(rows_written), 0) FROM onshi.result_file WHERE job_id = $ID")"
assert_eq "rows P031 lists" "$(expected_rows homecare)" "$(q "SELECT count(*) FROM tbl_onshi_kaku WHERE $P031_WHERE")"
assert_eq "units linked to a patient" "$(expected_linked homecare)" "$(q "SELECT count(*) FROM onshi.result_unit WHERE status = 'written' AND ptid <> 0")"
ls "$T/resf/archive/OQSmuhvq02res_${job_tag}"* >/dev/null 2>&1 || fail "the 02res was not archived"
ok "02res archived"

# A second job after the first is done (the listing stopped meanwhile: no job awaited a result) is
# found the same way.
log_mark
ID2=$(onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-45 days' +%Y%m%d)" --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT state IN ('done','failed','expired','cancelled') FROM onshi.job WHERE id = $ID2" 60
assert_eq "second job state" done "$(q "SELECT state FROM onshi.job WHERE id = $ID2")"
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" | grep -qE "OQSmuhvq02res_$(printf 'H01J%08d' "$ID2")[^ ]* found by listing" || fail "second job's 02res not found by the listing"
ok "a second job's result found the same way"
daemon_stop_all

# The share mounted after the daemon started (res_dir a plain local folder until then): seen as FUSE
# within a second, and a job's results are found by the listing as before.
fusermount3 -u "$FUSE_MNT" 2>/dev/null || fusermount -u "$FUSE_MNT"
case "$(stat -f -c %T "$FUSE_MNT")" in fuse*) fail "$FUSE_MNT still mounted ($(stat -f -c %T "$FUSE_MNT"))" ;; esac
ok "$FUSE_MNT unmounted: a local folder again ($(stat -f -c %T "$FUSE_MNT"))"
log_mark
daemon_start
wait_log "facility 1: watching $T/resf\$" 30
grep -q "facility 1: $T/resf is on" "$T/daemon.log.since" && fail "a local folder taken for a share"
bindfs "$T/res" "$T/resf" || fail "bindfs could not mount again"
wait_log "facility 1: $T/resf is on fuse now: listed every" 30
ok "a share mounted after the start is listed"
log_mark
ID3=$(onshi fetch --hospnum 1 --kind homecare --consent-from "$(date -d '-50 days' +%Y%m%d)" --queue 2>/dev/null | awk '/queued/ { print $2 }')
wait_sql "SELECT state IN ('done','failed','expired','cancelled') FROM onshi.job WHERE id = $ID3" 60
assert_eq "third job state" done "$(q "SELECT state FROM onshi.job WHERE id = $ID3")"
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" | grep -qE "OQSmuhvq02res_$(printf 'H01J%08d' "$ID3")[^ ]* found by listing" || fail "third job's 02res not found by the listing"
ok "its result found by the listing"
daemon_stop_all
