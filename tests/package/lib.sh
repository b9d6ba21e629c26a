# shellcheck shell=bash
# Helpers for the tests of tests/package (sourced): which Debian packages a binary's shared
# libraries come from, read from this machine's dpkg database.

fail() {
  echo "${0##*/}: FAIL: $*" >&2
  exit 1
}

# linked_libraries BINARY: the path of every shared library ldd loads for it (the dynamic
# loader included, linux-vdso not: it is the kernel's).
linked_libraries() {
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

# needed_libraries BINARY: the paths of the libraries the binary names itself (DT_NEEDED), as
# ldd resolves them here.
needed_libraries() {
  local binary=$1 resolved name
  resolved=$(ldd "$binary")
  for name in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    awk -v name="$name" '$1 == name && $3 ~ /^\// { print $3 }' <<<"$resolved"
  done
}

# packages_of PATH...: the sorted set of packages that installed the given files, in one
# dpkg-query (each call reads the whole database). With merged /usr, ldd and dpkg may spell a
# library's directory differently (/lib/x86_64-linux-gnu against /usr/lib/x86_64-linux-gnu).
packages_of() {
  local -A owner=()
  local path candidate line found
  local candidates=()
  for path in "$@"; do
    candidates+=("$path" "/usr$path" "${path#/usr}" "$(realpath "$path")")
  done
  [ $# -eq 0 ] && return 0
  while IFS= read -r line; do  # "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6"
    [[ $line == diversion* ]] && continue
    owner[${line##*: }]=${line%%[:,]*}
  done < <(dpkg-query -S "${candidates[@]}" 2>/dev/null)
  for path in "$@"; do
    found=""
    for candidate in "$path" "/usr$path" "${path#/usr}" "$(realpath "$path")"; do
      [ -n "$found" ] || found=${owner[$candidate]:-}
    done
    [ -n "$found" ] || fail "no Debian package installed $path"
    echo "$found"
  done | sort -u
}
