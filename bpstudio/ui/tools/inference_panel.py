"""The inference panel: pick a dataset row or image, or type feature values, and see the
prediction and the class probabilities.

Predictions come from a ShadowNetwork copy (eval mode): while training runs the worker
owns the live network, so the copy is refreshed when training pauses or stops, or when
the person presses Refresh weights.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bpstudio.errors import BpError
from bpstudio.ui.tables import filling
from bpstudio.ui.tools.value_form import ValueForm
from bpstudio.ui.viz.boundary_view import pixmap_of
from bpstudio.viz.boundary import CLASS_COLORS
from bpstudio.viz.evaluation import image_of
from bpstudio.viz.inference import Prediction, form_fields, predict_sample, raw_values
from bpstudio.viz.shadow import ShadowNetwork, ensure_network, why_no_network

MAX_ROWS = 500  # rows listed (a table of thousands helps nobody pick one)
MAX_IMAGES = 200
MAX_COLUMNS = 8
THUMB = 48
BUSY_STATES = ("running", "stopping")


class InferencePanel(QWidget):
    """Signals: ``predicted(Prediction)`` after each prediction shown."""

    predicted = Signal(object)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.runner = None
        self.shadow = ShadowNetwork()
        self.net = None  # the copy predictions come from
        self.prediction: Prediction | None = None
        self.x: np.ndarray | None = None  # the listed split
        self.y: np.ndarray | None = None
        self._last_input: tuple[str, np.ndarray] | None = None  # (what, (1, ...) sample)
        self._build()
        self.reload()

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        self.split = QComboBox()
        self.split.addItems(["validation", "training"])
        self.refresh_btn = QPushButton("Refresh weights")
        self.refresh_btn.setToolTip("Copy the network's current weights now (also during training)")
        self.weights_note = QLabel()
        self.weights_note.setStyleSheet("color: #6b7280;")
        top = QHBoxLayout()
        top.addWidget(QLabel("Rows:"))
        top.addWidget(self.split)
        top.addWidget(self.refresh_btn)
        top.addWidget(self.weights_note, 1)
        self.table = _row_table()
        self.thumbs = _thumb_list()
        self.rows = QStackedWidget()
        self.rows.addWidget(self.table)
        self.rows.addWidget(self.thumbs)
        self.form = ValueForm()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.rows, "Dataset rows")
        self.tabs.addTab(self.form, "Type values")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.bars = ProbabilityBars()
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        # the answer above the rows: below them, in the short default dock, it was out
        # of sight and choosing a row seemed to do nothing
        lay.addWidget(self.result)
        lay.addWidget(self.tabs, 3)
        lay.addWidget(self.bars, 2)
        self.split.currentTextChanged.connect(lambda _: self.reload())
        self.refresh_btn.clicked.connect(self.refresh_weights)
        self.table.itemSelectionChanged.connect(self._row_chosen)
        self.thumbs.itemSelectionChanged.connect(self._image_chosen)
        self.form.submitted.connect(self.predict_typed)

    def attach_runner(self, runner) -> None:
        self.runner = runner
        runner.state_changed.connect(self._training_state)
        runner.packet.connect(self._packet)

    @property
    def training(self) -> bool:
        return self.runner is not None and self.runner.state in BUSY_STATES

    # ----------------------------------------------------------------- content
    def reload(self) -> None:
        """List the chosen split's rows (or images) and rebuild the form."""
        ds = self.model.session.dataset
        self.prediction = self._last_input = None
        self._show_nothing(why_no_network(self.model.session) if ds is None else "")
        if ds is None:
            self.x = self.y = None
            self.table.setRowCount(0)
            self.thumbs.clear()
            self.form.set_fields([], "Load the data first (Dataset panel).")
            return
        self.x, self.y = self._split(ds)
        images = self.x.ndim == 4
        self.rows.setCurrentIndex(1 if images else 0)
        if images:
            self._fill_thumbs(ds)
        else:
            self._fill_table(ds)
        fields = form_fields(ds.transform)
        note = "" if fields else "Images cannot be typed: pick one in Dataset rows."
        self.form.set_fields(fields, note, ds.transform)
        self.tabs.setTabEnabled(1, bool(fields))

    def _split(self, ds):
        if self.split.currentText() == "validation" and len(ds.x_val):
            return ds.x_val, ds.y_val
        return ds.x_train, ds.y_train

    def _fill_table(self, ds) -> None:
        fields = form_fields(ds.transform)[:MAX_COLUMNS]
        n = min(len(self.x), MAX_ROWS)
        t = self.table
        t.blockSignals(True)
        t.clear()
        t.setColumnCount(2 + len(fields))
        t.setHorizontalHeaderLabels(["#", "target", *[f.name for f in fields]])
        t.setRowCount(n)
        with filling(t):
            for r in range(n):
                raw = raw_values(self.x[r], ds.transform)
                cells = [str(r), self._target_text(r, ds)]
                cells += [_fmt(raw[f.name]) for f in fields]
                for c, text in enumerate(cells):
                    t.setItem(r, c, QTableWidgetItem(text))
        t.blockSignals(False)

    def _fill_thumbs(self, ds) -> None:
        self.thumbs.blockSignals(True)
        self.thumbs.clear()
        for i in range(min(len(self.x), MAX_IMAGES)):
            icon = QIcon(pixmap_of(image_of(self.x[i])[::-1], THUMB))
            item = QListWidgetItem(icon, self._target_text(i, ds))
            item.setToolTip(f"row {i}: {self._target_text(i, ds)}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.thumbs.addItem(item)
        self.thumbs.blockSignals(False)

    def _target_text(self, i: int, ds) -> str:
        y = self.y[i]
        if ds.class_names:
            return str(ds.class_names[int(y)])
        return ", ".join(f"{v:.4g}" for v in np.ravel(y))

    # -------------------------------------------------------------- choosing
    def select_row(self, i: int) -> None:
        """Pick row ``i`` of the listed split (as a click would)."""
        if self.rows.currentIndex() == 1:
            self.thumbs.setCurrentRow(i)
        else:
            self.table.selectRow(i)

    def _row_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._predict_index(rows[0].row())

    def _image_chosen(self) -> None:
        items = self.thumbs.selectedItems()
        if items:
            self._predict_index(int(items[0].data(Qt.ItemDataRole.UserRole)))

    def _predict_index(self, i: int) -> None:
        ds = self.model.session.dataset
        if ds is None or self.x is None:
            return
        if self.form.fields:  # the form starts from this row, to vary one feature
            self.form.set_values(raw_values(self.x[i], ds.transform))
        self.predict(self.x[i : i + 1], f"row {i} (target {self._target_text(i, ds)})")

    def predict_typed(self, x: np.ndarray) -> None:
        self.predict(x, "typed values")

    # ------------------------------------------------------------ predicting
    def predict(self, x: np.ndarray, what: str) -> Prediction | None:
        """Predict one sample ``x (1, ...)`` with the copy; show and return it."""
        self._last_input = (what, x)
        net = self._network()
        if net is None:
            return None
        ds = self.model.session.dataset
        self.prediction = p = predict_sample(net, x, ds.class_names)
        self._show(p, what)
        self.predicted.emit(p)
        return p

    def _network(self):
        """The copy: refreshed now unless training runs (then the last copy)."""
        if self.net is None or not self.training:
            self.refresh_weights(predict_again=False)
        return self.net

    def refresh_weights(self, predict_again: bool = True) -> None:
        session = self.model.session
        try:
            if not self.training:
                ensure_network(session)
            self.net = self.shadow.sync(session)
        except BpError as exc:
            self.net = None
            self._show_nothing(str(exc))
            return
        if self.net is None:
            self._show_nothing(why_no_network(session))
            return
        self.weights_note.setText(f"weights copied {time.strftime('%H:%M:%S')}")
        if predict_again and self._last_input is not None:
            self.predict(self._last_input[1], self._last_input[0])

    def _training_state(self, state: str) -> None:
        if state in ("idle", "paused"):
            self.refresh_weights()

    def _packet(self, _packet) -> None:
        """ "paused" is shown as soon as asked; the batch then in flight still updates
        the weights, and its packet arrives once the worker has really paused."""
        if self.runner is not None and self.runner.state == "paused":
            self.refresh_weights()

    # --------------------------------------------------------------- showing
    def _show_nothing(self, why: str) -> None:
        self.result.setText(why or "Pick a row or an image, or type values.")
        self.bars.clear_bars()

    def _show(self, p: Prediction, what: str) -> None:
        if p.is_classification:
            k = int(np.argmax(p.probs))
            self.result.setText(f"<b>Prediction: {p.label}</b> ({p.probs[k]:.1%}) — {what}")
            self.bars.show_probs(p.names, p.probs)
        else:
            self.result.setText(f"<b>Prediction: {p.label}</b> — {what}")
            self.bars.clear_bars()


class ProbabilityBars(pg.PlotWidget):
    """Class probabilities as bars in the class colours, 0 to 1."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.item = None
        self.labels: list[pg.TextItem] = []  # the percentages over the bars
        self.heights: np.ndarray | None = None
        self.setMinimumHeight(120)
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().hideButtons()
        self.getPlotItem().showGrid(y=True, alpha=0.2)
        self.setLabel("left", "probability")
        self.setYRange(0, 1.12, padding=0)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name): small, see lr_panel._Plot
        return QSize(300, 140)

    def clear_bars(self) -> None:
        for item in [self.item, *self.labels]:
            if item is not None:
                self.removeItem(item)
        self.item, self.heights, self.labels = None, None, []

    def show_probs(self, names, probs: np.ndarray) -> None:
        self.clear_bars()
        self.heights = np.asarray(probs, dtype=np.float64)
        colours = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(probs))]
        brushes = [pg.mkBrush(*(int(v) for v in c)) for c in colours]
        x = np.arange(len(probs))
        self.item = pg.BarGraphItem(x=x, height=self.heights, width=0.7, brushes=brushes)
        self.addItem(self.item)
        if len(probs) <= 12:  # beyond that the labels would overlap
            for i, p in enumerate(self.heights):
                label = pg.TextItem(f"{p:.1%}", color="#334155", anchor=(0.5, 1.0))
                label.setPos(i, p)
                self.addItem(label)
                self.labels.append(label)
        step = max(1, len(names) // 12)
        self.getAxis("bottom").setTicks([[(i, str(names[i])) for i in range(0, len(names), step)]])
        self.setXRange(-0.6, len(probs) - 0.4, padding=0)
        self.setYRange(0, 1.12, padding=0)


def _row_table() -> QTableWidget:
    t = QTableWidget()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().hide()
    t.verticalHeader().setDefaultSectionSize(22)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return t


def _thumb_list() -> QListWidget:
    w = QListWidget()
    w.setViewMode(QListWidget.ViewMode.IconMode)
    w.setIconSize(QSize(THUMB, THUMB))
    w.setResizeMode(QListWidget.ResizeMode.Adjust)
    w.setMovement(QListWidget.Movement.Static)
    w.setSpacing(4)
    w.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return w


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
