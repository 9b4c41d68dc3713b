"""Predictions CSV, the predict/export commands' functions, and the train/save/load round trip."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.errors import BpError, WeightsError
from bpstudio.graph.project import load_project
from bpstudio.io.export import export_cli, export_weights
from bpstudio.io.model import open_model
from bpstudio.io.predict import predict, predict_cli, probabilities
from bpstudio.io.weights import load_weights, save_network_weights, save_weights
from bpstudio.session import Session, example_path

from .helpers import chain, node, write_csv, write_images
from .models import CNN, MLP

TRAINING = {"epochs": 2, "batch_size": 8, "optimizer": {"name": "adam", "lr": 0.01},
            "seed": 0, "device": "cpu"}  # fmt: skip


def make_project(tmp_path, graph=MLP, target="label") -> tuple:
    """A project on d.csv, trained 2 epochs and saved with its weights; (session, paths)."""
    write_csv(tmp_path / "d.csv", n=60)
    data = {"source": "csv", "path": "d.csv", "target": target, "normalize": "standard",
            "validation": 0.2}  # fmt: skip
    project = {"format": "bpstudio-project", "version": 1, "graph": graph, "data": data,
               "training": TRAINING}  # fmt: skip
    (tmp_path / "p.bpstudio").write_text(json.dumps(project))
    session = Session.open(tmp_path / "p.bpstudio")
    session.load_data()
    session.build_network()
    for _ in session.make_trainer().run():
        pass
    weights = save_network_weights(session, tmp_path / "w.safetensors")
    return session, tmp_path / "p.bpstudio", weights


def read_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_round_trip_train_save_load_predict_is_identical(tmp_path):
    session, project, weights = make_project(tmp_path)
    direct = predict(session.project, session.network, session.weights_metadata(),
                     tmp_path / "d.csv", tmp_path / "direct.csv")  # fmt: skip
    assert predict_cli(project, weights, tmp_path / "d.csv", tmp_path / "loaded.csv") == 0
    assert (tmp_path / "direct.csv").read_bytes() == (tmp_path / "loaded.csv").read_bytes()
    assert direct.rows == 60 and direct.score.startswith("accuracy ")
    net, _ = open_model(load_project(project), weights)
    for name, arr in session.network.state_dict().items():
        np.testing.assert_array_equal(net.state_dict()[name], arr)


def test_predictions_csv_layout(tmp_path):
    session, project, weights = make_project(tmp_path)
    predict_cli(project, weights, tmp_path / "d.csv", tmp_path / "out.csv")
    rows = read_rows(tmp_path / "out.csv")
    assert list(rows[0]) == ["row", "predicted", "p_no", "p_yes"]
    assert [r["row"] for r in rows] == [str(i) for i in range(1, 61)]
    for r in rows:
        p = np.array([float(r["p_no"]), float(r["p_yes"])])
        assert abs(p.sum() - 1) < 1e-6
        assert r["predicted"] == ("yes" if p[1] > p[0] else "no")
        # float32 precision: the text is float32's shortest round-trip form
        assert r["p_no"] == str(np.float32(r["p_no"]))


def test_onnx_reproduces_bpstudio_predict(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    session, project, weights = make_project(tmp_path)
    export_cli(project, weights, "onnx", tmp_path / "m.onnx")
    predict_cli(project, weights, tmp_path / "d.csv", tmp_path / "out.csv")
    rows = read_rows(tmp_path / "out.csv")
    want = np.array([[float(r["p_no"]), float(r["p_yes"])] for r in rows])
    # the ONNX input is the raw feature vector: a, colour one-hot (blue, green, red), b
    raw = []
    for line in (tmp_path / "d.csv").read_text().splitlines()[1:]:
        a, colour, b, _ = line.split(",")
        raw.append([float(a), *(float(colour == c) for c in ("blue", "green", "red")), float(b)])
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    logits = sess.run(["output"], {"input": np.array(raw, np.float32)})[0]
    np.testing.assert_allclose(probabilities(logits, "classification"), want, atol=1e-4)


def test_unreadable_rows_are_reported_not_dropped_silently(tmp_path, capsys):
    _, project, weights = make_project(tmp_path)
    write_csv(tmp_path / "new.csv", n=10, seed=5, bad_rows=(3, 7))
    predict_cli(project, weights, tmp_path / "new.csv", tmp_path / "out.csv")
    err = capsys.readouterr().err
    assert "new.csv: skipped 2 rows (data rows 4, 8)" in err
    assert "predicted 8 rows" in err and "accuracy" in err
    rows = [r["row"] for r in read_rows(tmp_path / "out.csv")]
    assert rows == ["1", "2", "3", "5", "6", "7", "9", "10"]


def test_predict_to_stdout_without_target_column(tmp_path, capsys):
    _, project, weights = make_project(tmp_path)
    lines = (tmp_path / "d.csv").read_text().splitlines()
    no_target = "\n".join(",".join(line.split(",")[:3]) for line in lines[:6]) + "\n"
    (tmp_path / "x.csv").write_text(no_target)
    predict_cli(project, weights, tmp_path / "x.csv", None)
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "row,predicted,p_no,p_yes" and len(out.splitlines()) == 6
    assert "accuracy" not in err


def test_binary_bce_model_gets_probability_columns(tmp_path):
    graph = chain([node("fc1", "Dense", units=4), node("act", "ReLU"),
                   node("fc2", "Dense", units=1)], loss="BCEWithLogitsLoss")  # fmt: skip
    session, project, weights = make_project(tmp_path, graph)
    predict_cli(project, weights, tmp_path / "d.csv", tmp_path / "out.csv")
    rows = read_rows(tmp_path / "out.csv")
    assert list(rows[0]) == ["row", "predicted", "p_no", "p_yes"]
    logits = session.network.predict(session.dataset.x_train[:0])  # shape only
    assert logits.shape == (0, 1)
    for r in rows:
        assert r["predicted"] == ("yes" if float(r["p_yes"]) > 0.5 else "no")


def test_regression_writes_values_and_rmse(tmp_path, capsys):
    graph = chain([node("fc1", "Dense", units=4), node("act", "Tanh"),
                   node("fc2", "Dense", units=1)], loss="MSELoss")  # fmt: skip
    session, project, weights = make_project(tmp_path, graph, target="b")
    predict_cli(project, weights, tmp_path / "d.csv", tmp_path / "out.csv")
    rows = read_rows(tmp_path / "out.csv")
    assert list(rows[0]) == ["row", "predicted"]
    assert "RMSE" in capsys.readouterr().err


def test_weights_of_an_edited_graph_are_refused_by_name(tmp_path):
    _, project, weights = make_project(tmp_path)
    data = json.loads(project.read_text())
    data["graph"]["nodes"][1]["params"]["units"] = 9  # fc1 widened after training
    project.write_text(json.dumps(data))
    with pytest.raises(WeightsError, match=r"w\.safetensors: .*fc1\.weight has shape \(8, 5\)"):
        predict_cli(project, weights, tmp_path / "d.csv", tmp_path / "out.csv")


@pytest.mark.parametrize("fmt,name", [("npz", "e.npz"), ("safetensors", "e.safetensors")])
def test_export_cli_weights_formats_keep_tensors_and_metadata(tmp_path, fmt, name):
    session, project, weights = make_project(tmp_path)
    assert export_cli(project, weights, fmt, tmp_path / name) == 0
    tensors, meta = load_weights(tmp_path / name)
    assert meta["class_names"] == ["no", "yes"] and meta["task"] == "classification"
    assert meta["transform"]["columns"][1]["categories"] == ["blue", "green", "red"]
    for k, v in session.network.state_dict().items():
        np.testing.assert_array_equal(tensors[k], v)


def test_export_format_and_name_must_agree(tmp_path):
    with pytest.raises(BpError, match=r"m\.onnx: --format npz writes a \*\.npz file"):
        export_weights({}, {}, "npz", tmp_path / "m.onnx")
    with pytest.raises(BpError, match="unknown export format 'tflite'"):
        export_weights({}, {}, "tflite", tmp_path / "m.tflite")


def test_image_folder_predictions_name_each_file(tmp_path, capsys):
    write_images(tmp_path / "imgs", size=(10, 12))
    data = {"source": "images", "path": "imgs", "size": [10, 12], "color": "rgb",
            "normalize": "standard"}  # fmt: skip
    project = {"format": "bpstudio-project", "version": 1, "graph": CNN, "data": data,
               "training": TRAINING}  # fmt: skip
    (tmp_path / "p.bpstudio").write_text(json.dumps(project))
    session = Session.open(tmp_path / "p.bpstudio")
    session.load_data()
    session.build_network()
    weights = save_network_weights(session, tmp_path / "w.npz")
    (tmp_path / "imgs" / "dog" / "broken.png").write_bytes(b"not an image")
    predict_cli(tmp_path / "p.bpstudio", weights, tmp_path / "imgs", tmp_path / "out.csv")
    rows = read_rows(tmp_path / "out.csv")
    assert list(rows[0]) == ["file", "predicted", "p_cat", "p_dog"]
    assert [r["file"] for r in rows][:2] == ["cat/0.png", "cat/1.png"] and len(rows) == 8
    assert "broken.png" in capsys.readouterr().err


def test_foreign_weights_without_metadata_use_the_projects_data(tmp_path):
    session, project, _ = make_project(tmp_path)
    np.savez(tmp_path / "plain.npz", **session.network.state_dict())  # no __bpstudio__
    predict_cli(project, tmp_path / "plain.npz", tmp_path / "d.csv", tmp_path / "a.csv")
    predict_cli(project, tmp_path / "w.safetensors", tmp_path / "d.csv", tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_metadata_with_numpy_values_is_saved_as_plain_json(tmp_path):
    meta = {"input_shape": np.array([3, 4]), "class_names": [np.str_("a")], "n": np.int64(2)}
    path = save_weights(tmp_path / "w.npz", {"a.weight": np.ones(2)}, meta)
    assert load_weights(path)[1] == {"input_shape": [3, 4], "class_names": ["a"], "n": 2}


def test_weights_trained_with_train_data_open_with_the_unchanged_project(tmp_path, capsys):
    # `train PROJECT --data other.csv --save-weights W` fits Input and output units to the
    # data but leaves the project file alone: predict/export with it used to refuse W.
    write_csv(tmp_path / "d.csv", n=40)  # 5 features, 2 classes; iris has 4 and 3
    w, out = tmp_path / "w.safetensors", tmp_path / "p.csv"
    args = ["--data", str(tmp_path / "d.csv"), "--epochs", "1", "--save-weights", str(w)]
    assert main(["train", "iris", "--quiet", *args]) == 0
    assert predict_cli(example_path("iris"), w, tmp_path / "d.csv", out) == 0
    assert read_rows(out)[0].keys() == {"row", "predicted", "p_no", "p_yes"}
    # A graph edited otherwise (fc1 wider) is still refused, naming the weights.
    d = json.loads(example_path("iris").read_text())
    d["graph"]["nodes"][1]["params"]["units"] = 9
    d["data"]["path"] = str(tmp_path / "d.csv")
    (tmp_path / "edited.bpstudio").write_text(json.dumps(d))
    with pytest.raises(WeightsError, match=r"^w.safetensors: "):
        predict_cli(tmp_path / "edited.bpstudio", w, tmp_path / "d.csv", out)
    capsys.readouterr()
