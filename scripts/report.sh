#!/usr/bin/env bash
# `make report`: one VM boot runs tamalloc-demo and usac-bench, two more (1 and 8 vCPUs) the latency
# benchmark; their JSON lines come back on the console, and usac-report (host) turns them into
# $BUILD_DIR/report/$LINUX/REPORT.md with PNG plots.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "report-$LINUX" \
	'tamalloc-demo --json --size-mib 256 && usac-bench all' >/dev/null
LOG=$BUILD_DIR/logs/report-$LINUX.log
# Each boot passes the console check, as a test run does: no splat while benchmarking.
check_custom_run "$LOG"
# The latency benchmark again on 1 and 8 vCPUs (the boot above has VM_CPUS, 2 by default): how
# long a listing keeps its CPU from a real-time task must not depend on the machine's size.
also=()
for cpus in 1 8; do
	name=report-$LINUX-${cpus}vcpu
	VM_CPUS=$cpus TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "$name" 'usac-bench latency' >/dev/null
	check_custom_run "$BUILD_DIR/logs/$name.log"
	also+=(--also "$BUILD_DIR/logs/$name.log")
done
(cd "$REPO/userspace-tests" && cargo run -q --locked --release -p usac-report -- "$LOG" "$BUILD_DIR/report/$LINUX" "${also[@]}")
