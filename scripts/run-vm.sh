#!/usr/bin/env bash
# Boot the usac kernel with the initramfs in QEMU and run a command in it.
# Usage: run-vm.sh NAME COMMAND...   (NAME names the console log: $BUILD_DIR/logs/NAME.log)
# ACCEL=tcg (default) or kvm; TIMEOUT seconds (hard limit, default 600); KPARAMS: extra kernel
# command-line parameters; INTERACTIVE=1 for a shell.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=$1
shift
"$REPO/scripts/build-initramfs.sh" "$name" "$@"

KERNEL=$(kernel_obj)/arch/x86/boot/bzImage
[ -f "$KERNEL" ] || die "no kernel at $KERNEL (make kernel)"
case "${ACCEL:-tcg}" in
tcg) accel=(-accel tcg) ;;
kvm) accel=(-accel kvm -cpu host) ;;
esac
# Two NUMA nodes, each with half the CPUs (VM_CPUS, 2 by default: one each, a socket of its own,
# so that no cache is shared across nodes) and half the memory: a kernel with CONFIG_NUMA
# (PROFILE=distro) migrates pages between them; one without sees one node of the whole. A single
# CPU (VM_CPUS=1, for measurements) gets a single node.
cpus=${VM_CPUS:-2} half=$((${VM_CPUS:-2} / 2))
span() { if [ "$1" = "$2" ]; then echo "$1"; else echo "$1-$2"; fi; }
mem_mb=$(($(numfmt --from=iec "${VM_MEM:-2G}") >> 20))
if [ "$cpus" = 1 ]; then
	numa=() smp=(-smp 1)
else
	numa=(-object memory-backend-ram,id=node0,size=$((mem_mb / 2))M -numa node,nodeid=0,cpus=$(span 0 $((half - 1))),memdev=node0
		-object memory-backend-ram,id=node1,size=$((mem_mb - mem_mb / 2))M -numa node,nodeid=1,cpus=$(span $half $((cpus - 1))),memdev=node1)
	smp=(-smp "$cpus,sockets=2,cores=$half,threads=1")
fi
qemu=(qemu-system-x86_64 "${accel[@]}" -m "${mem_mb}M" "${numa[@]}" "${smp[@]}" -no-reboot -nographic -nic none
	-kernel "$KERNEL" -initrd "$BUILD_DIR/initramfs/$name.cpio.gz"
	-append "console=ttyS0 panic=-1 ${KPARAMS:-}")

if [ -n "${INTERACTIVE:-}" ]; then
	exec "${qemu[@]}"
fi

mkdir -p "$BUILD_DIR/logs"
LOG=$BUILD_DIR/logs/$name.log
{
	echo "usac-mm: Linux $(kernel_version) ($PROFILE), accel ${ACCEL:-tcg}, $cpus vCPUs, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "usac-mm: command: $*"
	[ -z "${KPARAMS:-}" ] || echo "usac-mm: kernel parameters: $KPARAMS"
} | tee "$LOG"
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
	sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c78=>]//g' -e 's/\r$//' | tee -a "$LOG"
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
