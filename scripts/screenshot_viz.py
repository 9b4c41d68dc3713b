"""Screenshots of the backprop views into docs/images/viz-*.png.

Run under Xvfb from the repository root:
    xvfb-run -a -s "-screen 0 1600x1000x24" python3 scripts/screenshot_viz.py
Training runs synchronously here (no worker thread), so the pictures are reproducible.
"""

from __future__ import annotations

import sys

from _shots import float_dock, save, show_loaded, start_app, train
from PySide6.QtCore import Qt

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session

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


def open_window(session: Session):
    from bpstudio.ui.main_window import MainWindow

    window = MainWindow(session)
    plots = window.docks.get("trainingPlotsDock")
    if plots is not None:  # the bottom row to the backprop views, for these pictures
        plots.hide()
    show_loaded(window)
    return window, window.viz


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
    dock = float_dock(ctl.docks, "boundary", 760, 900)
    ctl.boundary.redraw()
    save(dock, "viz-boundary.png")
    window.hide()


def confusion() -> None:
    window, ctl = open_window(Session.open_example("iris"))
    train(window.model.session, 8)
    dock = float_dock(ctl.docks, "evaluation", 620, 360)
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
    dock = float_dock(ctl.docks, "evaluation", 760, 620)
    ctl.evaluation.split.setCurrentText("validation")
    ctl.evaluation.evaluate()
    ctl.evaluation.tabs.setCurrentIndex(2)
    save(dock, "viz-misclassified.png")
    window.hide()


def regression() -> None:
    project = Project(Graph.from_dict(SINE_GRAPH), dict(SINE_DATA), dict(SINE_TRAINING))
    window, ctl = open_window(Session(project))
    train(window.model.session, 150)
    dock = float_dock(ctl.docks, "evaluation", 620, 520)
    ctl.evaluation.evaluate()
    save(dock, "viz-regression.png")
    window.hide()


def main() -> int:
    start_app()
    steps_and_diagnosis()
    relu_twin()
    boundary()
    confusion()
    misclassified_images()
    regression()
    return 0


if __name__ == "__main__":
    sys.exit(main())
