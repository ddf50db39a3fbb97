#!/usr/bin/env bash
# `make mm-compare`: the kernel's own mm selftests on three kernels: the usac kernel, the same
# kernel with CONFIG_USAC_MEM=n (PROFILE=nousac), and the debug kernel booted with
# usac_mem_shim_all_anon, where every private anonymous first write goes through the tamalloc
# zero-fill shim. The shim must change nothing for anyone else, and must itself behave as the
# stock fault path does, so every test must end the same on all three. Part of the run has every
# mTHP size on (scripts/vm/usac-run-mm-selftests), so that the shim zero-fills large folios; the
# third kernel must show that it did. Prints the three columns; exits non-zero on any difference.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/build-mm-selftests.sh"
CHECK=$REPO/userspace-tests/target/x86_64-unknown-linux-gnu/release/usac-console-check
splats=
extra=$(ls "$BUILD_DIR/mm-selftests-$LINUX"/bin/* | tr '\n' ' ')
cmd='mkdir -p /usr/lib/usac/mm-selftests && mv /usr/local/bin/* /usr/lib/usac/mm-selftests/ && usac-run-mm-selftests'
# column: profile and boot parameters
COLUMNS=("default" "nousac" "debug usac_mem_shim_all_anon")
results() { echo "$BUILD_DIR/logs/mm-$LINUX-$1.results"; }
for c in "${COLUMNS[@]}"; do
	read -r p kparams <<<"$c"
	PROFILE=$p "$REPO/scripts/build-kernel.sh" >/dev/null
	PROFILE=$p KPARAMS=$kparams EXTRA=$extra TIMEOUT=${TIMEOUT:-1800} \
		"$REPO/scripts/run-vm.sh" "mm-$LINUX-$p" "$cmd" >/dev/null
	log=$BUILD_DIR/logs/mm-$LINUX-$p.log
	grep -a '^mm-selftest ' "$log" | sort >"$(results "$p")"
	# Same console check as `make test`: no splat, KUnit reported, the runner finished.
	"$CHECK" --expect custom --linux "$LINUX" "$log" >"$BUILD_DIR/logs/mm-$LINUX-$p.check" ||
		splats="$splats $p"
done
printf '%-24s %-34s %-34s %s\n' test "usac kernel" "CONFIG_USAC_MEM=n" "debug, shim on all anonymous memory"
paste -d'|' "$(results default)" "$(results nousac)" "$(results debug)" |
	awk -F'|' '{split($1, a, " "); split($2, b, " "); split($3, c, " ");
		printf "%-24s %-34s %-34s %s\n", a[2], a[3] " " a[4] " " a[5] " " a[6],
			b[3] " " b[4] " " b[5] " " b[6], c[3] " " c[4] " " c[5] " " c[6]}'
[ -s "$(results default)" ] || die "no mm selftest ran"
for p in $splats; do
	cat "$BUILD_DIR/logs/mm-$LINUX-$p.check"
	die "the $p kernel's console log fails the console check (above)"
done
# The switch must have been on, and must have sent large folios through the shim.
large=$(sed -n 's/^mm-shim large-folio-zero-fills=\([0-9]*\).*/\1/p' "$BUILD_DIR/logs/mm-$LINUX-debug.log" | tail -1)
[ "${large:-0}" -gt 0 ] || die "the debug kernel's shim zero-filled no large folio (mm-shim line: '${large:-none}')"
info "debug kernel with usac_mem_shim_all_anon: the shim zero-filled $large large folios in the mTHP pass"
for p in nousac debug; do
	cmp -s "$(results default)" "$(results "$p")" ||
		die "mm selftests differ between the usac kernel and the $p kernel (see above)"
done
info "mm selftests end the same on all three kernels ($(wc -l <"$(results default)") runs)"
