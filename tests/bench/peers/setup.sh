#!/usr/bin/env bash
# Installs the peer clients Chappe's benchmark compares with (idempotent, quick when
# done): matrix-js-sdk into tests/bench/peers/js/node_modules (npm), matrix-nio with
# its end-to-end extra (vodozemac) into $CHAPPE_CACHE/nio-venv (PyPI).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${CHAPPE_CACHE:-$HOME/.cache/chappe}
NIO_VERSION=0.26.0

stamp=$HERE/js/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$HERE/js/package.json" -nt "$stamp" ]; then
  echo "bench peers: npm install matrix-js-sdk"
  (cd "$HERE/js" && npm install --no-audit --no-fund --loglevel=error)
fi

venv=$CACHE/nio-venv
if [ ! -f "$venv/.installed-$NIO_VERSION" ]; then
  echo "bench peers: installing matrix-nio $NIO_VERSION into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "matrix-nio[e2e]==$NIO_VERSION"
  touch "$venv/.installed-$NIO_VERSION"
fi
