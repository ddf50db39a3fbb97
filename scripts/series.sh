#!/usr/bin/env bash
# The patch series of Linux $LINUX as commits of a git branch, so that patches are edited with git
# and never by hand (see HACKING.md).
#
#   series.sh import   $BUILD_DIR/series-$LINUX: a repository whose first commit (tag `pristine`)
#                      holds the pristine versions of the files the series edits, and whose branch
#                      `usac` has one commit per line of patches/$LINUX/series: the patch applied
#                      with `git am`, plus that line's shared new files (taken from the repository
#                      root, where they are edited).
#   series.sh export [DIR]
#                      writes the branch back: patches/$LINUX/*.patch (or DIR/) by `git
#                      format-patch` (without the shared files) and the series file. Refuses when
#                      a shared file in the branch differs from the repository root's.
#   series.sh sync     takes the repository root's shared files into the branch, each into the
#                      commit that adds it (after they were edited in the root since the import).
#   series.sh check    imports and exports into scratch directories: the result must be
#                      patches/$LINUX byte for byte (the patches are git's output, not hand-made).
#   series.sh track FILE...
#                      adds pristine upstream files to the `pristine` commit (and rebases `usac`
#                      onto it), so that a commit may edit a file the series did not touch yet.
#   series.sh mails DIR
#                      the whole series, shared files included, as mails for upstream, in DIR.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

GIT_DIR_=$BUILD_DIR/series-$LINUX
SERIES=$PATCHES/series
g() { git -C "$GIT_DIR_" -c user.name=usac -c user.email=usac@localhost "$@"; }

# The series as "NAME PATHS..." lines; PATHS are the shared new files (directories expanded).
entries() { "$REPO/scripts/patch-series.sh" commits; }

need_branch() { [ -d "$GIT_DIR_/.git" ] || die "no $GIT_DIR_: run 'scripts/series.sh import' first"; }

# The shared files whose copy in the branch differs from the repository root's.
stale_shared() {
	entries | while read -r _ paths; do
		for f in $paths; do cmp -s "$REPO/$f" "$GIT_DIR_/$f" || echo "$f"; done
	done
}

# The pathspec excluding every shared file, so that the exported patches hold only what is not.
shared_excludes() {
	entries | while read -r _ paths; do for f in $paths; do echo ":(exclude)$f"; done; done
}

import() {
	local dest=${1:-$GIT_DIR_}
	"$REPO/scripts/prepare-tree.sh" >/dev/null # saves the pristine copy of every file the series edits
	rm -rf "$dest"
	mkdir -p "$dest"
	GIT_DIR_=$dest
	g init -q -b usac
	if [ -d "$BUILD_DIR/pristine-$LINUX" ]; then cp -a "$BUILD_DIR/pristine-$LINUX/." "$dest/"; fi
	# Debian's tree ignores its top level (for its packaging): track everything here.
	printf '*.orig\n*.rej\n' >"$dest/.git/info/exclude"
	g add -f -A
	g commit -q --allow-empty -m "Linux $(kernel_version) (pristine)"
	g tag -f pristine >/dev/null
	while read -r name paths; do
		g am -q --keep-cr "$PATCHES/$name" || die "patches/$LINUX/$name does not apply (see git am in $dest)"
		if [ -n "$paths" ]; then
			for f in $paths; do install -D -m644 "$REPO/$f" "$dest/$f"; done
			g add -f -- $paths
			g commit -q --amend --no-edit
		fi
	done < <(entries)
}

# The subject of a patch file, for matching an exported commit to its series line.
subject_of_patch() { sed -n '/^Subject: /{s/^Subject: \(\[PATCH[^]]*\] \)\{0,1\}//;N;s/\n / /;s/\n.*//;p;q}' "$1"; }

export_series() {
	local dest=${1:-$PATCHES}
	need_branch
	local base stale f
	base=$(g rev-parse pristine)
	# Shared files are edited in the repository root; the branch must agree with it.
	stale=$(stale_shared)
	for f in $stale; do info "$f differs from the repository root's"; done
	[ -z "$stale" ] || die "shared files are edited in the repository root: copy an edit made in the branch there, then 'series.sh sync'"
	# Shared paths per subject, from the current series, so that they carry over.
	declare -A paths_of
	local name paths
	while read -r name paths; do
		paths_of[$(subject_of_patch "$PATCHES/$name")]=$paths
	done < <(grep -vE '^\s*(#|$)' "$SERIES" | cut -d' ' -f2-)
	local out
	out=$(mktemp -d)
	mapfile -t excludes < <(shared_excludes)
	g format-patch -q --zero-commit --no-signature -o "$out" "$base"..usac -- . "${excludes[@]}"
	local n_commits n_patches
	n_commits=$(g rev-list --count "$base"..usac)
	n_patches=$(find "$out" -name '*.patch' | wc -l)
	[ "$n_commits" = "$n_patches" ] || die "$((n_commits - n_patches)) commit(s) change only shared files: give each an edit to an upstream file, or fold it"
	{
		grep -E '^#' "$SERIES"
		for p in "$out"/*.patch; do
			local s
			s=$(subject_of_patch "$p")
			echo "patch $(basename "$p")${paths_of[$s]:+ ${paths_of[$s]}}"
		done
	} >"$out/series"
	mkdir -p "$dest"
	rm -f "$dest"/*.patch
	cp "$out"/*.patch "$out/series" "$dest/"
	rm -rf "$out"
	info "wrote $n_patches patches and the series to ${dest#"$REPO"/}/"
}

sync_shared() {
	need_branch
	local f c n=0
	for f in $(stale_shared); do
		c=$(g log --format=%H --diff-filter=A -1 pristine..usac -- "$f")
		[ -n "$c" ] || die "no commit of the branch adds $f"
		cp "$REPO/$f" "$GIT_DIR_/$f"
		g add -f -- "$f"
		# Only the work tree differed (an uncommitted edit, now replaced): nothing to commit.
		g diff --cached --quiet -- "$f" && continue
		g commit -q --fixup="$c"
		n=$((n + 1))
	done
	[ $n = 0 ] || GIT_SEQUENCE_EDITOR=true g rebase -q -i --autosquash pristine
	info "$n shared file(s) taken from the repository root"
}

track() {
	need_branch
	local src f old
	src=$(kernel_src)
	old=$(g rev-parse pristine)
	g checkout -q --detach pristine
	for f in "$@"; do
		g cat-file -e "pristine:$f" 2>/dev/null && die "$f is already in the pristine commit"
		[ -f "$BUILD_DIR/pristine-$LINUX/$f" ] && src_f=$BUILD_DIR/pristine-$LINUX/$f || src_f=$src/$f
		[ -f "$src_f" ] || die "no $f in $src"
		install -D -m644 "$src_f" "$GIT_DIR_/$f"
		g add -f -- "$f"
	done
	g commit -q --amend --no-edit
	g tag -f pristine >/dev/null
	g rebase -q --onto pristine "$old" usac
	info "tracking $*; branch usac rebased onto the new pristine commit"
}

check() {
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	import "$work/git" >/dev/null
	GIT_DIR_=$work/git export_series "$work/patches" 2>/dev/null
	diff -r "$PATCHES" "$work/patches" || die "patches/$LINUX is not what 'series.sh export' writes"
	info "patches/$LINUX round-trips through git ($(ls "$PATCHES"/*.patch | wc -l) patches)"
}

mails() {
	local out=$1
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	import "$work" >/dev/null
	rm -rf "$out"
	git -C "$work" format-patch -q --zero-commit --no-signature -o "$out" pristine..usac
	ls "$out"/*.patch
}

case ${1:-} in
import) import ;;
export) export_series "${2:-}" ;;
check) check ;;
sync) sync_shared ;;
track) shift; [ $# -gt 0 ] || die "usage: series.sh track FILE..."; track "$@" ;;
mails) mails "${2:?usage: series.sh mails DIR}" ;;
*) die "usage: series.sh import|export [DIR]|sync|check|track FILE...|mails DIR" ;;
esac
