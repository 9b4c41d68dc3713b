"""All training plots in one widget, fed by the runner's packets, repainted by a timer.

Packets only append to buffers (cheap). A timer (at most ~30 Hz) passes one plot with
new data per tick to Qt for repainting, round robin; the plots time their own paints,
and the next tick waits so that painting takes at most ``paint_share`` of the GUI
thread (``PAINT_SHARE`` while training on a thread of the app, more while it trains in
its own process). Painting is the costly part (pyqtgraph paints in Python, ~10 ms per plot,
holding the GIL the training worker needs), so this bounds both the slowdown of
training and the GUI's stalls (one plot at a time, never all of them at once).
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from bpstudio.ui.plots.distributions import DistributionView
from bpstudio.ui.plots.metrics import MetricPlot, smoothed
from bpstudio.ui.plots.params import ParamCurvesPlot
from bpstudio.ui.plots.style import PAINT_CLOCK, NodeColours, node_of
from bpstudio.worker.packets import merge_steps

REPAINT_MS = 33  # fastest repaint tick
# Most of the GUI thread's time the plots may spend painting, while a run trains on a
# thread of the app: each painting ms then costs the worker about two (GIL hand-overs):
# 6% kept the app under 80% of headless speed; at 3% a plot waited up to 2-3 s.
PAINT_SHARE = 0.03
# ...and while it trains in the training process, whose GIL painting does not touch
# (measured: see docs/performance.md)
PAINT_SHARE_PROCESS = 0.1
SLOWEST_MS = 400  # a plot with news is repainted at least every 6 x this
NEW_CURVES_PER_TICK = 2  # creating a curve and its legend entry costs 2-4 ms


class TrainingPlots(QWidget):
    """Loss, accuracy, gradient norms, update ratios, weight and gradient distributions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        colours = NodeColours()
        self.loss = MetricPlot("loss", "loss")
        self.accuracy = MetricPlot("accuracy", "accuracy")
        self.grad_norms = ParamCurvesPlot(
            "gradient norms (smoothed)", "‖grad‖", colours, smoothing=0.9
        )
        self.ratios = ParamCurvesPlot("update / weight ratio", "‖Δw‖/‖w‖", colours)
        # the long title where it fits, a short one in a small plot
        self.grad_norms.widget.set_title("gradient norms (smoothed)", "gradient norms")
        self.ratios.widget.set_title("update / weight ratio", "update / weight")
        self.weights = DistributionView("weight")
        self.grads = DistributionView("gradient")
        self.batches_per_epoch = 1
        self._overlaid: list = []
        self._pending: list = []  # packets not yet in the buffers
        self._build()
        loss = (self.loss.refresh, (self.loss.widget,))
        # new curves come on ticks of their own, alternating with the round robin (see
        # _next_units); the round robin's turns make none
        grad_norms = functools.partial(self.grad_norms.refresh, new_curves=0)
        ratios = functools.partial(self.ratios.refresh, new_curves=0)
        # round robin, loss and accuracy first in each cycle; the loss, what a person
        # watches most, comes every third tick
        self._units = [
            loss,
            (self.accuracy.refresh, (self.accuracy.widget,)),
            (self.weights.refresh_bars, (self.weights.current,)),
            loss,
            (grad_norms, (self.grad_norms.widget,)),
            (self.weights.refresh_heat, (self.weights.evolution,)),
            loss,
            (ratios, (self.ratios.widget,)),
            (self.grads.refresh_bars, (self.grads.current,)),
            loss,
            (self.grads.refresh_heat, (self.grads.evolution,)),
        ]
        self._next_unit = 0
        self._created_last = True  # the last tick made new curves: the round robin's turn
        for w in self._widgets():
            vb = w.getPlotItem().getViewBox()
            vb.sigRangeChangedManually.connect(lambda *_a, w=w: w.viewport().update())
        self.paint_share = PAINT_SHARE  # the panel raises it for runs in the process
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        self.timer.start(REPAINT_MS)

    def _build(self) -> None:
        bar = QHBoxLayout()
        self.log_scale = QCheckBox("log-scale loss")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis")
        self.log_scale.toggled.connect(self.loss.set_log)
        self.log_scale.toggled.connect(lambda _on: self._repaint_soon([self.loss.widget]))
        self.tensor = QComboBox()
        self.tensor.setMinimumContentsLength(14)
        self.tensor.setToolTip("The tensor whose weight and gradient histograms are shown")
        self.tensor.currentTextChanged.connect(self._select_tensor)
        bar.addWidget(self.log_scale)
        bar.addStretch(1)
        bar.addWidget(QLabel("histograms of"))
        bar.addWidget(self.tensor)
        self.grid = QGridLayout()
        self.grid.setSpacing(2)
        self._columns = 0
        self._arrange(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addLayout(self.grid, 1)

    def _arrange(self, columns: int) -> None:
        """Two columns in a tall dock (metrics left, distributions right), four in a wide
        one (metrics on the top row, distributions below)."""
        if columns == self._columns:
            return
        self._columns = columns
        metrics = (
            self.loss.widget,
            self.accuracy.widget,
            self.grad_norms.widget,
            self.ratios.widget,
        )
        dists = (
            self.weights.current,
            self.weights.evolution,
            self.grads.current,
            self.grads.evolution,
        )
        for i, (a, b) in enumerate(zip(metrics, dists, strict=True)):
            if columns == 2:
                self.grid.addWidget(a, i, 0)
                self.grid.addWidget(b, i, 1)
            else:
                self.grid.addWidget(a, 0, i)
                self.grid.addWidget(b, 1, i)

    def resizeEvent(self, event):
        size = event.size()
        self._arrange(4 if size.width() > 1.6 * size.height() else 2)
        super().resizeEvent(event)

    # ------------------------------------------------------------------ feed
    def begin_run(self, epochs: int | None = None) -> None:
        """Clear the live curves for a new run of ``epochs`` (the x axes then span them;
        None: they follow the data). Overlays of earlier runs stay."""
        longest = max((len(r.epochs) for r in self._overlaid), default=0)
        span = max(epochs, longest) if epochs else None
        self._pending = []  # the previous run's last packets
        for p in (self.loss, self.accuracy, self.grad_norms, self.ratios, self.weights, self.grads):
            p.reset()
            p.span.epochs = span
        self.tensor.clear()
        self._next_unit = 0  # a new cycle: the loss and accuracy are painted first
        self._created_last = True

    def add_packet(self, packet) -> None:
        """Take a runner ``Packet`` (steps, epochs, latest stats); it reaches the buffers
        at the next repaint tick (or ``refresh``)."""
        # Several packets go into the buffers at once: on arrays of a few dozen steps
        # the per-call numpy overhead is the cost (~1 ms a packet), paid once per tick.
        self._pending.append(packet)

    def _drain(self) -> None:
        """Put the pending packets into the buffers."""
        packets, self._pending = self._pending, []
        if not packets:
            return
        steps = merge_steps([p.steps for p in packets])
        if steps is not None:
            self._add_steps(steps)
        epochs = [ev for p in packets for ev in p.epochs]
        if epochs:
            x = [ev.epoch + 1 for ev in epochs]
            self.loss.add_epochs(
                x, [ev.train_loss for ev in epochs], [ev.val_loss for ev in epochs]
            )
            self.accuracy.add_epochs(
                x, [ev.train_accuracy for ev in epochs], [ev.val_accuracy for ev in epochs]
            )
        for p in packets:
            for stats in (*p.earlier_stats, p.stats):
                if stats is not None:
                    self._add_stats(stats)

    def _add_steps(self, steps) -> None:
        self.batches_per_epoch = max(1, steps.last.n_batches)
        for view in (self.weights, self.grads):
            view.batches_per_epoch = self.batches_per_epoch
        x = steps.step / self.batches_per_epoch
        self.loss.add_steps(x, steps.loss)
        self.accuracy.add_steps(x, steps.accuracy)
        self.grad_norms.add(x, steps.grad_norms)

    def _add_stats(self, stats) -> None:
        x = np.array([stats.step / self.batches_per_epoch])
        self.ratios.add(x, stats.update_ratios)
        self.weights.add(stats.step, stats.weight_hists)
        self.grads.add(stats.step, stats.grad_hists)
        if self.tensor.count() == 0 and stats.weight_hists:
            self.tensor.addItems(list(stats.weight_hists))

    def _select_tensor(self, name: str) -> None:
        if name:
            self.weights.select(name)
            self.grads.select(name)
            # both histograms at once: the round robin could leave one titled with the
            # old tensor for seconds, a pair that reads as a mismatch
            for view in (self.weights, self.grads):
                view.refresh_bars()
                view.current.viewport().update()
            # the round robin goes on where it was: sending it back to the histograms
            # (the first statistics select a tensor) kept the accuracy empty for seconds

    def refresh(self) -> None:
        """Push every changed buffer to its plot items now (painting follows as usual)."""
        self._drain()
        for plot in (self.grad_norms, self.ratios):
            plot.refresh()  # every curve at once
        for update, _widgets in self._units:
            update()

    def _tick(self) -> None:
        """Hand the next plot that has new data to Qt for repainting, then wait in
        proportion to what painting cost since the last tick."""
        t0 = time.thread_time()
        self._drain()
        if self.isVisible():  # a hidden dock paints nothing; its buffers keep filling
            for creating, (update, widgets) in self._next_units():
                if update():
                    self._created_last = creating
                    for w in widgets:
                        # asynchronous: repaint() would also paint, at once, everything
                        # else waiting in the window (Qt syncs the whole backing store)
                        w.viewport().update()
                    break
        # CPU time of this thread, not wall time: waiting for the GIL while the worker
        # holds it costs the worker nothing, so it must not slow the plots down
        cost = time.thread_time() - t0 + PAINT_CLOCK.take()
        share = self.paint_share
        wait = cost * (1 - share) / share
        self.timer.start(min(max(REPAINT_MS, int(wait * 1000)), SLOWEST_MS))

    def _next_units(self):
        """(creating, unit) pairs to try this tick, in order: the round robin from where
        it stopped, and a plot still missing curves (a few per tick: never one long
        stall). The two alternate, whichever went last going second: a new network's
        legend fills within a few dozen ticks and every plot with news still gets its
        turn (new curves first starved the accuracy for seconds)."""
        creating = [
            (True, (functools.partial(p.refresh, new_curves=NEW_CURVES_PER_TICK), (p.widget,)))
            for p in (self.grad_norms, self.ratios)
            if p.missing_curves()
        ]
        if not self._created_last:
            yield from creating
        for _ in range(len(self._units)):
            unit = self._units[self._next_unit]
            self._next_unit = (self._next_unit + 1) % len(self._units)
            yield False, unit
        if self._created_last:
            yield from creating

    def _widgets(self) -> list:
        return list({id(w): w for _u, widgets in self._units for w in widgets}.values())

    def set_live(self, on: bool, at_once: bool = True) -> None:
        """During a run the plots repaint only from the timer: a scene change would
        otherwise queue a second, asynchronous paint of every plot the timer has just
        painted (QGraphicsScene reports changes late), doubling the cost. Zooming with
        the mouse still repaints at once. Turning it off brings every plot up to date,
        ``at_once`` or one plot per turn of the event loop (``_refresh_in_turns``)."""
        mode = QGraphicsView.ViewportUpdateMode
        for w in self._widgets():
            w.setViewportUpdateMode(mode.NoViewportUpdate if on else mode.MinimalViewportUpdate)
            if not on:
                w.viewport().update()
        if not on:
            self.refresh() if at_once else self._refresh_in_turns()

    def _refresh_in_turns(self) -> None:
        """Every plot brought up to date, one plot per turn of the event loop: at the
        end of a run all at once took 45-68 ms in one piece, the longest stall of the
        run."""
        self._drain()
        jobs = [plot.refresh for plot in (self.grad_norms, self.ratios)]
        jobs += [update for update, _widgets in self._units]
        for job in jobs:
            QTimer.singleShot(0, self, job)

    def _repaint_soon(self, widgets=None) -> None:
        """Changes outside the data (highlight, overlays, log scale) shown at once."""
        for w in widgets or self._widgets():
            w.viewport().update()

    # ------------------------------------------------------------ selection
    def highlight_node(self, node_id: str | None) -> None:
        """Emphasise ``node_id``'s curves and show its weight histograms."""
        self._drain()  # the tensors' names come with the statistics
        self.grad_norms.highlight_node(node_id)
        self.ratios.highlight_node(node_id)
        self._repaint_soon([self.grad_norms.widget, self.ratios.widget])
        names = [self.tensor.itemText(i) for i in range(self.tensor.count())]
        mine = [n for n in names if node_of(n) == node_id]
        if mine:
            weight = [n for n in mine if n.endswith(".weight")]
            self.tensor.setCurrentText((weight or mine)[0])

    # ------------------------------------------------------------- history
    def show_runs(self, runs: list) -> None:
        """Overlay finished ``session.Run`` objects on the loss and accuracy plots."""
        self._overlaid = list(runs)
        loss, acc = [], []
        for run in runs:
            per_epoch = max(1, getattr(run, "batches_per_epoch", 1))
            ex = np.array([e.epoch + 1 for e in run.epochs], dtype=np.float64)
            x, y = smoothed(np.asarray(run.steps) / per_epoch, run.losses, "loss")
            val = [_nan(e.val_loss) for e in run.epochs]
            loss.append((run.name, x, y, ex, np.array(val)))
            train_acc = np.array([_nan(e.train_accuracy) for e in run.epochs])
            val_acc = np.array([_nan(e.val_accuracy) for e in run.epochs])
            if len(ex) and not np.all(np.isnan(train_acc)):
                acc.append((run.name, ex, train_acc, ex, val_acc))
        self.loss.set_overlays(loss)
        self.accuracy.set_overlays(acc)
        self._repaint_soon([self.loss.widget, self.accuracy.widget])


def _nan(v) -> float:
    return math.nan if v is None else float(v)
