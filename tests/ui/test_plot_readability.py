"""The training plots stay readable in a small dock: no automatic SI prefix, tick labels
apart, titles that fit, legends that do not cover the curves, curves that reach the
current epoch, heatmaps filled after a short run, the log toggle on the loss."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.ui.plots.dashboard import TrainingPlots
from bpstudio.ui.plots.metrics import MetricPlot
from bpstudio.ui.plots.style import SparseAxis
from tests.ui.test_training_plots import train_into_plots


def _plots(qtbot, width=800, height=220) -> TrainingPlots:
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(width, height)
    plots.show()
    qtbot.waitExposed(plots)
    return plots


def test_no_axis_uses_an_automatic_si_prefix(qtbot):
    plots = _plots(qtbot)
    for w in plots._widgets():
        for side in ("left", "bottom"):
            axis = w.getPlotItem().getAxis(side)
            assert isinstance(axis, SparseAxis) and not axis.autoSIPrefix


def test_tick_labels_keep_apart_in_a_short_axis():
    axis = SparseAxis("left", 22)
    for size in (20, 40, 80, 300):
        for lo, hi in ((0.0, 1.0), (0.4, 0.8), (-12.0, 0.0)):
            step, _offset = axis.tickSpacing(lo, hi, size)[0]
            assert (hi - lo) / step <= max(1.0, size / 22) + 1


def test_a_run_reaches_the_last_epoch_everywhere(qtbot):
    plots = _plots(qtbot)
    train_into_plots(qtbot, plots, epochs=15)
    for metric in (plots.loss, plots.accuracy):
        for curve in (metric.raw, metric.smooth, metric.epoch_train, metric.epoch_val):
            assert curve.getData()[0][-1] == 15
    ratio_x = plots.ratios._curves["out.weight"].getData()[0]
    assert len(ratio_x) >= 3 and ratio_x[-1] == 15  # the last step's statistics arrive
    for view in (plots.weights, plots.grads):
        img, steps, _lo, _hi = view.store.image(view.selected)
        assert len(steps) >= 3 and np.all(np.isfinite(img))
        assert steps[0] == 1  # no snapshot dropped when several share a delivery
        rect = view.heat.mapRectToParent(view.heat.boundingRect())
        assert rect.right() == pytest.approx(15) and rect.width() > 14


def test_titles_fit_and_legends_leave_small_plots_alone(qtbot):
    from bpstudio.engine.trainer import EpochEvent
    from bpstudio.session import Run

    plots = _plots(qtbot, 800, 220)
    title = plots.accuracy.widget.getPlotItem().titleLabel
    qtbot.waitUntil(lambda: "validation" not in title.text)  # the short key: "val"
    assert "accuracy" in title.text
    for w in plots._widgets():  # a title wider than the data area is cut at the right
        item = w.getPlotItem()
        assert item.titleLabel.item.boundingRect().width() <= item.getViewBox().width()
    run = Run("run 1", {})
    for s in range(1, 41):
        run.add_step(s, 1.0 / s)
    run.epochs = [EpochEvent(e, 4, 0.5, 0.8, 0.6, 0.7, 0.1, 1.0) for e in range(4)]
    run.batches_per_epoch = 10
    plots.show_runs([run])
    assert not plots.loss.legend.isVisible()  # it would cover most of a 50 px plot
    big = MetricPlot("loss", "loss")
    qtbot.addWidget(big.widget)
    big.widget.resize(600, 400)
    big.widget.show()
    qtbot.waitExposed(big.widget)
    x = np.arange(1.0, 5.0)
    big.set_overlays([("run 1", x, 1 / x, x, 1 / x)])
    qtbot.waitUntil(big.legend.isVisible)  # room enough: shown
    big.widget.resize(200, 90)
    qtbot.waitUntil(lambda: not big.legend.isVisible())


def test_log_toggle_acts_on_the_loss_only(qtbot):
    plots = _plots(qtbot)
    plots.log_scale.setChecked(True)
    assert plots.loss.smooth.opts["logMode"][1] and plots.loss.epoch_val.opts["logMode"][1]
    assert not plots.accuracy.smooth.opts["logMode"][1]
    plots.log_scale.setChecked(False)
    assert not plots.loss.smooth.opts["logMode"][1]


def test_choosing_a_tensor_retitles_both_histograms_at_once(qtbot):
    plots = _plots(qtbot)
    train_into_plots(qtbot, plots, epochs=2)
    plots.tensor.setCurrentText("out.weight")
    for view in (plots.weights, plots.grads):
        assert "out.weight" in view.current.getPlotItem().titleLabel.text


def test_a_single_snapshot_still_draws_a_column(qtbot):
    from bpstudio.engine.trainer import histogram

    plots = _plots(qtbot)
    plots.weights.batches_per_epoch = 4
    hist = histogram(np.random.default_rng(0).normal(size=100), 20)
    plots.weights.add(1, {"fc.weight": hist})
    plots.weights.refresh_heat()
    rect = plots.weights.heat.mapRectToParent(plots.weights.heat.boundingRect())
    assert rect.left() == 0 and rect.right() == 0.25
