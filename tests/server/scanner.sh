#!/usr/bin/env bash
# A real content scanner for Chappe's tests: Element's matrix-content-scanner (PyPI),
# the service Tchap puts in front of its media repository, on 127.0.0.1 and pointed at
# a local Synapse. Its scan script is scan_eicar.sh (ClamAV signatures cannot be
# downloaded here): a file holding the EICAR test string is infected, others are clean.
#   scanner.sh install                      venv with the scanner, built from source
#                                           (idempotent; ~6 min the first time)
#   scanner.sh start NAME PORT HOMESERVER   start on 127.0.0.1:PORT, downloading media
#                                           from HOMESERVER (FRESH=1 wipes NAME's data)
#   scanner.sh stop NAME                    stop by PID file
#   scanner.sh url NAME                     base URL of the scanner (no trailing slash)
# Each NAME has its data in ${CHAPPE_CACHE}/scanner-NAME: config.yaml, request_secret
# (the Curve25519 key clients encrypt file keys to), scanner.log, scanner.pid, port, tmp/.
set -euo pipefail
CACHE=${CHAPPE_CACHE:-$HOME/.cache/chappe}
VENV=$CACHE/scanner-venv
VERSION=1.4.1
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "scanner.sh: $*" >&2; exit 1; }

# PyPI has only the source archive (no wheel), which builds a Rust extension
# (matrix-sdk-crypto, pyo3). Its Cargo.toml takes vodozemac from git, which cannot be
# fetched here: the same API is in vodozemac 0.10.0 on crates.io (insecure-pk-encryption
# feature), so the archive is built with that, and sha2 is re-resolved to the 0.10.9
# vodozemac 0.10.0 needs. Everything else keeps the archive's Cargo.lock.
install() {
  # The stamp is written last, so an interrupted install is redone from scratch.
  local stamp="$VENV/.installed-$VERSION"
  if [ -f "$stamp" ]; then return; fi
  command -v cargo >/dev/null || die "building the scanner needs cargo (https://rustup.rs)"
  echo "scanner.sh: building matrix-content-scanner $VERSION into $VENV (a few minutes)"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  local tmp
  tmp=$(mktemp -d)
  "$VENV/bin/pip" download -q --disable-pip-version-check --no-binary :all: --no-deps \
    -d "$tmp" "matrix-content-scanner==$VERSION"
  tar xzf "$tmp/matrix_content_scanner-$VERSION.tar.gz" -C "$tmp"
  local src=$tmp/matrix_content_scanner-$VERSION
  sed -i 's|^vodozemac = { git = "[^"]*",|vodozemac = { version = "=0.10.0",|' "$src/rust/Cargo.toml"
  grep -q '^vodozemac = { version = "=0.10.0"' "$src/rust/Cargo.toml" \
    || die "the archive's rust/Cargo.toml no longer names vodozemac as expected"
  (cd "$src" && cargo update -q -p sha2@0.10.8)
  # Its own target folder: the build is a one-off, and must not wait on (or evict)
  # the project's shared one.
  CARGO_TARGET_DIR=$tmp/target "$VENV/bin/pip" install -q --disable-pip-version-check "$src"
  rm -rf "$tmp"
  touch "$stamp"
}

dir_of() { echo "$CACHE/scanner-${1:?NAME missing}"; }

alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qa matrix_content_scanner "/proc/$pid/cmdline" 2>/dev/null
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  local dir=$1 port=$2 homeserver=$3
  cat >"$dir/config.yaml" <<EOF
web:
  host: 127.0.0.1
  port: $port
scan:
  script: $HERE/scan_eicar.sh
  temp_directory: $dir/tmp
download:
  base_homeserver_url: $homeserver
crypto:
  request_secret_path: $dir/request_secret
result_cache:
  max_size: 1024
  ttl: 1d
  # scan_eicar.sh exits 2 when it could not read the file: not a verdict to remember.
  exit_codes_to_ignore: [2]
EOF
}

start() {
  local name=${1:?usage: start NAME PORT HOMESERVER} port=${2:?PORT missing}
  local homeserver=${3:?HOMESERVER missing (e.g. http://127.0.0.1:18008)}
  local dir
  dir=$(dir_of "$name")
  install
  homeserver=${homeserver%/}
  if [ "${FRESH:-0}" = 1 ] || [ "$(cat "$dir/port" 2>/dev/null)" != "$port $homeserver" ]; then
    stop "$name"
    rm -rf "$dir"
  fi
  mkdir -p "$dir/tmp"
  # The scanner's private key: 32 random bytes, base64, made once per NAME.
  [ -s "$dir/request_secret" ] || python3 -c \
    'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' >"$dir/request_secret"
  write_config "$dir" "$port" "$homeserver"
  echo "$port $homeserver" >"$dir/port"
  if ! alive "$dir/scanner.pid"; then
    ! listening "$port" || die "port $port is already taken"
    (cd "$dir" && exec setsid "$VENV/bin/python" -m matrix_content_scanner.mcs -c "$dir/config.yaml" \
      >>"$dir/scanner.log" 2>&1 </dev/null) &
    echo $! >"$dir/scanner.pid"
  fi
  local t0=$SECONDS
  until curl -sf -m 1 "http://127.0.0.1:$port/_matrix/media_proxy/unstable/public_key" >/dev/null; do
    if [ $((SECONDS - t0)) -ge 30 ] || ! alive "$dir/scanner.pid"; then
      echo "scanner.sh: the scanner did not answer on port $port; last log lines:" >&2
      tail -n 30 "$dir/scanner.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  echo "scanner.sh: $name: content scanner http://127.0.0.1:$port -> $homeserver"
}

stop() {
  local dir pid
  dir=$(dir_of "$1")
  if alive "$dir/scanner.pid"; then
    pid=$(cat "$dir/scanner.pid")
    kill "$pid"
    for _ in $(seq 1 50); do # up to 5 s
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/scanner.pid"
}

case ${1:-} in
  install) install ;;
  start) shift; start "$@" ;;
  stop) stop "${2:?usage: stop NAME}" ;;
  url)
    f="$(dir_of "${2:?usage: url NAME}")/port"
    [ -f "$f" ] || die "no scanner '$2' (run: scanner.sh start $2 PORT HOMESERVER)"
    read -r p _ <"$f"
    echo "http://127.0.0.1:$p"
    ;;
  *) die "usage: scanner.sh install | start NAME PORT HOMESERVER | stop NAME | url NAME" ;;
esac
