#!/usr/bin/env bash
# `make deb`: Debian packages of the patched kernel and of the tools, installable on Debian 12 with
# `apt install ./PACKAGE.deb`, into $BUILD_DIR/deb/$LINUX/:
#  - the kernel built from Debian's own configuration (PROFILE=distro, see the README), packaged by
#    the kernel's own `bindeb-pkg`: linux-image-VERSION (its postinst runs Debian's
#    initramfs-tools and bootloader hooks), linux-headers-VERSION, and linux-libc-dev with the UAPI
#    headers (linux/usac_mem.h among them);
#  - usac-tools (cargo-deb): memstat and tamalloc-demo, their manual pages and the system calls'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export PROFILE=distro
OUT=$BUILD_DIR/deb/$LINUX
CARGO_DEB_VERSION=$(table_field toolchain.tsv cargo-deb 2)
ensure_packages dpkg-dev fakeroot rsync kmod
if [ "$("$CARGO_ROOT/bin/cargo-deb" --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DEB_VERSION" ]; then
	info "installing cargo-deb $CARGO_DEB_VERSION from crates.io"
	cargo install --locked --root "$CARGO_ROOT" cargo-deb --version "$CARGO_DEB_VERSION"
fi

"$REPO/scripts/build-kernel.sh"
rm -rf "$OUT" && mkdir -p "$OUT"
# bindeb-pkg writes its packages next to the object directory: into a scratch one of our own.
version=$(kernel_version)
info "packaging Linux $version ($PROFILE) with bindeb-pkg"
KDEB_PKGVERSION=$version-usac kmake bindeb-pkg >"$BUILD_DIR/logs/deb-$LINUX.log" 2>&1 ||
	{ tail -30 "$BUILD_DIR/logs/deb-$LINUX.log"; die "bindeb-pkg failed (log: $BUILD_DIR/logs/deb-$LINUX.log)"; }
parent=$(dirname "$(kernel_obj)")
mv "$parent"/linux-{image,headers,libc-dev}*"_$version-usac_"*.deb "$OUT/"
rm -f "$parent"/linux-upstream_"$version-usac"_*.{buildinfo,changes}

info "packaging usac-tools with cargo-deb"
"$REPO/scripts/man.sh" >/dev/null
(cd "$REPO/userspace-tests" &&
	rm -rf target/deb-man && mkdir -p target/deb-man && cp -r "$BUILD_DIR"/man/man1 "$BUILD_DIR"/man/man2 target/deb-man/ &&
	cargo build -q --locked --release -p usac-tools &&
	"$CARGO_ROOT/bin/cargo-deb" -q --no-build -p usac-tools -o "$OUT/")
ls -l "$OUT"
