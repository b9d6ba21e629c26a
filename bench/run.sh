#!/usr/bin/env bash
# make bench: contactsd against the machine's limits and a typical peer, in one run.
#
#   1. contactsd on a fresh SQLite file (synchronous=FULL), seeded with BENCH_SEED contacts
#      through the API (wrk POSTing concurrently); its RSS is read right after the seeding.
#   2. GET /healthz, GET /v1/contacts/{id}, lookups by email, PATCH /v1/contacts/{id}, and
#      creates (single POSTs, and batches of 1,000) on that server.
#      Then PATCH with every change delivered to a webhook endpoint, alternated with the
#      endpoint disabled; and, on a fresh file, webhook deliveries/s (bench/webhook_throughput.py).
#   3. The same file served with --sync normal: PATCH; then the change log read through the feed
#      (GET /v1/events pages of 1,000, two consumers): events/s.
#   4. PostgreSQL: BENCH_DB, or a throw-away cluster (scripts/pg-cluster.sh) stopped at the end;
#      contactsd seeded with BENCH_PG_SEED contacts: PATCH.
#   5. The peer (../shared/peers/node-fastify, when present and `npm ci` works in a copy under
#      bench/out/): PATCH on SQLite NORMAL and on PostgreSQL, with its own wrk script.
# BENCH_ONLY=core|webhooks|postgresql|peer runs one part (after the seeding): for a quick look
# while working on it; a figure for docs/benchmarks.md comes from a whole run.
# Every load is wrk -t1 -c$BENCH_CONNECTIONS -d${BENCH_SECONDS}s against 127.0.0.1, repeated
# BENCH_ROUNDS times (the medians are reported). Prints one JSON line per scenario, then the
# table, the ratios of issue 8's targets and the RSS. Only processes this script started are
# stopped, by their PID; everything it creates lives in bench/out/run-* (removed at the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin=${CONTACTSD_BIN:-$repo/build/contactsd}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-3}
seed_count=${BENCH_SEED:-100000}
pg_seed_count=${BENCH_PG_SEED:-20000}
pg_url=${BENCH_DB:-}
py=${PYTHON:-/usr/bin/python3}
only=${BENCH_ONLY:-}
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# The peer sits beside the repository in the shared tree: ../shared/peers/node-fastify from the
# repo's parent, wherever the repo lives; BENCH_PEER_DIR overrides, an empty value skips it.
peer_src=${BENCH_PEER_DIR-}
if [ -z "${BENCH_PEER_DIR+x}" ]; then
  for candidate in "$repo/../shared/peers/node-fastify" "$repo/../../shared/peers/node-fastify" \
    /work/shared/peers/node-fastify; do
    if [ -f "$candidate/server.js" ]; then peer_src=$(cd "$candidate" && pwd); break; fi
  done
fi

out=$repo/bench/out
mkdir -p "$out"
work=$(mktemp -d "$out/run-XXXXXX")
results=$work/results.jsonl
pids=()          # every long-running process started here
pg_dir=""        # the throw-away cluster, when started here

log() { echo "bench: $*" >&2; }

cleanup() {
  local pid
  for pid in "${pids[@]}" $seed_wrk_pid; do stop_pid "$pid"; done
  if [ -n "$pg_dir" ]; then "$repo/scripts/pg-cluster.sh" stop "$pg_dir" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_contactsd DB LOG [serve args...]: starts a server on a port of its own; sets server_pid, base.
start_contactsd() {
  local db=$1 logfile=$2 port
  shift 2
  "$bin" serve --db "$db" --listen 127.0.0.1:0 --no-access-log "$@" 2>"$logfile" &
  server_pid=$!
  pids+=("$server_pid")
  if ! port=$(listening_port "$logfile" "$server_pid" 30) ||
    ! wait_http "http://127.0.0.1:$port/healthz" "$server_pid" 30; then
    cat "$logfile" >&2
    log "contactsd did not start"
    exit 1
  fi
  base="http://127.0.0.1:$port"
}

# tenant DB: creates an org and a key on DB; sets key.
tenant() {
  local org
  org=$("$bin" org create --name bench --db "$1" | json_field id)
  key=$("$bin" key create --org "$org" --db "$1" | json_field key)
}

# measure NAME SCRIPT URL [VAR=VALUE...]: one wrk run, appended to $results as a JSON line;
# with $connections set, on that many connections instead of $conns.
measure() {
  local name=$1 script=$2 url=$3 round line
  shift 3
  for round in $(seq "$rounds"); do
    line=$(env "$@" wrk -t1 -c"${connections:-$conns}" -d"${seconds}s" -s "$here/$script" "$url" |
      tail -n 1)
    echo "{\"scenario\":\"$name\",\"round\":$round,\"result\":$line}" | tee -a "$results"
  done
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

export BENCH_DIR=$here

# ---- SQLite -------------------------------------------------------------------------------
sqlite_db="sqlite:$work/contacts.db"
tenant "$sqlite_db"
sqlite_key=$key
start_contactsd "$sqlite_db" "$work/sqlite-full.log" --webhook-allow-private --webhook-allow-http
log "seeding $seed_count contacts on SQLite..."
bench_seed "$base" "$sqlite_key" "$seed_count" "$work/ids.txt"
rss_after_seed=$(rss_kb "$server_pid")
if want core; then
measure healthz get.lua "$base" BENCH_PATH=/healthz BENCH_IDS= BENCH_KEY=
measure get_contact get.lua "$base" BENCH_PATH=/v1/contacts BENCH_IDS="$work/ids.txt" BENCH_KEY="$sqlite_key"
measure get_by_email get_by_email.lua "$base" BENCH_KEY="$sqlite_key" \
  BENCH_EMAILS="$work/ids.txt.emails"
measure list_by_email get_by_email.lua "$base" BENCH_KEY="$sqlite_key" \
  BENCH_EMAILS="$work/ids.txt.emails" BENCH_EMAIL_MODE=list
measure patch_sqlite_full patch.lua "$base" BENCH_IDS="$work/ids.txt" BENCH_KEY="$sqlite_key"
# Creates: one per POST, then 1,000 per POST /v1/contacts/batch (on 4 connections: a batch's
# body is ~350 KB, and two cores are busy with 4 of them in flight).
measure create_single create.lua "$base" BENCH_KEY="$sqlite_key"
connections=4 measure create_batch create.lua "$base" BENCH_KEY="$sqlite_key" BENCH_BATCH=1000
connections=4 measure create_batch_no_phone create.lua "$base" BENCH_KEY="$sqlite_key" \
  BENCH_BATCH=1000 BENCH_PHONE=0
fi
rss_after_runs=$(rss_kb "$server_pid")
if want webhooks; then
# Webhooks (issue 17): PATCH while every change is delivered to an endpoint (a sink on
# 127.0.0.1 that answers 200 at once), alternated round by round with the endpoint disabled
# (no deliveries), so the two are measured in one sitting. A receiver runs on another machine:
# the sink stands in for it at SCHED_IDLE (chrt --idle), so that its own work takes only the
# CPU the server leaves (everything of contactsd's, its delivery threads and the loopback's
# TCP included, is measured); the same with the sink at normal priority, competing with the
# server for the two cores, is measured too and shown beside it.
start_sink() {  # start_sink LOG [command prefix...]: sets sink_pid, sink_port
  local logfile=$1
  shift
  "$@" node "$here/webhook_sink.js" 0 >"$logfile" 2>&1 &
  sink_pid=$!
  pids+=("$sink_pid")
  for _ in $(seq 100); do grep -q port "$logfile" && break; sleep 0.1; done
  sink_port=$("$py" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' \
    "$logfile")
}
start_sink "$work/webhook-sink-idle.log" chrt --idle 0
idle_sink_pid=$sink_pid
idle_sink_port=$sink_port
start_sink "$work/webhook-sink.log"
local_sink_pid=$sink_pid
local_sink_port=$sink_port
hook_id=$(curl -sf -X POST "$base/v1/webhooks" -H "Authorization: Bearer $sqlite_key" \
  -d "{\"url\": \"http://127.0.0.1:$idle_sink_port/hook\", \"events\": [\"*\"]}" | json_field id)
set_hook() {  # set_hook true|false [sink port]
  local url=""
  if [ -n "${2:-}" ]; then url=", \"url\": \"http://127.0.0.1:$2/hook\""; fi
  curl -sf -X PATCH "$base/v1/webhooks/$hook_id" -H "Authorization: Bearer $sqlite_key" \
    -d "{\"enabled\": $1$url}" >/dev/null
}
sink_count() { curl -s "http://127.0.0.1:$1/count" | json_field received; }
measure_flow() {  # measure_flow NAME SINK_PORT: PATCH, and the deliveries/s the sink got meanwhile
  local before after
  before=$(sink_count "$2")
  rounds=1 measure "$1" patch.lua "$base" BENCH_IDS="$work/ids.txt" BENCH_KEY="$sqlite_key"
  after=$(sink_count "$2")
  echo "{\"scenario\":\"$1_deliveries\",\"round\":1,\"result\":{\"requests\":0,\"rps\":0,\"p50_ms\":0,\"p99_ms\":0,\"errors\":0,\"events_per_s\":$(((after - before) / seconds))}}" |
    tee -a "$results"
}
# Five rounds here (BENCH_WEBHOOK_ROUNDS): the difference sought is a few percent, about the
# spread of one round to the next on a shared machine.
for round in $(seq "${BENCH_WEBHOOK_ROUNDS:-5}"); do
  set_hook false
  rounds=1 measure patch_webhooks_off patch.lua "$base" BENCH_IDS="$work/ids.txt" \
    BENCH_KEY="$sqlite_key"
  set_hook true "$idle_sink_port"
  measure_flow patch_webhooks_on "$idle_sink_port"
  set_hook true "$local_sink_port"
  measure_flow patch_webhooks_on_local_sink "$local_sink_port"
done
log "webhook deliveries received: $(curl -s "http://127.0.0.1:$idle_sink_port/count") by the" \
  "idle-priority sink, $(curl -s "http://127.0.0.1:$local_sink_port/count") by the other"
# Deleted with its backlog, so that the runs below on this file measure no deliveries.
curl -sf -X DELETE "$base/v1/webhooks/$hook_id" -H "Authorization: Bearer $sqlite_key"
stop_pid "$idle_sink_pid"
stop_pid "$local_sink_pid"
fi
stop_pid "$server_pid"
if want webhooks; then
# Delivery throughput: a fresh server and file, 20,000 events made in batches, then the time
# until the sink has every one (bench/webhook_throughput.py).
for round in $(seq "$rounds"); do
  line=$("$py" "$here/webhook_throughput.py" "$bin" "$work/webhooks-$round" --events 20000)
  echo "{\"scenario\":\"webhook_deliveries\",\"round\":$round,\"result\":{\"requests\":0,\"rps\":0,\"p50_ms\":0,\"p99_ms\":0,\"errors\":0,\"events_per_s\":$(echo "$line" | json_field events_per_second)}}" |
    tee -a "$results"
done
fi

if want core; then
start_contactsd "$sqlite_db" "$work/sqlite-normal.log" --sync normal
measure patch_sqlite_normal patch.lua "$base" BENCH_IDS="$work/ids.txt" BENCH_KEY="$sqlite_key"
# The change log now holds an event per create and per PATCH: two consumers read it through
# the feed, each a page of 1,000 after the other (one connection per wrk thread).
log "events in the log: $(sqlite3 "$work/contacts.db" 'SELECT count(*) FROM events' 2>/dev/null || echo '?')"
for round in $(seq "$rounds"); do
  line=$(env BENCH_KEY="$sqlite_key" wrk -t2 -c2 -d"${seconds}s" -s "$here/feed.lua" "$base" |
    tail -n 1)
  echo "{\"scenario\":\"feed_read\",\"round\":$round,\"result\":$line}" | tee -a "$results"
done
stop_pid "$server_pid"
fi

# ---- PostgreSQL -----------------------------------------------------------------------------
if want postgresql; then
if [ -z "$pg_url" ]; then
  pg_dir=$(mktemp -d /tmp/contactsd-bench-pg-XXXXXX)
  rmdir "$pg_dir"  # pg-cluster.sh wants a missing or empty directory it then owns
  log "starting a throw-away PostgreSQL cluster in $pg_dir..."
  pg_url=$("$repo/scripts/pg-cluster.sh" start "$pg_dir")
fi
tenant "$pg_url"
start_contactsd "$pg_url" "$work/pg.log"
log "seeding $pg_seed_count contacts on PostgreSQL..."
bench_seed "$base" "$key" "$pg_seed_count" "$work/pg-ids.txt"
measure patch_postgresql patch.lua "$base" BENCH_IDS="$work/pg-ids.txt" BENCH_KEY="$key"
stop_pid "$server_pid"
fi

# ---- the peer -------------------------------------------------------------------------------
peer_note=""
if ! want peer; then
  peer_note="peer skipped: BENCH_ONLY=$only"
elif [ -z "$peer_src" ]; then
  peer_note="peer not found (looked for ../shared/peers/node-fastify): skipped"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  peer_note="peer skipped: node or npm is not installed"
else
  peer=$out/node-fastify
  # A copy of the peer (the shared tree is read-only and never modified); `npm ci` runs again
  # only when the peer's lockfile changed since the copy was installed.
  if ! cmp -s "$peer_src/package-lock.json" "$peer/package-lock.json" ||
    [ ! -d "$peer/node_modules" ]; then
    rm -rf "$peer"
    mkdir -p "$peer"
    cp "$peer_src"/*.js "$peer_src"/*.json "$peer_src"/*.lua "$peer_src"/*.md "$peer"/
    chmod -R u+w "$peer"
    log "npm ci in $peer (better-sqlite3 may build from source: minutes)..."
    if ! (cd "$peer" && npm_config_nodedir=${npm_config_nodedir:-/usr} timeout 900 \
      npm ci --no-audit --no-fund >"$work/npm.log" 2>&1); then
      tail -n 20 "$work/npm.log" >&2
      rm -rf "$peer/node_modules"
      peer_note="peer skipped: npm ci failed (see above)"
    fi
  fi
  if [ -z "$peer_note" ]; then
    run_peer() {  # run_peer NAME [VAR=VALUE...]
      local name=$1 port peer_pid
      shift
      port=$(free_port)
      (cd "$work" && exec env PORT="$port" "$@" node "$peer/server.js") >"$work/$name.log" 2>&1 &
      peer_pid=$!
      pids+=("$peer_pid")
      # The peer seeds 100,000 rows on its first start, then prints "listening".
      for _ in $(seq 1200); do
        grep -q listening "$work/$name.log" 2>/dev/null && break
        kill -0 "$peer_pid" 2>/dev/null || break
        sleep 0.25
      done
      if grep -q listening "$work/$name.log"; then
        measure "$name" peer_patch.lua "http://127.0.0.1:$port" PEER_DIR="$peer"
      else
        tail -n 20 "$work/$name.log" >&2
        log "$name did not start"
      fi
      stop_pid "$peer_pid"
    }
    log "peer on SQLite NORMAL (seeding 100,000 rows)..."
    run_peer peer_sqlite_normal DB=sqlite SQLITE_SYNC=NORMAL SQLITE_PATH="$work/peer.db"
    # The peer needs a database of its own (its table is also called contacts): made only on
    # the throw-away cluster, never on a server given through BENCH_DB.
    if [ -z "$pg_dir" ]; then
      peer_note="peer on PostgreSQL skipped: it runs only on the bench's own cluster (no BENCH_DB)"
    elif peer_pg_url=$(pg_create_database "$pg_url" contactsd_peer); then
      log "peer on PostgreSQL (seeding 100,000 rows)..."
      run_peer peer_postgresql DB=pg PG_URL="$peer_pg_url"
    else
      peer_note="peer on PostgreSQL skipped: could not create its database"
    fi
  fi
fi

echo
"$py" "$here/summarize.py" "$results" "$rss_after_seed" "$rss_after_runs" "$seed_count" \
  "$peer_note"
