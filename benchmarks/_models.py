"""The two benchmark networks, built in the engine and mirrored in PyTorch.

Both frameworks start from the engine's initial weights (copied into the torch
modules, whose layouts are the engine's), train on the same synthetic batches in the
same order, and must reach the same losses: otherwise a speed ratio means nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import TrainConfig, TrainData, Trainer


@dataclass(frozen=True)
class Case:
    """One benchmark case: the network, data size, batch and the SGD learning rate."""

    name: str
    layers: tuple  # ((node id, op, params), ...) in order, each fed by the previous
    input_shape: tuple[int, ...]
    samples: int
    batch: int
    lr: float = 0.05

    @property
    def n_batches(self) -> int:
        return math.ceil(self.samples / self.batch)


MLP = Case(
    "MLP 784-256-128-10",
    (
        ("fc1", "Dense", {"units": 256}),
        ("act1", "ReLU", {}),
        ("fc2", "Dense", {"units": 128}),
        ("act2", "ReLU", {}),
        ("fc3", "Dense", {"units": 10}),
    ),
    (784,),
    samples=60_000,
    batch=128,
)

CNN = Case(
    "CNN 2xconv3x3+pool, dense",
    (
        ("conv1", "Conv2D", {"filters": 8, "kernel": 3, "padding": 1}),
        ("act1", "ReLU", {}),
        ("pool1", "MaxPool2D", {"size": 2}),
        ("conv2", "Conv2D", {"filters": 16, "kernel": 3, "padding": 1}),
        ("act2", "ReLU", {}),
        ("pool2", "MaxPool2D", {"size": 2}),
        ("flat", "Flatten", {}),
        ("fc", "Dense", {"units": 10}),
    ),
    (1, 28, 28),
    samples=10_000,
    batch=64,
)

CASES = {"mlp": MLP, "cnn": CNN}


def synthetic(case: Case, samples: int | None = None, seed: int = 0):
    """(x float32 (N, *input_shape), y int64 (N,)): 10 classes with a learnable signal."""
    n = case.samples if samples is None else samples
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.normal(size=(n, *case.input_shape)).astype(np.float32)
    centres = rng.normal(size=(10, *case.input_shape)).astype(np.float32)
    x += 0.5 * centres[y]
    return x, y.astype(np.int64)


def engine_network(case: Case, seed: int = 0) -> Network:
    """The case as a built engine Network (float32, numpy), weights drawn from ``seed``."""
    nodes, prev = [], "x"
    for nid, op, params in case.layers:
        nodes.append(NodeSpec(nid, LAYERS[op](**params), [prev]))
        prev = nid
    net = Network(nodes, "x", prev, LOSSES["CrossEntropyLoss"]())
    net.build(case.input_shape, np.random.default_rng(seed))
    return net


def engine_trainer(case, x, y, epochs=1, seed=0, stats_interval=None, net=None) -> Trainer:
    """A Trainer for ``case`` with plain SGD; ``stats_interval`` None = no StatsEvents."""
    net = net if net is not None else engine_network(case, seed)
    opt = make_optimizer("sgd", net.named_params(), lr=case.lr)
    config = TrainConfig(
        epochs=epochs,
        batch_size=case.batch,
        seed=seed,
        stats_interval=stats_interval,
        eval_every_epoch=False,
    )
    return Trainer(net, opt, TrainData(x, y, task="classification"), config)


def torch_module(case: Case, state: dict):
    """The case as a torch.nn.Sequential holding ``state`` (engine names -> arrays)."""
    import torch  # noqa: PLC0415  (optional: only for the comparison)

    mods, shape = [], case.input_shape
    for nid, op, p in case.layers:
        if op == "Dense":
            m = torch.nn.Linear(shape[0], p["units"])
            shape = (p["units"],)
        elif op == "Conv2D":
            m = torch.nn.Conv2d(shape[0], p["filters"], p["kernel"], padding=p["padding"])
            shape = (p["filters"], *shape[1:])
        elif op == "MaxPool2D":
            m = torch.nn.MaxPool2d(p["size"])
            shape = (shape[0], shape[1] // 2, shape[2] // 2)
        elif op == "ReLU":
            m = torch.nn.ReLU()
        else:
            m = torch.nn.Flatten()
            shape = (math.prod(shape),)
        with torch.no_grad():
            for name, prm in m.named_parameters():
                prm.copy_(torch.from_numpy(np.asarray(state[f"{nid}.{name}"])))
        mods.append(m)
    return torch.nn.Sequential(*mods)


def torch_epoch(model, opt, x, y, order, batch: int, losses: list | None = None) -> None:
    """One epoch of plain SGD over ``order`` (a permutation), as the Trainer batches it."""
    import torch  # noqa: PLC0415

    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        if losses is not None:
            losses.append(float(loss.detach()))
