"""Step-through mode on a small network: every number the panel shows is the engine's."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project
from bpstudio.session import Session
from bpstudio.ui.viz.step_panel import StepPanel
from bpstudio.viz.phases import fmt

from .viz_helpers import SMALL_GRAPH, SPIRAL, TRAINING, model_of, small_session, weights

LEFT = Qt.MouseButton.LeftButton


def _panel(qtbot):
    session = small_session()
    panel = StepPanel(model_of(session))
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    return session, panel


def _column(panel, col):
    return [panel.cell(r, col) for r in range(panel.table.rowCount())]


def test_each_phase_shows_the_engines_numbers(qtbot):
    session, panel = _panel(qtbot)
    twin = small_session()
    twin.make_trainer()
    ref, ref_opt = twin.network, twin.optimizer
    frames = []
    panel.frameChanged.connect(lambda f, s: frames.append(f))

    qtbot.mouseClick(panel.next_btn, LEFT)
    st = panel.step
    assert st.phase == "forward" and frames[-1].mode == "forward"
    xb, yb = np.array(st.xb), np.array(st.yb)
    loss = float(ref.loss(xb, yb))
    acts = {k: np.array(v, dtype=np.float64) for k, v in ref.activations.items()}
    assert _column(panel, 0) == ["x", "fc1", "act1", "out"]
    assert _column(panel, 3) == [fmt(float(acts[n].mean())) for n in ["x", "fc1", "act1", "out"]]
    assert _column(panel, 6) == [fmt(float(acts[n].max())) for n in ["x", "fc1", "act1", "out"]]
    # the detail table lists the first sample's values of the selected node
    panel.table.selectRow(2)
    assert panel.detail.item(0, 1).text() == fmt(float(acts["act1"][0, 1]))

    panel.next()
    assert panel.step.phase == "loss" and panel.cell(0, 1) == fmt(loss)
    dpred = np.array(ref.loss_fn.backward(), dtype=np.float64)
    assert panel.cell(0, 3) == fmt(float(np.linalg.norm(dpred)))

    panel.next()
    ref.backward()
    n = len(xb)
    assert _column(panel, 0) == ["out", "act1", "fc1"]  # the order the chain rule reaches
    want = [
        fmt(float(np.linalg.norm(ref.out_grads[k].astype(np.float64))) / n)
        for k in ["out", "act1", "fc1"]
    ]
    assert _column(panel, 2) == want
    wgrad = float(np.linalg.norm(ref.named_grads()["fc1.weight"].astype(np.float64)))
    assert f"weight {fmt(wgrad)}" in panel.cell(2, 4)
    assert frames[-1].mode == "backward"

    panel.next()
    assert panel.step.phase == "update" and panel.next_btn.text().startswith("Apply")
    w0 = weights(ref)
    assert all(np.array_equal(v, w0[k]) for k, v in weights(session.network).items())
    ref_opt.step(ref.named_grads())
    w1 = weights(ref)
    names = _column(panel, 0)
    deltas = [fmt(float(np.linalg.norm(w1[k].astype(np.float64) - w0[k]))) for k in names]
    assert _column(panel, 4) == deltas

    stepped = []
    panel.stepped.connect(lambda: stepped.append(1))
    qtbot.mouseClick(panel.next_btn, LEFT)  # Apply update
    assert stepped and panel.step.committed
    for k, v in weights(session.network).items():
        np.testing.assert_array_equal(v, w1[k])
    assert _column(panel, 4) == deltas  # the actual change equals the preview
    assert panel.next_btn.text().startswith("Next batch")


def test_back_leaves_the_weights_and_busy_blocks(qtbot):
    session, panel = _panel(qtbot)
    for _ in range(4):
        panel.next()
    w0 = weights(session.network)
    for _ in range(3):
        qtbot.mouseClick(panel.back_btn, LEFT)
    assert panel.step.phase == "forward" and not panel.back_btn.isEnabled()
    assert all(np.array_equal(v, w0[k]) for k, v in weights(session.network).items())
    panel.set_busy(True)  # a run resumed: the open step is dropped, stepping is off
    assert panel.step is None and not panel.next_btn.isEnabled()
    assert not panel.new_batch() and "Pause or stop" in panel.status.text()
    panel.set_busy(False)
    assert panel.new_batch() and panel.step.phase == "forward"
    assert all(np.array_equal(v, w0[k]) for k, v in weights(session.network).items())


def test_no_data_is_a_message(qtbot):
    graph = Graph.from_dict(SMALL_GRAPH)
    panel = StepPanel(model_of(Session(Project(graph, dict(SPIRAL), dict(TRAINING)))))
    qtbot.addWidget(panel)
    assert not panel.new_batch() and "Load the data" in panel.status.text()
