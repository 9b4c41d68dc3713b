"""``bpstudio`` with no project: the default example opens, and Ctrl+Q exits 0."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.ui import app as ui_app
from bpstudio.ui.main_window import MainWindow

from .helpers import Answers


def _window() -> MainWindow | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    return found[0] if found else None


def _delete_windows() -> None:
    """main()'s window belongs to no qtbot: delete it now, with its timers, rather than
    leave a hidden window to a later collection inside another test."""
    from PySide6.QtCore import QCoreApplication, QEvent

    while (w := _window()) is not None:
        w.model.mark_saved()
        w.close()
        w.setParent(None)
        w.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if _window() is w:  # not deleted (still referenced from C++): stop trying
            break


def test_main_opens_the_default_example_and_ctrl_q_exits_0(qtbot, isolated_settings, monkeypatch):
    answers = Answers(monkeypatch)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs its own
    seen = {}

    def poll():
        window = _window()
        if window is None or window.model.loading or window.model.dataset is None:
            return
        timer.stop()
        seen["title"] = window.windowTitle()
        seen["modified"] = window.isWindowModified()
        window.activateWindow()
        seen["active"] = QTest.qWaitForWindowActive(window, 3000)
        QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        guard.start()  # the test fails instead of hanging

    def give_up():
        if _window() is not None:
            seen["ctrl_q_ignored"] = True
            _window().close()

    timer = QTimer(interval=50, timeout=poll)
    # stopped when main returns: a bare singleShot would fire 10 s later inside another
    # test and close (or crash on) that test's window
    guard = QTimer(singleShot=True, interval=10000, timeout=give_up)
    timer.start()
    status = ui_app.main(None)
    guard.stop()
    _delete_windows()
    assert status == 0
    assert seen == {"title": "spiral[*] — bpstudio", "modified": False, "active": True}
    assert answers.save_asked == 0 and not answers.errors


def test_a_broken_project_falls_back_to_the_example_with_a_message(tmp_path):
    broken = tmp_path / "broken.bpstudio"
    broken.write_text("{not json")
    session, error = ui_app.open_session(str(broken))
    assert "broken.bpstudio" in error and "not valid JSON" in error
    assert session.project.graph.nodes
