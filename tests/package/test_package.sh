#!/usr/bin/env bash
# The Debian package and `make install` of an already built tree (docs/install.md), without
# touching this machine: cpack into a temporary directory; the package's control data and
# contents; dpkg installs it into a temporary root, where its postinst makes the user, the
# binary runs, the unit verifies and enables, and dpkg removes and purges it again; then
# `make install` into a prefix, and with DESTDIR. Whatever of the host's the package could
# change (the user contactsd, its paths in /usr, /etc, /lib, /var) is compared before and after.
#
#   tests/package/test_package.sh BUILD_DIR    (make test runs it on build/)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/tests/package/lib.sh"
build=$(realpath "${1:?usage: test_package.sh BUILD_DIR}")
[ -x "$build/contactsd" ] || fail "no $build/contactsd: build the server first"

# dpkg, as root, wants ldconfig and start-stop-daemon on the PATH.
export PATH=$PATH:/usr/sbin:/sbin
tmp=$(mktemp -d /tmp/contactsd-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
step() { echo "test_package: $*" >&2; }

# What must be the same after the test: the host's user contactsd (absent, or as it was), and
# every place the package or an install could have put something. (Only what the package
# could change, so that another install on the machine meanwhile does not fail the test.)
host_state() {
  grep -H '^contactsd:' /etc/passwd /etc/group /etc/shadow /etc/gshadow || true
  local path
  for path in /usr/bin/contactsd /usr/local/bin/contactsd /etc/default/contactsd \
    /usr/lib/systemd/system/contactsd.service /lib/systemd/system/contactsd.service \
    /usr/local/lib/systemd/system/contactsd.service /usr/lib/sysusers.d/contactsd.conf \
    /usr/local/lib/sysusers.d/contactsd.conf /usr/share/doc/contactsd /var/lib/contactsd \
    /etc/systemd/system/multi-user.target.wants/contactsd.service; do
    stat -c '%n %i %Y' "$path" 2>/dev/null || echo "$path absent"
  done
  dpkg-query -W -f='${db:Status-Abbrev}\n' contactsd 2>/dev/null || echo "contactsd not in dpkg"
}
host_state >"$tmp/host-before"

# The package and `make install` must hold these files and nothing else: no unit test, fuzz
# target, static library or header. PREFIX is usr/ for the package, empty for an install.
expect_files() {  # expect_files TREE PREFIX [EXTRA...]: TREE's files, EXTRA: the package's own
  local tree=$1 prefix=$2 listing file
  shift 2
  listing=$(cd "$tree" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
  local allowed="^(${prefix}bin/contactsd|${prefix}lib/systemd/system/contactsd\.service"
  allowed+="|${prefix}lib/sysusers\.d/contactsd\.conf|${prefix}share/doc/contactsd/LICENSE"
  allowed+="|${prefix}share/doc/contactsd/README\.md|${prefix}share/doc/contactsd/docs/.*\.md"
  allowed+="|${prefix}share/doc/contactsd/swagger-ui-dist/(LICENSE|NOTICE|swagger-ui-bundle\.js\.LICENSE\.txt)"
  for file in "$@"; do allowed+="|${file//./\\.}"; done
  allowed+=")$"
  if grep -Ev "$allowed" <<<"$listing"; then fail "$tree holds the files above, none expected"; fi
  for file in bin/contactsd lib/systemd/system/contactsd.service lib/sysusers.d/contactsd.conf \
    share/doc/contactsd/LICENSE share/doc/contactsd/README.md share/doc/contactsd/swagger-ui-dist/NOTICE \
    $(cd "$root" && find docs -name '*.md' | sed 's|^|share/doc/contactsd/|'); do
    grep -qx "$prefix$file" <<<"$listing" || fail "$tree has no $prefix$file"
  done
  for file in "$@"; do
    grep -qx "$file" <<<"$listing" || fail "$tree has no $file"
  done
}

# A unit names the installed binary.
check_unit() {  # check_unit UNIT BINDIR TREE: the unit's ExecStart is BINDIR/contactsd, in TREE
  local unit=$1 bindir=$2 tree=$3
  grep -qx "ExecStart=$bindir/contactsd serve" "$unit" || fail "$unit: ExecStart is not $bindir/contactsd serve"
  [ -x "$tree$bindir/contactsd" ] || fail "$unit: $tree$bindir/contactsd is not executable"
}

# --version of an installed binary: exit 0 and "contactsd VERSION (commit C)".
check_version() {
  local out
  out=$("$1" --version) || fail "$1 --version exited $?"
  [[ $out =~ ^contactsd\ ${version//./\\.}\ \(commit\ [0-9a-z-]+\)$ ]] ||
    fail "$1 --version printed '$out', not 'contactsd $version (commit ...)'"
}

step "cpack -G DEB"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
debs=("$tmp"/out/contactsd_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "cpack made no single contactsd_*.deb"
deb=${debs[0]}

step "control data of ${deb##*/}"
version=$(dpkg-deb -f "$deb" Version)
[ "$(dpkg-deb -f "$deb" Package)" = contactsd ] || fail "the package is not named contactsd"
[ "${deb##*/}" = "contactsd_${version}_$(dpkg --print-architecture).deb" ] ||
  fail "${deb##*/} is not contactsd_VERSION_ARCH.deb"
grep -q "kVersion\[\] = \"$version\"" "$root/src/common/version.hpp" ||
  fail "the package's version $version is not src/common/version.hpp's"
for field in Maintainer Section Description; do
  [ -n "$(dpkg-deb -f "$deb" "$field")" ] || fail "no $field"
done
# Depends, from dpkg-shlibdeps: the package of each library the binary links (or a name that
# package provides, as libphonenumber8 provides libphonenumber8-protobuf32), no -dev package.
depends=$(dpkg-deb -f "$deb" Depends)
step "Depends: $depends"
names=" $(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/ //g' | tr '\n' ' ') "
[[ $names != *"-dev "* ]] || fail "Depends names a -dev package"
needed=$(packages_of $(needed_libraries "$build/contactsd"))
[ -n "$needed" ] || fail "found no library the binary links"
for package in $needed; do
  provides=$(dpkg-query -W -f='${Provides}' "$package" | tr ',' '\n' | sed 's/(.*//; s/ //g')
  found=""
  for name in $package $provides; do
    if [[ $names == *" $name "* ]]; then found=$name; fi
  done
  [ -n "$found" ] || fail "Depends does not name $package (its library is linked)"
done
dpkg-deb --control "$deb" "$tmp/control"
grep -qx /etc/default/contactsd "$tmp/control/conffiles" || fail "/etc/default/contactsd is no conffile"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "no executable $script"
done

step "contents (dpkg-deb -c)"
mkdir "$tmp/contents"
dpkg-deb -x "$deb" "$tmp/contents"
listing=$(dpkg-deb -c "$deb")
[[ $listing == *" ./usr/bin/contactsd"$'\n'* ]] || fail "dpkg-deb -c lists no ./usr/bin/contactsd"
expect_files "$tmp/contents" usr/ etc/default/contactsd usr/share/doc/contactsd/copyright
sections=$(readelf -S "$tmp/contents/usr/bin/contactsd")
[[ $sections != *.debug_info* ]] || fail "the packaged binary is not stripped"

step "dpkg --root: install"
# An empty dpkg database in a temporary root. --force-depends: that database knows none of the
# packages the binary needs (they are this machine's, where the installed binary then runs).
# --force-script-chrootless: dpkg would otherwise chroot into the root to run the maintainer
# scripts, and there is no shell in it; without the chroot it sets DPKG_ROOT, and the scripts
# then act on that root only (packaging/debian/postinst). --path-include: some images
# path-exclude /usr/share/doc in /etc/dpkg/dpkg.cfg.d. --log: not the host's dpkg.log.
r=$tmp/root
mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers"
touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available"
dpkg_root() {
  dpkg --root="$r" --log="$tmp/dpkg.log" --force-depends --force-script-chrootless \
    --path-include='*' "$@" >>"$tmp/dpkg.out" 2>&1 || { cat "$tmp/dpkg.out" >&2; fail "dpkg $*"; }
}
status() { dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${Status}' contactsd 2>/dev/null || true; }
dpkg_root --install "$deb"
[ "$(status)" = "install ok installed" ] || fail "contactsd is '$(status)' after dpkg -i"
for path in usr/bin/contactsd usr/lib/systemd/system/contactsd.service etc/default/contactsd \
  usr/lib/sysusers.d/contactsd.conf usr/share/doc/contactsd/README.md usr/share/doc/contactsd/LICENSE; do
  [ -f "$r/$path" ] || fail "dpkg -i installed no /$path"
done
check_version "$r/usr/bin/contactsd"
if command -v systemd-sysusers >/dev/null; then
  grep -q '^contactsd:x:[0-9]*:[0-9]*:[^:]*:/var/lib/contactsd:' "$r/etc/passwd" ||
    fail "postinst made no user contactsd (home /var/lib/contactsd) in the root's /etc/passwd"
  grep -q '^contactsd:' "$r/etc/group" || fail "postinst made no group contactsd"
else
  step "SKIPPED the user's check: no systemd-sysusers here (scripts/install-deps.sh installs systemd)"
fi

step "the unit and /etc/default/contactsd"
unit=$r/usr/lib/systemd/system/contactsd.service
check_unit "$unit" /usr/bin "$r"
grep -qx 'User=contactsd' "$unit" || fail "the unit does not run as contactsd"
# The data directory is its only writable place (docs/install.md says so).
for line in StateDirectory=contactsd ProtectSystem=strict NoNewPrivileges=yes; do
  grep -qx "$line" "$unit" || fail "the unit has no $line"
done
grep -qx 'EnvironmentFile=-/etc/default/contactsd' "$unit" || fail "the unit reads no /etc/default/contactsd"
for setting in CONTACTSD_DB=sqlite:/var/lib/contactsd/contacts.db CONTACTSD_LISTEN=127.0.0.1:8080 \
  CONTACTSD_MODEL=standard; do
  grep -qx "$setting" "$r/etc/default/contactsd" || fail "/etc/default/contactsd has no $setting"
done
# Every variable the file names (set or commented out) is one `contactsd serve` reads.
help=$("$r/usr/bin/contactsd" serve --help)
for var in $(grep -o 'CONTACTSD_[A-Z][A-Z_]*' "$r/etc/default/contactsd" | sort -u); do
  [[ $help == *"(Env:$var)"* ]] || fail "/etc/default/contactsd names $var, which contactsd serve does not read"
done
if command -v systemd-analyze >/dev/null; then
  # Offline: systemd-analyze verify loads the unit in a manager of its own, no running systemd
  # needed. Through a copy whose ExecStart points into the root, it checks the installed binary
  # (on the host, /usr/bin/contactsd does not exist). Any message fails: unknown keys and bad
  # values are only warnings to it.
  mkdir "$tmp/verify"
  sed "s|^ExecStart=/usr/bin/|ExecStart=$r/usr/bin/|" "$unit" >"$tmp/verify/contactsd.service"
  systemd-analyze verify --man=no "$tmp/verify/contactsd.service" >"$tmp/verify.out" 2>&1 ||
    { cat "$tmp/verify.out" >&2; fail "systemd-analyze verify failed"; }
  [ ! -s "$tmp/verify.out" ] || { cat "$tmp/verify.out" >&2; fail "systemd-analyze verify complained"; }
  # The hardening stays in place: systemd's exposure score (0-10; 1.6 when written) up to 2.
  systemd-analyze security --offline=true --threshold=20 "$tmp/verify/contactsd.service" \
    >"$tmp/security.out" 2>&1 || { cat "$tmp/security.out" >&2; fail "the unit's exposure is above 2.0"; }
  step "$(grep -o 'Overall exposure level.*' "$tmp/security.out")"
else
  step "SKIPPED systemd-analyze verify: not installed (scripts/install-deps.sh installs systemd)"
fi
if command -v systemctl >/dev/null; then
  # Enabled in the root (offline), so that prerm must disable it on removal.
  systemctl --root="$r" enable contactsd.service >/dev/null 2>&1 || fail "systemctl --root enable failed"
  [ -L "$r/etc/systemd/system/multi-user.target.wants/contactsd.service" ] ||
    fail "systemctl enable made no multi-user.target.wants link"
fi

step "dpkg --root: remove, then purge"
dpkg_root --remove contactsd
[ "$(status)" = "deinstall ok config-files" ] || fail "contactsd is '$(status)' after dpkg -r"
for path in usr/bin/contactsd usr/lib/systemd/system/contactsd.service usr/lib/sysusers.d/contactsd.conf \
  usr/share/doc/contactsd etc/systemd/system/multi-user.target.wants/contactsd.service; do
  [ ! -e "$r/$path" ] && [ ! -L "$r/$path" ] || fail "/$path is still there after dpkg -r"
done
[ -f "$r/etc/default/contactsd" ] || fail "dpkg -r removed the conffile (only a purge should)"
dpkg_root --purge contactsd
[ -z "$(status)" ] || fail "contactsd is '$(status)' after dpkg -P"
[ ! -e "$r/etc/default/contactsd" ] || fail "/etc/default/contactsd is still there after dpkg -P"

step "make install PREFIX=$tmp/prefix"
make_install() {
  make -C "$root" --no-print-directory install BUILD_DIR="$build" "$@" >"$tmp/make.out" 2>&1 ||
    { cat "$tmp/make.out" >&2; fail "make install $*"; }
}
make_install PREFIX="$tmp/prefix" DESTDIR=
expect_files "$tmp/prefix" ""
check_unit "$tmp/prefix/lib/systemd/system/contactsd.service" "$tmp/prefix/bin" ""
check_version "$tmp/prefix/bin/contactsd"

step "make install PREFIX=/opt/contactsd DESTDIR=$tmp/destdir"
make_install PREFIX=/opt/contactsd DESTDIR="$tmp/destdir"
[ "$(ls -A "$tmp/destdir")" = opt ] && [ "$(ls -A "$tmp/destdir/opt")" = contactsd ] ||
  fail "make install with DESTDIR wrote outside DESTDIR/opt/contactsd"
expect_files "$tmp/destdir/opt/contactsd" ""
check_unit "$tmp/destdir/opt/contactsd/lib/systemd/system/contactsd.service" /opt/contactsd/bin \
  "$tmp/destdir"

host_state >"$tmp/host-after"
diff "$tmp/host-before" "$tmp/host-after" >&2 || fail "the host changed (above)"
echo "test_package: passed in $((SECONDS - start)) s (package $version, its install and removal," \
  "make install with a prefix and with DESTDIR)" >&2
