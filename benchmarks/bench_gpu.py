"""GPU benchmark: training samples/s on CuPy vs NumPy (and PyTorch CUDA when present).

    python3 benchmarks/bench_gpu.py [--quick]

Same engine code, same data and initial weights on each backend; prints one table.
Where CuPy or a CUDA device is missing it says so and measures NumPy only.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bpstudio.engine.backend import get_xp, gpu_status
from bpstudio.engine.layers import LAYERS
from bpstudio.engine.losses import LOSSES
from bpstudio.engine.network import Network, NodeSpec
from bpstudio.engine.optim import make_optimizer
from bpstudio.engine.trainer import TrainConfig, TrainData, Trainer


def mlp_nodes():
    L = LAYERS
    return [
        NodeSpec("fc1", L["Dense"](units=256), ["x"]),
        NodeSpec("r1", L["ReLU"](), ["fc1"]),
        NodeSpec("fc2", L["Dense"](units=128), ["r1"]),
        NodeSpec("r2", L["ReLU"](), ["fc2"]),
        NodeSpec("fc3", L["Dense"](units=10), ["r2"]),
    ]


def cnn_nodes():
    L = LAYERS
    return [
        NodeSpec("c1", L["Conv2D"](filters=8, kernel=3, padding=1), ["x"]),
        NodeSpec("r1", L["ReLU"](), ["c1"]),
        NodeSpec("p1", L["MaxPool2D"](size=2), ["r1"]),
        NodeSpec("c2", L["Conv2D"](filters=16, kernel=3, padding=1), ["p1"]),
        NodeSpec("r2", L["ReLU"](), ["c2"]),
        NodeSpec("p2", L["MaxPool2D"](size=2), ["r2"]),
        NodeSpec("f", L["Flatten"](), ["p2"]),
        NodeSpec("fc", L["Dense"](units=10), ["f"]),
    ]


CASES = {
    "MLP 784-256-128-10 b128": (mlp_nodes, (784,), 128, 60000),
    "CNN 2conv LeNet-like b64": (cnn_nodes, (1, 28, 28), 64, 10000),
}


def engine_rate(make_nodes, shape, batch, n, device) -> float:
    """Samples/s of one epoch after a warm-up epoch."""
    xp = get_xp(device)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, *shape)).astype(np.float32)
    y = rng.integers(0, 10, n)
    net = Network(
        make_nodes(), "x", "fc3" if shape == (784,) else "fc", LOSSES["CrossEntropyLoss"](), xp=xp
    )
    net.build(shape, np.random.default_rng(0))
    opt = make_optimizer("sgd", net.named_params(), lr=0.01)
    tr = Trainer(
        net, opt, TrainData(x, y), TrainConfig(epochs=1, batch_size=batch, stats_interval=None)
    )
    list(tr.run())  # warm-up: kernels compiled, buffers allocated
    tr.config.epochs = 2
    t0 = time.perf_counter()
    list(tr.run())
    if xp is not np:
        xp.cuda.Device().synchronize()
    return n / (time.perf_counter() - t0)


def torch_rate(shape, batch, n) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    dev = torch.device("cuda")
    if shape == (784,):
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 128),
            torch.nn.ReLU(),
            torch.nn.Linear(128, 10),
        )
    else:
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(16 * 7 * 7, 10),
        )
    model = model.to(dev)
    x = torch.randn((n, *shape), device=dev)
    y = torch.randint(0, 10, (n,), device=dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    lossf = torch.nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(n, device=dev)
        for i in range(0, n, batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = lossf(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss.item()  # the engine syncs once per step as well

    epoch()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    epoch()
    torch.cuda.synchronize()
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller datasets")
    args = ap.parse_args()
    ok, reason = gpu_status()
    print(f"GPU: {'available' if ok else 'unavailable: ' + reason}")
    print(
        f"{'case':<28}{'numpy/s':>12}{'cupy/s':>12}{'cupy/numpy':>12}"
        f"{'torch cuda/s':>14}{'cupy/torch':>12}"
    )
    for name, (make, shape, batch, n) in CASES.items():
        n = n // 10 if args.quick else n
        cpu = engine_rate(make, shape, batch, min(n, 10000), "cpu")
        gpu = engine_rate(make, shape, batch, n, "gpu") if ok else None
        ref = torch_rate(shape, batch, n) if ok else None
        fmt = lambda v: f"{v:,.0f}" if v else "-"  # noqa: E731
        ratio = f"{gpu / cpu:.2f}x" if gpu else "-"
        vs_torch = f"{gpu / ref:.2f}x" if gpu and ref else "-"
        print(f"{name:<28}{fmt(cpu):>12}{fmt(gpu):>12}{ratio:>12}{fmt(ref):>14}{vs_torch:>12}")


if __name__ == "__main__":
    main()
