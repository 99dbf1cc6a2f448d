#!/usr/bin/env bash
# Bundles the already built app as a .deb with the Tauri CLI's `bundle` (no cargo
# build): tests/bench/deb.sh [--debug]. Through packaging/tauri-cli.mjs, which gives the
# CLI the root tauri.conf.json where it wants it (see packaging/README.md). The binary
# is taken from $CARGO_TARGET_DIR/{release,debug}/chappe and the .deb lands in
# $CARGO_TARGET_DIR/{release,debug}/bundle/deb/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}"
cd "$ROOT"
node packaging/tauri-cli.mjs bundle --bundles deb --ci --no-sign "$@"
