"""The backprop views inside the main window: live boundary and overlay during training,
diagnosis badges on the deep-sigmoid example and none on its ReLU twin."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session
from bpstudio.ui.training.runner import TrainingRunner
from bpstudio.ui.viz.boundary_view import MAX_HZ
from bpstudio.ui.viz.install import install_viz

from .helpers import Answers, shown_window
from .viz_helpers import SMALL_GRAPH, SPIRAL, TRAINING


def _window(qtbot, tmp_path, monkeypatch, session):
    Answers(monkeypatch)
    window = shown_window(qtbot, session, tmp_path / "recovery")
    ctl = getattr(window, "viz", None) or install_viz(window)
    return window, ctl


@pytest.fixture
def small(qtbot, tmp_path, isolated_settings, monkeypatch):
    graph = Graph.from_dict(SMALL_GRAPH)
    return _window(
        qtbot, tmp_path, monkeypatch, Session(Project(graph, dict(SPIRAL), dict(TRAINING)))
    )


def test_boundary_and_overlay_update_during_training(small, qtbot):
    window, ctl = small
    session = window.model.session
    ctl.docks["boundary"].show()
    ctl.docks["boundary"].raise_()
    assert ctl.boundary.redraw()
    before, count0 = ctl.boundary.probs.copy(), ctl.boundary.updates
    assert before.shape == (120, 120, 3)

    runner = TrainingRunner(window)
    ctl.attach_runner(runner)
    trainer = session.make_trainer(session.train_config(epochs=5000))
    trainer.config.stats_interval = 0.05
    t0 = time.monotonic()
    runner.start(trainer)
    qtbot.waitUntil(lambda: ctl.boundary.updates >= count0 + 3, timeout=20000)
    elapsed = time.monotonic() - t0
    assert not ctl.steps.next_btn.isEnabled()  # the worker owns the model
    runner.stop()
    qtbot.waitUntil(lambda: not runner.active, timeout=10000)

    after = ctl.boundary.probs
    assert np.abs(after - before).max() > 0.05  # the picture follows the training
    assert ctl.boundary.updates - count0 <= elapsed * MAX_HZ + 3  # throttled
    assert ctl.overlay.halo_colour("fc1") is not None  # the graph shows gradients
    tip = window.scene.edges[("fc1", "act1")].toolTip()  # hovering an edge: its tensor
    assert tip.startswith("fc1 → act1") and "mean" in tip and "|dL/d out|" in tip
    assert ctl.legend.bar.frame is not None and ctl.legend.mode == "backward"
    assert ctl.diagnosis.source.text().startswith("live")
    ctl.legend.forward_btn.setChecked(True)
    assert ctl.overlay.frame.mode == "forward"
    assert ctl.steps.next_btn.isEnabled()


@pytest.mark.parametrize(("example", "fires"), [("deep_sigmoid", True), ("deep_relu", False)])
def test_diagnosis_badges_on_the_examples(
    qtbot, tmp_path, isolated_settings, monkeypatch, example, fires
):
    window, ctl = _window(qtbot, tmp_path, monkeypatch, Session.open_example(example))
    assert ctl.diagnosis.diagnose_now()
    badge = ctl.overlay.badge_of("fc1")
    if fires:
        assert badge is not None and "Vanishing" in badge.toolTip()
        assert "ReLU" in badge.toolTip() and "BatchNorm" in badge.toolTip()
        assert "Vanishing gradients" in ctl.diagnosis.text.toPlainText()
    else:
        assert badge is None
        assert "No problem found" in ctl.diagnosis.text.toPlainText()


def test_evaluation_confusion_matrix(small, qtbot):
    window, ctl = small
    assert ctl.evaluation.evaluate()
    ds = window.model.session.dataset
    m = ctl.evaluation.matrix
    assert m.shape == (3, 3) and m.sum() == len(ds.y_val)
    assert ctl.evaluation.confusion.item(1, 2).text() == str(int(m[1, 2]))
    assert "accuracy" in ctl.evaluation.summary.text()


def test_follows_the_training_panels_runs(small, qtbot):
    """Started from the Train menu: the views attach to the panel's runner by themselves."""
    window, ctl = small
    if "start" not in window.train_actions:
        pytest.skip("no training panel in this window")
    ctl.docks["boundary"].show()
    ctl.docks["boundary"].raise_()
    qtbot.waitUntil(lambda: ctl.runner is not None, timeout=5000)
    count0 = ctl.boundary.updates
    window.train_actions["start"].trigger()
    qtbot.waitUntil(lambda: ctl.runner.state == "running", timeout=10000)
    assert not ctl.steps.next_btn.isEnabled()
    qtbot.waitUntil(lambda: ctl.boundary.updates >= count0 + 2, timeout=20000)
    qtbot.waitUntil(lambda: ctl.overlay.frame is not None, timeout=10000)
    window.train_actions["stop"].trigger()
    qtbot.waitUntil(lambda: not ctl.runner.active, timeout=10000)
    qtbot.waitUntil(lambda: ctl.steps.next_btn.isEnabled(), timeout=5000)
    ctl.steps.next()  # after the run, a step-through batch on the trained network
    assert ctl.steps.step.net is window.model.session.network
