#!/usr/bin/env bash
# `make info`: what this checkout builds with.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ver() { "$@" 2>/dev/null | head -1 || echo "not installed"; }
echo "kernel:      LINUX=$LINUX: Linux $(kernel_version 2>/dev/null || echo '(not extracted yet)') at $(kernel_src)"
echo "objects:     $(kernel_obj) (PROFILE=$PROFILE: $(profile_base) + $(profile_fragments))"
echo "rustc:       $(ver $KRUSTC --version) (kernel), $(ver rustc --version) (userspace)"
echo "bindgen:     $(ver $BINDGEN --version)"
echo "clang:       $(ver clang-"$LLVM_VERSION" --version)"
echo "arch:        ARCH=$ARCH: $(kernel_image), VM programs for $VM_TARGET (built with $(arch_field 4))"
echo "qemu:        $(ver "$(arch_field 5 | cut -d' ' -f1)" --version) ($(arch_field 5), console $(arch_field 6))"
echo "accel:       ${ACCEL:-tcg}"
