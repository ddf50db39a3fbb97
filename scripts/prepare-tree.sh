#!/usr/bin/env bash
# Bring the kernel tree to "pristine $LINUX + the usac patch set", touching only files whose content
# changes, so Kbuild rebuilds only what we changed. Running it twice is a no-op.
#
#  1. shared new files: every file the series names is copied from the repository root to its
#     kernel-tree path (see patch-series.sh);
#  2. patches/$LINUX/series is applied, in order, to pristine copies of the files it touches (saved
#     once under $BUILD_DIR/pristine-$LINUX; a file a patch creates has none), and each result
#     replaces the tree's file only if it differs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC=$(kernel_src)
if [ -z "${KERNEL_SRC:-}" ] && [ ! -f "$SRC/Makefile" ]; then
	pkg=$(table_field kernels.tsv "$LINUX" 2)
	tarball=$(debian_package_root "$pkg")/usr/src/$pkg.tar.xz
	info "extracting $tarball"
	mkdir -p "$BUILD_DIR/src"
	tar -C "$BUILD_DIR/src" -xf "$tarball"
fi
[ -f "$SRC/Makefile" ] || die "no kernel tree at $SRC"
# `make mutants` patches this tree with one mutant after another: any other command that prepared
# it meanwhile would change the kernels the mutants are judged on (scripts/mutants.sh holds the
# lock; its own commands carry USAC_MUTANTS_RUN).
LOCK=$SRC/.usac-mutants.lock
if [ -z "${USAC_MUTANTS_RUN:-}" ] && [ -e "$LOCK" ] && ! flock -n "$LOCK" true; then
	die "make mutants is running on $SRC: wait for it to end (or stop it) before preparing the tree"
fi

# Replace $2 by $1 only when the content differs (keeps mtimes of unchanged files).
sync_file() {
	cmp -s "$1" "$2" && return 0
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2"
	info "updated ${2#"$SRC"/}"
}

# 1. New files, at their kernel-tree paths. Files we installed before that the series no longer
#    has are removed (the manifest remembers what we installed).
MANIFEST=$BUILD_DIR/installed-files-$LINUX
NEW_FILES=$("$REPO/scripts/patch-series.sh" new-files)
for f in $NEW_FILES; do sync_file "$REPO/$f" "$SRC/$f"; done
if [ -f "$MANIFEST" ]; then
	for f in $(comm -23 <(sort "$MANIFEST") <(echo "$NEW_FILES" | sort)); do
		rm -f "$SRC/$f" && info "removed ${f}"
	done
fi
echo "$NEW_FILES" >"$MANIFEST"

# 2. Patches, applied to pristine copies in a scratch tree. A file that a patch creates (`--- /dev/null`)
#    has no pristine copy; the files the series created are listed in CREATED.
PRISTINE=$BUILD_DIR/pristine-$LINUX
CREATED=$BUILD_DIR/created-files-$LINUX
STAGE=$(mktemp -d)
REJ=$(mktemp)
trap 'rm -rf "$STAGE" "$REJ"' EXIT
for p in $("$REPO/scripts/patch-series.sh" patches); do
	creates=$(awk '/^--- \/dev\/null/ {getline; sub(/^\+\+\+ b\//, ""); print}' "$PATCHES/$p")
	for f in $(sed -n 's|^+++ b/||p' "$PATCHES/$p"); do
		[ -f "$STAGE/$f" ] && continue
		grep -qxF "$f" <<<"$creates" && continue
		if [ ! -f "$PRISTINE/$f" ]; then
			# The first time we see a file it has never been patched by us: that is its pristine content.
			[ -f "$SRC/$f" ] || die "patches/$LINUX/$p edits $f, which Linux $(kernel_version) does not have"
			mkdir -p "$(dirname "$PRISTINE/$f")"
			cp -p "$SRC/$f" "$PRISTINE/$f"
		fi
		mkdir -p "$(dirname "$STAGE/$f")"
		cp "$PRISTINE/$f" "$STAGE/$f"
	done
	if ! out=$(patch -d "$STAGE" -p1 -F0 --no-backup-if-mismatch -r "$REJ" <"$PATCHES/$p" 2>&1); then
		printf '%s\n--- failing hunk(s):\n' "$out" >&2
		cat "$REJ" >&2
		die "patches/$LINUX/$p does not apply to Linux $(kernel_version)"
	fi
done
(cd "$STAGE" && find . -type f) | while IFS= read -r f; do
	sync_file "$STAGE/${f#./}" "$SRC/${f#./}"
done
# Files the series patched before but no longer touches go back to pristine; files it created
# before but no longer creates are removed.
if [ -d "$PRISTINE" ]; then
	(cd "$PRISTINE" && find . -type f) | while IFS= read -r f; do
		[ -f "$STAGE/${f#./}" ] || sync_file "$PRISTINE/${f#./}" "$SRC/${f#./}"
	done
fi
created=$(cd "$STAGE" && find . -type f | sed 's|^\./||' | while IFS= read -r f; do [ -f "$PRISTINE/$f" ] || echo "$f"; done | sort)
if [ -f "$CREATED" ]; then
	for f in $(comm -23 <(sort "$CREATED") <(echo "$created")); do
		rm -f "$SRC/$f" && info "removed ${f}"
	done
fi
echo "$created" >"$CREATED"
