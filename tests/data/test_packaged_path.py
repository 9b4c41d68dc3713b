"""A project saved from an example keeps finding its built-in data after bpstudio moves
(an upgrade into another environment): the packaged copy is used."""

from __future__ import annotations

from pathlib import Path

from bpstudio.data import load_dataset
from bpstudio.data.sources import resolve

OLD = "/old/venv/lib/python3.10/site-packages/bpstudio/resources/datasets/iris.csv"


def test_a_moved_install_finds_its_packaged_dataset(tmp_path):
    found = resolve({"source": "csv", "path": OLD}, tmp_path)
    assert found.exists() and found.name == "iris.csv" and found.parent.name == "datasets"
    ds = load_dataset({"source": "csv", "path": OLD, "target": "species"}, tmp_path)
    assert ds.class_names == ["setosa", "versicolor", "virginica"]


def test_other_missing_paths_are_left_for_the_error_to_name(tmp_path):
    missing = "/elsewhere/resources/datasets/not_shipped.csv"
    assert resolve({"source": "csv", "path": missing}, tmp_path) == Path(missing)
    assert resolve({"source": "csv", "path": "mine.csv"}, tmp_path) == tmp_path / "mine.csv"
