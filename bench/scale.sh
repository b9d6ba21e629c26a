#!/usr/bin/env bash
# make bench-scale: contactsd at a million contacts (issue 18), in one run.
#
#   1. contactsd on a fresh SQLite file (synchronous=FULL) with BENCH_SCALE_TENANTS small
#      tenants beside the measured one (5 contacts each, imported);
#   2. the measured tenant imported over HTTP (POST /v1/contacts/import, NDJSON) up to a tenth
#      of BENCH_SCALE contacts: contacts/s and the server's peak RSS during the import; then,
#      at that size, GET and PATCH by id, the lookup by email (?email=), a filtered list page
#      (?updated_since=&order=updated_at, 100 contacts: a sync's read) with wrk, and an export of the tenant (contacts/s, RSS);
#   3. the rest imported the same way, up to BENCH_SCALE, and the same measures at that size:
#      the ratios of each at the full size to the tenth;
#   4. the machine's limit: bench/bare_insert.py inserts the rows contactsd wrote for the
#      measured tenant into a fresh file with the same schema, nothing else (contacts/s);
#   5. PostgreSQL (BENCH_DB, or a throw-away cluster): an import of the tenth, contacts/s.
# Every load is wrk -t1 -c64 -d${BENCH_SECONDS}s against 127.0.0.1, BENCH_ROUNDS times (medians).
# Only processes this script started are stopped, by their PID; the files live in
# bench/out/scale-* (removed at the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin=${CONTACTSD_BIN:-$repo/build/contactsd}
total=${BENCH_SCALE:-1000000}
tenants=${BENCH_SCALE_TENANTS:-999}
seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
pg_url=${BENCH_DB:-}
py=${PYTHON:-/usr/bin/python3}
tenth=$((total / 10))

out=$repo/bench/out
mkdir -p "$out"
work=$(mktemp -d "$out/scale-XXXXXX")
results=$work/results.jsonl
pids=()
pg_dir=""
sampler_pid=""
log() { echo "bench-scale: $*" >&2; }
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [ -n "$pg_dir" ]; then "$repo/scripts/pg-cluster.sh" stop "$pg_dir" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_contactsd() {  # start_contactsd DB: sets server_pid, base
  local port
  "$bin" serve --db "$1" --listen 127.0.0.1:0 --no-access-log 2>"$work/server.log" &
  server_pid=$!
  pids+=("$server_pid")
  if port=$(listening_port "$work/server.log" "$server_pid" 30) &&
    wait_http "http://127.0.0.1:$port/healthz" "$server_pid" 30; then
    base="http://127.0.0.1:$port"
    return 0
  fi
  cat "$work/server.log" >&2
  log "contactsd did not start"
  exit 1
}

# The server's RSS, sampled every 0.2 s into $work/rss between these two calls.
start_rss_sampler() {
  : >"$work/rss"
  ( while kill -0 "$server_pid" 2>/dev/null; do
      awk '/VmRSS/ {print $2}' "/proc/$server_pid/status" >>"$work/rss"; sleep 0.2
    done ) &
  sampler_pid=$!
}
stop_rss_sampler() {  # prints the peak, in KiB
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sort -n "$work/rss" | tail -1
}

tenant() {  # tenant DB: sets org, key
  org=$("$bin" org create --name bench --db "$1" | json_field id)
  key=$("$bin" key create --org "$org" --db "$1" | json_field key)
}

# lines FROM TO FILE: the NDJSON of contacts FROM..TO-1, as bench/seed.lua makes them (contact
# N is person<N>@example.com), a phone on one in four.
lines() {
  "$py" - "$1" "$2" "$3" <<'PY'
import json, sys
lo, hi, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    for i in range(lo, hi):
        c = {"first_name": f"First{i}", "last_name": f"Last{i % 977}",
             "email": f"person{i}@example.com", "company": f"Company {i % 1000}",
             "title": "Engineer", "tags": ["customer", f"t{i % 7}"], "external_id": f"ext-{i}"}
        if i % 4 == 0:
            c["phone"] = f"+1 415 555 {i % 10000:04d}"
        f.write(json.dumps(c) + "\n")
PY
}

# import_file NAME FILE: POSTs FILE as one import; records contacts/s and the server's peak RSS.
import_file() {
  local name=$1 file=$2 started ended peak report
  start_rss_sampler
  started=$(date +%s.%N)
  report=$(curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/x-ndjson' \
    -T "$file" -X POST "$base/v1/contacts/import")
  ended=$(date +%s.%N)
  peak=$(stop_rss_sampler)
  echo "$report" | "$py" -c '
import json, sys
r = json.load(sys.stdin)
assert r["rejected"] == 0, r
name, started, ended, peak = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(json.dumps({"scenario": name, "contacts": r["created"],
                  "contacts_per_s": round(r["created"] / (ended - started)), "peak_rss_kb": peak}))
' "$name" "$started" "$ended" "${peak:-0}" | tee -a "$results"
}

# export_tenant NAME: the tenant's export, timed; writes the ids to $work/ids.
export_tenant() {
  local name=$1 started ended peak
  start_rss_sampler
  started=$(date +%s.%N)
  curl -fsS -H "Authorization: Bearer $key" "$base/v1/contacts/export" -o "$work/export.ndjson"
  ended=$(date +%s.%N)
  peak=$(stop_rss_sampler)
  "$py" - "$name" "$started" "$ended" "$peak" "$work" <<'PY' |
import json, sys
name, started, ended, peak, work = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), \
    int(sys.argv[4] or 0), sys.argv[5]
n = 0
with open(f"{work}/export.ndjson") as f, open(f"{work}/ids", "w") as ids:
    for line in f:
        ids.write(json.loads(line)["id"] + "\n")
        n += 1
print(json.dumps({"scenario": name, "contacts": n,
                  "contacts_per_s": round(n / (ended - started)), "peak_rss_kb": peak}))
PY
    tee -a "$results"
}

# measure NAME SCRIPT [VAR=VALUE...]: wrk rounds, each a JSON line in $results.
measure() {
  local name=$1 script=$2 round line
  shift 2
  for round in $(seq "$rounds"); do
    line=$(env BENCH_DIR="$here" BENCH_KEY="$key" "$@" \
      wrk -t1 -c64 -d"${seconds}s" -s "$here/$script" "$base" | tail -n 1)
    echo "{\"scenario\":\"$name\",\"round\":$round,\"result\":$line}" | tee -a "$results"
  done
}

# at_size SIZE: the measures at the tenant's current size.
at_size() {
  local size=$1 since
  export_tenant "export@$size"
  seq 0 $((size - 1)) | shuf -n 100000 --random-source=<(yes) >"$work/emails"
  since=$(sed -n "$((size / 2))p" "$work/export.ndjson" | json_field updated_at)
  measure "get@$size" get.lua BENCH_PATH=/v1/contacts BENCH_IDS="$work/ids"
  measure "email@$size" get_by_email.lua BENCH_EMAILS="$work/emails" BENCH_EMAIL_MODE=list
  measure "list@$size" get.lua \
    BENCH_PATH="/v1/contacts?updated_since=$since&order=updated_at&limit=100"
  # Last: its changes are in the log from then on, and a sync's page reads past the versions
  # they replaced (the list above would measure the PATCH load's history, not the size).
  measure "patch@$size" patch.lua BENCH_IDS="$work/ids"
}

sqlite_file=$work/contacts.db
db="sqlite:$sqlite_file"
log "writing $total contacts' lines"
lines 0 "$tenth" "$work/first.ndjson"
lines "$tenth" "$total" "$work/rest.ndjson"
lines 0 5 "$work/small.ndjson"
start_contactsd "$db"
log "$tenants small tenants"
for _ in $(seq "$tenants"); do
  tenant "$db"
  curl -fsS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/x-ndjson' \
    -T "$work/small.ndjson" -X POST "$base/v1/contacts/import"
done
tenant "$db"
main_org=$org
log "importing $tenth contacts"
import_file "import@$tenth" "$work/first.ndjson"
at_size "$tenth"
log "importing $((total - tenth)) more"
import_file "import@$total" "$work/rest.ndjson"
at_size "$total"
stop_pid "$server_pid"

log "bare SQLite: the same rows into a fresh file"
"$bin" migrate --db "sqlite:$work/bare.db" 2>/dev/null
"$py" "$here/bare_insert.py" "$sqlite_file" "$work/bare.db" "$main_org" |
  "$py" -c 'import json,sys; r=json.load(sys.stdin); r["scenario"]="bare sqlite insert"; print(json.dumps(r))' |
  tee -a "$results"
rm -f "$work"/bare.db*

log "PostgreSQL: importing $tenth contacts"
if [ -z "$pg_url" ]; then
  pg_dir=$(mktemp -d /tmp/contactsd-scale-pg-XXXXXX)
  rmdir "$pg_dir"  # pg-cluster.sh wants a missing or empty directory it then owns
  pg_url=$("$repo/scripts/pg-cluster.sh" start "$pg_dir")
fi
pg_db=$(pg_create_database "$pg_url" "contactsd_scale_$$")
start_contactsd "$pg_db"
tenant "$pg_db"
import_file "postgresql import@$tenth" "$work/first.ndjson"
stop_pid "$server_pid"

"$py" "$here/summarize_scale.py" "$results" "$tenth" "$total"
