#!/usr/bin/env bash
# `make mm-compare`: the kernel's own mm selftests (scripts/mm-selftests.tsv) on several kernels,
# one column each; every run must end the same in every column.
# - default (tinyconfig): the usac kernel; the same kernel with CONFIG_USAC_MEM=n (PROFILE=nousac);
#   the debug kernel booted with usac_mem_shim_all_anon, where every private anonymous first write
#   goes through the tamalloc zero-fill shim. The shim must change nothing for anyone else, and
#   must itself behave as the stock fault path does.
# - PROFILE=distro (Debian's configuration): the distribution kernel, and the same kernel booted
#   with usac_mem_shim_all_anon; the runs add the tests of what only it has (KSM, NUMA migration,
#   HMM, memory failure), so those paths run through the shim too.
# Part of the run has every mTHP size on (scripts/vm/usac-run-mm-selftests), so that the shim
# zero-fills large folios; the shim column must show that it did. Prints the columns; exits
# non-zero on any difference.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# column: profile and boot parameters. The distro runs have 4 CPUs: `migration` needs 3.
cpus=${VM_CPUS:-2}
case $PROFILE in
default) COLUMNS=("default" "nousac" "debug usac_mem_shim_all_anon") ;;
distro) COLUMNS=("distro" "distro usac_mem_shim_all_anon") cpus=${VM_CPUS:-4} ;;
*) die "make mm-compare compares PROFILE=default (with nousac and debug) or PROFILE=distro, not $PROFILE" ;;
esac
extra=$("$REPO/scripts/build-mm-selftests.sh" | tr '\n' ' ')
CHECK=$STATIC_BIN/usac-console-check
cmd='mkdir -p /usr/lib/usac/mm-selftests && mv /usr/local/bin/* /usr/lib/usac/mm-selftests/ && usac-run-mm-selftests'
label() { echo "mm-$LINUX-$1${2:+-shim}"; } # label PROFILE KPARAMS: the column's log name
splats=
results=()
for c in "${COLUMNS[@]}"; do
	read -r p kparams <<<"$c"
	l=$(label "$p" "$kparams")
	PROFILE=$p "$REPO/scripts/build-kernel.sh" >/dev/null
	PROFILE=$p KPARAMS=$kparams EXTRA=$extra TIMEOUT=${TIMEOUT:-3600} VM_CPUS=$cpus \
		"$REPO/scripts/run-vm.sh" "$l" "$cmd" >/dev/null
	log=$BUILD_DIR/logs/$l.log
	grep -a '^mm-selftest ' "$log" | sort >"$BUILD_DIR/logs/$l.results"
	results+=("$BUILD_DIR/logs/$l.results")
	# Same console check as `make test`: no splat, KUnit reported, the runner finished.
	"$CHECK" --expect custom --profile "$p" --linux "$LINUX" --arch "$ARCH" "$log" >"$BUILD_DIR/logs/$l.check" ||
		splats="$splats $l"
	[[ -n $kparams ]] && shim_log=$log
done
# One row per run: its label, then "exit pass fail skip" of each column.
printf '%-28s' test
for c in "${COLUMNS[@]}"; do printf ' %-34s' "$c"; done
echo
paste -d'|' "${results[@]}" | awk -F'|' '{
	split($1, a, " "); printf "%-28s", a[2]
	for (i = 1; i <= NF; i++) { split($i, f, " "); printf " %-34s", f[3] " " f[4] " " f[5] " " f[6] }
	print ""}'
[ -s "${results[0]}" ] || die "no mm selftest ran"
for l in $splats; do
	cat "$BUILD_DIR/logs/$l.check"
	die "the $l kernel's console log fails the console check (above)"
done
# The switch must have been on, and must have sent large folios through the shim.
large=$(sed -n 's/^mm-shim large-folio-zero-fills=\([0-9]*\).*/\1/p' "$shim_log" | tail -1)
[ "${large:-0}" -gt 0 ] || die "the shim kernel zero-filled no large folio (mm-shim line: '${large:-none}')"
info "kernel booted with usac_mem_shim_all_anon: the shim zero-filled $large large folios in the mTHP pass"
for r in "${results[@]:1}"; do
	cmp -s "${results[0]}" "$r" || die "mm selftests differ between ${results[0]##*/} and ${r##*/} (see above)"
done
info "mm selftests end the same on all ${#COLUMNS[@]} kernels ($(wc -l <"${results[0]}") runs)"
