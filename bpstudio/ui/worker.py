"""Run one function off the GUI thread, with progress and cooperative cancel.

The function receives ``progress(done, total)`` and ``cancel() -> bool``, the same
callbacks the data loaders take. Results come back as signals, so slots run on the GUI
thread.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal


class Job(QThread):
    """``Job(fn)``; connect ``progressed``, ``succeeded`` and ``failed``, then ``start()``."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception (BpError for bad input)

    def __init__(self, fn, parent=None):
        super().__init__(parent)
        self._fn = fn
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        try:
            result = self._fn(self.progressed.emit, self._stop.is_set)
        except Exception as exc:  # handed to the GUI thread, which shows it
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
