#!/usr/bin/env bash
# Renders icon.svg (the only hand-made file here) into every size Tauri and its bundler
# use. The outputs are committed; run this after changing icon.svg:
#   bash icons/make_icons.sh
# Needs Debian's librsvg2-bin (rsvg-convert), icnsutils (png2icns) and imagemagick.
# Tauri's generate_context! only accepts RGBA PNGs: rsvg-convert always writes RGBA.
set -euo pipefail
cd "$(dirname "$0")"
for tool in rsvg-convert png2icns; do
  command -v "$tool" >/dev/null || { echo "make_icons: $tool missing" >&2; exit 1; }
done
# /usr/local/bin may shadow ImageMagick's convert with something else: use Debian's.
CONVERT=/usr/bin/convert
[ -x "$CONVERT" ] || CONVERT=convert

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render() { rsvg-convert --width "$1" --height "$1" --format png icon.svg --output "$2"; }

render 32 32x32.png
render 64 64x64.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png
# The tray's picture (embedded in the binary with include_image!, badge drawn on it).
render 64 tray.png

for px in 16 24 32 48 64 128 256 512 1024; do render "$px" "$tmp/$px.png"; done
# Windows: one .ico holding the sizes Explorer and the taskbar pick from.
"$CONVERT" "$tmp"/{16,24,32,48,64,256}.png icon.ico
# macOS: png2icns picks each image's slot from its size.
png2icns icon.icns "$tmp"/{16,32,128,256,512,1024}.png >/dev/null

file 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png tray.png | grep -v RGBA && {
  echo "make_icons: a PNG is not RGBA" >&2
  exit 1
}
echo "make_icons: wrote 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png tray.png icon.ico icon.icns"
