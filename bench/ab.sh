#!/usr/bin/env bash
# bench/ab.sh OLD_BIN NEW_BIN: two builds of contactsd measured against each other in one
# sitting, alternated (old, new, new, old, ...) on one SQLite file (synchronous=FULL), so that
# the machine's drift falls on both alike: GET /healthz, GET /v1/contacts/{id}, PATCH.
# Prints one JSON line per run, then the medians and new/old ratios. The file is seeded once,
# through NEW_BIN. Env: BENCH_SEED (20000), BENCH_ROUNDS (3 per binary), BENCH_SECONDS (8),
# BENCH_CONNECTIONS (64). Only processes started here are stopped, by PID.
#   git worktree add /tmp/old <commit> && cmake -S /tmp/old -B /tmp/old/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build /tmp/old/build --target contactsd
#   bench/ab.sh /tmp/old/build/contactsd build/contactsd
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
seconds=${BENCH_SECONDS:-8}
conns=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-3}
seed_count=${BENCH_SEED:-20000}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$here/out"
work=$(mktemp -d "$here/out/ab-XXXXXX")
server_pid=""
wrk_pid=""

cleanup() {
  for pid in $server_pid $wrk_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export BENCH_DIR=$here

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
db="sqlite:$work/contacts.db"

start() {  # start BIN
  "$1" serve --db "$db" --listen "127.0.0.1:$port" --no-access-log 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$base/healthz" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/server.log" >&2
  exit 1
}
stop() { kill "$server_pid"; wait "$server_pid" || true; server_pid=""; }

org=$("$new" org create --name ab --db "$db" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
key=$("$new" key create --org "$org" --db "$db" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["key"])')
start "$new"
: >"$work/ids.txt"
BENCH_KEY=$key BENCH_SEED=$seed_count BENCH_IDS_OUT=$work/ids.txt \
  wrk -t1 -c64 -d600s -s "$here/seed.lua" "$base" >/dev/null 2>&1 &
wrk_pid=$!
while kill -0 "$wrk_pid" 2>/dev/null && [ "$(wc -l <"$work/ids.txt")" -lt "$seed_count" ]; do
  sleep 0.5
done
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
wrk_pid=""
stop

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
    bin=$old
    [ "$label" = new ] && bin=$new
    start "$bin"
    run "$label" healthz get.lua BENCH_PATH=/healthz BENCH_IDS= BENCH_KEY=
    run "$label" get_contact get.lua BENCH_PATH=/v1/contacts BENCH_IDS="$work/ids.txt" BENCH_KEY="$key"
    run "$label" patch_sqlite_full patch.lua BENCH_IDS="$work/ids.txt" BENCH_KEY="$key"
    stop
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
for scenario in ("healthz", "get_contact", "patch_sqlite_full"):
    o, n = runs[(scenario, "old")], runs[(scenario, "new")]
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    errors = sum(r["errors"] for r in o + n)
    print(f"| {scenario} | {med(o, 'rps'):,.0f} | {med(n, 'rps'):,.0f} | "
          f"{med(n, 'rps') / med(o, 'rps'):.3f} | {med(o, 'p99_ms'):.2f} ms | "
          f"{med(n, 'p99_ms'):.2f} ms | {errors} |")
    each = lambda rs: ", ".join(f"{r['rps']:,.0f}" for r in rs)
    print(f"|   rounds | {each(o)} | {each(n)} | | | | |")
PY
