"""The state that crosses to the training process rebuilds the very same Trainer: a
run there equals a run here bit for bit (weights, optimiser buffers, schedule)."""

from __future__ import annotations

import pickle

from bpstudio.graph.document import Node
from bpstudio.worker.state import build_trainer, capture, data_of, restore, spec_of

from .helpers import same as _same
from .helpers import session as _session
from .helpers import train as _train

ADAM_COSINE = {
    "optimizer": {"name": "adam", "lr": 0.01, "weight_decay": 0.001, "amsgrad": True},
    "schedule": {"name": "cosine", "T_max": 5},
}


def test_a_rebuilt_trainer_trains_exactly_like_the_original():
    here = _session(**ADAM_COSINE)
    there = _session(**ADAM_COSINE)
    _train(here.make_trainer())  # one run first: optimiser and schedule have state now
    _train(there.make_trainer())
    original = here.make_trainer()
    spec = pickle.loads(pickle.dumps(spec_of(original, here.project.graph)))
    rebuilt = build_trainer(spec, data_of(original))
    _train(rebuilt)
    _train(there.make_trainer())
    assert _same(rebuilt.net.state_dict(), there.network.state_dict())
    a, b = rebuilt.opt.state_dict(), there.optimizer.state_dict()
    assert _same(a["state"], b["state"]) and a["steps"] == b["steps"]
    assert a["hyperparams"] == b["hyperparams"]  # the schedule's learning rate too
    assert rebuilt.schedule.state_dict() == there.schedule.state_dict()


def test_restore_brings_weights_counters_and_history_back_in_place():
    s = _session(epochs=3, **ADAM_COSINE)
    trainer = s.make_trainer()
    params = trainer.net.named_params()
    spec = spec_of(trainer, s.project.graph)
    remote = build_trainer(spec, data_of(trainer))
    _train(remote)
    restore(trainer, capture(remote))
    assert _same(trainer.net.state_dict(), remote.net.state_dict())
    assert trainer.net.named_params()["fc1.weight"] is params["fc1.weight"]  # in place
    assert (trainer.epoch, trainer.step) == (3, remote.step) and len(trainer.history) == 3
    assert trainer.opt.lr == remote.opt.lr


def test_batchnorm_buffers_travel_with_the_weights():
    s = _session(epochs=2)
    graph = s.project.graph
    graph.add_node(Node("bn", "BatchNorm"))
    graph.edges[graph.edges.index(("fc1", "act1"))] = ("fc1", "bn")
    graph.edges.append(("bn", "act1"))
    trainer = s.make_trainer()
    assert "bn.running_mean" in trainer.net.state_dict()
    remote = build_trainer(spec_of(trainer, graph), data_of(trainer))
    _train(remote)
    restore(trainer, capture(remote))
    assert _same(trainer.net.state_dict(), remote.net.state_dict())
