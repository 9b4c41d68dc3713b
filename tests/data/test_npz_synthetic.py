"""NumPy archives and the built-in synthetic sets."""

import pickle

import numpy as np
import pytest

from bpstudio.data import SYNTHETIC_NAMES, load_dataset
from bpstudio.errors import DataError


def save(tmp_path, **arrays):
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    return path


def load_npz(tmp_path, task=None, **spec):
    return load_dataset({"source": "npz", "path": "d.npz", **spec}, tmp_path, task=task)


def test_npz_classes_and_regression(tmp_path):
    save(tmp_path, x=np.arange(12, dtype=np.float64).reshape(6, 2), y=np.array([2, 0, 2, 0, 1, 1]))
    d = load_npz(tmp_path)
    assert d.x_train.dtype == np.float32 and d.class_names == ["0", "1", "2"]
    assert d.feature_names == ["x1", "x2"]
    save(tmp_path, x=np.zeros((4, 3)), y=np.linspace(0, 1, 8).reshape(4, 2))
    d = load_npz(tmp_path)
    assert d.task == "regression" and d.y_train.shape == (4, 2)


def test_npz_images_and_text_labels(tmp_path):
    save(tmp_path, x=np.random.default_rng(0).random((6, 2, 3, 3)), y=np.array(list("abcabc")))
    d = load_npz(tmp_path, normalize="minmax")
    assert d.input_shape == (2, 3, 3) and d.class_names == ["a", "b", "c"]
    assert d.transform["normalize"]["axis"] == "channel"


@pytest.mark.parametrize(
    ("arrays", "problem"),
    [
        ({"x": np.zeros((3, 2))}, "needs arrays 'x' and 'y'"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(2)}, "'x' has 3 rows but 'y' has 2"),
        ({"x": np.array([[1.0, np.inf]]), "y": np.zeros(1)}, "'x' holds NaN"),
        ({"x": np.array(["a", "b"]), "y": np.zeros(2)}, "'x' must hold numbers"),
        ({"x": np.zeros((2, 2)), "y": np.array([1 + 2j, 3j])}, "'y' must hold numbers"),
        ({"x": np.zeros((0, 2)), "y": np.zeros(0)}, "'x' has no rows"),
    ],
)
def test_npz_bad_arrays(tmp_path, arrays, problem):
    save(tmp_path, **arrays)
    with pytest.raises(DataError, match=problem):
        load_npz(tmp_path)


def test_npz_object_arrays_are_never_unpickled(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    with pytest.raises(DataError, match=r"d.npz: holds object \(pickled\) arrays, which bpstudio"):
        load_npz(tmp_path)


def test_npz_a_pickle_renamed_is_refused_without_unpickle_advice(tmp_path):
    (tmp_path / "d.npz").write_bytes(pickle.dumps({"x": np.zeros((3, 2)), "y": np.zeros(3)}))
    with pytest.raises(DataError, match=r"^d.npz: not a readable .npz file \(not a zip") as e:
        load_npz(tmp_path)
    assert "unsafely" not in str(e.value)  # numpy's advice to turn allow_pickle on


def test_npz_a_npy_renamed_says_so(tmp_path):
    np.save(tmp_path / "d.npy", np.zeros((3, 2)))
    (tmp_path / "d.npy").rename(tmp_path / "d.npz")
    with pytest.raises(DataError, match=r"d.npz: .*a single .npy array: save x and y"):
        load_npz(tmp_path)


@pytest.mark.parametrize("name", ["x", "y"])
def test_npz_a_single_value_needs_rows(tmp_path, name):
    arrays = {"x": np.zeros((3, 2)), "y": np.zeros(3), name: np.float32(1)}
    save(tmp_path, **arrays)
    with pytest.raises(DataError, match=f"array '{name}' is a single value; it needs one row"):
        load_npz(tmp_path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"not a zip at all"])
def test_npz_corrupt(tmp_path, content):
    (tmp_path / "d.npz").write_bytes(content)
    with pytest.raises(DataError, match="d.npz"):
        load_npz(tmp_path)


@pytest.mark.parametrize("name", SYNTHETIC_NAMES)
def test_synthetic_sets(name):
    spec = {"source": "synthetic", "name": name, "samples": 301, "noise": 0.1, "seed": 4}
    d = load_dataset(spec, ".")
    again = load_dataset(spec, ".")
    np.testing.assert_array_equal(d.x_train, again.x_train)
    assert len(d.x_train) == 301 and np.isfinite(d.x_train).all()
    assert np.abs(d.x_train).max() < 3
    if name in ("plane", "sine"):
        assert d.task == "regression" and d.y_train.shape == (301, 1)
    else:
        assert d.task == "classification" and d.class_names == ["0", "1"]
        assert abs(int(np.bincount(d.y_train)[0]) - 150) <= 1


def test_synthetic_noise_free_labels_are_exact():
    d = load_dataset({"source": "synthetic", "name": "xor", "noise": 0.0}, ".")
    x, y = d.x_train, d.y_train
    assert np.array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(np.int64))
    d = load_dataset({"source": "synthetic", "name": "sine", "noise": 0.0}, ".")
    np.testing.assert_allclose(d.y_train[:, 0], np.sin(2 * np.pi * d.x_train[:, 0]), atol=1e-5)


def test_synthetic_classes_and_bad_params():
    d = load_dataset({"source": "synthetic", "name": "spiral", "classes": 5, "samples": 50}, ".")
    assert d.class_names == ["0", "1", "2", "3", "4"]
    for bad in ({"name": "torus"}, {"samples": 0}, {"noise": -1}, {"seed": "x"}):
        with pytest.raises(DataError, match="synthetic"):
            load_dataset({"source": "synthetic", **bad}, ".")
    with pytest.raises(DataError, match="unknown source"):
        load_dataset({"source": "ftp"}, ".")


def test_npz_path_that_is_a_folder(tmp_path):
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(DataError, match=r"^d.npz: is a folder, not an .npz file$"):
        load_npz(tmp_path)
