#!/usr/bin/env bash
# Boot the usac kernel with the initramfs in QEMU and run a command in it.
# Usage: run-vm.sh NAME COMMAND...   (NAME names the console log: $BUILD_DIR/logs/NAME.log)
# ACCEL=tcg (default) or kvm; TIMEOUT seconds (hard limit, default 600); KPARAMS: extra kernel
# command-line parameters; INTERACTIVE=1 for a shell.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1
shift
"$REPO/scripts/build-initramfs.sh" "$@"

KERNEL=$(kernel_obj)/arch/x86/boot/bzImage
[ -f "$KERNEL" ] || die "no kernel at $KERNEL (make kernel)"
case "${ACCEL:-tcg}" in
tcg) accel=(-accel tcg) ;;
kvm) accel=(-accel kvm -cpu host) ;;
*) die "ACCEL must be tcg or kvm" ;;
esac
qemu=(qemu-system-x86_64 "${accel[@]}" -m "${VM_MEM:-2G}" -smp 2 -no-reboot -nographic -nic none
	-kernel "$KERNEL" -initrd "$BUILD_DIR/initramfs.cpio.gz"
	-append "console=ttyS0 panic=-1 ${KPARAMS:-}")

if [ -n "${INTERACTIVE:-}" ]; then
	exec "${qemu[@]}"
fi

mkdir -p "$BUILD_DIR/logs"
LOG=$BUILD_DIR/logs/$name.log
{
	echo "usac-mm: Linux $(kernel_version) ($PROFILE), accel ${ACCEL:-tcg}, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "usac-mm: command: $*"
	[ -z "${KPARAMS:-}" ] || echo "usac-mm: kernel parameters: $KPARAMS"
} | tee "$LOG"
start=$(date +%s.%N)
set +e
# The firmware and the kernel's console write terminal control sequences (ESC c, ESC [?7l,
# ESC [2J ...) and CR line ends: neither belongs in a saved log or a pipe.
timeout -k 5 "${TIMEOUT:-600}" "${qemu[@]}" </dev/null |
	sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c78=>]//g' -e 's/\r$//' | tee -a "$LOG"
rc=${PIPESTATUS[0]}
set -e
elapsed=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
[ "$rc" = 124 ] && echo "usac-mm: TIMEOUT after ${TIMEOUT:-600} s" | tee -a "$LOG"
echo "usac-mm: VM ran ${elapsed} s (qemu status $rc); console log: $LOG" | tee -a "$LOG" >&2
