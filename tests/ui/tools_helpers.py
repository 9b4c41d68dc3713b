"""A main window on a built-in example with its data loaded, for the tools' tests."""

from __future__ import annotations

from bpstudio.session import Session
from bpstudio.ui.main_window import MainWindow
from bpstudio.ui.projects import Recovery

from .helpers import Answers, wait_loaded


def open_example(qtbot, tmp_path, monkeypatch, name: str = "spiral"):
    """-> (window, answers); the session trains on the CPU."""
    answers = Answers(monkeypatch)
    session = Session.open_example(name)
    session.project.training["device"] = "cpu"
    session.device = "cpu"
    window = MainWindow(session, recovery=Recovery(tmp_path / "recovery"))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.model.load_data()
    wait_loaded(qtbot, window)
    return window, answers


def wait_job(qtbot, jobbar, timeout: int = 30000) -> None:
    qtbot.waitUntil(lambda: not jobbar.busy, timeout=timeout)
