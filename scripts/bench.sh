#!/usr/bin/env bash
# `make bench`: one VM boot runs usac-bench (or CMD); its console log passes the console check
# (no splat while benchmarking). The figures are in the log; `make report` turns them into tables.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=bench-$LINUX
"$REPO/scripts/run-vm.sh" "$name" "${CMD:-usac-bench all}" >/dev/null
log=$BUILD_DIR/logs/$name.log
check_custom_run "$log"
sed -n '/^usac-bench: medians/,/^BENCH-JSON/p' "$log" | grep -v '^BENCH-JSON'
info "console log: $log"
