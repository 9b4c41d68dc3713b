"""What a new user met walking through the app on a real display (tests/ui/test_new_user.py
holds an earlier walk): each test reproduces one thing that confused."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.session import DEFAULT_EXAMPLE, Session
from bpstudio.ui.main_window import MainWindow
from bpstudio.ui.projects import Recovery
from bpstudio.viz.boundary import decision_image, grid_over

from .helpers import Answers, shown_window, wait_loaded


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    Answers(monkeypatch)
    w = shown_window(qtbot, Session.open_example(DEFAULT_EXAMPLE), tmp_path / "r")
    yield w
    w.training_panel.shutdown()


def test_boundary_redraws_when_asked_while_its_thumbnails_are_pending(window, qtbot):
    """A run that ended just after a redraw whose thumbnails were still to come left the
    boundary of the mid-run network on screen (seen on X11: 200 epochs, val accuracy
    1.0, a picture of an untrained network)."""
    view, session = window.viz.boundary, window.model.session
    view.show()
    qtbot.waitUntil(view.isVisible)
    view.set_busy(True)
    assert view.redraw()  # while busy the thumbnails come in a later turn of the loop
    assert view._thumb_timer.isActive()
    weights = session.network.state_dict()  # they change, as in a run's last epochs
    name = next(iter(weights))
    session.network.load_state_dict({**weights, name: weights[name] + 0.3})
    view.set_busy(False)
    count = view.updates
    view.request()  # what the run's end asks
    qtbot.waitUntil(lambda: view.updates > count, timeout=3000)
    ds = session.dataset
    grid = grid_over(np.concatenate([ds.x_train, ds.x_val]), 120)
    fresh = decision_image(view.shadow.sync(session), grid)
    np.testing.assert_allclose(view.probs, fresh, atol=1e-6)


def test_a_new_project_starts_without_errors(window, qtbot):
    """File > New gave a network with 3 outputs on a 2-class spiral: a red badge and
    'fc2: outputs [3] but the data has 2 classes' before the person did anything."""
    window.new_project()
    wait_loaded(qtbot, window)
    assert window.model.dataset is not None
    errors = [i for i in window.model.analysis().issues if i.severity == "error"]
    assert errors == []


def test_the_welcome_says_what_kind_of_project_is_open(window, qtbot, tmp_path):
    """After File > New it said 'The untitled example is open'; a saved project of the
    person's own was called an example too."""
    from bpstudio.ui.welcome import install_first_run

    panel = install_first_run(window)
    assert "The <b>spiral</b> example is open" in panel.intro.text()
    window.new_project()
    wait_loaded(qtbot, window)
    assert "example" not in panel.intro.text().split("</b>")[0]
    assert "A new project is open" in panel.intro.text()
    window.model.session.save(tmp_path / "mine.bpstudio")
    window.open_project(tmp_path / "mine.bpstudio", ask=False)
    wait_loaded(qtbot, window)
    assert "<b>mine</b> is open." in panel.intro.text()


def test_an_edge_into_a_node_outside_the_network_gets_no_colour(
    qtbot, tmp_path, isolated_settings, monkeypatch
):
    """A Dense hung off act1 that does not lead to the loss is left out of the network,
    yet the edge into it was painted with act1's gradient colour while training."""
    from bpstudio.graph.document import Graph
    from bpstudio.graph.project import Project
    from bpstudio.viz.flow import FlowFrame

    from .viz_helpers import SMALL_GRAPH, SPIRAL, TRAINING

    graph = dict(SMALL_GRAPH)
    graph["nodes"] = [*graph["nodes"], {"id": "dead", "op": "Dense", "params": {"units": 4}}]
    graph["edges"] = [*graph["edges"], ["act1", "dead"]]
    Answers(monkeypatch)
    project = Project(Graph.from_dict(graph), dict(SPIRAL), dict(TRAINING))
    w = MainWindow(Session(project), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(w)
    overlay = w.viz.overlay
    values = {"x": 1e-3, "fc1": 1e-3, "act1": 2e-3, "out": 5e-3}  # what the trainer measures
    overlay.show_frame(FlowFrame("backward", values, -4.0, -2.0))
    shown = {key: stroke.isVisible() for key, stroke in overlay._edges.items()}
    assert shown[("act1", "dead")] is False
    assert shown[("act1", "out")] and shown[("out", "loss")]  # into the loss: still painted


def test_the_legend_says_so_when_every_gradient_is_zero(qtbot):
    """lr 1e6 killed every ReLU: each node read '∇ 0' and the colour bar's ticks all read
    1.0e+00."""
    from bpstudio.ui.viz.legend import FlowLegend
    from bpstudio.viz.flow import FlowFrame, log_range

    legend = FlowLegend()
    qtbot.addWidget(legend)
    values = {"fc1": 0.0, "act1": 0.0, "out": 0.0}
    legend.set_frame(FlowFrame("backward", values, *log_range(values.values())))
    assert legend.bar.note() == "every gradient is 0: no weight changes"
    legend.bar.grab()  # paints without ticks
    values["out"] = 1e-3
    legend.set_frame(FlowFrame("backward", values, *log_range(values.values())))
    assert legend.bar.note() == ""
    legend.set_frame(None)
    assert legend.bar.note() == "no data yet"


def test_diagnosis_does_not_say_all_is_well_when_every_gradient_is_zero(qtbot):
    """After lr 1e6 every gradient was exactly 0 and Diagnosis said 'No problem found.
    Gradients reach every layer within two orders of magnitude'."""
    from bpstudio.ui.viz.diagnosis_panel import findings_html
    from bpstudio.viz.diagnosis import LayerSignal, diagnose

    signals = [
        LayerSignal("fc1", "Dense", 0.0),
        LayerSignal("act1", "ReLU", 0.0, zero_share=0.4),
        LayerSignal("fc2", "Dense", 0.0),
        LayerSignal("out", "Dense", 0.0),
    ]
    found = diagnose(signals)
    assert [f.kind for f in found] == ["no_gradient"]
    assert found[0].nodes == ("fc1", "fc2", "out")
    html = findings_html(found)
    assert "No gradient" in html and "No problem found" not in html
    signals[-1] = LayerSignal("out", "Dense", 1e-3)  # one layer still learns: no finding
    assert "no_gradient" not in [f.kind for f in diagnose(signals)]


def test_the_status_bar_says_how_a_run_ended():
    """A diverged run's status line read 'Training ended: 3 epochs, validation loss nan'
    (it replaced the divergence message); a stopped run's numbers, from its last full
    epoch, disagreed with Evaluation without saying why."""
    from types import SimpleNamespace

    from bpstudio.ui.status import run_ended

    epoch = SimpleNamespace(
        epoch=38, val_loss=0.4218, val_accuracy=0.8, train_loss=0.4, train_accuracy=0.8
    )
    run = SimpleNamespace(epochs=[epoch], note="")
    assert run_ended(run) == "Training ended: 39 epochs, validation loss 0.4218, accuracy 0.800"
    run.note = "stopped at step 1170"
    assert run_ended(run).startswith("Training stopped at step 1170: 39 epochs")
    assert run_ended(run).endswith("(at the end of the last full epoch)")
    run.note = "diverged at step 3"
    assert run_ended(run) == "Training diverged at step 3: see the Training panel"


def test_boundary_note_says_where_the_unit_pictures_are(window, qtbot):
    """The note said 'Below: what each hidden unit computes' while the dock, wider than
    tall, showed the unit pictures to the right of the plot."""
    view = window.viz.boundary
    view.show()
    qtbot.waitUntil(view.isVisible)
    view.split.setOrientation(Qt.Orientation.Horizontal)  # what a wide dock gets
    assert view.redraw()
    assert "Right: what each hidden unit computes" in view.note.text()
    view.split.setOrientation(Qt.Orientation.Vertical)  # a tall one
    assert view.redraw()
    assert "Below: what each hidden unit computes" in view.note.text()
    # training dots small and unrimmed, so the regions between the spiral's arms show
    assert view.train_pts.opts["size"] <= 4 and view.train_pts.opts["pen"].style() == Qt.NoPen


def test_the_first_window_fits_a_laptop_screen():
    """A 1400x900 window on a 1366x768 screen hid the status bar and the bottom panels."""
    from PySide6.QtCore import QRect, QSize

    from bpstudio.ui.app import DEFAULT_SIZE, initial_size

    assert initial_size(QRect(0, 0, 1920, 1050)) == DEFAULT_SIZE
    small = initial_size(QRect(0, 0, 1366, 740))  # 768 less a panel
    assert small.width() <= 1366 and small.height() <= 740 - 30
    assert initial_size(None) == DEFAULT_SIZE
    assert initial_size(QRect(0, 0, 1280, 1024)) == QSize(1280, 900)


def test_lr_finder_on_trained_weights_says_how_to_get_a_rate_for_a_fresh_start(
    qtbot, tmp_path, isolated_settings, monkeypatch
):
    """After training the spiral, Find suggested 1.15e-07 (any rate raises a loss at its
    minimum) and said nothing of why; Apply then left the next fresh run stuck."""
    from bpstudio.ui.tools.lr_panel import TRAINED_NOTE

    from .tools_helpers import open_example, wait_job

    win, _answers = open_example(qtbot, tmp_path, monkeypatch)
    panel, session = win.tools.lr_finder, win.model.session
    session.build_network()
    panel.steps.setValue(20)
    win.actions["lr_finder"].trigger()
    wait_job(qtbot, panel.jobs)
    assert TRAINED_NOTE not in panel.info.text()  # no run yet: nothing to say
    session.new_run()  # what Start records before it trains
    win.actions["lr_finder"].trigger()
    wait_job(qtbot, panel.jobs)
    assert panel.info.text().endswith(TRAINED_NOTE)


def test_choosing_a_row_shows_the_prediction_in_sight(window, qtbot):
    """In the default layout the Inference dock is short: the prediction, below the
    rows, was scrolled out of sight, so choosing a row seemed to do nothing."""
    dock = window.tools.docks["inference"]
    dock.show()
    dock.raise_()
    panel = window.tools.inference
    qtbot.waitUntil(panel.table.isVisible)
    panel.select_row(2)
    qtbot.waitUntil(lambda: "Prediction" in panel.result.text())
    qtbot.wait(50)  # let the dock lay out
    assert not panel.result.visibleRegion().isEmpty()


def test_boundary_hides_its_empty_plot_when_it_cannot_draw(window, qtbot, tmp_path):
    """On 7-feature CSV data the dock showed empty axes under 'needs 2 input features'."""
    view = window.viz.boundary
    view.show()
    qtbot.waitUntil(view.isVisible)
    assert view.redraw() and view.split.isVisible()
    view.clear("The decision boundary needs 2 input features; this data has [7].")
    assert not view.split.isVisible() and "needs 2 input" in view.note.text()
    assert view.note.alignment() & Qt.AlignmentFlag.AlignTop  # not centred in the dock
    assert view.redraw() and view.split.isVisible()  # drawable again: the plot is back


def test_exporting_an_untrained_network_says_so(qtbot, tmp_path, isolated_settings, monkeypatch):
    """File > Export before training wrote the random initial weights and said only
    'Wrote spiral.onnx'."""
    from bpstudio.ui.file_actions import UNTRAINED_NOTE

    answers = Answers(monkeypatch)
    w = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(w)
    w.model.load_data()
    wait_loaded(qtbot, w)
    answers.files += [str(tmp_path / "a.npz"), str(tmp_path / "b.npz")]
    w.export("npz")
    assert (tmp_path / "a.npz").exists()
    assert w.statusBar().currentMessage().endswith(UNTRAINED_NOTE)
    net = w.model.session.network
    weights = net.state_dict()
    name = next(iter(weights))
    net.load_state_dict({**weights, name: weights[name] + 0.01})  # as a training step would
    w.export("npz")
    assert w.statusBar().currentMessage() == f"Wrote {tmp_path / 'b.npz'}"


def test_closing_during_a_long_run_asks_first(window, qtbot, monkeypatch):
    """Closing the window mid-run ended it and dropped its weights without a word."""
    from bpstudio.ui import dialogs

    asked: list[str] = []
    answer = [False]

    def ask(_parent, title, text):
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(dialogs, "ask_yes_no", ask)
    window.model.session.project.training["epochs"] = 100000
    window.train_actions["start"].trigger()
    runner = window.training_panel.runner
    qtbot.waitUntil(lambda: window.model.session.trainer is not None and runner.active)
    assert window.may_stop_training() and not asked  # a short run: closing just ends it
    window.model.session.trainer.seconds = 90.0  # as if it had trained a minute and a half
    assert not window.close()  # "keep training": the window stays, the run goes on
    assert runner.active and "Training has run for 90 s" in asked[0]
    answer[0] = True
    assert window.close()
    qtbot.waitUntil(lambda: not runner.active, timeout=10000)


def test_lr_suggestion_and_apply_in_sight_in_the_default_layout(window, qtbot):
    """After Find, the suggestion and Apply sat under the curve, out of the short
    bottom dock's sight."""
    from .tools_helpers import wait_job

    panel = window.tools.lr_finder
    dock = window.tools.docks["lr_finder"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(panel.isVisible)
    panel.steps.setValue(30)
    window.model.session.build_network()
    panel.run()
    wait_job(qtbot, panel.jobs)
    qtbot.wait(50)
    assert not panel.info.visibleRegion().isEmpty()
    assert not panel.apply_btn.visibleRegion().isEmpty()


def test_gradient_check_verdict_in_sight_after_a_run(window, qtbot):
    """After Run check the short dock showed the table with the verdict's first lines
    scrolled away ('…on the current weights.' was all that was left of it)."""
    from .tools_helpers import wait_job

    panel = window.tools.gradcheck
    dock = window.tools.docks["gradcheck"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(panel.isVisible)
    window.activateWindow()
    qtbot.mouseClick(panel.jobs.run_btn, Qt.MouseButton.LeftButton)
    wait_job(qtbot, panel.jobs)
    qtbot.wait(100)
    top = panel.verdict.visibleRegion().boundingRect().top()
    assert not panel.verdict.visibleRegion().isEmpty() and top == 0
    # the light pass/fail cells carry their own dark text (white on pale green in the
    # dark theme was unreadable)
    cell = panel.table.item(0, 5)
    assert cell.foreground().color().lightness() < 100
    assert cell.background().color().lightness() > 200


def test_secondary_text_is_readable_in_the_dark_theme(qtbot):
    """The boundary note, the inspector's help and the diagnosis source were slate grey
    on the dark window (#475569 on #1e293b)."""
    from PySide6.QtWidgets import QApplication, QLabel

    from bpstudio.ui.theme import MUTED, apply_theme

    app = QApplication.instance()
    try:
        apply_theme(app, "dark")
        label = QLabel("note")
        qtbot.addWidget(label)
        label.setStyleSheet(f"{MUTED} font-size: 8pt;")
        label.ensurePolished()
        text = label.palette().color(label.foregroundRole())
        window = app.palette().window().color()
        assert text.lightness() - window.lightness() > 80
    finally:
        apply_theme(app, "light")


def test_a_failed_load_says_why_and_shows_the_dataset_panel(window, qtbot, tmp_path):
    """Opening a project whose CSV had moved said only 'The data could not be loaded';
    the reason was in the Dataset panel, behind the Training tab."""
    from bpstudio.ui.status import install_status_messages

    install_status_messages(window)  # as install_first_run does in the app
    dataset, training = window.docks["datasetDock"], window.docks["trainingDock"]
    training.raise_()
    qtbot.waitUntil(lambda: dataset.visibleRegion().isEmpty())
    data = dict(window.model.project.data)
    window.model.project.data = {"source": "csv", "path": str(tmp_path / "gone.csv")}
    window.model.load_data()
    wait_loaded(qtbot, window)
    message = window.statusBar().currentMessage()
    assert message.startswith("The data could not be loaded: ") and "gone.csv" in message
    qtbot.waitUntil(lambda: not dataset.visibleRegion().isEmpty())
    window.model.project.data = data


def _wheel(widget, dy: int = -120) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    at = QPointF(5, 5)
    glob = QPointF(widget.mapToGlobal(QPoint(5, 5)))
    none, phase = Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase
    event = QWheelEvent(
        at, glob, QPoint(0, 0), QPoint(0, dy), Qt.MouseButton.NoButton, none, phase, False
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_a_panel_instead_of_changing_its_fields(qtbot):
    """Scrolling the Dataset panel with the wheel turned Normalise from standard to
    minmax on the way down (the pointer passed over the combo box)."""
    from PySide6.QtWidgets import QComboBox, QScrollArea, QSpinBox, QVBoxLayout, QWidget

    from bpstudio.ui.wheel_guard import guard_wheel

    area, inner = QScrollArea(), QWidget()
    qtbot.addWidget(area)
    lay = QVBoxLayout(inner)
    combo, spin = QComboBox(), QSpinBox()
    combo.addItems(["standard", "minmax", "none"])
    spin.setValue(5)
    for w in (combo, spin, *(QComboBox() for _ in range(30))):
        lay.addWidget(w)
    area.setWidget(inner)
    guard_wheel(area)
    area.resize(200, 150)
    area.show()
    qtbot.waitExposed(area)
    _wheel(combo)
    _wheel(spin)
    assert combo.currentText() == "standard" and spin.value() == 5
    assert area.verticalScrollBar().value() > 0  # the panel scrolled instead
    area.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    _wheel(spin, 120)  # a field the person clicked into takes the wheel
    assert spin.value() == 6


def test_the_main_windows_fields_are_guarded_and_the_app_runs_no_event_filter(window):
    """Fields get the filter themselves: an application-wide Python filter ran Python for
    every event of the app, taking the GIL from the training worker each time."""
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox

    fields = window.findChildren(QComboBox) + window.findChildren(QAbstractSpinBox)
    assert fields and all(f.property("bpstudio_wheel_guard") for f in fields)
    assert all(f.focusPolicy() == Qt.FocusPolicy.StrongFocus for f in fields)
