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

KERNEL=$(kernel_image)
[ -f "$KERNEL" ] || die "no kernel at $KERNEL (make kernel)"
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
# The architecture's emulator and machine (scripts/arches.tsv), e.g. arm64's virt with -cpu max.
read -r -a emulator <<<"$(arch_field 5)"
qemu=("${emulator[@]}" "${QEMU_ACCEL[@]}" -m "${mem_mb}M" "${numa[@]}" "${smp[@]}" -no-reboot -nographic -nic none
	-kernel "$KERNEL" -initrd "$BUILD_DIR/initramfs/$name.cpio.gz"
	-append "console=$(arch_field 6) panic=-1 ${KPARAMS:-}")
header=("usac-mm: Linux $(kernel_version) ($PROFILE), accel ${ACCEL:-tcg}, $cpus vCPUs, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	"usac-mm: command: $*" "usac-mm: architecture: $ARCH")
[ -z "${KPARAMS:-}" ] || header+=("usac-mm: kernel parameters: $KPARAMS")
exec "$REPO/scripts/boot-qemu.sh" "$name" "${header[@]}" -- "${qemu[@]}"

