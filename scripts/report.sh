#!/usr/bin/env bash
# `make report`: one VM boot runs tamalloc-demo and usac-bench, two more (1 and 8 vCPUs) the latency
# benchmark; their JSON lines come back on the console, and usac-report (host) turns them into
# $BUILD_DIR/report/$LINUX/REPORT.md with PNG plots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "report-$LINUX" \
	'tamalloc-demo --json --size-mib 256 && usac-bench all' >/dev/null
LOG=$BUILD_DIR/logs/report-$LINUX.log
CHECK=$REPO/userspace-tests/target/x86_64-unknown-linux-gnu/release/usac-console-check
# Each boot passes the console check, as a test run does: no splat while benchmarking, KUnit
# reported, exit status 0.
check() {
	"$CHECK" --expect custom --profile "$PROFILE" --linux "$LINUX" "$1" >"$1.check" ||
		die "the report run fails the console check: $1.check"
}
check "$LOG"
# The latency benchmark again on 1 and 8 vCPUs (the boot above has VM_CPUS, 2 by default): how
# long a listing keeps its CPU from a real-time task must not depend on the machine's size.
also=()
for cpus in 1 8; do
	name=report-$LINUX-${cpus}vcpu
	VM_CPUS=$cpus TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "$name" 'usac-bench latency' >/dev/null
	check "$BUILD_DIR/logs/$name.log"
	also+=(--also "$BUILD_DIR/logs/$name.log")
done
(cd "$REPO/userspace-tests" && cargo run -q --locked --release -p usac-report -- "$LOG" "$BUILD_DIR/report/$LINUX" "${also[@]}")
