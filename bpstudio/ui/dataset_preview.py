"""The dataset panel's preview: a table with column types (CSV), a thumbnail grid with
class counts (image folders), or a scatter plot (2-D or 1-D numeric data)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from bpstudio.ui.preview_data import CsvPreview, ImagePreview

CLASS_COLOURS = [
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#475569",
    "#ea580c",
]


class DataPreview(QStackedWidget):
    """Pages: empty note, table, thumbnails, scatter; ``kind`` names the one shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.note = QLabel("No preview")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setStyleSheet("color: #64748b;")
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.thumbs = QScrollArea()
        self.thumbs.setWidgetResizable(True)
        self.thumbs.setStyleSheet("QScrollArea { background: white; }")
        self.class_counts: dict[str, int] = {}
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend(offset=(5, 5))
        for page in (self.note, self.table, self.thumbs, self.plot):
            self.addWidget(page)
        self.kind = "none"

    def show_note(self, text: str) -> None:
        self.note.setText(text)
        self.setCurrentWidget(self.note)
        self.kind = "none"

    def show_csv(self, p: CsvPreview, target: str | None = None, unused=()) -> None:
        """The first rows; the target column tinted, columns left out greyed."""
        t = self.table
        t.clear()
        t.setColumnCount(len(p.columns))
        t.setRowCount(len(p.rows))
        t.setHorizontalHeaderLabels(
            [_header(c, kind, target, unused) for c, kind in zip(p.columns, p.types, strict=True)]
        )
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, row in enumerate(p.rows):
            for c, value in enumerate(row):
                # a missing cell may arrive as NaN; QTableWidgetItem(float) is the
                # "type" overload and overflows, so always hand it text
                item = QTableWidgetItem("" if value != value or value is None else str(value))
                if p.types[c] in ("integer", "number"):
                    item.setTextAlignment(right)
                if p.columns[c] == target:
                    item.setBackground(QColor("#fef3c7"))
                elif p.columns[c] in unused:
                    item.setForeground(QColor("#94a3b8"))
                t.setItem(r, c, item)
        t.resizeColumnsToContents()
        self.setCurrentWidget(t)
        self.kind = "table"

    def show_images(self, p: ImagePreview) -> None:
        """One row per class: its name and image count, then a few of its images."""
        grid = QWidget()
        layout = QGridLayout(grid)
        layout.setHorizontalSpacing(4)
        layout.setVerticalSpacing(6)
        for row, (name, count) in enumerate(zip(p.classes, p.counts, strict=True)):
            label = QLabel(f"<b>{name}</b><br><span style='color:#64748b'>{count} images</span>")
            layout.addWidget(label, row, 0)
            for col, arr in enumerate(p.thumbs.get(name, []), start=1):
                thumb = QLabel()
                thumb.setPixmap(_pixmap(arr))
                thumb.setToolTip(f"class {name!r}")
                layout.addWidget(thumb, row, col)
        layout.setColumnStretch(layout.columnCount(), 1)
        layout.setRowStretch(len(p.classes), 1)
        self.thumbs.setWidget(grid)
        self.class_counts = dict(zip(p.classes, p.counts, strict=True))
        self.setCurrentWidget(self.thumbs)
        self.kind = "thumbnails"

    def show_scatter(self, x: np.ndarray, y: np.ndarray, class_names) -> bool:
        """Plot 2-D features coloured by class (or 1-D feature against the target)."""
        self.plot.clear()
        if x.ndim != 2 or x.shape[1] not in (1, 2) or len(x) == 0:
            return False
        if x.shape[1] == 1:
            self.plot.plot(
                x[:, 0],
                np.asarray(y, float).reshape(len(y), -1)[:, 0],
                pen=None,
                symbol="o",
                symbolSize=5,
                symbolBrush="#2563eb",
                symbolPen=None,
            )
        elif class_names:
            for k, name in enumerate(class_names):
                pts = x[y == k]
                colour = CLASS_COLOURS[k % len(CLASS_COLOURS)]
                self.plot.plot(
                    pts[:, 0],
                    pts[:, 1],
                    pen=None,
                    symbol="o",
                    symbolSize=6,
                    symbolBrush=colour,
                    symbolPen=None,
                    name=str(name),
                )
        else:
            self._value_scatter(x, np.asarray(y, float).reshape(len(y), -1)[:, 0])
        self.setCurrentWidget(self.plot)
        self.kind = "scatter"
        return True

    def _value_scatter(self, x, v) -> None:
        lo, hi = float(v.min()), float(v.max())
        cmap = pg.colormap.get("viridis")
        brushes = [pg.mkBrush(c) for c in cmap.map((v - lo) / (hi - lo or 1.0), mode="qcolor")]
        self.plot.addItem(pg.ScatterPlotItem(x[:, 0], x[:, 1], size=6, brush=brushes, pen=None))


def _header(column: str, kind: str, target, unused) -> str:
    role = "\n(target)" if column == target else "\n(unused)" if column in unused else ""
    return f"{column}\n{kind}{role}"


def _pixmap(arr: np.ndarray) -> QPixmap:
    arr = np.ascontiguousarray(arr)
    h, w = arr.shape[:2]
    image = QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())  # copy: the array's memory is not kept
