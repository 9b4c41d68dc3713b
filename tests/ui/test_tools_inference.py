"""The Inference tool: a picked row, image or typed values give the probabilities
``network.predict`` gives, and training never has its live network called."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.viz.boundary import output_probabilities
from bpstudio.viz.netcopy import network_copy

from .tools_helpers import open_example


@pytest.fixture
def spiral(qtbot, tmp_path, isolated_settings, monkeypatch):
    return open_example(qtbot, tmp_path, monkeypatch, "spiral")


def _expected(session, x):
    return output_probabilities(session.network.predict(x), session.task)[0]


def test_chosen_row_shows_network_predict(spiral, qtbot):
    win, answers = spiral
    panel, session = win.tools.inference, win.model.session
    ds = session.dataset
    assert panel.table.rowCount() == min(len(ds.x_val), 500)
    assert panel.table.item(4, 1).text() == ds.class_names[int(ds.y_val[4])]
    panel.select_row(4)
    p = panel.prediction
    want = _expected(session, ds.x_val[4:5])
    assert np.allclose(p.probs, want, atol=1e-6)
    assert np.allclose(panel.bars.heights, want, atol=1e-6)  # the bar chart
    assert p.label == ds.class_names[int(np.argmax(want))]
    assert f"Prediction: {p.label}" in panel.result.text()
    # The form now holds that row in raw units; Predict gives the same answer.
    panel.form.submit()
    assert np.allclose(panel.prediction.probs, want, atol=1e-5)
    assert not answers.errors


def test_typed_values(spiral):
    win, _ = spiral
    panel, session = win.tools.inference, win.model.session
    panel.tabs.setCurrentIndex(1)
    assert [f.name for f in panel.form.fields] == ["x1", "x2"]
    panel.form.widgets["x1"].setText("0.3")
    panel.form.widgets["x2"].setText("-0.2")
    panel.form.predict_btn.click()
    norm = session.dataset.transform["normalize"]
    x = (np.array([[0.3, -0.2]]) - norm.get("shift", 0.0)) / norm.get("scale", 1.0)
    assert np.allclose(panel.prediction.probs, _expected(session, x.astype(np.float32)), atol=1e-5)
    panel.form.widgets["x1"].setText("abc")
    panel.form.predict_btn.click()
    assert "field 'x1'" in panel.form.error.text()


def test_training_uses_the_copy_until_it_pauses(spiral, qtbot, monkeypatch):
    win, _ = spiral
    panel, session = win.tools.inference, win.model.session
    panel.select_row(0)
    first = panel.prediction.probs.copy()
    training = win.training_panel
    training.start()
    qtbot.waitUntil(lambda: training.runner.state == "running", timeout=10000)
    live = session.network

    def refuse(*a, **k):
        raise AssertionError("the live network was called during training")

    monkeypatch.setattr(live, "predict", refuse)
    panel.select_row(1)
    panel.select_row(0)
    assert np.allclose(panel.prediction.probs, first)  # the copy, not yet refreshed
    qtbot.waitUntil(lambda: session.trainer is not None and session.trainer.step > 50,
                    timeout=20000)  # fmt: skip
    training.start_pause()  # pause: the copy takes the trained weights
    qtbot.waitUntil(lambda: training.runner.state == "paused", timeout=10000)
    x0 = session.dataset.x_val[:1]

    def trained() -> np.ndarray:  # read-only copies of the live weights
        copy = network_copy(session)
        return output_probabilities(copy.predict(x0), session.task)[0]

    # the batch in flight when Pause was pressed still lands: wait for its packet
    qtbot.waitUntil(lambda: np.allclose(panel.prediction.probs, trained()), timeout=5000)
    assert not np.allclose(panel.prediction.probs, first)
    monkeypatch.undo()
    training.stop()
    qtbot.waitUntil(lambda: not training.runner.active, timeout=10000)


def test_images_are_thumbnails(qtbot, tmp_path, isolated_settings, monkeypatch):
    win, answers = open_example(qtbot, tmp_path, monkeypatch, "digits")
    panel, session = win.tools.inference, win.model.session
    assert panel.rows.currentWidget() is panel.thumbs and panel.thumbs.count() > 0
    assert not panel.tabs.isTabEnabled(1)  # no form for images
    panel.select_row(3)
    want = _expected(session, session.dataset.x_val[3:4])
    assert np.allclose(panel.prediction.probs, want, atol=1e-6)
    assert len(panel.bars.heights) == 10 and not answers.errors
