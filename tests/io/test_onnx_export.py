"""ONNX export: structure and checker, and onnxruntime reproducing the engine to 1e-4."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from bpstudio.errors import GraphError, WeightsError
from bpstudio.io.onnx_export import OPSET, build_model, export_onnx

from .helpers import build_network, chain, node
from .models import CASES

ort = pytest.importorskip("onnxruntime")


def run_onnx(model_or_path, x: np.ndarray) -> np.ndarray:
    data = (
        model_or_path.SerializeToString() if hasattr(model_or_path, "graph") else str(model_or_path)
    )
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return sess.run(["output"], {"input": x})[0]


@pytest.mark.parametrize("name", list(CASES))
def test_onnxruntime_reproduces_the_engine(tmp_path, name):
    case = CASES[name](tmp_path)
    path = export_onnx(tmp_path / "m.onnx", case.network.state_dict(), case.metadata)
    want = case.network.predict(case.x)
    got = run_onnx(path, case.raw)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-4, rtol=0)
    # the batch dimension is dynamic: one row at a time gives the same answer
    np.testing.assert_allclose(run_onnx(path, case.raw[:1]), want[:1], atol=1e-4, rtol=0)


def test_model_contract(tmp_path):
    case = CASES["mlp_csv"](tmp_path)
    model = onnx.load(export_onnx(tmp_path / "m.onnx", case.network.state_dict(), case.metadata))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version >= 17 == OPSET
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.name == "input" and out.name == "output"
    in_dims = inp.type.tensor_type.shape.dim
    assert in_dims[0].dim_param and [d.dim_value for d in in_dims[1:]] == [5]
    assert [d.dim_value for d in out.type.tensor_type.shape.dim[1:]] == [2]
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["class_names"]) == ["no", "yes"]
    assert json.loads(props["categories"]) == {"colour": ["blue", "green", "red"]}
    assert json.loads(props["bpstudio"])["graph"] == case.graph
    inits = {i.name for i in model.graph.initializer}
    assert {"fc1.weight", "bn1.running_var", "normalize.shift"} <= inits
    ops = [n.op_type for n in model.graph.node]
    assert ops[:2] == ["Sub", "Div"]  # the normalisation comes first
    assert "Erf" in ops and "Dropout" not in ops
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim[1:]]
              for v in model.graph.value_info}  # fmt: skip
    assert shapes["fc1"] == [8] and shapes["normalized"] == [5]  # edges labelled in Netron


def test_dag_leaves_out_nodes_off_the_loss_path(tmp_path):
    case = CASES["dag_add_concat"](tmp_path)
    model = build_model(case.network.state_dict(), case.metadata)
    names = {n.name for n in model.graph.node}
    assert "unused" not in names and {"sum/add1", "sum/add2", "cat"} <= names


def test_no_normalisation_feeds_input_straight_in(tmp_path):
    graph = chain([node("fc", "Dense", units=3)], loss="MSELoss")
    net = build_network(graph, (4,))
    meta = {"graph": graph, "input_shape": [4], "task": "regression", "transform": None}
    model = build_model(net.state_dict(), meta)
    assert [n.op_type for n in model.graph.node] == ["Gemm"]
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(run_onnx(model, x), net.predict(x), atol=1e-5)


def test_missing_tensor_and_unknown_op_are_clear(tmp_path):
    graph = chain([node("fc", "Dense", units=3)])
    meta = {"graph": graph, "input_shape": [4]}
    with pytest.raises(WeightsError, match="node 'fc': the weights have no tensor 'fc.weight'"):
        build_model({}, meta)
    bad = chain([node("odd", "Mystery")])
    with pytest.raises(GraphError, match="node 'odd': unknown op 'Mystery'"):
        build_model({}, {"graph": bad, "input_shape": [4]})
