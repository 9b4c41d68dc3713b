"""The training runner: packets arrive throttled, pause/step/resume/stop act between
batches, closing mid-run ends the worker, and a worker exception becomes a signal."""

from __future__ import annotations

import numpy as np

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import TrainConfig, TrainData, Trainer
from bpstudio.ui.training.runner import TrainingRunner
from bpstudio.worker.packets import Coalescer


def small_trainer(epochs=20, lr=0.1, n=256, stats_interval=0.05) -> Trainer:
    """A 2-16-3 ReLU MLP on random points: a few ms per epoch."""
    nodes = [
        NodeSpec("fc1", LAYERS["Dense"](units=16), ["x"]),
        NodeSpec("act1", LAYERS["ReLU"](), ["fc1"]),
        NodeSpec("out", LAYERS["Dense"](units=3), ["act1"]),
    ]
    net = Network(nodes, "x", "out", LOSSES["CrossEntropyLoss"]())
    net.build((2,), np.random.default_rng(0))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    opt = make_optimizer("sgd", net.named_params(), lr=lr)
    config = TrainConfig(epochs=epochs, batch_size=16, stats_interval=stats_interval)
    return Trainer(net, opt, TrainData(x, y, x[:64], y[:64]), config)


class Recorder:
    def __init__(self, runner: TrainingRunner):
        self.packets, self.done, self.failed, self.diverged = [], [], [], []
        runner.packet.connect(self.packets.append)
        runner.finished.connect(self.done.append)
        runner.failed.connect(self.failed.append)
        runner.diverged.connect(self.diverged.append)

    @property
    def steps(self) -> list[int]:
        return [int(s) for p in self.packets if p.steps is not None for s in p.steps.step]

    @property
    def epochs(self) -> list[int]:
        return [e.epoch for p in self.packets for e in p.epochs]


def test_coalescer_gathers_steps_into_arrays():
    trainer = small_trainer(epochs=1)
    co = Coalescer()
    for event in trainer.run():
        if type(event).__name__ in ("StepEvent", "EpochEvent", "StatsEvent"):
            co.add(event)
    packet = co.take()
    assert len(packet.steps) == 16
    assert packet.steps.step.tolist() == list(range(1, 17))
    assert set(packet.steps.grad_norms) == {"fc1.weight", "fc1.bias", "out.weight", "out.bias"}
    assert packet.steps.grad_norms["fc1.weight"].shape == (16,)
    assert [e.epoch for e in packet.epochs] == [0]
    assert packet.stats is not None
    assert co.take().empty


def test_run_delivers_every_step_and_epoch_throttled(qtbot):
    runner = TrainingRunner()
    rec = Recorder(runner)
    with qtbot.waitSignal(runner.finished, timeout=20000):
        runner.start(small_trainer(epochs=20))
    qtbot.waitUntil(lambda: not runner.active)
    assert rec.steps == list(range(1, 20 * 16 + 1))  # coalesced, none lost
    assert rec.epochs == list(range(20))
    assert len(rec.packets) < 20 * 16 / 4  # far fewer deliveries than steps
    assert rec.done[0].reason == "finished"
    assert runner.state == "idle"


def test_pause_step_resume_stop(qtbot):
    runner = TrainingRunner()
    rec = Recorder(runner)
    states = []
    runner.state_changed.connect(states.append)
    runner.start(small_trainer(epochs=1000), paused=True)
    qtbot.wait(100)
    assert rec.steps == []  # paused before the first batch
    runner.step()
    qtbot.waitUntil(lambda: rec.steps == [1], timeout=5000)
    qtbot.waitUntil(lambda: any(p.stats is not None for p in rec.packets), timeout=5000)
    qtbot.wait(100)
    assert rec.steps == [1]  # exactly one batch, then paused again
    runner.resume()
    qtbot.waitUntil(lambda: len(rec.steps) > 50, timeout=5000)
    runner.pause()
    qtbot.waitUntil(lambda: runner.state == "paused", timeout=5000)
    qtbot.wait(100)
    frozen = len(rec.steps)
    qtbot.wait(150)
    assert len(rec.steps) == frozen
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.stop()
    assert rec.done[0].reason == "stopped"
    qtbot.waitUntil(lambda: not runner.active)
    assert "paused" in states and states[-1] == "idle"


def test_stop_before_first_batch_still_finishes(qtbot):
    runner = TrainingRunner()
    rec = Recorder(runner)
    runner.start(small_trainer(), paused=True)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.stop()
    assert rec.done[0].reason == "stopped" and rec.steps == []


def test_shutdown_mid_run_ends_the_worker(qtbot):
    runner = TrainingRunner()
    rec = Recorder(runner)
    runner.start(small_trainer(epochs=100000))
    qtbot.waitUntil(lambda: len(rec.steps) > 10, timeout=5000)
    assert runner.shutdown(timeout_ms=5000)
    assert not runner.active and runner.state == "idle"


def test_worker_exception_becomes_a_signal(qtbot):
    trainer = small_trainer()

    def broken_run():
        yield from []
        raise ValueError("boom in batch 3")

    trainer.run = broken_run
    runner = TrainingRunner()
    rec = Recorder(runner)
    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start(trainer)
    assert "boom in batch 3" in str(blocker.args[0])
    qtbot.waitUntil(lambda: not runner.active)
    assert rec.done == []


def test_divergence_is_delivered_before_the_end(qtbot):
    runner = TrainingRunner()
    rec = Recorder(runner)
    order = []
    runner.diverged.connect(lambda e: order.append("diverged"))
    runner.finished.connect(lambda e: order.append("done"))
    with qtbot.waitSignal(runner.finished, timeout=10000):
        runner.start(small_trainer(lr=1e12))
    assert order == ["diverged", "done"]
    assert rec.done[0].reason == "diverged"


def test_the_worker_computes_with_the_apps_one_blas_thread(qtbot):
    """The runner sets the app's BLAS thread count once, before its worker exists, and
    the worker never changes it (a change while another thread is in BLAS can deadlock
    OpenBLAS: see bpstudio/ui/blas.py)."""
    from threadpoolctl import threadpool_info

    from bpstudio.ui.blas import APP_BLAS_THREADS

    seen = []
    trainer = small_trainer(epochs=1)
    inner = trainer.run

    def spying_run():
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        yield from inner()

    trainer.run = spying_run
    runner = TrainingRunner()
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(trainer)
    assert seen in ([{APP_BLAS_THREADS}], [set()])  # set(): no BLAS library found
    after = {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    assert after in ({APP_BLAS_THREADS}, set())  # not restored behind other threads' backs
