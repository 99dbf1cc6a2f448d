#!/usr/bin/env bash
# Runs the end-to-end test: the real app in a real window on a virtual screen, with a
# real Secret Service for its keychain, driven by tauri-driver + WebKitWebDriver.
# Env (all optional):
#   SYNAPSE_URL          homeserver to test against (default http://127.0.0.1:18008)
#   SYNAPSE_SECRET       its registration shared secret, or
#   SYNAPSE_SECRET_FILE  a file holding it (default: the test server's, from synapse.sh)
#   APP                  the built binary (default $CARGO_TARGET_DIR/debug/chappe)
#   WEBDRIVER_PORT       tauri-driver's port (default 4444; WebKitWebDriver gets +1)
#   E2E_TIMEOUT          seconds before the whole test is stopped (default 600)
# Exit code: the test's (124 when it timed out).
set -euo pipefail
cd "$(dirname "$0")/../.."
SYNAPSE_URL=${SYNAPSE_URL:-http://127.0.0.1:18008}
if [ -z "${SYNAPSE_SECRET:-}" ]; then
  if [ -n "${SYNAPSE_SECRET_FILE:-}" ]; then
    SYNAPSE_SECRET=$(cat "$SYNAPSE_SECRET_FILE")
  else
    SYNAPSE_SECRET=$(bash tests/server/synapse.sh secret test)
  fi
fi
APP=${APP:-${CARGO_TARGET_DIR:-$HOME/.cache/chappe/target}/debug/chappe}
[ -x "$APP" ] || { echo "e2e: no app binary at $APP (build it: make app)" >&2; exit 2; }
for tool in dbus-run-session gnome-keyring-daemon Xvfb tauri-driver WebKitWebDriver node; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool missing (run: make setup)" >&2; exit 2; }
done
export SYNAPSE_URL SYNAPSE_SECRET APP
exec dbus-run-session -- bash tests/e2e/session.sh
