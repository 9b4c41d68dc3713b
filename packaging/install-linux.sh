#!/usr/bin/env bash
# Install the bundle built by packaging/build.sh for the current user (no root):
#
#     packaging/install-linux.sh            (PREFIX defaults to ~/.local)
#
# The app goes to $PREFIX/opt/bpstudio, the command to $PREFIX/bin/bpstudio, and the
# desktop entry, icons, AppStream metadata and the .bpstudio file type to $PREFIX/share,
# so bpstudio appears in the desktop's application menu and opens project files.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIST="$HERE/../build/dist/bpstudio"
PREFIX="${PREFIX:-$HOME/.local}"
ID=org.bpstudio.bpstudio
[ -x "$DIST/bpstudio" ] || { echo "no bundle at $DIST: run packaging/build.sh first" >&2; exit 2; }

rm -rf "$PREFIX/opt/bpstudio"
mkdir -p "$PREFIX/opt" "$PREFIX/bin"
cp -a "$DIST" "$PREFIX/opt/bpstudio"
ln -sf "$PREFIX/opt/bpstudio/bpstudio" "$PREFIX/bin/bpstudio"

SHARE="$PREFIX/share"
for n in 16 24 32 48 64 128 256 512; do
    install -Dm644 "$HERE/icons/bpstudio-$n.png" "$SHARE/icons/hicolor/${n}x${n}/apps/$ID.png"
done
install -Dm644 "$HERE/icons/bpstudio.svg" "$SHARE/icons/hicolor/scalable/apps/$ID.svg"
sed "s|^Exec=bpstudio|Exec=$PREFIX/bin/bpstudio|" "$HERE/$ID.desktop" \
    | install -Dm644 /dev/stdin "$SHARE/applications/$ID.desktop"
install -Dm644 "$HERE/$ID.metainfo.xml" "$SHARE/metainfo/$ID.metainfo.xml"
install -Dm644 "$HERE/$ID.mime.xml" "$SHARE/mime/packages/$ID.xml"

# refresh the desktop's caches where the tools exist (they are optional)
command -v update-mime-database >/dev/null && update-mime-database "$SHARE/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$SHARE/icons/hicolor" || true
echo "installed: $PREFIX/bin/bpstudio (and the menu entry $ID)"
