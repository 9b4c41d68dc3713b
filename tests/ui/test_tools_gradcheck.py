"""The Gradient check tool in the main window: PASSED on the default example, a
coloured per-tensor table, Cancel, and the live network left alone."""

from __future__ import annotations

import numpy as np
import pytest

from .tools_helpers import open_example, wait_job


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    return open_example(qtbot, tmp_path, monkeypatch)


def test_menu_action_shows_passed_on_the_default_example(window, qtbot):
    win, answers = window
    panel = win.tools.gradcheck
    net = win.model.session.build_network()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    win.actions["gradcheck"].trigger()
    assert panel.jobs.busy and win.tools.docks["gradcheck"].isVisible()
    wait_job(qtbot, panel.jobs)
    report = panel.report
    assert report is not None and report.passed
    assert panel.verdict.text().startswith("PASSED")
    assert "the current weights" in panel.verdict.text()
    t = panel.table
    names = list(net.named_params())
    assert t.rowCount() == len(names)
    assert [t.item(r, 0).text() for r in range(t.rowCount())] == names
    for r in range(t.rowCount()):
        assert t.item(r, 5).text() == "✓ pass"
        assert float(t.item(r, 4).text()) < 1e-6
        assert t.item(r, 5).background().color().name() == "#dcfce7"  # green
    checked = sum(int(t.item(r, 2).text().split(" of ")[0]) for r in range(t.rowCount()))
    assert f"{checked} of" in panel.verdict.text()  # how many entries were checked
    assert win.model.session.network is net  # a copy was checked
    assert all(np.array_equal(v, net.state_dict()[k]) for k, v in before.items())
    assert not answers.errors


def test_failure_is_red(window, qtbot, monkeypatch):
    from bpstudio.engine.layers.activations import ReLU

    win, _ = window
    backward = ReLU.backward
    monkeypatch.setattr(ReLU, "backward", lambda self, dy: [2 * g for g in backward(self, dy)])
    panel = win.tools.gradcheck
    panel.entries.setValue(8)
    panel.run()
    wait_job(qtbot, panel.jobs)
    assert panel.verdict.text().startswith("FAILED")
    assert "✗ FAIL" in [panel.table.item(r, 5).text() for r in range(panel.table.rowCount())]
    assert "#991b1b" in panel.verdict.styleSheet()


def test_cancel(window, qtbot):
    win, _ = window
    panel = win.tools.gradcheck
    panel.entries.setValue(0)  # every entry: long enough to cancel
    panel.samples.setValue(200)
    panel.run()
    panel.jobs.cancel()
    wait_job(qtbot, panel.jobs)
    assert panel.jobs.status.text() == "cancelled"
    assert panel.jobs.run_btn.isEnabled() and not panel.jobs.cancel_btn.isEnabled()
