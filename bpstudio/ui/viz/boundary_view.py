"""The decision boundary as a live heatmap with the data on top, and per-unit thumbnails.

Drawn from a ShadowNetwork (a private numpy copy of the weights), so it can refresh
while the worker trains. ``request()`` asks for a redraw; redraws happen at most
``MAX_HZ`` times per second, ``TRAINING_HZ`` while a run trains.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from bpstudio.ui.theme import MUTED
from bpstudio.viz.boundary import (
    CLASS_COLORS,
    decision_image,
    grid_over,
    hidden_units,
    is_planar,
    probability_rgb,
    raw_extent,
    value_rgb,
)
from bpstudio.viz.shadow import ShadowNetwork

MAX_HZ = 4.0
# A redraw holds the GIL for ~25 ms (a 120x120 grid through the network, then the
# thumbnails), time the training worker waits for: while it trains, once a second
# (measured with benchmarks/bench_app.py: at 4/s the view alone cost ~15% of throughput).
TRAINING_HZ = 1.0
ACTIVATIONS = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU")
RESOLUTION = 120
THUMB = 28  # grid points per side of a unit thumbnail
THUMB_PX = 44


def pixmap_of(rgb: np.ndarray, size: int | None = None) -> QPixmap:
    """(H, W, 3) uint8, row 0 at the bottom -> a QPixmap (row 0 at the top)."""
    img = np.ascontiguousarray(rgb[::-1])
    h, w, _ = img.shape
    q = QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    pm = QPixmap.fromImage(q)
    return pm.scaled(size, size) if size else pm


def clear_layout(layout) -> None:
    """Remove every widget now (deleteLater alone leaves them painted until the loop
    runs again)."""
    while layout.count():
        w = layout.takeAt(0).widget()
        if w is not None:
            w.hide()
            w.setParent(None)
            w.deleteLater()


class BoundaryView(QWidget):
    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.shadow = ShadowNetwork()
        self.updates = 0  # how many times the image was redrawn (tests read it)
        self.probs: np.ndarray | None = None
        self.busy = False  # a run trains: redraw at TRAINING_HZ, thumbnails apart
        self._last = 0.0
        self._points_key = None
        self._thumb_key = None
        self._thumb_labels: dict = {}
        self._timer = QTimer(self, singleShot=True, timeout=self.redraw)
        self._thumb_timer = QTimer(self, singleShot=True, timeout=self._draw_thumbnails)
        self._thumb_args = None  # (net, grid) the pending thumbnails are drawn from
        # a request that came while thumbnails were pending: honoured once they are drawn
        # (dropping it left the picture of a mid-run network after the run had ended)
        self._requested = False
        self._labels = None  # the axis labels shown
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAspectLocked(True)
        self.plot.getPlotItem().hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        # Small dots, the training ones unrimmed: on the spiral example larger rimmed
        # dots covered every arm of the boundary, which then looked untrained.
        self.train_pts = pg.ScatterPlotItem(size=4, pen=pg.mkPen(None))
        self.val_pts = pg.ScatterPlotItem(size=5, pen=pg.mkPen("k", width=1.0))
        self.plot.addItem(self.train_pts)
        self.plot.addItem(self.val_pts)
        self.note = QLabel()
        self.note.setWordWrap(True)
        # at the top, also when the plot is hidden and the note has the dock to itself
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.note.setStyleSheet(f"{MUTED} font-size: 8pt;")
        self.thumbs = QWidget()
        self.thumb_grid = QGridLayout(self.thumbs)
        self.thumb_grid.setSpacing(3)
        scroll = QScrollArea()
        scroll.setWidget(self.thumbs)
        scroll.setWidgetResizable(True)
        self.split = split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plot)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([480, 140])
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(split, 1)

    def resizeEvent(self, event):
        """Thumbnails beside the square plot in a wide dock, below it in a tall one."""
        wide = self.width() > 1.4 * self.height()
        orient = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.split.orientation() != orient:
            self.split.setOrientation(orient)
            total = self.width() if wide else self.height()
            self.split.setSizes([int(total * 0.6), int(total * 0.4)])
        super().resizeEvent(event)

    # -------------------------------------------------------------- refreshing
    def set_busy(self, busy: bool) -> None:
        """A run trains (True) or not: sets the redraw rate."""
        self.busy = busy

    def request(self, *_args) -> None:
        """Redraw soon, at most MAX_HZ (TRAINING_HZ while busy) times per second (safe
        to call per packet); nothing while the view is hidden (showing it asks again) or
        while the previous redraw's thumbnails are still to come."""
        if self._timer.isActive() or not self.isVisible():
            return
        if self._thumb_timer.isActive():
            self._requested = True
            return
        hz = TRAINING_HZ if self.busy else MAX_HZ
        wait = max(0.0, 1.0 / hz - (time.monotonic() - self._last))
        self._timer.start(int(wait * 1000))

    def clear(self, text: str = "") -> None:
        """Show nothing but ``text``: the picture belongs to a model or data no longer
        shown (another project, other data, a graph that does not compile)."""
        self._timer.stop()
        self._thumb_timer.stop()
        self._thumb_args = None
        self._requested = False
        self.probs = None
        self._points_key = self._thumb_key = None
        self._thumb_labels = {}
        self.image.clear()
        self.train_pts.setData([], [])
        self.val_pts.setData([], [])
        clear_layout(self.thumb_grid)
        self.note.setText(text)
        # empty axes under the reason looked like a broken plot
        self.split.setVisible(not text)

    def redraw(self) -> bool:
        self._last = time.monotonic()
        self._thumb_timer.stop()  # thumbnails come from this redraw's network, if any
        self._thumb_args = None
        session = self.model.session
        ds = session.dataset
        net, why = self.shadow.network_for(session)
        if net is None:
            self.clear(why)
            return False
        if not is_planar(net):
            shape = list(net.shapes[net.input_id])
            self.clear(f"The decision boundary needs 2 input features; this data has {shape}.")
            return False
        self._draw(net, ds)
        return True

    def _draw(self, net, ds) -> None:
        self.split.show()
        pts = ds.x_train if len(ds.x_val) == 0 else np.concatenate([ds.x_train, ds.x_val])
        grid = grid_over(pts, RESOLUTION)
        self.probs = decision_image(net, grid)
        task = net.loss_fn.task
        if task == "regression":
            rgb = value_rgb(self.probs[..., 0] - np.median(self.probs[..., 0]))
        else:
            rgb = probability_rgb(self.probs)
        x0, x1, y0, y1 = grid.extent
        self.image.setImage(rgb, levels=(0, 255))
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        if self._points_key != (id(ds), task):  # the points only change with the data
            self._points_key = (id(ds), task)
            self._scatter(self.train_pts, ds.x_train, ds.y_train, task)
            self._scatter(self.val_pts, ds.x_val, ds.y_val, task)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._thumb_args = (net, grid_over(pts, THUMB))
        if self.busy:
            # the thumbnails in a later turn of the event loop: two short GIL holds
            # instead of one long stall of the GUI
            self._thumb_timer.start(0)
        else:
            self._draw_thumbnails()
        self.updates += 1
        what = "class probabilities" if task != "regression" else "predicted value"
        self.note.setText(
            f"Model {what} over the input plane; dots: training data, black rings: "
            f"validation. {self._units_where()}: what each hidden unit computes. "
            f"{self._axes(ds, grid)}"
        )

    def _units_where(self) -> str:
        """Where the unit thumbnails are: beside the plot in a wide dock, else below."""
        return "Right" if self.split.orientation() == Qt.Orientation.Horizontal else "Below"

    def _axes(self, ds, grid) -> str:
        """Label the axes with the feature names; say what the view spans in file units
        when the inputs are normalised (the model sees normalised values)."""
        names = list(ds.feature_names or ["x1", "x2"])[:2]
        norm = (ds.transform or {}).get("normalize") or {}
        scaled = norm.get("method", "none") != "none"
        suffix = f" ({norm.get('method')})" if scaled else ""
        labels = (names[0] + suffix, names[1] + suffix)
        if labels != self._labels:  # pyqtgraph re-lays a label out even when unchanged
            self._labels = labels
            self.plot.setLabel("bottom", labels[0])
            self.plot.setLabel("left", labels[1])
        if not scaled:
            return ""
        x0, x1, y0, y1 = raw_extent(grid, ds.transform)
        return f"In file units: {names[0]} {x0:.3g} to {x1:.3g}, {names[1]} {y0:.3g} to {y1:.3g}."

    @staticmethod
    def _scatter(item, x, y, task) -> None:
        if x is None or len(x) == 0:
            item.setData([], [])
            return
        # One brush object per class: pyqtgraph renders a symbol once per distinct brush.
        palette = [pg.mkBrush(int(r), int(g), int(b), 230) for r, g, b in CLASS_COLORS]
        if task == "regression":
            brushes = [pg.mkBrush(60, 60, 60, 200)] * len(x)
        else:
            idx = np.asarray(y).reshape(-1).astype(int) % len(CLASS_COLORS)
            brushes = [palette[i] for i in idx]
        item.setData(x=x[:, 0], y=x[:, 1], brush=brushes)

    def _draw_thumbnails(self) -> None:
        if self._thumb_args is not None:
            self._thumbnails(*self._thumb_args)
            self._thumb_args = None
        if self._requested:
            self._requested = False
            self.request()

    def _thumbnails(self, net, grid) -> None:
        units = hidden_units(net, grid, max_units=16)
        ops = {n.id: type(n.layer).__name__ for n in net.nodes}
        acts = {k: v for k, v in units.items() if ops[k] in ACTIVATIONS} or units
        key = tuple((k, len(v)) for k, v in acts.items())
        if key != self._thumb_key:  # new labels only when the layers change
            self._thumb_key = key
            self._thumb_labels = self._make_thumb_labels(key)
        for nid, maps in acts.items():
            centre = 0.5 if ops[nid] == "Sigmoid" else 0.0  # where the unit switches
            pictures = value_rgb(maps - centre)  # (units, H, W, 3) in one pass
            for j, m in enumerate(maps):
                lab = self._thumb_labels[nid][j]
                lab.setPixmap(pixmap_of(pictures[j], THUMB_PX))
                lab.setToolTip(f"{nid} unit {j}: min {m.min():.3g}, max {m.max():.3g}")

    def _make_thumb_labels(self, key) -> dict:
        clear_layout(self.thumb_grid)
        labels = {}
        for row, (nid, n) in enumerate(key):
            name = QLabel(nid)
            name.setMinimumWidth(48)
            self.thumb_grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            labels[nid] = [QLabel() for _ in range(n)]
            for j, lab in enumerate(labels[nid]):
                self.thumb_grid.addWidget(lab, row, j + 1, Qt.AlignmentFlag.AlignTop)
        self.thumb_grid.setRowStretch(len(key), 1)
        self.thumb_grid.setColumnStretch(17, 1)
        return labels
