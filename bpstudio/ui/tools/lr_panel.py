"""The learning-rate finder panel: loss against rate (log x), the suggested rate, Apply.

The range test runs on a copy of the network in the background (``viz.lr_finder``);
Apply writes the suggestion into the project's optimiser settings as one undoable edit.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from bpstudio.ui.tools.jobbar import JobBar
from bpstudio.ui.training.fields import NumberEdit
from bpstudio.viz.lr_finder import NO_DESCENT, WINDOW, LRFindResult, centred_mean, find_lr
from bpstudio.viz.netcopy import weights_source

RAW_PEN = pg.mkPen("#cbd5e1", width=1)
SMOOTH_PEN = pg.mkPen("#0072b2", width=2.5)
MARK = "#d55e00"
CURRENT_PEN = pg.mkPen("#64748b", width=1, style=Qt.PenStyle.DashLine)


class _Plot(pg.PlotWidget):
    """A plot that asks for little: docks wrap panels in scroll areas, which size a
    panel with wrapped labels to its preferred height, not the dock's."""

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(420, 200)


def rounded(lr: float) -> float:
    """Three significant digits: what a person would type."""
    return float(f"{lr:.3g}")


# After a run the loss is near its minimum, so almost any rate makes it rise: the test
# then suggested 1e-7 on the trained spiral, a rate that trains nothing from scratch.
TRAINED_NOTE = (
    "<br><i>These weights are trained: the curve tells how to go on training them. "
    "For a rate to train from the start, press Reset weights, then Find.</i>"
)


class LRFinderPanel(QWidget):
    """Signals: ``found(LRFindResult)``; ``applied(float)`` after Apply wrote the rate."""

    found = Signal(object)
    applied = Signal(float)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.model = model
        self.result: LRFindResult | None = None
        self.suggestion: float | None = None
        self.start = NumberEdit(1e-6, minimum=0.0)
        self.end = NumberEdit(1.0, minimum=0.0)
        for edit in (self.start, self.end):
            edit.setMaximumWidth(70)
        self.steps = QSpinBox(minimum=10, maximum=1000, value=100, singleStep=10)
        self.steps.setToolTip("Optimiser steps, the rate growing by the same factor each step")
        self.jobs = JobBar("Find")
        self.jobs.run_btn.setToolTip(
            "Train a copy of the network briefly at growing learning rates (the real "
            "weights stay as they are)"
        )
        self.plot = self._make_plot()
        self.info = QLabel("Press Find for a loss-against-learning-rate curve.")
        self.info.setWordWrap(True)
        self.apply_btn = QPushButton("Apply")
        self.apply_btn.setEnabled(False)
        self.apply_btn.setToolTip("Use the suggested rate in the training settings (undoable)")
        self._layout()
        self._live: list[float] = []
        self._timer = QTimer(self, interval=150, timeout=self._draw_live)
        self.jobs.run_btn.clicked.connect(self.run)
        self.jobs.succeeded.connect(self.show_result)
        self.jobs.ended.connect(self._timer.stop)
        self.apply_btn.clicked.connect(self.apply)

    def _make_plot(self) -> pg.PlotWidget:
        plot = _Plot(background="w")
        plot.setLogMode(x=True, y=False)
        plot.setLabel("bottom", "learning rate")
        plot.setLabel("left", "loss")
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.getPlotItem().hideButtons()
        plot.addLegend(offset=(10, -10))  # bottom left: the curves fall to the right
        self.raw_curve = plot.plot(pen=RAW_PEN, name="batch loss")
        self.smooth_curve = plot.plot(pen=SMOOTH_PEN, name="smoothed")
        self.mark = plot.plot(pen=None, symbol="o", symbolSize=11, symbolBrush=MARK,
                              symbolPen=pg.mkPen("w", width=1.5), name="suggested")  # fmt: skip
        self.mark_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(MARK, width=1.5))
        self.current_line = pg.InfiniteLine(angle=90, pen=CURRENT_PEN)
        self.current_label = pg.TextItem(color="#475569", anchor=(0, 0))
        for item in (self.mark_line, self.current_line, self.current_label):
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        return plot

    def _layout(self) -> None:
        top = QHBoxLayout()
        for text, w in (("From", self.start), ("to", self.end), ("Steps", self.steps)):
            top.addWidget(QLabel(text))
            top.addWidget(w)
        top.addWidget(self.jobs, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.info, 1)
        bottom.addWidget(self.apply_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        # the suggestion and Apply above the curve: below it they were out of sight in
        # the short default dock, and Find seemed to end in a bare plot
        lay.addLayout(bottom)
        lay.addWidget(self.plot, 1)

    # --------------------------------------------------------------- running
    def run(self) -> None:
        if self.jobs.busy:  # one at a time (the menu can ask again)
            return
        session = self.model.session
        start, end, steps = float(self.start.value()), float(self.end.value()), self.steps.value()
        self.source = weights_source(session)
        self._session = session
        self._live = live = []  # the worker appends, the timer draws
        self._live_rates = np.geomspace(start, end, steps) if 0 < start < end else None

        def work(progress, cancel):
            return find_lr(session, start, end, steps, progress, cancel, live)

        self.reset()
        self.info.setText("Training a copy at growing learning rates…")
        self.plot.enableAutoRange(y=True)
        self.jobs.start(work)
        self._timer.start()

    def _draw_live(self) -> None:
        """The raw losses so far (appends from the worker: read a prefix)."""
        n = len(self._live)
        if self._live_rates is None or n == 0:
            return
        losses = np.asarray(self._live[:n], dtype=np.float64)
        self.raw_curve.setData(self._live_rates[:n], losses)
        self.smooth_curve.setData(self._live_rates[:n], centred_mean(losses, WINDOW))
        lo, hi = np.log10(self._live_rates[[0, -1]])
        self.plot.setXRange(lo, hi, padding=0.02)

    def show_result(self, res: LRFindResult) -> None:
        if getattr(self, "_session", None) is not self.model.session:
            return  # found for a project no longer shown: Apply must not write it here
        self.result = res
        self.raw_curve.setData(res.lrs, res.losses)
        self.smooth_curve.setData(res.lrs, res.smoothed)
        self._range(res)
        self._show_current()
        ended = "the loss exploded, so the run stopped early" if res.reason == "diverged" else (
            "the full range was run")  # fmt: skip
        if res.suggestion is None:
            self.suggestion = None
            self.mark.setData([], [])
            self.mark_line.hide()
            self.info.setText(self._no_suggestion(res, ended))
        else:
            self._show_suggestion(res, ended)
        if self._from_trained():
            self.info.setText(f"{self.info.text()} {TRAINED_NOTE}")
        self.apply_btn.setEnabled(self.suggestion is not None)
        self.found.emit(res)

    def _from_trained(self) -> bool:
        """Whether the test ran from weights a run has trained (not fresh ones)."""
        session = getattr(self, "_session", None)
        trained = session is not None and bool(getattr(session, "runs", None))
        return trained and getattr(self, "source", "") == "the current weights"

    @staticmethod
    def _no_suggestion(res: LRFindResult, ended: str) -> str:
        if res.method == NO_DESCENT:
            return (
                f"<b>No clear descent: keep the current rate.</b> Over {len(res.lrs)} steps "
                f"from {res.lrs[0]:.0e} to {res.lrs[-1]:.0e} the smoothed loss never fell "
                "beyond its noise, so no rate on this curve trains better than another. "
                "Check the network learns at all (Diagnosis panel) before tuning the rate."
            )
        return (
            f"No suggestion: only {len(res.lrs)} steps before {ended}. Try a smaller starting rate."
        )

    def _show_suggestion(self, res: LRFindResult, ended: str) -> None:
        self.suggestion = lr = rounded(res.suggestion)
        i = int(np.argmin(np.abs(np.log(res.lrs) - math.log(res.suggestion))))
        self.mark.setData([res.lrs[i]], [res.smoothed[i]])
        self.mark_line.setValue(math.log10(res.lrs[i]))
        self.mark_line.show()
        why = ("where the loss falls fastest" if res.method == "steepest descent"
               else "a tenth of the rate with the lowest loss")  # fmt: skip
        self.info.setText(
            f"<b>Suggested learning rate: {lr:g}</b> for {res.optimizer} ({why}); "
            f"{len(res.lrs)} steps from {self.source}, {ended}."
        )
        self.apply_btn.setText(f"Apply {lr:g}")

    def _range(self, res: LRFindResult) -> None:
        """Fit the smoothed curve; the raw losses' spikes may leave the view."""
        lo, hi = float(np.min(res.smoothed)), float(np.max(res.smoothed))
        raw_lo = float(np.min(res.losses))
        lo = min(lo, raw_lo)
        pad = 0.08 * (hi - lo or abs(hi) or 1.0)
        self.plot.setYRange(lo - pad, hi + pad, padding=0)
        self.plot.setXRange(math.log10(res.lrs[0]), math.log10(res.lrs[-1]), padding=0.02)

    def _show_current(self) -> None:
        lr = (self.model.project.training.get("optimizer") or {}).get("lr")
        if lr is None or not lr > 0:
            self.current_line.hide()
            self.current_label.hide()
            return
        self.current_line.setValue(math.log10(lr))
        self.current_label.setText(f"current {lr:g}")
        top = self.plot.getViewBox().viewRange()[1][1]
        self.current_label.setPos(math.log10(lr), top)
        self.current_line.show()
        self.current_label.show()

    # --------------------------------------------------------------- applying
    def apply(self) -> None:
        """Write the suggestion into ``training["optimizer"]["lr"]`` (one undo step)."""
        if self.suggestion is None:
            return
        training = copy.deepcopy(self.model.project.training)
        optimizer = dict(training.get("optimizer") or {"name": "sgd"})
        optimizer["lr"] = self.suggestion
        training["optimizer"] = optimizer
        self.model.set_section("training", training, f"Set learning rate to {self.suggestion:g}")
        self._show_current()
        self.applied.emit(self.suggestion)

    def reset(self) -> None:
        """Forget the curve and its suggestion (a new run, or another project)."""
        self.result = self.suggestion = None
        for curve in (self.raw_curve, self.smooth_curve, self.mark):
            curve.setData([], [])
        for item in (self.mark_line, self.current_line, self.current_label):
            item.hide()
        self.apply_btn.setEnabled(False)
        self.apply_btn.setText("Apply")
        self.info.setText("Press Find for a loss-against-learning-rate curve.")

    def shutdown(self) -> None:
        self.jobs.shutdown()
