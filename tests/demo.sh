#!/usr/bin/env bash
# `make demo`: a local Synapse seeded with sample users, rooms and messages, and
# Chappe logged into it as the demo user. Usage: tests/demo.sh APP PORT
set -euo pipefail
cd "$(dirname "$0")/.."
APP=$1
PORT=${2:-8008}
CACHE=${CHAPPE_CACHE:-$HOME/.cache/chappe}

bash tests/server/synapse.sh start demo "$PORT"
URL=$(bash tests/server/synapse.sh url demo)
python3 tests/server/seed_demo.py "$URL" "$(bash tests/server/synapse.sh secret demo)"

export CHAPPE_HOMESERVER=$URL
export CHAPPE_DEMO_USER=demo CHAPPE_DEMO_PASSWORD=chappe-demo
export CHAPPE_DATA_DIR=$CACHE/demo-data
mkdir -p "$CHAPPE_DATA_DIR"
cat <<MSG

  Chappe demo
  homeserver: $URL
  user:       demo      password: chappe-demo
  (also alice, bob, claire with the same password)
  Stop the demo server with: bash tests/server/synapse.sh stop demo

MSG

if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$APP"
fi
# No desktop session (a server, a container, ssh): give the app a D-Bus session with
# an unlocked keyring, and a virtual screen when there is no display, saving a
# screenshot so the result can be seen.
exec dbus-run-session -- bash tests/desktop-session.sh "$APP"
