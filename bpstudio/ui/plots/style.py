"""Shared look of the training plots: colours per node, pens, a plot factory."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

pg.setConfigOptions(antialias=False, background="w", foreground="k")

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


def make_plot(title: str, left: str, bottom: str = "epoch") -> pg.PlotWidget:
    """A PlotWidget set up for streaming data: downsampled, clipped to view. No grid:
    its translucent lines doubled the cost of painting a plot."""
    w = pg.PlotWidget()
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
    """A fixed x range [0, epochs] for a run's plot: with the axis steady, pyqtgraph
    keeps its painted axis instead of regenerating it (Python-heavy) on every update.
    Set ``epochs``; ``apply(widget)`` inside the plot's refresh changes it only when new."""

    def __init__(self):
        self.epochs: float | None = None
        self._shown: float | None = None

    def apply(self, widget) -> None:
        if self.epochs is None or self.epochs == self._shown:
            return
        self._shown = self.epochs
        vb = widget.getPlotItem().getViewBox()
        vb.enableAutoRange(x=False)
        vb.setXRange(0, self.epochs, padding=0.02)
