#!/usr/bin/env bash
# The kernel stack is 16 KiB. The C compiler holds every C function to CONFIG_FRAME_WARN bytes of
# frame (-Wframe-larger-than); rustc has no such check, so this one measures the objects the
# series adds (kernel/usac/*.o, mm/tamalloc.o) in the built kernel of LINUX and PROFILE, as
# `make checkstack` measures vmlinux: every frame must stay within CONFIG_FRAME_WARN, and no
# function may call itself (a recursion's depth follows its input, so its stack is unbounded).
# core's slice sorts are what this caught: a recursive quicksort with a 7 KiB frame.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OBJ=$(kernel_obj)
limit=$(sed -n 's/^CONFIG_FRAME_WARN=//p' "$OBJ/.config")
[ -n "$limit" ] && [ "$limit" -gt 0 ] || limit=2048
objects=("$OBJ"/kernel/usac/*.o "$OBJ"/mm/tamalloc.o)
bad=0
for o in "${objects[@]}"; do
	[ -f "$o" ] || die "no $o: build the $PROFILE kernel first"
	# checkstack.pl prints "ADDRESS FUNCTION [OBJECT]:<tab>BYTES", largest first.
	while IFS= read -r line; do
		bytes=${line##*[:$'\t']}
		if [ "$bytes" -gt "$limit" ]; then
			echo "stack: ${line%%[[]*}: $bytes bytes of frame, over CONFIG_FRAME_WARN=$limit ($(basename "$o"))"
			bad=1
		fi
	done < <(objdump -d "$o" | perl "$(kernel_src)/scripts/checkstack.pl" x86_64 0)
	# A direct call from a function to itself. A call's target is the relocation on its next
	# line (`R_X86_64_PLT32 FUNC-0x4`; the displacement objdump resolves is still 0 there), or,
	# without one (a call within the section), the function objdump names: `call 430 <FUNC>`.
	recursive=$(objdump -dr --no-show-raw-insn "$o" | awk '
		function flush() { if (pending && resolved == f) print f; pending = 0 }
		/^[0-9a-f]+ <.*>:$/ { flush(); f = substr($2, 2, length($2) - 3); next }
		/\tcall/ {
			flush(); pending = 1; resolved = ""
			if (match($0, /<[^>]+>$/)) resolved = substr($0, RSTART + 1, RLENGTH - 2)
			next
		}
		pending && /R_X86_64_(PLT|PC)32\t/ {
			t = $NF; sub(/[-+]0x[0-9a-f]+$/, "", t); if (t == f) print f; pending = 0; next
		}
		{ flush() }
		END { flush() }' | sort -u)
	for f in $recursive; do
		echo "stack: $f calls itself ($(basename "$o")): its stack grows with its input"
		bad=1
	done
done
[ "$bad" = 0 ] || die "the series' objects use unbounded or oversized kernel stack (see above)"
info "stack: every frame of ${#objects[@]} objects within CONFIG_FRAME_WARN=$limit, no recursion"
