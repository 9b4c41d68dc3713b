"""Shared look of the training plots: colours per node, pens, a plot factory."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt

pg.setConfigOptions(antialias=False, background="w", foreground="k")

LEGEND_BRUSH = (255, 255, 255, 190)  # a legend over the curves leaves them readable
RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")


class NodeColours:
    """A stable colour per node id, in the order nodes are first seen."""

    def __init__(self):
        self._ids: dict[str, int] = {}

    def __call__(self, node_id: str):
        index = self._ids.setdefault(node_id, len(self._ids))
        return pg.intColor(index, hues=9, values=1, maxValue=220, minValue=150)


def node_of(param: str) -> str:
    """'fc1.weight' -> 'fc1'."""
    return param.rsplit(".", 1)[0]


def param_pen(colour, param: str, emphasis: str = "normal"):
    """Weights solid, biases dashed; ``emphasis`` 'normal' | 'strong' | 'dim'."""
    c = pg.mkColor(colour)
    if emphasis == "dim":
        c.setAlpha(50)
    width = 3 if emphasis == "strong" else 1.5
    style = Qt.PenStyle.DashLine if param.endswith("bias") else Qt.PenStyle.SolidLine
    return pg.mkPen(c, width=width, style=style)


class PaintClock:
    """CPU time the plots spent painting, for the repaint timer's budget."""

    def __init__(self):
        self.spent = 0.0

    def take(self) -> float:
        spent, self.spent = self.spent, 0.0
        return spent


PAINT_CLOCK = PaintClock()


class TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds the CPU time of each of its paints to ``PAINT_CLOCK``
    (thread time: waiting for the GIL is not painting)."""

    def paintEvent(self, event):
        t0 = time.thread_time()
        try:
            super().paintEvent(event)
        finally:
            PAINT_CLOCK.spent += time.thread_time() - t0


def make_plot(title: str, left: str, bottom: str = "epoch") -> pg.PlotWidget:
    """A PlotWidget set up for streaming data: downsampled, clipped to view. No grid:
    its translucent lines doubled the cost of painting a plot."""
    w = TimedPlotWidget()
    item = w.getPlotItem()
    item.setTitle(title, size="9pt")
    item.setLabel("left", left)
    item.setLabel("bottom", bottom)
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    w.setMinimumSize(160, 80)
    return w


def streaming_curve(plot: pg.PlotWidget, **kwargs) -> pg.PlotDataItem:
    """A curve that downsamples itself and draws only what is in view."""
    curve = plot.plot([], [], **kwargs)
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    return curve


class XSpan:
    """The x range of a run's plot: [0, span], span = epochs / 2^k, the smallest such
    that still holds the data. It changes a few times per run (log2 of the epochs), so
    between changes pyqtgraph keeps its painted axis instead of regenerating it (Python
    work, on the GIL the worker needs) on every update; the curve fills half the width
    or more. ``epochs`` None: the axis follows the data."""

    def __init__(self):
        self.epochs: float | None = None
        self._shown: float | None = None

    def apply(self, widget, x_max: float | None) -> None:
        if self.epochs is None:
            return
        span = float(self.epochs)
        while x_max is not None and span / 2 >= max(x_max, 1.0):
            span /= 2
        if span == self._shown:
            return
        self._shown = span
        vb = widget.getPlotItem().getViewBox()
        vb.enableAutoRange(x=False)
        vb.setXRange(0, span, padding=0.02)
