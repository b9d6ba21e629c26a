#!/usr/bin/env bash
# `make test-sanitize`: the unit tests and the API suite on SQLite against a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (BUILD_DIR, default build-asan). Every report
# is fatal where it happens (halt_on_error; UBSan built with -fno-sanitize-recover) and is also
# written to a file under BUILD_DIR/sanitizer-reports: a report from a server process that the
# API suite started and stopped counts even if no test noticed. The run fails on any report.
#
#   BUILD_DIR=build-asan PYTHON=/usr/bin/python3 PYTEST_WORKERS=4 scripts/test-sanitize.sh [pytest args...]
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "$root" && realpath -m "${BUILD_DIR:-build-asan}")
python=${PYTHON:-/usr/bin/python3}
reports=$build_dir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"

# log_path: each process writes its reports to <prefix>.<pid>. detect_leaks: LeakSanitizer at
# every exit. The suppressions are for code that is not ours (none are needed today).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"

failed=()
run() {  # run NAME COMMAND...
  local name=$1
  shift
  echo "test-sanitize: === $name ===" >&2
  "$@" || failed+=("$name")
}

cd "$root" || exit 1
start=$SECONDS
run "unit tests (ASan+UBSan)" ctest --test-dir "$build_dir" --output-on-failure
# The hostile-client tests and the 100 MB import measure the server's RSS, which the
# sanitizers' shadow memory and quarantine change past any bound worth asserting: they run in
# `make test` only.
run "API suite on SQLite (ASan+UBSan)" \
  env -u CONTACTSD_TEST_DB CONTACTSD_BIN="$build_dir/contactsd" \
  "$python" -m pytest -q -p no:cacheprovider -n "${PYTEST_WORKERS:-4}" tests/api \
  --ignore=tests/api/test_hostile_clients.py \
  --deselect tests/api/test_import_export.py::test_a_100_mb_import_holds_bounded_memory "$@"

shopt -s nullglob
found=("$reports"/*)
if [ ${#found[@]} -ne 0 ]; then
  echo "test-sanitize: ${#found[@]} sanitizer report(s):" >&2
  for f in "${found[@]}"; do
    echo "--- $f" >&2
    head -n 60 "$f" >&2
  done
  failed+=("sanitizer reports")
fi
echo "test-sanitize: took $((SECONDS - start)) s" >&2
if [ ${#failed[@]} -ne 0 ]; then
  printf 'test-sanitize: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test-sanitize: no sanitizer report (unit tests, API suite on SQLite)" >&2
