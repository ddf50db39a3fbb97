#!/usr/bin/env bash
# Configure (when the config fragments change) and build bzImage for $PROFILE, incrementally.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/prepare-tree.sh"

OBJ=$(kernel_obj)
FRAGMENTS=$(profile_fragments)
mkdir -p "$OBJ"
stamp=$OBJ/.usac-config-stamp
new_config=0
[ -f "$OBJ/.config" ] && [ -f "$stamp" ] || new_config=1
for f in $FRAGMENTS; do [ "$REPO/kernel/configs/$f" -nt "$stamp" ] && new_config=1; done
if [ $new_config = 1 ]; then
	info "configuring Linux $(kernel_version) ($PROFILE): tinyconfig + $FRAGMENTS"
	kmake -s tinyconfig $FRAGMENTS >/dev/null
	for f in $FRAGMENTS; do
		# Every option of a fragment must have survived olddefconfig (a missing dependency drops it).
		grep -E '^CONFIG_[A-Z0-9_]+=.*$' "$REPO/kernel/configs/$f" | while IFS= read -r line; do
			grep -qxF "$line" "$OBJ/.config" || {
				[ "$line" = CONFIG_RUST=y ] && kmake rustavailable >&2
				die "$f: '$line' did not stick in the kernel config"
			}
		done
	done
	touch "$stamp"
fi

mkdir -p "$BUILD_DIR/logs"
LOG=$BUILD_DIR/logs/kbuild-$PROFILE.log
info "building Linux $(kernel_version) ($PROFILE) in $OBJ (log: $LOG)"
start=$(date +%s)
if ! kmake bzImage >"$LOG" 2>&1; then
	grep -E -B2 -A14 '(^|: )(error|Error)(\[E[0-9]+\])?:' "$LOG" | head -150
	tail -5 "$LOG"
	die "kernel build failed (full log: $LOG)"
fi
# Warnings in our own files are shown (and fail `make check`); upstream's are in the log.
grep -E -A6 '(kernel/usac|mm/tamalloc|rust/kernel/(mm|pid_namespace|usac|sync/rcu)|rust/helpers/(mm|rcu|pid_namespace|task_info)).*warning:|^warning:.*' "$LOG" |
	grep -E -B1 -A6 'kernel/usac|mm/tamalloc|rust/kernel/(mm|pid_namespace|usac)|rust/helpers' | head -60 || true
info "kernel ready in $(($(date +%s) - start)) s: $OBJ/arch/x86/boot/bzImage"
