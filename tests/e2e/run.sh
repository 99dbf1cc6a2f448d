#!/usr/bin/env bash
# Runs the end-to-end test: the real app in a real window on a virtual screen, with a
# real Secret Service for its keychain, driven by tauri-driver + WebKitWebDriver.
# Env: SYNAPSE_URL, SYNAPSE_SECRET, APP (the built binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SYNAPSE_URL:?}" "${SYNAPSE_SECRET:?}" "${APP:?}"
export SYNAPSE_URL SYNAPSE_SECRET APP
exec dbus-run-session -- bash tests/e2e/session.sh
