"""The training plots: buffers stay bounded, curves receive points from a real run,
highlighting a node emphasises its curves, finished runs overlay."""

from __future__ import annotations

import numpy as np

from bpstudio.ui.plots.buffers import Series
from bpstudio.ui.plots.dashboard import TrainingPlots
from bpstudio.ui.plots.distributions import HistoryStore
from bpstudio.ui.training.runner import TrainingRunner
from tests.ui.test_training_runner import small_trainer


def test_series_memory_is_flat_and_order_kept():
    s = Series(cap=1000)
    for start in range(0, 1_000_000, 997):
        x = np.arange(start, start + 997, dtype=float)
        s.extend(x, -x)
    x, y = s.view()
    assert len(s) <= 1000 and s._x.size <= 1000
    assert np.all(np.diff(x) > 0) and np.array_equal(y, -x)
    assert x[-1] > 990_000  # still reaches the newest points


def test_history_store_resamples_onto_one_grid():
    from bpstudio.engine.trainer import histogram

    store = HistoryStore(cap=8)
    rng = np.random.default_rng(0)
    for step in range(20):
        store.add(step, {"fc.weight": histogram(rng.normal(size=500) * (1 + step), 30)})
    img, steps, lo, hi = store.image("fc.weight", bins=16)
    assert img.shape == (len(steps), 16) and len(steps) <= 8
    assert steps[0] == 0 and steps[-1] == 19 and lo < 0 < hi
    assert np.all(np.isfinite(img))


def train_into_plots(qtbot, plots, epochs=15, span=None, **kw):
    runner = TrainingRunner()
    runner.packet.connect(plots.add_packet)
    plots.begin_run(span)
    with qtbot.waitSignal(runner.finished, timeout=20000):
        runner.start(small_trainer(epochs=epochs, **kw))
    qtbot.waitUntil(lambda: not runner.active)
    plots.refresh()


def test_curves_receive_points_from_a_run(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    train_into_plots(qtbot, plots)
    x, y = plots.loss.smooth.getData()
    assert len(x) == 15 * 16 and np.all(np.isfinite(y))
    assert len(plots.loss.epoch_val.getData()[0]) == 15
    assert len(plots.accuracy.smooth.getData()[0]) == 15 * 16
    assert set(plots.grad_norms._curves) == {"fc1.weight", "fc1.bias", "out.weight", "out.bias"}
    assert len(plots.grad_norms._curves["fc1.weight"].getData()[0]) == 15 * 16
    assert len(plots.ratios._curves["out.weight"].getData()[0]) >= 1
    assert plots.weights.bars.getData()[0] is not None
    assert plots.weights.heat.image is not None
    assert plots.tensor.count() == 4


def test_highlight_node_emphasises_its_curves(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    train_into_plots(qtbot, plots, epochs=2)
    plots.highlight_node("out")
    widths = {k: c.opts["pen"].widthF() for k, c in plots.grad_norms._curves.items()}
    assert widths["out.weight"] > widths["fc1.weight"]
    assert plots.tensor.currentText() == "out.weight"
    plots.highlight_node(None)
    widths = {k: c.opts["pen"].widthF() for k, c in plots.grad_norms._curves.items()}
    assert len(set(widths.values())) == 1


def test_finished_runs_overlay(qtbot):
    from bpstudio.engine.trainer import EpochEvent
    from bpstudio.session import Run

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    runs = []
    for i in range(2):
        run = Run(f"run {i + 1}", {})
        for s in range(1, 41):
            run.add_step(s, 1.0 / s)
        run.epochs = [EpochEvent(e, 4, 0.5, 0.8, 0.6, 0.7, 0.1, 1.0) for e in range(4)]
        run.batches_per_epoch = 10
        runs.append(run)
    plots.show_runs(runs)
    assert len(plots.loss._overlays) == 4  # per run: steps and validation
    assert len(plots.accuracy._overlays) == 4
    plots.show_runs([])
    assert plots.loss._overlays == []


def test_loss_and_accuracy_come_first_in_the_first_ticks(qtbot):
    """New curves and the first tensor selection must not hold the accuracy back."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.timer.stop()  # ticks by hand: the whole run's packets wait for the first one
    runner = TrainingRunner()
    runner.packet.connect(plots.add_packet)
    plots.begin_run(3)
    with qtbot.waitSignal(runner.finished, timeout=20000):
        runner.start(small_trainer(epochs=3))
    qtbot.waitUntil(lambda: not runner.active)
    plots.timer.stop()
    for _ in range(3):
        plots._tick()
    assert len(plots.loss.smooth.getData()[0]) > 0
    assert len(plots.accuracy.smooth.getData()[0]) > 0


def test_clearing_forgets_the_last_runs_axis_ranges(qtbot):
    """As the training panel empties the plots for another project."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    train_into_plots(qtbot, plots, epochs=15, span=15)
    widgets = [p.widget for p in (plots.loss, plots.accuracy, plots.grad_norms, plots.ratios)] + [
        plots.weights.evolution,
        plots.grads.evolution,
    ]
    for w in widgets:
        w.getPlotItem().getViewBox().setYRange(5, 6)  # a zoom that must go too
    assert all(w.getPlotItem().getViewBox().viewRange()[0][1] > 14 for w in widgets)
    plots.begin_run(None)
    plots.set_live(False)
    qtbot.wait(50)  # a paint: pyqtgraph's auto range runs lazily, before it
    for w in widgets:
        vb = w.getPlotItem().getViewBox()
        vb.updateAutoRange()
        (x0, x1), (y0, y1) = vb.viewRange()
        assert x1 < 2 and not (y0 >= 5 and y1 <= 6), w
        assert all(vb.autoRangeEnabled())
    train_into_plots(qtbot, plots, epochs=4, span=4)  # the next run sets its own span again
    assert 3.9 < plots.loss.widget.getPlotItem().getViewBox().viewRange()[0][1] < 5


def test_empty_log_plots_show_decades_not_one_crowded_decade(qtbot):
    """An empty log axis over the unit box is one decade whose nine labels pile up."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    for p in (plots.grad_norms, plots.ratios):
        y = p.widget.getPlotItem().getViewBox().viewRange()[1]
        assert y[1] - y[0] >= 3  # log10 units: at least three decades
    plots.loss.set_log(False)
    assert plots.loss.widget.getPlotItem().getViewBox().viewRange()[1] == [0, 1]
