"""PyTorch code export: the generated model.py with the exported weights reproduces bpstudio."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from bpstudio.io.torch_export import export_torch, py_names

from .helpers import build_network, chain, node
from .models import CASES

torch = pytest.importorskip("torch")


def import_generated(path):
    spec = importlib.util.spec_from_file_location(f"generated_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_generated(path, raw: np.ndarray) -> np.ndarray:
    model = import_generated(path).load_model()
    with torch.no_grad():
        return model(torch.from_numpy(raw)).numpy()


@pytest.mark.parametrize("name", list(CASES))
def test_generated_module_reproduces_the_engine(tmp_path, name):
    case = CASES[name](tmp_path)
    py, weights = export_torch(tmp_path / "model.py", case.network.state_dict(), case.metadata)
    assert weights.name == "model.safetensors" and weights.exists()
    got = run_generated(py, case.raw)
    np.testing.assert_allclose(got, case.network.predict(case.x), atol=1e-4, rtol=0)


def test_generated_code_is_plain_and_compiles(tmp_path):
    case = CASES["cnn_images"](tmp_path)
    py, _ = export_torch(tmp_path / "model.py", case.network.state_dict(), case.metadata)
    source = py.read_text()
    assert "import bpstudio" not in source and "from bpstudio" not in source
    assert "load_file" in source and 'WEIGHTS = "model.safetensors"' in source
    assert "self.conv1 = nn.Conv2d(3, 4, kernel_size=(3, 3)" in source
    assert "        pool1 = self.pool1(relu1)" in source  # one line per node, in order
    compile(source, str(py), "exec")
    module = import_generated(py)
    assert module.CLASS_NAMES == ["cat", "dog"] and module.INPUT_SHAPE == (3, 10, 12)


def test_runs_as_a_script_in_a_fresh_process(tmp_path):
    case = CASES["mlp_csv"](tmp_path)
    py, _ = export_torch(tmp_path / "model.py", case.network.state_dict(), case.metadata)
    done = subprocess.run([sys.executable, str(py)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Linear(in_features=5, out_features=8" in done.stdout


def test_awkward_node_ids_become_identifiers(tmp_path):
    names = py_names(["x", "fc-1", "1st", "class", "eval", "fc_1"])
    assert names == {"x": "n_x", "fc-1": "fc_1", "1st": "n_1st", "class": "n_class",
                     "eval": "n_eval", "fc_1": "fc_1_2"}  # fmt: skip
    graph = chain([node("fc-1", "Dense", units=4), node("class", "ReLU"),
                   node("eval", "Dense", units=2)], loss="MSELoss")  # fmt: skip
    net = build_network(graph, (3,))
    meta = {"graph": graph, "input_shape": [3], "task": "regression"}
    py, _ = export_torch(tmp_path / "odd.py", net.state_dict(), meta)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(run_generated(py, x), net.predict(x), atol=1e-5, rtol=0)


def test_weights_come_back_from_pytorch(tmp_path):
    from bpstudio.io.weights import load_into_network

    case = CASES["cnn_images"](tmp_path)
    py, _ = export_torch(tmp_path / "model.py", case.network.state_dict(), case.metadata)
    module = import_generated(py)
    model = module.load_model()
    with torch.no_grad():
        model.fc.bias += 1.0  # "fine-tuned in PyTorch"
    module.save_model(model, tmp_path / "back.safetensors")
    report = load_into_network(case.network, tmp_path / "back.safetensors")
    assert report.ok
    np.testing.assert_allclose(run_generated(py, case.raw) + 1.0, case.network.predict(case.x),
                               atol=1e-4)  # fmt: skip
