#!/usr/bin/env bash
# Configure (when the config fragments change) and build the kernel image of $PROFILE for $ARCH,
# incrementally.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/prepare-tree.sh"

OBJ=$(kernel_obj)
FRAGMENTS=$(profile_fragments)
mkdir -p "$OBJ"
stamp=$OBJ/.usac-config-stamp
new_config=0
[ -f "$OBJ/.config" ] && [ -f "$stamp" ] || new_config=1
# The fragments are in the patched tree: shared ones from the repository, per-kernel ones from the
# series.
CONFIGS=$(kernel_src)/kernel/configs
for f in $FRAGMENTS; do [ "$CONFIGS/$f" -nt "$stamp" ] && new_config=1; done
BASE=$(profile_base)
if [ $new_config = 1 ]; then
	info "configuring Linux $(kernel_version) ($PROFILE): $BASE + $FRAGMENTS"
	if [ "$BASE" = debian ]; then
		# Debian's configuration, every module off (the VM has no modules to load).
		xz -dc "$(debian_config)" >"$OBJ/.config"
		kmake -s mod2noconfig >/dev/null
	else
		kmake -s tinyconfig >/dev/null
	fi
	# All fragments in one merge, then one olddefconfig: an option that needs another one a
	# later fragment sets (RUST needs Debian's MODVERSIONS off) is not dropped on the way.
	(cd "$CONFIGS" && "$(kernel_src)/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" $FRAGMENTS) >/dev/null
	kmake -s olddefconfig >/dev/null
	# Every option the fragments set (a later fragment overriding an earlier one) must have
	# survived olddefconfig: a missing dependency silently drops an option.
	for f in $FRAGMENTS; do cat "$CONFIGS/$f"; done |
		sed -nE 's/^(CONFIG_[A-Z0-9_]+)=(.*)$/\1 =\2/p; s/^# (CONFIG_[A-Z0-9_]+) is not set$/\1 n/p' |
		awk '{want[$1] = $2} END {for (k in want) print k, want[k]}' |
		while read -r sym val; do
			if [ "$val" = n ]; then
				! grep -q "^$sym=" "$OBJ/.config" || die "'$sym' is still set in the kernel config"
			else
				grep -qxF "$sym${val}" "$OBJ/.config" || {
					[ "$sym" = CONFIG_RUST ] && kmake rustavailable >&2
					die "'$sym${val}' did not stick in the kernel config"
				}
			fi
		done
	touch "$stamp"
fi

mkdir -p "$BUILD_DIR/logs"
LOG=$BUILD_DIR/logs/kbuild-$LINUX-$PROFILE$(arch_suffix).log
info "building Linux $(kernel_version) ($PROFILE) in $OBJ (log: $LOG)"
start=$(date +%s)
if ! kmake "$(basename "$(kernel_image)")" >"$LOG" 2>&1; then
	grep -E -B2 -A14 '(^|: )(error|Error)(\[E[0-9]+\])?:' "$LOG" | head -150
	tail -5 "$LOG"
	die "kernel build failed (full log: $LOG)"
fi
# Warnings in our own files are shown (and fail `make check`); upstream's are in the log.
grep -E -A6 '(kernel/usac|mm/tamalloc|rust/kernel/(mm|pid_namespace|task/|usac|sync/rcu|bindings_layout)|rust/helpers/(mm|rcu|pid_namespace)).*warning:|^warning:.*' "$LOG" |
	grep -E -B1 -A6 'kernel/usac|mm/tamalloc|rust/kernel/(mm|pid_namespace|task/|usac|bindings_layout)|rust/helpers' | head -60 || true
info "kernel ready in $(($(date +%s) - start)) s: $(kernel_image)"
