#!/usr/bin/env bash
# Build, statically, the kernel's own mm selftests (tools/testing/selftests/mm) that fit the usac
# config (no hugetlbfs, no swap, no userfaultfd, no liburing), into $BUILD_DIR/mm-selftests/bin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TESTS=(cow madv_populate map_fixed_noreplace map_populate mdwe_test mkdirty mlock2-tests
	mrelease_test mremap_dontunmap mremap_test virtual_address_range)
SRC=$(kernel_src)
OUT=$BUILD_DIR/mm-selftests-$LINUX
mkdir -p "$OUT/bin" "$OUT/gen"
make -s -C "$SRC" O="$(PROFILE=default kernel_obj)" LLVM=-"$LLVM_VERSION" headers_install INSTALL_HDR_PATH="$OUT/usr" >/dev/null
# cow.c includes the config header that the selftests' Makefile generates; there is no liburing.
echo "/* no liburing */" >"$OUT/gen/local_config.h"
cd "$SRC/tools/testing/selftests/mm"
for t in "${TESTS[@]}"; do
	[ "$OUT/bin/$t" -nt "$t.c" ] && continue
	gcc -static -O2 -w -D_GNU_SOURCE -I"$OUT/gen" -I"$OUT/usr/include" -I"$SRC/tools/testing/selftests" \
		-I"$SRC/tools/include/uapi" -I. -o "$OUT/bin/$t" "$t.c" vm_util.c thp_settings.c -lpthread -lm -lrt ||
		die "mm selftest $t did not build"
done
info "mm selftests: ${TESTS[*]}"
