"""Where one training step of each benchmark case goes, layer by layer (1 BLAS thread).

    python3 benchmarks/profile_layers.py [--steps 60]

Times every node's forward and backward, the loss and the optimiser step with CPU time
(steady on a shared machine), over the same batches, and prints each one's share.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _models import CASES, engine_network, synthetic  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bpstudio.engine.optim import make_optimizer  # noqa: E402


def timed(clock: dict, key: str, fn, *args):
    t = time.process_time()
    out = fn(*args)
    clock[key] = clock.get(key, 0.0) + time.process_time() - t
    return out


def step(net, opt, xb, yb, clock: dict) -> None:
    """Network.loss and Network.backward unrolled, each call timed on its own."""
    net.set_training(True)
    acts = {net.input_id: xb}
    for node in net.nodes:
        ins = [acts[i] for i in node.inputs]
        acts[node.id] = timed(clock, f"{node.id} forward", node.layer.forward, ins)
    timed(clock, "loss forward", net.loss_fn.forward, acts[net.output_id], yb)
    dy = timed(clock, "loss backward", net.loss_fn.backward)
    for node in reversed(net.nodes):
        dy = timed(clock, f"{node.id} backward", node.layer.backward, dy)[0]
        if dy is None:
            break
    timed(clock, "optimizer step", opt.step, net.named_grads())


def profile(case_key: str, steps: int) -> dict:
    case = CASES[case_key]
    x, y = synthetic(case, case.batch * steps)
    net = engine_network(case)
    opt = make_optimizer("sgd", net.named_params(), lr=case.lr)
    order = np.random.default_rng(0).permutation(len(x))
    clock: dict = {}
    for b in range(steps):
        idx = order[b * case.batch : (b + 1) * case.batch]
        xb, yb = timed(clock, "batch gather", lambda i: (x[i], y[i]), idx)
        step(net, opt, xb, yb, clock)
        if b == 0:
            clock.clear()  # the first step allocates the layers' buffers
    return {k: v / (steps - 1) for k, v in clock.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=60)
    args = p.parse_args(argv)
    with threadpool_limits(1):
        for key in CASES:
            per_step = profile(key, args.steps)
            total = sum(per_step.values())
            print(f"\n{CASES[key].name}, batch {CASES[key].batch}: {1e3 * total:.2f} ms a step\n")
            print("| part | us a step | share |\n|---|---|---|")
            for k, v in sorted(per_step.items(), key=lambda kv: -kv[1]):
                print(f"| {k} | {1e6 * v:.0f} | {100 * v / total:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
