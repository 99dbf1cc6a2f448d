#!/usr/bin/env bash
# Whole-app figures for the benchmark: size of the binary (and of the .deb when one
# was bundled), and memory of the real app under Xvfb, logged in to the seeded bench
# account. Usage: tests/bench/app.sh APP HOMESERVER USER PASSWORD
# Memory is sampled every 0.5 s over the app and all its descendants (WebKitWebProcess,
# WebKitNetworkProcess): the sum of RSS (counts shared pages once per process, so it
# overstates) and the sum of PSS (shares them out); see app_paint.mjs for the runs.
# Prints markdown table rows.
set -euo pipefail
APP=$1 HS=$2 USER_NAME=$3 PASSWORD=$4

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

size=$(stat -c %s "$APP")
stripped=$(mktemp)
strip -o "$stripped" "$APP"
echo "| binary ($(basename "$APP")) | $(mib "$size") | | | stripped: $(mib "$(stat -c %s "$stripped")") |"
rm -f "$stripped"
deb=$(ls -t "$(dirname "$APP")"/bundle/deb/*.deb 2>/dev/null | head -n 1 || true)
if [ -n "$deb" ]; then
  echo "| .deb ($(basename "$deb")) | $(mib "$(stat -c %s "$deb")") | | | |"
fi

# Memory and launch -> paint, on the real window under tauri-driver (app_session.sh,
# app_paint.mjs): cold and warm starts, the UI's own paint marks, RSS/PSS summed over
# the app's processes.
APP_BINARY=$APP HS=$HS USER_NAME=$USER_NAME PASSWORD=$PASSWORD \
  dbus-run-session -- bash "$(dirname "$0")/app_session.sh"
