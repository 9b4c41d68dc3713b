"""Shared look of the training plots: colours per node, pens, a plot factory."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument

pg.setConfigOptions(antialias=False, background="w", foreground="k")

LEGEND_BRUSH = (255, 255, 255, 150)  # a legend over the curves leaves them readable
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


COMPACT_HEIGHT = 170  # px: below this a plot drops its axis labels (the title names it)
TICK_FONT = QFont()
TICK_FONT.setPointSizeF(7.5)


class SparseAxis(pg.AxisItem):
    """An axis whose tick labels stay ``min_px`` apart. pyqtgraph always labels its
    coarsest ticks, which in a plot a few dozen pixels tall pile on top of each other;
    here that level is thinned to a multiple (2, 5, 10, ...) of its spacing instead."""

    def __init__(self, orientation: str, min_px: float):
        super().__init__(orientation)
        self.min_px = min_px
        # "(x0.001)" beside values 400-800 reads as a wrong value, not a unit
        self.enableAutoSIPrefix(False)
        self.setStyle(tickFont=TICK_FONT, tickTextOffset=2)

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if self._tickSpacing is not None or not levels or span == 0:
            return levels
        room = max(1.0, size / self.min_px)  # labels that fit along the axis
        kept = [(step, offset) for step, offset in levels if span / step <= room + 1]
        if kept:
            return kept
        step, offset = levels[0]
        for factor in (2, 5, 10, 20, 50, 100, 1000):
            if span / (step * factor) <= room + 1:
                break
        return [(step * factor, offset)]

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        # marks at 2..9 x 10^k in every decade: over a dozen decades a solid black bar
        kept = [(step, v) for step, v in ticks if step is not None or len(v) * 4 <= size]
        return kept or ticks


class TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds the CPU time of each of its paints to ``PAINT_CLOCK``
    (thread time: waiting for the GIL is not painting). Its title is shortened to fit
    its width, and a small plot drops its axis labels."""

    def __init__(self):
        axes = {"left": SparseAxis("left", 22), "bottom": SparseAxis("bottom", 42)}
        super().__init__(axisItems=axes)
        self._titles: tuple[str, ...] = ("",)
        self._compact: bool | None = None

    def paintEvent(self, event):
        t0 = time.thread_time()
        try:
            super().paintEvent(event)
        finally:
            PAINT_CLOCK.spent += time.thread_time() - t0

    def set_title(self, *variants: str) -> None:
        """Show the first of ``variants`` (HTML allowed, longest first) that fits the
        width; the last one is elided if even it does not. The full one is the tooltip."""
        self._titles = variants
        self.setToolTip(variants[0])
        self._fit_title()

    def _fit_title(self) -> None:
        font = QFont()
        font.setPointSizeF(8.5)
        # a title wider than the plot widens its scene past the widget: cut at the right
        # (the title spans the data area only, not the left axis)
        left = self.getPlotItem().getAxis("left")
        room = max(20, self.width() - (left.width() if left.isVisible() else 0) - 16)
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        for text in self._titles:
            doc.setHtml(text)
            if doc.idealWidth() <= room:
                break
        else:
            elide = Qt.TextElideMode.ElideRight
            text = QFontMetrics(font).elidedText(doc.toPlainText(), elide, room)
        self.getPlotItem().setTitle(text, size="8.5pt")

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if event is None or "_titles" not in self.__dict__ or self.getPlotItem() is None:
            return  # pyqtgraph's own call during __init__, or one while closing
        self._fit_title()
        compact = event.size().height() < COMPACT_HEIGHT
        if compact != self._compact:
            self._compact = compact
            item = self.getPlotItem()
            for side in ("left", "bottom"):
                item.getAxis(side).showLabel(not compact)


def make_plot(title: str, left: str, bottom: str = "epoch") -> TimedPlotWidget:
    """A PlotWidget set up for streaming data: downsampled, clipped to view. No grid:
    its translucent lines doubled the cost of painting a plot."""
    w = TimedPlotWidget()
    item = w.getPlotItem()
    w.set_title(title)
    item.setLabel("left", left)
    item.setLabel("bottom", bottom)
    # no "(x0.001)" prefix on the value axis: pyqtgraph re-lays its label out (HTML)
    # on every range change, i.e. on most updates of a growing curve
    item.getAxis("left").enableAutoSIPrefix(False)
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    w.setMinimumSize(160, 80)
    return w


def fit_legend(widget: pg.PlotWidget, legend) -> None:
    """Show ``legend`` only while it covers little of the data area: in a small plot it
    would hide the curves (the title or a tooltip names them there instead)."""
    vb = widget.getPlotItem().getViewBox().boundingRect()
    lg = legend.boundingRect()
    fits = lg.width() <= 0.6 * vb.width() and lg.height() <= 0.35 * vb.height()
    legend.setVisible(bool(legend.items) and fits)


def keep_legend_fitted(widget: pg.PlotWidget, legend) -> None:
    """Re-check ``fit_legend`` whenever the plot's data area is resized."""
    vb = widget.getPlotItem().getViewBox()
    vb.sigResized.connect(lambda *_a: fit_legend(widget, legend))


def key_html(title: str, key: list[tuple[str, str]]) -> str:
    """``title`` followed by a colour key: [(label, '#rrggbb'), ...] -> HTML."""
    parts = [f'<span style="color:{c}">&#9644;&nbsp;{label}</span>' for label, c in key]
    return "&nbsp;&nbsp;".join([title, *parts])


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

    def restart(self, widget) -> None:
        """A new run, or none (the plots emptied): forget the last run's ranges."""
        self._shown = None
        reset_view(widget)

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


def reset_view(widget) -> None:
    """Forget the axis ranges of earlier data (and any zoom): the unit box, then the axes
    follow the data again. Call it after emptying or refilling the items: on no data
    pyqtgraph's auto range keeps whatever range it had (here the unit box)."""
    item = widget.getPlotItem()
    vb = item.getViewBox()
    # A log axis over the unit box is one decade: its nine minor labels pile up in a
    # small plot. Four decades below 1 read cleanly (and are where norms live).
    y_range = (-4, 0) if item.getAxis("left").logMode else (0, 1)
    vb.setRange(xRange=(0, 1), yRange=y_range, padding=0)
    vb.enableAutoRange()
    # now, not lazily at the next paint: curves clipped to the view meanwhile would be
    # cut to the unit box
    vb.updateAutoRange()
