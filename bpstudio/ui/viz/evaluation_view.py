"""Evaluation views: confusion matrix, misclassified samples, predicted vs true.

Computed on a ShadowNetwork copy (eval mode), so it may refresh during training.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bpstudio.ui.tables import filling
from bpstudio.ui.viz.boundary_view import clear_layout, pixmap_of
from bpstudio.viz.evaluation import (
    class_count,
    confusion_matrix,
    evaluate_split,
    image_of,
    misclassified,
    raw_features,
    regression_fit,
)
from bpstudio.viz.shadow import ShadowNetwork

MAX_HZ = 1.0
MAX_WRONG = 48
# While a run trains, each evaluation (once a second, on the GUI thread) gets about this
# long: it predicts the first rows of the split that fit, measured from the last one,
# never fewer than LIVE_MIN_ROWS. A 12,000-row split through a CNN took seconds.
LIVE_BUDGET_S = 0.025
LIVE_MIN_ROWS = 256
LIVE_FIRST_ROWS = 1024  # before any evaluation was timed
CONFUSION_TAB, ROWS_TAB, IMAGES_TAB, SCATTER_TAB = range(4)


def _table(cell: tuple[int, int] | None = None) -> QTableWidget:
    t = QTableWidget()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if cell is None:
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    else:  # square-ish cells for the confusion matrix, wider for long class names
        t.horizontalHeader().setMinimumSectionSize(cell[0])
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.verticalHeader().setDefaultSectionSize(cell[1])
    return t


class EvaluationView(QWidget):
    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.shadow = ShadowNetwork()
        self.result = None
        self.matrix: np.ndarray | None = None
        self.wrong: np.ndarray | None = None
        self._last = 0.0
        self.busy = False  # a run trains: evaluate a budgeted share of the rows
        self._row_cost: float | None = None  # seconds per row of the last evaluation
        self._timer = QTimer(self, singleShot=True, timeout=self.evaluate)
        self.split = QComboBox()
        self.split.addItems(["validation", "training"])
        self.run_btn = QPushButton("Evaluate")
        self.run_btn.setToolTip("Predict the chosen split with the current weights (eval mode)")
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Split:"))
        top.addWidget(self.split)
        top.addWidget(self.run_btn)
        top.addWidget(self.summary, 1)
        self.tabs = QTabWidget()
        # Qt chrome buttons would need tooltips; elided titles fit narrow docks instead.
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.confusion = _table((72, 30))  # 4 classes fit the short default dock
        self.confusion.setToolTip("rows: the true class; columns: the predicted class")
        self.wrong_table = _table()
        self.wrong_images = QWidget()
        self.wrong_grid = QGridLayout(self.wrong_images)
        scroll = QScrollArea()
        scroll.setWidget(self.wrong_images)
        scroll.setWidgetResizable(True)
        self.scatter_plot = pg.PlotWidget(background="w")
        self.scatter_plot.setLabel("bottom", "true")
        self.scatter_plot.setLabel("left", "predicted")
        self.scatter = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(0, 114, 178, 150), pen=None)
        self.diagonal = pg.PlotDataItem(
            pen=pg.mkPen("#94a3b8", width=1.5, style=Qt.PenStyle.DashLine)
        )
        self.scatter_plot.addItem(self.diagonal)
        self.scatter_plot.addItem(self.scatter)
        # in the order of CONFUSION_TAB, ROWS_TAB, IMAGES_TAB, SCATTER_TAB
        self.tabs.addTab(self.confusion, "Confusion matrix")
        self.tabs.addTab(self.wrong_table, "Misclassified rows")
        self.tabs.addTab(scroll, "Misclassified images (true → predicted)")
        self.tabs.addTab(self.scatter_plot, "Predicted vs true")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)
        self._unfilled: dict = {}  # tab index -> what fills it once it is shown
        self.tabs.currentChanged.connect(self._fill_shown_tab)
        self.run_btn.clicked.connect(self.evaluate)
        self.split.currentTextChanged.connect(lambda _: self.evaluate())

    def request(self, *_args) -> None:
        """Re-evaluate soon, at most MAX_HZ times per second."""
        if self.isVisible() and not self._timer.isActive():
            wait = max(0.0, 1.0 / MAX_HZ - (time.monotonic() - self._last))
            self._timer.start(int(wait * 1000))

    def clear(self, text: str = "") -> None:
        """Show nothing but ``text``: the results belong to a model or data no longer
        shown (another project, other data, a graph that does not compile)."""
        self._timer.stop()
        self._unfilled = {}
        self.result = self.matrix = self.wrong = None
        for t in (self.confusion, self.wrong_table):
            t.clear()
            t.setRowCount(0)
            t.setColumnCount(0)
        clear_layout(self.wrong_grid)
        self.scatter.setData([], [])
        self.diagonal.setData([], [])
        self.summary.setText(text)

    # ------------------------------------------------------------ evaluating
    def evaluate(self) -> bool:
        self._last = time.monotonic()
        session = self.model.session
        ds = session.dataset
        net, why = self.shadow.network_for(session)
        if net is None:
            self.clear(why)
            return False
        x, y = (ds.x_val, ds.y_val) if self.split.currentText() == "validation" else (
            ds.x_train, ds.y_train)  # fmt: skip
        if len(x) == 0:
            self.clear(f"The {self.split.currentText()} split is empty.")
            return False
        total = len(x)
        n = self._live_rows(total)
        x, y = x[:n], y[:n]
        t0 = time.perf_counter()
        self.result = ev = evaluate_split(net, x, y, ds.class_names)
        self._row_cost = (time.perf_counter() - t0) / n
        if ev.is_classification:
            self._show_classes(ev, x, ds)
        else:
            self._show_regression(ev)
        if n < total:
            self.summary.setText(
                f"{self.summary.text()} · first {n:,} of {total:,} rows while training"
            )
        return True

    def set_busy(self, busy: bool) -> None:
        self.busy = busy

    def _live_rows(self, total: int) -> int:
        """All rows, unless a run trains: then what fits in LIVE_BUDGET_S."""
        if not self.busy:
            return total
        if self._row_cost is None:
            return min(total, LIVE_FIRST_ROWS)
        return min(total, max(LIVE_MIN_ROWS, int(LIVE_BUDGET_S / max(self._row_cost, 1e-9))))

    def _show_classes(self, ev, x, ds) -> None:
        k = class_count(ev)
        names = list(ev.class_names or [str(i) for i in range(k)])
        self.matrix = confusion_matrix(ev.y, ev.pred, k)
        self.wrong = misclassified(ev, MAX_WRONG)
        images = x.ndim == 4
        # Only the tab in view is filled now; the others when they are shown. While
        # training this runs every second, and 48 thumbnails nobody looks at cost ~20 ms.
        self._unfilled = {
            CONFUSION_TAB: lambda: self._fill_confusion(names),
            ROWS_TAB: lambda: self._fill_wrong_rows(x, names, ds),
        }
        if images:
            self._unfilled[IMAGES_TAB] = lambda: self._fill_wrong_images(x, names)
        self._tab_visibility(classes=True, images=images)
        self._fill_shown_tab()
        n_wrong = int(np.sum(ev.pred != ev.y))
        self.summary.setText(f"accuracy {ev.accuracy:.1%} · {n_wrong} of {len(ev.y)} wrong")

    def _fill_shown_tab(self, *_args) -> None:
        fill = self._unfilled.pop(self.tabs.currentIndex(), None)
        if fill is not None:
            fill()

    def _show_regression(self, ev) -> None:
        self._unfilled = {}
        fit = regression_fit(ev)
        self.scatter.setData(x=fit.true, y=fit.pred)
        lo = float(min(fit.true.min(), fit.pred.min()))
        hi = float(max(fit.true.max(), fit.pred.max()))
        self.diagonal.setData([lo, hi], [lo, hi])
        self._tab_visibility(classes=False, images=False)
        r2 = "–" if fit.r2 is None else f"{fit.r2:.3f}"
        self.summary.setText(f"MAE {fit.mae:.4g} · RMSE {fit.rmse:.4g} · R² {r2}")

    def _tab_visibility(self, classes: bool, images: bool) -> None:
        shown = {CONFUSION_TAB: classes, ROWS_TAB: classes, IMAGES_TAB: images,
                 SCATTER_TAB: not classes}  # fmt: skip
        for i, on in shown.items():
            self.tabs.setTabVisible(i, on)
        if not self.tabs.isTabVisible(self.tabs.currentIndex()):
            self.tabs.setCurrentIndex(CONFUSION_TAB if classes else SCATTER_TAB)

    # --------------------------------------------------------------- tables
    def _fill_confusion(self, names: list[str]) -> None:
        with filling(self.confusion):
            self._fill_confusion_cells(names)

    def _fill_confusion_cells(self, names: list[str]) -> None:
        m, t = self.matrix, self.confusion
        t.setRowCount(len(names))
        t.setColumnCount(len(names))
        t.setHorizontalHeaderLabels([f"pred {n}" for n in names])
        t.setVerticalHeaderLabels([f"true {n}" for n in names])
        rows = np.maximum(m.sum(axis=1, keepdims=True), 1)
        for i in range(len(names)):
            for j in range(len(names)):
                item = QTableWidgetItem(str(int(m[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = m[i, j] / rows[i, 0]
                base = (0, 114, 178) if i == j else (213, 94, 0)
                c = [int(255 - (255 - b) * share * 0.85) for b in base]
                item.setBackground(QBrush(QColor(*c)))
                item.setForeground(QBrush(QColor("#0f172a")))  # light cell: dark text, any theme
                item.setToolTip(f"true {names[i]}, predicted {names[j]}: {share:.0%} of the row")
                t.setItem(i, j, item)

    def _fill_wrong_rows(self, x, names, ds) -> None:
        """The wrong rows with their first features in the file's units."""
        with filling(self.wrong_table):
            self._fill_wrong_cells(x, names, ds)

    def _fill_wrong_cells(self, x, names, ds) -> None:
        ev, t = self.result, self.wrong_table
        flat = x.ndim == 2
        feats = list(ds.feature_names or [])[:6] if flat else []
        if flat:
            x = raw_features(x, ds.transform)[:, : len(feats)]  # un-normalise every column
        head = ["row" if flat else "file", "true", "predicted", "confidence", *feats]
        t.clear()
        t.setColumnCount(len(head))
        t.setHorizontalHeaderLabels(head)
        t.setRowCount(len(self.wrong))
        for r, i in enumerate(self.wrong):
            cells = [
                self._row_id(i),
                names[ev.y[i]],
                names[ev.pred[i]],
                f"{ev.probs[i, ev.pred[i]]:.1%}",
            ]
            cells += [f"{v:.3g}" for v in x[i, : len(feats)]] if flat else []
            for c, text in enumerate(cells):
                t.setItem(r, c, QTableWidgetItem(text))

    def _row_id(self, i) -> str:
        """Where row ``i`` of the evaluated split came from: "row 7" of the CSV, an
        image's path in its folder (the split's own position when unknown)."""
        ds = self.model.session.dataset
        ids = ds.val_ids if self.split.currentText() == "validation" else ds.train_ids
        return ids[i] if ds is not None and i < len(ids) else f"#{int(i)} of the split"

    def _fill_wrong_images(self, x, names) -> None:
        ev = self.result
        clear_layout(self.wrong_grid)
        for n, i in enumerate(self.wrong):
            cell = QLabel()
            cell.setPixmap(pixmap_of(image_of(x[i])[::-1], 64))
            cell.setToolTip(
                f"{self._row_id(i)}: true {names[ev.y[i]]}, predicted {names[ev.pred[i]]}"
            )
            caption = QLabel(f"{names[ev.y[i]]} → {names[ev.pred[i]]}")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(2, 2, 2, 2)
            lay.addWidget(cell)
            lay.addWidget(caption)
            self.wrong_grid.addWidget(box, n // 8, n % 8, Qt.AlignmentFlag.AlignTop)
        self.wrong_grid.setRowStretch((len(self.wrong) + 7) // 8, 1)
        self.wrong_grid.setColumnStretch(8, 1)
