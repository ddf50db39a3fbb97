#!/usr/bin/env bash
# `make test`: host unit tests, kernel build, one VM boot that runs every selftest, then the console
# log is read: KUnit (Rust doctests) and selftest KTAP results, kernel splats, the VM's exit status.
# Prints `N passed, N failed, N skipped` last and exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
info "host tests (cargo test)"
(cd "$REPO/userspace-tests" && cargo test -q --locked 2>&1 | grep -vE '^(running 0 tests|test result: ok. 0 passed.*|)$')

"$REPO/scripts/build-kernel.sh"

# CMD replaces the selftest runner (e.g. to check that a failing command fails the run).
default_cmd=$(table_field profiles.tsv "$PROFILE" 4)
TIMEOUT=${TIMEOUT:-900} "$REPO/scripts/run-vm.sh" "test-$LINUX-$PROFILE" "${CMD:-$default_cmd}" >/dev/null || true
LOG=$BUILD_DIR/logs/test-$LINUX-$PROFILE.log
CHECK=$REPO/userspace-tests/target/x86_64-unknown-linux-gnu/release/usac-console-check

# Show the selftest output and the KUnit summary, not the whole boot.
awk '/^usac-vm: running/ {on = 1} on && !/^\[/' "$LOG"
grep -E '^\[[ 0-9.]+\] # (Totals|[a-z_]+: pass:)' "$LOG" || true
info "console log: $LOG; total $(($(date +%s) - t0)) s"
# A user's command is checked but not pinned; the profile's own runner must report every suite.
expect=$PROFILE
[ -z "${CMD:-}" ] || expect=custom
"$CHECK" --expect "$expect" --profile "$PROFILE" --linux "$LINUX" "$LOG"
