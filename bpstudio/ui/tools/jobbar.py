"""Run / Cancel buttons, a progress bar and a status line around one background Job.

The tools (gradient check, learning-rate finder) compute on their own network copies
in a ``worker.Job`` thread, so the window stays responsive and training may go on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from bpstudio.errors import BpError
from bpstudio.ui.blas import use_app_blas_threads
from bpstudio.ui.errors import report_exception
from bpstudio.ui.worker import Job

ERROR_STYLE = "color: #b91c1c;"


class JobBar(QWidget):
    """``start(fn)`` runs ``fn(progress, cancel)`` off the GUI thread.

    Signals (GUI thread): ``succeeded(result)``; ``ended()`` after success, failure or
    cancel. A BpError (bad input, or the cancel the tools raise) is shown in the status
    line; anything else is reported as an internal error.
    """

    succeeded = Signal(object)
    ended = Signal()

    def __init__(self, run_text: str, parent=None):
        super().__init__(parent)
        self.job: Job | None = None
        self.run_btn = QPushButton(run_text)
        # No focus from a click: a focused button that disables passes focus on, and the
        # dock's scroll area then scrolled to the panel's table, hiding its summary.
        self.run_btn.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.setToolTip("Stop after the current step")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.bar.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.run_btn)
        lay.addWidget(self.cancel_btn)
        lay.addWidget(self.bar)
        lay.addWidget(self.status, 1)
        self.cancel_btn.clicked.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, fn) -> None:
        if self.busy:
            return
        use_app_blas_threads()  # before the first worker thread: see ui/blas.py
        self.job = job = Job(fn, self)
        job.progressed.connect(self._progress)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.finished.connect(self._finished)
        self.run_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.bar.show()
        self.show_status("working…")
        job.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.show_status("cancelling…")

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel and wait (the window closes): no thread outlives its widgets."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(timeout_ms)

    def show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)

    def _succeeded(self, result) -> None:
        self.show_status("")
        self.succeeded.emit(result)

    def _failed(self, exc) -> None:
        if self.job is not None and self.job.cancelled:
            self.show_status("cancelled")
        elif isinstance(exc, BpError):
            self.show_status(str(exc), error=True)
        else:
            self.show_status("failed: internal error", error=True)
            report_exception(exc)

    def _finished(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        self.run_btn.setEnabled(True)
        self.cancel_btn.setEnabled(False)
        self.bar.hide()
        self.ended.emit()
