"""Evaluation views: predicted-vs-true for regression, a grid of misclassified images."""

from __future__ import annotations

import numpy as np

from bpstudio.ui.viz.evaluation_view import EvaluationView

from .viz_helpers import model_of, small_session

SINE_GRAPH = {
    "nodes": [
        {"id": "x", "op": "Input", "params": {"shape": [1]}},
        {"id": "fc1", "op": "Dense", "params": {"units": 8}},
        {"id": "act1", "op": "Tanh"},
        {"id": "out", "op": "Dense", "params": {"units": 1}},
        {"id": "loss", "op": "MSELoss"},
    ],
    "edges": [["x", "fc1"], ["fc1", "act1"], ["act1", "out"], ["out", "loss"]],
}
SINE = {"source": "synthetic", "name": "sine", "samples": 80, "seed": 0, "validation": 0.25}
IMAGE_GRAPH = {
    "nodes": [
        {"id": "x", "op": "Input"},
        {"id": "flat", "op": "Flatten"},
        {"id": "out", "op": "Dense", "params": {"units": 3}},
        {"id": "loss", "op": "CrossEntropyLoss"},
    ],
    "edges": [["x", "flat"], ["flat", "out"], ["out", "loss"]],
}


def _view(qtbot, session):
    view = EvaluationView(model_of(session))
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    return view


def test_predicted_vs_true(qtbot):
    session = small_session(SINE_GRAPH, SINE)
    view = _view(qtbot, session)
    assert view.evaluate()
    xs, ys = view.scatter.getData()
    ds = session.dataset
    assert len(xs) == len(ds.y_val)
    np.testing.assert_allclose(xs, ds.y_val.reshape(-1))
    np.testing.assert_allclose(ys, session.network.predict(ds.x_val)[:, 0], rtol=1e-5)
    assert "R²" in view.summary.text()
    assert view.tabs.isTabVisible(3) and not view.tabs.isTabVisible(0)


def test_misclassified_images(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((60, 1, 8, 8)).astype(np.float32)
    y = np.arange(60) % 3
    np.savez(tmp_path / "imgs.npz", x=x, y=y)
    data = {"source": "npz", "path": str(tmp_path / "imgs.npz"), "validation": 0.5}
    session = small_session(IMAGE_GRAPH, data)
    view = _view(qtbot, session)
    assert view.evaluate()
    wrong = view.wrong
    ev = view.result
    assert len(wrong) == min(48, int(np.sum(ev.pred != ev.y))) > 0
    assert view.wrong_grid.count() == 0  # filled when its tab is shown, not before
    view.tabs.setCurrentIndex(2)
    assert view.wrong_grid.count() == len(wrong)
    assert view.tabs.isTabVisible(2)
    first = view.wrong_grid.itemAt(0).widget()
    caption = first.layout().itemAt(1).widget().text()
    names = session.dataset.class_names
    assert caption == f"{names[ev.y[wrong[0]]]} → {names[ev.pred[wrong[0]]]}"
    assert view.matrix.sum() == 30


def test_while_training_a_large_split_is_evaluated_on_a_budgeted_share(qtbot, monkeypatch):
    import bpstudio.ui.viz.evaluation_view as ev_module

    data = dict(SINE, samples=4000)
    session = small_session(SINE_GRAPH, data)
    view = _view(qtbot, session)
    total = len(session.dataset.y_val)
    monkeypatch.setattr(ev_module, "LIVE_BUDGET_S", 0.0)  # the floor: LIVE_MIN_ROWS
    view.set_busy(True)
    assert view.evaluate()  # untimed yet: LIVE_FIRST_ROWS
    assert len(view.result.y) == min(total, ev_module.LIVE_FIRST_ROWS)
    assert view.evaluate()
    assert len(view.result.y) == ev_module.LIVE_MIN_ROWS < total
    assert f"first {ev_module.LIVE_MIN_ROWS:,} of {total:,} rows while training" in (
        view.summary.text()
    )
    view.set_busy(False)  # the run ended: every row again
    assert view.evaluate()
    assert len(view.result.y) == total and "while training" not in view.summary.text()


def test_misclassified_rows_are_named_as_the_csv_names_them(qtbot, tmp_path):
    """The 'row' column is the CSV's data row, not the position in the split."""
    rng = np.random.default_rng(1)
    lines = ["id,a,y"] + [f"{n},{rng.normal():.3f},{'pq'[n % 2]}" for n in range(1, 61)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    graph = {
        "nodes": [
            {"id": "x", "op": "Input"},
            {"id": "out", "op": "Dense", "params": {"units": 2}},
            {"id": "loss", "op": "CrossEntropyLoss"},
        ],
        "edges": [["x", "out"], ["out", "loss"]],
    }
    data = {"source": "csv", "path": str(tmp_path / "t.csv"), "target": "y", "validation": 0.5}
    session = small_session(graph, data)
    view = _view(qtbot, session)
    assert view.evaluate()
    view.tabs.setCurrentIndex(1)
    wrong = view.wrong
    assert len(wrong) > 0
    t = view.wrong_table
    ids = [t.item(r, 0).text() for r in range(t.rowCount())]
    ds = session.dataset
    assert ids == [ds.val_ids[i] for i in wrong]
    # the id column of the file holds the data row's own number
    id_col = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())].index("id")
    assert all(f"row {int(float(t.item(r, id_col).text()))}" == ids[r] for r in range(len(ids)))
