"""``bpstudio [PROJECT]``: start the desktop app (the CLI calls ``main``)."""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from bpstudio.errors import BpError
from bpstudio.session import DEFAULT_EXAMPLE, Session
from bpstudio.ui.errors import guarded, install_excepthook, show_error
from bpstudio.ui.gc_thread import collect_garbage_on_the_gui_thread, freeze_what_the_start_made
from bpstudio.ui.theme import setup_app
from bpstudio.ui.welcome import install_first_run
from bpstudio.worker.process import importing_main_in_child


def make_app() -> QApplication:
    """The QApplication with the names QSettings and QStandardPaths use."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("bpstudio")
    app.setOrganizationDomain("bpstudio.org")
    app.setApplicationName("bpstudio")
    setup_app(app)  # window icon, light/dark theme following the system
    collect_garbage_on_the_gui_thread()
    return app


DEFAULT_SIZE = QSize(1400, 900)
FRAME = 40  # px the window manager adds above the window (title bar, borders)


def initial_size(available: QRect | None) -> QSize:
    """The window's first size: DEFAULT_SIZE, or what the screen's free area holds (on a
    1366x768 laptop a 1400x900 window put the status bar and the bottom panels off the
    screen)."""
    if available is None or available.isEmpty():
        return QSize(DEFAULT_SIZE)
    width = min(DEFAULT_SIZE.width(), available.width())
    height = min(DEFAULT_SIZE.height(), available.height() - FRAME)
    return QSize(width, height)


def open_session(project_path: str | None) -> tuple[Session, str | None]:
    """The project asked for, else the default example; plus an error line if it failed."""
    if project_path:
        try:
            return Session.open(project_path), None
        except BpError as e:
            return Session.open_example(DEFAULT_EXAMPLE), str(e)
    return Session.open_example(DEFAULT_EXAMPLE), None


WARM_UP_MS = 1500


def main(project_path: str | None = None) -> int:
    """Open the window on ``project_path`` (or the default example); the exit status."""
    if importing_main_in_child():  # an unguarded script, run again by the training process
        raise SystemExit(1)  # which ends: the app trains on a thread instead
    app = make_app()
    install_excepthook()
    from bpstudio.ui.main_window import MainWindow
    from bpstudio.ui.projects import add_recent

    session, error = open_session(project_path)
    window = MainWindow(session)
    screen = QGuiApplication.primaryScreen()
    window.resize(initial_size(screen.availableGeometry() if screen else None))
    install_first_run(window)  # welcome panel, Help > Welcome, View > Theme, tooltips
    window.show()
    if os.environ.get("BPSTUDIO_QUIT_AFTER_MS"):  # packaging/build.sh smoke-starts the bundle
        QTimer.singleShot(int(os.environ["BPSTUDIO_QUIT_AFTER_MS"]), lambda: _smoke_quit(window))
        QTimer.singleShot(500, lambda: _smoke_train(window))
    window.model.load_data()
    if project_path and error is None:
        add_recent(project_path)
    if error:
        QTimer.singleShot(0, lambda: show_error(error, parent=window))
    QTimer.singleShot(0, window.offer_recovery)
    QTimer.singleShot(0, freeze_what_the_start_made)
    # the training process starts once the window is up and idle (starting it costs the
    # GUI thread ~0.1 s of imports and forks, which delayed the first paint)
    QTimer.singleShot(WARM_UP_MS, guarded(window.training_panel.runner.warm_up))
    try:
        return app.exec()
    finally:
        # the window's objects may be collected again once the event loop has ended
        # (a caller that goes on, as the tests do, would otherwise keep a hidden window
        # with live timers for the rest of the process)
        gc.unfreeze()


def _smoke_train(window) -> None:
    """Twenty batches, to show that the training process starts in this build: the
    line is printed once they are done and the run waits, paused."""
    panel = window.training_panel
    runner = panel.runner

    def report(state: str) -> None:
        if state == "paused":
            where = "in the training process" if runner.in_process else "on a thread"
            print(f"trained: {len(panel.run.steps)} steps {where}", file=sys.stderr, flush=True)

    runner.state_changed.connect(report)
    panel.start(steps=20)


def _smoke_quit(window) -> None:
    """Report what was shown, then close as Ctrl+Q would (an untouched project)."""
    print(f"shown: {window.windowTitle()}", file=sys.stderr, flush=True)
    window.model.mark_saved()
    window.close()
