#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests: no system service, nothing left behind.
#
#   scripts/pg-cluster.sh start DIR   initdb a cluster into DIR (missing or empty), start it on a
#                                     free loopback port with its unix socket inside DIR, create
#                                     the database "contactsd", print its URL on stdout
#   scripts/pg-cluster.sh stop DIR    stop that cluster and remove DIR
#
# Default settings (fsync on, synchronous_commit on): benchmarks on it measure honestly.
# initdb refuses to run as root, so as root the server runs as the "postgres" user (created by
# Debian's postgresql-15 package), which then owns DIR; DIR's parent must be searchable by it.
set -euo pipefail

# shellcheck source=scripts/pg-common.sh
. "$(cd "$(dirname "$0")" && pwd)/pg-common.sh"
MARKER=.contactsd-pg-cluster  # `stop` removes only a directory that `start` made
DB_NAME=contactsd
DB_USER=contactsd

die() { echo "pg-cluster: $*" >&2; exit 1; }

start() {
  local dir=$1
  [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL 15 at $PG_BIN (make deps installs postgresql-15)"
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then die "$dir exists and is not empty"; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  touch "$dir/$MARKER"
  mkdir -p "$dir/socket"
  # A fresh password per cluster: the server listens on loopback only, but other local users
  # could reach it there.
  local password
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$password" >"$dir/pwfile"
  chmod 600 "$dir/pwfile"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (apt-get install postgresql-15)"
    chown -R postgres: "$dir"
    runuser -u postgres -- test -x "$dir" || die "the postgres user cannot reach $dir: choose a DIR under /tmp"
  fi

  as_owner "$PG_BIN/initdb" -D "$dir/data" -U "$DB_USER" --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/pwfile"

  local port="" attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # The port was free a moment ago; another process may take it first: then try another.
    # track_commit_timestamp: the event-feed tests count commits that landed out of sequence
    # order (pg_xact_commit_timestamp), to show the feed was tested where it matters.
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
      "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/socket -c max_connections=200 -c track_commit_timestamp=on" \
      start >/dev/null 2>&1; then
      break
    fi
    port=""
    if ! grep -qi "address already in use" "$dir/server.log" 2>/dev/null; then break; fi
  done
  if [ -z "$port" ]; then
    tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
    die "the server did not start (log: $dir/server.log)"
  fi

  PGPASSWORD=$password "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" ||
    die "createdb failed"
  echo "postgresql://$DB_USER:$password@127.0.0.1:$port/$DB_NAME"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  [ -e "$dir/$MARKER" ] || die "$dir was not made by pg-cluster.sh start: not removing it"
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
