#!/usr/bin/env bash
# Bundles the already built app as a .deb with the Tauri CLI's `bundle` (no cargo
# build): tests/bench/deb.sh [--debug]. The CLI wants its config next to a Cargo.toml
# with a [package]; ours sits at the repository root beside the workspace manifest
# (src-tauri/build.rs points tauri-build at it), so the bundle is made from a staging
# folder holding the config (paths made absolute) and a manifest naming the `chappe`
# package. The binary is taken from $CARGO_TARGET_DIR/{release,debug}/chappe and the
# .deb lands in $CARGO_TARGET_DIR/{release,debug}/bundle/deb/.
# Needs the CLI in ui/node_modules (`cd ui && npm install --no-save @tauri-apps/cli@2.12.5`,
# the version of the tauri crate in Cargo.lock) unless `tauri` is on the PATH.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${CARGO_TARGET_DIR:?set CARGO_TARGET_DIR}"
TAURI=$ROOT/ui/node_modules/.bin/tauri
[ -x "$TAURI" ] || TAURI=$(command -v tauri) || { echo "deb.sh: no tauri CLI (see the header)" >&2; exit 2; }
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)
node -e '
  const [root, out] = process.argv.slice(1);
  const conf = JSON.parse(require("fs").readFileSync(root + "/tauri.conf.json", "utf8"));
  conf.build = { ...conf.build, frontendDist: root + "/" + conf.build.frontendDist };
  conf.bundle.icon = conf.bundle.icon.map((p) => root + "/" + p);
  conf.mainBinaryName = "chappe";
  require("fs").writeFileSync(out + "/tauri.conf.json", JSON.stringify(conf, null, 2));
' "$ROOT" "$STAGE"
mkdir -p "$STAGE/src"
: >"$STAGE/src/main.rs"
cat >"$STAGE/Cargo.toml" <<TOML
[package]
name = "chappe"
version = "$version"
edition = "2021"
[[bin]]
name = "chappe"
path = "src/main.rs"
[workspace]
TOML
(cd "$STAGE" && "$TAURI" bundle --bundles deb --ci --no-sign "$@")
