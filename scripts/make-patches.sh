#!/usr/bin/env bash
# `make patches`: the whole usac patch set for Linux $LINUX as a `git format-patch` series against
# the pristine tree, one commit per entry of patches/$LINUX/series, in $BUILD_DIR/patches-$LINUX.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/prepare-tree.sh" >/dev/null # saves the pristine copies of every patched file
OUT=$BUILD_DIR/patches-$LINUX
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# A small repository holding the pristine versions of the files the series edits: every diff of the
# series is against those, so the mails apply to the full pristine tree.
git -C "$WORK" init -q
if [ -d "$BUILD_DIR/pristine-$LINUX" ]; then cp -a "$BUILD_DIR/pristine-$LINUX/." "$WORK/"; fi
git -C "$WORK" add -A
git -C "$WORK" -c user.name=pristine -c user.email=pristine@localhost \
	commit -q --allow-empty -m "Linux $(kernel_version)"

while read -r kind name paths; do
	case $kind in
	new)
		for f in $paths; do install -D -m644 "$(repo_file "$f")" "$WORK/$f"; done
		(cd "$WORK" && git add $paths && git commit -q -F "$REPO/patches/messages/$name")
		;;
	patch)
		git -C "$WORK" am -q --keep-cr "$PATCHES/$name" || die "patches/$LINUX/$name does not apply"
		if [ -n "$paths" ]; then
			for f in $paths; do install -D -m644 "$(repo_file "$f")" "$WORK/$f"; done
			(cd "$WORK" && git add $paths && git commit -q --amend --no-edit)
		fi
		;;
	esac
done < <("$REPO/scripts/patch-series.sh" commits)

rm -rf "$OUT"
git -C "$WORK" format-patch -q --zero-commit --no-signature -o "$OUT" HEAD~"$(($(git -C "$WORK" rev-list --count HEAD) - 1))"
ls "$OUT"/*.patch
