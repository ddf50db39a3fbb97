#!/usr/bin/env bash
# `make report`: one VM boot runs tamalloc-demo and usac-bench; their JSON lines come back on the
# console, and usac-report (host) turns them into $BUILD_DIR/report/$LINUX/REPORT.md with PNG plots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "report-$LINUX" \
	'tamalloc-demo --json --size-mib 256 && usac-bench all' >/dev/null
LOG=$BUILD_DIR/logs/report-$LINUX.log
grep -q '^usac-vm-exit: 0' "$LOG" || die "the report run failed; see $LOG"
(cd "$REPO/userspace-tests" && cargo run -q --locked --release -p usac-report -- "$LOG" "$BUILD_DIR/report/$LINUX")
