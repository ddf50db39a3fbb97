#!/usr/bin/env bash
# Host-side test (part of `make check`): a bad value of any documented variable stops `make`
# before anything is installed, built or booted, with a message naming the variable.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fail=0
while read -r target assignment; do
	var=${assignment##* }
	var=${var%%=*}
	start=$(date +%s.%N)
	status=0
	# shellcheck disable=SC2086 # a case may set several variables
	out=$(cd "$REPO" && make -s "$target" $assignment 2>&1) || status=$?
	took=$(echo "$(date +%s.%N) - $start" | bc)
	if [ "$status" = 0 ] || ! grep -q "^usac: error: $var=" <<<"$out" || [ "$(echo "$took > 2" | bc)" = 1 ]; then
		printf 'FAILED: make %s %s: exit %s after %.1f s: %s\n' "$target" "$assignment" "$status" "$took" "$(head -1 <<<"$out")"
		fail=1
	fi
done <<'CASES'
kernel JOBS=abc
kernel JOBS=0
test ACCEL=xyz
run PROFILE=fast
test TIMEOUT=-3
run TIMEOUT=1.5
kernel KERNEL_SRC=/nonexistent
run EXTRA=/no/such/file
kernel BUILD_DIR=/proc/no-such-dir
test LINUX=6.6
kernel LINUX=7.3 KERNEL_SRC=build/src/linux-source-6.12
run VM_CPUS=3
test ARCH=riscv
run ARCH=arm64 ACCEL=kvm
CASES
[ $fail = 0 ] || die "a bad variable was not rejected up front (above)"
info "14 bad variable values rejected up front, each naming the variable"
