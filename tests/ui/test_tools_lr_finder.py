"""The Learning rate tool in the main window: a finite suggestion marked on the plot,
Apply writes it into the training settings (undoable) and the live weights stay."""

from __future__ import annotations

import math

import numpy as np
import pytest

from .tools_helpers import open_example, wait_job


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    return open_example(qtbot, tmp_path, monkeypatch)


def test_suggests_a_finite_rate_and_apply_writes_it(window, qtbot):
    win, answers = window
    panel, session = win.tools.lr_finder, win.model.session
    net = session.build_network()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    win.actions["lr_finder"].trigger()
    assert panel.jobs.busy
    wait_job(qtbot, panel.jobs)
    res = panel.result
    assert res is not None and len(res.lrs) >= 20 and res.lrs[0] == pytest.approx(1e-6)
    assert panel.suggestion is not None and math.isfinite(panel.suggestion)
    assert 1e-6 <= panel.suggestion <= 1.0
    assert "Suggested learning rate" in panel.info.text()
    x, y = panel.smooth_curve.getData()  # log mode: x is log10(rate)
    assert np.allclose(x, np.log10(res.lrs)) and np.allclose(y, res.smoothed)
    assert panel.mark_line.isVisible()
    assert panel.mark_line.value() == pytest.approx(math.log10(res.suggestion), abs=0.05)
    assert all(np.array_equal(v, net.state_dict()[k]) for k, v in before.items())

    assert panel.apply_btn.isEnabled()
    panel.apply_btn.click()
    assert session.project.training["optimizer"]["lr"] == panel.suggestion
    assert session.project.training["optimizer"]["name"] == "adam"  # the rest kept
    form = win.training_panel.form
    assert float(form.opt_fields["lr"].value()) == panel.suggestion  # the panel shows it
    assert win.model.is_modified()
    win.model.undo_stack.undo()
    assert session.project.training["optimizer"]["lr"] == 0.01
    assert float(form.opt_fields["lr"].value()) == 0.01
    assert not answers.errors


def test_bad_range_is_a_message_in_the_panel(window, qtbot):
    win, answers = window
    panel = win.tools.lr_finder
    panel.start.set_value(1.0)
    panel.end.set_value(0.1)
    panel.run()
    wait_job(qtbot, panel.jobs)
    assert "start < end" in panel.jobs.status.text()
    assert not panel.apply_btn.isEnabled() and not answers.errors


def test_cancel(window, qtbot):
    win, _ = window
    panel = win.tools.lr_finder
    panel.steps.setValue(1000)
    panel.end.set_value(1e-3)  # no explosion: it would run all 1000 steps
    panel.run()

    def drawn() -> int:  # the curve grows while the copy trains
        x, _ = panel.raw_curve.getData()
        return 0 if x is None else len(x)

    qtbot.waitUntil(lambda: drawn() >= 2, timeout=10000)
    panel.jobs.cancel_btn.click()
    wait_job(qtbot, panel.jobs)
    assert panel.jobs.status.text() == "cancelled" and panel.result is None


def test_another_project_forgets_the_suggestion(window, qtbot):
    from bpstudio.session import Session

    win, _ = window
    panel = win.tools.lr_finder
    panel.steps.setValue(30)
    panel.run()
    wait_job(qtbot, panel.jobs)
    assert panel.apply_btn.isEnabled()
    win.model.replace_session(Session.open_example("iris"))
    assert panel.suggestion is None and not panel.apply_btn.isEnabled()
    assert win.tools.gradcheck.table.rowCount() == 0
