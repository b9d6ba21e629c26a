#!/usr/bin/env bash
# make bench: starts contactsd on a fresh SQLite file, seeds contacts, and drives it with wrk.
# Prints one line per scenario (req/s, p50, p99) and the ratios, measured in this one run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${CONTACTSD_BIN:-$here/../build/contactsd}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
seed_count=${BENCH_SEED:-10000}
threads=${BENCH_SERVER_THREADS:-}

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db=${BENCH_DB:-}
[ -n "$db" ] || db="sqlite:$work/bench.db"
case "$db" in sqlite:*) patch_name=patch_sqlite_full ;; *) patch_name=patch_postgresql ;; esac
base="http://127.0.0.1:$port"
org=$("$bin" org create --name bench --db "$db" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
key=$("$bin" key create --org "$org" --db "$db" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

args=(serve --db "$db" --listen "127.0.0.1:$port" --no-access-log)
[ -n "$threads" ] && args+=(--threads "$threads")
# shellcheck disable=SC2206
args+=(${BENCH_SERVER_ARGS:-})
"$bin" "${args[@]}" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

echo "seeding $seed_count contacts..." >&2
/usr/bin/python3 "$here/seed.py" "$base" "$key" "$seed_count" "$work/ids.txt"

export BENCH_DIR=$here BENCH_IDS=$work/ids.txt BENCH_KEY=$key
run() {  # name, script, [path]
  local name=$1 script=$2
  local line
  line=$(BENCH_PATH=${3:-} wrk -t1 -c"$conns" -d"${seconds}s" -s "$here/$script" "$base" | tail -n 1)
  echo "$name $line"
}
health=$(BENCH_IDS= BENCH_KEY= run healthz get.lua /healthz)
get=$(run get_contact get.lua /v1/contacts)
patch=$(run "$patch_name" patch.lua)
echo "$health"; echo "$get"; echo "$patch"
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
/usr/bin/python3 - "$health" "$get" "$patch" "$rss_kb" "$seed_count" <<'PY'
import json, sys
h, g, p = (json.loads(a.split(" ", 1)[1]) for a in sys.argv[1:4])
print(f"ratio PATCH/healthz = {p['rps'] / h['rps']:.3f}")
print(f"ratio GET/healthz   = {g['rps'] / h['rps']:.3f}")
print(f"server RSS after seeding {sys.argv[5]} contacts and the runs: {int(sys.argv[4]) / 1024:.1f} MiB")
PY
