"""Network: DAG execution, fan-out gradient sums, state dicts."""

import numpy as np
import pytest

from bpstudio.engine.gradcheck import gradcheck_network
from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.errors import GraphError, WeightsError


def _fanout_net(dtype=np.float64):
    """x -> fc1 -> tanh, whose output feeds THREE consumers (fc2, fc3 and an Add)."""
    L = LAYERS
    nodes = [
        NodeSpec("fc1", L["Dense"](units=6), ["x"]),
        NodeSpec("t", L["Tanh"](), ["fc1"]),
        NodeSpec("fc2", L["Dense"](units=6), ["t"]),
        NodeSpec("fc3", L["Dense"](units=6), ["t"]),
        NodeSpec("s", L["Sigmoid"](), ["fc3"]),
        NodeSpec("sum", L["Add"](), ["fc2", "s", "t"]),
        NodeSpec("cat", L["Concat"](), ["sum", "t"]),
        NodeSpec("out", L["Dense"](units=3), ["cat"]),
    ]
    net = Network(nodes, "x", "out", LOSSES["CrossEntropyLoss"](), dtype=dtype)
    net.build((4,), np.random.default_rng(1))
    return net


def test_fanout_dag_gradcheck():
    net = _fanout_net()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4))
    y = rng.integers(0, 3, 5)
    errors = gradcheck_network(net, x, y)
    assert set(errors) == set(net.named_params())
    assert max(errors.values()) < 1e-6, errors


def test_shapes_and_state_dict_layout():
    net = _fanout_net(np.float32)
    assert net.shapes["cat"] == (12,)
    sd = net.state_dict()
    assert sd["fc1.weight"].shape == (6, 4) and sd["fc1.weight"].dtype == np.float32
    assert sd["out.weight"].shape == (3, 12)


def test_load_state_dict_reports_by_name():
    net = _fanout_net(np.float32)
    sd = net.state_dict()
    sd["extra.weight"] = np.zeros(2, np.float32)
    sd["fc2.weight"] = np.zeros((5, 6), np.float32)
    del sd["fc3.bias"]
    report = net.load_state_dict(sd, strict=False)
    assert report.missing == ["fc3.bias"]
    assert report.unexpected == ["extra.weight"]
    assert report.mismatched == [("fc2.weight", (6, 6), (5, 6))]
    assert "fc1.weight" in report.loaded
    with pytest.raises(WeightsError, match="fc2.weight"):
        net.load_state_dict(sd, strict=True)


def test_round_trip_state_dict_gives_identical_outputs():
    a, b = _fanout_net(np.float32), _fanout_net(np.float32)
    for p in b.named_params().values():
        p[...] = 0
    b.load_state_dict(a.state_dict())
    x = np.random.default_rng(3).normal(size=(7, 4)).astype(np.float32)
    np.testing.assert_array_equal(a.predict(x), b.predict(x))


def test_shape_error_names_the_node():
    nodes = [
        NodeSpec("fc1", LAYERS["Dense"](units=3), ["x"]),
        NodeSpec("fc2", LAYERS["Dense"](units=5), ["x"]),
        NodeSpec("add", LAYERS["Add"](), ["fc1", "fc2"]),
    ]
    net = Network(nodes, "x", "add", LOSSES["MSELoss"]())
    with pytest.raises(GraphError, match="'add'"):
        net.build((2,), np.random.default_rng(0))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # NaN on purpose
def test_first_non_finite_names_the_node():
    net = _fanout_net(np.float32)
    x = np.ones((2, 4), np.float32)
    net.named_params()["fc3.weight"][0, 0] = np.inf
    net.loss(x, np.array([0, 1]))
    net.backward()
    assert net.first_non_finite() == ("fc3", "forward")
