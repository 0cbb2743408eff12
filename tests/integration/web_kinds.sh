#!/usr/bin/env bash
# Every kind, by its text, through the screens' API (jobs::Kind's text at both ends): POST /api/jobs
# with each of the five bulk kinds is 200 and makes a job of that kind (the row's kind, and
# GET /api/jobs/ID says it back); each other kind, and a kind that is none, is 400 naming the field
# "kind", with no job made. The kinds are the ones the command line lists (all of jobs::Kind).
. "$top_srcdir/tests/lib/env.sh"
env_setup 5
web_setup
daemon_start
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/api/session" && break; sleep 0.1; done
r=$(api GET /api/session)
CSRF=$(sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p' <<<"$r" | head -n 1)
[ ${#CSRF} = 64 ] || fail "no session on loopback: $r"

set +e; onshi fetch --hospnum 1 --kind no_such_kind > /dev/null 2> "$T/err"; set -e
kinds=$(sed -n "s/^orca-onshi: unknown kind 'no_such_kind' (available: \(.*\))\$/\1/p" "$T/err" | tr -d ,)
[ "$(echo $kinds | wc -w)" = 9 ] || fail "the kinds: '$kinds'"
from=$(date -d '-20 days' +%Y%m%d)
made=0
for k in $kinds no_such_kind; do
  before=$(q "SELECT count(*) FROM onshi.job")
  case $k in
    homecare|nursing|online) args=(-d consent_from="$from" -d consent_to="$TODAY") ;;
    welfare) args=(-d month="${TODAY:0:6}") ;;
    *) args=() ;;
  esac
  r=$(api POST /api/jobs -H "X-CSRF-Token: $CSRF" -d hospnum=1 -d "kind=$k" "${args[@]}")
  status=$(tail -n 1 <<<"$r"); body=$(sed '$d' <<<"$r")
  case $k in
    homecare|nursing|online|welfare|validity)
      [ "$status" = 200 ] || fail "POST kind=$k: HTTP $status $body"
      id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$body")
      [ -n "$id" ] || fail "POST kind=$k: no id in $body"
      assert_eq "kind of job $id in onshi.job" "$k" "$(q "SELECT kind FROM onshi.job WHERE id = $id")"
      d=$(api GET "/api/jobs/$id")
      [ "$(tail -n 1 <<<"$d")" = 200 ] || fail "GET /api/jobs/$id: $d"
      grep -q "\"kind\":\"$k\"" <<<"$d" || fail "GET /api/jobs/$id does not say kind $k: $d"
      made=$((made + 1)) ;;
    *)
      assert_eq "POST kind=$k" "400 {\"error\":\"取得対象区分を選んでください\",\"field\":\"kind\"}" "$status $body"
      assert_eq "jobs after kind=$k" "$before" "$(q "SELECT count(*) FROM onshi.job")" ;;
  esac
done
assert_eq "jobs made through the screens" 5 "$made"
daemon_stop_all
echo "1 passed, 0 failed"
