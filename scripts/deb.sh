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
[ "$ARCH" = x86 ] || bad_var ARCH "x86: the Debian packages and system are built for amd64 only"

export PROFILE=distro
OUT=$BUILD_DIR/deb/$LINUX
CARGO_DEB_VERSION=$(table_field toolchain.tsv cargo-deb 2)
# bindeb-pkg: dpkg-buildpackage, and the Build-Depends it checks (7.x packages with debhelper).
ensure_packages dpkg-dev fakeroot rsync kmod debhelper libdw-dev libelf-dev
if [ "$("$CARGO_ROOT/bin/cargo-deb" --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DEB_VERSION" ]; then
	info "installing cargo-deb $CARGO_DEB_VERSION from crates.io"
	cargo install --locked --root "$CARGO_ROOT" cargo-deb --version "$CARGO_DEB_VERSION"
fi

# Each package is made again only when what it packages changed (`make system` calls this on
# every run, and keeps its image while the packages stay the same).
newer_than() { # newer_than FILE... -- DEB_GLOB: whether every deb exists and is newer than every file
	local files=() deb
	while [ "$1" != -- ]; do files+=("$1") && shift; done
	compgen -G "$2" >/dev/null || return 1
	for deb in $2; do [ -z "$(find "${files[@]}" -newer "$deb")" ] || return 1; done
}
mkdir -p "$OUT"

# bindeb-pkg builds with the package's revision as the kernel's build version (uname -v "#usac"):
# the kernel build before it too, or each would relink what the other built.
export KBUILD_BUILD_VERSION=usac
"$REPO/scripts/build-kernel.sh"
version=$(kernel_version)
if ! newer_than "$(kernel_obj)/arch/x86/boot/bzImage" "$(kernel_obj)/.config" -- "$OUT/linux-*_$version-usac_*.deb"; then
	info "packaging Linux $version ($PROFILE) with bindeb-pkg"
	rm -f "$OUT"/linux-*.deb
	KDEB_PKGVERSION=$version-usac kmake bindeb-pkg >"$BUILD_DIR/logs/deb-$LINUX.log" 2>&1 ||
		{ tail -30 "$BUILD_DIR/logs/deb-$LINUX.log"; die "bindeb-pkg failed (log: $BUILD_DIR/logs/deb-$LINUX.log)"; }
	# dpkg-buildpackage runs in the object directory and writes next to it.
	parent=$(dirname "$(kernel_obj)")
	mv "$parent"/linux-{image,headers,libc-dev}*"_$version-usac_"*.deb "$OUT/"
	rm -f "$parent"/linux-upstream_"$version-usac"_*.{buildinfo,changes}
fi

"$REPO/scripts/man.sh" >/dev/null
TOOLS=$REPO/userspace-tests/target/release
export_kernel_headers
(cd "$REPO/userspace-tests" && cargo build -q --locked --release -p usac-tools)
# The pages keep their mtimes while their text stays the same.
mkdir -p "$REPO/userspace-tests/target/deb-man"
rsync -rc --delete "$BUILD_DIR"/man/man1 "$BUILD_DIR"/man/man2 "$REPO/userspace-tests/target/deb-man/"
if ! newer_than "$TOOLS/memstat" "$TOOLS/tamalloc-demo" "$REPO/userspace-tests/target/deb-man" "$REPO/userspace-tests/tools/Cargo.toml" -- "$OUT/usac-tools_*.deb"; then
	info "packaging usac-tools with cargo-deb"
	rm -f "$OUT"/usac-tools_*.deb
	(cd "$REPO/userspace-tests" && "$CARGO_ROOT/bin/cargo-deb" -q --no-build -p usac-tools -o "$OUT/")
fi
ls -l "$OUT"
