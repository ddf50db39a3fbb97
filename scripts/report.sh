#!/usr/bin/env bash
# `make report`: one VM boot runs tamalloc-demo and usac-bench, two more (1 and 8 vCPUs) the latency
# benchmark; their JSON lines come back on the console, and usac-report (host) turns them into
# $BUILD_DIR/report/$LINUX/REPORT.md with PNG plots.
# `make report SYSTEM=1`: the same boots of the Debian system (`make system`: the distribution
# kernel installed from `make deb`'s packages, systemd, procps, smem), whose first boot also runs
# memstat against ps, top and smem and counts the kernel's work per snapshot (usac-bench tools,
# counts); the report goes to $BUILD_DIR/report/$LINUX-system/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -n "${SYSTEM:-}" ]; then
	export PROFILE=distro
	build_static_userspace
	# Debian's processes plus 10 000 sleepers, each with its page tables and kernel stack.
	boot() {
		NAME=$1 CMD=$2 EXTRA=$STATIC_BIN/usac-bench VM_MEM=${VM_MEM:-4G} \
			TIMEOUT=${TIMEOUT:-5400} "$REPO/scripts/system.sh" >/dev/null
	}
	out=$BUILD_DIR/report/$LINUX-system
	name=report-$LINUX-system
	first='tamalloc-demo --json --size-mib 256 && usac-bench all && usac-bench tools --rounds 5 && usac-bench counts --rounds 5'
else
	"$REPO/scripts/build-kernel.sh"
	boot() { TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "$1" "$2" >/dev/null; }
	out=$BUILD_DIR/report/$LINUX
	name=report-$LINUX
	first='tamalloc-demo --json --size-mib 256 && usac-bench all'
fi
boot "$name" "$first"
LOG=$BUILD_DIR/logs/$name.log
# Each boot passes the console check, as a test run does: no splat while benchmarking.
check_custom_run "$LOG"
# The latency benchmark again on 1 and 8 vCPUs (the boot above has VM_CPUS, 2 by default): how
# long a listing keeps its CPU from a real-time task must not depend on the machine's size.
also=()
for cpus in 1 8; do
	VM_CPUS=$cpus boot "$name-${cpus}vcpu" 'usac-bench latency'
	check_custom_run "$BUILD_DIR/logs/$name-${cpus}vcpu.log"
	also+=(--also "$BUILD_DIR/logs/$name-${cpus}vcpu.log")
done
export_kernel_headers
(cd "$REPO/userspace-tests" && cargo run -q --locked --release -p usac-report -- \
	${SYSTEM:+--system} "$LOG" "$out" "${also[@]}")
