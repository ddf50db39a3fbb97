#!/usr/bin/env bash
# `make check`: formatting, clippy, the manual pages and checkpatch, all with zero warnings allowed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/prepare-tree.sh"
SRC=$(kernel_src)
fail=0
step() { info "check: $*"; }

step "rustfmt (kernel style from the tree's .rustfmt.toml)"
# One file at a time, through stdin: a module's parent may be upstream's (task.rs, mm.rs).
for f in $(cd "$REPO" && find kernel rust -name '*.rs' | sort); do
	rustfmt --edition 2021 --config-path "$SRC/.rustfmt.toml" <"$REPO/$f" | diff -u --label "$f" --label "$f (rustfmt)" "$REPO/$f" - ||
		fail=1
done
export_kernel_headers
(cd "$REPO/userspace-tests" && cargo fmt --check) || fail=1

step "kernel clippy (CLIPPY=1) on the usac Rust code"
user_profile=$PROFILE PROFILE=clippy
mkdir -p "$(kernel_obj)"
cp "$BUILD_DIR/kbuild-$LINUX-default/.config" "$(kernel_obj)/.config" 2>/dev/null || die "build the kernel first (make kernel)"
log=$(mktemp)
kmake CLIPPY=1 olddefconfig >/dev/null
# Only our files are judged (upstream 6.12 predates this clippy's lints): the usac crate, our new
# files, and the lines our patches add to upstream's (task.rs, page.rs, uaccess.rs).
kmake CLIPPY=1 rust/ kernel/usac/ 2>&1 | tee "$log" | grep -E '^(warning|error)' >/dev/null || true
ours=$(grep -A3 -E '^(warning|error)' "$log" | grep -E -e '--> (.*/)?(kernel/usac/|rust/kernel/(mm|pid_namespace|sync/rcu|usac|bindings_layout|task|page|uaccess))' || true)
if [ -n "$ours" ] || grep -qE '^error' "$log"; then
	grep -B2 -A12 -E '^(warning|error)' "$log" | grep -v '^--$' | head -80
	fail=1
fi
rm -f "$log"
PROFILE=$user_profile

step "syscall numbers: every system call table of the tree has the zamora_* calls, 473-475 (alpha 583-585)"
# The tables are those that have mseal (the newest call both kernels have): each architecture's,
# the generic scripts/syscall.tbl, arm64's compat one.
for table in $(cd "$SRC" && find arch scripts -name '*.tbl' -type f -exec grep -lw mseal {} + | sort); do
	base=473
	case $table in arch/alpha/*) base=583 ;; esac
	got=$(awk '$3 ~ /^zamora_/ {printf "%s %s ", $1, $3}' "$SRC/$table")
	want="$base zamora_tamalloc $((base + 1)) zamora_mem_stats_process $((base + 2)) zamora_mem_stats_global "
	[ "$got" = "$want" ] || { echo "$table: '$got', expected '$want'"; fail=1; }
done

step "cargo clippy (userspace)"
(cd "$REPO/userspace-tests" && cargo clippy -q --locked --all-targets -- -D warnings) || fail=1

step "manual pages: mandoc -T lint and groff -ww, and their EXAMPLES programs compile"
"$REPO/scripts/man.sh" --check || fail=1

step "the patches are what git writes: patches/$LINUX round-trips through scripts/series.sh"
"$REPO/scripts/series.sh" check || fail=1

step "checkpatch.pl --strict on the patch series"
"$REPO/scripts/make-patches.sh" >/dev/null
# FILE_PATH_CHANGES asks each patch that adds files to touch MAINTAINERS; the series has one
# MAINTAINERS patch for all of them instead.
(cd "$SRC" && ./scripts/checkpatch.pl --strict -q --ignore FILE_PATH_CHANGES "$BUILD_DIR"/patches-$LINUX/*.patch) || fail=1

step "bad variable values are rejected before anything runs"
"$REPO/scripts/test-variables.sh" || fail=1

step "a fresh machine's fetches: an Architecture: all package, an unreachable archive"
"$REPO/scripts/test-fetch.sh" || fail=1

step "Ctrl-C and SIGTERM stop a VM run (make run with a long command)"
"$REPO/scripts/test-interrupt.sh" || fail=1

step "every mutant (mutants/ and mutants/$LINUX/) still applies to the tree"
"$REPO/scripts/mutants.sh" --check || fail=1

[ $fail = 0 ] && info "check: all clean" || die "check found problems (above)"
