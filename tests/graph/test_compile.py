from types import SimpleNamespace

import numpy as np
import pytest

from bpstudio.errors import GraphError
from bpstudio.graph.compile import compile_graph, output_units_needed, task_of
from bpstudio.graph.document import Graph, Node
from tests.graph.helpers import chain, iris


def test_compile_builds_and_trains_a_step():
    net = compile_graph(iris())
    assert [n.id for n in net.nodes] == ["fc1", "act1", "fc2"]
    assert (net.input_id, net.output_id) == ("x", "fc2")
    net.build((4,), np.random.default_rng(0))
    assert net.named_params()["fc1.weight"].shape == (16, 4)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    loss = net.loss(x, np.array([0, 1, 2, 0, 1]))
    assert np.isfinite(float(loss))
    net.backward()
    assert net.named_grads()["fc2.bias"].shape == (3,)


def test_compile_passes_params_and_keeps_input_order():
    g = Graph.from_dict(
        {
            "nodes": [
                {"id": "x", "op": "Input"},
                {"id": "a", "op": "Dense", "params": {"units": 3, "bias": False}},
                {"id": "b", "op": "Dense", "params": {"units": 2, "init": "xavier_normal"}},
                {"id": "cat", "op": "Concat"},
                {"id": "loss", "op": "MSELoss"},
                {"id": "side", "op": "ReLU"},
            ],
            "edges": [
                ["x", "a"],
                ["x", "b"],
                ["b", "cat"],
                ["a", "cat"],
                ["cat", "loss"],
                ["a", "side"],
            ],
        }
    )
    net = compile_graph(g, (4,), dtype=np.float64)
    by_id = {n.id: n for n in net.nodes}
    assert set(by_id) == {"a", "b", "cat"}  # the side branch is left out
    assert by_id["cat"].inputs == ["b", "a"]
    net.build((4,), np.random.default_rng(0))
    assert "a.bias" not in net.named_params() and net.shapes["cat"] == (5,)
    assert net.dtype == np.float64


def test_compile_refuses_with_the_first_error():
    g = chain(("Dense", {"units": 3}), ("Dense", {"units": 3}), ("MSELoss", {}))
    g.edges.append(("x", "n1"))
    with pytest.raises(GraphError) as e:
        compile_graph(g)
    assert e.value.node_id == "n1" and str(e.value) == "node 'n1': Dense needs 1 input, got 2"


def test_compile_needs_a_shape():
    g = iris()
    g.nodes["x"].params = {}
    with pytest.raises(GraphError, match="node 'x': the Input has no shape"):
        compile_graph(g)
    assert compile_graph(g, (4,)).input_id == "x"
    with pytest.raises(GraphError, match="does not fit the data"):
        compile_graph(iris(), (3,))


def test_task_of():
    assert task_of(iris()) == "classification"
    assert task_of(chain(("Dense", {"units": 1}), ("BCEWithLogitsLoss", {}))) == "binary"
    assert (
        task_of(
            chain(
                ("MSELoss", {}),
            )
        )
        == "regression"
    )
    assert (
        task_of(
            chain(
                ("ReLU", {}),
            )
        )
        is None
    )
    g = iris()
    g.add_node(Node("l2", "MSELoss"))
    assert task_of(g) is None


def dataset(task="classification", classes=("a", "b", "c"), y_cols=1, shape=(4,)):
    y = np.zeros((10, y_cols), np.float32) if task == "regression" else np.zeros(10, np.int64)
    names = list(classes) if task == "classification" else None
    return SimpleNamespace(task=task, class_names=names, y_train=y, input_shape=shape)


def test_output_units_match():
    assert output_units_needed(iris(), dataset()) is None
    p = output_units_needed(iris(), dataset(classes="abcd"))
    assert (p.node_id, p.message) == (
        "fc2",
        "Dense has 3 units, but the data has 4 classes: set units to 4",
    )


def test_output_units_for_bce_and_mse():
    bce = chain(("Dense", {"units": 2}), ("Sigmoid", {}), ("BCEWithLogitsLoss", {}))
    assert output_units_needed(bce, dataset(classes="ab")).message.endswith("set units to 1")
    bce.nodes["n0"].params["units"] = 1
    assert output_units_needed(bce, dataset(classes="ab")) is None
    assert "is for 2 classes" in output_units_needed(bce, dataset()).message
    mse = chain(("Dense", {"units": 1}), ("MSELoss", {}))
    assert output_units_needed(mse, dataset("regression")) is None
    p = output_units_needed(mse, dataset("regression", y_cols=2))
    assert p.message == "Dense has 1 units, but the data has 2 target columns: set units to 2"


def test_output_task_mismatch_and_no_dense():
    mse = chain(("Dense", {"units": 3}), ("MSELoss", {}))
    assert "use CrossEntropyLoss" in output_units_needed(mse, dataset()).message
    assert "use MSELoss" in output_units_needed(iris(), dataset("regression")).message
    flat = chain(("Flatten", {}), ("CrossEntropyLoss", {}), shape=(2, 3))
    p = output_units_needed(flat, dataset(shape=(2, 3)))
    assert (p.node_id, p.message) == (
        "n0",
        "the network ends with shape (6,), but the data has 3 classes",
    )
