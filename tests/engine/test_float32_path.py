"""A float32 network stays float32 through a whole training step.

A silent float64 upcast (a float64 scalar, a one-hot in float64, an integer mask turned
into float64) doubles the memory traffic of everything after it: measured at 3x slower
for an MLP. These tests walk every array a step touches.
"""

import numpy as np
import pytest

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.optim import make_optimizer


def _image_net(loss: str, outputs: int) -> Network:
    """Every image layer once, a skip connection (Add) and a Concat."""
    L = LAYERS
    nodes = [
        NodeSpec("conv", L["Conv2D"](filters=4, kernel=3, padding=1), ["x"]),
        NodeSpec("bn", L["BatchNorm"](), ["conv"]),
        NodeSpec("relu", L["ReLU"](), ["bn"]),
        NodeSpec("conv2", L["Conv2D"](filters=4, kernel=3, padding=1), ["relu"]),
        NodeSpec("skip", L["Add"](), ["relu", "conv2"]),
        NodeSpec("maxp", L["MaxPool2D"](size=2), ["skip"]),
        NodeSpec("avgp", L["AvgPool2D"](size=2), ["skip"]),
        NodeSpec("cat", L["Concat"](), ["maxp", "avgp"]),
        NodeSpec("flat", L["Flatten"](), ["cat"]),
        NodeSpec("drop", L["Dropout"](rate=0.2), ["flat"]),
        NodeSpec("fc", L["Dense"](units=8), ["drop"]),
        NodeSpec("out", L["Dense"](units=outputs), ["fc"]),
    ]
    return Network(nodes, "x", "out", LOSSES[loss]())


def _flat_net(loss: str, outputs: int) -> Network:
    """Every elementwise activation once, in a chain of Dense layers."""
    nodes, prev = [], "x"
    for i, act in enumerate(("Tanh", "Sigmoid", "GELU", "LeakyReLU", "Softmax")):
        nodes.append(NodeSpec(f"fc{i}", LAYERS["Dense"](units=6), [prev]))
        nodes.append(NodeSpec(f"a{i}", LAYERS[act](), [f"fc{i}"]))
        prev = f"a{i}"
    nodes.append(NodeSpec("out", LAYERS["Dense"](units=outputs), [prev]))
    return Network(nodes, "x", "out", LOSSES[loss]())


def _targets(loss: str, rng, n: int, outputs: int):
    if loss == "CrossEntropyLoss":
        return rng.integers(0, outputs, n)
    if loss == "BCEWithLogitsLoss":
        return rng.integers(0, 2, n).astype(np.float32)
    return rng.normal(size=(n, outputs)).astype(np.float32)


def _assert_float32(where: str, arrays: dict) -> None:
    for name, arr in arrays.items():
        if arr is not None and getattr(arr, "ndim", 0) > 0:
            assert arr.dtype == np.float32, f"{where} {name} is {arr.dtype}"


@pytest.mark.parametrize("build", [_image_net, _flat_net])
@pytest.mark.parametrize(
    "loss, outputs",
    [("CrossEntropyLoss", 3), ("BCEWithLogitsLoss", 1), ("MSELoss", 2)],
)
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad", "adamw"])
def test_a_training_step_stays_float32(build, loss, outputs, optimizer):
    rng = np.random.default_rng(0)
    net = build(loss, outputs)
    shape = (1, 8, 8) if build is _image_net else (5,)
    net.build(shape, rng)
    x = rng.normal(size=(6, *shape)).astype(np.float32)
    opt = make_optimizer(optimizer, net.named_params(), lr=0.01)
    for _ in range(2):  # the second step runs on reused buffers and optimiser state
        loss_value = net.loss(x, _targets(loss, rng, 6, outputs))
        net.backward()
        opt.step(net.named_grads())
    assert loss_value.dtype == np.float32
    _assert_float32("activation", net.activations)
    _assert_float32("output gradient", net.out_grads)
    _assert_float32("gradient", net.named_grads())
    _assert_float32("parameter", net.named_params())
    state = opt.state_dict()["state"]
    _assert_float32("optimiser state", state)
