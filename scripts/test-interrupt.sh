#!/usr/bin/env bash
# Host-side test (part of `make check`): Ctrl-C (SIGINT to the foreground process group) and
# SIGTERM stop a VM run within seconds: `make run` with a long command is started in a process
# group of its own, signalled once the VM runs, and must exit non-zero with no QEMU left and its
# console log kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RUNLOG=$BUILD_DIR/logs/run.log
# Job control: each run gets a process group of its own, with SIGINT not ignored (a
# non-interactive shell's background jobs ignore it), as a terminal's foreground job has.
set -m
qemus() { pgrep -f "qemu-system-x86_64 .*$BUILD_DIR/initramfs" || true; }
[ -z "$(qemus)" ] || die "a VM of this build directory is already running"
fail=0
for sig in INT TERM; do
	rm -f "$RUNLOG"
	make -s -C "$REPO" run CMD='sleep 300' >"$BUILD_DIR/logs/interrupt-$sig.out" 2>&1 &
	group=$!
	for _ in $(seq 1200); do
		grep -qs '^usac-vm: running' "$RUNLOG" || ! kill -0 "$group" 2>/dev/null && break
		sleep 0.1
	done
	grep -qs '^usac-vm: running' "$RUNLOG" || die "the VM did not start (see $BUILD_DIR/logs/interrupt-$sig.out)"
	start=$(date +%s.%N)
	kill -"$sig" -- -"$group"
	status=0
	wait "$group" 2>/dev/null || status=$?
	# make may exit before its children have finished stopping the VM: wait for the whole group.
	for _ in $(seq 100); do pgrep -g "$group" >/dev/null || break; sleep 0.1; done
	took=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	left=$(qemus)
	verdict="exit $status after ${took} s, QEMU left: ${left:-none}"
	if [ "$status" = 0 ] || [ -n "$left" ] || [ "$(echo "$took > 5" | bc)" = 1 ] ||
		! grep -q "^usac-mm: interrupted by SIG$sig" "$RUNLOG"; then
		echo "SIG$sig: FAILED: $verdict"
		[ -z "$left" ] || kill $left
		fail=1
	else
		echo "SIG$sig: stopped: $verdict; console log kept ($(wc -l <"$RUNLOG") lines)"
	fi
done
[ $fail = 0 ] || die "a signal did not stop the VM run (above)"
