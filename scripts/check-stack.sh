#!/usr/bin/env bash
# The kernel stack is 16 KiB. The C compiler holds every C function to CONFIG_FRAME_WARN bytes of
# frame (-Wframe-larger-than); rustc has no such check, so this one measures the objects of the
# system calls (kernel/usac/*.o: the Rust crate with every generic it instantiates, and the C
# entry points; mm/tamalloc.o) in the built kernel of LINUX and PROFILE, as `make checkstack`
# measures vmlinux: every frame must stay within CONFIG_FRAME_WARN, and no function may call
# itself (a recursion's depth follows its input, so its stack is unbounded). Not seen: recursion
# through another function or a pointer, and the series' abstractions in rust/kernel.o (shared
# with upstream's). core's slice sorts are what this caught: a recursive quicksort with a 7 KiB
# frame.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OBJ=$(kernel_obj)
limit=$(sed -n 's/^CONFIG_FRAME_WARN=//p' "$OBJ/.config")
[ -n "$limit" ] && [ "$limit" -gt 0 ] || limit=2048
objects=("$OBJ"/kernel/usac/*.o "$OBJ"/mm/tamalloc.o)
# The architecture's binutils (the C compiler's prefix) and checkstack.pl's name of the machine
# (the first part of Rust's target: x86_64, aarch64).
cc=$(arch_field 4)
objdump=${cc%gcc}objdump
machine=${VM_TARGET%%-*}
bad=0
for o in "${objects[@]}"; do
	[ -f "$o" ] || die "no $o: build the $PROFILE kernel first"
	# checkstack.pl prints "ADDRESS FUNCTION [OBJECT]:<tab>BYTES", largest first. The output is
	# taken whole first, so that a failing objdump or checkstack.pl fails the check.
	frames=$("$objdump" -d "$o" | perl "$(kernel_src)/scripts/checkstack.pl" "$machine" 0)
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		bytes=${line##*[:$'\t']}
		[[ $bytes =~ ^[0-9]+$ ]] || die "checkstack.pl printed a line without a size: $line"
		if [ "$bytes" -gt "$limit" ]; then
			echo "stack: ${line%%[[]*}: $bytes bytes of frame, over CONFIG_FRAME_WARN=$limit ($(basename "$o"))"
			bad=1
		fi
	done <<<"$frames"
	# A direct call from a function to itself. A call's target is the relocation on its next
	# line (`R_X86_64_PLT32 FUNC-0x4`, arm64's `R_AARCH64_CALL26 FUNC`; the displacement objdump
	# resolves is still 0 there), or, without one (a call within the section), the function
	# objdump names: `call 430 <FUNC>`, `bl 430 <FUNC>`.
	listing=$("$objdump" -dr --no-show-raw-insn "$o")
	recursive=$(awk '
		function flush() { if (pending && resolved == f) print f; pending = 0 }
		/^[0-9a-f]+ <.*>:$/ { flush(); f = substr($2, 2, length($2) - 3); next }
		/\t(call|bl\t)/ {
			flush(); pending = 1; resolved = ""
			if (match($0, /<[^>]+>$/)) resolved = substr($0, RSTART + 1, RLENGTH - 2)
			next
		}
		pending && /R_(X86_64_(PLT|PC)32|AARCH64_CALL26)\t/ {
			t = $NF; sub(/[-+]0x[0-9a-f]+$/, "", t); if (t == f) print f; pending = 0; next
		}
		{ flush() }
		END { flush() }' <<<"$listing" | sort -u)
	for f in $recursive; do
		echo "stack: $f calls itself ($(basename "$o")): its stack grows with its input"
		bad=1
	done
done
[ "$bad" = 0 ] || die "the series' objects use unbounded or oversized kernel stack (see above)"
info "stack: every frame of ${#objects[@]} objects within CONFIG_FRAME_WARN=$limit, no direct recursion"
