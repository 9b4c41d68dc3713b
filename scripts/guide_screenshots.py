"""Regenerate the user guide's pictures (docs/images/guide-*.png) from the real app.

Run under a virtual display (scripts/docs-screenshots.sh does):
    xvfb-run -a -s "-screen 0 1920x1200x24" python3 scripts/guide_screenshots.py

Each picture follows a step of docs/user-guide.md: the first start with the Welcome
panel, the example gallery, the spiral after training, one batch in Backprop steps,
a CSV of your own (wine.csv) fitted and trained, the digits image classifier with its
confusion matrix, the gradient plots of a network whose gradients vanish, and the dark
theme. The window is built as ``bpstudio`` builds it (MainWindow + first-run parts),
with settings in a temporary folder so nothing of yours leaks in.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
DATASETS = ROOT / "resources" / "datasets"
SIZE = (1800, 1120)


def wait(ms: int) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(ms)


def settle(window, ms: int = 500) -> None:
    """Let data loading finish and the window repaint."""
    deadline = time.monotonic() + 60
    while window.model.loading and time.monotonic() < deadline:
        wait(20)
    wait(ms)


def shoot(widget, name: str) -> None:
    path = OUT / name
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def train(window, epochs: int) -> None:
    """Start (F5) with ``epochs`` epochs and wait for the run to end."""
    window.model.session.project.training["epochs"] = epochs
    window.training_panel.form.load()
    window.train_actions["start"].trigger()
    runner = window.training_panel.runner
    deadline = time.monotonic() + 300
    wait(200)
    while runner.state != "idle" and time.monotonic() < deadline:
        wait(50)
    wait(800)  # the plots repaint from a timer


def evaluate(window) -> None:
    """Evaluation > Evaluate; a failure is printed (the picture is still taken)."""
    raise_dock(window, "evaluationDock")
    try:
        window.viz.evaluation.evaluate()
    except Exception as exc:  # a bug to report, not a reason to lose every picture
        print(f"Evaluate failed: {type(exc).__name__}: {exc}")
    wait(500)


def raise_dock(window, name: str) -> None:
    dock = window.docks[name]
    dock.show()
    dock.raise_()


def make_window(tmp: Path):
    from bpstudio.session import DEFAULT_EXAMPLE, Session
    from bpstudio.ui.main_window import MainWindow
    from bpstudio.ui.projects import Recovery
    from bpstudio.ui.welcome import install_first_run

    window = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp / "rec"))
    window.resize(*SIZE)
    install_first_run(window)
    window.show()
    window.model.load_data()
    settle(window, 800)
    window.view.fit()
    return window


def first_run(window) -> None:
    shoot(window, "guide-welcome.png")
    from bpstudio.ui.examples_dialog import ExampleGallery

    gallery = ExampleGallery(window)
    gallery.show()
    wait(300)
    shoot(gallery, "guide-gallery.png")
    gallery.reject()
    window.welcome.dismiss()


def spiral(window) -> None:
    train(window, 150)
    raise_dock(window, "trainingPlotsDock")
    raise_dock(window, "decisionBoundaryDock")
    evaluate(window)  # the confusion matrix beside the plots
    window.view.fit()
    wait(300)
    shoot(window, "guide-trained.png")
    shoot(window.docks["trainingPlotsDock"], "guide-plots.png")
    raise_dock(window, "backpropStepsDock")
    steps = window.viz.steps
    steps.new_batch()
    for _ in range(3):  # forward, loss, backward
        steps.next()
        wait(100)
    wait(400)
    shoot(window.docks["backpropStepsDock"], "guide-steps.png")
    steps.reset()


def own_csv(window) -> None:
    panel = window.dataset_panel
    panel.open_path(str(DATASETS / "wine.csv"))  # the Input and output then fit the data
    settle(window)
    panel.normalize.setCurrentText("standard")  # as the guide says: wine's columns differ
    panel.apply()
    settle(window)
    window.view.fit()
    wait(300)
    shoot(window.docks["datasetDock"], "guide-csv.png")
    train(window, 40)
    evaluate(window)
    shoot(window, "guide-csv-trained.png")


def digits(window) -> None:
    window.open_example("digits", ask=False)
    settle(window, 800)
    window.view.fit()
    train(window, 10)
    evaluate(window)
    shoot(window, "guide-digits.png")


def vanishing(window) -> None:
    window.open_example("deep_sigmoid", ask=False)
    settle(window, 800)
    window.view.fit()
    train(window, 30)
    raise_dock(window, "diagnosisDock")
    window.viz.diagnosis.diagnose_now()
    wait(600)
    shoot(window, "guide-vanishing.png")


def dark(window) -> None:
    from PySide6.QtWidgets import QApplication

    from bpstudio.ui.theme import apply_theme

    window.open_example("spiral", ask=False)
    settle(window, 800)
    apply_theme(QApplication.instance(), "dark")
    window.view.fit()
    wait(500)
    shoot(window, "guide-dark.png")
    apply_theme(QApplication.instance(), "light")


def main() -> int:
    from PySide6.QtCore import QSettings, QStandardPaths

    from bpstudio.ui.app import make_app

    tmp = Path(tempfile.mkdtemp(prefix="bpstudio-guide-"))
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    app = make_app()
    OUT.mkdir(parents=True, exist_ok=True)
    window = make_window(tmp)
    if getattr(window, "training_panel", None) is None:
        print("the main window has no training panel: only the first-run pictures")
        first_run(window)
    else:
        for step in (first_run, spiral, own_csv, digits, vanishing, dark):
            step(window)
            window.model.mark_saved()  # nothing to ask when the next one opens
    window.model.mark_saved()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
