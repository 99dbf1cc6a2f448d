#!/usr/bin/env bash
# The Linux installers as an admin deploys them: builds the .deb and .rpm with the
# tauri CLI (debug profile: the same bundles, built much faster), reads what they hold
# and depend on, installs the .deb with dpkg (as root), checks the installed desktop
# entry (name, icon, `Exec=chappe %u`, matrix: and chappe: URL schemes) and that the
# system now hands matrix: links to Chappe, launches the installed /usr/bin/chappe
# with a clean environment on a virtual screen and checks its window, hands it a link
# from a second launch (single instance), then removes the package.
#
# Env: CARGO_TARGET_DIR (default ~/.cache/chappe/target); PACKAGE_SKIP_BUILD=1 reuses
# the bundles already built; SHOTS (default target/package) for the screenshot.
# Ends with "package: N passed, M failed"; exit code 1 when anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chappe/target}
SHOTS=${SHOTS:-target/package}
mkdir -p "$SHOTS"
WORK=$(mktemp -d)
passed=0
failed=0
installed=
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$installed" ]; then $SUDO dpkg -r chappe >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "PASS $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
# check NAME COMMAND...: one named check, passed when the command succeeds.
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else ko "$name" "$(tail -n 5 <<<"$out")"; fi
}
finish() {
  echo "package: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# dpkg -i and -r need root: CI runs as root, a developer through sudo.
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "package: installing the .deb needs root or sudo" >&2; exit 2; }
  SUDO=sudo
fi
for tool in node dpkg-deb ar xz rpm desktop-file-validate xdg-mime Xvfb xdotool dbus-run-session convert; do
  command -v "$tool" >/dev/null || { echo "package: $tool missing (run: make setup)" >&2; exit 2; }
done

# --- Build -------------------------------------------------------------------------
BUNDLE=$CARGO_TARGET_DIR/debug/bundle
if [ -z "${PACKAGE_SKIP_BUILD:-}" ]; then
  [ -f ui/dist/index.html ] || (cd ui && npm run build)
  rm -rf "$BUNDLE/deb" "$BUNDLE/rpm"
  start=$(date +%s)
  if nice node packaging/tauri-cli.mjs build --debug --bundles deb,rpm --ci >"$WORK/build.log" 2>&1; then
    ok "tauri build --debug --bundles deb,rpm ($(( $(date +%s) - start )) s)"
  else
    ko "tauri build --debug --bundles deb,rpm" "$(tail -n 30 "$WORK/build.log")"
    finish
  fi
fi
DEB=$(ls -t "$BUNDLE"/deb/*.deb 2>/dev/null | head -n 1)
RPM=$(ls -t "$BUNDLE"/rpm/*.rpm 2>/dev/null | head -n 1)
[ -n "$DEB" ] || { ko "a .deb was made in $BUNDLE/deb"; finish; }
[ -n "$RPM" ] && ok "a .rpm was made: $(basename "$RPM")" || ko "a .rpm was made in $BUNDLE/rpm"
echo "  $(basename "$DEB"), $(du -h "$DEB" | cut -f1)"

# --- What the packages hold and need -----------------------------------------------
deb_has_fields() {
  [ "$(dpkg-deb -f "$DEB" Package)" = chappe ] || { echo "Package: $(dpkg-deb -f "$DEB" Package)"; return 1; }
  local depends
  depends=$(dpkg-deb -f "$DEB" Depends)
  for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
    grep -q "$dep" <<<"$depends" || { echo "Depends lacks $dep: $depends"; return 1; }
  done
}
check "the .deb is 'chappe' and depends on WebKitGTK, GTK and the tray library" deb_has_fields

# packaging/tauri-cli.mjs recompresses the bundler's gzip data with xz; dpkg must still
# read it (it is installed below).
deb_is_xz() {
  local members
  members=$(ar t "$DEB" | tr '\n' ' ')
  [ "$members" = "debian-binary control.tar.gz data.tar.xz " ] || { echo "members: $members"; return 1; }
}
check "the .deb's data is xz-compressed (debian-binary, control.tar.gz, data.tar.xz)" deb_is_xz

deb_has_files() {
  local files
  files=$(dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's|^\./||')
  for f in usr/bin/chappe usr/share/applications/Chappe.desktop \
    usr/share/icons/hicolor/32x32/apps/chappe.png usr/share/icons/hicolor/128x128/apps/chappe.png \
    usr/share/icons/hicolor/512x512/apps/chappe.png; do
    grep -qxF "$f" <<<"$files" || { echo "missing $f"; return 1; }
  done
}
check "the .deb holds the binary, the desktop entry and the icons" deb_has_files

rpm_ok() {
  [ -n "$RPM" ] || return 1
  local files requires
  files=$(rpm -qlp "$RPM" 2>/dev/null)
  requires=$(rpm -qp --requires "$RPM" 2>/dev/null)
  for f in /usr/bin/chappe /usr/share/applications/Chappe.desktop /usr/share/icons/hicolor/128x128/apps/chappe.png; do
    grep -qxF "$f" <<<"$files" || { echo "rpm lacks $f"; return 1; }
  done
  grep -q "libwebkit2gtk-4.1.so.0" <<<"$requires" || { echo "rpm requires: $requires"; return 1; }
  grep -q "libayatana-appindicator3.so.1" <<<"$requires" || { echo "rpm requires: $requires"; return 1; }
  local desktop
  mkdir -p "$WORK/rpmx"
  rpm -K --nosignature "$RPM" | grep -q "digests OK" || { echo "rpm digests: $(rpm -K --nosignature "$RPM")"; return 1; }
  # Debian's rpm2cpio (4.18) writes the whole archive of the bundler's rpm but exits 1:
  # what it wrote is checked instead.
  rpm2cpio "$RPM" >"$WORK/rpm.cpio" 2>/dev/null || true
  (cd "$WORK/rpmx" && cpio -idm --quiet '*/Chappe.desktop' <"$WORK/rpm.cpio") || return 1
  desktop=$(cat "$WORK/rpmx/usr/share/applications/Chappe.desktop")
  grep -q "^Exec=chappe %u$" <<<"$desktop" || { echo "rpm desktop entry: $desktop"; return 1; }
}
check "the .rpm holds the same files, the same desktop entry, and requires WebKitGTK and the tray library" rpm_ok

# --- Install the .deb --------------------------------------------------------------
if dpkg -s chappe >/dev/null 2>&1; then
  ko "no chappe package installed before the test" "$(dpkg -s chappe | grep -E '^(Status|Version)')"
  finish
fi
if $SUDO dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1; then
  installed=1
  ok "dpkg -i $(basename "$DEB")"
else
  ko "dpkg -i $(basename "$DEB")" "$(tail -n 10 "$WORK/dpkg.log")"
  $SUDO dpkg -r chappe >/dev/null 2>&1 || true
  finish
fi
check "dpkg says it is installed" bash -c "dpkg -s chappe | grep -qx 'Status: install ok installed'"
check "/usr/bin/chappe is the installed program" bash -c "dpkg -S /usr/bin/chappe | grep -q '^chappe:' && [ -x /usr/bin/chappe ]"

ENTRY=/usr/share/applications/Chappe.desktop
check "the desktop entry is valid (desktop-file-validate)" desktop-file-validate "$ENTRY"
entry_fields() {
  local want
  for want in "Name=Chappe" "Icon=chappe" "Exec=chappe %u" "Type=Application" "Terminal=false"; do
    grep -qxF "$want" "$ENTRY" || { echo "no line '$want' in:"; cat "$ENTRY"; return 1; }
  done
  local mime
  mime=$(grep '^MimeType=' "$ENTRY")
  for scheme in x-scheme-handler/matrix x-scheme-handler/chappe; do
    grep -q "$scheme" <<<"$mime" || { echo "MimeType lacks $scheme: $mime"; return 1; }
  done
}
check "the desktop entry: Name, Icon, Exec with %u, matrix: and chappe: schemes" entry_fields
check "the icon it names is installed (hicolor 128x128 PNG)" bash -c \
  "identify -format '%wx%h %m' /usr/share/icons/hicolor/128x128/apps/chappe.png | grep -qx '128x128 PNG'"
# desktop-file-utils' dpkg trigger rebuilt the MIME cache: the system now knows which
# program takes matrix: links.
check "matrix: links go to Chappe (xdg-mime query default)" bash -c \
  "[ \"\$(XDG_DATA_DIRS=/usr/share xdg-mime query default x-scheme-handler/matrix)\" = Chappe.desktop ]"
check "chappe: links go to Chappe (xdg-mime query default)" bash -c \
  "[ \"\$(XDG_DATA_DIRS=/usr/share xdg-mime query default x-scheme-handler/chappe)\" = Chappe.desktop ]"

# --- Launch the installed program --------------------------------------------------
DISPLAY_NUM=
for n in $(seq 160 220); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then DISPLAY_NUM=$n; break; fi
done
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
mkdir -p "$WORK/home"
# A clean environment: PATH without the build tree, a fresh HOME and data folder, its
# own session bus (so no other Chappe on this machine answers as the single instance).
cat >"$WORK/session.sh" <<'EOF'
set -u
/usr/bin/chappe >"$WORK/app.log" 2>&1 &
app=$!
echo "$app" >"$WORK/app.pid"
for _ in $(seq 1 120); do
  win=$(xdotool search --onlyvisible --name '^Chappe' 2>/dev/null | head -n 1)
  [ -n "$win" ] && break
  sleep 0.5
done
[ -n "${win:-}" ] || { echo "no window"; exit 10; }
echo "window $win pid $(xdotool getwindowpid "$win" 2>/dev/null) name '$(xdotool getwindowname "$win")'" >"$WORK/window.txt"
# Let the webview draw its first screen.
sleep 8
import -window root "$SHOT" 2>/dev/null || xwd -root -silent | convert xwd:- "$SHOT"
# A link clicked elsewhere: the desktop starts chappe again with it; the running one
# takes it and the second process exits.
start=$(date +%s%N)
timeout 20 /usr/bin/chappe 'matrix:r/forum:localhost' >"$WORK/second.log" 2>&1
echo "$? $(( ($(date +%s%N) - start) / 1000000 ))" >"$WORK/second.txt"
sleep 1
kill -0 "$app" 2>/dev/null && echo alive >"$WORK/alive.txt"
kill "$app"
wait "$app" 2>/dev/null
exit 0
EOF
SHOT=$SHOTS/deb-installed-window.png
env -i PATH=/usr/bin:/bin HOME="$WORK/home" DISPLAY=":$DISPLAY_NUM" WORK="$WORK" SHOT="$SHOT" \
  CHAPPE_DATA_DIR="$WORK/data" WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 LANG=C.UTF-8 \
  timeout 120 dbus-run-session -- bash "$WORK/session.sh" >"$WORK/session.log" 2>&1
status=$?
window_ok() {
  [ -s "$WORK/window.txt" ] || { echo "status $status; $(cat "$WORK/session.log")"; tail -n 20 "$WORK/app.log"; return 1; }
  local pid
  pid=$(awk '{print $4}' "$WORK/window.txt")
  [ "$pid" = "$(cat "$WORK/app.pid")" ] || { echo "window of pid $pid, app pid $(cat "$WORK/app.pid")"; return 1; }
  cat "$WORK/window.txt"
}
check "the installed /usr/bin/chappe opens its window (clean PATH, fresh HOME, Xvfb)" window_ok
screenshot_ok() {
  [ -s "$SHOT" ] || { echo "no screenshot"; return 1; }
  # A blank or black window has a handful of colours; the login screen has hundreds.
  local colours
  colours=$(convert "$SHOT" -format %k info:)
  [ "$colours" -gt 50 ] || { echo "only $colours colours in $SHOT"; return 1; }
  echo "$colours colours"
}
check "the window shows the app (screenshot $SHOT)" screenshot_ok
second_ok() {
  read -r code ms <"$WORK/second.txt" || { echo "no second launch"; return 1; }
  [ "$code" = 0 ] || { echo "second launch exited $code"; cat "$WORK/second.log"; return 1; }
  [ -s "$WORK/alive.txt" ] || { echo "the first instance died"; return 1; }
  echo "second launch exited in $ms ms"
}
check "a second launch with a matrix: link hands it over and exits; the first keeps running" second_ok
grep -q "room link from a second launch" "$WORK/app.log" \
  && ok "the running app received the link" \
  || ko "the running app received the link" "$(tail -n 10 "$WORK/app.log")"

# --- Remove ------------------------------------------------------------------------
if $SUDO dpkg -r chappe >"$WORK/dpkg-r.log" 2>&1; then
  installed=
  check "dpkg -r removes it: no /usr/bin/chappe, no desktop entry" bash -c "[ ! -e /usr/bin/chappe ] && [ ! -e $ENTRY ]"
else
  ko "dpkg -r chappe" "$(tail -n 5 "$WORK/dpkg-r.log")"
fi
finish
