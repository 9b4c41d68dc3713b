"""Stress and edge cases of the training process: state round trips with every
optimiser option, schedules and Dropout; control arriving at awkward moments (during
the child's build, a Step overtaken by Resume); the child's failure modes (its app
dying, Ctrl+C in the terminal); leaks over many runs (fds, /dev/shm, processes)."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from bpstudio.engine.trainer import DoneEvent, StatsEvent, StepEvent, TrainData
from bpstudio.graph.document import Node
from bpstudio.worker.loop import Control, RunLoop
from bpstudio.worker.process import TrainingProcess
from bpstudio.worker.state import build_trainer, data_of, restore, spec_of

from .helpers import same as _same
from .helpers import session as _session
from .helpers import train as _train

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the runner tests' QApplication

OPTIMIZERS = [
    {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
    {"name": "sgd", "lr": 0.05, "momentum": 0.8, "dampening": 0.1},
    {"name": "adam", "lr": 0.01, "amsgrad": True, "betas": [0.8, 0.99]},
    {"name": "adamw", "lr": 0.01, "amsgrad": True, "weight_decay": 0.05},
    {"name": "rmsprop", "lr": 0.01, "centered": True, "momentum": 0.5, "alpha": 0.9},
    {"name": "adagrad", "lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
]
SCHEDULES = [
    None,
    {"name": "step", "step_size": 1, "gamma": 0.5},
    {"name": "exponential", "gamma": 0.9},
    {"name": "cosine", "T_max": 3, "eta_min": 0.001},
]


def _assert_rebuilt_run_equals(training: dict, dropout: bool = False) -> None:
    """Two equal sessions train one run; then one continues in a rebuilt trainer (as the
    training process would) and the other in place: the results must be identical."""
    here, there = _session(dropout=dropout, **training), _session(dropout=dropout, **training)
    _train(here.make_trainer())
    _train(there.make_trainer())
    original = here.make_trainer()
    spec = pickle.loads(pickle.dumps(spec_of(original, here.project.graph)))
    rebuilt = build_trainer(spec, data_of(original))
    _train(rebuilt)
    _train(there.make_trainer())
    assert _same(rebuilt.net.state_dict(), there.network.state_dict())
    a, b = rebuilt.opt.state_dict(), there.optimizer.state_dict()
    assert _same(a["state"], b["state"]) and a["steps"] == b["steps"]
    assert a["hyperparams"] == b["hyperparams"]
    if training.get("schedule"):
        assert rebuilt.schedule.state_dict() == there.schedule.state_dict()
    # ...and the state that comes back lets the app's network go on as the thread would
    restore(original, pickle.loads(pickle.dumps(spec_of(rebuilt, here.project.graph).state)))
    assert _same(original.net.state_dict(), there.network.state_dict())


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: "-".join(map(str, o.values())))
def test_every_optimiser_option_round_trips_exactly(optimizer):
    _assert_rebuilt_run_equals({"optimizer": optimizer})


@pytest.mark.parametrize("schedule", SCHEDULES[1:], ids=lambda s: s["name"])
def test_every_schedule_round_trips_exactly(schedule):
    _assert_rebuilt_run_equals({"optimizer": OPTIMIZERS[0], "schedule": schedule, "epochs": 3})


def test_a_network_with_dropout_trains_there_as_here():
    """Dropout's masks come from a generator of the network: it must travel too, or
    each run in the process repeats the first run's masks."""
    _assert_rebuilt_run_equals({"optimizer": OPTIMIZERS[2]}, dropout=True)


# ------------------------------------------------------------------ the run loop
def _loop(trainer, control, on_packet=None):
    """A RunLoop delivering every event as its own packet; returns (loop, kinds)."""
    kinds = []

    def emit(kind, payload):
        kinds.append((kind, payload))
        if kind == "packet" and on_packet is not None:
            on_packet(payload)

    return RunLoop(trainer, control, emit, interval=0.0), kinds


def test_a_step_overtaken_by_resume_gives_the_stats_interval_back():
    """Step, then Resume before that batch ends: statistics go back to their interval
    (they stayed on every step, a fraction of a small network's speed)."""
    s = _session(epochs=3)
    trainer = s.make_trainer()
    control = Control(steps=1)
    seen = []

    def on_packet(packet):
        if not seen:  # the Step's batch is done, not yet counted: Resume now
            control.update(steps_left=None, paused=False)
        seen.append(trainer.config.stats_interval)

    loop, _ = _loop(trainer, control, on_packet)
    loop.run()
    assert seen[0] == 0 and seen[-1] == 0.25


def test_a_run_that_ends_while_stepping_gives_the_stats_interval_back():
    """A run whose last batch was a step must not leave the config at 0 (on the thread
    it is the app's own TrainConfig, which the next run may read)."""
    s = _session(epochs=1)
    trainer = s.make_trainer()
    trainer.step = trainer.n_batches - 1  # one batch left... of a run of one epoch
    control = Control(steps=100)
    loop, kinds = _loop(trainer, control)
    loop.run()
    assert kinds[-1][0] == "done" and trainer.config.stats_interval == 0.25


def test_a_step_from_idle_runs_one_batch_with_statistics_then_pauses():
    s = _session(epochs=3)
    trainer = s.make_trainer()
    control = Control(steps=1)
    events, states = [], []

    def emit(kind, payload):
        if kind == "packet":
            events.extend([*payload.earlier_stats, payload.stats] if payload.stats else [])
            events.extend([payload.steps.last] if payload.steps else [])
        elif kind == "state":
            states.append(payload)
            control.update(stop=True)  # paused after the step: end the run
        elif kind == "done":
            events.append(payload)

    RunLoop(trainer, control, emit, interval=0.0).run()
    assert states[0] == "paused" and trainer.step == 1
    assert [type(e) for e in events] == [StepEvent, StatsEvent, DoneEvent]


# ------------------------------------------------------------------ the process
def _until(proc, *ends, timeout=30.0):
    kinds = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kind, payload = proc.recv()
        kinds.append(kind)
        if kind in ends or (kind == "state" and payload in ends):
            return kinds, payload
    raise AssertionError(f"no {ends} in {timeout} s: {kinds[-10:]}")


@pytest.fixture(scope="module")
def proc():
    p = TrainingProcess()
    yield p
    p.close()


def test_a_stop_during_the_childs_build_ends_the_run_untrained(proc):
    s = _session(epochs=100000)
    trainer = s.make_trainer()
    proc.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    proc.send(("control", {"stop": True}))  # reaches the child while it builds
    kinds, done = _until(proc, "done")
    assert done.reason == "stopped" and kinds[-2:] == ["sync", "done"]
    assert done.steps < 50  # at most a batch or two after the build


def test_a_load_sent_while_running_is_not_applied_at_a_later_resume(proc):
    """A "load" is meant for the pause it was made in; one that reached a running
    child (as after ``start(paused=True)`` and a resume before the child paused) must
    not roll a later pause's network back."""
    s = _session(epochs=100000, optimizer={"name": "sgd", "lr": 0.0})
    trainer = s.make_trainer()
    spec = spec_of(trainer, s.project.graph)
    bias = spec.state.weights["out.bias"].copy()
    stale = pickle.loads(pickle.dumps(spec.state))
    stale.weights["out.bias"][...] = 7.0
    proc.start_run(spec, data_of(trainer), False, None)
    _until(proc, "packet")
    proc.send(("load", stale))  # the child trains: not paused
    proc.send(("control", {"paused": True}))
    _until(proc, "paused")
    proc.send(("control", {"paused": False}))  # resumed before the app heard "paused"
    _until(proc, "packet")
    proc.send(("control", {"paused": True}))
    _, state = _until(proc, "sync")
    proc.send(("control", {"stop": True}))
    _until(proc, "done")
    assert np.array_equal(state.weights["out.bias"], bias)


def test_an_edit_sent_with_an_early_resume_reaches_the_first_batch(proc):
    """``start(paused=True)``, an edit, then Resume before the child had paused (it was
    still building): the edit is trained on, not dropped nor applied later."""
    s = _session(epochs=100000, optimizer={"name": "sgd", "lr": 0.0})
    trainer = s.make_trainer()
    spec = spec_of(trainer, s.project.graph)
    edited = pickle.loads(pickle.dumps(spec.state))
    edited.weights["out.bias"][...] = 7.0
    proc.start_run(spec, data_of(trainer), True, None)
    proc.send(("load", edited))
    proc.send(("control", {"paused": False}))
    _until(proc, "packet")
    proc.send(("control", {"paused": True}))
    _, state = _until(proc, "sync")
    proc.send(("control", {"stop": True}))
    _until(proc, "done")
    assert np.all(state.weights["out.bias"] == 7.0)


def test_an_exception_mid_run_arrives_after_the_state_and_the_child_trains_on(proc):
    s = _session(epochs=2)
    trainer = s.make_trainer()
    data = data_of(trainer)
    y = data.y_train.copy()
    y[-1] = 99  # a class the network has no output for: its batch fails, mid-epoch
    bad = TrainData(data.x_train, y, data.x_val, data.y_val, data.task)
    proc.start_run(spec_of(trainer, s.project.graph), bad, False, None)
    kinds, failure = _until(proc, "failed")
    assert kinds[-2] == "sync" and "packet" in kinds and failure.detail
    proc.start_run(spec_of(trainer, s.project.graph), data, False, None)
    _, done = _until(proc, "done")
    assert done.reason == "finished" and done.steps == 30


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _shm() -> set:
    return set(os.listdir("/dev/shm"))


def _big(seed: int, n=2048 * 70) -> TrainData:
    """Spiral-like data with x of ~1.1 MB (n, 2) float32: it travels in shared memory."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2), dtype=np.float32)
    return TrainData(x, rng.integers(0, 3, n), None, None, "classification")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="Linux /proc and /dev/shm")
def test_fifty_runs_leave_no_fds_shm_blocks_or_processes():
    p = TrainingProcess()
    s = _session(epochs=100000)
    trainer = s.make_trainer()
    spec = spec_of(trainer, s.project.graph)
    datasets = [_big(0), _big(1)]
    p.ensure_started()
    _until_started(p, spec, datasets[0])
    fds, shm = _fds(), _shm()
    for i in range(50):  # new data every run: a block made and removed each time
        p.start_run(spec, datasets[i % 2], False, None)
        p.send(("control", {"stop": True}))
        kinds, done = _until(p, "done")
        assert done.reason == "stopped"
    assert p.runs == 51 and p.alive
    assert _fds() == fds and len(_shm()) == len(shm)  # x and y of the last data
    child = p._proc
    p.close()
    assert not child.is_alive() and child.exitcode == 0
    assert _fds() < fds and not (_shm() - shm)
    assert not [c for c in _children() if c == child.pid]


def _until_started(p, spec, data):
    p.start_run(spec, data, False, None)
    p.send(("control", {"stop": True}))
    _until(p, "done")


def _children() -> list[int]:
    """Pids of this process's live (or zombie) children."""
    me = os.getpid()
    out = []
    for pid in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, ValueError):
            continue
        if pid.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == me:
            out.append(int(pid))
    return out


# ----------------------------------------------------- the child when the app ends
HELPER = textwrap.dedent(
    """
    import sys, time
    from bpstudio.session import Session
    from bpstudio.worker.process import TrainingProcess
    from bpstudio.worker.state import data_of, spec_of

    if __name__ == "__main__":
        s = Session.open_example("spiral")
        s.project.training.update(epochs=100000)
        t = s.make_trainer()
        p = TrainingProcess()
        p.start_run(spec_of(t, s.project.graph), data_of(t), {paused}, None)
        kind = p.recv()[0]
        print(p.pid, kind, flush=True)
        time.sleep(60)
    """
)


def _gone(pid: int, timeout: float) -> bool:
    """True once ``pid`` has ended (a zombie left to an init that does not reap counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("paused", [False, True], ids=["training", "paused"])
def test_the_child_ends_when_its_app_is_killed(tmp_path, paused):
    script = tmp_path / "app.py"
    script.write_text(HELPER.replace("{paused}", str(paused)))
    app = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pid, kind = app.stdout.readline().split()
        assert kind == ("sync" if paused else "packet")
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)
        assert _gone(int(pid), 10), "the training process outlived its app"
    finally:
        app.kill()
        app.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_the_terminal_does_not_kill_the_child():
    """Ctrl+C signals the terminal's whole process group: the app decides whether to
    end (the child then gets EOF); the child must not die of KeyboardInterrupt mid-run."""
    p = TrainingProcess()
    s = _session(epochs=100000)
    trainer = s.make_trainer()
    p.start_run(spec_of(trainer, s.project.graph), data_of(trainer), False, None)
    _until(p, "packet")
    os.kill(p.pid, signal.SIGINT)
    _until(p, "packet")
    _until(p, "packet")
    p.send(("control", {"stop": True}))
    _, done = _until(p, "done")
    assert done.reason == "stopped" and p.alive
    p.close()


UNGUARDED = textwrap.dedent(
    """
    import sys
    from bpstudio.session import Session
    from bpstudio.ui.app import main
    from bpstudio.worker.process import TrainingProcess
    from bpstudio.worker.state import data_of, spec_of

    if __name__ == "__mp_main__":
        main()  # what a script without a guard does again in the training process
    else:
        s = Session.open_example("spiral")
        t = s.make_trainer()
        p = TrainingProcess()
        p.start_run(spec_of(t, s.project.graph), data_of(t), False, None)
        heard = p._conn.poll(20)
        p._proc.join(5)
        print(heard, p._proc.exitcode, flush=True)
        p.close()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="the offscreen Qt platform")
def test_an_unguarded_script_does_not_open_the_app_again_in_the_child(tmp_path):
    """ "spawn" re-imports the main script: without a guard it called main() there, and
    the child became a second window (an error dialog) that never read its pipe, so
    Start waited forever; it must end instead (the run then goes to a thread)."""
    pytest.importorskip("PySide6")
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["True", "1"], out.stderr[-2000:]


class _FailingConn:
    """A pipe end whose next message cannot be taken (e.g. too large to unpickle)."""

    def __init__(self, exc):
        self.exc = exc

    def recv(self):
        raise self.exc


@pytest.mark.parametrize("exc", [MemoryError(), pickle.UnpicklingError("truncated")])
def test_a_message_the_childs_reader_cannot_take_ends_the_child(exc):
    """The reader thread dying quietly left the child alive and deaf: the app's Start
    waited forever. It stops the run and ends the child instead (the app hears EOF)."""
    import queue
    import threading

    from bpstudio.worker.child import _Current, _read

    inbox, current = queue.Queue(), _Current()
    current.control = Control()
    reader = threading.Thread(target=_read, args=(_FailingConn(exc), inbox, current))
    reader.start()
    reader.join(5)
    assert not reader.is_alive() and inbox.get(timeout=1)[0] == "quit"
    assert current.control.stop


def test_data_the_child_cannot_map_fails_the_run_and_the_child_lives_on():
    """E.g. a block removed before the child mapped it, or no memory to map it: the
    run says so (the child used to die: 'ended unexpectedly'), and the next data works."""
    from bpstudio.worker.shared import SharedArray

    p = TrainingProcess()
    s = _session(epochs=1)
    trainer = s.make_trainer()
    spec = spec_of(trainer, s.project.graph)
    lost = SharedArray("bpstudio-no-such-block", (10, 2), "<f4")
    p.ensure_started()
    p.send(("data", TrainData(lost, np.zeros(10, np.int64), None, None, "classification")))
    p.send(("run", spec, False, None))
    kind, failure = p.recv()
    assert kind == "failed" and failure.kind == "FileNotFoundError"
    p.start_run(spec, data_of(trainer), False, None)
    _, done = _until(p, "done")
    assert done.reason == "finished" and p.alive
    p.close()


class _DeadProcess:
    """A training process that ended before its first run said anything."""

    runs = 1

    def __init__(self, code):
        self.code = code

    def recv(self):
        raise EOFError("gone")

    def reap(self):
        return self.code


@pytest.mark.parametrize(("code", "kind"), [(1, "unavailable"), (-9, "failed")])
def test_only_a_child_that_could_not_start_sends_the_runs_to_a_thread(code, kind):
    """A child that exits with an error before its first message could not start (e.g.
    an unguarded script): train on a thread. One killed by a signal (the system out of
    memory on a large network) is an error: retraining in the app would kill the app."""
    pytest.importorskip("PySide6")
    from bpstudio.ui.training.runner import _ProcessLink

    link = _ProcessLink(_DeadProcess(code), Control())
    got = []
    link.event.connect(lambda k, payload: got.append(k))
    link.run()  # here, not as a thread: the signal is delivered at once
    assert got == [kind]


class _Recorder:
    """The child's end of the pipe, recording what the run sends."""

    def __init__(self):
        self.sent = []

    def send(self, msg):
        self.sent.append(msg)


def test_out_of_memory_mid_run_is_reported_even_when_its_state_cannot_be_copied(
    monkeypatch,
):
    """The trainer turns MemoryError into "out of memory at batch size N"; the copy of
    the state sent before it may fail for memory too, and must not take the message
    (and the child) with it."""
    from bpstudio.engine.trainer import Trainer
    from bpstudio.worker import state
    from bpstudio.worker.child import _Current, _run

    def no_memory(*args, **kwargs):
        raise MemoryError

    s = _session(epochs=3)
    trainer = s.make_trainer()
    spec = spec_of(trainer, s.project.graph)
    monkeypatch.setattr(Trainer, "_train_step", no_memory)
    monkeypatch.setattr(state, "capture", no_memory)
    conn = _Recorder()
    _run(conn, spec, data_of(trainer), Control(), _Current())
    kind, failure = conn.sent[-1]
    assert kind == "failed" and failure.user_error and "out of memory" in failure.message


def test_data_goes_through_the_pipe_when_shared_memory_cannot_be_made(monkeypatch):
    """A full or limited shared memory (no room, too many blocks) must not stop the
    data: the sender took the OSError for a dead child and dropped every later
    message, the run included (Start waited forever)."""
    from bpstudio.worker import shared

    def refuse(*args, create=False, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shared, "SharedMemory", refuse)
    data = _big(0)
    sent, blocks = shared.share_data(data)
    assert sent.x_train is data.x_train and sent.y_train is data.y_train and blocks == []


def test_a_message_that_cannot_be_sent_ends_the_child_instead_of_a_silent_hang():
    """A message that cannot go (unpicklable, no memory to copy the data) killed the
    sender thread: it and every later message stayed unsent and the run's reader waited
    forever. The child is told to end (exit code 1), so the app hears of it."""
    import multiprocessing
    import queue

    from bpstudio.worker.process import _send_loop

    ours, theirs = multiprocessing.get_context("spawn").Pipe(duplex=True)
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    for msg in (("control", {"x": lambda: 0}), ("control", {"stop": True}), None):
        outbox.put(msg)
    _send_loop(ours, outbox, [])
    assert theirs.recv() == ("quit", 1) and not theirs.poll(0.1)
    ours.close()
    theirs.close()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
def test_rapid_controls_from_the_gui_keep_the_app_and_the_child_in_step(qtbot):
    """Pause, resume, step and stop in quick random order, as fast hands or a held key
    give them: every run ends with the app's Trainer at the child's final state and the
    runner idle; runs leave no threads or fds behind."""
    pytest.importorskip("PySide6")
    from bpstudio.ui.training.runner import TrainingRunner

    runner = TrainingRunner()
    runner.use_process = True
    rng = np.random.default_rng(0)
    fds = None
    for round_ in range(8):
        s = _session(epochs=100000, optimizer={"name": "sgd", "lr": 0.01})
        trainer = s.make_trainer()
        ends, packets = [], []
        runner.finished.connect(ends.append)
        runner.packet.connect(packets.append)
        runner.start(trainer, graph=s.project.graph, steps=1 if round_ % 2 else None)
        assert runner.in_process
        qtbot.waitUntil(lambda: bool(packets), timeout=20000)  # noqa: B023 (this round's)
        for action in rng.choice(["pause", "resume", "step"], 12):
            getattr(runner, action)()
            qtbot.wait(int(rng.integers(0, 25)))
        runner.stop()
        qtbot.waitUntil(lambda: bool(ends), timeout=20000)  # noqa: B023
        runner.finished.disconnect(ends.append)
        runner.packet.disconnect(packets.append)
        assert runner.state == "idle" and not runner.active
        assert trainer.step == ends[0].steps and trainer.epoch == ends[0].epochs_done
        if round_ == 0:
            fds = _fds()
    assert _fds() <= fds
    runner.shutdown()


def test_a_memory_error_while_building_is_a_line_for_the_person(monkeypatch):
    """MemoryError has no text: the app showed "MemoryError in the training process: "."""
    from bpstudio.worker import state
    from bpstudio.worker.child import _Current, _run
    from bpstudio.worker.process import as_exception

    def no_memory(*args, **kwargs):
        raise MemoryError

    s = _session()
    trainer = s.make_trainer()
    spec = spec_of(trainer, s.project.graph)
    monkeypatch.setattr(state, "build_trainer", no_memory)
    conn = _Recorder()
    _run(conn, spec, data_of(trainer), Control(), _Current())
    [(kind, failure)] = conn.sent
    assert kind == "failed" and "out of memory" in str(as_exception(failure))


def _stepped_then_resumed(qtbot, use_process: bool) -> dict:
    """Step from idle, Resume, Pause, Step, Resume to the end: the final weights."""
    from bpstudio.ui.training.runner import TrainingRunner

    # long enough that Pause, sent once step 20 is seen, lands before the end (at 3
    # epochs, 45 batches, the run often ended first and Pause waited for nothing)
    s = _session(epochs=200, dropout=True, **ADAM_COSINE_BN)
    g = s.project.graph
    g.add_node(Node("bn", "BatchNorm"))
    g.edges[g.edges.index(("fc2", "act2"))] = ("fc2", "bn")
    g.edges.append(("bn", "act2"))
    trainer = s.make_trainer()
    runner = TrainingRunner()
    runner.use_process = use_process
    states, ends = [], []
    runner.state_changed.connect(states.append)
    runner.finished.connect(ends.append)

    def paused():
        qtbot.waitUntil(lambda: states[-1] == "paused", timeout=20000)

    runner.start(trainer, steps=1, graph=g)
    assert runner.in_process == use_process
    paused()
    assert trainer.step == 1
    runner.resume()
    qtbot.waitUntil(lambda: trainer.step >= 20, timeout=20000)
    runner.pause()
    paused()
    runner.step()
    paused()
    runner.resume()
    qtbot.waitUntil(lambda: bool(ends), timeout=20000)
    assert ends[0].reason == "finished" and trainer.step == ends[0].steps == 200 * 15
    runner.shutdown()
    return trainer.net.state_dict()


ADAM_COSINE_BN = {
    "optimizer": {"name": "adam", "lr": 0.01, "amsgrad": True},
    "schedule": {"name": "cosine", "T_max": 50},
}


def test_a_stepped_run_in_the_process_equals_the_same_run_on_a_thread(qtbot):
    """Pause, step and resume change nothing in the numbers, there as here (Dropout,
    BatchNorm, Adam with amsgrad, a cosine schedule)."""
    pytest.importorskip("PySide6")
    there = _stepped_then_resumed(qtbot, True)
    here = _stepped_then_resumed(qtbot, False)
    assert _same(there, here)
