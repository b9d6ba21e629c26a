#!/bin/bash
# The Docker image's HEALTHCHECK: GET /healthz on the port of $CONTACTSD_LISTEN must answer 200.
# bash's /dev/tcp does the request, so debian:12-slim needs no curl or wget (and nothing more
# to patch); contactsd has no client mode of its own.
set -euo pipefail
listen=${CONTACTSD_LISTEN:-127.0.0.1:8080}
host=${listen%:*}
host=${host#[}
host=${host%]}
case $host in
  0.0.0.0 | '') host=127.0.0.1 ;;  # listening on every address: ask over loopback
  ::) host=::1 ;;
esac
exec 3<>"/dev/tcp/$host/${listen##*:}"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r -t 5 status <&3
[[ $status == "HTTP/1.1 200 "* ]]
