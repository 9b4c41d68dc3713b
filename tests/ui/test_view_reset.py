"""Every view forgets the previous project, the previous data and a network the graph
can no longer build: nothing from the spiral stays on screen after opening iris."""

from __future__ import annotations

import pytest

from bpstudio.graph.commands import SetParam
from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session

from .helpers import Answers, shown_window, wait_loaded
from .viz_helpers import SMALL_GRAPH, SPIRAL, TRAINING


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    Answers(monkeypatch)
    session = Session(Project(Graph.from_dict(SMALL_GRAPH), dict(SPIRAL), dict(TRAINING)))
    return shown_window(qtbot, session, tmp_path / "recovery")


def _fill_views(w, qtbot):
    """A short run, then every picture drawn from it."""
    panel, viz = w.training_panel, w.viz
    panel.start(steps=20)
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=10000)
    panel.stop()
    qtbot.waitUntil(lambda: panel.runner.state == "idle", timeout=10000)
    for key in ("boundary", "evaluation"):
        viz.docks[key].show()
        viz.docks[key].raise_()
    assert viz.boundary.redraw() and viz.evaluation.evaluate() and viz.diagnosis.diagnose_now()
    assert viz.boundary.probs is not None and viz.evaluation.matrix is not None
    assert "No problem found" in viz.diagnosis.text.toPlainText()
    panel.progress.bar.set_fraction(0.37)  # as a longer run would have left it


def _assert_cleared(w):
    viz = w.viz
    assert viz.boundary.probs is None and viz.boundary.image.image is None
    assert len(viz.boundary.train_pts.data) == 0
    assert viz.evaluation.matrix is None and viz.evaluation.confusion.rowCount() == 0
    assert viz.diagnosis.findings == []
    assert "No problem found" not in viz.diagnosis.text.toPlainText()
    assert w.training_panel.progress.bar.value() == 0
    x, _y = w.training_plots.loss.epoch_train.getData()
    assert x is None or len(x) == 0


def test_opening_another_project_clears_every_view(window, qtbot):
    _fill_views(window, qtbot)
    window.open_example("iris", ask=False)
    wait_loaded(qtbot, window)
    _assert_cleared(window)
    assert window.training_panel.progress.line.text() == "not started"
    qtbot.waitUntil(lambda: "2 input features" in window.viz.boundary.note.text())
    assert window.viz.boundary.probs is None  # and no spiral picture beside the note


def test_failed_data_load_clears_every_view(window, qtbot, tmp_path):
    _fill_views(window, qtbot)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    spec = {"source": "csv", "path": str(bad), "target": "nope"}
    window.model.set_section("data", spec)
    window.model.load_data()
    wait_loaded(qtbot, window)
    assert window.model.load_error is not None
    _assert_cleared(window)


def test_invalid_graph_replaces_findings_with_the_problem(window, qtbot):
    _fill_views(window, qtbot)
    window.model.push(SetParam("out", "units", 7))
    assert window.model.analysis().issues  # 7 outputs for 3 classes
    text = window.viz.diagnosis.text.toPlainText()
    assert "Cannot diagnose" in text and "No problem found" not in text
    assert window.viz.boundary.probs is None and window.viz.evaluation.matrix is None
