# Sourced by scripts/pg-cluster.sh and scripts/pg-failover-pair.sh: where PostgreSQL 15 is, and
# the two things both need to run a throw-away server.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# initdb and the server refuse to run as root: as root, they run as the "postgres" user
# (created by Debian's postgresql-15 package).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A loopback port free right now (another process may take it before the server binds it).
free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
