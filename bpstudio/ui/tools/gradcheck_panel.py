"""The gradient check panel: the engine's finite-difference check of backward, per
parameter tensor, on a float64 copy of the current network and a few training rows."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpstudio.ui.tables import filling
from bpstudio.ui.tools.jobbar import JobBar
from bpstudio.viz.gradcheck_run import EPS, THRESHOLD, GradcheckReport, run_gradcheck
from bpstudio.viz.netcopy import weights_source

PASS_BG, FAIL_BG = QColor("#dcfce7"), QColor("#fee2e2")
# the text on those light backgrounds: the palette's text is white in the dark theme
PASS_FG, FAIL_FG = QColor("#166534"), QColor("#991b1b")
VERDICT_STYLE = {
    True: "background: #dcfce7; color: #166534; border: 1px solid #16a34a; padding: 4px;",
    False: "background: #fef2f2; color: #991b1b; border: 1px solid #dc2626; padding: 4px;",
}
HEADERS = ["Parameter", "Shape", "Entries checked", "‖gradient‖", "Relative error", "Result"]
EPS_CHOICES = (1e-4, 1e-5, 1e-6, 1e-7)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter


class GradcheckPanel(QWidget):
    """Signals: ``checked(GradcheckReport)`` when a check completes."""

    checked = Signal(object)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.report: GradcheckReport | None = None
        self.samples = QSpinBox(minimum=1, maximum=256, value=8)
        self.samples.setToolTip("Training rows in the batch the loss is computed on")
        self.entries = QSpinBox(minimum=0, maximum=100000, value=64, singleStep=16)
        self.entries.setSpecialValueText("all")
        self.entries.setToolTip(
            "Entries sampled per tensor (two forward passes each); 'all' checks every one"
        )
        self.eps = QComboBox()
        for e in EPS_CHOICES:
            self.eps.addItem(f"{e:g}", e)
        self.eps.setCurrentIndex(EPS_CHOICES.index(EPS))
        self.eps.setToolTip(
            "Step of the central differences: smaller steps suffer rounding when gradients "
            "are tiny, larger ones straddle ReLU kinks"
        )
        self.jobs = JobBar("Run check")
        self.jobs.run_btn.setToolTip("Compare backward's gradients with finite differences")
        self.verdict = QLabel("Press Run check to compare backprop with finite differences.")
        self.verdict.setWordWrap(True)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = _table()
        self.note = QLabel(
            f"Relative error ‖analytic − numerical‖ / max(‖analytic‖, ‖numerical‖, floor), "
            f"float64; a tensor passes below {THRESHOLD:g}."
        )
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #6b7280;")
        self._layout()
        self.jobs.run_btn.clicked.connect(self.run)
        self.jobs.succeeded.connect(self.show_report)

    def _layout(self) -> None:
        top = QHBoxLayout()
        for text, w in (("Samples", self.samples), ("Entries/tensor", self.entries),
                        ("eps", self.eps)):  # fmt: skip
            top.addWidget(QLabel(text))
            top.addWidget(w)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.jobs)  # its own row: the panel fits a narrow dock
        lay.addWidget(self.verdict)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)

    def resizeEvent(self, event):
        """The summary keeps every wrapped line: a short dock squeezes the table, which
        scrolls, never the summary (a dock's layout ignores a label's height-for-width)."""
        super().resizeEvent(event)
        self._fit_verdict()

    def _fit_verdict(self) -> None:
        need = self.verdict.heightForWidth(max(1, self.verdict.width()))
        if need > 0 and need != self.verdict.minimumHeight():
            self.verdict.setMinimumHeight(need)

    def run(self) -> None:
        """Start the check in the background (on a copy: training may go on)."""
        if self.jobs.busy:  # one at a time (the menu can ask again)
            return
        session = self.model.session
        samples, eps = self.samples.value(), float(self.eps.currentData())
        entries = self.entries.value() or None
        self.source = weights_source(session)
        self._session = session

        def work(progress, cancel):
            return run_gradcheck(session, samples, entries, eps, progress, cancel)

        self.jobs.start(work)

    def show_report(self, report: GradcheckReport) -> None:
        if getattr(self, "_session", None) is not self.model.session:
            return  # checked a project no longer shown
        self.report = report
        t = self.table
        t.setRowCount(len(report.rows))
        with filling(t):
            for r, row in enumerate(report.rows):
                bg = PASS_BG if row.passed else FAIL_BG
                shape = "×".join(str(s) for s in row.shape)
                size = math.prod(row.shape)
                cells = [row.name, shape, f"{row.checked} of {size}", f"{row.grad_norm:.3e}",
                         f"{row.error:.3e}", "✓ pass" if row.passed else "✗ FAIL"]  # fmt: skip
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if c >= 2:
                        item.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    if c >= 4:
                        item.setBackground(QBrush(bg))
                        item.setForeground(QBrush(PASS_FG if row.passed else FAIL_FG))
                    t.setItem(r, c, item)
        self.verdict.setText(f"{report.verdict} — on {self.source}.")
        self.verdict.setStyleSheet(VERDICT_STYLE[report.passed])
        self._fit_verdict()
        self.checked.emit(report)

    def reset(self) -> None:
        """Another project is shown: its network was not checked."""
        self.report = None
        self.table.setRowCount(0)
        self.verdict.setText("Press Run check to compare backprop with finite differences.")
        self.verdict.setStyleSheet("")
        self._fit_verdict()

    def shutdown(self) -> None:
        self.jobs.shutdown()


def _table() -> QTableWidget:
    t = QTableWidget(0, len(HEADERS))
    t.setHorizontalHeaderLabels(HEADERS)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().hide()
    head = t.horizontalHeader()
    head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take the room
    return t
