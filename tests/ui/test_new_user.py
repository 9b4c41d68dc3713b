"""What a new user met: the welcome names the real buttons, Pause in the Train menu,
no rate or time left while paused or stepping."""

from __future__ import annotations

import re

import pytest
from PySide6.QtTest import QTest

from bpstudio.session import DEFAULT_EXAMPLE, Session
from bpstudio.ui.main_window import MainWindow
from bpstudio.ui.projects import Recovery
from bpstudio.ui.welcome import install_first_run

from .helpers import Answers, wait_loaded


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    Answers(monkeypatch)
    w = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(w)
    install_first_run(w)
    w.resize(1400, 900)
    w.show()
    w.model.load_data()
    wait_loaded(qtbot, w)
    yield w
    w.training_panel.shutdown()


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("\n", " ")


def test_welcome_names_the_backprop_step_buttons(window):
    text = _plain(window.welcome.intro.text())
    steps = window.viz.steps
    assert steps.new_btn.text() in text and "Next ▶" in text


def test_train_menu_reads_pause_while_running(window, qtbot):
    panel = window.training_panel
    start = window.train_actions["start"]
    assert start in window.train_menu.actions()
    start.trigger()
    qtbot.waitUntil(lambda: panel.runner.state == "running", timeout=5000)
    assert start.text() == "Pause"
    start.trigger()
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=5000)
    assert start.text() == "Resume"


def test_no_rate_or_eta_while_paused_or_stepping(window, qtbot):
    panel = window.training_panel
    line = panel.progress.line
    window.model.project.training["epochs"] = 100_000  # still running when resumed
    window.train_actions["start"].trigger()
    qtbot.waitUntil(lambda: "samples/s" in line.text(), timeout=5000)
    window.train_actions["start"].trigger()  # pause
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=5000)
    assert "samples/s" not in line.text() and "ETA" not in line.text()
    for _ in range(3):
        window.train_actions["step"].trigger()
        QTest.qWait(150)
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=5000)
    assert "paused" in line.text() and "samples/s" not in line.text()
    window.train_actions["start"].trigger()  # resume: running freely again
    qtbot.waitUntil(lambda: "samples/s" in line.text(), timeout=5000)


def test_save_as_and_export_start_in_the_project_or_last_folder(window, tmp_path, monkeypatch):
    from bpstudio.ui import dialogs, projects

    starts, answers = [], []
    monkeypatch.setattr(
        dialogs, "save_file", lambda _p, _t, start, *a: starts.append(start) or answers.pop(0)
    )
    used = tmp_path / "used"
    used.mkdir()
    projects.remember_folder(used / "earlier.bpstudio")
    answers.append("")  # cancelled
    window.save_as()  # an example: no folder of its own
    assert starts[-1] == str(used / "spiral.bpstudio")
    saved = tmp_path / "proj" / "mine.bpstudio"
    saved.parent.mkdir()
    answers.append(str(saved))
    window.save_as()
    answers.append("")
    window.export("npz")
    assert starts[-1] == str(saved.parent / "mine.npz")


def test_csv_source_on_a_new_project_asks_for_its_file(window, qtbot, monkeypatch):
    from bpstudio.ui import dialogs

    window.open_example("iris", ask=False)  # a CSV project
    wait_loaded(qtbot, window)
    window.new_project()  # synthetic
    wait_loaded(qtbot, window)
    asked = []
    monkeypatch.setattr(dialogs, "open_file", lambda *a, **k: asked.append(a) or "")
    panel = window.dataset_panel
    panel.source.setCurrentIndex(panel.source.findData("csv"))
    panel._source_chosen(panel.source.currentIndex())
    assert asked  # the file dialog, not iris.csv again
    assert window.model.project.data["source"] == "synthetic"  # cancelled: unchanged


def test_gradient_check_summary_keeps_every_line_in_a_narrow_dock(window, qtbot):
    panel = window.tools.gradcheck
    dock = window.docks["gradcheckDock"]
    dock.setFloating(True)
    dock.resize(420, 200)
    dock.raise_()
    panel.verdict.setText("PASSED: " + "worst relative error 2.79e-09 (fc1.weight); " * 3)
    panel._fit_verdict()
    qtbot.wait(50)
    v = panel.verdict
    assert v.height() >= v.heightForWidth(v.width())  # no wrapped line clipped
    assert v.mapTo(dock, v.rect().topRight()).x() <= dock.width()  # nor cut at the right


def test_lr_finder_says_keep_the_rate_on_a_flat_curve(window):
    import numpy as np

    from bpstudio.viz.lr_finder import NO_DESCENT, LRFindResult, centred_mean

    panel = window.tools.lr_finder
    lrs = np.geomspace(1e-6, 1.0, 100)
    losses = 0.69 + 0.03 * np.random.default_rng(0).standard_normal(100)
    res = LRFindResult(lrs, losses, centred_mean(losses, 5), losses, None, NO_DESCENT,
                       "finished", "adam")  # fmt: skip
    panel._session = window.model.session  # as if found for the project shown
    panel.show_result(res)
    assert "No clear descent: keep the current rate" in panel.info.text()
    assert panel.suggestion is None and not panel.apply_btn.isEnabled()
