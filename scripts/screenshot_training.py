"""Screenshot of training in progress on the default example: docs/images/training.png.

Run under Xvfb from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" python3 scripts/screenshot_training.py
The real worker thread trains (F5), so the picture is of the app as a person sees it
a few seconds into a run; curves differ slightly from one shot to the next.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "training.png"
SECONDS = 6.0  # of training before the picture


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # the default layout, not a saved one
    from PySide6.QtCore import Qt

    from bpstudio.session import DEFAULT_EXAMPLE, Session
    from bpstudio.ui.app import make_app
    from bpstudio.ui.main_window import MainWindow
    from bpstudio.ui.projects import Recovery

    app = make_app()
    window = MainWindow(
        Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(Path(tempfile.mkdtemp()))
    )
    window.resize(1600, 1000)
    window.show()
    window.model.load_data()
    settle(app, 1.0)
    training = window.docks["trainingDock"]
    training.raise_()
    plots = window.docks["trainingPlotsDock"]
    window.resizeDocks([plots], [430], Qt.Orientation.Vertical)
    window.resizeDocks([plots], [1150], Qt.Orientation.Horizontal)
    window.model.session.project.training["epochs"] = 2000  # still running at the picture
    window.train_actions["start"].trigger()
    settle(app, SECONDS)
    window.scene.select_ids(["fc2"])  # the editor's selection highlights fc2's curves
    settle(app, 1.5)
    window.grab().save(str(OUT))
    window.training_panel.shutdown()
    window.model.mark_saved()
    window.close()
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
