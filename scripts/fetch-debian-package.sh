#!/usr/bin/env bash
# Fetches Debian package PACKAGE into the build directory without touching the machine's apt
# configuration: a private sources list, lists and cache under $BUILD_DIR/apt, `apt-get download`,
# then `dpkg-deb -x`. SUITE is a suite of the machine's Debian archive (URI and keyring taken from
# the machine's own sources), or "machine": the machine's own sources as they are. ARCH (Debian's
# name, the machine's by default) fetches another architecture's package without adding that
# architecture to dpkg; VERSION pins the version (Rust's std must be the compiler's own).
# Prints the directory the package was extracted to (its files under usr/...).
# Usage: fetch-debian-package.sh PACKAGE SUITE [ARCH [VERSION]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkg=$1
suite=$2
arch=${3:-$(dpkg --print-architecture)}
version=${4:-}
APT=$BUILD_DIR/apt
OUT=$APT/$pkg${3:+-$arch}${version:+-$version}
if [ -f "$OUT/.extracted" ]; then
	echo "$OUT"
	exit 0
fi

CONF=$APT/$suite-$arch
mkdir -p "$CONF/lists/partial" "$CONF/cache/archives/partial" "$CONF/sources" "$OUT"
if [ "$suite" = machine ]; then
	sources=(-o Dir::Etc::SourceList=/etc/apt/sources.list -o Dir::Etc::SourceParts=/etc/apt/sources.list.d)
else
	# The Debian archive the machine already uses (deb822 or one-line format), and its keyring.
	uri=$(sed -n 's/^URIs: *\(.*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "no Debian archive in the machine's apt sources"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -f "$keyring" ] || die "no $keyring (package debian-archive-keyring)"
	echo "deb [signed-by=$keyring] ${uri%/} $suite main" >"$CONF/sources.list"
	sources=(-o Dir::Etc::SourceList="$CONF/sources.list" -o Dir::Etc::SourceParts="$CONF/sources")
fi
opts=("${sources[@]}" -o Dir::State::Lists="$CONF/lists" -o Dir::Cache="$CONF/cache" -o Debug::NoLocking=1
	-o APT::Sandbox::User=root -o APT::Architecture="$arch" -o APT::Architectures="$arch"
	-o Dir::State::status=/dev/null)
info "fetching $pkg${version:+ $version} ($arch) from the $suite sources (private apt configuration in $CONF)"
[ -n "$(ls "$CONF/lists" | grep -v partial)" ] || apt-get "${opts[@]}" -q update >/dev/null
# Into a directory of its own: the file is then the one .deb there, whatever apt names it (an
# "Architecture: all" package is *_all.deb, an epoch's colon becomes %3a).
dl=$(mktemp -d "$CONF/cache/download.XXXXXX")
(cd "$dl" && apt-get "${opts[@]}" -q download "$pkg:$arch${version:+=$version}" >/dev/null)
debs=("$dl"/*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || die "apt-get download of $pkg left no single .deb in $dl"
dpkg-deb -x "${debs[0]}" "$OUT"
rm -rf "$dl"
touch "$OUT/.extracted"
echo "$OUT"
