#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz (docs/fuzzing.md), built with clang-15 in build-fuzz/.
#   scripts/fuzz.sh build             configure and build build-fuzz/ (CONTACTSD_FUZZ=ON)
#   scripts/fuzz.sh smoke             every target for FUZZ_SECONDS (30) on a copy of its
#                                     checked-in corpus, FUZZ_JOBS (2) at a time; fails on any
#                                     crash, leak, timeout or out-of-memory
#   scripts/fuzz.sh run TARGET SECS   one target for SECS seconds (300); new inputs are kept in
#                                     build-fuzz/corpus/TARGET, never in the checked-in corpus
#   scripts/fuzz.sh list              the targets
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-2}
src=tests/fuzz
# Per input: 10 s and 2 GiB at most (a slower or larger input is a failure), every report
# fatal, leaks included.
limits=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
symbolizer=/usr/lib/llvm-15/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer

targets() {
  local f
  for f in "$src"/*_fuzzer.cpp; do
    f=${f##*/}
    echo "${f%_fuzzer.cpp}"
  done
}

# The libFuzzer options of one target: its dictionary, if it has one.
dict_of() {
  [ -f "$src/dict/$1.dict" ] && echo "-dict=$src/dict/$1.dict"
  return 0
}

build() {
  CC=clang-15 CXX=clang++-15 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCONTACTSD_FUZZ=ON -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -U CONTACTSD_LAYERS >/dev/null
  cmake --build "$dir" -j "$jobs"
}

# smoke_one TARGET: runs it on a fresh copy of its corpus; the log and any artifact stay in
# $dir/smoke/TARGET/. Prints one line; returns non-zero when the run found something.
smoke_one() {
  local t=$1 work="$dir/smoke/$1" rc=0
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp -r "$src/corpus/$t/." "$work/corpus/"
  # shellcheck disable=SC2046
  "$dir/fuzz/${t}_fuzzer" -max_total_time="$seconds" "${limits[@]}" $(dict_of "$t") \
    -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  local runs artifacts
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  artifacts=$(find "$work" -maxdepth 1 -type f \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  if [ "$rc" -eq 0 ] && [ -z "$artifacts" ]; then
    echo "fuzz: $t: ${runs:-?} executions in ${seconds} s, found nothing"
    return 0
  fi
  echo "fuzz: $t: FAILED (exit $rc) after ${runs:-?} executions; log: $work/log"
  [ -n "$artifacts" ] && echo "fuzz: $t: input: $artifacts"
  grep -m 12 -E 'ERROR|SUMMARY|runtime error|requirement|framing|    #[0-9] ' "$work/log" |
    sed "s/^/fuzz: $t: /" || true
  return 1
}

smoke() {
  local t failed=0 running=0
  local -a names=()
  mapfile -t names < <(targets)
  echo "fuzz: ${#names[@]} targets, ${seconds} s each, ${jobs} at a time"
  # A pool of $jobs runs: each result line is printed as its run ends.
  for t in "${names[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
    smoke_one "$t" &
    running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  if [ "$failed" -ne 0 ]; then
    echo "fuzz: smoke FAILED: reproduce with $dir/fuzz/<target>_fuzzer <input>;" \
      "each crash becomes a unit test (docs/fuzzing.md)" >&2
    return 1
  fi
  echo "fuzz: smoke passed"
}

run() {
  local t=${1:-} secs=${2:-300}
  if [ -z "$t" ] || [ ! -f "$src/${t}_fuzzer.cpp" ]; then
    echo "usage: make fuzz TARGET=<$(targets | paste -sd '|')> SECONDS=<n>" >&2
    return 2
  fi
  [[ "$secs" =~ ^[0-9]+$ ]] || { echo "fuzz: SECONDS must be a number of seconds" >&2; return 2; }
  local corpus="$dir/corpus/$t" artifacts="$dir/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $t for $secs s; new inputs go to $corpus, findings to $artifacts/"
  # New inputs are written to the first directory only; the checked-in corpus is read.
  # shellcheck disable=SC2046
  "$dir/fuzz/${t}_fuzzer" -max_total_time="$secs" "${limits[@]}" $(dict_of "$t") \
    -artifact_prefix="$artifacts/" "$corpus" "$src/corpus/$t"
}

case ${1:-} in
  build) build ;;
  smoke) smoke ;;
  run) run "${2:-}" "${3:-}" ;;
  list) targets ;;
  *)
    echo "usage: $0 build | smoke | run TARGET SECONDS | list" >&2
    exit 2
    ;;
esac
