"""What keeps the GUI thread light while a run trains: packets merged before they reach
the plot buffers, a slower decision boundary, no Qt calls for an unchanged overlay."""

from __future__ import annotations

import time

import numpy as np

from bpstudio.engine.trainer import StepEvent
from bpstudio.ui.viz.boundary_view import MAX_HZ, TRAINING_HZ, BoundaryView
from bpstudio.worker.packets import StepBatch, merge_steps


def _batch(steps, norms: dict) -> StepBatch:
    steps = np.asarray(steps, dtype=np.int64)
    f = np.asarray(steps, dtype=np.float64)
    last = StepEvent(0, 0, 10, int(steps[-1]), 1.0, None, 0.1, 1.0, {}, 1.0)
    return StepBatch(steps, f, f, f, f, norms, last)


def test_merge_steps_concatenates_in_order_and_fills_missing_tensors():
    a = _batch([1, 2], {"fc.weight": np.array([0.1, 0.2])})
    b = _batch([3], {"fc.weight": np.array([0.3]), "fc.bias": np.array([0.5])})
    m = merge_steps([a, None, b])
    assert m.step.tolist() == [1, 2, 3] and m.loss.tolist() == [1.0, 2.0, 3.0]
    assert m.grad_norms["fc.weight"].tolist() == [0.1, 0.2, 0.3]
    assert np.isnan(m.grad_norms["fc.bias"][:2]).all() and m.grad_norms["fc.bias"][2] == 0.5
    assert m.last is b.last
    assert merge_steps([a]) is a and merge_steps([None]) is None


def test_boundary_redraws_less_often_while_training(qtbot):
    view = BoundaryView(model=None)
    qtbot.addWidget(view)
    view.show()
    view._last = time.monotonic()  # just redrawn
    view.request()
    idle_wait = view._timer.interval()
    view._timer.stop()
    view.set_busy(True)
    view.request()
    assert TRAINING_HZ < MAX_HZ
    assert view._timer.interval() > idle_wait and view._timer.interval() > 900 / MAX_HZ
    view._timer.stop()


def test_heatmap_resampling_matches_the_per_snapshot_loop():
    from bpstudio.engine.trainer import histogram
    from bpstudio.ui.plots.distributions import _percentile, _resample_all

    rng = np.random.default_rng(0)
    snaps = [
        (s, np.asarray(h.counts), np.asarray(h.edges))
        for s in range(60)
        for h in [histogram(rng.normal(size=200) * 10.0 ** -(s % 4) + s % 3, 20)]
    ]
    grid = np.linspace(-2.0, 3.0, 33)
    loop = []
    for _, counts, edges in snaps:
        cdf = np.concatenate([[0.0], np.cumsum(counts, dtype=np.float64)])
        loop.append(np.diff(np.interp(grid, edges, cdf)))
    assert np.allclose(_resample_all(snaps, grid), np.array(loop), atol=1e-6)
    a = rng.normal(size=37)
    assert np.isclose(_percentile(a, 10), np.percentile(a, 10))


def test_new_curves_come_a_few_per_tick_between_the_round_robin_turns(qtbot):
    from bpstudio.ui.plots.dashboard import NEW_CURVES_PER_TICK, TrainingPlots
    from bpstudio.worker.packets import Packet

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.timer.stop()  # ticks by hand
    names = [f"fc{i}.{p}" for i in range(3) for p in ("weight", "bias")]
    plots.add_packet(Packet(_batch([1, 2], {n: np.array([0.1, 0.2]) for n in names})))
    plots._tick()  # the round robin's turn: the loss, no new curves
    assert len(plots.loss.smooth.getData()[0]) == 2 and not plots.grad_norms._curves
    plots._tick()
    assert len(plots.grad_norms._curves) == NEW_CURVES_PER_TICK
    for _ in range(2 * len(names)):
        plots._tick()
    assert set(plots.grad_norms._curves) == set(names)
    plots.timer.stop()
