"""Regenerate the screenshots in docs/images from the real app.

Run under a virtual display:
    xvfb-run -a -s "-screen 0 1600x1000x24" python3 scripts/screenshots.py

Saves main-window.png (the default example), csv-preview.png (iris.csv opened in the
dataset panel) and image-preview.png (the digits image folder). Settings and the
recovery file go to a temporary folder, so a saved window layout does not leak in.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
DATASETS = ROOT / "resources" / "datasets"
SIZE = (1600, 1000)


def settle(window, ms: int = 400) -> None:
    """Let loading finish and the window repaint."""
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + 60
    while window.model.loading and time.monotonic() < deadline:
        QTest.qWait(20)
    QTest.qWait(ms)


def shoot(window, name: str) -> None:
    path = OUT / name
    window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def show_dataset(window) -> None:
    """Give the dataset panel the whole right column: the other panels are closed, as a
    person would to look at the data."""
    from PySide6.QtCore import Qt

    for name, dock in window.docks.items():
        if name not in ("paletteDock", "inspectorDock", "datasetDock"):
            dock.hide()
    dock = window.docks["datasetDock"]
    window.resizeDocks([dock], [620], Qt.Orientation.Horizontal)
    window.view.fit()


def main() -> int:
    from PySide6.QtCore import QSettings, QStandardPaths

    from bpstudio.session import DEFAULT_EXAMPLE, Session
    from bpstudio.ui.app import make_app
    from bpstudio.ui.main_window import MainWindow
    from bpstudio.ui.projects import Recovery

    tmp = Path(tempfile.mkdtemp(prefix="bpstudio-shots-"))
    app = make_app()
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    OUT.mkdir(parents=True, exist_ok=True)

    window = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp / "rec"))
    window.resize(*SIZE)
    window.show()
    window.model.load_data()
    settle(window)
    window.view.fit()
    window.scene.select_ids(["fc1"])  # the inspector then shows a layer's parameters
    settle(window)
    shoot(window, "main-window.png")

    show_dataset(window)
    window.dataset_panel.open_path(str(DATASETS / "iris.csv"))
    settle(window)
    shoot(window, "csv-preview.png")

    window.dataset_panel.open_path(str(DATASETS / "digits"))
    settle(window, 800)
    shoot(window, "image-preview.png")

    window.model.mark_saved()  # nothing to ask on close
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
