"""docs/user-guide.md, followed in the GUI: each test does what a section tells a person
to do, through the same controls, and checks the result the guide promises."""

from __future__ import annotations

import time

from PySide6.QtTest import QTest

from bpstudio.session import DEFAULT_EXAMPLE, Session
from bpstudio.ui.main_window import MainWindow
from bpstudio.ui.menus import shortcuts_table
from bpstudio.ui.projects import Recovery
from bpstudio.ui.welcome import install_first_run

from .helpers import DATASETS, Answers, wait_loaded


def _window(qtbot, tmp_path) -> MainWindow:
    window = MainWindow(Session.open_example(DEFAULT_EXAMPLE), recovery=Recovery(tmp_path / "r"))
    qtbot.addWidget(window)
    install_first_run(window)
    window.show()
    window.model.load_data()
    wait_loaded(qtbot, window)
    return window


def _train(qtbot, window, epochs: int) -> None:
    """Press Start with ``epochs`` epochs and wait until the status bar says it ended."""
    window.model.session.project.training["epochs"] = epochs
    window.train_actions["start"].trigger()
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Training ended"), timeout=60000)
    deadline = time.monotonic() + 5
    while window.training_panel.runner.state != "idle" and time.monotonic() < deadline:
        QTest.qWait(20)


def _close(window) -> None:
    window.model.mark_saved()
    window.close()


def test_your_first_network_trains_the_spiral(qtbot, isolated_settings, tmp_path, monkeypatch):
    answers = Answers(monkeypatch)
    window = _window(qtbot, tmp_path)
    _train(qtbot, window, 60)
    last = window.model.session.runs[-1].epochs[-1]
    assert last.epoch + 1 == 60 and last.val_accuracy > 0.9
    assert not answers.errors
    _close(window)


def test_your_own_csv_fits_the_network_trains_and_evaluates(
    qtbot, isolated_settings, tmp_path, monkeypatch
):
    answers = Answers(monkeypatch)
    window = _window(qtbot, tmp_path)
    panel = window.dataset_panel
    panel.open_path(str(DATASETS / "wine.csv"))  # step 1: the file
    wait_loaded(qtbot, window)
    assert window.model.project.data["target"] == "cultivar"  # step 2: the last column
    panel.normalize.setCurrentText("standard")  # step 3
    panel.apply()
    wait_loaded(qtbot, window)
    graph = window.model.project.graph  # step 4: the network followed the data
    assert graph.nodes["x"].params["shape"] == [13]
    assert graph.nodes["out"].params["units"] == 3
    _train(qtbot, window, 30)  # step 5
    window.viz.evaluation.evaluate()
    assert window.model.session.runs[-1].epochs[-1].val_accuracy > 0.9
    assert not answers.errors
    _close(window)


def test_the_digits_example_opens_with_its_image_folder(
    qtbot, isolated_settings, tmp_path, monkeypatch
):
    answers = Answers(monkeypatch)
    window = _window(qtbot, tmp_path)
    window.open_example("digits", ask=False)
    wait_loaded(qtbot, window, timeout=30000)
    ds = window.model.dataset
    assert ds.input_shape == (1, 8, 8) and len(ds.class_names) == 10
    assert len(ds.x_train) + len(ds.x_val) == 1797
    assert not answers.errors
    _close(window)


def test_help_lists_the_training_shortcuts_the_guide_names(qtbot, isolated_settings, tmp_path):
    window = _window(qtbot, tmp_path)
    keys = dict(shortcuts_table(window))
    assert keys["Start"] == "F5" and keys["Step"] == "F6" and keys["Stop"] == "Shift+F5"
    assert keys["Keyboard Shortcuts"] == "F1" and keys["Check Network"] == "Ctrl+B"
    _close(window)
