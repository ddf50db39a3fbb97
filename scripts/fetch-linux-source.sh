#!/usr/bin/env bash
# Fetches kernel VERSION's Debian package, from the suite scripts/kernels.tsv names, into the build
# directory without touching the machine's apt configuration: a private sources list, lists and
# cache under $BUILD_DIR/apt, the archive URI and keyring taken from the machine's own Debian
# sources, `apt-get download`, then `dpkg-deb -x`. Prints the path of the kernel tarball.
# Usage: fetch-linux-source.sh VERSION
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version=$1
pkg=$(table_field kernels.tsv "$version" 2)
suite=$(table_field kernels.tsv "$version" 3)
OUT=$BUILD_DIR/apt/$pkg
tarball=$OUT/usr/src/$pkg.tar.xz
if [ -f "$tarball" ]; then
	echo "$tarball"
	exit 0
fi

# The Debian archive the machine already uses (deb822 or one-line format), and its keyring.
uri=$(sed -n 's/^URIs: *\(.*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || die "no Debian archive in the machine's apt sources"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "no $keyring (package debian-archive-keyring)"

APT=$BUILD_DIR/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$OUT"
echo "deb [signed-by=$keyring] ${uri%/} $suite main" >"$APT/sources.list"
opts=(-o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
info "fetching $pkg from $uri $suite (private apt configuration in $APT)"
apt-get "${opts[@]}" -q update >/dev/null
(cd "$APT/cache" && apt-get "${opts[@]}" -q download "$pkg" >/dev/null)
deb=$(ls "$APT/cache/${pkg}_"*.deb | tail -1)
dpkg-deb -x "$deb" "$OUT"
[ -f "$tarball" ] || die "$deb has no usr/src/$pkg.tar.xz"
echo "$tarball"
