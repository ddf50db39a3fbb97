#!/usr/bin/env bash
# Read patches/$LINUX/series, the ordered list of commits that make up the usac patch set for one
# kernel.
#   patch NAME.patch [PATH...]  edits to upstream files (a `git format-patch` mail, message
#                               included), plus the new files of the same commit, if any
#   new NAME.msg PATH...        new files only, committed with the message in patches/messages/NAME.msg
# PATHs are files or directories at their kernel-tree paths; each file comes from overlay/$LINUX/
# when that has it, else from the repository root (a directory gathers both).
# Usage: patch-series.sh patches|new-files|commits
#   new-files prints "kernel-tree-path repository-file" per file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO"

expand() {
	for p in "$@"; do
		if [ -d "$p" ] || [ -d "$OVERLAY/$p" ]; then
			{ find "$p" -type f 2>/dev/null; (cd "$OVERLAY" 2>/dev/null && find "$p" -type f 2>/dev/null) || true; } | sort -u
		else
			echo "$p"
		fi
	done
}

[ -f "$PATCHES/series" ] || die "no patch series for Linux $LINUX ($PATCHES/series)"
grep -vE '^\s*(#|$)' "$PATCHES/series" | while read -r kind name paths; do
	case "$1:$kind" in
	patches:patch) echo "$name" ;;
	new-files:*) for f in $(expand $paths); do echo "$f $(repo_file "$f")"; done ;;
	commits:*) echo "$kind $name $(expand $paths | tr '\n' ' ')" ;;
	patches:new) ;;
	*) die "$PATCHES/series: unknown entry '$kind'" ;;
	esac
done
