"""One curve per parameter tensor over training: gradient norms, update-to-weight ratios.

Log-scale y; the legend names tensors ``<node id>.<param>`` so a curve maps to a node;
``highlight_node`` draws that node's curves thick and dims the rest.
"""

from __future__ import annotations

import numpy as np

from bpstudio.ui.plots.buffers import Ema, Series
from bpstudio.ui.plots.style import (
    LEGEND_BRUSH,
    NodeColours,
    XSpan,
    fit_legend,
    keep_legend_fitted,
    make_plot,
    node_of,
    param_pen,
    reset_view,
    streaming_curve,
)


class ParamCurvesPlot:
    """Curves keyed by parameter name; ``add`` values then ``refresh`` from the timer."""

    def __init__(
        self, title: str, left: str, colours: NodeColours, cap=8000, smoothing: float | None = None
    ):
        self.widget = make_plot(title, left)
        item = self.widget.getPlotItem()
        item.setLogMode(y=True)
        reset_view(self.widget)  # an empty log plot shows decades, not one crowded one
        # shown only where the plot has room for it: the curves' colour is their node's,
        # as on the graph, and a selected node's curves are drawn thick
        self.legend = item.addLegend(
            offset=(-5, 5), labelTextSize="7pt", colCount=2, brush=LEGEND_BRUSH
        )
        keep_legend_fitted(self.widget, self.legend)
        self.colours = colours
        self.cap = cap
        self.smoothing = smoothing  # EMA weight for noisy per-step values, None = raw
        self._ema: dict[str, Ema] = {}
        self._series: dict[str, Series] = {}
        self._curves: dict = {}
        self._highlight: str | None = None
        self._dirty = False
        self.span = XSpan()

    def reset(self) -> None:
        """A new run: its curves replace these at the next ``refresh`` (plot items are
        only touched there, so the repaint stays one plot per timer tick)."""
        self._series, self._ema = {}, {}
        self._stale = True
        self._dirty = True
        self._fresh = True  # the axes forget the last run's ranges at the next refresh

    _stale = False
    _fresh = False

    def add(self, x: np.ndarray, values: dict) -> None:
        """``values``: parameter name -> (n,) array (or float) at epochs ``x`` (n,)."""
        for name, y in values.items():
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = Series(self.cap)
            y = np.asarray(y, dtype=np.float64).reshape(-1)
            if self.smoothing is not None:
                y = self._ema.setdefault(name, Ema(self.smoothing)).smooth(y)
            # log scale cannot show 0 (a dead layer): draw it at the floor instead of a gap
            series.extend(x, np.maximum(y, 1e-12))
        self._dirty = True

    def missing_curves(self) -> bool:
        """True when a tensor has data but no curve yet."""
        return any(name not in self._curves for name in self._series)

    def _new_curve(self, name: str) -> None:
        colour = self.colours(node_of(name))
        self._curves[name] = streaming_curve(self.widget, pen=self._pen(name, colour), name=name)

    def _pen(self, name: str, colour=None):
        colour = colour if colour is not None else self.colours(node_of(name))
        if self._highlight is None:
            return param_pen(colour, name)
        strong = node_of(name) == self._highlight
        return param_pen(colour, name, "strong" if strong else "dim")

    def highlight_node(self, node_id: str | None) -> None:
        """Emphasise ``node_id``'s curves (None: all normal)."""
        known = set(self._series) | set(self._curves)
        if node_id is not None and not any(node_of(n) == node_id for n in known):
            node_id = None  # a node without parameters (ReLU): nothing to single out
        self._highlight = node_id
        for name, curve in self._curves.items():
            curve.setPen(self._pen(name))
            if node_id is not None and node_of(name) == node_id:
                curve.setZValue(10)
            else:
                curve.setZValue(0)

    def refresh(self, new_curves: int | None = None) -> bool:
        """Push new data to the curves, creating at most ``new_curves`` new ones (None:
        all; the rest come at the next call); False when there was nothing new."""
        if not self._dirty:
            return False
        self._dirty = False
        if self._stale and set(self._series) != set(self._curves):
            # another network: new curves and legend (the same one keeps them, cheaper)
            for curve in self._curves.values():
                self.widget.removeItem(curve)
                self.legend.removeItem(curve)
            self._curves = {}
        self._stale = False
        for name, series in self._series.items():
            if name not in self._curves:
                if new_curves is not None and new_curves <= 0:
                    self._dirty = True  # created at the next call
                    continue
                self._new_curve(name)
                fit_legend(self.widget, self.legend)
                new_curves = None if new_curves is None else new_curves - 1
            self._curves[name].setData(*series.view())
        for name in set(self._curves) - set(self._series):
            self._curves[name].setData([], [])  # not trained in this run (yet)
        if self._fresh:  # after setData: an emptied plot keeps the unit box
            self._fresh = False
            self.span.restart(self.widget)
        ends = [float(v.view()[0][-1]) for v in self._series.values() if len(v)]
        self.span.apply(self.widget, max(ends, default=None))
        return True
