#!/usr/bin/env bash
# Installs every Debian 12 package contactsd needs to build, test and benchmark; with `build`,
# only what building the server needs (the Dockerfile's build stage).
# Idempotent: apt-get runs only when a package is missing; sudo only when not root.
#
#   scripts/install-deps.sh [build]
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3 iso-codes
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-thread1.81-dev
  libsqlite3-dev libpq-dev libssl-dev libjwt-dev libphonenumber-dev
  libcli11-dev libspdlog-dev libfmt-dev libcsv-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev  # CMakeLists.txt finds GTest even for the server alone
)
if [ "${1:-}" != build ]; then
  packages+=(
    clang-format
    clang-15 llvm-15  # make fuzz-smoke: libFuzzer/ASan runtimes (libclang-common-15-dev), llvm-symbolizer
    sqlite3 python3-pytest python3-pytest-xdist python3-requests python3-hypothesis
    python3-jsonschema
    python3-prometheus-client
    postgresql-15 postgresql-client-15
    wrk curl
    chromium slowhttptest
    # tests/package: cpack's dpkg-shlibdeps (dpkg-dev); systemd-sysusers, systemd-analyze and
    # systemctl --root for the package's scripts and unit (the service is never started)
    dpkg-dev systemd
  )
fi

# The build fetches swagger-ui-dist with npm, and the webhook tests' receiver
# (tests/webhook_receiver) runs on Node. The machines usually have Node 20 already (not always
# from Debian, so dpkg cannot tell): Debian's nodejs and npm only when the commands are absent.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq

# Debian 12's libphonenumber-dev depends on the unversioned libboost-thread-dev, which pulls
# Boost 1.74's headers, and those conflict with libboost1.81-dev. libphonenumber's headers do
# not use Boost (its Debian build uses POSIX locks), so we satisfy that one dependency with an
# empty package that points at Boost 1.81's thread library instead (what equivs would build).
if ! dpkg-query -W -f='${Status}' libboost-thread-dev 2>/dev/null | grep -q "ok installed"; then
  shim=$(mktemp -d)
  mkdir -p "$shim/pkg/DEBIAN"
  cat >"$shim/pkg/DEBIAN/control" <<CONTROL
Package: libboost-thread-dev
Version: 1.81.0.0+contactsd1
Architecture: all
Maintainer: contactsd <dev@contactsd.invalid>
Depends: libboost-thread1.81-dev
Description: Boost 1.81 stand-in for libboost-thread-dev (lets libphonenumber-dev install beside Boost 1.81)
CONTROL
  dpkg-deb --build "$shim/pkg" "$shim/libboost-thread-dev.deb" >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends libboost-thread1.81-dev "$shim/libboost-thread-dev.deb" >/dev/null
  rm -rf "$shim"
fi

$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
