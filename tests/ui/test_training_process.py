"""The training panel trains in a process of its own: the app's network follows it
(weights while running, everything at pause and end), a step-through edit made while
paused is trained on, a killed process is a message and the next Start works, and a
process that cannot start leaves the run to a thread."""

from __future__ import annotations

import os
import signal
import sys
import types

import numpy as np
import pytest

from bpstudio.session import Session

from .training_helpers import record_messages, spiral_panel


@pytest.fixture
def panel(qtbot):
    p = spiral_panel(qtbot, epochs=3)
    yield p
    p.shutdown()


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """Messages the app would show (a modal box would block an offscreen test)."""
    return record_messages(monkeypatch)


def _weights(session) -> dict:
    return session.network.state_dict()


def test_the_run_trains_in_the_process_and_the_apps_network_follows(qtbot, panel):
    seen = []
    panel.runner.state_changed.connect(lambda s: seen.append(panel.runner.in_process))
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    assert seen[0] is True  # "running" was announced by a run in the process
    here = Session.open_example("spiral")
    here.project.training["epochs"] = 3
    for _ in here.make_trainer().run():
        pass
    app, headless = _weights(panel.session), _weights(here)
    assert all(np.array_equal(app[k], headless[k]) for k in headless)
    assert panel.session.trainer.step == 45 and len(panel.run.steps) == 45


def test_weights_reach_the_app_while_it_trains(qtbot, panel):
    session = panel.session
    session.project.training["epochs"] = 100000
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: session.network is not None, timeout=10000)
    first = _weights(session)["fc1.weight"].copy()
    qtbot.waitUntil(
        lambda: not np.array_equal(_weights(session)["fc1.weight"], first), timeout=10000
    )
    assert panel.runner.state == "running" and session.trainer.step > 0
    with qtbot.waitSignal(panel.run_finished, timeout=10000):
        panel.actions["stop"].trigger()


def test_an_edit_made_while_paused_is_trained_on(qtbot, panel):
    session = panel.session
    session.project.training.update(epochs=100000, optimizer={"name": "sgd", "lr": 0.0})
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: len(panel.run.steps) > 5, timeout=10000)
    panel.actions["start"].trigger()  # pause
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=10000)
    session.network.named_params()["out.bias"][...] = 0.25  # as a step-through update
    steps = session.trainer.step
    panel.actions["step"].trigger()
    qtbot.waitUntil(
        lambda: panel.runner.state == "paused" and session.trainer.step == steps + 1,
        timeout=10000,
    )
    # learning rate 0: the process trained on the edited bias and sent it back
    assert np.all(_weights(session)["out.bias"] == 0.25)
    session.network.named_params()["out.bias"][...] = 0.5  # edited, then stopped
    with qtbot.waitSignal(panel.run_finished, timeout=10000):
        panel.actions["stop"].trigger()
    assert np.all(_weights(session)["out.bias"] == 0.5)


def test_a_killed_training_process_is_a_message_and_start_works_again(qtbot, panel, shown):
    panel.session.project.training["epochs"] = 100000
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: len(panel.run.steps) > 5, timeout=10000)
    with qtbot.waitSignal(panel.runner.failed, timeout=10000):
        os.kill(panel.runner._process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: not panel.runner.active, timeout=10000)
    assert len(shown) == 1 and shown[0].startswith("the training process ended unexpectedly")
    assert "signal 9" in shown[0] and "memory" in shown[0]  # a plain line, no "internal"
    assert panel.run.note == "failed" and panel.actions["start"].isEnabled()
    panel.session.project.training["epochs"] = 2
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    assert getattr(panel.run, "note", "") == "" and len(panel.run.epochs) == 2


def test_a_process_that_cannot_start_leaves_the_run_to_a_thread(
    qtbot, panel, monkeypatch, tmp_path
):
    # "spawn" runs the parent's main script again in the child: one that ends at once
    # (as a script without an ``if __name__ == "__main__"`` guard might) kills it
    script = tmp_path / "unguarded.py"
    script.write_text("raise SystemExit(3)\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    monkeypatch.undo()
    assert len(panel.run.epochs) == 3 and not panel.runner.use_process


def test_another_project_trains_in_the_same_process(qtbot, panel):
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    pid = panel.runner._process.pid
    other = Session.open_example("xor")
    other.project.training["epochs"] = 2
    panel.set_session(other)
    with qtbot.waitSignal(panel.run_finished, timeout=30000):
        panel.actions["start"].trigger()
    assert panel.runner._process.pid == pid and len(panel.run.epochs) == 2
