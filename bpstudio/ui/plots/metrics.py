"""Loss or accuracy over training: per step (raw and smoothed), per epoch (train and
validation), and the same curves of earlier runs overlaid for comparison.

x is the epoch as a fraction (step / batches per epoch), so runs with different batch
sizes line up.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from bpstudio.ui.plots.buffers import Ema, Series
from bpstudio.ui.plots.style import (
    LEGEND_BRUSH,
    RUN_COLOURS,
    XSpan,
    fit_legend,
    keep_legend_fitted,
    key_html,
    make_plot,
    streaming_curve,
)

LABELS = {"loss": "loss", "accuracy": "accuracy"}
MARKERS_UP_TO = 60  # epochs; beyond, the per-epoch dots merge into a band over the curves


class MetricPlot:
    """One metric ('loss' or 'accuracy'); call ``add_steps``/``add_epochs`` then ``refresh``."""

    def __init__(self, metric: str, title: str):
        self.metric = metric
        self.widget = make_plot(title, LABELS[metric])
        orange = "#ff7f0e"
        # the live curves' key sits in the title, outside the data; the legend names
        # only earlier runs' overlays, and hides itself where it would cover the curves
        self.widget.set_title(
            key_html(title, [("train", RUN_COLOURS[0]), ("validation", orange)]),
            key_html(title, [("train", RUN_COLOURS[0]), ("val", orange)]),
            title,
        )
        item = self.widget.getPlotItem()
        # loss falls, accuracy rises: put the legend where the curve is not
        offset = (-5, 5) if metric == "loss" else (-5, -5)
        self.legend = item.addLegend(offset=offset, labelTextSize="7pt", brush=LEGEND_BRUSH)
        keep_legend_fitted(self.widget, self.legend)
        blue = pg.mkColor(RUN_COLOURS[0])
        faint = pg.mkColor(blue)
        faint.setAlpha(60)
        self.raw = streaming_curve(self.widget, pen=pg.mkPen(faint, width=1))
        self.smooth = streaming_curve(self.widget, pen=pg.mkPen(blue, width=2))
        self.epoch_train = self.widget.plot(
            [],
            [],
            pen=None,
            symbol="o",
            symbolSize=4,
            symbolBrush=blue,
            symbolPen=None,
        )
        self.epoch_val = self.widget.plot(
            [],
            [],
            pen=pg.mkPen(orange, width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush=orange,
            symbolPen=None,
        )
        self._overlays: list = []
        self.span = XSpan()
        self.reset()

    def reset(self) -> None:
        """Start a new run: forget the current curves (overlays stay)."""
        self._raw, self._smooth = Series(), Series()
        self._ema = Ema(0.95 if self.metric == "loss" else 0.9)
        self._ep_train, self._ep_val = Series(4000), Series(4000)
        self._markers: bool | None = None
        self._dirty = True
        self._fresh = True  # the axes forget the last run's ranges at the next refresh

    def add_steps(self, x: np.ndarray, y: np.ndarray) -> None:
        """Per-step values ``y`` (n,) at fractional epochs ``x`` (n,); NaN = unknown."""
        if np.all(np.isnan(y)):
            return
        self._raw.extend(x, y)
        self._smooth.extend(x, self._ema.smooth(y))
        self._dirty = True

    def add_epochs(self, x, train, val) -> None:
        """Per-epoch values at epochs ``x``, each (n,); None or NaN = unknown.

        One call per delivery, not per epoch: a small network ends hundreds of epochs
        a second, and per-point appends were ~1% of the GUI thread's GIL time."""
        x = np.asarray(x, dtype=np.float64)
        for series, values in ((self._ep_train, train), (self._ep_val, val)):
            y = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            known = np.isfinite(y)
            if known.any():
                series.extend(x[known], y[known])
        self._dirty = True

    def set_log(self, on: bool) -> None:
        self.widget.getPlotItem().setLogMode(y=on and self.metric == "loss")

    def refresh(self) -> bool:
        """Push new data to the plot items; False when there was nothing new."""
        if not self._dirty:
            return False
        self._dirty = False
        self._show_markers(max(len(self._ep_train), len(self._ep_val)) <= MARKERS_UP_TO)
        for series, curve in (
            (self._raw, self.raw),
            (self._smooth, self.smooth),
            (self._ep_train, self.epoch_train),
            (self._ep_val, self.epoch_val),
        ):
            x, y = series.view()
            curve.setData(x, y)
        if self._fresh:  # after setData: an emptied plot keeps the unit box
            self._fresh = False
            self.span.restart(self.widget)
        x = self._raw.view()[0]
        self.span.apply(self.widget, float(x[-1]) if len(x) else None)
        return True

    def _show_markers(self, on: bool) -> None:
        """Dots per epoch while they are few (the training one is dots only)."""
        if on != self._markers:
            self._markers = on
            for curve in (self.epoch_train, self.epoch_val):
                curve.setSymbol("o" if on else None)

    # -------------------------------------------------------------- overlays
    def set_overlays(
        self, curves: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    ):
        """Earlier runs: (name, step x, smoothed step y, epoch x, validation y) each."""
        for item in self._overlays:
            self.widget.removeItem(item)
            self.legend.removeItem(item)
        self._overlays = []
        for i, (name, sx, sy, ex, ey) in enumerate(curves):
            colour = pg.mkColor(RUN_COLOURS[(i + 1) % len(RUN_COLOURS)])
            pen = pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine)
            step = streaming_curve(self.widget, pen=pen, name=name)
            step.setData(sx, sy)
            self._overlays.append(step)
            if len(ex):
                val = self.widget.plot(
                    ex,
                    ey,
                    pen=pg.mkPen(colour, width=1),
                    symbol="t",
                    symbolSize=5,
                    symbolBrush=colour,
                    symbolPen=None,
                    name=f"{name} validation",
                )
                self._overlays.append(val)
        fit_legend(self.widget, self.legend)


def smoothed(x, y, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """A finished run's per-step curve, smoothed as the live one is."""
    y = np.asarray(y, dtype=np.float64)
    return np.asarray(x, dtype=np.float64), Ema(0.95 if metric == "loss" else 0.9).smooth(y)
