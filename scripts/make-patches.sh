#!/usr/bin/env bash
# `make patches`: the whole usac patch set for Linux $LINUX, shared files included, as a
# `git format-patch` series against the pristine tree, in $BUILD_DIR/patches-$LINUX.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
exec "$REPO/scripts/series.sh" mails "$BUILD_DIR/patches-$LINUX"
