#!/usr/bin/env bash
# Install what building and booting the usac kernel needs, and nothing that is already there.
# Only package registries are used: Debian's apt archive and crates.io.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Debian packages: Rust with library sources for the kernel's `core`, LLVM, kernel build deps,
# QEMU and a static busybox for the initramfs, and the kernel source tarball.
PACKAGES=(
	rustc-web rust-web-src rust-web-clippy
	clang-"$LLVM_VERSION" lld-"$LLVM_VERSION" llvm-"$LLVM_VERSION" libclang-"$LLVM_VERSION"-dev
	make flex bison bc libelf-dev libssl-dev cpio xz-utils perl python3
	busybox-static
	fonts-dejavu-core # the font of `make report`'s plots
	gcc libc6-dev     # the static C programs of the manual pages' EXAMPLES (and mm-compare)
	mandoc groff-base # `make check` lints the manual pages, `make man` renders them
	rsync             # the kernel's headers_install, for `make mm-compare`
	libnuma-dev       # mm-compare's ksm_tests and migration link libnuma statically
	patch procps git  # applying the series and the mutants; pgrep; make patches
)
# Every command a make target runs, checked after the installs: a target that needs a tool this
# list forgot fails here, on every machine, instead of half-way on a fresh one.
COMMANDS=(make patch rsync bc cpio xz perl python3 flex bison gcc clang-"$LLVM_VERSION" ld.lld-"$LLVM_VERSION" llvm-nm-"$LLVM_VERSION"
	busybox mandoc groff git pgrep timeout gzip tar dpkg-deb apt-get cargo rustup
	/usr/bin/rustc /usr/bin/rustdoc /usr/bin/clippy-driver)
# What the architecture needs: its QEMU, its C cross compiler (scripts/arches.tsv).
IFS=, read -r -a arch_packages <<<"$(arch_field 8)"
PACKAGES+=("${arch_packages[@]}")
COMMANDS+=("$(arch_field 5 | cut -d' ' -f1)" "$(arch_field 4)")
# The kernel source and Debian's config of it: packages from the machine's apt sources, or the
# keyring that verifies the packages scripts/fetch-debian-package.sh downloads with its private apt
# configuration.
if [ -z "${KERNEL_SRC:-}" ]; then
	if [ "$(table_field kernels.tsv "$LINUX" 3)" = machine ]; then
		PACKAGES+=("$(table_field kernels.tsv "$LINUX" 2)")
		PACKAGES+=("$(table_field kernels.tsv "$LINUX" 4 | cut -d/ -f1)")
	else
		PACKAGES+=(debian-archive-keyring)
	fi
fi

ensure_packages "${PACKAGES[@]}"

if [ "$("$BINDGEN" --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
	info "installing bindgen-cli $BINDGEN_VERSION from crates.io"
	cargo install --locked --root "$CARGO_ROOT" bindgen-cli --version "$BINDGEN_VERSION"
fi

missing_commands=()
for c in "${COMMANDS[@]}"; do command -v "$c" >/dev/null || missing_commands+=("$c"); done
[ ${#missing_commands[@]} = 0 ] || die "commands the targets run are missing: ${missing_commands[*]}"

# rustup's default toolchain builds the userspace crate; make sure it can link statically.
rustup target list --installed 2>/dev/null | grep -q "$STATIC_TARGET" ||
	die "rustup has no $STATIC_TARGET target"
