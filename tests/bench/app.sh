#!/usr/bin/env bash
# Whole-app figures for the benchmark: size of the binary (and of the .deb when one
# was bundled), and memory of the real app under Xvfb, logged in to the seeded bench
# account. Usage: tests/bench/app.sh APP HOMESERVER USER PASSWORD
# Memory is sampled every 0.5 s for BENCH_APP_SECONDS (40) over the app and all its
# descendants (WebKitWebProcess, WebKitNetworkProcess): the sum of RSS (counts shared
# pages once per process, so it overstates) and the sum of PSS (shares them out).
# Prints markdown table rows.
set -euo pipefail
APP=$1 HS=$2 USER_NAME=$3 PASSWORD=$4
SECONDS_TOTAL=${BENCH_APP_SECONDS:-40}

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

descendants() {
  local p=$1
  echo "$p"
  for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do descendants "$c"; done
}
# The app's processes: the tree under dbus-run-session, less the D-Bus daemon itself.
app_pids() {
  for p in $(descendants "$ROOT"); do
    case $(cat "/proc/$p/comm" 2>/dev/null) in dbus-*|"") ;; *) echo "$p" ;; esac
  done
}
# Sum of one field (kB) of /proc/PID/FILE over the process tree.
sum_kb() {
  local file=$1 field=$2 total=0 v
  for p in $(app_pids); do
    v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/$file" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

data=$(mktemp -d)
display=:${CHAPPE_BENCH_DISPLAY:-78}
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
cleanup() {
  [ -n "${ROOT:-}" ] && kill "$ROOT" 2>/dev/null || true
  kill "$XVFB" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
sleep 1
# A D-Bus session of its own; no keyring: the app then keeps the session in memory only.
DISPLAY=$display CHAPPE_HOMESERVER=$HS CHAPPE_DEMO_USER=$USER_NAME \
  CHAPPE_DEMO_PASSWORD=$PASSWORD CHAPPE_DATA_DIR=$data \
  dbus-run-session -- "$APP" >"$data.log" 2>&1 &
ROOT=$!

peak_rss=0 peak_pss=0 steady_rss=0 steady_pss=0 n=0
samples=$((SECONDS_TOTAL * 2))
for i in $(seq 1 "$samples"); do
  sleep 0.5
  kill -0 "$ROOT" 2>/dev/null || { echo "app exited early; log:" >&2; tail -n 20 "$data.log" >&2; exit 1; }
  rss=$(sum_kb status VmRSS)
  pss=$(sum_kb smaps_rollup Pss)
  [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
  [ "$pss" -gt "$peak_pss" ] && peak_pss=$pss
  # Steady: the mean over the last quarter of the window.
  if [ "$i" -gt $((samples * 3 / 4)) ]; then
    steady_rss=$((steady_rss + rss)) steady_pss=$((steady_pss + pss)) n=$((n + 1))
  fi
done
procs=$(app_pids | xargs -I{} cat /proc/{}/comm 2>/dev/null | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
echo "| whole app RSS, summed ($procs) | peak $(mib $((peak_rss * 1024))) | | | steady $(mib $((steady_rss * 1024 / n))) |"
echo "| whole app PSS, summed | peak $(mib $((peak_pss * 1024))) | | | steady $(mib $((steady_pss * 1024 / n))) |"
rm -f "$data.log"
