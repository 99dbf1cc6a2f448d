#!/usr/bin/env bash
# Mail and a real identity server for Chappe's tests: invites by email, registration
# with email verification. Three processes per NAME, all on 127.0.0.1:
#   - smtp_sink.py: an SMTP server that writes every mail it gets (from Synapse and
#     sydent) as a JSON file in MAILDIR/new/, where tests read it;
#   - sydent (PyPI matrix-sydent), the reference identity server, on a plain-HTTP port;
#   - tls_proxy.py in front of sydent: Synapse only talks to identity servers over
#     https, so this https port (self-signed certificate) is the identity server's
#     address for everyone (`id_server` = 127.0.0.1:PROXY_PORT).
# Sydent checks OpenID tokens over federation at https://localhost:8448: start Synapse
# with IDENTITY_SMTP_PORT set (see synapse.sh) so that it listens there with TLS and
# sends its own mails to the sink.
#   identity.sh install                     venv with sydent + aiosmtpd (idempotent)
#   identity.sh cert                        self-signed cert for 127.0.0.1/localhost
#                                           (made once); prints its folder
#   identity.sh start NAME SMTP_PORT SYDENT_PORT PROXY_PORT
#                                           start all three (FRESH=1 wipes NAME's data)
#   identity.sh stop NAME                   stop all three by PID files
#   identity.sh url NAME | ca | maildir NAME   https URL of the identity server | path
#                                           of its PEM certificate | the mail folder
# Each NAME has its data in ${CHAPPE_CACHE}/identity-NAME: sydent.conf, sydent.db,
# *.log, *.pid, ports, mail/.
set -euo pipefail
CACHE=${CHAPPE_CACHE:-$HOME/.cache/chappe}
VENV=$CACHE/identity-venv
SYDENT_VERSION=2.6.1
AIOSMTPD_VERSION=1.4.6
TLS_DIR=$CACHE/tls
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "identity.sh: $*" >&2; exit 1; }

install() {
  # The stamp is written last, so an interrupted install is redone from scratch.
  local stamp="$VENV/.installed-sydent-$SYDENT_VERSION-aiosmtpd-$AIOSMTPD_VERSION"
  if [ -f "$stamp" ]; then return; fi
  echo "identity.sh: installing matrix-sydent $SYDENT_VERSION and aiosmtpd into $VENV"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  # Sydent imports prometheus_client unconditionally, hence the extra.
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "matrix-sydent[prometheus]==$SYDENT_VERSION" "aiosmtpd==$AIOSMTPD_VERSION"
  # The wheel lacks the mail templates (res/): take them from the source archive.
  local tmp
  tmp=$(mktemp -d)
  "$VENV/bin/pip" download -q --disable-pip-version-check --no-binary :all: --no-deps \
    -d "$tmp" "matrix-sydent==$SYDENT_VERSION"
  tar xzf "$tmp"/matrix_sydent-*.tar.gz -C "$tmp"
  mv "$tmp/matrix_sydent-$SYDENT_VERSION/res" "$VENV/sydent-res"
  rm -rf "$tmp"
  touch "$stamp"
}

# One certificate for every local TLS endpoint (this proxy, Synapse's 8448 listener).
# A leaf (CA:FALSE) rather than a CA: rustls refuses a CA certificate as a server's.
cert() {
  if [ ! -s "$TLS_DIR/cert.pem" ] || [ ! -s "$TLS_DIR/key.pem" ]; then
    mkdir -p "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
      -keyout "$TLS_DIR/key.pem.tmp" -out "$TLS_DIR/cert.pem.tmp" \
      -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
      -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth \
      2>/dev/null || die "openssl could not make a certificate"
    mv "$TLS_DIR/key.pem.tmp" "$TLS_DIR/key.pem"
    mv "$TLS_DIR/cert.pem.tmp" "$TLS_DIR/cert.pem"
  fi
}

dir_of() { echo "$CACHE/identity-${1:?NAME missing}"; }

# True when PIDFILE names a live process whose command line contains WORD.
alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qa "$2" "/proc/$pid/cmdline" 2>/dev/null
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts `CMD...` in the background (own session, so it survives make), logging to
# DIR/NAME.log, unless DIR/NAME.pid already names it.
spawn() {
  local dir=$1 name=$2 word=$3 port=$4
  shift 4
  if alive "$dir/$name.pid" "$word"; then return; fi
  ! listening "$port" || die "port $port is already taken (wanted for $name)"
  (cd "$dir" && exec setsid "$@" >>"$dir/$name.log" 2>&1 </dev/null) &
  echo $! >"$dir/$name.pid"
}

wait_port() {
  local dir=$1 name=$2 port=$3 t0=$SECONDS
  while [ $((SECONDS - t0)) -lt 30 ]; do
    listening "$port" && return 0
    sleep 0.1
  done
  echo "identity.sh: $name did not listen on port $port; last log lines:" >&2
  tail -n 30 "$dir/$name.log" >&2 || true
  exit 1
}

write_sydent_conf() {
  local dir=$1 smtp=$2 sydent=$3 proxy=$4 key=""
  # Sydent writes its generated signing key back into the file: keep it.
  [ -f "$dir/sydent.conf" ] && key=$(sed -n 's/^ed25519.signingkey = //p' "$dir/sydent.conf")
  cat >"$dir/sydent.conf" <<EOF
[general]
server.name = 127.0.0.1:$proxy
log.path = $dir/sydent.log
log.level = INFO
pidfile.path = $dir/sydent.pid
templates.path = $VENV/sydent-res
brand.default = matrix-org
ip.whitelist = 127.0.0.0/8

[db]
db.file = $dir/sydent.db

[http]
clientapi.http.bind_address = 127.0.0.1
clientapi.http.port = $sydent
federation.verifycerts = False
client_http_base = https://127.0.0.1:$proxy

[email]
email.smtphost = 127.0.0.1
email.smtpport = $smtp
email.tlsmode = 0
email.hostname = localhost
email.from = Chappe test identity server <noreply@localhost>
email.default_web_client_location = http://localhost
email.ratelimit_sender.burst = 1000000
email.ratelimit_sender.rate_hz = 100000

[crypto]
ed25519.signingkey = $key
EOF
}

start() {
  local name=${1:?usage: start NAME SMTP_PORT SYDENT_PORT PROXY_PORT}
  local smtp=${2:?SMTP_PORT missing} sydent=${3:?SYDENT_PORT missing} proxy=${4:?PROXY_PORT missing}
  local dir ports
  dir=$(dir_of "$name")
  install
  cert
  ports="$smtp $sydent $proxy"
  if [ "${FRESH:-0}" = 1 ] || [ "$(cat "$dir/ports" 2>/dev/null)" != "$ports" ]; then
    stop "$name"
    rm -rf "$dir"
  fi
  mkdir -p "$dir/mail"
  [ -f "$dir/sydent.conf" ] || write_sydent_conf "$dir" "$smtp" "$sydent" "$proxy"
  echo "$ports" >"$dir/ports"
  spawn "$dir" smtp_sink smtp_sink.py "$smtp" \
    "$VENV/bin/python" "$HERE/smtp_sink.py" "$smtp" "$dir/mail"
  spawn "$dir" sydent sydent.sydent "$sydent" \
    env SYDENT_CONF="$dir/sydent.conf" "$VENV/bin/python" -m sydent.sydent
  spawn "$dir" tls_proxy tls_proxy.py "$proxy" \
    "$VENV/bin/python" "$HERE/tls_proxy.py" "$proxy" "$sydent" "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem"
  wait_port "$dir" smtp_sink "$smtp"
  wait_port "$dir" sydent "$sydent"
  wait_port "$dir" tls_proxy "$proxy"
  curl -sf -m 5 --cacert "$TLS_DIR/cert.pem" "https://127.0.0.1:$proxy/_matrix/identity/v2" \
    >/dev/null || die "sydent does not answer through https://127.0.0.1:$proxy"
  echo "identity.sh: $name: identity server https://127.0.0.1:$proxy (sydent http://127.0.0.1:$sydent)," \
    "SMTP sink 127.0.0.1:$smtp -> $dir/mail/new, certificate $TLS_DIR/cert.pem"
}

stop() {
  local dir pid
  dir=$(dir_of "$1")
  for p in smtp_sink:smtp_sink.py sydent:sydent.sydent tls_proxy:tls_proxy.py; do
    local name=${p%%:*} word=${p#*:}
    if alive "$dir/$name.pid" "$word"; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid"
      for _ in $(seq 1 50); do # up to 5 s
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

configured() {
  [ -f "$(dir_of "$1")/ports" ] || die "no identity server '$1' (run: identity.sh start $1 ...)"
}

case ${1:-} in
  install) install ;;
  cert) cert; echo "$TLS_DIR" ;;
  start) shift; start "$@" ;;
  stop) stop "${2:?usage: stop NAME}" ;;
  url) configured "${2:?usage: url NAME}"; read -r _ _ p <"$(dir_of "$2")/ports"; echo "https://127.0.0.1:$p" ;;
  ca) cert; echo "$TLS_DIR/cert.pem" ;;
  maildir) configured "${2:?usage: maildir NAME}"; echo "$(dir_of "$2")/mail" ;;
  *) die "usage: identity.sh install | cert | start NAME SMTP_PORT SYDENT_PORT PROXY_PORT | stop NAME | url NAME | ca | maildir NAME" ;;
esac
