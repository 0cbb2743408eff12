#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (Debian's clang + libclang-rt-14-dev) under ASan and UBSan
# and runs each for FUZZ_SECONDS (default 60), one after another, from its seed corpus.
#   bash tests/fuzz/fuzz.sh [TARGET...]       (make fuzz FUZZ_SECONDS=N [FUZZ_TARGETS="codec zip"])
# Targets: codec (01res/02res reader + validation + row recipes), zip (result files in memory,
# zip or xml), tlv (BER-TLV, 基本4情報), apdu (status words and the card layer's response handling).
# The working corpus grows under $FUZZ_DIR/corpus/<target> (default: <builddir>/tests/fuzz/work),
# never in the source tree; a crash is written as $FUZZ_DIR/crash-<target>-*: add it to
# tests/fuzz/regress/<target>/ once fixed (`make check` replays that folder).
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_DIR=${FUZZ_DIR:-$top_builddir/tests/fuzz/work}
CXX=${FUZZ_CXX:-clang++}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(${FUZZ_TARGETS:-codec zip tlv apdu})

command -v "$CXX" >/dev/null || { echo "fuzz.sh: $CXX not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
pc() { pkg-config "$@"; }
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
FLAGS="-std=c++20 -g -O1 $SAN -I$top_srcdir/module -I$top_builddir $(pc --cflags libxml-2.0 glib-2.0 libzip)"
LIBS="$(pc --libs libxml-2.0 glib-2.0 libzip)"
M=$top_srcdir/module
core="$M/core/error.cpp $M/core/codes.cpp $M/core/text.cpp $M/core/dates.cpp"
declare -A SRC=(
  [codec]="$core $M/onshi_batch/codec.cpp $M/onshi_batch/validate.cpp $M/p031_bridge/star.cpp $M/p031_bridge/match.cpp"
  [zip]="$M/core/error.cpp $M/onshi_batch/codec.cpp $M/onshi_batch/result_file.cpp"
  [tlv]="$M/core/error.cpp $M/card/tlv.cpp"
  [apdu]="$M/core/error.cpp $M/card/apdu.cpp $M/card/mynumber.cpp $M/card/tlv.cpp"
)
mkdir -p "$FUZZ_DIR/obj" "$FUZZ_DIR/bin"

# Objects are compiled once per source (with -fsanitize=fuzzer-no-link) and rebuilt when the source is newer.
obj_of() {
  local src=$1 o
  o=$FUZZ_DIR/obj/$(echo "${src#$top_srcdir/}" | tr / _).o
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || find "$M" -name '*.hpp' -newer "$o" | grep -q .; then
    echo "  CXX (fuzz) ${src#$top_srcdir/}" >&2
    $CXX $FLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$o"
  fi
  echo "$o"
}

build() {  # TARGET
  local t=$1 objs="" s
  for s in ${SRC[$t]} "$top_srcdir/tests/fuzz/fuzz_$t.cpp"; do objs+=" $(obj_of "$s")"; done
  echo "  LD (fuzz) fuzz_$t" >&2
  # shellcheck disable=SC2086
  $CXX $FLAGS -fsanitize=fuzzer $objs $LIBS -o "$FUZZ_DIR/bin/fuzz_$t"
}

status=0
for t in "${targets[@]}"; do
  [ -n "${SRC[$t]:-}" ] || { echo "fuzz.sh: unknown target $t" >&2; exit 64; }
  build "$t"
  mkdir -p "$FUZZ_DIR/corpus/$t"
  seeds=$top_srcdir/tests/fuzz/corpus/$t
  regress=()
  [ -d "$top_srcdir/tests/fuzz/regress/$t" ] && regress=("$top_srcdir/tests/fuzz/regress/$t")
  echo "== fuzz_$t: ${FUZZ_SECONDS} s (seeds: $(ls "$seeds" 2>/dev/null | wc -l) in ${seeds#$top_srcdir/})"
  dict=()
  [ -f "$top_srcdir/tests/fuzz/$t.dict" ] && dict=(-dict="$top_srcdir/tests/fuzz/$t.dict")
  # -rss_limit_mb: the codec streams (flat memory); a result that needs more is a finding.
  # shellcheck disable=SC2086
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$FUZZ_DIR/bin/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$FUZZ_DIR/crash-$t-" "${dict[@]}" ${FUZZ_ARGS:-} "$FUZZ_DIR/corpus/$t" "$seeds" "${regress[@]}" 2>"$FUZZ_DIR/fuzz_$t.log"; then
    status=1
    echo "fuzz_$t: FAILED (see $FUZZ_DIR/fuzz_$t.log and $FUZZ_DIR/crash-$t-*)" >&2
    tail -n 40 "$FUZZ_DIR/fuzz_$t.log" >&2
  fi
  # The figures libFuzzer ends with: runs, exec/s, corpus size.
  grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' \
    "$FUZZ_DIR/fuzz_$t.log" || true
  echo "corpus: $(ls "$FUZZ_DIR/corpus/$t" | wc -l) files, $(du -sk "$FUZZ_DIR/corpus/$t" | cut -f1) KiB"
done
exit $status
