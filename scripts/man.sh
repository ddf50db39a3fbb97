#!/usr/bin/env bash
# `make man`: the manual pages. The three system call pages are written by hand
# (man/man2/*.2); memstat(1) and tamalloc-demo(1) are generated from the tools' clap
# definitions by usac-mangen into $BUILD_DIR/man/man1. All five are rendered as text into
# $BUILD_DIR/man/*.txt.
# `man.sh --check` (from `make check`): mandoc -T lint and groff -ww on all five, with no message
# allowed, and every EXAMPLES program compiled with -Wall -Wextra -Werror -static.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=$BUILD_DIR/man
mode=${1:-render}
case $mode in render | --check) ;; *) die "usage: man.sh [--check]" ;; esac

# The date of the pages' title lines: that of the tools' last commit (stable from day to day).
date=$(git -C "$REPO" log -1 --format=%cs -- userspace-tests/tools userspace-tests/mangen 2>/dev/null || true)
rm -rf "$OUT"
mkdir -p "$OUT/man1" "$OUT/man2"
export_kernel_headers
(cd "$REPO/userspace-tests" && cargo run -q --locked --release -p usac-mangen -- "$OUT/man1" "${date:-$(date +%F)}") >/dev/null
cp "$REPO"/man/man2/*.2 "$OUT/man2/"
pages=("$OUT"/man1/*.1 "$REPO"/man/man2/*.2)

if [ "$mode" = --check ]; then
	command -v mandoc >/dev/null || die "mandoc is missing: apt-get install mandoc (make setup does)"
	fail=0
	for p in "${pages[@]}"; do
		msgs=$( { mandoc -T lint -W all "$p" 2>&1 || true; groff -ww -z -t -man "$p" 2>&1 || true; } )
		if [ -n "$msgs" ]; then
			printf '%s\n' "$msgs"
			fail=1
		fi
	done
	[ $fail = 0 ] || die "manual pages: lint messages above"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	build_man_examples "$tmp"
	info "man: ${#pages[@]} pages lint clean (mandoc -T lint -W all, groff -ww), $(ls "$REPO"/man/man2/*.2 | wc -l) EXAMPLES programs compile"
	exit 0
fi

command -v groff >/dev/null || die "groff is missing: apt-get install groff-base"
for p in "${pages[@]}"; do
	name=$(basename "$p")
	# Plain text: no SGR, no overstriking.
	groff -t -man -Tutf8 -P-cbou "$p" >"$OUT/$name.txt"
done
info "manual pages, as text: $OUT/*.txt"
for p in "${pages[@]}"; do
	printf '  %s\n' "$OUT/$(basename "$p").txt"
done
info "read them with man:"
printf '  man -l %s\n' "${pages[@]#"$PWD"/}"
printf '  MANPATH=%s man zamora_tamalloc   (or memstat, tamalloc-demo, ...)\n' "$OUT"
