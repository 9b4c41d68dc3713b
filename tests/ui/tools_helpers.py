"""A main window on a built-in example with its data loaded, for the tools' tests."""

from __future__ import annotations

from bpstudio.session import Session

from .helpers import Answers, shown_window


def open_example(qtbot, tmp_path, monkeypatch, name: str = "spiral"):
    """-> (window, answers); the session trains on the CPU."""
    answers = Answers(monkeypatch)
    session = Session.open_example(name)
    session.project.training["device"] = "cpu"
    session.device = "cpu"
    return shown_window(qtbot, session, tmp_path / "recovery"), answers


def wait_job(qtbot, jobbar, timeout: int = 30000) -> None:
    qtbot.waitUntil(lambda: not jobbar.busy, timeout=timeout)
