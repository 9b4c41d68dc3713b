"""load_features: new data through the stored transform (prediction)."""

import json

import numpy as np
import pytest
from PIL import Image

from bpstudio.data import load_dataset, load_features
from bpstudio.errors import DataError

from .helpers import image_folder


def test_csv_features_replay_the_training_encoding(tmp_path):
    (tmp_path / "train.csv").write_text(
        "n,colour,y\n1,red,a\n2,blue,b\n3,red,a\n,green,b\n5,blue,a\n"
    )
    spec = {"source": "csv", "path": "train.csv", "normalize": "standard"}
    d = load_dataset(spec, tmp_path)
    transform = json.loads(json.dumps(d.transform))  # as stored in a project
    f = load_features(spec, transform, tmp_path / "train.csv")
    np.testing.assert_array_equal(f.x, d.x_train)
    assert f.y.tolist() == d.y_train.tolist() and f.ids[0] == "row 1"
    # Other column order, no target, a missing value, an unknown colour, a bad number.
    (tmp_path / "new.csv").write_text("colour;n\nred;2\nblue;\npurple;1\nred;abc\n")
    f = load_features(spec, transform, tmp_path / "new.csv")
    assert f.y is None and f.ids == ["row 1", "row 2", "row 3"]
    raw = np.array(
        [[2, 0, 0, 1], [transform["columns"][0]["fill"], 1, 0, 0], [1, 0, 0, 0]], np.float32
    )
    norm = transform["normalize"]
    np.testing.assert_allclose(f.x, (raw - norm["shift"]) / norm["scale"], rtol=1e-6)
    text = " ".join(f.messages)
    assert "1 rows where 'colour' is an unknown category" in text
    assert "skipped 1 rows (data rows 4) where 'n' is not a finite number" in text


def test_csv_features_missing_column(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,y\n1,2,0\n3,4,1\n")
    d = load_dataset({"source": "csv", "path": "t.csv"}, tmp_path)
    (tmp_path / "new.csv").write_text("a,y\n1,0\n")
    with pytest.raises(DataError, match="new.csv: has no column 'b'"):
        load_features({}, d.transform, tmp_path / "new.csv")


def test_unknown_target_class_is_minus_one(tmp_path):
    (tmp_path / "t.csv").write_text("a,y\n1,cat\n2,dog\n")
    d = load_dataset({"source": "csv", "path": "t.csv"}, tmp_path)
    (tmp_path / "new.csv").write_text("a,y\n1,dog\n2,cow\n3,\n")
    assert load_features({}, d.transform, tmp_path / "new.csv").y.tolist() == [1, -1, -1]


def test_synthetic_model_reads_a_csv_by_feature_names(tmp_path):
    d = load_dataset({"source": "synthetic", "name": "moons", "normalize": "minmax"}, tmp_path)
    (tmp_path / "p.csv").write_text("x2,x1\n0.5,0.25\n,1\n")
    f = load_features({}, d.transform, tmp_path / "p.csv")
    assert f.x.shape == (1, 2) and f.ids == ["row 1"]
    assert "skipped 1 rows" in f.messages[0]


def test_npz_features_with_and_without_y(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.arange(8.0).reshape(4, 2), y=np.array([0, 1, 0, 1]))
    d = load_dataset({"source": "npz", "path": "d.npz", "normalize": "standard"}, tmp_path)
    f = load_features({}, d.transform, tmp_path / "d.npz")
    np.testing.assert_array_equal(f.x, d.x_train)
    np.savez(tmp_path / "p.npz", x=np.zeros((2, 3)))
    with pytest.raises(DataError, match="shape"):
        load_features({}, d.transform, tmp_path / "p.npz")


def test_image_features_folder_file_and_classes(tmp_path):
    folder = image_folder(tmp_path / "imgs", {"a": 2, "b": 2}, size=(4, 4))
    spec = {"source": "images", "path": "imgs", "color": "grayscale", "normalize": "standard"}
    d = load_dataset(spec, tmp_path)
    f = load_features(spec, d.transform, folder)
    np.testing.assert_array_equal(f.x, d.x_train)
    assert f.y.tolist() == [0, 0, 1, 1] and f.ids[0] == "a/000.png"
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.new("RGB", (9, 9), (255, 255, 255)).save(flat / "big.png")
    (flat / "bad.png").write_bytes(b"nope")
    f = load_features(spec, d.transform, flat)
    assert f.x.shape == (1, 1, 4, 4) and f.y is None and f.ids == ["big.png"]
    assert "bad.png" in f.messages[0]
    assert load_features(spec, d.transform, flat / "big.png").x.shape == (1, 1, 4, 4)


def test_no_transform_is_refused(tmp_path):
    (tmp_path / "p.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no data transform"):
        load_features({}, {}, tmp_path / "p.csv")


def test_target_labels_are_cleaned_like_training(tmp_path):
    (tmp_path / "t.csv").write_text("a,y\n1,cat\n2,dog\n")
    d = load_dataset({"source": "csv", "path": "t.csv"}, tmp_path)
    (tmp_path / "new.csv").write_text('a,y\n1,"dog "\n2," cat"\n')
    assert load_features({}, d.transform, tmp_path / "new.csv").y.tolist() == [1, 0]


def test_decimal_comma_csv_with_one_bad_cell_skips_only_that_row(tmp_path):
    rows = [f"{i},5;{'ab'[i % 2]}" for i in range(6)]
    (tmp_path / "t.csv").write_text("n;y\n" + "\n".join(rows) + "\n")
    spec = {"source": "csv", "path": "t.csv"}
    transform = load_dataset(spec, tmp_path).transform
    rows[2] = "oops;a"
    (tmp_path / "new.csv").write_text("n;y\n" + "\n".join(rows) + "\n")
    f = load_features(spec, transform, tmp_path / "new.csv")
    assert f.ids == ["row 1", "row 2", "row 4", "row 5", "row 6"]
    assert f.x[:, 0].tolist() == [0.5, 1.5, 3.5, 4.5, 5.5]


def test_nothing_readable_is_a_refusal_not_an_empty_array(tmp_path):
    # Used to reach predict as 0 rows and fail there with an internal error.
    (tmp_path / "t.csv").write_text("n,m,y\n1,1,a\n2,2,b\n3,3,a\n")
    spec = {"source": "csv", "path": "t.csv"}
    transform = load_dataset(spec, tmp_path).transform
    (tmp_path / "bad.csv").write_text("n,m,y\nabc,1,a\nxyz,2,b\n")
    with pytest.raises(DataError, match=r"^bad.csv: nothing could be read \(bad.csv: skipped 2"):
        load_features(spec, transform, tmp_path / "bad.csv")
    folder = tmp_path / "imgs"
    image_folder(folder, {"a": 2, "b": 2})
    transform = load_dataset({"source": "images", "path": "imgs"}, tmp_path).transform
    with pytest.raises(DataError, match=r"^t.csv: nothing could be read \(.*not an image\)"):
        load_features({}, transform, tmp_path / "t.csv")  # a CSV given to an image model
