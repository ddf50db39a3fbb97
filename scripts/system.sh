#!/usr/bin/env bash
# `make system`: a Debian 12 system on a QEMU disk, booted by the patched kernel as an
# administrator would install it. The image (cached in $BUILD_DIR/system/$LINUX/, rebuilt when
# `make deb`'s packages change) is made by mmdebstrap from Debian's archive: systemd, udev,
# journald, procps, smem, perf and strace (to profile and to count), and our packages installed
# with apt (linux-image-*, whose postinst runs Debian's initramfs-tools, and usac-tools). QEMU
# boots the installed kernel and the initrd initramfs-tools made, root on the virtio disk (writes
# go to a scratch overlay: the image stays as built).
#   make system                 a login prompt on the serial console (root, no password)
#   make system CMD='memstat'   runs CMD once the system is up, then powers off (console log:
#                               $BUILD_DIR/logs/$NAME.log, NAME=system-$LINUX by default);
#                               EXTRA files are on its PATH
#   make system-test            runs usac-selftest-system there (memstat against ps, the oom
#                               files, free and smem) and checks the console log like make test
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "$ARCH" = x86 ] || bad_var ARCH "x86: the Debian packages and system are built for amd64 only"

export PROFILE=distro
DEBS=$BUILD_DIR/deb/$LINUX
DIR=$BUILD_DIR/system/$LINUX
IMG=$DIR/debian.img
SUITE=bookworm
# Debian's archive as this machine's apt sources name it.
MIRROR=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -m1 '/debian/$' || echo http://deb.debian.org/debian/)
ensure_packages mmdebstrap e2fsprogs qemu-system-x86

mode=${1:-}
if [ "$mode" = --test ]; then
	build_static_userspace
	CMD=usac-selftest-system EXTRA="$STATIC_BIN/usac-selftest-system $STATIC_BIN/usac-bench"
fi

"$REPO/scripts/deb.sh"
debs=("$DEBS"/linux-image-*.deb "$DEBS"/usac-tools_*.deb)

# What the image holds of this repository: the packages and the command service.
installed=("$REPO"/scripts/system/usac-system-run "$REPO"/scripts/system/usac-system-run.service)
if [ ! -f "$IMG" ] || [ -n "$(find "${debs[@]}" "${installed[@]}" "$0" -newer "$IMG")" ]; then
	info "building the Debian $SUITE image ($MIRROR)"
	t=$(date +%s)
	rm -rf "$DIR" && mkdir -p "$DIR"
	root=$DIR/root
	mmdebstrap --variant=minbase --components=main \
		--include=systemd,systemd-sysv,udev,dbus,procps,smem,initramfs-tools,kmod,apt,less,util-linux,linux-perf,strace \
		--customize-hook="mkdir -p \"\$1/tmp/usac-debs\" && cp ${debs[*]} \"\$1/tmp/usac-debs/\"" \
		--customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/usac-debs/*.deb" && rm -rf "$1/tmp/usac-debs"' \
		--customize-hook='echo usac-system >"$1/etc/hostname" && echo "LABEL=usac-root / ext4 defaults 0 1" >"$1/etc/fstab"' \
		--customize-hook='chroot "$1" passwd -d root' \
		--customize-hook="install -m755 '$REPO/scripts/system/usac-system-run' \"\$1/usr/local/sbin/\" && install -m644 '$REPO/scripts/system/usac-system-run.service' \"\$1/etc/systemd/system/\"" \
		--customize-hook='chroot "$1" systemctl enable usac-system-run.service' \
		--customize-hook='chroot "$1" apt-get clean' \
		"$SUITE" "$root" "$MIRROR" >"$BUILD_DIR/logs/system-image-$LINUX.log" 2>&1 ||
		{ tail -30 "$BUILD_DIR/logs/system-image-$LINUX.log"; die "mmdebstrap failed (log: $BUILD_DIR/logs/system-image-$LINUX.log)"; }
	cp "$root"/boot/vmlinuz-* "$DIR/vmlinuz" && cp "$root"/boot/initrd.img-* "$DIR/initrd.img"
	mkfs.ext4 -q -F -L usac-root -d "$root" "$IMG" 4G
	rm -rf "$root"
	info "image ready in $(($(date +%s) - t)) s: $IMG ($(du -h --apparent-size "$IMG" | cut -f1) apparent, $(du -h "$IMG" | cut -f1) used)"
fi

qemu=(qemu-system-x86_64 "${QEMU_ACCEL[@]}" -m "${VM_MEM:-2G}" -smp "${VM_CPUS:-2}" -no-reboot -nographic -nic none
	-kernel "$DIR/vmlinuz" -initrd "$DIR/initrd.img"
	-append "root=LABEL=usac-root ro console=ttyS0 panic=-1 ${KPARAMS:-}"
	-drive "file=$IMG,format=raw,if=virtio,snapshot=on")
if [ -z "${CMD:-}" ]; then
	INTERACTIVE=1 exec "$REPO/scripts/boot-qemu.sh" "${NAME:-system-$LINUX}" -- "${qemu[@]}"
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '%s\n' "$CMD" >"$scratch/cmd"
qemu+=(-fw_cfg "name=opt/usac/cmd,file=$scratch/cmd")
# EXTRA files, on a small second disk that the command finds on its PATH.
if [ -n "${EXTRA:-}" ]; then
	mkdir -p "$scratch/extra/bin"
	for f in $EXTRA; do
		[ -f "$f" ] || die "EXTRA: no such file: $f"
		cp "$f" "$scratch/extra/bin/"
	done
	mkfs.ext4 -q -F -d "$scratch/extra" "$scratch/extra.img" "$(($(du -sm "$scratch/extra" | cut -f1) * 2 + 16))M"
	qemu+=(-drive "file=$scratch/extra.img,format=raw,if=virtio,readonly=on")
fi
NAME=${NAME:-system-$LINUX}
LOG=$BUILD_DIR/logs/$NAME.log
TIMEOUT=${TIMEOUT:-900} "$REPO/scripts/boot-qemu.sh" "$NAME" \
	"usac-mm: Debian $SUITE system, Linux $(kernel_version) ($PROFILE), accel ${ACCEL:-tcg}, ${VM_CPUS:-2} vCPUs, $(date -u '+%Y-%m-%d %H:%M:%S UTC')" \
	"usac-mm: command: $CMD" -- "${qemu[@]}"
if [ "$mode" = --test ]; then
	"$STATIC_BIN/usac-console-check" --expect system --profile distro --linux "$LINUX" "$LOG"
fi
