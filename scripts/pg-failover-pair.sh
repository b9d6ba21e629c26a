#!/usr/bin/env bash
# A throw-away PostgreSQL 15 primary with a synchronous streaming standby, for the failover test
# (tests/api/test_pg_failover.py): no system service, nothing left behind.
#
#   scripts/pg-failover-pair.sh start DIR         the primary (scripts/pg-cluster.sh start
#                                                 DIR/primary), a standby cloned from it
#                                                 (pg_basebackup -R, replication slot) in
#                                                 DIR/standby, then synchronous replication on;
#                                                 prints the multi-host URL for contactsd
#   scripts/pg-failover-pair.sh kill-primary DIR  SIGKILL the primary's postmaster and every one
#                                                 of its processes at once, as a crash of its
#                                                 machine would: no process says goodbye
#   scripts/pg-failover-pair.sh promote DIR       promote the standby; returns once it writes
#   scripts/pg-failover-pair.sh stop DIR          stop both and remove DIR
#
# synchronous_standby_names is set on the primary only once the standby streams, and never
# reaches the standby (ALTER SYSTEM after the base backup): the primary's own CREATE DATABASE
# must not wait for a standby that does not exist yet, and the promoted standby, which has no
# standby of its own, must not wait for one either.
# As root, the servers run as the "postgres" user, as in pg-cluster.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/pg-common.sh
. "$here/pg-common.sh"
MARKER=.contactsd-pg-failover-pair  # `stop` removes only a directory that `start` made
STANDBY_NAME=contactsd_standby     # its application_name, and its replication slot
WAIT_SECONDS=60

die() { echo "pg-failover-pair: $*" >&2; exit 1; }

# The part of postgresql://USER:PASSWORD@HOST:PORT/DB that names `what` (pg-cluster.sh's URL).
url_part() {
  python3 - "$1" "$2" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print({"user": u.username, "password": u.password, "port": u.port,
       "db": u.path.lstrip("/")}[sys.argv[2]])
EOF
}

# psql on the primary as its superuser; the password travels in the environment.
primary_sql() {
  local dir=$1 sql=$2
  PGPASSWORD=$(cat "$dir/password") "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$(cat "$dir/primary_port")" -U "$(cat "$dir/user")" -d postgres -c "$sql"
}

# Waits until `sql` on the primary prints `want`.
await_primary() {
  local dir=$1 sql=$2 want=$3 what=$4
  local deadline=$((SECONDS + WAIT_SECONDS))
  until [ "$(primary_sql "$dir" "$sql" 2>/dev/null || true)" = "$want" ]; do
    [ $SECONDS -lt $deadline ] || die "$what: not within ${WAIT_SECONDS}s"
    sleep 0.1
  done
}

start_standby() {
  local dir=$1 port
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    # The port was free a moment ago; another process may take it first: then try another.
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/standby/data" -l "$dir/standby/server.log" -w \
      -t "$WAIT_SECONDS" -o "-c port=$port -c listen_addresses=127.0.0.1 \
-c unix_socket_directories=$dir/standby/socket -c max_connections=200" start >/dev/null 2>&1; then
      echo "$port" >"$dir/standby_port"
      return 0
    fi
    grep -qi "address already in use" "$dir/standby/server.log" 2>/dev/null || break
  done
  tail -n 20 "$dir/standby/server.log" >&2 2>/dev/null || true
  die "the standby did not start (log: $dir/standby/server.log)"
}

start() {
  local dir=$1
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then die "$dir exists and is not empty"; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  touch "$dir/$MARKER"
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi

  local url
  url=$("$here/pg-cluster.sh" start "$dir/primary") || die "the primary did not start"
  (umask 077 && url_part "$url" password >"$dir/password")
  url_part "$url" user >"$dir/user"
  url_part "$url" port >"$dir/primary_port"
  local user port db
  user=$(cat "$dir/user")
  port=$(cat "$dir/primary_port")
  db=$(url_part "$url" db)

  # The standby's password file: its walreceiver reads it (primary_conninfo names it), so the
  # password is written nowhere else and never appears on a command line.
  mkdir -p "$dir/standby/socket"
  (umask 077 && printf '127.0.0.1:%s:*:%s:%s\n' "$port" "$user" "$(cat "$dir/password")" \
    >"$dir/standby/pgpass")
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir/standby"; fi
  as_owner "$PG_BIN/pg_basebackup" -D "$dir/standby/data" -R -X stream -c fast \
    -C -S "$STANDBY_NAME" \
    -d "host=127.0.0.1 port=$port user=$user application_name=$STANDBY_NAME passfile=$dir/standby/pgpass" \
    >"$dir/standby/basebackup.log" 2>&1 ||
    { cat "$dir/standby/basebackup.log" >&2; die "pg_basebackup failed"; }
  start_standby "$dir"

  await_primary "$dir" "SELECT count(*) FROM pg_stat_replication WHERE application_name = \
'$STANDBY_NAME' AND state = 'streaming'" 1 "the standby streaming"
  primary_sql "$dir" "ALTER SYSTEM SET synchronous_standby_names = '$STANDBY_NAME'" >/dev/null
  primary_sql "$dir" "ALTER SYSTEM SET synchronous_commit = 'on'" >/dev/null
  primary_sql "$dir" "SELECT pg_reload_conf()" >/dev/null
  await_primary "$dir" "SELECT sync_state FROM pg_stat_replication WHERE application_name = \
'$STANDBY_NAME'" sync "the standby synchronous"

  local password
  password=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
    "$(cat "$dir/password")")
  echo "postgresql://$user:$password@127.0.0.1:$port,127.0.0.1:$(cat "$dir/standby_port")/$db?target_session_attrs=read-write"
}

# True while `pid` runs (a zombie has exited: its sockets are closed).
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

kill_primary() {
  local dir=$1
  local pidfile=$dir/primary/data/postmaster.pid
  [ -f "$pidfile" ] || die "no running primary in $dir"
  local postmaster shmid
  postmaster=$(head -n 1 "$pidfile")
  shmid=$(sed -n 7p "$pidfile" | awk '{print $2}')
  # Stopped, the postmaster cannot start a backend between the listing and the kill.
  kill -STOP "$postmaster"
  local pids
  pids="$postmaster $(ps -o pid= --ppid "$postmaster" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -KILL $pids
  local deadline=$((SECONDS + WAIT_SECONDS)) pid
  for pid in $pids; do
    while running "$pid"; do
      [ $SECONDS -lt $deadline ] || die "process $pid of the primary did not die"
      sleep 0.05
    done
  done
  # Nobody is left to remove the server's System V shared memory segment: do it for it.
  if [ -n "$shmid" ]; then ipcrm -m "$shmid" 2>/dev/null || true; fi
}

promote() {
  local dir=$1
  as_owner "$PG_BIN/pg_ctl" -D "$dir/standby/data" -w -t "$WAIT_SECONDS" promote >/dev/null ||
    die "the standby was not promoted (log: $dir/standby/server.log)"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  [ -e "$dir/$MARKER" ] || die "$dir was not made by pg-failover-pair.sh start: not removing it"
  if [ -f "$dir/standby/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/standby/data" -m immediate -w -t "$WAIT_SECONDS" stop \
      >/dev/null 2>&1 || true
  fi
  # A killed primary left its pid file behind; pg_ctl would signal that pid (which may be a
  # zombie, or reused) and wait for the file to go away.
  local pidfile=$dir/primary/data/postmaster.pid
  if [ -f "$pidfile" ] && ! running "$(head -n 1 "$pidfile")"; then rm -f "$pidfile"; fi
  if [ -d "$dir/primary" ]; then "$here/pg-cluster.sh" stop "$dir/primary" || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  kill-primary) [ $# -eq 2 ] || die "usage: $0 kill-primary DIR"; kill_primary "$2" ;;
  promote) [ $# -eq 2 ] || die "usage: $0 promote DIR"; promote "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start|kill-primary|promote|stop DIR" ;;
esac
