"""The training panel on the spiral example: a short run fills the plots and the run
history, F5 pauses and resumes, Stop ends, divergence pauses with a message naming the
node, a worker error becomes a dialog, a graph edit mid-run offers a restart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpstudio.engine.backend import gpu_status

from .training_helpers import record_messages, spiral_panel


@pytest.fixture
def panel(qtbot):
    p = spiral_panel(qtbot, epochs=3, show=True)
    yield p
    p.shutdown()


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """Messages the app would show (a modal box would block an offscreen test)."""
    return record_messages(monkeypatch)


def run_to_end(qtbot, panel, timeout=30000):
    with qtbot.waitSignal(panel.run_finished, timeout=timeout):
        panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: not panel.runner.active)


def test_short_run_fills_plots_and_history(qtbot, panel):
    run_to_end(qtbot, panel)
    run = panel.session.runs[-1]
    assert len(run.epochs) == 3 and len(run.steps) == 3 * 15
    panel.plots.refresh()
    assert len(panel.plots.loss.smooth.getData()[0]) == 45
    assert len(panel.plots.loss.epoch_val.getData()[0]) == 3
    assert "finished" in panel.progress.line.text() and panel.progress.bar.value() == 100
    assert panel.actions["start"].text() == "Start" and panel.actions["reset"].isEnabled()


def test_f5_pauses_and_resumes_and_stop_ends(qtbot, panel):
    panel.session.project.training["epochs"] = 100000
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: len(panel.run.steps) > 20, timeout=10000)
    panel.actions["start"].trigger()  # F5 again: pause
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=5000)
    assert panel.actions["start"].text() == "Resume"
    qtbot.wait(100)
    frozen = len(panel.run.steps)
    qtbot.wait(200)
    assert len(panel.run.steps) == frozen
    panel.actions["step"].trigger()
    qtbot.waitUntil(lambda: len(panel.run.steps) == frozen + 1, timeout=5000)
    panel.actions["start"].trigger()  # resume
    qtbot.waitUntil(lambda: len(panel.run.steps) > frozen + 20, timeout=10000)
    with qtbot.waitSignal(panel.run_finished, timeout=10000):
        panel.actions["stop"].trigger()
    assert panel.run.note.startswith("stopped")


def test_divergent_learning_rate_pauses_with_the_node_named(qtbot, panel):
    training = panel.session.project.training
    training["optimizer"] = {"name": "sgd", "lr": 1e6}
    training["epochs"] = 50
    panel.form.load()
    nodes = []
    panel.diverged_at.connect(nodes.append)
    run_to_end(qtbot, panel)
    assert panel.banner.isVisible()
    text = panel.banner.text()
    assert "diverged" in text and "step" in text and "learning rate" in text
    assert nodes and (nodes[0] is None or f"'{nodes[0]}'" in text)
    assert len(panel.run.epochs) < 50
    for w in panel.session.network.state_dict().values():
        assert np.all(np.isfinite(w))  # the last good weights


def test_worker_error_is_shown(qtbot, panel, shown):
    real = panel.session.make_trainer

    def broken(*args, **kwargs):
        trainer = real(*args, **kwargs)

        def run():
            yield from []
            raise RuntimeError("injected failure")

        trainer.run = run
        return trainer

    panel.session.make_trainer = broken
    with qtbot.waitSignal(panel.runner.failed, timeout=5000):
        panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: not panel.runner.active)
    assert any("injected failure" in m for m in shown)
    assert panel.actions["start"].isEnabled()


def test_bad_setting_refused_with_a_message(qtbot, panel, shown):
    panel.session.project.training["device"] = "gpu"
    if gpu_status()[0]:
        pytest.skip("a GPU is usable here")
    panel.actions["start"].trigger()
    assert shown and "GPU" in shown[0]
    assert not panel.runner.active


def test_graph_edit_mid_run_offers_restart(qtbot, panel):
    panel.session.project.training["epochs"] = 100000
    panel.ask_restart = lambda: True
    panel.actions["start"].trigger()
    qtbot.waitUntil(lambda: len(panel.run.steps) > 5, timeout=10000)
    first = panel.run
    panel.ask_restart = lambda: pytest.fail("moving a node is no change to the network")
    panel.session.project.graph.nodes["fc1"].pos = (300.0, 40.0)
    panel.on_graph_changed()
    assert panel.runner.state == "running"
    panel.ask_restart = lambda: True
    panel.session.project.graph.nodes["fc1"].params["units"] = 8
    panel.on_graph_changed()
    qtbot.waitUntil(lambda: panel.run is not first and len(panel.run.steps) > 5, timeout=10000)
    assert panel.session.network.shapes["fc1"] == (8,)
    panel.ask_restart = lambda: False
    panel.session.project.graph.nodes["fc1"].params["units"] = 4
    panel.on_graph_changed()
    assert panel.runner.state == "running"
    assert panel.session.network.shapes["fc1"] == (8,)  # the running model is untouched


def test_form_writes_settings_per_optimiser(qtbot, panel):
    form = panel.form
    form.optimizer.setCurrentText("sgd")
    opt = panel.session.project.training["optimizer"]
    assert opt["name"] == "sgd" and opt["lr"] == 0.01  # the rate carries over
    assert {"momentum", "dampening", "weight_decay", "nesterov"} <= set(opt)
    form.opt_fields["lr"].setText("0.5")
    form.opt_fields["lr"].editingFinished.emit()
    assert panel.session.project.training["optimizer"]["lr"] == 0.5
    form.schedule.setCurrentText("step")
    assert panel.session.project.training["schedule"]["name"] == "step"
    form.clip.setText("1.5")
    form.clip.editingFinished.emit()
    assert panel.session.project.training["clip_norm"] == 1.5
    gpu_item = form.device.model().item(2)
    assert gpu_item.isEnabled() == gpu_status()[0]


def test_two_runs_overlay(qtbot, panel):
    run_to_end(qtbot, panel)
    panel.session.project.graph.nodes["act1"].op = "Sigmoid"
    panel.session.project.graph.nodes["act2"].op = "Sigmoid"
    run_to_end(qtbot, panel)
    assert len(panel.session.runs) == 2
    for run in panel.session.runs:
        panel.runs.tick(run)
    assert len(panel.plots.loss._overlays) == 4
    # the whole curve (getData() is what is in view, clipped to the live run's range)
    x, y = panel.plots.loss._overlays[0].getOriginalDataset()
    assert len(x) == 45 and all(math.isfinite(v) for v in y)


def test_progress_formats_and_rate():
    from bpstudio.ui.training.progress import RateMeter, format_eta

    assert (
        format_eta(42) == "0:42" and format_eta(725) == "12:05" and format_eta(10930) == "3:02:10"
    )
    meter = RateMeter(window=2.0)
    for i in range(11):
        meter.update(step=100 * i, now=0.1 * i)
    assert abs(meter.rate - 1000) < 1e-6
