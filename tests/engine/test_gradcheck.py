"""gradcheck itself: it passes correct layers, catches wrong ones, and checks whole
networks (a DAG with fan-out to three consumers, BatchNorm, Dropout) without leaving
a trace on them."""

from __future__ import annotations

import numpy as np
import pytest

from bpstudio.engine.gradcheck import gradcheck_layer, gradcheck_network, rel_error
from bpstudio.engine.layers import (
    Add,
    BatchNorm,
    Concat,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Tanh,
)
from bpstudio.engine.losses import CrossEntropyLoss, MSELoss
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.errors import BpError


class WrongDense(Dense):
    """Dense with a deliberately wrong weight gradient."""

    def backward(self, dy):
        out = super().backward(dy)
        self.grads["weight"] *= 1.01
        return out


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([0.0], [0.0]) == 0.0
    assert rel_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2))
    # A zero gradient measured with noise is judged against the floor, not itself.
    assert rel_error([0.0], [1e-10], floor=1e-3) == pytest.approx(1e-7)


def test_layer_check_names_inputs_and_params():
    errs = gradcheck_layer(Dense(units=3), [(4, 5)], np.random.default_rng(0))
    assert set(errs) == {"input0", "weight", "bias"}
    assert max(errs.values()) < 1e-8
    errs = gradcheck_layer(Add(), [(2, 3)] * 3, np.random.default_rng(0))
    assert set(errs) == {"input0", "input1", "input2"}


def test_layer_check_catches_a_wrong_gradient():
    errs = gradcheck_layer(WrongDense(units=3), [(4, 5)], np.random.default_rng(0))
    assert errs["weight"] > 1e-3
    assert errs["bias"] < 1e-8


def _fanout_network(head_b=None):
    """x -> fc1 -> tanh, whose output feeds three Dense heads summed by Add."""
    nodes = [
        NodeSpec("fc1", Dense(units=6), ["x"]),
        NodeSpec("act", Tanh(), ["fc1"]),
        NodeSpec("a", Dense(units=3), ["act"]),
        NodeSpec("b", head_b or Dense(units=3, init="xavier_normal"), ["act"]),
        NodeSpec("c", Dense(units=3, init="kaiming_uniform"), ["act"]),
        NodeSpec("sum", Add(), ["a", "b", "c"]),
    ]
    return Network(nodes, "x", "sum", CrossEntropyLoss(), dtype=np.float64)


def test_network_with_fan_out_to_three_consumers():
    rng = np.random.default_rng(0)
    net = _fanout_network()
    net.build((4,), rng)
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    errs = gradcheck_network(net, x, y)
    assert set(errs) == set(net.named_params())
    assert max(errs.values()) < 1e-6, errs


def _conv_network():
    """conv -> batchnorm -> relu -> maxpool -> [flatten, dropout] -> concat -> dense."""
    nodes = [
        NodeSpec("conv", Conv2D(filters=3, kernel=3, stride=1, padding=1), ["x"]),
        NodeSpec("bn", BatchNorm(), ["conv"]),
        NodeSpec("relu", ReLU(), ["bn"]),
        NodeSpec("pool", MaxPool2D(size=2), ["relu"]),
        NodeSpec("flat", Flatten(), ["pool"]),
        NodeSpec("drop", Dropout(rate=0.3), ["flat"]),
        NodeSpec("cat", Concat(), ["flat", "drop"]),
        NodeSpec("fc", Dense(units=2), ["cat"]),
    ]
    return Network(nodes, "x", "fc", MSELoss(), dtype=np.float64)


def test_conv_network_with_batchnorm_and_dropout_is_left_untouched():
    rng = np.random.default_rng(1)
    net = _conv_network()
    net.build((2, 6, 6), rng)
    x, y = rng.standard_normal((4, 2, 6, 6)), rng.standard_normal((4, 2))
    buffers = {k: v.copy() for k, v in net.named_buffers().items()}
    params = {k: v.copy() for k, v in net.named_params().items()}
    drop_rng = net.nodes[5].layer.rng
    errs = gradcheck_network(net, x, y, max_entries=20)
    assert max(errs.values()) < 1e-6, errs
    for k, v in net.named_buffers().items():
        np.testing.assert_array_equal(v, buffers[k])
    for k, v in net.named_params().items():
        np.testing.assert_array_equal(v, params[k])
    assert net.nodes[5].layer.rng is drop_rng


def test_network_check_catches_a_wrong_layer():
    rng = np.random.default_rng(0)
    net = _fanout_network(head_b=WrongDense(units=3))
    net.build((4,), rng)
    errs = gradcheck_network(net, rng.standard_normal((5, 4)), rng.integers(0, 3, 5))
    assert errs["b.weight"] > 1e-3
    assert errs["a.weight"] < 1e-6


def test_network_check_refuses_float32():
    net = Network([NodeSpec("fc", Dense(units=2), ["x"])], "x", "fc", MSELoss())
    net.build((3,), np.random.default_rng(0))
    with pytest.raises(BpError, match="float64"):
        gradcheck_network(net, np.zeros((2, 3)), np.zeros((2, 2)))
