#!/usr/bin/env bash
# A real Synapse for Chappe's tests and demo, installed from PyPI into a cache folder.
#   synapse.sh install                      venv with matrix-synapse (idempotent)
#   synapse.sh start [--fresh] NAME PORT    configure (first time) and start on 127.0.0.1:PORT;
#                                           --fresh (or FRESH=1) wipes NAME's data first
#   synapse.sh stop NAME                    stop by PID file
#   synapse.sh url NAME | secret NAME       base URL (no trailing slash) | shared secret
# Each NAME (test, demo) has its own data folder: ${CHAPPE_CACHE}/synapse-NAME, holding
# homeserver.yaml, homeserver.log, homeserver.pid, port and shared_secret.
# IDENTITY_SMTP_PORT=N (for start) adds what the identity server tests need (see
# identity.sh and write_config.py): mail through the SMTP sink on port N, registration
# with a verified email, and a TLS federation listener on 8448 for sydent. Only one
# instance at a time can have it, since 8448 is fixed by the server name `localhost`.
# Tchap's server module synapse-room-access-rules is installed and loaded (rooms follow
# Tchap's access rules, default room version 11); TCHAP_ACCESS_RULES=0 (for start)
# leaves it out. ID_SERVER=host:port (for start) is the identity server it asks about
# invited emails (identity.sh's TLS proxy). Both are kept with the data, like the extras.
set -euo pipefail
CACHE=${CHAPPE_CACHE:-$HOME/.cache/chappe}
VENV=$CACHE/synapse-venv
VERSION=1.163.2
ACCESS_RULES_VERSION=1.0.0
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "synapse.sh: $*" >&2; exit 1; }

install() {
  # The stamp is written last, so an interrupted install is redone from scratch.
  if [ ! -f "$VENV/.installed-$VERSION" ]; then
    echo "synapse.sh: installing matrix-synapse $VERSION into $VENV"
    rm -rf "$VENV"
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "matrix-synapse==$VERSION"
    touch "$VENV/.installed-$VERSION"
  fi
  # Added to the same venv without wiping it (servers may be running from it). Pure
  # Python, built from its source archive; needs only attrs, which Synapse has.
  if [ ! -f "$VENV/.installed-room-access-rules-$ACCESS_RULES_VERSION" ]; then
    echo "synapse.sh: installing synapse-room-access-rules $ACCESS_RULES_VERSION into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check \
      "synapse-room-access-rules==$ACCESS_RULES_VERSION"
    touch "$VENV/.installed-room-access-rules-$ACCESS_RULES_VERSION"
  fi
}

dir_of() { echo "$CACHE/synapse-${1:?NAME missing}"; }

configure() {
  local dir=$1 port=$2 extras=$3 rules=$4 secret
  mkdir -p "$dir/media"
  if [ -s "$dir/shared_secret" ]; then
    secret=$(cat "$dir/shared_secret")
  else
    secret=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
    echo "$secret" > "$dir/shared_secret"
  fi
  # Synapse generates its signing key and other secrets; write_config.py then keeps
  # those and sets everything the tests rely on.
  if [ ! -f "$dir/generated.yaml" ]; then
    "$VENV/bin/python" -m synapse.app.homeserver --server-name localhost \
      --config-path "$dir/generated.yaml" --data-directory "$dir" \
      --generate-config --report-stats=no >/dev/null
  fi
  # rules is "ACCESS_RULES ID_SERVER", e.g. "1 127.0.0.1:18091".
  local access=${rules%% *} id_server=${rules#* }
  if [ -n "$extras" ]; then
    local tls
    tls=$(bash "$HERE/identity.sh" cert)
    IDENTITY_SMTP_PORT=$extras TLS_CERT=$tls/cert.pem TLS_KEY=$tls/key.pem \
      TCHAP_ACCESS_RULES=$access ID_SERVER=$id_server \
      "$VENV/bin/python" "$HERE/write_config.py" "$dir" "$port" "$secret"
  else
    TCHAP_ACCESS_RULES=$access ID_SERVER=$id_server \
      "$VENV/bin/python" "$HERE/write_config.py" "$dir" "$port" "$secret"
  fi
  echo "$port" > "$dir/port"
  echo "$extras" > "$dir/extras"
  echo "$rules" > "$dir/rules"
}

# True when the PID file names a live Synapse (not a recycled PID of something else).
running() {
  local pid
  pid=$(cat "$1/homeserver.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qa synapse.app.homeserver "/proc/$pid/cmdline" 2>/dev/null
}

answers() { curl -sf -m 1 "http://127.0.0.1:$1/_matrix/client/versions" >/dev/null; }

wait_ready() {
  local port=$1 dir=$2 seen=0 t0=$SECONDS
  while [ $((SECONDS - t0)) -lt 60 ]; do
    if answers "$port"; then return 0; fi
    # The PID file is empty until the daemon has forked: give up early only once the
    # process was seen and is gone, or if it never showed up within 10 s.
    if running "$dir"; then
      seen=1
    elif [ "$seen" = 1 ] || [ $((SECONDS - t0)) -ge 10 ]; then
      break
    fi
    sleep 0.3
  done
  echo "synapse.sh: Synapse did not answer on port $port; last log lines:" >&2
  tail -n 30 "$dir/homeserver.log" "$dir/start.out" >&2 2>/dev/null || true
  exit 1
}

start() {
  local fresh=${FRESH:-0}
  if [ "${1:-}" = --fresh ]; then fresh=1; shift; fi
  local name=${1:?usage: start [--fresh] NAME PORT} port=${2:?usage: start [--fresh] NAME PORT}
  local dir extras
  dir=$(dir_of "$name")
  # Unset (not empty) IDENTITY_SMTP_PORT keeps what the data was configured with, so a
  # plain restart (the offline test stops and starts the server) changes nothing.
  extras=${IDENTITY_SMTP_PORT-$(cat "$dir/extras" 2>/dev/null || true)}
  install
  if [ "$fresh" = 1 ]; then stop "$name"; rm -rf "$dir"; fi
  # Same for the access rules module and its identity server. New data gets the module;
  # data configured before the module existed has no rules file and keeps running
  # without it until started fresh.
  local old_rules="1 " rules
  if [ -f "$dir/rules" ]; then old_rules=$(cat "$dir/rules")
  elif [ -f "$dir/homeserver.yaml" ]; then old_rules="0 "; fi
  rules="${TCHAP_ACCESS_RULES-${old_rules%% *}} ${ID_SERVER-${old_rules#* }}"
  if running "$dir"; then
    local old
    old=$(cat "$dir/port")
    [ "$old" = "$port" ] || echo "synapse.sh: $name already runs on port $old (not $port)" >&2
    [ "$(cat "$dir/extras" 2>/dev/null)" = "$extras" ] ||
      echo "synapse.sh: $name runs with IDENTITY_SMTP_PORT='$(cat "$dir/extras" 2>/dev/null)'; restart it to change that" >&2
    [ "$(cat "$dir/rules" 2>/dev/null)" = "$rules" ] ||
      echo "synapse.sh: $name runs with TCHAP_ACCESS_RULES/ID_SERVER '$(cat "$dir/rules" 2>/dev/null)'; restart it to change that" >&2
    wait_ready "$old" "$dir"
    echo "synapse.sh: $name is already up at http://127.0.0.1:$old"
    return
  fi
  # Something else on the port would answer our readiness check in Synapse's place.
  ! answers "$port" || die "port $port already answers, and not as Synapse '$name'"
  if [ -n "$extras" ] && (exec 3<>/dev/tcp/127.0.0.1/8448) 2>/dev/null; then
    die "port 8448 is taken (another Synapse started with IDENTITY_SMTP_PORT?); stop it first"
  fi
  # First start, or the same data on another port or with other extras: (re)write the config.
  if [ ! -f "$dir/homeserver.yaml" ] || [ "$(cat "$dir/port" 2>/dev/null)" != "$port" ] ||
    [ "$(cat "$dir/extras" 2>/dev/null)" != "$extras" ] ||
    [ "$(cat "$dir/rules" 2>/dev/null)" != "$rules" ]; then
    configure "$dir" "$port" "$extras" "$rules"
  fi
  rm -f "$dir/homeserver.pid" # stale, since nothing runs
  # --daemonize forks once the config is loaded and writes pid_file; errors raised
  # before the fork land in start.out, later ones in homeserver.log.
  (cd "$dir" && "$VENV/bin/python" -m synapse.app.homeserver -c homeserver.yaml --daemonize \
    >"$dir/start.out" 2>&1) || { cat "$dir/start.out" >&2; die "Synapse failed to start"; }
  wait_ready "$port" "$dir"
  echo "synapse.sh: $name is up at http://127.0.0.1:$port"
}

stop() {
  local dir pid
  dir=$(dir_of "$1")
  running "$dir" || { rm -f "$dir/homeserver.pid"; return 0; }
  pid=$(cat "$dir/homeserver.pid")
  kill "$pid"
  for _ in $(seq 1 50); do # up to 10 s for a clean shutdown
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/homeserver.pid"; return 0; }
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/homeserver.pid"
}

configured() {
  local dir
  dir=$(dir_of "$1")
  [ -f "$dir/port" ] || die "no Synapse '$1' configured in $dir (run: synapse.sh start $1 PORT)"
}

case ${1:-} in
  install) install ;;
  start) shift; start "$@" ;;
  stop) stop "${2:?usage: stop NAME}" ;;
  url) configured "${2:?usage: url NAME}"; echo "http://127.0.0.1:$(cat "$(dir_of "$2")/port")" ;;
  secret) configured "${2:?usage: secret NAME}"; cat "$(dir_of "$2")/shared_secret" ;;
  *) die "usage: synapse.sh install | start [--fresh] NAME PORT | stop NAME | url NAME | secret NAME" ;;
esac
