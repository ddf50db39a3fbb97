#!/usr/bin/env bash
# Run QEMU with its console on a log: the part of a VM run that run-vm.sh (the initramfs VM) and
# system.sh (the Debian system) share.
# Usage: boot-qemu.sh NAME HEADER-LINE... -- QEMU-COMMAND...   (the console log is
# $BUILD_DIR/logs/NAME.log; it starts with the header lines). TIMEOUT seconds (hard limit, default
# 600); INTERACTIVE=1 runs QEMU on the terminal instead, without a log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1
shift
header=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do header+=("$1") && shift; done
[ $# -gt 1 ] || die "usage: boot-qemu.sh NAME HEADER... -- QEMU-COMMAND..."
shift
qemu=("$@")

if [ -n "${INTERACTIVE:-}" ]; then
	exec "${qemu[@]}"
fi

mkdir -p "$BUILD_DIR/logs"
LOG=$BUILD_DIR/logs/$name.log
printf '%s\n' "${header[@]}" | tee "$LOG"
start=$(date +%s.%N)
PIDFILE=$BUILD_DIR/logs/$name.qemu-pid
RCFILE=$BUILD_DIR/logs/$name.qemu-status
rm -f "$PIDFILE" "$RCFILE"
# `timeout` runs QEMU in a process group of its own, out of reach of the terminal's Ctrl-C: on
# SIGINT or SIGTERM we stop it ourselves, let the log catch its last lines, and exit non-zero.
interrupted= stopped=
stop_vm() {
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null) && [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && stopped=1
	return 0
}
trap 'interrupted=SIGINT; stop_vm' INT
trap 'interrupted=SIGTERM; stop_vm' TERM
# The firmware and the kernel's console write terminal control sequences (ESC c, ESC [?7l,
# ESC [2J ...) and CR line ends: neither belongs in a saved log or a pipe.
{
	timeout -k 5 "${TIMEOUT:-600}" "${qemu[@]}" -pidfile "$PIDFILE" </dev/null
	echo $? >"$RCFILE"
} | (
	# The filter and the log outlive a signal to the whole group: they end when QEMU does.
	trap '' INT TERM
	sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b\][^\x07\x1b]*\(\x07\|\x1b\\\)//g' -e 's/\x1b[c78=>]//g' -e 's/\x1b//g' -e 's/\r*$//' | tee -a "$LOG"
) &
vm=$!
# `wait` returns early (status > 128) when a trapped signal arrives; QEMU may not have written
# its pid file yet then: wait for it (up to 5 s) and stop QEMU, until the pipeline has ended.
until wait "$vm"; [ $? -le 128 ]; do
	for _ in $(seq 50); do
		[ -n "$stopped" ] && break
		sleep 0.1
		stop_vm
	done
done
rc=$(cat "$RCFILE" 2>/dev/null || echo 255)
rm -f "$PIDFILE" "$RCFILE"
elapsed=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
if [ -n "$interrupted" ]; then
	echo "usac-mm: interrupted by $interrupted after ${elapsed} s; the console log so far: $LOG" | tee -a "$LOG" >&2
	[ "$interrupted" = SIGINT ] && exit 130 || exit 143
fi
[ "$rc" = 124 ] && echo "usac-mm: TIMEOUT after ${TIMEOUT:-600} s" | tee -a "$LOG"
echo "usac-mm: VM ran ${elapsed} s (qemu status $rc); console log: $LOG" | tee -a "$LOG" >&2
