#!/usr/bin/env bash
# `make test`: host unit tests, kernel build, the stack check of the series' objects
# (check-stack.sh), one VM boot that runs every selftest (and a second one with init_on_alloc=0,
# see below), then each console log is read: KUnit (Rust doctests) and selftest KTAP results,
# kernel splats, the VM's exit status. Prints `N passed, N failed,
# N skipped` (of both boots) last and exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
export_kernel_headers
info "host tests (cargo test)"
(cd "$REPO/userspace-tests" && cargo test -q --locked 2>&1 | grep -vE '^(running 0 tests|test result: ok. 0 passed.*|)$')

"$REPO/scripts/build-kernel.sh"
# rustc does not hold frames to CONFIG_FRAME_WARN as the C compiler does: measure ours.
"$REPO/scripts/check-stack.sh" || status=1

# Who zeroes a first-written tamalloc page with this kernel's defaults, as profiles.tsv says and
# the .config confirms (see the second boot below).
zeroing=$(table_field profiles.tsv "$PROFILE" 6)
allocator_zeroes=shim
grep -qx CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y "$(kernel_obj)/.config" && allocator_zeroes=allocator
[ "$zeroing" = - ] || [ "$zeroing" = "$allocator_zeroes" ] ||
	die "scripts/profiles.tsv says the $PROFILE kernel's pages are zeroed by the $zeroing, its .config by the $allocator_zeroes"

# CMD replaces the selftest runner (e.g. to check that a failing command fails the run).
default_cmd=$(table_field profiles.tsv "$PROFILE" 4)
LOG=$BUILD_DIR/logs/test-$LINUX-$PROFILE$(arch_suffix).log
rm -f "$LOG" # a VM that did not start must not leave an older run's log to be judged
TIMEOUT=${TIMEOUT:-900} "$REPO/scripts/run-vm.sh" "test-$LINUX-$PROFILE$(arch_suffix)" "${CMD:-$default_cmd}" >/dev/null || true
CHECK=$STATIC_BIN/usac-console-check

# Show the selftest output and the KUnit summary, not the whole boot.
show() {
	[ -f "$1" ] || return 0
	awk '/^usac-vm: running/ {on = 1} on && !/^\[/' "$1"
	grep -E '^\[[ 0-9.]+\] # (Totals|[a-z_]+: pass:)' "$1" || true
}
# A user's command is checked but not pinned; the profile's own runner must report every suite.
expect=$PROFILE
[ -z "${CMD:-}" ] || expect=custom
show "$LOG"
verdicts=$BUILD_DIR/logs/test-$LINUX-$PROFILE$(arch_suffix).verdicts
"$CHECK" --expect "$expect" --profile "$PROFILE" --linux "$LINUX" --arch "$ARCH" "$LOG" | tee "$verdicts" || status=$?

# A kernel that zeroes pages on allocation (init_on_alloc=1 by default, as Debian's) runs the
# tamalloc shim without its own clear: boot it again with init_on_alloc=0 for the suites that
# judge what a first write sees, so that the shim's clear is tested too.
if [ -z "${CMD:-}" ] && [ "$zeroing" = allocator ] && [[ " ${KPARAMS:-} " != *" init_on_alloc="* ]]; then
	info "second boot: init_on_alloc=0, the shim clears"
	LOG0=$BUILD_DIR/logs/test-$LINUX-$PROFILE$(arch_suffix)-init_on_alloc_0.log
	rm -f "$LOG0"
	KPARAMS="${KPARAMS:-} init_on_alloc=0" TIMEOUT=${TIMEOUT:-900} "$REPO/scripts/run-vm.sh" \
		"test-$LINUX-$PROFILE$(arch_suffix)-init_on_alloc_0" usac-run-selftests fuzz promises tamalloc >/dev/null || true
	show "$LOG0"
	"$CHECK" --expect shim-clears --profile "$PROFILE" --linux "$LINUX" --arch "$ARCH" "$LOG0" | tee -a "$verdicts" || status=$?
fi
info "console logs: $LOG${LOG0:+ and $LOG0}; total $(($(date +%s) - t0)) s"
[ -z "${LOG0:-}" ] || awk '/^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { p += $1; f += $3; s += $5 }
	END { printf "%d passed, %d failed, %d skipped (both boots)\n", p, f, s }' "$verdicts"
exit "${status:-0}"
