#!/usr/bin/env bash
# What can be checked of the Dockerfile without a Docker daemon: its runtime stage installs the
# package of every shared library the built binary loads (each library the binary names itself
# by name, the rest at least through those packages' dependencies), every one a Debian 12
# package; and its HEALTHCHECK script answers 0 against a running server and not without one.
#
#   tests/package/test_dockerfile.sh BUILD_DIR    (make test runs it on build/)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/tests/package/lib.sh"
build=$(realpath "${1:?usage: test_dockerfile.sh BUILD_DIR}")
binary=$build/contactsd
[ -x "$binary" ] || fail "no $binary: build the server first"
dockerfile=$root/Dockerfile
start=$SECONDS

# Package names are this machine's: they must be the image's, Debian 12.
[[ $(cat /etc/debian_version) == 12.* ]] || fail "not Debian 12: package names may differ from the image's"

# The runtime stage: from the last FROM on, continuation lines joined.
runtime=$(sed -n '/^FROM /h; /^FROM /!H; ${x;p}' "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
[[ $(head -n 1 <<<"$runtime") == "FROM debian:12-slim" ]] || fail "the runtime stage is not FROM debian:12-slim"
install_line=$(grep 'apt-get install' <<<"$runtime") || fail "the runtime stage runs no apt-get install"
[ "$(wc -l <<<"$install_line")" -eq 1 ] || fail "the runtime stage has more than one apt-get install"
listed=" $(sed 's/.*apt-get install//; s/&&.*//' <<<"$install_line" | tr -s ' \t' '\n\n' | grep -v '^-' |
  tr '\n' ' ') "
echo "test_dockerfile: the runtime stage installs:$listed" >&2

# Each listed package is a Debian 12 package (installed here, or known to apt).
for package in $listed; do
  dpkg-query -W "$package" >/dev/null 2>&1 || apt-cache show "$package" >/dev/null 2>&1 ||
    fail "$package, in the Dockerfile, is no Debian package here"
done

# The packages the listed ones bring along: their Depends and Pre-Depends, recursively, as this
# machine's dpkg database has them (every alternative counted).
closure=$listed
queue=$listed
while [ -n "${queue// /}" ]; do
  next=""
  for package in $queue; do
    deps=$(dpkg-query -W -f='${Depends},${Pre-Depends}' "$package" 2>/dev/null || true)
    for dep in $(tr ',|' '\n\n' <<<"$deps" | sed 's/(.*//; s/:any//; s/ //g'); do
      [[ $closure == *" $dep "* ]] && continue
      closure+="$dep "
      next+=" $dep"
    done
  done
  queue=$next
done

# Every library ldd loads: its package listed, or brought along; each that the binary names
# itself (DT_NEEDED): listed by name.
needed=$(packages_of $(needed_libraries "$binary"))
linked=$(packages_of $(linked_libraries "$binary"))
[ -n "$needed" ] && [ -n "$linked" ] || fail "found no library the binary links"
for package in $needed; do
  [[ $listed == *" $package "* ]] || fail "$package (a library contactsd links) is not in the runtime apt-get install"
done
for package in $linked; do
  [[ $closure == *" $package "* ]] || fail "$package (a library ldd loads) is neither in the runtime apt-get install nor a dependency of it"
done
echo "test_dockerfile: $(wc -w <<<"$linked") packages of ldd's libraries covered, $(wc -w <<<"$needed") listed by name" >&2

# The HEALTHCHECK runs packaging/docker-healthcheck.sh as the image copies it.
grep -qx 'COPY packaging/docker-healthcheck.sh /usr/local/bin/contactsd-healthcheck' <<<"$runtime" ||
  fail "the runtime stage does not copy packaging/docker-healthcheck.sh to /usr/local/bin/contactsd-healthcheck"
grep -q '^HEALTHCHECK .*CMD \["contactsd-healthcheck"\]$' <<<"$runtime" || fail "the HEALTHCHECK does not run contactsd-healthcheck"
healthcheck=$root/packaging/docker-healthcheck.sh

# ...against the server: 0 while it serves (with the image's CONTACTSD_LISTEN form, 0.0.0.0:PORT),
# non-zero once it has stopped.
tmp=$(mktemp -d /tmp/contactsd-dockerfile.XXXXXX)
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  [ -z "$server" ] || wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# Port 0, and the port the server's listening line names: a port probed free beforehand could be
# taken by another process first.
"$binary" serve --db "sqlite:$tmp/contacts.db" --listen 127.0.0.1:0 --threads 1 \
  >"$tmp/server.log" 2>&1 &
server=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*event=listening .* url=http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/server.log")
  [ -z "$port" ] || break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log" >&2; fail "the server exited"; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/server.log" >&2; fail "the server did not say where it listens"; }
for _ in $(seq 100); do
  CONTACTSD_LISTEN=0.0.0.0:$port timeout 5 "$healthcheck" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log" >&2; fail "the server exited"; }
  sleep 0.1
done
CONTACTSD_LISTEN=0.0.0.0:$port timeout 5 "$healthcheck" ||
  { cat "$tmp/server.log" >&2; fail "the healthcheck failed against a running server"; }
kill "$server"
wait "$server" || fail "the server did not stop cleanly on SIGTERM"
server=""
if CONTACTSD_LISTEN=0.0.0.0:$port timeout 5 "$healthcheck" 2>/dev/null; then
  fail "the healthcheck passed with no server"
fi
echo "test_dockerfile: passed in $((SECONDS - start)) s" >&2
