# shellcheck shell=bash disable=SC2154  # $here and $py come from the script that sources this
# bench/lib.sh: what bench/run.sh and bench/ab.sh share, sourced by both. Expects $here (this
# directory) and $py (a Python 3).

stop_pid() {  # SIGTERM, then SIGKILL after 10 s; only ever a PID this script started
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

json_field() {  # json_field FIELD: reads one JSON object on stdin
  "$py" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# listening_port LOG PID SECONDS: the port a server started with `--listen 127.0.0.1:0` names in
# its log's listening line, once it has bound it. The kernel picks the port: one probed free
# beforehand could be taken by another process first, and then the probe reaches that one.
# Builds older than that line (bench/ab.sh's OLD) name it only in their quick start on stdout
# ("serving model 'standard' on http://127.0.0.1:PORT"), which the caller then sends to LOG too.
listening_port() {
  local logfile=$1 pid=$2 limit=$3 port
  for _ in $(seq $((limit * 10))); do
    port=$(sed -n -e 's|.*event=listening .* url=http://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
      -e "s|^contactsd: serving model '[^']*' on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p" \
      "$logfile" 2>/dev/null | head -1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

wait_http() {  # wait_http URL PID SECONDS
  local url=$1 pid=$2 limit=$3
  for _ in $(seq $((limit * 10))); do
    curl -fs -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# seed_wrk_pid: the wrk that bench_seed is running, for the caller's cleanup (empty otherwise).
seed_wrk_pid=""

# bench_seed URL KEY COUNT IDS_FILE: creates COUNT contacts through the API with wrk (64
# connections), writing their ids to IDS_FILE; stops wrk once the count is reached, and fails
# if seeding stopped short.
bench_seed() {
  local url=$1 key=$2 count=$3 ids=$4 started=$SECONDS got
  : >"$ids"
  BENCH_DIR=$here BENCH_KEY=$key BENCH_SEED=$count BENCH_IDS_OUT=$ids \
    wrk -t1 -c64 -d600s -s "$here/seed.lua" "$url" >"$ids.wrk" 2>&1 &
  seed_wrk_pid=$!
  # seed.lua stops sending at the count, but wrk itself only ends at -d: stop it then.
  while kill -0 "$seed_wrk_pid" 2>/dev/null && [ "$(wc -l <"$ids")" -lt "$count" ]; do
    sleep 0.5
  done
  kill -INT "$seed_wrk_pid" 2>/dev/null || true
  wait "$seed_wrk_pid" 2>/dev/null || true
  seed_wrk_pid=""
  got=$(wc -l <"$ids")
  if [ "$got" -lt "$count" ]; then
    cat "$ids.wrk" >&2
    echo "bench: seeding stopped at $got of $count" >&2
    return 1
  fi
  echo "bench: seeded $got contacts in $((SECONDS - started)) s" >&2
}

# pg_create_database URL NAME: CREATE DATABASE NAME on the server of URL, through psql with
# the password in the environment rather than on a command line; prints the new database's URL.
pg_create_database() {
  "$py" - "$1" "$2" <<'PY'
import os, subprocess, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
env = dict(os.environ, PGHOST=u.hostname or "127.0.0.1", PGPORT=str(u.port or 5432),
           PGUSER=urllib.parse.unquote(u.username or ""),
           PGPASSWORD=urllib.parse.unquote(u.password or ""),
           PGDATABASE=urllib.parse.unquote(u.path.lstrip("/")))
created = subprocess.run(["psql", "-X", "-q", "-c", f'CREATE DATABASE "{sys.argv[2]}"'],
                         env=env, stdout=subprocess.DEVNULL)
if created.returncode != 0:
    sys.exit(created.returncode)
print(urllib.parse.urlunsplit(u._replace(path="/" + sys.argv[2])))
PY
}
