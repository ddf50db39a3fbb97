#!/usr/bin/env bash
# Build the userspace crate (static) and pack the VM's initramfs:
# busybox + /init + the usac binaries + the manual pages' example programs + the command to run +
# the user's EXTRA files.
# Usage: build-initramfs.sh NAME COMMAND...   (writes $BUILD_DIR/initramfs/NAME.cpio.gz: each run
# packs its own, so that two runs of one build directory do not overwrite each other's)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

build_static_userspace
BIN=$VM_BIN

name=$1
shift
ROOT=$BUILD_DIR/initramfs/$name
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,usr/bin,usr/lib/usac/selftests,usr/lib/usac/selftests-distro,usr/local/bin,etc/usac}
# Debian's static busybox: the machine's own, or the architecture's package (fetched, not installed).
busybox=/bin/busybox
[ "$(arch_field 7)" = "$(dpkg --print-architecture)" ] ||
	busybox=$("$REPO/scripts/fetch-debian-package.sh" busybox-static machine "$(arch_field 7)")/bin/busybox
cp "$busybox" "$ROOT/bin/busybox"
install -m755 "$REPO/scripts/vm/init" "$ROOT/init"
install -m755 "$REPO"/scripts/vm/usac-* "$ROOT/usr/bin/"
for f in "$BIN"/*; do
	[ -x "$f" ] && [ -f "$f" ] || continue
	case "$(basename "$f")" in
	usac-selftest-nousac) cp "$f" "$ROOT/usr/bin/" ;; # for PROFILE=nousac only
	usac-selftest-distro) cp "$f" "$ROOT/usr/lib/usac/selftests-distro/" ;; # PROFILE=distro
	usac-selftest-system) ;; # the Debian system's (make system-test)
	usac-selftest-*) cp "$f" "$ROOT/usr/lib/usac/selftests/" ;;
	usac-console-check) ;; # host tool
	*) cp "$f" "$ROOT/usr/bin/" ;;
	esac
done
# The programs of the manual pages' EXAMPLES sections, built static from man/man2/*.2;
# usac-selftest-man-examples runs them.
build_man_examples "$ROOT/usr/lib/usac/man-examples"
rm -f "$ROOT"/usr/lib/usac/man-examples/*.c
build_kselftest "$ROOT/usr/lib/usac/kselftest"
install -m755 "$REPO/scripts/vm/selftests/usac-selftest-kselftest" "$ROOT/usr/lib/usac/selftests/"
for f in ${EXTRA:-}; do
	[ -f "$f" ] || die "EXTRA: no such file: $f"
	cp "$f" "$ROOT/usr/local/bin/"
done
printf '%s\n' "$*" >"$ROOT/etc/usac/cmd"
# The kernel this initramfs is for (e.g. 6.12.117, 7.3.4): the boot selftest checks it booted.
kernel_version >"$ROOT/etc/usac/kernel"

(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$ROOT.cpio.gz"
rm -rf "$ROOT"
