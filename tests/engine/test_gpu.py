"""The CuPy path: the same engine code on a GPU agrees with NumPy to float32 tolerance.

Every test here skips where CuPy or a CUDA device is missing.
"""

import numpy as np
import pytest

from bpstudio.engine.backend import to_numpy
from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import TrainConfig, TrainData, Trainer

pytestmark = pytest.mark.gpu

CASES = [
    ("Dense", {"units": 7}, [(5, 6)]),
    ("Conv2D", {"filters": 4, "kernel": 3, "stride": 2, "padding": 1}, [(3, 2, 9, 8)]),
    ("MaxPool2D", {"size": 3, "stride": 2}, [(2, 3, 9, 9)]),
    ("AvgPool2D", {"size": 2}, [(2, 3, 8, 8)]),
    ("Flatten", {}, [(2, 3, 4, 4)]),
    ("BatchNorm", {}, [(6, 5)]),
    ("BatchNorm", {}, [(4, 3, 5, 5)]),
    ("ReLU", {}, [(4, 9)]),
    ("LeakyReLU", {"slope": 0.1}, [(4, 9)]),
    ("Sigmoid", {}, [(4, 9)]),
    ("Tanh", {}, [(4, 9)]),
    ("GELU", {}, [(4, 9)]),
    ("Softmax", {}, [(4, 9)]),
    ("Add", {}, [(4, 5), (4, 5)]),
    ("Concat", {}, [(2, 3, 4, 4), (2, 5, 4, 4)]),
]


def _run_layer(op, params, shapes, xp, training):
    layer = LAYERS[op](**params)
    layer.build([s[1:] for s in shapes], xp, np.float32, np.random.default_rng(0))
    layer.training = training
    rng = np.random.default_rng(1)
    xs = [xp.asarray(rng.standard_normal(s), dtype=np.float32) for s in shapes]
    y = layer.forward(xs)
    dy = xp.asarray(rng.standard_normal(y.shape), dtype=np.float32)
    dxs = layer.backward(dy)
    out = {"y": to_numpy(y)}
    out.update({f"dx{i}": to_numpy(d) for i, d in enumerate(dxs) if d is not None})
    out.update({f"g.{k}": to_numpy(v) for k, v in layer.grads.items()})
    out.update({f"b.{k}": to_numpy(v) for k, v in layer.buffers.items()})
    return out


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(("op", "params", "shapes"), CASES)
def test_layer_cpu_gpu_agree(gpu_xp, op, params, shapes, training):
    cpu = _run_layer(op, params, shapes, np, training)
    gpu = _run_layer(op, params, shapes, gpu_xp, training)
    for k in cpu:
        np.testing.assert_allclose(gpu[k], cpu[k], rtol=2e-4, atol=2e-5, err_msg=f"{op} {k}")


@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "BCEWithLogitsLoss", "MSELoss"])
def test_loss_cpu_gpu_agree(gpu_xp, loss):
    rng = np.random.default_rng(0)
    pred = rng.standard_normal((8, 3 if loss != "BCEWithLogitsLoss" else 1)) * 5
    target = {
        "CrossEntropyLoss": rng.integers(0, 3, 8),
        "BCEWithLogitsLoss": rng.integers(0, 2, 8).astype(np.float32),
        "MSELoss": rng.standard_normal((8, 3)),
    }[loss]
    results = []
    for xp in (np, gpu_xp):
        fn = LOSSES[loss]()
        t = xp.asarray(target) if loss == "CrossEntropyLoss" else xp.asarray(target, np.float32)
        value = fn.forward(xp.asarray(pred, np.float32), t)
        results.append((float(value), to_numpy(fn.backward())))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-4, atol=1e-6)


def _small_cnn(xp):
    L = LAYERS
    nodes = [
        NodeSpec("c1", L["Conv2D"](filters=4, kernel=3, padding=1), ["x"]),
        NodeSpec("bn", L["BatchNorm"](), ["c1"]),
        NodeSpec("r1", L["ReLU"](), ["bn"]),
        NodeSpec("p1", L["MaxPool2D"](size=2), ["r1"]),
        NodeSpec("f", L["Flatten"](), ["p1"]),
        NodeSpec("out", L["Dense"](units=3), ["f"]),
    ]
    net = Network(nodes, "x", "out", LOSSES["CrossEntropyLoss"](), xp=xp)
    net.build((1, 8, 8), np.random.default_rng(0))
    return net


@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_training_cpu_gpu_agree(gpu_xp, opt):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    finals = []
    for xp in (np, gpu_xp):
        net = _small_cnn(xp)
        optimizer = make_optimizer(opt, net.named_params(), lr=0.01)
        cfg = TrainConfig(epochs=2, batch_size=16, stats_interval=None)
        list(Trainer(net, optimizer, TrainData(x, y), cfg).run())
        finals.append(net.state_dict())
    for k in finals[0]:
        np.testing.assert_allclose(finals[1][k], finals[0][k], rtol=1e-3, atol=1e-4, err_msg=k)
