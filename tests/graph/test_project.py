import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.errors import ProjectError
from bpstudio.graph.project import (
    Project,
    default_training,
    load_project,
    resolve_data_path,
    save_project,
)
from tests.graph.helpers import IRIS, iris

DESIGN_EXAMPLE = {
    "format": "bpstudio-project",
    "version": 1,
    "graph": IRIS,
    "data": {
        "source": "csv",
        "path": "iris.csv",
        "target": "species",
        "normalize": "standard",
        "validation": 0.2,
        "split_seed": 0,
    },
    "training": {
        "epochs": 200,
        "batch_size": 32,
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.0},
        "l1": 0.0,
        "l2": 0.0,
        "clip_norm": None,
        "seed": 0,
        "device": "auto",
    },
}


def write(tmp_path, d, name="p.bpstudio"):
    path = tmp_path / name
    path.write_text(d if isinstance(d, str) else json.dumps(d))
    return path


def test_design_example_loads_and_round_trips(tmp_path):
    path = write(tmp_path, DESIGN_EXAMPLE, "iris.bpstudio")
    p = load_project(path)
    assert p.name == "iris" and p.path == path
    assert p.graph == iris() and p.training == DESIGN_EXAMPLE["training"]
    out = tmp_path / "copy.bpstudio"
    save_project(p, out)
    assert p.path == out
    assert load_project(out).to_dict() == p.to_dict()
    assert json.loads(out.read_text())["data"] == DESIGN_EXAMPLE["data"]


def test_missing_sections_take_defaults(tmp_path):
    d = {"format": "bpstudio-project", "version": 1, "graph": IRIS}
    p = load_project(write(tmp_path, d))
    assert p.data == {} and p.training == default_training()
    d["training"] = {"epochs": 5, "optimizer": {"name": "adam"}}
    p = load_project(write(tmp_path, d))
    assert p.training["epochs"] == 5 and p.training["batch_size"] == 32
    assert p.training["optimizer"] == {"name": "adam"}


def test_new_project_name():
    assert Project().name == "untitled"
    assert Project().graph.nodes == {}


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{", r"not valid JSON \(line 1"),
        ("[1]", "not a bpstudio project .the file holds a list"),
        ({"format": "other", "version": 1}, "not a bpstudio project .'format' is 'other'"),
        ({"format": "bpstudio-project", "version": 2}, "newer bpstudio .file version 2"),
        ({"format": "bpstudio-project", "version": "1"}, "'version' must be a whole number"),
        ({"format": "bpstudio-project"}, "'version' must be"),
        ({"format": "bpstudio-project", "version": 1}, "missing 'graph'"),
        ({"graph": []}, "'graph' must be an object"),
        ({"graph": {"nodes": [{"id": "a"}]}}, "node 'a': needs an 'op'"),
        ({"data": [1]}, "'data' must be an object, got a list"),
        ({"data": {"source": "ftp"}}, "data.source must be one of csv"),
        ({"data": {"source": "csv", "path": 3}}, "data.path must be a string"),
        ({"training": "fast"}, "'training' must be an object, got a string"),
        ({"training": {"epochs": -1}}, "training.epochs must be a whole number >= 0"),
        ({"training": {"batch_size": 1.5}}, "training.batch_size must be a whole number"),
        ({"training": {"l2": -0.1}}, "training.l2 must be a number >= 0"),
        ({"training": {"clip_norm": 0}}, "training.clip_norm must be a number > 0"),
        ({"training": {"device": "tpu"}}, "training.device must be cpu, gpu or auto"),
        ({"training": {"optimizer": "sgd"}}, "training.optimizer must be an object"),
        ({"training": {"optimizer": {"name": "lbfgs"}}}, "optimizer.name must be one of sgd"),
        (
            {"training": {"optimizer": {"name": "sgd", "lr": 0}}},
            "optimizer.lr must be a number > 0",
        ),
    ],
)
def test_load_errors_name_the_file_and_problem(tmp_path, content, match):
    if isinstance(content, dict) and "format" not in content:
        content = {"format": "bpstudio-project", "version": 1, "graph": IRIS, **content}
    path = write(tmp_path, content)
    with pytest.raises(ProjectError, match=match) as e:
        load_project(path)
    assert str(e.value).startswith(f"{path}: ") and "\n" not in str(e.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ProjectError, match="no such file"):
        load_project(tmp_path / "nope.bpstudio")
    (tmp_path / "bin.bpstudio").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ProjectError, match="not UTF-8"):
        load_project(tmp_path / "bin.bpstudio")
    with pytest.raises(ProjectError, match="cannot read"):
        load_project(tmp_path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(
    graph=JSON | st.fixed_dictionaries({"nodes": JSON, "edges": JSON}),
    data=JSON,
    training=JSON,
)
def test_any_json_loads_or_refuses_cleanly(tmp_path_factory, graph, data, training):
    d = {"format": "bpstudio-project", "version": 1, "graph": graph, "data": data}
    d["training"] = training
    path = write(tmp_path_factory.mktemp("p"), d)
    try:
        load_project(path)
    except ProjectError as e:
        assert str(e).startswith(str(path)) and "\n" not in str(e)


def test_atomic_save_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = write(tmp_path, DESIGN_EXAMPLE)
    old = path.read_text()
    p = load_project(path)
    p.training["epochs"] = 7

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ProjectError, match=r"cannot write \(No space left on device\)"):
        save_project(p, path)
    assert path.read_text() == old
    assert sorted(x.name for x in tmp_path.iterdir()) == ["p.bpstudio"]  # no temp left
    monkeypatch.undo()
    save_project(p, path)
    assert load_project(path).training["epochs"] == 7


def test_save_keeps_the_file_mode(tmp_path):
    path = write(tmp_path, DESIGN_EXAMPLE)
    path.chmod(0o640)
    save_project(load_project(path), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_save_refuses_nan(tmp_path):
    p = Project(iris())
    p.training["l2"] = float("nan")
    with pytest.raises(ProjectError, match="cannot save"):
        save_project(p, tmp_path / "x.bpstudio")
    assert not list(tmp_path.iterdir())


def test_save_into_missing_folder(tmp_path):
    with pytest.raises(ProjectError, match="cannot write"):
        save_project(Project(iris()), tmp_path / "no" / "x.bpstudio")


def test_data_paths_resolve_and_follow_save_as(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "deep").mkdir(parents=True)
    p = Project(iris(), {"source": "csv", "path": "iris.csv"}, path=tmp_path / "a" / "p.bpstudio")
    assert resolve_data_path(p, "iris.csv") == tmp_path / "a" / "iris.csv"
    assert resolve_data_path(p, str(tmp_path / "z.csv")) == tmp_path / "z.csv"
    save_project(p, tmp_path / "b" / "deep" / "p.bpstudio")
    assert p.data["path"] == "../../a/iris.csv"
    assert resolve_data_path(p, p.data["path"]).resolve() == (tmp_path / "a" / "iris.csv")
    unsaved = Project(iris())
    assert resolve_data_path(unsaved, "d.csv") == Path.cwd() / "d.csv"


def test_save_without_any_path_is_a_bug_not_a_user_error():
    with pytest.raises(ValueError, match="never saved"):
        save_project(Project(iris()))
