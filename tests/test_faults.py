"""Faults: a process killed mid-save, and training steps that fail or go NaN.

- A child process saves a big project file and big weights files (safetensors, npz) in a
  tight loop and is SIGKILLed at random moments: every file must still load, whole, as
  one of the versions the child wrote (atomic writes: temp file, fsync, rename).
- An exception inside a training step (a bug in a layer, a device error, a GPU
  out-of-memory) and a NaN loss leave the Session with the weights of the last good
  step, and a new trainer carries on from them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from bpstudio.engine.trainer import DivergedEvent, DoneEvent, StepEvent, TrainConfig
from bpstudio.errors import BpError
from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project, load_project, save_project
from bpstudio.io.weights import load_weights, save_weights
from bpstudio.session import Session
from tests.corpus.generate import CORPUS

N_NODES = 4000  # a ~0.8 MB project file
N_TENSORS = 24  # 24 x 256 x 256 float32: a 6 MB weights file
KILLS = 6

SAVER = textwrap.dedent(
    """
    import itertools, sys
    from pathlib import Path
    import numpy as np
    from bpstudio.graph.project import load_project, save_project
    from bpstudio.io.weights import save_weights

    folder = Path(sys.argv[1])
    project = load_project(folder / "big.bpstudio")
    start = project.training["seed"]
    tensors = {f"t{i}.weight": np.zeros((256, 256), np.float32) for i in range(int(sys.argv[2]))}
    for version in itertools.count(start + 1):
        project.training["seed"] = version
        save_project(project, folder / "big.bpstudio")
        for a in tensors.values():
            a.fill(version)
        for ext in ("safetensors", "npz"):
            save_weights(folder / f"big.{ext}", tensors, {"version": version})
        print(version, flush=True)
    """
)


def _big_project() -> Project:
    nodes = [{"id": "x", "op": "Input", "params": {"shape": [4]}}]
    nodes += [{"id": f"fc{i}", "op": "Dense", "params": {"units": 4}} for i in range(N_NODES)]
    edges = [[a["id"], b["id"]] for a, b in zip(nodes, nodes[1:], strict=False)]
    project = Project(Graph.from_dict({"nodes": nodes, "edges": edges}))
    project.training["seed"] = 0
    return project


def _check_whole(folder, low: int, high: int) -> None:
    """Each file loads and holds one complete version in [low, high]."""
    project = load_project(folder / "big.bpstudio")
    assert len(project.graph.nodes) == N_NODES + 1
    assert low <= project.training["seed"] <= high
    for ext in ("safetensors", "npz"):
        tensors, meta = load_weights(folder / f"big.{ext}")
        version = meta["version"]
        assert low <= version <= high
        assert len(tensors) == N_TENSORS
        assert all((t == version).all() for t in tensors.values()), "a torn weights file"


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_during_saves_leaves_whole_files(tmp_path):
    save_project(_big_project(), tmp_path / "big.bpstudio")
    zeros = {f"t{i}.weight": np.zeros((256, 256), np.float32) for i in range(N_TENSORS)}
    for ext in ("safetensors", "npz"):
        save_weights(tmp_path / f"big.{ext}", zeros, {"version": 0})
    rng = np.random.default_rng(0)
    mid_save = 0
    for i in range(KILLS):
        # Half the kills at a random moment, half the instant a temp file shows up.
        done = _run_and_kill(tmp_path, float(rng.uniform(0.0, 0.4)), at_temp=i % 2 == 1)
        # Whatever the child finished is there, or the save after it was under way.
        _check_whole(tmp_path, done, done + 1)
        leftovers = list(tmp_path.glob(".big.*.tmp"))
        mid_save += bool(leftovers)
        for p in leftovers:  # what a killed save leaves: its own temp file, never the target
            p.unlink()
    assert mid_save >= KILLS // 4, "kills missed the saves: the test proved nothing"


def _run_and_kill(folder, delay: float, at_temp: bool) -> int:
    """Start the saver, let it finish a save, SIGKILL it ``delay`` s later (or as soon as
    a temp file exists, ``at_temp``); the last version it reported finished."""
    before = load_project(folder / "big.bpstudio").training["seed"]
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(folder), str(N_TENSORS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.strip(), "the saver died before its first save"
        time.sleep(delay)
        if at_temp:
            _wait_for_temp_file(folder)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        lines = [first, *proc.stdout.read().splitlines()]
    finally:
        if proc.poll() is None:
            proc.kill()
    done = int(lines[-1].strip()) if lines[-1].strip() else int(first)
    assert done > before
    return done


def _wait_for_temp_file(folder, limit: float = 10.0) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end and not any(folder.glob(".big.*.tmp")):
        time.sleep(0.0002)


# ------------------------------------------------------------------- training
@pytest.fixture
def session() -> Session:
    s = Session.open(CORPUS / "projects" / "csv_mlp.bpstudio")
    s.device = "cpu"
    s.load_data()
    s.build_network()
    return s


CONFIG = dict(epochs=3, batch_size=4, stats_interval=None)


def _train_until(session: Session, fault_step: int, fault) -> None:
    """Train with ``fault`` armed at ``fault_step`` until it ends (or raises)."""
    trainer = session.make_trainer(TrainConfig(**CONFIG))
    fault.arm(trainer, fault_step)
    try:
        for _ in trainer.run():
            pass
    finally:
        fault.disarm()


class _LayerFault:
    """Makes the first Dense layer's ``method`` raise ``exc`` from ``step`` on."""

    def __init__(self, session: Session, method: str, exc: BaseException):
        self.layer = session.network.nodes[0].layer
        self.method, self.exc = method, exc

    def arm(self, trainer, step: int) -> None:
        real = getattr(self.layer, self.method)

        def faulty(*args, **kw):
            if trainer.step >= step:
                raise self.exc
            return real(*args, **kw)

        setattr(self.layer, self.method, faulty)

    def disarm(self) -> None:
        vars(self.layer).pop(self.method, None)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _carries_on(session: Session) -> None:
    """A fresh trainer on the same session trains with finite losses to the end."""
    trainer = session.make_trainer(TrainConfig(**CONFIG))
    events = list(trainer.run())
    assert isinstance(events[-1], DoneEvent) and events[-1].reason == "finished"
    losses = [e.loss for e in events if isinstance(e, StepEvent)]
    assert losses and np.isfinite(losses).all()
    assert np.isfinite(session.final_metrics()["train_loss"])


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_worker_exception_keeps_last_good_weights(session, method):
    fault = _LayerFault(session, method, RuntimeError("boom: a bug in a layer"))
    with pytest.raises(RuntimeError, match="boom"):
        _train_until(session, 5, fault)
    assert _same(session.network.state_dict(), _good_after_steps(session, 5))
    _carries_on(session)


def _good_after_steps(session: Session, steps: int) -> dict:
    """The state a clean run reaches after ``steps`` steps, on a rebuilt copy."""
    twin = Session.open(CORPUS / "projects" / "csv_mlp.bpstudio")
    twin.device = "cpu"
    twin.load_data()
    twin.build_network()
    for ev in twin.make_trainer(TrainConfig(**CONFIG)).run():
        if isinstance(ev, StepEvent) and ev.step == steps:
            break
    return twin.network.state_dict()


class OutOfMemoryError(Exception):
    """Named as CuPy's: the trainer recognises the device running out of memory."""


def test_device_out_of_memory_is_a_clear_error_and_keeps_weights(session):
    fault = _LayerFault(session, "forward", OutOfMemoryError("out of memory allocating 1 GB"))
    with pytest.raises(BpError, match="ran out of memory at batch size 4"):
        _train_until(session, 3, fault)
    assert _same(session.network.state_dict(), _good_after_steps(session, 3))
    _carries_on(session)


def test_host_memory_error_is_a_clear_error(session):
    fault = _LayerFault(session, "backward", MemoryError())
    with pytest.raises(BpError, match="out of memory at batch size 4"):
        _train_until(session, 2, fault)
    assert _same(session.network.state_dict(), _good_after_steps(session, 2))
    _carries_on(session)


class _NaNLoss:
    """The loss comes out NaN once, at ``step`` (as a bad batch or an overflow would)."""

    def __init__(self, session: Session):
        self.loss_fn = session.network.loss_fn

    def arm(self, trainer, step: int) -> None:
        real = self.loss_fn.forward

        def nan_once(pred, target):
            out = real(pred, target)
            return out * np.nan if trainer.step == step else out

        self.loss_fn.forward = nan_once

    def disarm(self) -> None:
        vars(self.loss_fn).pop("forward", None)


def test_nan_stops_with_the_last_good_weights(session):
    trainer = session.make_trainer(TrainConfig(**CONFIG))
    fault = _NaNLoss(session)
    fault.arm(trainer, 6)
    try:
        events = list(trainer.run())
    finally:
        fault.disarm()
    diverged = [e for e in events if isinstance(e, DivergedEvent)]
    assert len(diverged) == 1 and diverged[0].step == 6
    assert events[-1].reason == "diverged"
    assert _same(session.network.state_dict(), _good_after_steps(session, 6))
    assert all(np.isfinite(v).all() for v in session.network.state_dict().values())
    _carries_on(session)


def test_stop_mid_epoch_leaves_a_consistent_session(session):
    trainer = session.make_trainer(TrainConfig(**CONFIG))
    for ev in trainer.run():
        if isinstance(ev, StepEvent) and ev.step == 3:
            trainer.request_stop()
    assert ev.reason == "stopped" and trainer.step == 3
    assert _same(session.network.state_dict(), _good_after_steps(session, 3))
    _carries_on(session)


# ------------------------------------------------------------------ long runs
def test_run_epoch_history_stays_bounded():
    from bpstudio.session import Run

    run = Run("long", {})
    cap = Run.EPOCH_CAP
    for i in range(3 * cap):
        run.add_epochs([i])
    run.add_epochs(range(3 * cap, 3 * cap + 7))
    assert len(run.epochs) <= cap
    assert run.epochs[0] == 0 and run.epochs[-1] == 3 * cap + 6  # spans the run
    assert run.epochs == sorted(run.epochs)


def test_trainer_keeps_only_recent_epochs(session):
    from bpstudio.engine.trainer import HISTORY_EPOCHS

    trainer = session.make_trainer(
        TrainConfig(epochs=HISTORY_EPOCHS + 50, batch_size=0, stats_interval=None)
    )
    for _ in trainer.run():
        pass
    assert trainer.epoch == HISTORY_EPOCHS + 50
    assert len(trainer.history) == HISTORY_EPOCHS
    assert trainer.history[-1].epoch == HISTORY_EPOCHS + 49
