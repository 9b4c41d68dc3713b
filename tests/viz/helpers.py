"""Small engine networks and 2-D data for the viz tests (no graph or data package needed)."""

from __future__ import annotations

import numpy as np

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec


def mlp(
    act="ReLU", depth=2, width=8, n_in=2, n_out=3, init="default", loss="CrossEntropyLoss", seed=0
) -> Network:
    """Input -> depth x (Dense(width), act) -> Dense(n_out) -> loss, built from ``seed``."""
    nodes, prev = [], "x"
    for i in range(1, depth + 1):
        nodes.append(NodeSpec(f"fc{i}", LAYERS["Dense"](units=width, init=init), [prev]))
        nodes.append(NodeSpec(f"act{i}", LAYERS[act](), [f"fc{i}"]))
        prev = f"act{i}"
    nodes.append(NodeSpec("out", LAYERS["Dense"](units=n_out, init=init), [prev]))
    net = Network(nodes, "x", "out", LOSSES[loss]())
    net.build((n_in,), np.random.default_rng(seed))
    return net


def spiral(n=300, classes=3, seed=0, noise=0.1) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spirals: x float32 (n, 2), y int64 (n,)."""
    rng = np.random.default_rng(seed)
    per = n // classes
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.05, 1.0, per)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, per) + rng.standard_normal(per) * noise
        xs.append(np.c_[r * np.sin(t), r * np.cos(t)])
        ys.append(np.full(per, k))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)
