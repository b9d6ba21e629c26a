#!/usr/bin/env bash
# `make test`: the unit tests, then the API suite and the crash matrix (tests/crash) on SQLite
# and on PostgreSQL, the SQLite run through `prism proxy`, which checks every request and answer
# against the OpenAPI document the server serves (docs/openapi.md). A throw-away PostgreSQL
# cluster (scripts/pg-cluster.sh) serves the PostgreSQL runs; it is stopped and removed on every
# exit: success, failure or interruption.
# The failover test (tests/api/test_pg_failover.py) starts a primary and a standby of its own
# (scripts/pg-failover-pair.sh) and runs in the API suite on SQLite only, so once. Last, the
# Debian package, `make install` and the Dockerfile's runtime stage (tests/package).
# Every stage runs even when an earlier one failed; the exit status says whether all passed.
#
# The API suites run on PYTEST_WORKERS pytest-xdist workers (default 4): a test mostly waits on
# its server, so four at once keep two cores busy and take ~45% of a sequential pass's time.
#
#   BUILD_DIR=build PYTHON=/usr/bin/python3 PYTEST_WORKERS=4 scripts/test-all.sh [pytest args...]
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "$root" && realpath -m "${BUILD_DIR:-build}")
python=${PYTHON:-/usr/bin/python3}
pytest=("$python" -m pytest -q -p no:cacheprovider -n "${PYTEST_WORKERS:-4}")

cluster=$(mktemp -d /tmp/contactsd-pg.XXXXXX)
cleanup() {
  "$root/scripts/pg-cluster.sh" stop "$cluster" || true
  rmdir "$cluster" 2>/dev/null || true  # left empty when the cluster never started
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "test-all: starting a throw-away PostgreSQL cluster in $cluster" >&2
if ! url=$("$root/scripts/pg-cluster.sh" start "$cluster"); then
  echo "test-all: could not start PostgreSQL" >&2
  exit 1
fi

failed=()
run() {  # run NAME COMMAND...: runs a stage and remembers a failure
  local name=$1
  shift
  echo "test-all: === $name ===" >&2
  "$@" || failed+=("$name")
}

cd "$root" || exit 1
export CONTACTSD_TEST_DB_THROWAWAY=1  # the cluster is removed: no need to drop its databases
run "unit tests (PostgreSQL ones included)" \
  env CONTACTSD_TEST_PG_URL="$url" ctest --test-dir "$build_dir" --output-on-failure
# On SQLite the suite runs once, through the proxy: every assertion of a plain run holds there
# too (tests of the transport itself are marked `direct` and bypass it), so a plain run would
# add ~3 minutes and nothing a failure could show. `make api-test` is the plain run.
run "API suite on SQLite, through the OpenAPI proxy (prism)" \
  env -u CONTACTSD_TEST_DB CONTACTSD_BIN="$build_dir/contactsd" \
  CONTACTSD_TEST_PRISM="$root/tests/openapi/node_modules/.bin/prism" \
  "${pytest[@]}" tests/api "$@"
run "API suite on PostgreSQL" \
  env CONTACTSD_TEST_DB="$url" CONTACTSD_BIN="$build_dir/contactsd" \
  "${pytest[@]}" tests/api "$@"
run "crash matrix on SQLite" \
  env -u CONTACTSD_TEST_DB CONTACTSD_BIN="$build_dir/contactsd" \
  "$python" tests/crash/crash_matrix.py
run "crash matrix on PostgreSQL" \
  env CONTACTSD_TEST_DB="$url" CONTACTSD_BIN="$build_dir/contactsd" \
  "$python" tests/crash/crash_matrix.py
run "Debian package, make install and the Dockerfile" \
  bash -c 'tests/package/test_package.sh "$1" && tests/package/test_dockerfile.sh "$1"' _ "$build_dir"

if [ ${#failed[@]} -ne 0 ]; then
  printf 'test-all: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test-all: all passed (unit, API and crash matrix on SQLite and on PostgreSQL, package)" >&2
