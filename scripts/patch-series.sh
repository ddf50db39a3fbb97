#!/usr/bin/env bash
# Read patches/series, the ordered list of commits that make up the usac patch set.
#   patch NAME.patch [PATH...]  edits to upstream files (a `git format-patch` mail, message
#                               included), plus the new files of the same commit, if any
#   new NAME.msg PATH...        new files only, committed with the message in patches/messages/NAME.msg
# PATHs are files or directories at their kernel-tree paths in this repository.
# Usage: patch-series.sh patches|new-files|commits
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"

expand() { for p in "$@"; do if [ -d "$p" ]; then find "$p" -type f | sort; else echo "$p"; fi; done; }

grep -vE '^\s*(#|$)' patches/series | while read -r kind name paths; do
	case "$1:$kind" in
	patches:patch) echo "$name" ;;
	new-files:*) expand $paths ;;
	commits:*) echo "$kind $name $(expand $paths | tr '\n' ' ')" ;;
	patches:new) ;;
	*) echo "patches/series: unknown entry '$kind'" >&2; exit 1 ;;
	esac
done
