#!/usr/bin/env bash
# A real Synapse for Chappe's tests and demo, installed from PyPI into a cache folder.
#   synapse.sh install            venv with matrix-synapse (idempotent)
#   synapse.sh start NAME PORT    configure (first time) and start on 127.0.0.1:PORT;
#                                 FRESH=1 wipes NAME's data first
#   synapse.sh stop NAME          stop by PID
#   synapse.sh url NAME | secret NAME
# Each NAME (test, demo) has its own data folder: ${CHAPPE_CACHE}/synapse-NAME.
set -euo pipefail
CACHE=${CHAPPE_CACHE:-$HOME/.cache/chappe}
VENV=$CACHE/synapse-venv
VERSION=1.163.2
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "synapse.sh: $*" >&2; exit 1; }

install() {
  if [ -f "$VENV/.installed-$VERSION" ]; then return; fi
  echo "synapse.sh: installing matrix-synapse $VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "matrix-synapse==$VERSION"
  touch "$VENV/.installed-$VERSION"
}

dir_of() { echo "$CACHE/synapse-$1"; }

configure() {
  local dir=$1 port=$2
  mkdir -p "$dir/media"
  local secret
  secret=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
  echo "$secret" > "$dir/shared_secret"
  echo "$port" > "$dir/port"
  # Synapse generates its signing key and other secrets; we then override what tests need.
  "$VENV/bin/python" -m synapse.app.homeserver --server-name localhost \
    --config-path "$dir/generated.yaml" --data-directory "$dir" \
    --generate-config --report-stats=no >/dev/null
  "$VENV/bin/python" "$HERE/write_config.py" "$dir" "$port" "$secret"
}

running() {
  local dir=$1
  [ -f "$dir/homeserver.pid" ] && kill -0 "$(cat "$dir/homeserver.pid")" 2>/dev/null
}

wait_ready() {
  local port=$1 dir=$2
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null; then return 0; fi
    running "$dir" || break
    sleep 0.5
  done
  tail -n 30 "$dir/homeserver.log" >&2 || true
  die "Synapse did not answer on port $port"
}

start() {
  local name=${1:?name} port=${2:?port}
  local dir
  dir=$(dir_of "$name")
  install
  if [ "${FRESH:-0}" = 1 ]; then stop "$name"; rm -rf "$dir"; fi
  if running "$dir"; then wait_ready "$(cat "$dir/port")" "$dir"; return; fi
  [ -f "$dir/homeserver.yaml" ] || configure "$dir" "$port"
  port=$(cat "$dir/port")
  (cd "$dir" && "$VENV/bin/python" -m synapse.app.homeserver -c homeserver.yaml --daemonize)
  wait_ready "$port" "$dir"
  echo "synapse.sh: $name is up at http://127.0.0.1:$port"
}

stop() {
  local dir
  dir=$(dir_of "${1:?name}")
  running "$dir" || return 0
  local pid
  pid=$(cat "$dir/homeserver.pid")
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

case ${1:-} in
  install) install ;;
  start) start "${2:-}" "${3:-}" ;;
  stop) stop "${2:-}" ;;
  url) echo "http://127.0.0.1:$(cat "$(dir_of "${2:?name}")/port")" ;;
  secret) cat "$(dir_of "${2:?name}")/shared_secret" ;;
  *) die "usage: synapse.sh install | start NAME PORT | stop NAME | url NAME | secret NAME" ;;
esac
