#!/usr/bin/env bash
# Installs everything Chappe needs to build, run its demo and run its tests on Debian 12:
# system packages, tauri-driver, the UI's npm packages, the Synapse venv and the venv of
# the identity server and SMTP sink (sydent, aiosmtpd), and the content scanner's venv
# (matrix-content-scanner, built from source with cargo: a few minutes the first time).
# Idempotent and quick when everything is already there. Run as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config curl ca-certificates openssl python3 python3-venv
  libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev libsecret-1-dev
  webkit2gtk-driver xvfb xauth x11-apps imagemagick dbus dbus-x11 gnome-keyring libsecret-tools
  fonts-noto-color-emoji
  libmagic1
  # The e2e notification server (python3-dbus, python3-gi) and window focus (xdotool).
  python3-dbus python3-gi xdotool
  # Installers (tests/package): icons from icon.svg, rpm contents, desktop entry and
  # URL-scheme checks of the installed .deb.
  librsvg2-bin icnsutils rpm cpio desktop-file-utils xdg-utils
  # The .deb's data is recompressed with xz (packaging/deb-xz.mjs): ar and xz.
  binutils xz-utils
  # Videos sent get their size, duration and a thumbnail from ffprobe/ffmpeg, found on
  # PATH at run time (optional for users; the core video tests make their clip with it).
  ffmpeg
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "setup: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ and npm are required" >&2; exit 1; }

# tauri-driver bridges WebDriver to WebKitWebDriver for the end-to-end test.
if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version 2.1.0
fi

# The UI's packages, as locked. `npm install` rather than `npm ci`: on this machine
# kind npm records only the current platform's optional packages (rollup's native
# binaries) in the lock, and `npm ci` then refuses the lock as out of sync.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm install --no-audit --no-fund)
fi

# The release workflow and tauri.conf.json are checked against their JSON schemas
# (check-jsonschema ships GitHub's workflow schema: no network needed when it runs).
LINT_VENV=${CHAPPE_CACHE:-$HOME/.cache/chappe}/lint-venv
if [ ! -x "$LINT_VENV/bin/check-jsonschema" ]; then
  echo "setup: installing check-jsonschema"
  python3 -m venv "$LINT_VENV"
  "$LINT_VENV/bin/pip" install -q 'check-jsonschema==0.39.0'
fi

bash tests/server/synapse.sh install
bash tests/server/identity.sh install
bash tests/server/scanner.sh install
# matrix-nio (with vodozemac), the other client of core/tests/encryption.rs.
bash tests/bench/peers/setup.sh
echo "setup: done"
