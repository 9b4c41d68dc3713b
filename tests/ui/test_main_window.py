"""The main window end to end: build a network with the mouse, edit, undo, save, reopen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from bpstudio.graph.document import Graph
from bpstudio.graph.project import Project, load_project
from bpstudio.session import Session
from bpstudio.ui.main_window import MainWindow

from .helpers import Answers, drag_ports, drop_op, shown_window, wait_loaded

SPIRAL = {
    "source": "synthetic",
    "name": "spiral",
    "samples": 200,
    "noise": 0.05,
    "seed": 0,
    "classes": 3,
    "validation": 0.2,
}


def make_window(qtbot, tmp_path, monkeypatch, project: Project) -> MainWindow:
    answers = Answers(monkeypatch)
    window = shown_window(qtbot, Session(project), tmp_path / "recovery", (1300, 850))
    window.answers = answers
    return window


@pytest.fixture
def empty(qtbot, tmp_path, isolated_settings, monkeypatch):
    return make_window(qtbot, tmp_path, monkeypatch, Project(Graph(), dict(SPIRAL)))


def build_by_mouse(window) -> dict[str, str]:
    """Input -> Dense -> ReLU -> Dense -> CrossEntropyLoss, by drops and port drags."""
    ids = {}
    for row, (key, op) in enumerate(
        [
            ("x", "Input"),
            ("h", "Dense"),
            ("a", "ReLU"),
            ("o", "Dense"),
            ("loss", "CrossEntropyLoss"),
        ]
    ):
        before = set(window.model.graph.nodes)
        drop_op(window, op, QPointF(0, row * 110))
        (ids[key],) = set(window.model.graph.nodes) - before
    window.view.fit()
    for a, b in [("x", "h"), ("h", "a"), ("a", "o"), ("o", "loss")]:
        drag_ports(window, ids[a], ids[b])
    return ids


def test_palette_drops_and_port_drags_build_a_valid_network(empty):
    ids = build_by_mouse(empty)
    graph = empty.model.graph
    assert [graph.nodes[i].op for i in graph.nodes] == [
        "Input",
        "Dense",
        "ReLU",
        "Dense",
        "CrossEntropyLoss",
    ]
    assert graph.edges == [
        (ids["x"], ids["h"]),
        (ids["h"], ids["a"]),
        (ids["a"], ids["o"]),
        (ids["o"], ids["loss"]),
    ]
    # the output Dense still has 16 units but the spiral has 3 classes: shown on the node
    assert empty.scene.nodes[ids["o"]].badge.isVisible()
    empty.dataset_panel.fit_network()
    assert graph.nodes[ids["o"]].params["units"] == 3
    assert not any(item.badge.isVisible() for item in empty.scene.nodes.values())
    assert empty.scene.edges[(ids["x"], ids["h"])].label_text == "2"
    assert empty.scene.edges[(ids["h"], ids["a"])].label_text == "16"
    assert empty.windowTitle().endswith("— bpstudio") and empty.isWindowModified()


def test_edit_param_undo_redo_save_and_reopen(empty, tmp_path):
    ids = build_by_mouse(empty)
    empty.scene.select_ids([ids["h"]])
    field = empty.inspector.fields["units"]
    field.inner.setValue(24)
    graph = empty.model.graph
    assert graph.nodes[ids["h"]].params["units"] == 24
    assert empty.scene.edges[(ids["h"], ids["a"])].label_text == "24"
    empty.actions["undo"].trigger()
    assert graph.nodes[ids["h"]].params["units"] == 16
    assert field.inner.value() == 16  # the inspector follows undo
    empty.actions["redo"].trigger()
    assert graph.nodes[ids["h"]].params["units"] == 24

    target = tmp_path / "mine.bpstudio"
    empty.answers.files.append(str(target))
    empty.actions["save"].trigger()
    assert not empty.isWindowModified()
    assert empty.windowTitle() == "mine[*] — bpstudio"
    saved = empty.model.graph.to_dict()

    empty.open_project(str(target))
    wait_loaded_window = empty.model
    assert load_project(target).graph.to_dict() == saved
    assert wait_loaded_window.graph.to_dict() == saved
    assert not empty.answers.errors


def test_inspector_refuses_invalid_values_with_the_catalogue_reason(empty):
    nid = empty.scene.add_node("Conv2D", QPointF(0, 0))
    empty.scene.select_ids([nid])
    kernel = empty.inspector.fields["kernel"]
    kernel.inner.setText("3, 3, 3")
    kernel.inner.editingFinished.emit()
    assert "kernel" in empty.inspector.error.text()
    assert empty.model.graph.nodes[nid].params["kernel"] == 3
    kernel.inner.setText("5")
    kernel.inner.editingFinished.emit()
    assert empty.model.graph.nodes[nid].params["kernel"] == 5


def test_invalid_graph_shows_badge_with_message(empty):
    nid = empty.scene.add_node("Dense", QPointF(0, 0))  # no input: cannot compile
    item = empty.scene.nodes[nid]
    assert item.badge.isVisible()
    assert item.badge.toolTip()
    assert item.badge.toolTip() in item.toolTip()
    assert empty.problems_label.text()


def test_copy_paste_delete_and_undo(empty, qtbot):
    ids = build_by_mouse(empty)
    graph = empty.model.graph
    empty.scene.select_ids([ids["h"], ids["a"]])
    empty.actions["copy"].trigger()
    empty.actions["paste"].trigger()
    assert len(graph.nodes) == 7
    new = empty.scene.selected_node_ids()
    assert len(new) == 2 and set(new).isdisjoint(ids.values())
    assert tuple(new) in graph.edges  # the edge between the copies came along
    empty.actions["delete"].trigger()
    assert len(graph.nodes) == 5
    empty.actions["undo"].trigger()
    assert len(graph.nodes) == 7
    empty.actions["select_all"].trigger()
    empty.actions["cut"].trigger()
    assert not graph.nodes
    empty.actions["undo"].trigger()
    assert len(graph.nodes) == 7 and len(empty.scene.edges) == 5


def test_moves_and_auto_layout_are_undoable(empty):
    ids = build_by_mouse(empty)
    graph = empty.model.graph
    item = empty.scene.nodes[ids["h"]]
    item.setPos(item.pos() + QPointF(300, 0))
    empty.scene.commit_moves()
    moved = graph.nodes[ids["h"]].pos
    empty.actions["auto_layout"].trigger()
    xs = {graph.nodes[i].pos[0] for i in ids.values()}
    assert len(xs) == 1  # a chain lays out in one column
    empty.actions["undo"].trigger()
    assert graph.nodes[ids["h"]].pos == moved


def test_untouched_project_closes_without_asking(empty):
    assert empty.close()
    assert empty.answers.save_asked == 0


def test_modified_project_asks_and_cancel_keeps_it_open(empty):
    empty.scene.add_node("ReLU")
    empty.answers.save_answer = "cancel"
    assert not empty.close()
    assert empty.answers.save_asked == 1
    empty.answers.save_answer = "discard"
    assert empty.close()


def test_autosave_then_restore_after_a_crash(empty, tmp_path, qtbot, monkeypatch):
    nid = empty.scene.add_node("Tanh")
    empty.autosave()
    graph = empty.model.graph.to_dict()
    # another window while this one runs: nothing to restore (the autosave is locked)
    other = make_window(qtbot, tmp_path, monkeypatch, Project(Graph(), dict(SPIRAL)))
    assert empty.recovery.file.is_file() and not other.recovery.pending()
    empty.recovery._lock.unlock()  # as if the process ended without a clean close
    # the next start finds the orphaned autosave and restores it
    again = make_window(qtbot, tmp_path, monkeypatch, Project(Graph(), dict(SPIRAL)))
    assert again.recovery.pending()
    again.offer_recovery()
    assert again.model.graph.to_dict() == graph and nid in again.model.graph.nodes
    assert again.isWindowModified()


def test_bp_error_in_a_slot_becomes_a_message(empty):
    empty.answers.files.append("/nonexistent/project.bpstudio")
    empty.actions["open"].trigger()
    assert len(empty.answers.errors) == 1
    assert "no such file" in empty.answers.errors[0]
    assert empty.isVisible()


def test_examples_open_and_default_title(empty):
    empty.open_example("xor")
    assert empty.windowTitle() == "xor[*] — bpstudio"
    assert not empty.isWindowModified()


def test_an_example_saved_elsewhere_still_finds_its_data(empty, qtbot, tmp_path):
    empty.open_example("iris")
    wait_loaded(qtbot, empty)
    assert empty.model.dataset is not None
    target = tmp_path / "elsewhere" / "my-iris.bpstudio"
    target.parent.mkdir()
    empty.answers.files.append(str(target))
    empty.actions["save"].trigger()  # an example has no file yet: Save asks where
    empty.open_project(str(target))
    wait_loaded(qtbot, empty)
    assert empty.model.dataset is not None and not empty.answers.errors
    assert empty.model.dataset.class_names == ["setosa", "versicolor", "virginica"]


def test_layout_and_recent_files_persist(empty, qtbot, tmp_path, monkeypatch):
    from bpstudio.ui.projects import recent_files

    target = tmp_path / "kept.bpstudio"
    empty.answers.files.append(str(target))
    empty.actions["save_as"].trigger()
    empty.docks["paletteDock"].hide()
    assert empty.close()
    assert recent_files()[0] == str(target.resolve())
    again = make_window(qtbot, tmp_path, monkeypatch, Project(Graph(), dict(SPIRAL)))
    qtbot.waitUntil(lambda: not again.docks["paletteDock"].isVisible(), timeout=3000)
    again.fill_recent_menu()
    assert [a.text() for a in again.recent_menu.actions()] == ["kept.bpstudio"]
    again.actions["reset_layout"].trigger()
    assert again.docks["paletteDock"].isVisible()


def test_example_gallery_lists_every_example_with_its_description(empty, qtbot):
    from bpstudio.session import list_examples
    from bpstudio.ui.examples_dialog import ExampleGallery

    gallery = ExampleGallery(empty)
    qtbot.addWidget(gallery)
    examples = list_examples()
    assert gallery.list.count() == len(examples)
    label = gallery.list.itemWidget(gallery.list.item(1))
    assert examples[1].name in label.text() and examples[1].description in label.text()
    gallery.list.setCurrentRow(1)
    assert gallery.chosen() == examples[1].name


def test_export_and_check_network_from_the_menus(empty, tmp_path):
    import numpy as np

    from bpstudio.io.weights import load_weights

    empty.open_example("spiral")
    empty.model.session.load_data()  # synchronously, for the test
    empty.actions["check"].trigger()
    assert "compiles" in empty.statusBar().currentMessage()
    out = tmp_path / "w.safetensors"
    empty.answers.files.append(str(out))
    empty.actions["export_safetensors"].trigger()
    tensors, meta = load_weights(out)
    assert "fc1.weight" in tensors and tensors["fc1.weight"].dtype == np.float32
    assert not empty.answers.errors
