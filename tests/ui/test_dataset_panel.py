"""The dataset panel: a CSV opened through it, an image folder, synthetic controls."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtWidgets import QLabel

from bpstudio.graph.project import Project
from bpstudio.ui.file_actions import new_project

from .helpers import DATASETS, wait_loaded
from .test_main_window import make_window


@pytest.fixture
def window(qtbot, tmp_path, isolated_settings, monkeypatch):
    return make_window(qtbot, tmp_path, monkeypatch, new_project())


def test_open_csv_through_the_panel(window, qtbot, tmp_path):
    csv = tmp_path / "iris.csv"
    shutil.copy(DATASETS / "iris.csv", csv)
    panel = window.dataset_panel
    window.answers.files.append(str(csv))
    panel.source.setCurrentIndex(panel.source.findData("csv"))
    panel._source_chosen(panel.source.currentIndex())
    wait_loaded(qtbot, window)
    ds = window.model.dataset
    assert ds is not None and ds.class_names == ["setosa", "versicolor", "virginica"]
    assert window.model.project.data["target"] == "species"
    assert panel.preview.kind == "table"
    header = panel.preview.table.horizontalHeaderItem(0).text()
    assert header == "sepal_length\nnumber"
    species = panel.preview.table.horizontalHeaderItem(4).text()
    assert species == "species\ntext (3 values)\n(target)"
    # the network followed the data: 3 classes out; the Input takes its shape from it
    assert window.model.graph.nodes["fc2"].params["units"] == 3
    assert window.scene.edges[("x", "fc1")].label_text == "4"
    assert not window.answers.errors
    # from a synthetic set to a real file, normalisation starts at "standard"
    assert window.model.project.data["normalize"] == "standard"


def test_features_and_undo_of_a_data_change(window, qtbot, tmp_path):
    window.dataset_panel.open_path(str(DATASETS / "iris.csv"))
    wait_loaded(qtbot, window)
    pages = window.dataset_panel.pages
    pages.features.item(0).setCheckState(pages.features.item(0).checkState().Unchecked)
    wait_loaded(qtbot, window)
    assert window.model.project.data["features"] == ["sepal_width", "petal_length", "petal_width"]
    assert window.model.dataset.input_shape == (3,)
    window.actions["undo"].trigger()
    wait_loaded(qtbot, window)
    assert "features" not in window.model.project.data
    assert window.model.dataset.input_shape == (4,)


def test_image_folder_preview_and_shape(window, qtbot, tmp_path):
    folder = tmp_path / "digits"
    for digit in ("0", "1", "7"):
        shutil.copytree(DATASETS / "digits" / digit, folder / digit)
    window.dataset_panel.open_path(str(folder))
    wait_loaded(qtbot, window, timeout=20000)
    preview = window.dataset_panel.preview
    assert preview.kind == "thumbnails"
    assert preview.class_counts == {"0": 178, "1": 182, "7": 179}
    assert len(preview.thumbs.widget().findChildren(QLabel)) == 3 * (1 + 8)
    assert window.model.dataset.input_shape == (1, 8, 8)
    # the network followed: a Flatten before the first Dense, one output per class seen
    graph = window.model.graph
    assert graph.inputs_of("fc1") == ["flatten_1"] and graph.inputs_of("flatten_1") == ["x"]
    assert graph.nodes["fc2"].params["units"] == 3
    assert window.scene.edges[("flatten_1", "fc1")].label_text == "64"
    assert not [i for i in window.model.analysis().issues if i.severity == "error"]
    window.actions["undo"].trigger()  # the fit is one undo step of its own
    assert "flatten_1" not in graph.nodes and graph.inputs_of("fc1") == ["x"]


def test_synthetic_controls_preview_immediately(window, qtbot):
    pages = window.dataset_panel.pages
    pages.samples.setValue(120)
    wait_loaded(qtbot, window)
    ds = window.model.dataset
    assert len(ds.x_train) + len(ds.x_val) == 120
    assert window.dataset_panel.preview.kind == "scatter"
    pages.kind.setCurrentText("circles")
    pages.kind.activated.emit(pages.kind.currentIndex())
    wait_loaded(qtbot, window)
    assert window.model.project.data["name"] == "circles"
    assert window.model.dataset.class_names is not None
    assert len(window.model.dataset.class_names) == 2
    assert window.model.graph.nodes["fc2"].params["units"] == 2


def test_bad_file_is_a_message_not_a_crash(window, qtbot, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    window.open_paths([str(bad)])
    assert window.answers.errors and "notes.txt" in window.answers.errors[0]
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n")  # a header and no rows
    window.dataset_panel.open_path(str(broken))
    wait_loaded(qtbot, window)
    assert window.dataset_panel.problem.text()


def test_unused_project_type_is_importable():
    assert Project().data == {}


def test_loading_shows_progress_and_can_be_cancelled(window, qtbot, monkeypatch):
    import time

    from bpstudio.data import images

    # Slow each decode down so the load is still running when Cancel is pressed, however
    # fast or loaded the machine (digits alone can finish before the first progress).
    decode = images.decode_image
    monkeypatch.setattr(images, "decode_image", lambda *a: (time.sleep(0.005), decode(*a))[1])
    panel, seen = window.dataset_panel, []
    window.model.loadProgress.connect(lambda done, total: seen.append((done, total)))
    window.dataset_panel.open_path(str(DATASETS / "digits"))
    assert window.model.loading and panel.busy.isVisibleTo(panel)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    panel.cancel.click()
    assert not window.model.loading and not panel.busy.isVisibleTo(panel)
    assert window.model.dataset is None  # the project's data (digits) is not loaded
    assert "cancelled" in panel.summary.text()
    assert seen[0][1] > 0


def test_npz_arrays_load_with_a_scatter_preview(window, qtbot, tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    np.savez(tmp_path / "blobs.npz", x=x, y=y)
    window.dataset_panel.open_path(str(tmp_path / "blobs.npz"))
    wait_loaded(qtbot, window)
    assert window.model.project.data["source"] == "npz"
    assert window.model.dataset.class_names == ["0", "1", "2"]
    assert window.dataset_panel.preview.kind == "scatter"
    assert not window.answers.errors
