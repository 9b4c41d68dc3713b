"""Rasterise packaging/icons/bpstudio.svg into the icon files the bundles need.

    python3 packaging/make_icons.py

Writes packaging/icons/bpstudio-<N>.png for N in SIZES, bpstudio.ico (Windows) and
bpstudio.icns (macOS). Qt's SVG renderer draws the 512 px master (the SVG stays the
one source of the picture); Pillow scales it down with a Lanczos filter and writes the
ICO and ICNS containers.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from PIL import Image

ICONS = Path(__file__).resolve().parent / "icons"
SVG = ICONS / "bpstudio.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
MASTER = 1024  # render larger than the biggest PNG, so the downscale antialiases


def render_svg(path: Path, size: int) -> Image.Image:
    """The SVG drawn at ``size`` x ``size`` pixels as an RGBA Pillow image."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        raise SystemExit(f"{path}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return Image.open(io.BytesIO(bytes(buf.data()))).convert("RGBA")


def main() -> int:
    master = render_svg(SVG, MASTER)
    for n in SIZES:
        out = ICONS / f"bpstudio-{n}.png"
        master.resize((n, n), Image.Resampling.LANCZOS).save(out, optimize=True)
        print(f"wrote {out.name}")
    ico = ICONS / "bpstudio.ico"
    master.save(ico, sizes=[(n, n) for n in ICO_SIZES])
    print(f"wrote {ico.name}")
    icns = ICONS / "bpstudio.icns"
    master.save(icns)  # Pillow writes every ICNS size up to 1024 from the master
    print(f"wrote {icns.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
