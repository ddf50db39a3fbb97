#!/usr/bin/env bash
# Host-side test (part of `make check`) of what a fresh machine does first, in a scratch build
# directory: scripts/fetch-debian-package.sh fetches an "Architecture: all" package (as
# linux-source-7.3 is), and a kernel tree that cannot be fetched stops `make test` with an error
# before anything is built (an apt-get that fails stands in for an unreachable archive).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail=0

dir=$(BUILD_DIR=$scratch/fetch "$REPO/scripts/fetch-debian-package.sh" debconf machine 2>/dev/null) &&
	[ -f "$dir/usr/share/perl5/Debconf/Config.pm" ] ||
	{ echo "FAILED: fetch-debian-package.sh debconf (Architecture: all) extracted nothing"; fail=1; }

mkdir "$scratch/bin"
printf '#!/bin/sh\necho "apt-get: the archive is unreachable (test-fetch.sh)" >&2\nexit 100\n' >"$scratch/bin/apt-get"
chmod +x "$scratch/bin/apt-get"
status=0
out=$(cd "$REPO" && PATH=$scratch/bin:$PATH make -s test LINUX=7.3 BUILD_DIR="$scratch/unreachable" 2>&1) || status=$?
if [ $status = 0 ] || ! grep -q 'unreachable' <<<"$out" || grep -q 'host tests' <<<"$out"; then
	printf 'FAILED: make test with an unreachable archive: exit %s, output:\n%s\n' "$status" "$(tail -5 <<<"$out")"
	fail=1
fi
[ $fail = 0 ] || die "a fresh machine's first fetch is wrong (above)"
info "an Architecture: all package is fetched; an unreachable archive stops make test before it builds"
