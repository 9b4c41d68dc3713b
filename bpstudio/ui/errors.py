"""Errors in the GUI: a BpError is a message box with its one line; anything else is a
bug, shown with its traceback, and the application keeps running."""

from __future__ import annotations

import functools
import logging
import sys
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

log = logging.getLogger("bpstudio.ui")


def _parent() -> QWidget | None:
    app = QApplication.instance()
    return app.activeWindow() if app is not None else None


def show_error(message: str, detail: str = "", parent: QWidget | None = None) -> None:
    """A warning box with one line (tests replace this function to collect messages)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "bpstudio", message, parent=parent or _parent())
    if detail:
        box.setDetailedText(detail)
    box.exec()


def report_exception(exc: BaseException) -> None:
    """Show ``exc``: its one line for a BpError, else an 'internal error' with details."""
    from bpstudio.errors import BpError

    if isinstance(exc, BpError):
        show_error(str(exc))
        return
    # an error from the training process carries that process's traceback
    detail = getattr(exc, "detail", "") or "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )
    log.error("unexpected error\n%s", detail)
    show_error(f"Internal error: {type(exc).__name__}: {exc}", detail)


def guarded(fn):
    """Wrap a slot so an exception becomes a dialog instead of ending the app."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # a slot must never let an exception reach Qt
            report_exception(exc)
            return None

    return wrapper


def install_excepthook() -> None:
    """Exceptions raised in Qt virtual overrides (paint, mouse events) reach
    ``sys.excepthook``; show them instead of only printing them."""

    def hook(kind, exc, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        report_exception(exc.with_traceback(tb))

    sys.excepthook = hook
