#!/usr/bin/env bash
# Regenerate every picture in docs/images/ from the real app, under a virtual X display.
#
#     scripts/docs-screenshots.sh
#
# scripts/screenshots.py: main-window.png, csv-preview.png, image-preview.png
# scripts/screenshot_viz.py: viz-*.png (the backprop views)
# scripts/screenshot_tools.py: tools-*.png (gradient check, learning rate, inference)
# scripts/guide_screenshots.py: guide-*.png, the pictures of docs/user-guide.md and README
# Needs xvfb-run (Debian/Ubuntu: apt install xvfb). Settings go to a temporary folder,
# so your own window layout and theme do not leak into the pictures. About a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
command -v xvfb-run >/dev/null || { echo "needs xvfb-run (apt install xvfb)" >&2; exit 2; }
unset QT_QPA_PLATFORM  # draw on the X server, with its fonts, not offscreen
export BPSTUDIO_THEME=light  # the pictures show the default look whatever the desktop
shoot() { xvfb-run -a -s "-screen 0 1920x1200x24" "$PY" "$@"; }

shoot scripts/screenshots.py
shoot scripts/screenshot_viz.py
shoot scripts/screenshot_tools.py
shoot scripts/guide_screenshots.py
ls -l docs/images/*.png
