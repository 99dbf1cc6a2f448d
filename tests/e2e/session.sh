#!/usr/bin/env bash
# Inside dbus-run-session: keyring, Xvfb, tauri-driver, then the test. Everything
# started here is stopped on exit.
set -euo pipefail
WORK=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A private keyring home, so runs never see each other's saved sessions.
export HOME_KEYRING_DIR=$WORK/keyrings XDG_DATA_HOME=$WORK/data
mkdir -p "$XDG_DATA_HOME"
eval "$(printf '' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

for n in $(seq 90 120); do [ -e "/tmp/.X11-unix/X$n" ] || { DISPLAY_NUM=$n; break; }; done
export DISPLAY=:$DISPLAY_NUM
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
pids+=($!)

export CHAPPE_DATA_DIR=$WORK/chappe CHAPPE_HOMESERVER=$SYNAPSE_URL
# WebKit's sandbox needs user namespaces the CI container may not allow.
export WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1
export RUST_LOG=${RUST_LOG:-warn,chappe=info,chappe_core=info}
PORT=${WEBDRIVER_PORT:-4444}
tauri-driver --port "$PORT" >"$WORK/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$PORT/status" >/dev/null && break
  sleep 0.2
done
export WEBDRIVER_URL=http://127.0.0.1:$PORT
status=0
node tests/e2e/chappe.e2e.mjs || status=$?
if [ $status -ne 0 ]; then
  echo "--- tauri-driver log (app output) ---"
  tail -n 60 "$WORK/tauri-driver.log" || true
fi
exit $status
