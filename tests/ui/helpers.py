"""Shared helpers for the main-window tests: a window on a chosen project, dialogs
answered by the test, and waiting for data to load."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.ui import dataset_panel, dialogs, errors
from bpstudio.ui.palette import op_mime

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "resources" / "datasets"


class Answers:
    """Collects messages shown and answers questions instead of a person."""

    def __init__(self, monkeypatch):
        self.errors: list[str] = []
        self.save_answer = "discard"
        self.save_asked = 0
        self.files: list[str] = []
        self.folders: list[str] = []
        monkeypatch.setattr(errors, "show_error", self._error)
        monkeypatch.setattr(dataset_panel, "show_error", self._error)
        monkeypatch.setattr(dialogs, "ask_save_changes", self._ask_save)
        monkeypatch.setattr(dialogs, "ask_yes_no", lambda *a: True)
        monkeypatch.setattr(dialogs, "open_file", lambda *a, **k: self.files.pop(0))
        monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: self.files.pop(0))
        monkeypatch.setattr(dialogs, "open_folder", lambda *a, **k: self.folders.pop(0))

    def _error(self, message, detail="", parent=None):
        self.errors.append(message)

    def _ask_save(self, parent, name):
        self.save_asked += 1
        return self.save_answer


def wait_loaded(qtbot, window, timeout=10000):
    qtbot.waitUntil(lambda: not window.model.loading, timeout=timeout)


def drop_op(window, op: str, scene_pos: QPointF) -> None:
    """Drop a palette entry on the canvas, as a drag from the palette ends."""
    viewport = window.view.viewport()
    at = window.view.mapFromScene(scene_pos)
    mime: QMimeData = op_mime(op)
    actions, buttons, mods = (
        Qt.DropAction.CopyAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, QDragEnterEvent(at, actions, mime, buttons, mods))
    QApplication.sendEvent(viewport, QDragMoveEvent(at, actions, mime, buttons, mods))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), actions, mime, buttons, mods))


def drag_ports(window, src: str, dst: str) -> None:
    """Press on ``src``'s output port, move, release on ``dst``'s input port."""
    scene, view = window.scene, window.view
    a = view.mapFromScene(scene.nodes[src].out_port.scenePos())
    b = view.mapFromScene(scene.nodes[dst].in_port.scenePos())
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(vp, QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2))
    QTest.mouseMove(vp, b)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def shown_window(qtbot, session, recovery_dir: Path, size=(1400, 900)):
    """A main window on ``session`` (``size``), shown, its data loaded."""
    from bpstudio.ui.main_window import MainWindow
    from bpstudio.ui.projects import Recovery

    window = MainWindow(session, recovery=Recovery(recovery_dir))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.model.load_data()
    wait_loaded(qtbot, window)
    return window
