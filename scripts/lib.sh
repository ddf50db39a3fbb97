# Shared settings for the usac-mm scripts; sourced, not run.
# Every path can be overridden from the environment (the Makefile passes its variables through).

# A command that fails inside $(...) fails the substitution too (bash's default ignores it there):
# `x=$(kernel_headers x86)` then stops a script whose kernel tree could not be prepared.
shopt -s inherit_errexit

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Every documented variable is checked here, before anything is installed, built or booted; the
# message names the variable and what it accepts.
bad_var() {
	printf "usac: error: %s='%s': %s\n" "$1" "${!1}" "$2" >&2
	exit 2
}
# The kernels and the build profiles: one table each (scripts/kernels.tsv, scripts/profiles.tsv).
# `table_field TABLE KEY COLUMN` prints a row's field; `table_keys TABLE` the first column.
table_keys() { awk -F'\t' '!/^#/ && NF {print $1}' "$REPO/scripts/$1"; }
table_field() { awk -F'\t' -v k="$2" -v c="$3" '!/^#/ && $1 == k {print $c}' "$REPO/scripts/$1"; }
export LINUX=${LINUX:-$(table_keys kernels.tsv | head -1)}
[ -n "$(table_field kernels.tsv "$LINUX" 1)" ] || bad_var LINUX "one of: $(table_keys kernels.tsv | paste -sd' ')"
# `clippy` is check.sh's scratch object directory, not a profile of its own.
[ "${PROFILE:-}" = clippy ] || [ -n "$(table_field profiles.tsv "${PROFILE:-default}" 1)" ] ||
	bad_var PROFILE "one of: $(table_keys profiles.tsv | paste -sd' ')"
# The architecture (scripts/arches.tsv): exported as the kernel's own ARCH for every kernel make.
case ${ARCH:-} in "" | x86_64 | amd64) ARCH=$(table_keys arches.tsv | head -1) ;; aarch64) ARCH=arm64 ;; esac
[ -n "$(table_field arches.tsv "$ARCH" 1)" ] || bad_var ARCH "one of: $(table_keys arches.tsv | paste -sd' ') (x86_64 is x86)"
export ARCH
arch_field() { table_field arches.tsv "$ARCH" "$1"; }
# QEMU's accelerator options for ACCEL.
case ${ACCEL:-tcg} in
tcg) QEMU_ACCEL=(-accel tcg) ;;
# One host thread runs every vCPU in turn (QEMU's single-threaded TCG): tells an effect of
# multi-threaded TCG from a kernel bug.
tcg-single) QEMU_ACCEL=(-accel tcg,thread=single) ;;
kvm) [ "$ARCH" = x86 ] || bad_var ACCEL "tcg: an $ARCH kernel does not run on this host's KVM"
	QEMU_ACCEL=(-accel kvm -cpu host) ;;
*) bad_var ACCEL "tcg, tcg-single or kvm" ;;
esac
[[ ${JOBS:-1} =~ ^[1-9][0-9]*$ ]] || bad_var JOBS "a whole number of parallel build jobs, 1 or more"
[[ ${TIMEOUT:-1} =~ ^[1-9][0-9]*$ ]] || bad_var TIMEOUT "a whole number of seconds, 1 or more"
[[ ${VM_CPUS:-2} =~ ^[1-9][0-9]*$ ]] && { [ "${VM_CPUS:-2}" = 1 ] || [ $((${VM_CPUS:-2} % 2)) = 0 ]; } ||
	bad_var VM_CPUS "1, or an even number of virtual CPUs (half on each NUMA node), 2 by default"
if [ -n "${KERNEL_SRC:-}" ]; then
	[ -f "$KERNEL_SRC/Makefile" ] || bad_var KERNEL_SRC "a Linux $LINUX source tree (no Makefile there)"
	v=$(sed -nE '1,5{s/^VERSION = (.*)/\1/p; s/^PATCHLEVEL = (.*)/.\1/p}' "$KERNEL_SRC/Makefile" | tr -d '\n')
	[ "$v" = "$LINUX" ] || bad_var KERNEL_SRC "a Linux $LINUX source tree (this one is $v; set LINUX=$v?)"
fi
for f in ${EXTRA:-}; do [ -f "$f" ] || bad_var EXTRA "host files to copy into the VM; '$f' is not a file"; done
[ -z "${CMD:-}" ] || [ -n "${CMD//[[:space:]]/}" ] || bad_var CMD "a shell command for the VM (empty for the default)"

BUILD_DIR=${BUILD_DIR:-$REPO/build}
mkdir -p "$BUILD_DIR" 2>/dev/null && [ -w "$BUILD_DIR" ] || bad_var BUILD_DIR "a directory that can be created and written"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
PROFILE=${PROFILE:-$(table_keys profiles.tsv | head -1)}
JOBS=${JOBS:-$(($(nproc) + 1))}

# Tool versions (scripts/toolchain.tsv).
LLVM_VERSION=$(table_field toolchain.tsv llvm 2)
BINDGEN_VERSION=$(table_field toolchain.tsv bindgen 2)

# The kernel's Rust must come from Debian's rustc-web (it ships rust-src); rustup's is first on PATH.
KRUSTC=/usr/bin/rustc
KRUSTDOC=/usr/bin/rustdoc
KCLIPPY=/usr/bin/clippy-driver
CARGO_ROOT=${CARGO_HOME:-$HOME/.cargo}
BINDGEN=$CARGO_ROOT/bin/bindgen

info() { printf 'usac: %s\n' "$*" >&2; }
# Ctrl-C or SIGTERM ends every script once its current command returns (run-vm.sh stops QEMU).
trap 'exit 130' INT
trap 'exit 143' TERM
die() { printf 'usac: error: %s\n' "$*" >&2; exit 1; }

# Kernel source tree: $KERNEL_SRC, or Debian's linux-source-$LINUX extracted into the build directory.
kernel_src() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		(cd "$KERNEL_SRC" && pwd)
	else
		echo "$BUILD_DIR/src/linux-source-$LINUX"
	fi
}

# Out-of-tree object directory, one per kernel and profile so each stays incremental (USAC_KOBJ:
# a scratch copy, where scripts/mutants.sh builds its broken kernels).
kernel_obj() { echo "${USAC_KOBJ:-$BUILD_DIR/kbuild-$LINUX-$PROFILE$(arch_suffix)}"; }
# What tells an architecture's build products from x86's (whose names have none): "-arm64".
arch_suffix() { [ "$ARCH" = "$(table_keys arches.tsv | head -1)" ] || echo "-$ARCH"; }
# The kernel image QEMU boots.
kernel_image() { echo "$(kernel_obj)/$(arch_field 2)"; }

# What the patch set keeps per kernel: its series of commits (patches/$LINUX/, see
# patch-series.sh). The new files both kernels share are in the repository root, at their
# kernel-tree paths.
PATCHES=$REPO/patches/$LINUX

kmake() {
	make -C "$(kernel_src)" O="$(kernel_obj)" LLVM=-"$LLVM_VERSION" \
		RUSTC="$KRUSTC" RUSTDOC="$KRUSTDOC" HOSTRUSTC="$KRUSTC" \
		BINDGEN="$BINDGEN" CLIPPY_DRIVER="$KCLIPPY" -j"$JOBS" "$@"
}

# The patched kernel's UAPI headers for architecture $1 (x86, arm64): `make headers_install` of the
# prepared tree into $BUILD_DIR/headers-$LINUX-$1, which needs no configuration. They hold
# linux/usac_mem.h and, in asm/unistd.h, the system call numbers of that architecture: userspace
# builds against them (the usac crate's build.rs, the manual pages' examples, the kselftest).
# Made once per run: a script that exported them (below) passes them on to the scripts it runs.
kernel_headers() {
	local dir=$BUILD_DIR/headers-$LINUX-$1 made=USAC_HEADERS_$1
	if [ "${!made:-}" = "$dir/include" ]; then
		echo "$dir/include"
		return 0
	fi
	"$REPO/scripts/prepare-tree.sh" >/dev/null || die "the $LINUX tree could not be prepared (above)"
	make -s -C "$(kernel_src)" O="$dir/obj" ARCH="$1" INSTALL_HDR_PATH="$dir" headers_install >/dev/null ||
		die "make headers_install (ARCH=$1) failed"
	echo "$dir/include"
}
# Makes the headers of x86 and of each architecture in "$@" for this script and its children
# (USAC_HEADERS_<arch>). Cargo builds take the ABI from USAC_KERNEL_HEADERS, the host's (x86_64:
# host tests and x86 VM binaries) unless a cross build says otherwise.
export_kernel_headers() {
	local arch dir
	for arch in x86 "$@"; do
		dir=$(kernel_headers "$arch")
		export "USAC_HEADERS_$arch=$dir"
	done
	export USAC_KERNEL_HEADERS=$USAC_HEADERS_x86
}

kernel_version() { make -s -C "$(kernel_src)" kernelversion 2>/dev/null; }

# The configuration $PROFILE starts from: "tinyconfig", or "debian" (Debian's own for $LINUX).
profile_base() { table_field profiles.tsv "$PROFILE" 2; }
# Config fragments (kernel/configs/) merged onto the base for $PROFILE: the architecture's
# (its QEMU machine's console and CPUs), then the profile's.
profile_fragments() { echo "usac_mem_$ARCH.config $(table_field profiles.tsv "$PROFILE" 3 | tr ',' ' ')"; }

# Where Debian package PKG of kernel $LINUX has its files ("" for /): installed from the machine's
# apt sources by `make setup` ("machine" in kernels.tsv), or fetched into the build directory with
# scripts/fetch-debian-package.sh from the suite kernels.tsv names.
debian_package_root() {
	local suite
	suite=$(table_field kernels.tsv "$LINUX" 3)
	[ "$suite" = machine ] || "$REPO/scripts/fetch-debian-package.sh" "$1" "$suite"
}

# Debian's configuration of kernel $LINUX (xz-compressed).
debian_config() {
	local spec
	spec=$(table_field kernels.tsv "$LINUX" 4)
	echo "$(debian_package_root "${spec%%/*}")/usr/src/$spec"
}

# The C programs of the EXAMPLES sections of man/man2/*.2, extracted (scripts/man-example.pl) and
# built static into directory $1, one binary per page (zamora_tamalloc, ...), with every warning an
# error. `make check` compiles them; build-initramfs.sh puts them into the VM, where
# usac-selftest-man-examples runs them.
build_man_examples() {
	local dir=$1 page name headers
	mkdir -p "$dir"
	headers=$(kernel_headers "$ARCH")
	for page in "$REPO"/man/man2/*.2; do
		name=$(basename "$page" .2)
		"$REPO/scripts/man-example.pl" "$page" >"$dir/$name.c"
		"$(arch_field 4)" -Wall -Wextra -Werror -static -O2 -I "$headers" \
			-o "$dir/$name" "$dir/$name.c" || die "$page: its EXAMPLES program does not compile"
	done
}

# The kernel's own kselftest of the calls (tools/testing/selftests/usac, a patch of the series),
# built as a maintainer builds it (`make -C tools/testing/selftests TARGETS=usac`), static, and
# installed with kselftest's runner into directory $1.
build_kselftest() {
	local headers
	headers=$(kernel_headers "$ARCH")
	make -s -C "$(kernel_src)/tools/testing/selftests" TARGETS=usac O="$BUILD_DIR/kselftest-$LINUX$(arch_suffix)" \
		CC="$(arch_field 4)" KHDR_INCLUDES="-isystem $headers" LDFLAGS=-static \
		install INSTALL_PATH="$1" >/dev/null ||
		die "the usac kselftest did not build"
}

# The console check of a custom command's VM run (make report, make bench): no splat, the
# kernel's KUnit suites reported with their pinned counts, exit status 0. Its verdict goes to
# LOG.check; a failure stops the script.
check_custom_run() {
	"$STATIC_BIN/usac-console-check" \
		--expect custom --profile "$PROFILE" --linux "$LINUX" --arch "$ARCH" "$1" >"$1.check" ||
		die "the run fails the console check: $1.check"
}

# Installs the Debian packages among "$@" that are not installed yet (as root, or with
# passwordless sudo; otherwise stops with the apt-get command to run).
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	local sudo=()
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null && sudo -n true 2>/dev/null ||
			die "need root to install: ${missing[*]}
run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
		sudo=(sudo)
	fi
	info "installing Debian packages: ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The userspace workspace's binaries, static (no shared libraries in the initramfs; the Debian
# system gets its tests from the same build): the host's tools (usac-console-check) and an x86
# VM's programs in $STATIC_BIN; another architecture's VM programs in $VM_BIN. With --target,
# RUSTFLAGS reach only the target artifacts, not build scripts (bindgen loads libclang
# dynamically). Each build takes the ABI from its target's kernel headers.
STATIC_TARGET=x86_64-unknown-linux-gnu
STATIC_BIN=$REPO/userspace-tests/target/$STATIC_TARGET/release
VM_TARGET=$(arch_field 3)
VM_BIN=$STATIC_BIN
[ "$VM_TARGET" = "$STATIC_TARGET" ] || VM_BIN=$REPO/userspace-tests/target/$ARCH/$VM_TARGET/release
USERSPACE_PACKAGES=(-p ktap -p usac-selftests -p usac-tools -p usac-bench)
build_static_userspace() {
	export_kernel_headers "$ARCH"
	(cd "$REPO/userspace-tests" && RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --locked --release \
		--target $STATIC_TARGET "${USERSPACE_PACKAGES[@]}")
	[ "$VM_TARGET" = "$STATIC_TARGET" ] || build_cross_userspace
}

# Another architecture's programs: rustup cannot download a target, so Debian's rustc builds them
# with Debian's std for that architecture (the same version, fetched into a sysroot of our own
# without adding the architecture to dpkg), linked by the C cross compiler, in a target directory
# of their own (another compiler's build scripts would make cargo rebuild the host's).
build_cross_userspace() {
	local std sysroot=$BUILD_DIR/rust-sysroot-$ARCH var headers
	headers=$(kernel_headers "$ARCH")
	std=$("$REPO/scripts/fetch-debian-package.sh" libstd-rust-web-dev machine "$(arch_field 7)" \
		"$(dpkg-query -W -f='${Version}' rustc-web)")
	mkdir -p "$sysroot/lib/rustlib"
	ln -sfn "$std/usr/lib/rustlib/$VM_TARGET" "$sysroot/lib/rustlib/$VM_TARGET"
	var=$(echo "$VM_TARGET" | tr 'a-z-' 'A-Z_')
	(cd "$REPO/userspace-tests" && env USAC_KERNEL_HEADERS="$headers" RUSTC="$KRUSTC" \
		CARGO_TARGET_DIR="$REPO/userspace-tests/target/$ARCH" "CARGO_TARGET_${var}_LINKER=$(arch_field 4)" \
		"CARGO_TARGET_${var}_RUSTFLAGS=--sysroot=$sysroot -C target-feature=+crt-static" \
		cargo build -q --locked --release --target "$VM_TARGET" "${USERSPACE_PACKAGES[@]}")
}
