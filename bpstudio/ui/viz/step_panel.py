"""Step-through mode: one batch of backprop as four phases with Next and Back.

The panel drives a Qt-free StepThrough on the session's network and optimiser. It
refuses to start while a run is training (the worker owns the model then); a paused
run is fine, and resuming it abandons an uncommitted step.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpstudio.errors import BpError
from bpstudio.ui.tables import filling
from bpstudio.ui.viz.bars import BarPlot
from bpstudio.viz.flow import frame_from_step
from bpstudio.viz.phases import (
    EXPLAIN,
    detail_values,
    fmt,
    frozen_params,
    phase_bars,
    phase_table,
)
from bpstudio.viz.stepper import PHASES, StepThrough

TITLES = {
    "forward": "1  Forward pass",
    "loss": "2  Loss",
    "backward": "3  Backward pass",
    "update": "4  Weight update",
}


RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _numeric(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def _table() -> QTableWidget:
    t = QTableWidget()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class StepPanel(QWidget):
    """Signals: ``frameChanged(FlowFrame, str)`` for the graph overlay, ``stepped()``
    after an update was applied (the weights changed), ``message(str)``."""

    frameChanged = Signal(object, str)
    stepped = Signal()
    message = Signal(str)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.step: StepThrough | None = None
        self.busy = False  # True while a run trains
        self.batches = 0
        self._build()
        self._refresh()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.new_btn = QPushButton("New batch")
        self.back_btn = QPushButton("◀ Back")
        self.next_btn = QPushButton("Next ▶")
        self.next_btn.setDefault(True)
        self.new_btn.setToolTip("Draw a new training batch and show its forward pass")
        self.back_btn.setToolTip("Show the previous phase (nothing in the network changes)")
        self.next_btn.setToolTip(
            "Show the next phase: forward, loss, backward, update; the last press applies "
            "the update with the optimiser"
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        for w in (self.new_btn, self.back_btn, self.next_btn):
            top.addWidget(w)
        top.addWidget(self.status, 1)
        self.phases = QListWidget()
        self.phases.addItems([TITLES[p] for p in PHASES])
        self.phases.setMaximumWidth(170)
        self.phases.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.phases.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.bars = BarPlot()
        self.table = _table()
        self.detail_title = QLabel()
        self.detail = _table()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.bars)
        right.addWidget(self.table)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.detail_title)
        lay.addWidget(self.detail)
        right.addWidget(box)
        right.setSizes([160, 200, 120])
        body = QHBoxLayout()
        body.addWidget(self.phases)
        col = QVBoxLayout()
        col.addWidget(self.explain)
        col.addWidget(right, 1)
        body.addLayout(col, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(body, 1)
        self.new_btn.clicked.connect(self.new_batch)
        self.back_btn.clicked.connect(self.back)
        self.next_btn.clicked.connect(self.next)
        self.table.itemSelectionChanged.connect(self._show_detail)

    def controls_width(self) -> int:
        """Pixels the New batch, Back and Next buttons need side by side (with the
        widest Next label and room for a scroll bar)."""
        labels = ("Next batch ▶", "Apply update ✓", "Next ▶")
        fm = self.next_btn.fontMetrics()
        widest = max(fm.horizontalAdvance(t) for t in labels) + 24
        next_w = max(self.next_btn.sizeHint().width(), widest)
        others = self.new_btn.sizeHint().width() + self.back_btn.sizeHint().width()
        return next_w + others + 60

    # ------------------------------------------------------------------ actions
    def set_busy(self, busy: bool) -> None:
        """True while training runs: stepping is off, an open step is abandoned."""
        self.busy = busy
        if busy and self.step is not None and not self.step.committed:
            self.reset("The run resumed: this step was abandoned, nothing was applied.")
        self._refresh()

    def reset(self, why: str = "") -> None:
        if self.step is not None and not self.step.committed:
            self.step.discard()
        self.step = None
        self.status.setText(why)
        self._refresh()

    def new_batch(self) -> bool:
        """Draw a fresh training batch and show its forward pass."""
        if self.busy:
            self.status.setText("Pause or stop training to step through a batch.")
            return False
        try:
            net, opt, cfg, xb, yb = self._batch()
        except BpError as exc:
            self.status.setText(str(exc))
            return False
        if self.step is not None and not self.step.committed:
            self.step.discard()
        self.step = StepThrough(net, opt, xb, yb, cfg)
        self.batches += 1
        self.step.next()
        self._refresh()
        return True

    def next(self) -> None:
        if self.step is not None and self.step.net is not self.model.session.network:
            self.reset("The network was rebuilt: this step was dropped.")
        if self.step is None or self.step.committed:
            self.new_batch()
            return
        was_update = self.step.phase == "update"
        self.step.next()
        if was_update and self.step.committed:
            self.stepped.emit()
        self._refresh()

    def back(self) -> None:
        if self.step is not None and not self.step.committed:
            self.step.back()
            self._refresh()

    def _batch(self):
        """(network, optimiser, config, xb, yb) for a new step; BpError when not ready."""
        session = self.model.session
        if session.dataset is None:
            raise BpError("Load the data first (Dataset panel).")
        if session.network is None or session.network_stale or session.optimizer is None:
            session.make_trainer()
        cfg = session.train_config()
        ds = session.dataset
        n = len(ds.x_train)
        size = n if cfg.batch_size <= 0 else min(cfg.batch_size, n)
        rng = np.random.default_rng(cfg.seed * 7919 + self.batches)
        idx = np.sort(rng.choice(n, size, replace=False))
        return session.network, session.optimizer, cfg, ds.x_train[idx], ds.y_train[idx]

    # ---------------------------------------------------------------- display
    def _refresh(self) -> None:
        st = self.step
        phase = st.phase if st is not None else None
        self.back_btn.setEnabled(st is not None and not st.committed and st.index > 0)
        self.next_btn.setEnabled(not self.busy)
        self.new_btn.setEnabled(not self.busy)
        self.next_btn.setText(self._next_label())
        for i, p in enumerate(PHASES):
            item = self.phases.item(i)
            font = item.font()
            font.setBold(p == phase)
            item.setFont(font)
            done = st is not None and (i < st.index or st.committed)
            text = self.phases.palette().text()  # the theme's text colour (dark theme too)
            item.setForeground(text if p == phase or done else Qt.GlobalColor.gray)
            item.setText(TITLES[p] + ("  ✓" if done else ""))
        if st is None or phase is None:
            self.explain.setText(
                "Press New batch (or Next batch ▶) to run one training batch step by step."
            )
            self._fill([], [])
            self.bars.show_bars([], [], False)
            return
        self.explain.setText(self._explanation())
        head, rows = phase_table(st, phase)
        self._fill(head, rows)
        labels, values, log = phase_bars(st, phase)
        self.bars.show_bars(labels, values, log, TITLES[phase][3:])
        self.status.setText(self._status_text())
        mode = "forward" if phase in ("forward", "loss") else "backward"
        self.frameChanged.emit(frame_from_step(st, mode), f"step-through: {phase}")
        if rows:
            self.table.selectRow(0)

    def _next_label(self) -> str:
        st = self.step
        if st is None or st.committed:
            return "Next batch ▶"
        return "Apply update ✓" if st.phase == "update" else "Next ▶"

    def _explanation(self) -> str:
        st = self.step
        text = EXPLAIN[st.phase]
        if st.committed:
            text = "Update applied: the rows show the actual change of every parameter."
        frozen = frozen_params(st) if st.phase == "update" else []
        if frozen:
            names = ", ".join(frozen[:4]) + (
                f" and {len(frozen) - 4} more" if len(frozen) > 4 else ""
            )
            text += (
                f" {names}: the change is smaller than float32 can represent next to the "
                "weights, so these do not change at all."
            )
        return text

    def _status_text(self) -> str:
        st = self.step
        n = st.forward[0].out.shape[0] if st.forward else 0
        where = f"batch {self.batches}: {n} samples · loss {fmt(st.loss.value)}"
        return where + (" · applied" if st.committed else "")

    def _fill(self, head: list[str], rows: list[list[str]]) -> None:
        t = self.table
        t.clear()
        t.setColumnCount(len(head))
        t.setRowCount(len(rows))
        t.setHorizontalHeaderLabels(head)
        with filling(t):
            for i, row in enumerate(rows):
                for j, text in enumerate(row):
                    item = QTableWidgetItem(text)
                    if _numeric(text):
                        item.setTextAlignment(RIGHT)
                    t.setItem(i, j, item)
        self._show_detail()

    def _show_detail(self) -> None:
        st, d = self.step, self.detail
        d.clear()
        d.setRowCount(0)
        d.setColumnCount(0)
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if st is None or st.phase is None or not rows:
            self.detail_title.setText("")
            return
        title, values = detail_values(st, st.phase, rows[0].row())
        if values is None:
            self.detail_title.setText(f"{title}: too many values per sample to list")
            return
        v = np.asarray(values).reshape(len(values), -1)
        self.detail_title.setText(title)
        d.setRowCount(v.shape[0])
        d.setColumnCount(v.shape[1])
        d.setHorizontalHeaderLabels([str(j) for j in range(v.shape[1])])
        row = "row" if st.phase == "update" else "sample"
        d.setVerticalHeaderLabels([f"{row} {i}" for i in range(v.shape[0])])
        d.verticalHeader().setVisible(True)
        d.horizontalHeader().setStretchLastSection(False)
        with filling(d):
            for i in range(v.shape[0]):
                for j in range(v.shape[1]):
                    item = QTableWidgetItem(fmt(float(v[i, j])))
                    item.setTextAlignment(RIGHT)
                    d.setItem(i, j, item)

    def cell(self, row: int, col: int) -> str:
        """The text shown in the phase table (tests read the panel through this)."""
        item = self.table.item(row, col)
        return item.text() if item is not None else ""
