#!/usr/bin/env bash
# Build, statically, the kernel's own mm selftests that scripts/mm-selftests.tsv lists for
# $PROFILE's kernel into $BUILD_DIR/mm-selftests-$LINUX/bin, and the list of runs the VM's
# usac-run-mm-selftests reads (mm-selftests-$PROFILE.runs). Prints the files to copy into the VM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC=$(kernel_src)
OUT=$BUILD_DIR/mm-selftests-$LINUX
RUNS=$OUT/mm-selftests-$PROFILE.runs
mkdir -p "$OUT/bin" "$OUT/gen"
make -s -C "$SRC" O="$(PROFILE=default kernel_obj)" LLVM=-"$LLVM_VERSION" headers_install INSTALL_HDR_PATH="$OUT/usr" >/dev/null
# cow.c includes the config header that the selftests' Makefile generates (local_config.h_gen
# since 7.0); there is no liburing.
for h in local_config.h local_config.h_gen; do echo "/* no liburing */" >"$OUT/gen/$h"; done
cd "$SRC/tools/testing/selftests/mm"
# The THP settings helpers were renamed in 7.0 (thp_settings.c -> hugepage_settings.c).
helpers=vm_util.c
for f in thp_settings.c hugepage_settings.c; do [ ! -f $f ] || helpers="$helpers $f"; done
: >"$RUNS"
awk -F'\t' '!/^#/' "$REPO/scripts/mm-selftests.tsv" | while IFS=$'\t' read -r label source kernels args mthp; do
	case $kernels in all) ;; "$PROFILE") ;; *) continue ;; esac
	[ -f "$source.c" ] || continue
	if ! [ "$OUT/bin/$source" -nt "$source.c" ]; then
		# -lnuma for ksm_tests and migration (move_pages, numa_*): a static archive adds
		# only what a program calls.
		gcc -static -O2 -w -D_GNU_SOURCE -I"$OUT/gen" -I"$OUT/usr/include" -I"$SRC/tools/testing/selftests" \
			-I"$SRC/tools/include/uapi" -I"$SRC" -I. -o "$OUT/bin/$source" "$source.c" $helpers \
			-lnuma -lpthread -lm -lrt || die "mm selftest $source did not build"
	fi
	printf '%s\t%s\t%s\t%s\n' "$label" "$source" "$args" "$mthp" >>"$RUNS"
done
info "mm selftests for $PROFILE: $(cut -f1 "$RUNS" | paste -sd' ')"
for s in $(cut -f2 "$RUNS" | sort -u); do echo "$OUT/bin/$s"; done
echo "$RUNS"
