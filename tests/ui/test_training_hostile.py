"""A hostile pass over training in the app: a training process killed before it said
anything is still a death (a message; the next Start trains in a new process), not a
process that could not start; closing the window does not wait long on a training
process that does not answer (a batch that takes long, a child that hangs); a batch
stepped through and applied while paused (weights and Adam's moments) is trained on in
the process exactly as on a thread; moving a node keeps the trained network; F5
while the data loads waits for it instead of loading it again on the GUI thread; data
of the same shape loaded during a run does not lose that run's weights."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from bpstudio.session import Session
from bpstudio.ui.training.panel import TrainingPanel
from bpstudio.ui.viz.step_panel import StepPanel

from .helpers import DATASETS
from .training_helpers import record_messages, spiral_panel
from .viz_helpers import model_of

DIGITS = DATASETS / "digits"


@pytest.fixture
def panel(qtbot):
    p = spiral_panel(qtbot, epochs=100000)
    yield p
    p.shutdown()


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """Messages the app would show (a modal box would block an offscreen test)."""
    return record_messages(monkeypatch)


def test_a_process_killed_before_its_first_message_is_a_message(qtbot, panel, shown):
    # the system kills the child while it still maps a large data set (nothing sent yet)
    runner = panel.runner
    runner.warm_up()
    pid = runner._process.pid
    os.kill(pid, signal.SIGSTOP)  # it can send nothing from here on
    with qtbot.waitSignal(runner.failed, timeout=10000):
        panel.actions["start"].trigger()
        os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not runner.active, timeout=10000)
    assert len(shown) == 1 and shown[0].startswith("the training process ended unexpectedly")
    assert runner.use_process  # the next run goes to a new process, not to a thread
    panel.session.project.training["epochs"] = 1
    seen = []
    runner.state_changed.connect(lambda s: seen.append(runner.in_process))
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    assert seen[0] is True and runner._process.pid != pid and len(panel.run.epochs) == 1


def test_closing_does_not_wait_long_on_a_process_that_does_not_answer(qtbot, panel):
    runner = panel.runner
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: len(panel.run.steps) > 3, timeout=10000)
    pid = runner._process.pid
    os.kill(pid, signal.SIGSTOP)  # as a batch that takes minutes would
    started = time.monotonic()
    assert panel.shutdown()  # the window's close hook
    assert time.monotonic() - started < 4.0  # it waited 15 s, the window frozen
    assert not runner.active and not runner._process.alive


def _step_through_while_paused(qtbot, in_process: bool) -> dict:
    """Two batches, a batch stepped through and applied, then the run to its end."""
    session = Session.open_example("spiral")
    session.project.training["epochs"] = 2
    panel = TrainingPanel(session)
    steps = StepPanel(model_of(session))
    qtbot.addWidget(panel)
    qtbot.addWidget(steps)
    runner = panel.runner
    runner.use_process = in_process
    runner.state_changed.connect(lambda s: steps.set_busy(s in ("running", "stopping")))
    panel.actions["step"].trigger()
    qtbot.waitUntil(lambda: runner.state == "paused", timeout=10000)
    panel.actions["step"].trigger()
    qtbot.waitUntil(lambda: runner.state == "paused" and session.trainer.step == 2, timeout=10000)
    assert runner.in_process is in_process and steps.new_batch()
    while not steps.step.committed:
        steps.next()  # forward, loss, backward, "Apply update"
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()  # resume
    panel.shutdown()
    opt = session.optimizer.state_dict()
    return session.network.state_dict() | opt["state"] | {"steps": opt["steps"]}


def test_an_update_applied_while_paused_is_trained_on_as_on_a_thread(qtbot):
    there = _step_through_while_paused(qtbot, in_process=True)
    here = _step_through_while_paused(qtbot, in_process=False)
    assert there.keys() == here.keys()
    for k in here:
        np.testing.assert_equal(there[k], here[k], err_msg=k)


def test_a_node_moved_on_the_canvas_keeps_the_trained_network(qtbot, panel):
    # dragging a node (or Auto-Layout) after a run: the next F5 started from new weights
    session = panel.session
    session.project.training["epochs"] = 1
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    trained = session.network
    session.project.graph.nodes["fc1"].pos = (200.0, 310.0)
    assert not session.network_stale
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    here = Session.open_example("spiral")
    here.project.training["epochs"] = 1
    for _ in range(2):
        for _ in here.make_trainer().run():
            pass
    assert session.network is trained
    for k, v in here.network.state_dict().items():
        np.testing.assert_array_equal(session.network.state_dict()[k], v, err_msg=k)


def test_start_while_the_data_loads_waits_for_it(qtbot, tmp_path, monkeypatch):
    from .helpers import Answers, shown_window

    answers = Answers(monkeypatch)
    session = Session.open_example("digits")
    session.project.training["epochs"] = 1
    window = shown_window(qtbot, session, tmp_path / "recovery", (1300, 850))
    panel = window.training_panel
    window.dataset_panel.open_path(str(DIGITS))  # the person loads data, then F5 at once
    assert window.model.loading
    started = time.monotonic()
    panel.actions["start"].trigger()
    assert time.monotonic() - started < 0.25  # it loaded the digits again here: 0.7 s
    assert not panel.runner.active
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        pass
    assert panel.run.epochs and panel.run.epochs[-1].epoch == 0 and not answers.errors
    assert panel.session.network is not None and not window.model.loading


def test_stop_cancels_a_start_waiting_for_the_data(qtbot, tmp_path, monkeypatch):
    from .helpers import Answers, shown_window, wait_loaded

    Answers(monkeypatch)
    window = shown_window(qtbot, Session.open_example("iris"), tmp_path / "recovery")
    panel = window.training_panel
    window.dataset_panel.open_path(str(DIGITS))
    panel.actions["start"].trigger()
    panel.actions["stop"].trigger()
    wait_loaded(qtbot, window)
    qtbot.wait(100)
    assert not panel.runner.active and panel.run is None


def test_data_of_the_same_shape_loaded_during_a_run_keeps_its_weights(qtbot, tmp_path, monkeypatch):
    from .helpers import Answers, shown_window, wait_loaded

    answers = Answers(monkeypatch)
    window = shown_window(qtbot, Session.open_example("spiral"), tmp_path / "recovery")
    panel, model = window.training_panel, window.model
    model.session.project.training["epochs"] = 100000
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: model.session.trainer.step > 50, timeout=20000)
    trainer = panel.runner._trainer
    model.set_section("data", {**model.project.data, "noise": 0.05}, "noise")  # same shape
    wait_loaded(qtbot, window)
    with qtbot.waitSignal(panel.run_finished, timeout=10000):
        panel.actions["stop"].trigger()
    trained = trainer.net.state_dict()
    for k, v in model.session.network.state_dict().items():  # it was a new network
        np.testing.assert_array_equal(v, trained[k], err_msg=k)
    assert model.session.optimizer.state_dict()["steps"] == trainer.opt.state_dict()["steps"]
    assert not answers.errors
