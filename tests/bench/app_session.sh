#!/usr/bin/env bash
# Inside dbus-run-session (see app.sh): keyring, Xvfb, tauri-driver, then
# tests/bench/app_paint.mjs, which starts the app through WebDriver, reads the UI's
# paint marks and samples the app's memory. Everything started here is stopped on exit.
# Env: APP_BINARY, HS, USER_NAME, PASSWORD, WEBDRIVER_PORT (4550), BENCH_* (app_paint.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d)
pids=()
tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do tree "$child"; done
  echo "$1"
}
cleanup() {
  local p all=()
  for p in "${pids[@]}"; do all+=($(tree "$p")); done
  [ ${#all[@]} -eq 0 ] || kill "${all[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK" /tmp/chappe-bench-app-*
}
trap cleanup EXIT

# A private keyring (as the e2e test does): the cold start saves the session there,
# the warm start finds it.
export XDG_DATA_HOME=$WORK/data
mkdir -p "$XDG_DATA_HOME"
eval "$(printf 'chappe-bench' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

DISPLAY_NUM=
for n in $(seq 151 200); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || { echo "bench: no free X display" >&2; exit 1; }
export DISPLAY=:$DISPLAY_NUM
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done

export CHAPPE_HOMESERVER=$HS CHAPPE_DEMO_USER=$USER_NAME CHAPPE_DEMO_PASSWORD=$PASSWORD
export WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1
export RUST_LOG=${RUST_LOG:-warn}
PORT=${WEBDRIVER_PORT:-4550}
tauri-driver --port "$PORT" --native-port $((PORT + 1)) >"$WORK/tauri-driver.log" 2>&1 &
TAURI_DRIVER_PID=$!
pids+=($TAURI_DRIVER_PID)
ready=
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$PORT/status" >/dev/null; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || { echo "bench: tauri-driver does not answer on port $PORT" >&2; cat "$WORK/tauri-driver.log" >&2; exit 1; }

# Each launch gets the data folder app_paint.mjs wrote in DATA_DIR_FILE; `exec` keeps
# the app's process id (and name) the one WebKitWebDriver started.
export DATA_DIR_FILE=$WORK/data-dir APP_LOG=$WORK/app.log
# ENV_FILE holds extra variables for the launch (a variant being compared), if any.
export ENV_FILE=$WORK/env
: >"$ENV_FILE"
printf '#!/usr/bin/env bash\nset -a; . %q; set +a\nCHAPPE_DATA_DIR=$(cat %q) exec %q "$@" >>%q 2>&1\n' \
  "$ENV_FILE" "$DATA_DIR_FILE" "$APP_BINARY" "$APP_LOG" >"$WORK/app"
chmod +x "$WORK/app"
export APP=$WORK/app WEBDRIVER_URL=http://127.0.0.1:$PORT TAURI_DRIVER_PID
mkdir -p "${BENCH_SHOTS:-target/bench}"
status=0
node tests/bench/app_paint.mjs || status=$?
# BENCH_APP_LOG: keep the app's log there (e.g. with RUST_LOG=warn,chappe_app=debug for
# the room-switch timings).
[ -z "${BENCH_APP_LOG:-}" ] || cp "$APP_LOG" "$BENCH_APP_LOG" || true
if [ $status -ne 0 ]; then
  echo "--- app log ---" >&2
  tail -n 30 "$APP_LOG" >&2 || true
fi
exit $status
