#!/usr/bin/env bash
# What can be checked here of the installers that only GitHub's Windows and macOS
# runners can build: the release workflow against GitHub's workflow schema (the copy
# check-jsonschema ships, no network), what it must do (MSI + NSIS with and without the
# WebView2 offline installer, a universal DMG, signing hooks from secrets, every local
# file it names present); tauri.conf.json, alone and merged with the WebView2-offline
# variant, against the tauri CLI's own config schema (node_modules/@tauri-apps/cli);
# the pinned WiX upgradeCode and per-machine installs; the icons every bundle needs,
# drawn from icons/icon.svg and up to date; and the CLI wrapper's path rebasing.
# Ends with "workflow: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
LINT_VENV=${CHAPPE_CACHE:-$HOME/.cache/chappe}/lint-venv
CHECK=$LINT_VENV/bin/check-jsonschema
SCHEMA=ui/node_modules/@tauri-apps/cli/config.schema.json
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "PASS $1"; }
ko() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
check() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else ko "$name" "$(tail -n 8 <<<"$out")"; fi
}
[ -x "$CHECK" ] || { echo "workflow: $CHECK missing (run: make setup)" >&2; exit 2; }
[ -f "$SCHEMA" ] || { echo "workflow: $SCHEMA missing (run: cd ui && npm install)" >&2; exit 2; }

check "release.yml is a valid GitHub Actions workflow (schema)" \
  "$CHECK" --builtin-schema vendor.github-workflows .github/workflows/release.yml
# The schema's patterns are ECMAScript regexes that the default checker refuses; Python's
# re reads them the same way.
check "tauri.conf.json is valid for tauri-cli $(node -p "require('./ui/node_modules/@tauri-apps/cli/package.json').version")" \
  "$CHECK" --format-regex python --schemafile "$SCHEMA" tauri.conf.json
node -e '
  const fs = require("fs");
  // The CLI merges --config files as JSON merge patches (RFC 7396).
  const merge = (a, b) => {
    if (b === null || typeof b !== "object" || Array.isArray(b)) return b;
    const out = (a && typeof a === "object" && !Array.isArray(a)) ? { ...a } : {};
    for (const [k, v] of Object.entries(b)) { if (v === null) delete out[k]; else out[k] = merge(out[k], v); }
    return out;
  };
  const base = JSON.parse(fs.readFileSync("tauri.conf.json", "utf8"));
  const offline = JSON.parse(fs.readFileSync("packaging/windows/webview2-offline.conf.json", "utf8"));
  fs.writeFileSync(process.argv[1], JSON.stringify(merge(base, offline), null, 2));
' "$WORK/offline.json"
check "tauri.conf.json + the WebView2-offline variant is valid too" \
  "$CHECK" --format-regex python --schemafile "$SCHEMA" "$WORK/offline.json"

# What the workflow and the config must say (read with the YAML parser check-jsonschema
# comes with).
"$LINT_VENV/bin/python" - "$WORK/offline.json" <<'EOF' >"$WORK/semantic.txt" 2>&1
import json, os, re, sys
from ruamel.yaml import YAML

wf = YAML(typ="safe").load(open(".github/workflows/release.yml"))
conf = json.load(open("tauri.conf.json"))
offline = json.load(open(sys.argv[1]))
results = []

def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))

jobs = wf["jobs"]
def steps(job):
    return jobs[job]["steps"]
def action_steps(job, prefix):
    return [s for s in steps(job) if str(s.get("uses", "")).startswith(prefix)]
def tauri_args(job):
    return [s.get("with", {}).get("args", "") for s in action_steps(job, "tauri-apps/tauri-action@")]

check("a job per platform: windows, macos, linux",
      {"windows", "macos", "linux"} <= set(jobs),
      str(list(jobs)))
check("windows, macos and linux run on their own runners",
      jobs["windows"]["runs-on"].startswith("windows")
      and jobs["macos"]["runs-on"].startswith("macos")
      and jobs["linux"]["runs-on"].startswith("ubuntu"))
for job in ("windows", "macos", "linux"):
    tauri = action_steps(job, "tauri-apps/tauri-action@")
    check(f"{job}: builds with tauri-action (a pinned major version) through packaging/tauri-cli.mjs",
          tauri and all(re.fullmatch(r"tauri-apps/tauri-action@v\d+", s["uses"]) for s in tauri)
          and all(s.get("with", {}).get("tauriScript") == "node packaging/tauri-cli.mjs" for s in tauri),
          str(tauri))
win = tauri_args("windows")
check("windows: MSI and NSIS, once with the WebView2 offline installer",
      any("--bundles msi,nsis" in a and "webview2-offline" not in a for a in win)
      and any("--bundles msi,nsis" in a and "--config packaging/windows/webview2-offline.conf.json" in a for a in win),
      str(win))
check("windows: signs with the certificate from the secrets when it is set",
      "secrets.WINDOWS_CERTIFICATE" in json.dumps(jobs["windows"].get("env", {}))
      and any("Import-PfxCertificate" in s.get("run", "") and "certificateThumbprint" in s.get("run", "")
              and s.get("if") == "env.WINDOWS_CERTIFICATE != ''" for s in steps("windows"))
      and all("${{ env.SIGN_ARGS }}" in a for a in win))
mac = tauri_args("macos")
check("macos: a universal DMG",
      any("--target universal-apple-darwin" in a and "dmg" in a for a in mac), str(mac))
mac_env = json.dumps([s.get("env", {}) for s in steps("macos")])
check("macos: signing and notarization secrets handed to the CLI",
      all(f"secrets.{k}" in mac_env for k in ("APPLE_CERTIFICATE", "APPLE_CERTIFICATE_PASSWORD",
          "APPLE_SIGNING_IDENTITY", "APPLE_ID", "APPLE_PASSWORD", "APPLE_TEAM_ID")))
check("macos: both Apple targets installed for the universal binary",
      any("aarch64-apple-darwin" in str(s.get("with", {}).get("targets", ""))
          and "x86_64-apple-darwin" in str(s.get("with", {}).get("targets", "")) for s in steps("macos")))
check("linux: deb and rpm", any("--bundles deb,rpm" in a for a in tauri_args("linux")))
check("every job builds the UI before bundling (frontendDist)",
      all(any("npm run build" in s.get("run", "") for s in steps(j)) for j in jobs))
local_paths = set(re.findall(r"packaging/[\w./-]+", open(".github/workflows/release.yml").read()))
missing = [p for p in local_paths if not os.path.exists(p.rstrip("."))]
check("every packaging/ file the workflow names exists", local_paths and not missing, str(missing))
check("tag pushes draft a release; manual runs do not",
      "tags" in wf[True]["push"] if True in wf else "tags" in wf["on"]["push"])

b = conf["bundle"]
check("bundle targets: deb, rpm, msi, nsis, app, dmg",
      set(b["targets"]) >= {"deb", "rpm", "msi", "nsis", "app", "dmg"}, str(b["targets"]))
code = b["windows"]["wix"].get("upgradeCode", "")
check("the MSI's upgradeCode is pinned (a GUID)",
      re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}", code), code)
check("NSIS installs per machine (the WiX MSI always does)",
      b["windows"]["nsis"].get("installMode") == "perMachine")
check("WebView2: bootstrapper by default, offline installer in the variant",
      b["windows"]["webviewInstallMode"]["type"] == "downloadBootstrapper"
      and offline["bundle"]["windows"]["webviewInstallMode"]["type"] == "offlineInstaller")
check("matrix: and chappe: schemes registered (deep-link)",
      conf["plugins"]["deep-link"]["desktop"]["schemes"] == ["matrix", "chappe"])
check("the desktop entry template passes the link (%u)",
      "Exec={{exec}} %u" in open(b["linux"]["deb"]["desktopTemplate"]).read()
      and b["linux"]["rpm"]["desktopTemplate"] == b["linux"]["deb"]["desktopTemplate"])
icons = b["icon"]
check("the bundle's icons exist: PNGs for Linux, .ico for Windows, .icns for macOS",
      all(os.path.exists(i) for i in icons)
      and any(i.endswith(".ico") for i in icons) and any(i.endswith(".icns") for i in icons)
      and any(i.endswith("32x32.png") for i in icons),
      str([i for i in icons if not os.path.exists(i)]))

for name, ok, detail in results:
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + detail))
EOF
while IFS= read -r line; do
  case $line in
    "PASS "*) ok "${line#PASS }" ;;
    "FAIL "*) ko "${line#FAIL }" ;;
    *) [ -n "$line" ] && ko "workflow checks" "$line" ;;
  esac
done <"$WORK/semantic.txt"

# The icons: every size the bundles use, drawn from icon.svg, as committed.
icons_fresh() {
  mkdir -p "$WORK/icons"
  cp icons/icon.svg icons/make_icons.sh "$WORK/icons/"
  bash "$WORK/icons/make_icons.sh" >/dev/null || return 1
  local f
  for f in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png tray.png icon.ico icon.icns; do
    cmp -s "$WORK/icons/$f" "icons/$f" || { echo "icons/$f differs from what make_icons.sh draws from icon.svg"; return 1; }
  done
}
check "icons/ are what make_icons.sh draws from icon.svg (run it after changing the SVG)" icons_fresh
icon_sizes() {
  local ico icns
  ico=$(identify -format '%w ' icons/icon.ico)
  for s in 16 24 32 48 64 256; do grep -qw "$s" <<<"$ico" || { echo "icon.ico lacks ${s}px: $ico"; return 1; }; done
  icns=$(icns2png -l icons/icon.icns 2>&1)
  for s in 16x16 32x32 128x128 256x256 512x512 1024x1024; do
    grep -q "$s" <<<"$icns" || { echo "icon.icns lacks $s"; return 1; }
  done
}
check "icon.ico has 16–256 px (Explorer, taskbar, installer), icon.icns 16–1024 px (Finder, Dock)" icon_sizes

check "packaging/tauri-cli.mjs rebases the root config's paths for the CLI" \
  node --test tests/package/tauri-cli.test.mjs

echo "workflow: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
