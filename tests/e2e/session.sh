#!/usr/bin/env bash
# Inside dbus-run-session (see run.sh): keyring, Xvfb, tauri-driver, then the test.
# Everything started here, and whatever those started (WebKitWebDriver, the app), is
# stopped on exit. With E2E_SELFTEST=1 it checks the environment (Secret Service, X
# display, tauri-driver) instead of running the test.
set -euo pipefail
WORK=$(mktemp -d)
pids=()

# A process and everything below it, children first.
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
  rm -rf "$WORK"
}
trap cleanup EXIT

# A private keyring home, so runs never see each other's saved sessions. The password
# on stdin creates and unlocks the "login" keyring (the Secret Service's default
# collection) without a prompt. It must not be empty: gnome-keyring 42 then creates no
# keyring, and the first write asks gcr-prompter, which fails without a display.
export XDG_DATA_HOME=$WORK/data
mkdir -p "$XDG_DATA_HOME"
# And a private config home: the app's settings.json (language, theme, proxy) of one
# run must not change another's, nor the machine user's.
export XDG_CONFIG_HOME=$WORK/config
mkdir -p "$XDG_CONFIG_HOME"
eval "$(printf 'chappe-e2e' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

# The first free display number from 90 on.
DISPLAY_NUM=
for n in $(seq 90 150); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then DISPLAY_NUM=$n; break; fi
done
[ -n "$DISPLAY_NUM" ] || { echo "e2e: no free X display" >&2; exit 1; }
export DISPLAY=:$DISPLAY_NUM
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] || { echo "e2e: Xvfb did not start" >&2; cat "$WORK/xvfb.log" >&2; exit 1; }

export CHAPPE_DATA_DIR=$WORK/chappe CHAPPE_HOMESERVER=$SYNAPSE_URL
# Email invitations go through the run's identity server (sydent behind a TLS proxy
# with its own CA), when `make test-e2e` started one.
if [ -n "${CHAPPE_TEST_IDENTITY_SERVER:-}" ]; then
  export CHAPPE_IDENTITY_SERVER=$CHAPPE_TEST_IDENTITY_SERVER CHAPPE_EXTRA_CA=${CHAPPE_TEST_IDENTITY_CA:-}
fi
# WebKit's sandbox needs user namespaces the CI container may not allow.
export WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1
# The admin's machine config, as an MSI/deb would install it: here, the content scanner.
if [ -n "${CHAPPE_TEST_SCANNER:-}" ] && [ -z "${CHAPPE_MACHINE_CONFIG:-}" ]; then
  printf '{"content_scanner": {"url": "%s"}}\n' "$CHAPPE_TEST_SCANNER" >"$WORK/machine-config.json"
  export CHAPPE_MACHINE_CONFIG=$WORK/machine-config.json
fi
# What the app's "attach files" dialog returns in the test (WebDriver cannot drive a
# native dialog); the media scenario writes these files before clicking.
export E2E_PICK_DIR=$WORK/pick
export CHAPPE_TEST_PICK_FILES="$E2E_PICK_DIR/rapport annuel.png
$E2E_PICK_DIR/budget.csv
$E2E_PICK_DIR/visite.mp4"
# Where "Save as…" saves in the test, instead of the native dialog.
export CHAPPE_TEST_SAVE_DIR=$WORK/saved
mkdir -p "$CHAPPE_TEST_SAVE_DIR"
# What the encryption keys' "Save to file…" / export / import dialogs use in the test
# (the keys scenario reads the recovery key back from it).
export CHAPPE_TEST_KEY_FILE=$WORK/chappe-keys.txt
export RUST_LOG=${RUST_LOG:-warn,chappe=info,chappe_core=info}
# Everything the shell sends to the webview during the run (debug builds only, see
# src-tauri/src/ipc_record.rs), for the secrets scan of security.e2e.mjs.
export CHAPPE_IPC_RECORD=$PWD/target/e2e/ipc-record.jsonl
mkdir -p target/e2e
: >"$CHAPPE_IPC_RECORD"
PORT=${WEBDRIVER_PORT:-4444}
tauri-driver --port "$PORT" --native-port $((PORT + 1)) >"$WORK/tauri-driver.log" 2>&1 &
pids+=($!)
ready=
for _ in $(seq 1 100); do
  if curl -sf "http://127.0.0.1:$PORT/status" >/dev/null; then ready=1; break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "e2e: tauri-driver does not answer on port $PORT" >&2
  cat "$WORK/tauri-driver.log" >&2
  exit 1
fi
export WEBDRIVER_URL=http://127.0.0.1:$PORT

# tauri-driver throws away the app's stdout: start the app through a wrapper that keeps
# its output (logs) in target/e2e/app.log.
mkdir -p target/e2e
APP_LOG=$PWD/target/e2e/app.log
: >"$APP_LOG"
printf '#!/usr/bin/env bash\nexec %q "$@" >>%q 2>&1\n' "$APP" "$APP_LOG" >"$WORK/app"
chmod +x "$WORK/app"
export APP=$WORK/app

if [ "${E2E_SELFTEST:-}" = 1 ]; then
  echo "selftest: D-Bus session $DBUS_SESSION_BUS_ADDRESS"
  printf 'e2e-secret' | secret-tool store --label="chappe e2e selftest" chappe-e2e selftest
  got=$(secret-tool lookup chappe-e2e selftest)
  [ "$got" = e2e-secret ] || { echo "selftest: Secret Service lookup gave '$got'" >&2; exit 1; }
  echo "selftest: Secret Service store + lookup OK"
  if command -v xdpyinfo >/dev/null; then
    echo "selftest: X display $DISPLAY: $(xdpyinfo -display "$DISPLAY" | grep dimensions | xargs)"
  else
    echo "selftest: X display $DISPLAY: socket up (no xdpyinfo to ask more)"
  fi
  echo "selftest: tauri-driver /status $(curl -s "$WEBDRIVER_URL/status")"
  exit 0
fi

status=0
# E2E_ONLY=name runs tests/e2e/name.e2e.mjs alone (while working on one scenario).
for scenario in tests/e2e/${E2E_ONLY:-*}.e2e.mjs; do
  echo "--- $scenario"
  timeout --foreground "${E2E_TIMEOUT:-600}" node "$scenario" || status=$?
done
if [ $status -ne 0 ]; then
  [ $status -ne 124 ] || echo "e2e: stopped after ${E2E_TIMEOUT:-600} s"
  echo "--- tauri-driver log ---"
  tail -n 20 "$WORK/tauri-driver.log" || true
  echo "--- app log (target/e2e/app.log) ---"
  tail -n 60 "$APP_LOG" || true
fi
exit $status
