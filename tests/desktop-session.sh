#!/usr/bin/env bash
# Runs APP inside the current D-Bus session with an unlocked Secret Service (the
# keychain Chappe stores sessions in), and under Xvfb when there is no display.
# Used by the demo when no desktop session exists; must run inside dbus-run-session.
set -euo pipefail
APP=$1

# An empty password creates no login keyring (gnome-keyring 42): use a throwaway one.
# If a login keyring already exists with another password, unlocking fails; Chappe
# then still runs, it only cannot remember the session for next time.
eval "$(printf 'chappe-demo' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:${CHAPPE_XVFB_DISPLAY:-77}
  Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp &
  XVFB=$!
  trap 'kill $XVFB 2>/dev/null || true' EXIT
  sleep 1
  SHOT=${CHAPPE_DEMO_SCREENSHOT:-target/demo.png}
  mkdir -p "$(dirname "$SHOT")"
  echo "No display: Chappe runs on a virtual screen ($DISPLAY); a screenshot goes to $SHOT in 20 s."
  ( sleep 20 && xwd -root -silent | convert xwd:- "$SHOT" && echo "screenshot: $SHOT" ) &
fi
"$APP"
