"""The training process: a run there reports like the thread's run loop and comes
back bit for bit; pause sends the state, an edit made while paused goes back; a failure
there arrives as text; a dead or dropped child is noticed and ends."""

from __future__ import annotations

import gc
import os
import signal
import time

import numpy as np
import pytest

from bpstudio.errors import BpError
from bpstudio.session import Session
from bpstudio.worker.process import (
    RemoteFailure,
    TrainingProcess,
    TrainingProcessError,
    as_exception,
)
from bpstudio.worker.state import capture, data_of, restore, spec_of


@pytest.fixture(scope="module")
def proc():
    p = TrainingProcess()
    yield p
    p.close()


def _trainer(epochs=3, **training):
    s = Session.open_example("spiral")
    s.project.training.update(epochs=epochs, **training)
    return s, s.make_trainer()


def _until(proc, trainer, *ends, timeout=60.0):
    """Messages until one of ``ends`` (applying syncs to ``trainer``); their kinds."""
    kinds = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kind, payload = proc.recv()
        kinds.append(kind)
        if kind == "sync":
            restore(trainer, payload)
        if kind in ends or (kind == "state" and payload in ends):
            return kinds, payload
    raise AssertionError(f"no {ends} in {timeout} s: {kinds[-10:]}")


def test_a_run_there_equals_a_run_here(proc):
    s, trainer = _trainer()
    proc.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    kinds, done = _until(proc, trainer, "done")
    assert kinds[0] == "packet" and kinds[-2:] == ["sync", "done"]
    assert done.reason == "finished" and trainer.epoch == 3 and trainer.step == 45
    here_s, here = _trainer()
    for _ in here.run():
        pass
    there, local = trainer.net.state_dict(), here.net.state_dict()
    assert all(np.array_equal(there[k], local[k]) for k in local)


def test_pause_syncs_and_an_edit_made_while_paused_goes_back(proc):
    s, trainer = _trainer(epochs=100000, optimizer={"name": "sgd", "lr": 0.0})
    proc.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    _until(proc, trainer, "packet")
    proc.send(("control", {"paused": True}))
    kinds, _ = _until(proc, trainer, "paused")
    assert kinds[-2] == "sync" and trainer.step > 0
    trainer.net.named_params()["out.bias"][...] = 0.125  # e.g. a step-through update
    proc.send(("load", capture(trainer, counters=False)))
    proc.send(("control", {"paused": False, "steps_left": 1}))
    _until(proc, trainer, "paused")  # one batch at learning rate 0, then paused again
    assert np.all(trainer.net.state_dict()["out.bias"] == 0.125)
    proc.send(("control", {"stop": True}))
    _, done = _until(proc, trainer, "done")
    assert done.reason == "stopped"


def test_weights_come_about_once_a_second_while_training(proc):
    s, trainer = _trainer(epochs=100000)
    proc.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    kinds, weights = _until(proc, trainer, "weights", timeout=10)
    assert set(weights) == set(trainer.net.state_dict())
    assert kinds.count("packet") >= 10  # ~20 packets a second, weights once
    proc.send(("control", {"stop": True}))
    _until(proc, trainer, "done")


def test_a_failure_there_arrives_as_text(proc):
    s, trainer = _trainer()
    spec = spec_of(trainer, s.project.graph)
    spec.state.optimizer["name"] = "nosuch"
    proc.start_run(spec, data_of(trainer), False, None)
    kind, failure = proc.recv()
    assert kind == "failed" and isinstance(failure, RemoteFailure)
    exc = as_exception(failure)
    assert isinstance(exc, BpError) and "nosuch" in str(exc)
    other = as_exception(RemoteFailure("KeyError", "'x'", "Traceback ...", False))
    assert isinstance(other, TrainingProcessError) and other.detail == "Traceback ..."
    assert "training process" in str(other)


def test_a_killed_child_is_noticed_and_replaced():
    p = TrainingProcess()
    s, trainer = _trainer(epochs=100000)
    p.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    _until(p, trainer, "packet")
    os.kill(p.pid, signal.SIGKILL)
    with pytest.raises(EOFError):
        _until(p, trainer, "done")
    assert p.reap() == -signal.SIGKILL and not p.alive
    s, trainer = _trainer(epochs=1)
    p.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    _, done = _until(p, trainer, "done")  # a new child, sent the data again
    assert done.reason == "finished"
    p.close()


def test_a_dropped_handle_ends_its_child():
    p = TrainingProcess()
    p.ensure_started()
    child = p._proc
    del p
    gc.collect()
    child.join(10)
    assert not child.is_alive() and child.exitcode == 0


def test_large_arrays_travel_through_shared_memory_and_are_removed():
    from bpstudio.engine.trainer import TrainData
    from bpstudio.worker.shared import SharedArray, attach_data, release, share_data

    rng = np.random.default_rng(0)
    x = rng.random((1000, 300), dtype=np.float32)  # 1.2 MB: shared
    y = rng.integers(0, 3, 1000)  # 8 kB: pickled
    shared, blocks = share_data(TrainData(x, y, None, None, "classification"))
    assert isinstance(shared.x_train, SharedArray) and shared.y_train is y
    assert len(blocks) == 1 and shared.x_val is None
    seen, mapped = attach_data(shared)
    assert np.array_equal(seen.x_train, x) and seen.x_train.dtype == np.float32
    del seen
    release(mapped, unlink=False)
    release(blocks, unlink=True)
    with pytest.raises(FileNotFoundError):
        attach_data(shared)


def test_arrays_too_large_for_shared_memory_are_pickled(monkeypatch):
    from bpstudio.engine.trainer import TrainData
    from bpstudio.worker import shared

    monkeypatch.setattr(shared, "_room", lambda: 1000.0)  # e.g. Docker's small /dev/shm
    x = np.zeros((1000, 300), np.float32)
    data, blocks = shared.share_data(TrainData(x, np.zeros(1000, np.int64)))
    assert data.x_train is x and blocks == []
