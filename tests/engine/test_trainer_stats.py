"""Statistics cadence: a run too short for the clock still gets ~64 snapshots, the last
on its last step, so the app's histories and update ratios have a shape."""

from __future__ import annotations

from bpstudio.engine.trainer import StatsEvent
from tests.ui.test_training_runner import small_trainer


def test_a_fast_run_gets_evenly_spaced_stats_ending_at_its_last_step():
    trainer = small_trainer(epochs=20, stats_interval=3600.0)  # 20 x 16 steps, < 1 s
    stats = [e for e in trainer.run() if isinstance(e, StatsEvent)]
    total = 20 * trainer.n_batches
    assert 60 <= len(stats) <= 70
    assert stats[0].step == 1 and stats[-1].step == total


def test_no_stats_when_switched_off():
    trainer = small_trainer(epochs=3, stats_interval=None)
    assert not [e for e in trainer.run() if isinstance(e, StatsEvent)]
