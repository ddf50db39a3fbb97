#!/usr/bin/env bash
# Read patches/$LINUX/series, the ordered list of commits that make up the usac patch set for one
# kernel. Each line is
#   patch NAME.patch [PATH...]
# NAME.patch (a `git format-patch` mail, written by `scripts/series.sh export`) holds the commit's
# edits to upstream files and the files only this kernel gets (backports); the PATHs are the new
# files of the same commit that both kernels share: files or directories at their kernel-tree
# paths in the repository root, where they are edited.
# Usage: patch-series.sh patches|new-files|commits
#   patches    the patch file names, in order
#   new-files  every shared new file, one per line
#   commits    "NAME PATHS..." per commit, directories expanded to their files
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO"

expand() {
	for p in "$@"; do
		[ -e "$p" ] || die "$PATCHES/series names '$p', which is not in the repository"
		if [ -d "$p" ]; then find "$p" -type f | sort; else echo "$p"; fi
	done
}

[ -f "$PATCHES/series" ] || die "no patch series for Linux $LINUX ($PATCHES/series)"
grep -vE '^\s*(#|$)' "$PATCHES/series" | while read -r kind name paths; do
	[ "$kind" = patch ] || die "$PATCHES/series: unknown entry '$kind'"
	[ -f "$PATCHES/$name" ] || die "$PATCHES/series names '$name', which is not there"
	case "$1" in
	patches) echo "$name" ;;
	new-files) expand $paths ;;
	commits) echo "$name $(expand $paths | tr '\n' ' ')" ;;
	*) die "usage: patch-series.sh patches|new-files|commits" ;;
	esac
done
