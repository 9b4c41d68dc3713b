"""A small labelled bar plot (pyqtgraph) used by the step-through panel."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from bpstudio.viz.flow import MIN_DECADES, colormap


class BarPlot(pg.PlotWidget):
    """Bars with category labels; on a log scale bars rise from below the smallest."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setMinimumHeight(140)
        self.bars = None
        self.labels: list[str] = []
        self.values: list[float] = []
        self.getPlotItem().hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.getPlotItem().showGrid(y=True, alpha=0.2)

    def show_bars(self, labels: list[str], values: list[float], log: bool, title: str = ""):
        self.labels, self.values = list(labels), list(values)
        if self.bars is not None:
            self.removeItem(self.bars)
            self.bars = None
        self.setTitle(title, size="9pt")
        if not values:
            return
        v = np.asarray(values, dtype=np.float64)
        if log:
            pos = v[(v > 0) & np.isfinite(v)]
            # at least MIN_DECADES shown, so a factor of 2 does not look like a cliff
            low = min(np.log10(pos.min()), np.log10(pos.max()) - MIN_DECADES) if pos.size else 0
            floor = math.floor(low) - 0.5 if pos.size else -1.0
            top = np.where((v > 0) & np.isfinite(v), np.log10(np.maximum(v, 1e-300)), floor)
            y0, height = np.full_like(v, floor), top - floor
        else:
            y0, height = np.zeros_like(v), v
        t = (height - height.min()) / (np.ptp(height) or 1.0)
        if log:  # the same log scale as the graph's colours
            top = y0 + height
            t = (top - (top.max() - max(MIN_DECADES, np.ptp(top)))) / max(MIN_DECADES, np.ptp(top))
        brushes = [pg.mkBrush(*colormap(float(x))) for x in t]
        x = np.arange(len(v))
        self.bars = pg.BarGraphItem(x=x, y0=y0, height=height, width=0.7, brushes=brushes)
        self.addItem(self.bars)
        axis = self.getAxis("bottom")
        step = max(1, len(labels) // 12)
        axis.setTicks([[(i, labels[i]) for i in range(0, len(labels), step)]])
        self.getAxis("left").setLabel("log10" if log else "")
        self.setXRange(-0.6, len(v) - 0.4, padding=0)
        lo, hi = float(np.min(y0)), float(np.max(y0 + height))
        self.setYRange(lo, hi + 0.05 * (hi - lo or 1.0), padding=0)
