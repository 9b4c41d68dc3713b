"""Screenshots of the backprop views into docs/images/viz-*.png.

Run under Xvfb from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" python3 scripts/screenshot_viz.py
Training runs synchronously here (no worker thread), so the pictures are reproducible.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.engine.trainer import EpochEvent
from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"
SINE_GRAPH = {
    "nodes": [
        {"id": "x", "op": "Input", "params": {"shape": [1]}, "pos": [0, 0]},
        {"id": "fc1", "op": "Dense", "params": {"units": 32}, "pos": [0, 100]},
        {"id": "act1", "op": "Tanh", "pos": [0, 200]},
        {"id": "fc2", "op": "Dense", "params": {"units": 32}, "pos": [0, 300]},
        {"id": "act2", "op": "Tanh", "pos": [0, 400]},
        {"id": "out", "op": "Dense", "params": {"units": 1}, "pos": [0, 500]},
        {"id": "loss", "op": "MSELoss", "pos": [0, 600]},
    ],
    "edges": [["x", "fc1"], ["fc1", "act1"], ["act1", "fc2"], ["fc2", "act2"],
              ["act2", "out"], ["out", "loss"]],
}  # fmt: skip
SINE_DATA = {"source": "synthetic", "name": "sine", "samples": 400, "noise": 0.1, "seed": 0,
             "validation": 0.25, "normalize": "none"}  # fmt: skip
SINE_TRAINING = {"epochs": 150, "batch_size": 32, "optimizer": {"name": "adam", "lr": 0.01},
                 "seed": 0, "device": "cpu"}  # fmt: skip


def settle(ms: int = 300) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def open_window(session: Session):
    from bpstudio.ui.main_window import MainWindow

    window = MainWindow(session)
    window.resize(1600, 1000)
    window.show()
    plots = window.docks.get("trainingPlotsDock")
    if plots is not None:  # the bottom row to the backprop views, for these pictures
        plots.hide()
    window.model.load_data()
    while window.model.loading:
        settle(50)
    settle(300)
    return window, window.viz


def train(session: Session, epochs: int) -> None:
    """Train on the GUI thread (a script, not the app): reproducible pictures."""
    trainer = session.make_trainer(session.train_config(epochs=epochs))
    trainer.config.stats_interval = None
    for ev in trainer.run():
        if isinstance(ev, EpochEvent) and ev.epoch % 50 == 0:
            print(f"  epoch {ev.epoch}: loss {ev.train_loss:.4f}", file=sys.stderr)


def save(widget, name: str) -> None:
    settle(200)
    path = OUT / name
    widget.grab().save(str(path))
    print(path)


def float_dock(window, ctl, key: str, w: int, h: int):
    dock = ctl.docks[key]
    dock.show()
    dock.setFloating(True)
    dock.resize(w, h)
    dock.raise_()
    settle(300)
    return dock


def steps_and_diagnosis() -> None:
    window, ctl = open_window(Session.open_example("deep_sigmoid"))
    window.resizeDocks([ctl.docks["steps"]], [430], Qt.Orientation.Vertical)
    window.view.fit()
    for _ in range(3):
        ctl.steps.next()
    ctl.steps.table.selectRow(len(ctl.steps.step.backward) - 1)
    save(window, "viz-step-backward.png")
    ctl.steps.back()
    ctl.steps.back()
    save(window.view, "viz-flow-forward.png")
    for _ in range(3):
        ctl.steps.next()
    save(ctl.steps, "viz-step-update.png")
    ctl.diagnosis.diagnose_now()
    ctl.docks["diagnosis"].raise_()
    ctl.legend.backward_btn.setChecked(True)
    save(window, "viz-diagnosis.png")
    window.hide()


def relu_twin() -> None:
    window, ctl = open_window(Session.open_example("deep_relu"))
    window.resizeDocks([ctl.docks["steps"]], [430], Qt.Orientation.Vertical)
    window.view.fit()
    for _ in range(3):
        ctl.steps.next()
    ctl.diagnosis.diagnose_now()
    ctl.docks["steps"].raise_()
    save(window, "viz-relu-backward.png")
    window.hide()


def boundary() -> None:
    window, ctl = open_window(Session.open_example("spiral"))
    train(window.model.session, 150)
    dock = float_dock(window, ctl, "boundary", 760, 900)
    ctl.boundary.redraw()
    save(dock, "viz-boundary.png")
    window.hide()


def confusion() -> None:
    window, ctl = open_window(Session.open_example("iris"))
    train(window.model.session, 8)
    dock = float_dock(window, ctl, "evaluation", 620, 360)
    ctl.evaluation.split.setCurrentText("training")
    ctl.evaluation.evaluate()
    save(dock, "viz-confusion.png")
    ctl.evaluation.tabs.setCurrentIndex(1)
    dock.resize(900, 360)
    save(dock, "viz-misclassified-rows.png")
    window.hide()


def misclassified_images() -> None:
    window, ctl = open_window(Session.open_example("digits"))
    train(window.model.session, 3)
    dock = float_dock(window, ctl, "evaluation", 760, 620)
    ctl.evaluation.split.setCurrentText("validation")
    ctl.evaluation.evaluate()
    ctl.evaluation.tabs.setCurrentIndex(2)
    save(dock, "viz-misclassified.png")
    window.hide()


def regression() -> None:
    project = Project(Graph.from_dict(SINE_GRAPH), dict(SINE_DATA), dict(SINE_TRAINING))
    window, ctl = open_window(Session(project))
    train(window.model.session, 150)
    dock = float_dock(window, ctl, "evaluation", 620, 520)
    ctl.evaluation.evaluate()
    save(dock, "viz-regression.png")
    window.hide()


def main() -> int:
    from bpstudio.ui.app import make_app

    app = make_app()
    app.setApplicationName("bpstudio-screenshots")  # keep the user's layout out of it
    OUT.mkdir(parents=True, exist_ok=True)
    steps_and_diagnosis()
    relu_twin()
    boundary()
    confusion()
    misclassified_images()
    regression()
    return 0


if __name__ == "__main__":
    sys.exit(main())
