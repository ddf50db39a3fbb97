#!/usr/bin/env bash
# `make mutants`: proves that the suite can fail. Each mutant is one plausible bug, written once:
# mutants/NN-name.patch against the files both kernels share, mutants/$LINUX/NN-name.patch against
# a hook of that kernel's series (the same bug in each kernel's code). It is applied to the
# prepared kernel tree, built incrementally in a scratch copy of its profile's object directory,
# and the profile's whole suite (`make test`'s VM run and console check) must FAIL on it. The tree
# is restored byte for byte, mtimes included, right after each build (and on any exit), so the
# normal builds stay incremental. First, the unmutated kernel of every profile and boot-parameter
# set the mutants use must pass: a control that fails would make kills mean nothing. Prints the
# table mutant -> tests that killed it; any survivor fails the run. A kill counts when a
# deterministic test failed or the kernel splatted (a WARNING, lockdep, KASAN); the tests that
# judge a time (scripts/timing-tests.txt), a panic and a VM that did not finish are listed in a
# column of their own, and a mutant that only they caught is reported as such.
#
# A mutant's header: `Mutant:` the bug, `Profile:` default or debug, optionally `Kparams:` boot
# parameters, `Must-show:` a line its console log must contain (the message of the check
# written to catch it; a mutant that is killed without it counts as a survivor), and `Inert:` a
# .config line and why the mutated code has no effect on a kernel built with it (an equivalent
# mutant: no test can kill it there). Where the profile's .config has that line the mutant is
# reported as inert, with the reason, and not run.
#
#   MUTANTS='03 07'   run only these (number prefixes)
#   TIMEOUT=seconds   one VM run's limit (default 300, debug 900: raise it on a loaded machine)
#   scripts/mutants.sh --check   only check that every mutant still applies to the tree
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC=$(kernel_src)
DIR=$REPO/mutants
CHECK=$STATIC_BIN/usac-console-check
field() { sed -n "s/^$1: //p" "$2" | head -1; }
files_of() { sed -n 's|^+++ b/||p' "$1"; }

# Every kernel has every mutant: a hook mutant exists for each kernel or for none.
for f in "$DIR"/*/*.patch; do
	[ -f "$DIR/$LINUX/$(basename "$f")" ] || die "mutants/$LINUX lacks $(basename "$f")"
done
selected=()
for m in $(for f in "$DIR"/*.patch "$DIR/$LINUX"/*.patch; do echo "$(basename "$f") $f"; done | sort | cut -d' ' -f2); do
	n=$(basename "$m")
	if [ -n "${MUTANTS:-}" ] && ! grep -qw "${n%%-*}" <<<"$MUTANTS"; then continue; fi
	case $(field Profile "$m") in default | debug) ;; *) die "$n: Profile must be default or debug" ;; esac
	selected+=("$m")
done
[ ${#selected[@]} -gt 0 ] || die "no mutant matches MUTANTS='${MUTANTS:-}'"

# One run per tree, and nothing else prepares the tree while it runs (prepare-tree.sh).
mkdir -p "$SRC" # prepare-tree.sh extracts it there on a fresh machine
exec 9>"$SRC/.usac-mutants.lock"
flock -n 9 || die "make mutants is already running on $SRC"
export USAC_MUTANTS_RUN=1
"$REPO/scripts/prepare-tree.sh"
for m in "${selected[@]}"; do
	patch -s -d "$SRC" -p1 -F0 --dry-run <"$m" >/dev/null || die "$(basename "$m") does not apply to the tree"
done
if [ "${1:-}" = --check ]; then
	info "all ${#selected[@]} mutants apply"
	exit 0
fi

# Restoring: the files a mutant touches are saved (cp -p) before it is applied.
SAVED=$(mktemp -d)
restore() {
	(cd "$SAVED" && find . -type f) | while IFS= read -r f; do cp -p "$SAVED/$f" "$SRC/$f"; done
	(cd "$SAVED" && find . -type f) | while IFS= read -r f; do
		cmp -s "$SAVED/$f" "$SRC/$f" && [ "$(stat -c %Y "$SAVED/$f")" = "$(stat -c %Y "$SRC/$f")" ] ||
			die "could not restore ${f#./}"
	done
	rm -rf "${SAVED:?}"/*
}
cleanup() {
	restore
	rm -rf "$SAVED" "$BUILD_DIR"/kbuild-mutant-"$LINUX"-*
	pkill -P $$ 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs the suite of profile $1 with boot parameters $2 on the kernel in USAC_KOBJ (or the
# profile's own); writes the console check's verdict to $BUILD_DIR/logs/$3.check.
run_suite() {
	local timeout=${TIMEOUT:-300}
	[ "$1" = debug ] && timeout=${TIMEOUT:-900}
	rm -f "$BUILD_DIR/logs/$3.log"
	PROFILE=$1 KPARAMS=$2 TIMEOUT=$timeout "$REPO/scripts/run-vm.sh" "$3" usac-run-selftests >/dev/null 2>"$BUILD_DIR/logs/$3.err" || true
	[ -f "$BUILD_DIR/logs/$3.log" ] || { cat "$BUILD_DIR/logs/$3.err"; die "could not start the VM for $3"; }
	"$CHECK" --expect "$1" --linux "$LINUX" --arch "$ARCH" "$BUILD_DIR/logs/$3.log" >"$BUILD_DIR/logs/$3.check"
}

t0=$(date +%s)
mkdir -p "$BUILD_DIR/logs"
for p in $(for m in "${selected[@]}"; do field Profile "$m"; done | sort -u); do
	PROFILE=$p "$REPO/scripts/build-kernel.sh" >/dev/null
done
# Equivalent mutants on this kernel (`Inert:`), by the .config of their profile.
inert=() runnable=()
for m in "${selected[@]}"; do
	option=$(field Inert "$m" | cut -d' ' -f1)
	if [ -n "$option" ] && grep -qxF -- "$option" "$BUILD_DIR/kbuild-$LINUX-$(field Profile "$m")/.config"; then
		inert+=("$m")
	else
		runnable+=("$m")
	fi
done
selected=("${runnable[@]}")
# Controls: every (profile, boot parameters) pair the mutants use passes unmutated.
for pk in $(for m in "${selected[@]}"; do echo "$(field Profile "$m")/$(field Kparams "$m")"; done | sort -u); do
	p=${pk%%/*} k=${pk#*/}
	log=mutant-control-$LINUX-$p${k:+-${k//[^a-z0-9_]/_}}
	info "control: unmutated $p kernel${k:+ with $k}"
	run_suite "$p" "$k" "$log" || { cat "$BUILD_DIR/logs/$log.check"; die "the unmutated $p kernel fails its suite"; }
done

TABLE=$BUILD_DIR/logs/mutants-$LINUX.md
{
	echo "| mutant | profile | killed by (deterministic) | also (timing, panic, no finish) | s |"
	echo "|---|---|---|---|---|"
} >"$TABLE"
survivors=0 weak=()
for m in "${inert[@]}"; do
	echo "| $(basename "$m" .patch) | $(field Profile "$m") | inert (equivalent): $(field Inert "$m") | | 0 |" | tee -a "$TABLE" >&2
done
# The tests that judge a duration, one name per line ('#' comments).
timing=$(grep -v '^#' "$REPO/scripts/timing-tests.txt" | paste -sd'|' -)
for m in "${selected[@]}"; do
	name=$(basename "$m" .patch) p=$(field Profile "$m") k=$(field Kparams "$m")
	start=$(date +%s)
	info "mutant $name: $(field Mutant "$m")"
	export USAC_KOBJ=$BUILD_DIR/kbuild-mutant-$LINUX-$p
	# A fresh copy of the profile's objects for each mutant: none inherits another's objects.
	rm -rf "$USAC_KOBJ" && cp -a "$BUILD_DIR/kbuild-$LINUX-$p" "$USAC_KOBJ"
	for f in $(files_of "$m"); do
		mkdir -p "$(dirname "$SAVED/$f")" && cp -p "$SRC/$f" "$SAVED/$f"
	done
	patch -s -d "$SRC" -p1 -F0 <"$m"
	# A mutant that does not build proves nothing about the tests: that is an error.
	if ! kmake "$(basename "$(kernel_image)")" >"$BUILD_DIR/logs/kbuild-$name.log" 2>&1; then
		grep -E -A8 '(^|: )error' "$BUILD_DIR/logs/kbuild-$name.log" | head -30
		die "mutant $name does not build (log: $BUILD_DIR/logs/kbuild-$name.log)"
	fi
	restore
	killers= also=
	if run_suite "$p" "$k" "mutant-$LINUX-$name"; then
		killers="**SURVIVED**"
		survivors=$((survivors + 1))
	else
		# The failed tests and what else went wrong (a splat, a hang), not the runner's exit status.
		all=$(grep -v '^PROBLEM: the command in the VM exited' "$BUILD_DIR/logs/mutant-$LINUX-$name.check" |
			sed -nE 's/^FAILED: (.*)/\1/p; s/^PROBLEM: (kernel splat \([^)]*\)).*/\1/p; s/^PROBLEM: (.{0,60}).*/\1/p' |
			sort -u)
		weak_re="(: ($timing)\$|Kernel panic|did not finish|no KUnit summary)"
		killers=$(grep -vE "$weak_re" <<<"$all" | paste -sd';' - | sed 's/;/; /g' || true)
		also=$(grep -E "$weak_re" <<<"$all" | paste -sd';' - | sed 's/;/; /g' || true)
		[ -n "$killers" ] || { killers="**ONLY TIMING/PANIC**" weak+=("$name"); }
		# A mutant written for one check (e.g. the debug kernel's exit-time counter check) must
		# be caught by it: its console log must show the check's message.
		must=$(field Must-show "$m")
		if [ -n "$must" ] && ! grep -qF -- "$must" "$BUILD_DIR/logs/mutant-$LINUX-$name.log"; then
			killers="**NOT SHOWN: $must** (but $killers)"
			survivors=$((survivors + 1))
		fi
	fi
	unset USAC_KOBJ
	echo "| $name | $p${k:+ $k} | $killers | $also | $(($(date +%s) - start)) |" | tee -a "$TABLE" >&2
done
echo
cat "$TABLE"
info "${#selected[@]} mutants run, ${#inert[@]} inert on this kernel, $survivors survived, ${#weak[@]} killed only by timing tests or a panic${weak:+ (${weak[*]})}, $(($(date +%s) - t0)) s (table: $TABLE)"
[ "$survivors" = 0 ] || die "$survivors mutant(s) survived the suite"
