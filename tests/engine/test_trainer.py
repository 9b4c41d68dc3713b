"""Trainer: events, determinism, divergence, stop."""

import math

import numpy as np
import pytest

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import (
    DivergedEvent,
    DoneEvent,
    EpochEvent,
    StatsEvent,
    StepEvent,
    TrainConfig,
    TrainData,
    Trainer,
)


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 2)).astype(np.float32) + 2.5 * y[:, None]
    return x, y


def _trainer(lr=0.1, epochs=5, seed=0, **cfg):
    nodes = [
        NodeSpec("fc1", LAYERS["Dense"](units=8), ["x"]),
        NodeSpec("act", LAYERS["ReLU"](), ["fc1"]),
        NodeSpec("out", LAYERS["Dense"](units=2), ["act"]),
    ]
    net = Network(nodes, "x", "out", LOSSES["CrossEntropyLoss"]())
    net.build((2,), np.random.default_rng(seed))
    x, y = _blobs()
    opt = make_optimizer("sgd", net.named_params(), lr=lr, momentum=0.9)
    config = TrainConfig(**{"epochs": epochs, "batch_size": 16, "seed": seed, **cfg})
    return Trainer(net, opt, TrainData(x[:100], y[:100], x[100:], y[100:]), config)


def test_events_and_learning():
    tr = _trainer(stats_interval=0)
    events = list(tr.run())
    steps = [e for e in events if isinstance(e, StepEvent)]
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert len(steps) == 5 * 7 and len(epochs) == 5
    assert steps[-1].step == 35 and set(steps[0].grad_norms) == {
        "fc1.weight",
        "fc1.bias",
        "out.weight",
        "out.bias",
    }
    assert epochs[-1].train_loss < epochs[0].train_loss
    assert epochs[-1].val_accuracy > 0.9
    stats = [e for e in events if isinstance(e, StatsEvent)]
    assert stats and stats[0].weight_hists["fc1.weight"].counts.sum() == 16
    assert set(stats[0].activation_stats) == {"fc1", "act", "out"}
    assert isinstance(events[-1], DoneEvent) and events[-1].reason == "finished"


def test_deterministic_for_a_seed():
    a = [e.loss for e in _trainer(seed=3).run() if isinstance(e, StepEvent)]
    b = [e.loss for e in _trainer(seed=3).run() if isinstance(e, StepEvent)]
    assert a == b


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_keeps_last_good_weights():
    tr = _trainer(lr=1e30, epochs=50)
    good = None
    for ev in tr.run():
        if isinstance(ev, StepEvent):
            good = {k: v.copy() for k, v in tr.net.named_params().items()}
        if isinstance(ev, DivergedEvent):
            assert ev.node_id is not None and ev.advice
            break
    else:
        raise AssertionError("no divergence")
    for k, v in tr.net.named_params().items():
        np.testing.assert_array_equal(v, good[k])


def test_stop_between_batches():
    tr = _trainer(epochs=100)
    n = 0
    for ev in tr.run():
        if isinstance(ev, StepEvent):
            n += 1
            if n == 3:
                tr.request_stop()
        last = ev
    assert last.reason == "stopped" and last.steps == 3


def test_full_batch_and_epoch_continuation():
    tr = _trainer(epochs=2, batch_size=0)
    events = list(tr.run())
    assert sum(isinstance(e, StepEvent) for e in events) == 2
    tr.config.epochs = 4
    more = list(tr.run())
    assert [e.epoch for e in more if isinstance(e, EpochEvent)] == [2, 3]
    assert math.isfinite(more[-2].train_loss)


def test_streaming_when_data_exceeds_device_memory(monkeypatch):
    """A dataset too big for the device stays on the host; results are unchanged."""
    import bpstudio.engine.trainer as trainer_mod

    ref = [e.loss for e in _trainer(seed=2).run() if isinstance(e, StepEvent)]
    monkeypatch.setattr(trainer_mod, "device_free_bytes", lambda xp: 100)
    tr = _trainer(seed=2)
    assert tr.streamed
    assert [e.loss for e in tr.run() if isinstance(e, StepEvent)] == ref
