"""Training inside the main window: F5 starts and pauses, the Train menu holds the
actions, selecting a node highlights its curves, closing mid-run stops the worker and
the process exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bpstudio.session import DEFAULT_EXAMPLE, Session
from bpstudio.ui.main_window import MainWindow
from bpstudio.ui.projects import Recovery
from tests.ui.helpers import Answers, wait_loaded


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    Answers(monkeypatch)
    w = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(w)
    w.show()
    w.model.load_data()
    wait_loaded(qtbot, w)
    w.model.session.project.training["epochs"] = 100000
    yield w
    w.training_panel.shutdown()


def test_f5_starts_and_pauses_from_the_window(qtbot, window):
    panel = window.training_panel
    assert set(window.train_actions) >= {"start", "step", "stop", "reset"}
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: panel.run is not None and len(panel.run.steps) > 10, timeout=10000)
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=5000)
    window.scene.select_ids(["fc2"])

    def curves_ready():
        # the last packets may still be queued to the GUI thread on a loaded machine
        window.training_plots.refresh()
        return {"fc1.weight", "fc2.weight"} <= set(window.training_plots.grad_norms._curves)

    qtbot.waitUntil(curves_ready, timeout=5000)
    curves = window.training_plots.grad_norms._curves
    assert curves["fc2.weight"].opts["pen"].widthF() > curves["fc1.weight"].opts["pen"].widthF()


def test_closing_mid_run_stops_the_worker(qtbot, window):
    panel = window.training_panel
    window.train_actions["start"].trigger()
    qtbot.waitUntil(lambda: panel.run is not None and len(panel.run.steps) > 10, timeout=10000)
    window.model.mark_saved()
    assert window.close()
    assert not panel.runner.active and panel.runner.state == "idle"


SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from bpstudio.ui.app import make_app
    from bpstudio.session import Session
    from bpstudio.ui.main_window import MainWindow
    from bpstudio.ui.projects import Recovery
    app = make_app()
    w = MainWindow(Session.open_example("spiral"), recovery=Recovery(sys.argv[1]))
    w.show()
    w.model.session.project.training["epochs"] = 100000
    def go():
        w.train_actions["start"].trigger()
        QTimer.singleShot(1500, lambda: (w.model.mark_saved(), w.close(), app.quit()))
    w.model.loadFinished.connect(lambda: QTimer.singleShot(0, go))
    w.model.load_data()
    code = app.exec()
    print("steps", len(w.training_panel.run.steps), "active", w.training_panel.runner.active)
    sys.exit(code)
    """
)


@pytest.mark.slow
def test_quitting_mid_run_exits_zero(tmp_path):
    env_home = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env_home},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "active False" in out.stdout
    steps = int(out.stdout.split("steps ")[1].split()[0])
    assert steps > 0


def test_editing_a_training_setting_marks_the_project_modified(window):
    """Opening leaves the project clean; a person's edit marks it; saving clears it."""
    assert not window.model.is_modified()
    form = window.training_panel.form
    form.epochs.setValue(form.epochs.value() + 5)
    assert window.model.is_modified() and window.isWindowModified()
    assert window.model.session.project.training["epochs"] == form.epochs.value()
    window.model.mark_saved()
    assert not window.model.is_modified()
