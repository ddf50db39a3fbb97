#!/usr/bin/env bash
# `make mm-compare`: the kernel's own mm selftests on the usac kernel and on the same kernel with
# CONFIG_USAC_MEM=n (PROFILE=nousac); the fault-path shim must change nothing for anyone else, so
# every test must end the same on both. Prints both columns; exits non-zero on any difference.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/build-mm-selftests.sh"
CHECK=$REPO/userspace-tests/target/x86_64-unknown-linux-gnu/release/usac-console-check
splats=
extra=$(ls "$BUILD_DIR"/mm-selftests/bin/* | tr '\n' ' ')
cmd='mkdir -p /usr/lib/usac/mm-selftests && mv /usr/local/bin/* /usr/lib/usac/mm-selftests/ && usac-run-mm-selftests'
for p in default nousac; do
	PROFILE=$p "$REPO/scripts/build-kernel.sh" >/dev/null
	PROFILE=$p EXTRA=$extra TIMEOUT=${TIMEOUT:-1200} "$REPO/scripts/run-vm.sh" "mm-$LINUX-$p" "$cmd" >/dev/null
	grep -a '^mm-selftest ' "$BUILD_DIR/logs/mm-$LINUX-$p.log" | sort >"$BUILD_DIR/logs/mm-$LINUX-$p.results"
	# Same console check as `make test`: no splat, KUnit reported, the runner finished.
	"$CHECK" --expect custom --linux "$LINUX" "$BUILD_DIR/logs/mm-$LINUX-$p.log" >"$BUILD_DIR/logs/mm-$LINUX-$p.check" ||
		splats="$splats $p"
done
printf '%-24s %-40s %s\n' test "usac kernel" "CONFIG_USAC_MEM=n"
paste -d'|' "$BUILD_DIR/logs/mm-$LINUX-default.results" "$BUILD_DIR/logs/mm-$LINUX-nousac.results" |
	awk -F'|' '{split($1, a, " "); split($2, b, " "); printf "%-24s %-40s %s\n", a[2], a[3] " " a[4] " " a[5] " " a[6], b[3] " " b[4] " " b[5] " " b[6]}'
[ -s "$BUILD_DIR/logs/mm-$LINUX-default.results" ] || die "no mm selftest ran"
for p in $splats; do
	cat "$BUILD_DIR/logs/mm-$LINUX-$p.check"
	die "the $p kernel's console log fails the console check (above)"
done
if cmp -s "$BUILD_DIR/logs/mm-$LINUX-default.results" "$BUILD_DIR/logs/mm-$LINUX-nousac.results"; then
	info "mm selftests end the same with and without usac-mm ($(wc -l <"$BUILD_DIR/logs/mm-$LINUX-default.results") tests)"
else
	die "mm selftests differ with and without usac-mm (see above)"
fi
