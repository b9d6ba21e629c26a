#!/usr/bin/env bash
# bench/ab.sh OLD_BIN NEW_BIN: two builds of contactsd measured against each other in one
# sitting, alternated (old, new, new, old, ...), so that the machine's drift falls on both
# alike: GET /healthz, GET /v1/contacts/{id}, PATCH on SQLite (synchronous=FULL) and, with
# BENCH_AB_PG=1, PATCH on PostgreSQL (a throw-away cluster). Each binary has a database of its
# own, seeded through it with the same number of contacts (a newer schema cannot be opened by
# an older binary). Prints one JSON line per run, then the medians and new/old ratios.
# Env: BENCH_SEED (20000), BENCH_ROUNDS (3 per binary), BENCH_SECONDS (8),
# BENCH_CONNECTIONS (64), BENCH_AB_PG (0). Only processes started here are stopped, by PID.
#   git worktree add /tmp/old <commit> && cmake -S /tmp/old -B /tmp/old/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build /tmp/old/build --target contactsd
#   bench/ab.sh /tmp/old/build/contactsd build/contactsd
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
seconds=${BENCH_SECONDS:-8}
conns=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-3}
seed_count=${BENCH_SEED:-20000}
with_pg=${BENCH_AB_PG:-0}
py=${PYTHON:-/usr/bin/python3}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
mkdir -p "$here/out"
work=$(mktemp -d "$here/out/ab-XXXXXX")
server_pid=""
pg_dir=""

cleanup() {
  for pid in $server_pid $seed_wrk_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  if [ -n "$pg_dir" ]; then "$repo/scripts/pg-cluster.sh" stop "$pg_dir" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export BENCH_DIR=$here

starts=0
start() {  # start BIN DB: sets server_pid, base
  local logfile port
  starts=$((starts + 1))
  logfile=$work/server.$starts.log
  "$1" serve --db "$2" --listen 127.0.0.1:0 --no-access-log >"$logfile" 2>&1 &
  server_pid=$!
  if port=$(listening_port "$logfile" "$server_pid" 30) &&
    wait_http "http://127.0.0.1:$port/healthz" "$server_pid" 30; then
    base="http://127.0.0.1:$port"
    return 0
  fi
  cat "$logfile" >&2
  exit 1
}
stop() { kill "$server_pid"; wait "$server_pid" || true; server_pid=""; }
json_field() { "$py" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# prepare LABEL BIN DB: an org, a key and seed_count contacts, through BIN; sets key_LABEL,
# and the ids in $work/ids-LABEL.txt.
prepare() {
  local label=$1 bin=$2 db=$3 org key ids=$work/ids-$1.txt
  org=$("$bin" org create --name ab --db "$db" | json_field id)
  key=$("$bin" key create --org "$org" --db "$db" | json_field key)
  printf -v "key_$label" '%s' "$key"
  start "$bin" "$db"
  bench_seed "$base" "$key" "$seed_count" "$ids"
  stop
}

db_old="sqlite:$work/old.db"
db_new="sqlite:$work/new.db"
prepare old "$old" "$db_old"
prepare new "$new" "$db_new"
if [ "$with_pg" = 1 ]; then
  pg_dir=$(mktemp -d /tmp/contactsd-ab-pg-XXXXXX)
  rmdir "$pg_dir"  # pg-cluster.sh wants a missing or empty directory it then owns
  pg_url=$("$repo/scripts/pg-cluster.sh" start "$pg_dir")
  pg_old=$(pg_create_database "$pg_url" ab_old)
  pg_new=$(pg_create_database "$pg_url" ab_new)
  cp "$work/ids-old.txt" "$work/sqlite-ids-old.txt"
  cp "$work/ids-new.txt" "$work/sqlite-ids-new.txt"
  sqlite_key_old=$key_old
  sqlite_key_new=$key_new
  prepare old "$old" "$pg_old"
  prepare new "$new" "$pg_new"
  pg_key_old=$key_old pg_key_new=$key_new
  mv "$work/ids-old.txt" "$work/pg-ids-old.txt"
  mv "$work/ids-new.txt" "$work/pg-ids-new.txt"
  mv "$work/sqlite-ids-old.txt" "$work/ids-old.txt"
  mv "$work/sqlite-ids-new.txt" "$work/ids-new.txt"
  key_old=$sqlite_key_old key_new=$sqlite_key_new
fi

run() {  # run LABEL SCENARIO SCRIPT VAR=VALUE...
  local label=$1 scenario=$2 script=$3 line
  shift 3
  line=$(env "$@" wrk -t1 -c"$conns" -d"${seconds}s" -s "$here/$script" "$base" | tail -n 1)
  echo "{\"binary\":\"$label\",\"scenario\":\"$scenario\",\"result\":$line}" | tee -a "$work/ab.jsonl"
}

for round in $(seq "$rounds"); do
  order="old new"
  [ $((round % 2)) -eq 0 ] && order="new old"
  for label in $order; do
    bin=$old db=$db_old key=$key_old
    [ "$label" = new ] && bin=$new db=$db_new key=$key_new
    ids=$work/ids-$label.txt
    start "$bin" "$db"
    run "$label" healthz get.lua BENCH_PATH=/healthz BENCH_IDS= BENCH_KEY=
    run "$label" get_contact get.lua BENCH_PATH=/v1/contacts BENCH_IDS="$ids" BENCH_KEY="$key"
    run "$label" patch_sqlite_full patch.lua BENCH_IDS="$ids" BENCH_KEY="$key"
    stop
    if [ "$with_pg" = 1 ]; then
      pg_db=$pg_old pg_key=$pg_key_old
      [ "$label" = new ] && pg_db=$pg_new pg_key=$pg_key_new
      start "$bin" "$pg_db"
      run "$label" patch_postgres patch.lua BENCH_IDS="$work/pg-ids-$label.txt" BENCH_KEY="$pg_key"
      stop
    fi
  done
done

"$py" - "$work/ab.jsonl" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    runs.setdefault((row["scenario"], row["binary"]), []).append(row["result"])
print("| scenario | old req/s | new req/s | new/old | old p99 | new p99 | errors |")
print("|---|---|---|---|---|---|---|")
for scenario in ("healthz", "get_contact", "patch_sqlite_full", "patch_postgres"):
    if (scenario, "old") not in runs:
        continue
    o, n = runs[(scenario, "old")], runs[(scenario, "new")]
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    errors = sum(r["errors"] for r in o + n)
    print(f"| {scenario} | {med(o, 'rps'):,.0f} | {med(n, 'rps'):,.0f} | "
          f"{med(n, 'rps') / med(o, 'rps'):.3f} | {med(o, 'p99_ms'):.2f} ms | "
          f"{med(n, 'p99_ms'):.2f} ms | {errors} |")
    each = lambda rs: ", ".join(f"{r['rps']:,.0f}" for r in rs)
    print(f"|   rounds | {each(o)} | {each(n)} | | | | |")
PY
