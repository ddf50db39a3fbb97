#!/usr/bin/env bash
# Fetches Debian package PACKAGE from SUITE into the build directory without touching the machine's
# apt configuration: a private sources list, lists and cache under $BUILD_DIR/apt, the archive URI
# and keyring taken from the machine's own Debian sources, `apt-get download`, then `dpkg-deb -x`.
# Prints the directory the package was extracted to (its files under usr/...).
# Usage: fetch-debian-package.sh PACKAGE SUITE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkg=$1
suite=$2
APT=$BUILD_DIR/apt
OUT=$APT/$pkg
if [ -f "$OUT/.extracted" ]; then
	echo "$OUT"
	exit 0
fi

# The Debian archive the machine already uses (deb822 or one-line format), and its keyring.
uri=$(sed -n 's/^URIs: *\(.*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || die "no Debian archive in the machine's apt sources"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "no $keyring (package debian-archive-keyring)"

mkdir -p "$APT/$suite/lists/partial" "$APT/$suite/cache/archives/partial" "$OUT"
echo "deb [signed-by=$keyring] ${uri%/} $suite main" >"$APT/$suite/sources.list"
opts=(-o Dir::Etc::SourceList="$APT/$suite/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$APT/$suite/lists" -o Dir::Cache="$APT/$suite/cache" -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
info "fetching $pkg from $uri $suite (private apt configuration in $APT/$suite)"
[ -n "$(ls "$APT/$suite/lists" | grep -v partial)" ] || apt-get "${opts[@]}" -q update >/dev/null
(cd "$APT/$suite/cache" && apt-get "${opts[@]}" -q download "$pkg" >/dev/null)
deb=$(ls "$APT/$suite/cache/${pkg}_"*.deb | tail -1)
dpkg-deb -x "$deb" "$OUT"
touch "$OUT/.extracted"
echo "$OUT"
