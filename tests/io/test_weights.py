"""Weights files: round trips, metadata, refusals (truncated, corrupt, pickled), load reports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpstudio.errors import WeightsError
from bpstudio.io.weights import NPZ_META, load_into_network, load_weights, save_weights

from .helpers import build_network, chain, node

META = {"graph": {"nodes": [], "edges": []}, "class_names": ["a", "b"], "task": "classification"}
TENSORS = {
    "fc1.weight": np.arange(12, dtype=np.float32).reshape(3, 4),
    "fc1.bias": np.array([0.1, -2.5, 3e-8], np.float32),
    "bn1.running_var": np.ones(3, np.float32),
}


@pytest.fixture(params=["safetensors", "npz"])
def ext(request):
    return request.param


def test_round_trip_is_exact(tmp_path, ext):
    path = save_weights(tmp_path / f"w.{ext}", TENSORS, META)
    tensors, meta = load_weights(path)
    assert meta == META
    assert set(tensors) == set(TENSORS)
    for k, v in TENSORS.items():
        assert tensors[k].dtype == np.float32
        np.testing.assert_array_equal(tensors[k], v)
    assert [p.name for p in tmp_path.iterdir()] == [f"w.{ext}"]  # no temp file left


def test_float64_input_is_saved_as_float32(tmp_path, ext):
    path = save_weights(tmp_path / f"w.{ext}", {"a.weight": np.ones((2, 2))}, {})
    assert load_weights(path)[0]["a.weight"].dtype == np.float32


def test_safetensors_metadata_layout(tmp_path):
    from safetensors import safe_open

    path = save_weights(tmp_path / "w.safetensors", TENSORS, META)
    with safe_open(str(path), framework="np") as f:
        assert json.loads(f.metadata()["bpstudio"]) == META
        assert f.get_tensor("fc1.weight").shape == (3, 4)


def test_npz_metadata_layout(tmp_path):
    path = save_weights(tmp_path / "w.npz", TENSORS, META)
    with np.load(path, allow_pickle=False) as npz:
        meta = npz[NPZ_META]
        assert meta.shape == () and meta.dtype.kind == "U"
        assert json.loads(str(meta)) == META


def test_foreign_file_without_metadata_loads(tmp_path):
    np.savez(tmp_path / "plain.npz", **{"fc1.weight": np.ones((2, 3), np.float32)})
    tensors, meta = load_weights(tmp_path / "plain.npz")
    assert meta == {} and tensors["fc1.weight"].shape == (2, 3)


@pytest.mark.parametrize("keep", [0.5, 0.99, 0.02])
def test_truncated_file_is_a_clear_error(tmp_path, ext, keep):
    big = {"w.weight": np.ones((200, 100), np.float32)}
    data = save_weights(tmp_path / f"w.{ext}", big, META).read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(WeightsError, match=r"cut\.\w+: (truncated|not an)"):
        load_weights(cut)


def test_garbage_is_a_clear_error(tmp_path, ext):
    bad = tmp_path / f"bad.{ext}"
    bad.write_bytes(b"\x00garbage" * 20)
    with pytest.raises(WeightsError, match=r"bad\.\w+: "):
        load_weights(bad)


def test_pickled_npz_is_refused(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, w=np.array([{"payload": 1}], dtype=object))  # object arrays pickle
    with pytest.raises(WeightsError, match="evil.npz: holds pickled"):
        load_weights(evil)


def test_npz_with_plain_npy_inside_zip_name_is_refused(tmp_path):
    fake = tmp_path / "fake.npz"
    np.save(fake.with_suffix(".npy"), np.ones(3))
    fake.write_bytes(fake.with_suffix(".npy").read_bytes())
    with pytest.raises(WeightsError, match="fake.npz: not an .npz"):
        load_weights(fake)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(WeightsError, match=r"w\.pt: unknown weights format '\.pt'"):
        save_weights(tmp_path / "w.pt", TENSORS, META)
    with pytest.raises(WeightsError, match="no such file"):
        load_weights(tmp_path / "absent.npz")


def test_non_numeric_tensor_is_refused(tmp_path):
    np.savez(tmp_path / "s.npz", names=np.array(["a", "b"]))
    with pytest.raises(WeightsError, match="tensor 'names' is not numeric"):
        load_weights(tmp_path / "s.npz")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_tensor_is_refused_by_name(tmp_path, bad):
    # Loaded, it made training "diverge at step 0" with advice about the learning rate.
    w = np.ones((2, 3), np.float32)
    w[1, 2] = bad
    np.savez(tmp_path / "w.npz", **{"fc1.weight": w})
    with pytest.raises(WeightsError, match=r"^w.npz: tensor 'fc1.weight' holds NaN or infinite"):
        load_weights(tmp_path / "w.npz")
    np.savez(tmp_path / "c.npz", **{"fc1.weight": w.astype(np.complex64)})
    with pytest.raises(WeightsError, match=r"tensor 'fc1.weight' is not numeric \(complex64\)"):
        load_weights(tmp_path / "c.npz")


def test_failed_write_keeps_the_old_file(tmp_path):
    path = save_weights(tmp_path / "w.npz", TENSORS, META)
    with pytest.raises(ValueError):  # NaN is not JSON: the write fails before replace
        save_weights(path, TENSORS, {"bad": float("nan")})
    assert load_weights(path)[1] == META
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]


# ------------------------------------------------------------------ networks
MLP = chain([node("fc1", "Dense", units=5), node("act", "Tanh"), node("fc2", "Dense", units=3)])


def test_network_round_trip(tmp_path, ext):
    net = build_network(MLP, (4,), seed=1)
    path = save_weights(tmp_path / f"m.{ext}", net.state_dict(), {})
    other = build_network(MLP, (4,), seed=2)
    report = load_into_network(other, path)
    assert report.ok and sorted(report.loaded) == sorted(net.state_dict())
    x = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_edited_graph_gets_a_report_by_name(tmp_path):
    net = build_network(MLP, (4,))
    path = save_weights(tmp_path / "m.safetensors", net.state_dict(), {})
    edited = chain([node("fc1", "Dense", units=7), node("act", "Tanh"),
                    node("fc3", "Dense", units=3)])  # fmt: skip
    other = build_network(edited, (4,))
    with pytest.raises(WeightsError) as err:
        load_into_network(other, path)
    msg = str(err.value)
    assert msg.startswith("m.safetensors: ") and "\n" not in msg
    assert "missing fc3.weight, fc3.bias" in msg
    assert "unexpected fc2.bias, fc2.weight" in msg  # safetensors keeps names sorted
    assert "fc1.weight has shape (5, 4), the network needs (7, 4)" in msg
    report = load_into_network(other, path, strict=False)
    assert report.loaded == [] and not report.ok
